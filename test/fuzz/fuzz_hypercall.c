/*
 * test/fuzz/fuzz_hypercall.c - libFuzzer harness for the protection layer
 * (prot/: hypercalls, nested page faults, owner switches, idle) over the
 * fake guest of test/unit/fake_guest.h (8 MiB of RAM, two address spaces
 * A and B, user pages at 0x400000).  Each 24-byte record of the input is
 * one event:
 *   byte 0      what: 0..7 hypercall number (7: an unknown one), 8 NPF,
 *               9 CR3 write, 10 idle (HLT)
 *   byte 1      who: bit 0 address space B, bit 1 CPL 0, bits 2-7 RIP
 *   bytes 2-23  arguments, mapped into interesting ranges (GVAs near the
 *               user pages, lengths of a few pages, small ids and flags)
 * Checked after every event: RAX is 0, positive, or a documented error
 * code; a fault's verdict is never STOP (the guest never stops the VM);
 * no owner-only frame is mapped as plaintext for a context that may not
 * read it.
 * At the end every owner lets go (UNPROTECT) and each data frame holds
 * what the guest wrote, or zeros (a frame wiped after REMAP): no protected
 * byte is lost, altered or left encrypted.  Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/boot/bootinfo.h"
#include "base/types.h"
#include "include/shroud/abi.h"
#include "mm/frame.h"
#include "mm/gmem.h"
#include "mm/gpmap.h"
#include "prot/hypercall.h"
#include "prot/prot_state.h"
#include "fake_guest.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define REC	24u

static struct fake_guest fg;
static struct gpmap gpm;
static struct prot_cpu *cpu;

static int setup(void)
{
	struct boot_info bi;

	if (!fg.ram && fg_alloc(&fg))
		return -1;
	if (prot.enabled)
		aem_fini(&prot.aem);
	memset(&prot, 0, sizeof(prot));
	fg_build(&fg);
	frame_init((uint64_t)(uintptr_t)fg.hv,
		   (uint64_t)(uintptr_t)fg.hv + FG_HV_SIZE);
	gmem_reset();
	if (gmem_add_ram(0, FG_RAM_SIZE))
		return -1;
	gmem_set_window(fg.ram);
	if (gpmap_build(&gpm, &fg_npt_format, FG_RAM_SIZE, 3, frame_pgt_alloc,
			frame_pgt_ptr, NULL))
		return -1;
	memset(&bi, 0, sizeof(bi));
	bi.magic = BOOT_INFO_MAGIC;
	bi.version = BOOT_INFO_VERSION;
	bi.mem_top = bi.phys_top = FG_RAM_SIZE;
	bi.ram_count = 1;
	bi.ram[0].size = FG_RAM_SIZE;
	prot_init(&bi);
	cpu = prot_cpu_init(0, &gpm);
	return prot.enabled && cpu ? 0 : -1;
}

static uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint64_t arg_gva(uint64_t r)
{
	switch (r & 7) {
	case 0:  return FG_DATA_GVA + ((r >> 3) % FG_DATA_PAGES) * 0x1000;
	case 1:  return FG_BUF_GVA + ((r >> 3) % (FG_BUF_PAGES * 0x1000));
	case 2:  return FG_UBASE + ((r >> 3) % 0x60000);
	case 3:  return 0xffff800000000000ull + (r >> 3);	/* kernel half */
	default: return r;
	}
}

static uint64_t arg_small(uint64_t r)
{
	switch (r & 3) {
	case 0:  return 0;
	case 1:  return (r >> 2) % 40;
	case 2:  return ((r >> 2) % 12) * 0x1000;
	default: return r;
	}
}

static int rax_ok(uint64_t rax)
{
	int64_t v = (int64_t)rax;

	if (v >= 0)
		return 1;
	switch (-v) {
	case SHROUD_EINVAL: case SHROUD_E2BIG: case SHROUD_EFAULT:
	case SHROUD_EACCES: case SHROUD_EBUSY: case SHROUD_ENOSPC:
	case SHROUD_EPERM: case SHROUD_ENOENT: case SHROUD_EIO:
	case SHROUD_ENOSYS:
		return 1;
	default:
		return 0;
	}
}

/*
 * The harness's model of owner-only frames: PROTECT calls that succeeded
 * with an owner policy and sensitivity CONFIDENTIAL or SECRET (encrypted
 * tiers), frame by frame, until their UNPROTECT.  (A and B share their
 * user page tables, so a GVA of the data pages names one frame.)
 */
static uint16_t model_id[FG_RAM_SIZE >> 12];	/* guest id, 0 = none */
static uint64_t model_owner[FG_RAM_SIZE >> 12];
static uint8_t model_user[FG_RAM_SIZE >> 12];	/* OWNER_USER policy */

static void model_protect(const struct prot_view *v, const struct hc_regs *in,
			  uint64_t id)
{
	uint64_t k, pages = in->rcx >> 12;

	if ((in->rsi & SHROUD_POLICY_MASK) == SHROUD_POLICY_ANY ||
	    in->rdx < SHROUD_SENS_CONFIDENTIAL)
		return;
	for (k = 0; k < pages; k++) {
		uint64_t gva = in->rbx + (k << 12), pte, g;

		if (gva < FG_UBASE || gva >= FG_UBASE + (2ull << 20))
			abort();	/* PROTECT took a page it cannot have */
		pte = fg_u64(&fg, FG_PT)[((gva - FG_UBASE) >> 12) & 0x1ff];
		g = (pte & PTE_ADDR_MASK) >> 12;
		if (g >= FG_RAM_SIZE >> 12)
			abort();
		model_id[g] = (uint16_t)id;
		model_owner[g] = v->cr3 & PART_OWNER_MASK;
		model_user[g] = (in->rsi & SHROUD_POLICY_MASK) ==
				SHROUD_POLICY_OWNER_USER;
	}
}

static void model_unprotect(uint64_t id)
{
	for (size_t g = 0; g < FG_RAM_SIZE >> 12; g++)
		if (model_id[g] == id)
			model_id[g] = 0;
}

/* After @v's fault on @gpa: an owner-only frame is never mapped as
 * plaintext for a context that may not read it (the map is this CPU's:
 * what it holds, @v can read). */
static void check_owner_only(const struct prot_view *v, uint64_t gpa)
{
	uint64_t g = gpa >> 12, e;

	if (!model_id[g] ||
	    (model_owner[g] == (v->cr3 & PART_OWNER_MASK) &&
	     (!model_user[g] || v->cpl == 3)))
		return;
	e = gpmap_lookup(&gpm, mk_gpa(gpa), NULL);
	if (e && (e & PTE_ADDR_MASK) == gpa &&
	    !memcmp(fg.ram + gpa, fg.plain + gpa, 4096)) {
		fprintf(stderr, "plaintext of 0x%llx mapped for a non-owner\n",
			(unsigned long long)gpa);
		abort();
	}
}

static void event(const uint8_t *r, uint64_t seq)
{
	struct prot_view v = { .cpu = cpu, .cr0 = FG_CR0,
			       .cr3 = (r[1] & 1) ? FG_PML4_B : FG_PML4_A,
			       .cr4 = FG_CR4, .efer = FG_EFER,
			       .rip = 0x401000 + (uint64_t)(r[1] >> 2) * 16,
			       .exit_seq = seq, .cpl = (r[1] & 2) ? 0u : 3u };
	unsigned what = r[0] % 11;

	if (what < 8) {
		struct hc_regs h = { what == 7 ? 0x1000u + r[2] : what,
				     arg_gva(u64(r + 2)), arg_small(u64(r + 8)),
				     arg_small(u64(r + 14)) & 0xff,
				     arg_small(u64(r + 16)) };

		if (what == 2 || what == 3)	/* ids */
			h.rbx = u64(r + 2) % 40;
		if (what == SHROUD_HC_PROTECT && (r[20] & 3)) {
			/* mostly well-formed: a few data pages, a valid class
			 * and policy, GCM or XTS, sometimes a working-set size */
			h.rbx = FG_DATA_GVA + (uint64_t)(r[2] % FG_DATA_PAGES) * 0x1000;
			h.rcx = (1u + r[3] % 6) * 0x1000ull;
			h.rdx = r[4] % 4;
			h.rsi = (uint64_t)(r[5] % 3) |
				((r[6] & 1) ? SHROUD_PF_INTEGRITY : 0) |
				((r[6] & 2) ? ((uint64_t)(1 + r[7] % 4) <<
					       SHROUD_PF_WS_SHIFT) : 0);
		}
		if ((what == 5 || what == 6) && h.rbx >= FG_DATA_GVA &&
		    h.rbx < FG_DATA_GVA + FG_DATA_PAGES * 0x1000ull)
			h.rbx = FG_BUF_GVA;	/* outputs never land on data */
		struct hc_regs in = h;

		hc_dispatch(&v, &h);
		if (what == SHROUD_HC_PROTECT && (int64_t)h.rax > 0)
			model_protect(&v, &in, h.rax);
		if (what == SHROUD_HC_UNPROTECT && h.rax == 0)
			model_unprotect(in.rbx);
		if (!rax_ok(h.rax)) {
			fprintf(stderr, "call %u: rax 0x%llx\n", what,
				(unsigned long long)h.rax);
			abort();
		}
	} else if (what == 8) {
		struct prot_outcome o;
		uint64_t gpa = fg_data_gpa((unsigned)(r[2] % FG_DATA_PAGES));

		if ((r[3] & 7) == 7)
			gpa = ((u64(r + 4) % FG_RAM_SIZE) & ~0xfffull);
		prot_npf(&v, mk_gpa(gpa), 1u << (r[3] >> 3) % 3, &o);
		if (o.verdict == PROT_STOP) {
			fprintf(stderr, "npf at 0x%llx stopped the VM: %s\n",
				(unsigned long long)gpa, o.why);
			abort();
		}
		check_owner_only(&v, gpa);
	} else if (what == 9) {
		prot_cr3_write(&v, v.cr3);
	} else {
		prot_idle(&v);
	}
}

/* Every owner lets go; every data frame is what the guest wrote, or was
 * wiped (REMAP). */
static void release_and_check(void)
{
	static const uint8_t zero[4096];
	unsigned i;

	for (i = 1; i <= PROT_PART_SLOTS; i++) {
		const struct partition *mp = prot_mpe_part((uint16_t)(i - 1));
		struct prot_view o = { .cpu = cpu, .cr0 = FG_CR0,
				       .cr3 = mp ? mp->owner : 0, .cr4 = FG_CR4,
				       .efer = FG_EFER, .cpl = 3 };
		struct hc_regs h = { SHROUD_HC_UNPROTECT, i, 0, 0, 0 };

		if (!mp)
			continue;
		hc_dispatch(&o, &h);
		if (h.rax && h.rax != (uint64_t)-(int64_t)SHROUD_EIO)
			abort();
	}
	if (prot.mpe.map.count)
		abort();	/* a frame left in some partition */
	for (i = 0; i < FG_DATA_PAGES; i++) {
		uint64_t g = fg_data_gpa(i);

		if (memcmp(fg.ram + g, fg.plain + g, 4096) &&
		    memcmp(fg.ram + g, zero, 4096)) {
			fprintf(stderr, "data frame 0x%llx lost\n",
				(unsigned long long)g);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint64_t seq = 1;

	if (n > 64 * REC || setup())
		return 0;
	memset(model_id, 0, sizeof(model_id));
	for (; n >= REC; d += REC, n -= REC)
		event(d, seq += 1 + (d[1] & 1));
	release_and_check();
	return 0;
}
