/*
 * core/vexit.c - the meaning of every #VMEXIT, written once for all
 * backends: the backend decodes its control block into struct vexit and
 * struct vcpu_guest (arch/x86/vcpu.h), this file decides, and the backend
 * writes the result back at the next entry.  A guest's mistake is answered
 * with an injected exception or an error code; only a state the hypervisor
 * cannot continue from stops the guest, with the reason logged.
 */
#include "core/core.h"
#include "arch/x86/apic.h"
#include "core/smp.h"
#include "arch/x86/cpu.h"
#include "arch/x86/insn.h"
#include "base/lib.h"
#include "base/log.h"
#include "core/cpuid.h"
#include "mm/gmem.h"
#include "mm/gpmap.h"
#include "mm/gpt_walk.h"
#include "prot/hypercall.h"
#include "include/shroud/abi.h"
#include "prot/protect.h"

#define VEC_UD	6
#define VEC_GP	13

static const uint8_t op_cpuid[] = { 0x0f, 0xa2 };
static const uint8_t op_rdmsr[] = { 0x0f, 0x32 };
static const uint8_t op_wrmsr[] = { 0x0f, 0x30 };

static struct gpt_walk guest_walker(const struct vcpu *v)
{
	struct gpt_walk w = { v->g.cr0, v->g.cr3, v->g.cr4, v->g.efer,
			      gmem_read, 0 };

	return w;
}

static struct prot_view prot_view_of(const struct vcpu *v)
{
	struct prot_view pv = { v->prot, v->g.cr0, v->g.cr3, v->g.cr4,
				v->g.efer, v->g.rip, v->exits_total,
				v->g.cpl };

	return pv;
}

static void set_rip(struct vcpu *v, uint64_t rip)
{
	v->g.rip = rip;
	v->g.dirty |= VG_DIRTY_RIP;
}

static void inject(struct vcpu *v, unsigned vector, bool has_error)
{
	v->ops->inject(v, vector, has_error, 0);
}

/* The bytes at the guest's RIP for a decoder: as many as are readable,
 * up to INSN_MAX_LEN (an instruction may end just before an unmapped
 * page); the count, or 0 if fewer than @min. */
static unsigned fetch_insn(struct vcpu *v, uint8_t b[INSN_MAX_LEN],
			   unsigned min)
{
	struct gpt_walk w = guest_walker(v);
	unsigned n;

	for (n = INSN_MAX_LEN; n >= min; n--)
		if (!gpt_read(&w, v->g.cs_base + v->g.rip, b, n))
			return n;
	return 0;
}

/*
 * Advance RIP past the intercepted instruction @opc.  When the hardware
 * tells its length (AMD nRIP, Intel's exit instruction length) that is
 * used; otherwise (QEMU TCG) the instruction is fetched through the
 * guest's page tables and its prefixes counted.
 */
static void advance_rip(struct vcpu *v, const uint8_t *opc, unsigned len)
{
	struct gpt_walk w;
	uint8_t bytes[INSN_MAX_LEN];
	uint64_t at = v->g.cs_base + v->g.rip;
	unsigned n = 0;

	if (v->exit.insn_len) {
		set_rip(v, v->g.rip + v->exit.insn_len);
		return;
	}
	w = guest_walker(v);
	if (!gpt_read(&w, at, bytes, len + 5))
		n = insn_len_expected(bytes, len + 5, opc, len, v->g.cs_long);
	else if (!gpt_read(&w, at, bytes, len))
		n = insn_len_expected(bytes, len, opc, len, v->g.cs_long);
	if (!n) {
		if (log_ratelimit(&v->decode_warn_budget))
			log_warn("vcpu", "cannot decode at rip 0x%llx, assuming "
				 "%u bytes", (unsigned long long)v->g.rip, len);
		n = len;
	}
	set_rip(v, v->g.rip + n);
}

static void exit_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->g.rax, sub = (uint32_t)v->gpr.rcx;
	struct cpuid_regs h = cpuid_count(leaf, sub);
	struct cpuid_out r = { h.eax, h.ebx, h.ecx, h.edx };

	cpuid_guest_view(v->ops, leaf, sub, v->g.cr4, &r);
	v->g.rax = r.eax;
	v->g.dirty |= VG_DIRTY_RAX;
	v->gpr.rbx = r.ebx;
	v->gpr.rcx = r.ecx;
	v->gpr.rdx = r.edx;
	advance_rip(v, op_cpuid, sizeof(op_cpuid));
}

/* KVM's convention: number in RAX, arguments RBX, RCX, RDX, RSI; results
 * in RAX and, where a call documents them, RBX, RCX, RDX, RSI. */
static void exit_hypercall(struct vcpu *v)
{
	struct prot_view pv = prot_view_of(v);
	struct hc_regs r = { v->g.rax, v->gpr.rbx, v->gpr.rcx, v->gpr.rdx,
			     v->gpr.rsi };

	v->hypercalls++;
	hc_dispatch(&pv, &r);
	v->g.rax = r.rax;
	v->g.dirty |= VG_DIRTY_RAX;
	v->gpr.rbx = r.rbx;
	v->gpr.rcx = r.rcx;
	v->gpr.rdx = r.rdx;
	v->gpr.rsi = r.rsi;
	advance_rip(v, v->ops->hypercall_insn, v->ops->hypercall_insn_len);
}

/* EFER bits a guest may write (AMD APM Vol. 2, 3.1.7; Intel SDM Vol. 3A
 * 2.2.1); the backend's own bits (efer_reserved) stay hidden. */
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_NXE | EFER_FFXSR | EFER_TCE)

static int wrmsr_efer(struct vcpu *v, uint64_t val)
{
	if (val & ~(EFER_GUEST_BITS | EFER_LMA))
		return -ENG_EPERM;
	/* Toggling LME with paging on is #GP (APM Vol. 2, 14.6.1). */
	if ((v->g.cr0 & CR0_PG) && ((val ^ v->g.efer) & EFER_LME))
		return -ENG_EPERM;
	v->g.efer = (val & EFER_GUEST_BITS) | (v->g.efer & EFER_LMA);
	v->g.dirty |= VG_DIRTY_EFER;
	return 0;
}

#define APIC_BASE_BSP	(1ull << 8)
#define APIC_BASE_EXTD	(1ull << 10)
#define APIC_BASE_EN	(1ull << 11)

/*
 * Inter-processor interrupts.  Every CPU runs under the hypervisor
 * (core/smp.c), and none may ever start outside it: the hardware must
 * never deliver an INIT or start-up IPI that the guest asked for, nor an
 * SMI.  So the guest's interrupt command register is guarded in both
 * modes (Intel SDM Vol. 3A 10.6.1 and 10.12.9; AMD APM Vol. 2 16.5 and
 * 16.11):
 *   xAPIC   the 4 KiB MMIO page at IA32_APIC_BASE is mapped read-only in
 *           this CPU's view, so every write faults (#NPF); the store (MOV
 *           r/m32, r32 or imm32) is decoded and done by the hypervisor;
 *   x2APIC  WRMSR 0x830 (the ICR) is intercepted.
 * Each ICR value gets apic_icr_classify()'s verdict: fixed and lowest-
 * priority interrupts are sent (every target is a virtualized CPU), INIT
 * and start-up IPIs to other CPUs are emulated (core/smp.c), NMIs only to
 * this CPU, and the rest is refused: dropped (the target never sees it),
 * logged, counted and a SHROUD_EV_IPI event.  While some CPU the firmware
 * reported is not under the hypervisor, only what reaches this CPU alone
 * is sent (apic_icr_self_only), and INIT/SIPI are emulated only for the
 * virtualized CPUs.  A store that cannot be decoded, or an instruction
 * fetch from the page, is #GP.  The guest may still move its APIC
 * (wrmsr_apic_base): the guard moves with it, and the new base may not be
 * guest RAM.
 * The guard is armed by SHROUD_HC_GUARD_IPIS, which the loader makes when
 * the firmware's ExitBootServices has returned (until then the firmware,
 * the measured boot chain, owns its parked APs); the hypervisor then
 * takes the APs (smp_start_aps), each arming its own guard.
 */
#define APIC_GUARD_NONE		(~0ull)

static bool ipi_guard_armed, aps_to_start;
static uint32_t apic_ipi_warn_budget = 16;
uint64_t core_ipis_refused;

static volatile uint32_t *apic_mmio(uint64_t base, unsigned reg)
{
	return (volatile uint32_t *)(uintptr_t)(base + reg);
}

static void ipi_refused(struct vcpu *v, uint32_t lo, uint32_t dest)
{
	core_ipis_refused++;
	prot_report_ipi_refused(v->g.rip, v->g.cr3);
	if (log_ratelimit(&apic_ipi_warn_budget))
		log_warn("vcpu", "cpu %u: IPI refused (ICR 0x%x, destination "
			 "0x%x, rip 0x%llx)",
			 v->id, lo, dest, (unsigned long long)v->g.rip);
}

/* Guard the APIC page that IA32_APIC_BASE = @msr puts in place (xAPIC
 * enabled: read-only; otherwise none) and give the old one back all
 * rights.  The new page is guarded first, so a failure (no frame for the
 * split: -ENG_ENOMEM) changes nothing and the old guard stays. */
static int apic_guard_set(struct vcpu *v, uint64_t msr)
{
	uint64_t want = ((msr & APIC_BASE_EN) && !(msr & APIC_BASE_EXTD)) ?
			(msr & ~0xfffull) & ((1ull << 52) - 1) : APIC_GUARD_NONE;
	uint64_t *guard = &this_pcpu()->apic_guard_gpa;
	int rc;

	if (want == (*guard))
		return 0;
	if (want != APIC_GUARD_NONE) {
		rc = gpmap_map_4k(v->gpm, mk_gpa(want), mk_hpa(want), GPM_R);
		if (rc)
			return rc;
	}
	/* an existing 4 KiB leaf: no allocation, cannot fail */
	if ((*guard) != APIC_GUARD_NONE &&
	    gpmap_map_4k(v->gpm, mk_gpa((*guard)),
			 mk_hpa((*guard)), GPM_RWX))
		log_warn("vcpu", "old APIC page 0x%llx left read-only",
			 (unsigned long long)(*guard));
	(*guard) = want;
	v->ops->flush_tlb(v);
	return 0;
}

/*
 * IA32_APIC_BASE (Intel SDM Vol. 3A 10.4.4 and 10.12.5; AMD APM Vol. 2
 * 16.3.1).  The guest may relocate, enable or disable its APIC and switch
 * x2APIC mode, but never put the APIC's 4 KiB MMIO page on the
 * hypervisor's memory: the host's own accesses there would reach the APIC
 * (its page tables, keys in flight).  The value is checked in full before
 * the host writes it, since a value the CPU refuses would #GP the host.
 */
static int wrmsr_apic_base(struct vcpu *v, uint64_t val)
{
	uint64_t phys = 1ull << (cpuid(0x80000008).eax & 0xff);
	uint64_t cur = rdmsr(MSR_APIC_BASE), base = val & ~0xfffull;

	if (val & ~((phys - 1) & ~0xfffull) & ~(APIC_BASE_BSP | APIC_BASE_EXTD |
						 APIC_BASE_EN))
		return -ENG_EPERM;		/* reserved bits */
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN))
		return -ENG_EPERM;		/* x2APIC but disabled: invalid */
	if ((cur & APIC_BASE_EXTD) && (cur & APIC_BASE_EN) &&
	    (val & APIC_BASE_EN) && !(val & APIC_BASE_EXTD))
		return -ENG_EPERM;		/* x2APIC -> xAPIC directly */
	if (!(cur & APIC_BASE_EN) && (val & APIC_BASE_EXTD))
		return -ENG_EPERM;		/* disabled -> x2APIC directly */
	if (base < core_hv_end && base + 0x1000 > core_hv_base)
		return -ENG_EPERM;		/* onto the hypervisor's memory */
	if (core_ncpus > 1 && (cur & APIC_BASE_EN) && !(val & APIC_BASE_EN)) {
		/* a disabled APIC could not take the hypervisor's NMIs
		 * (shootdowns): the write is ignored, as if it had no effect */
		if (log_ratelimit(&apic_ipi_warn_budget))
			log_warn("vcpu", "cpu %u: APIC disable ignored (SMP)",
				 v->id);
		return 0;
	}
	if ((val & APIC_BASE_EN) && (gmem_is_ram(base, 0x1000) ||
				     base + 0x1000 > core_phys_top))
		return -ENG_EPERM;		/* onto guest RAM, or where the
						 * host cannot reach it (the IPI
						 * guard does its stores) */
	/* the IPI guard moves first: if it cannot, the APIC stays (#GP) */
	if (ipi_guard_armed && apic_guard_set(v, val))
		return -ENG_EPERM;
	wrmsr(MSR_APIC_BASE, (val & ~APIC_BASE_BSP) | (cur & APIC_BASE_BSP));
	return 0;
}

/* SHROUD_HC_GUARD_IPIS (prot/hypercall.c calls it under prot_lock): the
 * boot CPU's guard; the APs are started after the call (no lock held). */
static int arm_ipi_guard(void)
{
	struct vcpu *v = &this_pcpu()->vcpu;
	uint64_t msr = rdmsr(MSR_APIC_BASE);

	if (ipi_guard_armed)
		return -SHROUD_EBUSY;
	if (apic_guard_set(v, msr))
		vcpu_stop(v, "cannot guard the local APIC page");
	ipi_guard_armed = true;
	aps_to_start = true;
	log_info("vcpu", "cpu %u: IPI guard armed (%s mode, APIC base 0x%llx)",
		 v->id, (msr & APIC_BASE_EXTD) ? "x2APIC" : "xAPIC",
		 (unsigned long long)(msr & ~0xfffull));
	return 0;
}

void core_ap_guard(struct vcpu *v)
{
	if (ipi_guard_armed && apic_guard_set(v, rdmsr(MSR_APIC_BASE)))
		panic("cpu %u: cannot guard the local APIC page", v->id);
}

void core_cpu_reset_prot(struct vcpu *v)
{
	struct prot_view pv = prot_view_of(v);

	prot_idle(&pv);
}

/*
 * One ICR write of the guest (@lo, destination @dest in the mode's
 * format), with this CPU's APIC ID and logical ID: true if the hardware
 * may send it as it is; otherwise it was emulated or refused here.
 */
static bool icr_write(struct vcpu *v, uint32_t lo, uint32_t dest,
		      uint32_t self_id, uint32_t self_ldr)
{
	enum icr_verdict d = apic_icr_classify(lo, dest, self_id, self_ldr);
	bool others = ICR_SHORTHAND(lo) == ICR_SH_OTHERS;

	if (d == ICR_SEND && !core_all_cpus_virtualized &&
	    !apic_icr_self_only(lo, dest, self_id, self_ldr))
		d = ICR_REFUSE;
	switch (d) {
	case ICR_SEND:
		return true;
	case ICR_INIT:
		if (smp_emulate_init(dest, others))
			return false;
		break;
	case ICR_INIT_DEASSERT:
		return false;
	case ICR_SIPI:
		if (smp_emulate_sipi(dest, others, ICR_VECTOR(lo)))
			return false;
		break;
	default:
		break;
	}
	ipi_refused(v, lo, dest);
	return false;
}

void core_guard_ipis(void)
{
	hc_set_guard_ipis(arm_ipi_guard);
}

/* A write fault on the guarded APIC page: do the store, unless it is an
 * ICR write that could reach another CPU. */
static void apic_mmio_write(struct vcpu *v, uint64_t gpa, unsigned access)
{
	uint8_t b[INSN_MAX_LEN];
	struct insn_store st;
	unsigned n, reg = (unsigned)(gpa & 0xfff);
	uint32_t val;

	if (!(access & VACC_W) || (access & VACC_X) || (reg & 3)) {
		inject(v, VEC_GP, true);
		return;
	}
	n = fetch_insn(v, b, 2);
	if (!n || !insn_decode_mov_store(b, n, v->g.cs_long, &st)) {
		if (log_ratelimit(&v->decode_warn_budget))
			log_warn("vcpu", "cpu %u: APIC write at rip 0x%llx not "
				 "a 32-bit MOV: #GP", v->id,
				 (unsigned long long)v->g.rip);
		inject(v, VEC_GP, true);
		return;
	}
	val = st.imm ? st.value : (uint32_t)*vcpu_gpr(v, st.gpr);
	if (reg == APIC_REG_ICR_LO) {
		uint64_t base = this_pcpu()->apic_guard_gpa;
		uint32_t dest = *apic_mmio(base, APIC_REG_ICR_HI) >> 24;

		if (!icr_write(v, val, dest, *apic_mmio(base, APIC_REG_ID) >> 24,
			       *apic_mmio(base, APIC_REG_LDR) >> 24)) {
			set_rip(v, v->g.rip + st.len);
			return;
		}
	}
	*apic_mmio(this_pcpu()->apic_guard_gpa, reg) = val;
	set_rip(v, v->g.rip + st.len);
}

/* WRMSR 0x830 (x2APIC ICR: destination in bits 63:32): 0 written or
 * refused (dropped), -ENG_EPERM (#GP: not in x2APIC mode). */
static int wrmsr_x2apic_icr(struct vcpu *v, uint64_t val)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_EN) || !(base & APIC_BASE_EXTD))
		return -ENG_EPERM;
	if (ipi_guard_armed && !icr_write(v, (uint32_t)val, (uint32_t)(val >> 32),
					  (uint32_t)rdmsr(MSR_X2APIC_ID),
					  (uint32_t)rdmsr(MSR_X2APIC_LDR)))
		return 0;
	wrmsr(MSR_X2APIC_ICR, val);
	return 0;
}

/* Under the kernel-integrity lock: does writing @val into @msr break a
 * pin (prot_msr_write)?  EFER and the system-call entry MSRs only. */
static bool msr_pinned(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct prot_view pv = prot_view_of(v);
	uint64_t old = 0;

	switch (msr) {
	case MSR_EFER:
		return prot_msr_write(&pv, msr, true, v->g.efer, val) != 0;
	case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SFMASK:
	case MSR_SYSENTER_CS: case MSR_SYSENTER_ESP: case MSR_SYSENTER_EIP:
		if (v->ops->msr(v, msr, false, &old))
			return true;	/* cannot tell: refuse */
		return prot_msr_write(&pv, msr, false, old, val) != 0;
	default:
		return false;
	}
}

static void exit_msr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr.rcx;
	bool write = v->exit.reason == VEXIT_MSR_WRITE;
	uint64_t val = (v->g.rax & 0xffffffffull) | (v->gpr.rdx << 32);
	int rc;

	if (write && prot_klocked() && msr_pinned(v, msr, val)) {
		inject(v, VEC_GP, true);
		return;
	}
	if (msr == MSR_APIC_BASE && write)
		rc = wrmsr_apic_base(v, val);
	else if (msr == MSR_X2APIC_ICR && write)
		rc = wrmsr_x2apic_icr(v, val);
	else if (msr == MSR_EFER && write)
		rc = wrmsr_efer(v, val);
	else if (msr == MSR_EFER) {
		val = v->g.efer & ~v->ops->efer_reserved;
		rc = 0;
	} else
		rc = v->ops->msr(v, msr, write, &val);
	if (rc) {
		inject(v, VEC_GP, true);
		return;
	}
	if (!write) {
		v->g.rax = (uint32_t)val;
		v->g.dirty |= VG_DIRTY_RAX;
		v->gpr.rdx = val >> 32;
	}
	advance_rip(v, write ? op_wrmsr : op_rdmsr, 2);
}

/*
 * XSETBV (Intel SDM Vol. 1 13.3, Vol. 2B XSETBV; AMD APM Vol. 3): the
 * guest's XCR0 is live on the host between exits, and the host's XSAVE
 * bracket (arch/x86/fpu.c) saves guest | host components into an area
 * sized for every component the CPU supports.  So only XCR0 (ECX = 0), from
 * CPL 0, with CR4.OSXSAVE, and a value the CPU accepts is written: x87 set,
 * AVX only with SSE, the AVX-512 triple whole and only with AVX, no bit the
 * CPU does not support.  Anything else is #GP (#UD without OSXSAVE), as on
 * hardware, before the host ever executes it.
 */
#define XCR0_X87	(1ull << 0)
#define XCR0_SSE	(1ull << 1)
#define XCR0_AVX	(1ull << 2)
#define XCR0_BNDS	(3ull << 3)
#define XCR0_AVX512	(7ull << 5)

static int xcr0_valid(uint64_t v)
{
	struct cpuid_regs d = cpuid_count(0xd, 0);
	uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;

	if ((v & ~supported) || !(v & XCR0_X87))
		return 0;
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return 0;
	if ((v & XCR0_AVX512) && ((v & XCR0_AVX512) != XCR0_AVX512 ||
				  !(v & XCR0_AVX)))
		return 0;
	if ((v & XCR0_BNDS) && (v & XCR0_BNDS) != XCR0_BNDS)
		return 0;
	return 1;
}

static void exit_xsetbv(struct vcpu *v)
{
	static const uint8_t op_xsetbv[] = { 0x0f, 0x01, 0xd1 };
	uint64_t val = (v->g.rax & 0xffffffffull) | (v->gpr.rdx << 32);

	if (!(v->g.cr4 & CR4_OSXSAVE)) {
		inject(v, VEC_UD, false);
		return;
	}
	if (v->g.cpl != 0 || (uint32_t)v->gpr.rcx != 0 || !xcr0_valid(val)) {
		inject(v, VEC_GP, true);
		return;
	}
	__asm__ volatile("xsetbv" ::"a"((uint32_t)val),
			 "d"((uint32_t)(val >> 32)), "c"(0));
	advance_rip(v, op_xsetbv, sizeof(op_xsetbv));
}

/* INVD would throw away dirty cache lines, the hypervisor's with them:
 * written back and invalidated instead (WBINVD; the guest cannot tell,
 * except for time). */
static void exit_invd(struct vcpu *v)
{
	static const uint8_t op_invd[] = { 0x0f, 0x08 };

	__asm__ volatile("wbinvd" ::: "memory");
	advance_rip(v, op_invd, sizeof(op_invd));
}

/*
 * Only the hypervisor's UART is intercepted.  The firmware may already have
 * found a UART at that port before the launch, so the port answers as an
 * idle UART with nothing connected: LSR says "transmitter empty, no data"
 * (0x60), every other register reads 0 (which fails Linux's 8250 probe, its
 * IER read-back test), and writes are dropped.
 */
/*
 * The reset paths (a warm reset keeps DRAM: keys and clear frames would
 * survive it): the PCI reset control register 0xCF9 (also QEMU q35's ACPI
 * reset register), the keyboard controller's reset command 0xFE on port
 * 0x64, and port 0x92's fast-reset bit.  A write that resets goes through
 * core_reset(); every other access is passed to the port as is.
 */
static const uint16_t reset_ports[] = { 0xcf9, 0x64, 0x92 };

static bool resets(uint16_t port, uint64_t val)
{
	switch (port) {
	case 0xcf9:	return (val & 0x04) != 0;	/* RST_CPU */
	case 0x64:	return (val & 0xff) == 0xfe;	/* pulse reset line */
	case 0x92:	return (val & 0x01) != 0;	/* fast reset */
	default:	return false;
	}
}

void core_intercept_reset_ports(struct vcpu *v)
{
	unsigned i;

	for (i = 0; i < sizeof(reset_ports) / sizeof(reset_ports[0]); i++)
		v->ops->intercept_port(v, reset_ports[i]);
}

void core_reset(struct vcpu *v, const char *why)
{
	log_warn("vcpu", "cpu %u: %s: reset%s", v->id, why,
		 core_reset_wipe ? " after wiping keys and clear frames" :
		 " WITHOUT wiping (reset_wipe = no, testing only)");
	if (core_reset_wipe)
		prot_wipe_for_reset();
	outb(0xcf9, 0x02);		/* select hard reset ... */
	outb(0xcf9, 0x06);		/* ... and pulse it */
	outb(0x64, 0xfe);		/* no 0xCF9: the keyboard controller */
	vcpu_stop(v, "the reset did not happen");
}

/*
 * An access that touches a reset port: passed through unless it resets.
 * The I/O permission maps stop any access that covers an intercepted port
 * (AMD APM Vol. 2 15.10.2, Intel SDM Vol. 3C 26.1.3), so the PCI
 * configuration-address write (a doubleword OUT to 0xCF8, which covers
 * 0xCF9) comes here too: it is no reset (the chipset decodes CF8-CFB as
 * CONFIG_ADDRESS for doubleword accesses only, PCI Local Bus 3.0,
 * 3.2.2.3.2), every other access is checked byte lane by byte lane.
 */
static void reset_port_io(struct vcpu *v)
{
	const struct vexit *x = &v->exit;
	uint16_t port = x->u.io.port;
	unsigned size = x->u.io.size, i, j;
	uint64_t mask = size >= 4 ? 0xffffffffull : size == 2 ? 0xffff : 0xff;

	if (x->u.io.string)
		return;			/* dropped: no string I/O to these */
	if (x->u.io.in) {
		uint64_t val = size >= 4 ? inl(port) : size == 2 ? inw(port) :
			       inb(port);

		v->g.rax = (v->g.rax & ~mask) | val;
		v->g.dirty |= VG_DIRTY_RAX;
		return;
	}
	for (i = 0; i < size && !(port == 0xcf8 && size == 4); i++)
		for (j = 0; j < sizeof(reset_ports) / sizeof(reset_ports[0]); j++)
			if ((uint16_t)(port + i) == reset_ports[j] &&
			    resets(reset_ports[j], (v->g.rax >> (8 * i)) & 0xff))
				core_reset(v, "the guest resets the machine");
	if (size >= 4)
		outl(port, (uint32_t)v->g.rax);
	else if (size == 2)
		outw(port, (uint16_t)v->g.rax);
	else
		outb(port, (uint8_t)v->g.rax);
}

static void exit_io(struct vcpu *v)
{
	const struct vexit *x = &v->exit;
	static uint32_t str_budget = 4;

	if (x->u.io.port < core_log_port || x->u.io.port >= core_log_port + 8) {
		reset_port_io(v);
		if (!x->insn_len)
			vcpu_stop(v, "I/O exit without an instruction length");
		set_rip(v, v->g.rip + x->insn_len);
		return;
	}
	if (x->u.io.string) {
		if (log_ratelimit(&str_budget))
			log_warn("vcpu", "string I/O to port 0x%x ignored",
				 x->u.io.port);
	} else if (x->u.io.in) {
		uint64_t mask = x->u.io.size >= 4 ? 0xffffffffull :
				x->u.io.size == 2 ? 0xffff : 0xff;
		uint64_t val = (x->u.io.port - core_log_port == 5) ? 0x60 : 0;

		v->g.rax = (v->g.rax & ~mask) | val;
		v->g.dirty |= VG_DIRTY_RAX;
	}
	if (!x->insn_len)
		vcpu_stop(v, "I/O exit without an instruction length");
	set_rip(v, v->g.rip + x->insn_len);
}


/* MOV CRn, reg: the source GPR from the hardware, or decoded. */
static int cr_source(struct vcpu *v, unsigned want, unsigned *gpr,
		     unsigned *len)
{
	uint8_t b[INSN_MAX_LEN];
	unsigned cr, n;

	if (v->exit.u.cr.gpr >= 0) {
		*gpr = (unsigned)v->exit.u.cr.gpr;
		*len = v->exit.insn_len;
		return *len ? 0 : -ENG_ENOTSUP;
	}
	n = fetch_insn(v, b, 3);
	*len = n ? insn_decode_mov_to_cr(b, n, v->g.cs_long, &cr, gpr) : 0;
	return (*len && cr == want) ? 0 : -ENG_ENOTSUP;
}

/* CR3 with CR4.PCIDE: bit 63 is "no flush" (we flush anyway); bits 62:52
 * must be zero (AMD APM Vol. 2, 3.1.2; Intel SDM Vol. 3A 4.10.4.1). */
#define CR4_PCIDE	(1ull << 17)
#define CR3_NOFLUSH	(1ull << 63)
#define CR3_MBZ		0x7ff0000000000000ull

static void exit_cr3_write(struct vcpu *v)
{
	struct prot_view pv;
	unsigned gpr, len;
	uint64_t val;

	if (cr_source(v, 3, &gpr, &len))
		vcpu_stop(v, "cannot decode the CR3 write");
	val = *vcpu_gpr(v, gpr);
	if ((v->g.cr4 & CR4_PCIDE) && (val & CR3_NOFLUSH))
		val &= ~CR3_NOFLUSH;
	if (val & CR3_MBZ) {
		inject(v, VEC_GP, true);
		return;
	}
	v->g.cr3 = val;
	v->g.dirty |= VG_DIRTY_CR3;
	v->ops->flush_tlb(v);
	set_rip(v, v->g.rip + len);
	pv = prot_view_of(v);
	prot_cr3_write(&pv, val);
}

/*
 * MOV to or from a debug register (every one is intercepted: the host's
 * DR0-DR3 hold the master key, crypto/aes_reg.h).  The guest reads and
 * writes its own copies in v->dbg; DR6 is the hardware's guest DR6 (a #DB
 * sets its bits); the hardware DR7 stays 0x400, so the guest's breakpoints
 * are recorded but never armed.  Faults as the SDM (Vol. 3B 18.2, Vol. 2B
 * "MOV DRn") and the APM give them: #GP at CPL > 0 and for a DR6/DR7 write
 * with bits 63:32 set; #UD for DR8-DR15, and for DR4/DR5 with CR4.DE
 * (without it they alias DR6/DR7). An instruction that cannot be decoded
 * (changed under us) gets #UD. No path stops the VM.
 */
#define DR7_ENABLES	0xffull		/* L0-L3, G0-G3 */
#define DR6_FIXED1	0xffff0ff0ull
#define DR7_FIXED1	0x400ull

static void exit_dr(struct vcpu *v)
{
	uint8_t b[INSN_MAX_LEN];
	unsigned n, dr, gpr, len;
	uint64_t *slot, val;
	bool wr;

	if (v->g.cpl) {
		inject(v, VEC_GP, true);
		return;
	}
	n = fetch_insn(v, b, 3);
	len = n ? insn_decode_mov_dr(b, n, v->g.cs_long, &dr, &gpr, &wr) : 0;
	if (!len || dr != v->exit.u.dr.dr || wr != v->exit.u.dr.write ||
	    dr > 7 || ((dr == 4 || dr == 5) && (v->g.cr4 & CR4_DE))) {
		inject(v, VEC_UD, false);
		return;
	}
	if (dr == 4 || dr == 5)
		dr += 2;
	slot = vcpu_gpr(v, gpr);
	if (wr) {
		val = v->g.cs_long ? *slot : (uint32_t)*slot;
		if (dr >= 6 && (val >> 32)) {
			inject(v, VEC_GP, true);
			return;
		}
		if (dr < 4) {
			v->dbg.dr[dr] = val;
		} else if (dr == 6) {
			v->g.dr6 = val | DR6_FIXED1;
			v->g.dirty |= VG_DIRTY_DR6;
		} else {
			v->dbg.dr7 = val | DR7_FIXED1;
			if ((val & DR7_ENABLES) && !v->dbg.warned) {
				v->dbg.warned = 1;
				log_warn("vcpu", "cpu %u: the guest armed a "
					 "hardware breakpoint (DR7 0x%llx): "
					 "recorded, not armed (DR0-DR3 hold "
					 "the key)", v->id,
					 (unsigned long long)val);
			}
		}
	} else {
		val = dr < 4 ? v->dbg.dr[dr] : dr == 6 ? v->g.dr6 :
		      (v->dbg.dr7 | DR7_FIXED1);
		*slot = v->g.cs_long ? val : (uint32_t)val;
		if (gpr == 0)
			v->g.dirty |= VG_DIRTY_RAX;
		if (gpr == 4)
			v->g.dirty |= VG_DIRTY_RSP;
	}
	set_rip(v, v->g.rip + len);
}

/*
 * A write of CR0 or CR4, intercepted only while the kernel-integrity lock
 * is on (prot/klock.h pins CR0.WP and CR4.SMEP/SMAP/UMIP).  MOV CRn is
 * decoded and the protection layer decides; CLTS (which the CR0 write
 * intercept also catches) clears CR0.TS; anything else that writes CR0
 * (LMSW) gets #UD.  An allowed value is the guest's from the next entry,
 * with the guest's TLB flushed (a CR4.PGE toggle is a global flush).
 */
static void exit_cr_pin(struct vcpu *v)
{
	unsigned cr = v->exit.u.cr.cr, gpr, len;
	uint64_t *reg = cr == 0 ? &v->g.cr0 : &v->g.cr4, val;
	struct prot_view pv;
	uint8_t b[2];
	struct gpt_walk w = guest_walker(v);

	if (cr_source(v, cr, &gpr, &len)) {
		if (cr == 0 && !gpt_read(&w, v->g.cs_base + v->g.rip, b, 2) &&
		    b[0] == 0x0f && b[1] == 0x06) {	/* CLTS */
			val = *reg & ~CR0_TS;
			len = 2;
		} else {
			inject(v, VEC_UD, false);
			return;
		}
	} else {
		val = *vcpu_gpr(v, gpr);
		if (!v->g.cs_long)
			val = (uint32_t)val;
	}
	if (cr == 4 && (val & v->ops->cr4_reserved)) {
		inject(v, VEC_GP, true);
		return;
	}
	pv = prot_view_of(v);
	if (prot_cr_write(&pv, cr, *reg, val)) {
		inject(v, VEC_GP, true);
		return;
	}
	*reg = val;
	v->g.dirty |= cr == 0 ? VG_DIRTY_CR0 : VG_DIRTY_CR4;
	v->ops->flush_tlb(v);
	set_rip(v, v->g.rip + len);
}

#define VEC_NP	11
#define VEC_PF	14
#define PF_P	(1u << 0)
#define PF_W	(1u << 1)
#define PF_U	(1u << 2)

static unsigned dt_warn_budget = 16;

/*
 * The guest's own access of @n bytes at linear @gva (@write: a store of
 * @buf, else a load into @buf), made by the host for an emulated
 * instruction, with the checks the CPU makes (Intel SDM Vol. 3A 4.6):
 * the user right at CPL 3, the write right at CPL 3 or with CR0.WP, SMAP
 * at CPL 0 on a user page without RFLAGS.AC; and only on frames this
 * CPU's guest-physical view lets the guest access itself, so neither a
 * protected frame nor locked kernel text is read or written for it.
 * Both pages are checked before a byte moves.  0, or 1 once the fault
 * was injected (#PF with CR2, or #GP(0) for a frame the view withholds,
 * a non-canonical address or a mode the walker does not know).
 */
static int guest_access(struct vcpu *v, uint64_t gva, void *buf, unsigned n,
			bool write)
{
	struct gpt_walk w = guest_walker(v);
	uint8_t *host[2];
	unsigned len[2], parts = 0, i, done = 0;
	uint64_t at = gva;
	bool user = v->g.cpl == 3;
	uint32_t err = (write ? PF_W : 0) | (user ? PF_U : 0);

	while (done < n && parts < 2) {
		unsigned chunk = 4096u - (unsigned)(at & 0xfffu);
		struct gpt_result r;
		int rc;

		if (chunk > n - done)
			chunk = n - done;
		rc = gpt_translate(&w, at, &r);
		if (rc == GPT_EFAULT ||
		    (!rc && ((user && !r.user) ||
			     (write && !r.writable &&
			      (user || (v->g.cr0 & CR0_WP))) ||
			     (!user && r.user && (v->g.cr4 & CR4_SMAP) &&
			      !(v->g.rflags & RFLAGS_AC))))) {
			v->g.cr2 = at;
			v->g.dirty |= VG_DIRTY_CR2;
			v->ops->inject(v, VEC_PF, true, rc ? err : err | PF_P);
			return 1;
		}
		if (rc || !(host[parts] = gmem_ptr(mk_gpa(r.gpa), chunk)) ||
		    !gpmap_guest_may(v->gpm, mk_gpa(r.gpa & ~0xfffull),
				     write ? GPM_W : GPM_R)) {
			if (log_ratelimit(&dt_warn_budget))
				log_warn("vcpu", "cpu %u: an emulated access at "
					 "0x%llx refused (#GP): not the guest's "
					 "to %s in this view", v->id,
					 (unsigned long long)at,
					 write ? "write" : "read");
			inject(v, VEC_GP, true);
			return 1;
		}
		len[parts++] = chunk;
		at += chunk;
		done += chunk;
	}
	for (i = 0, done = 0; i < parts; done += len[i], i++) {
		if (write)
			memcpy(host[i], (const uint8_t *)buf + done, len[i]);
		else
			memcpy((uint8_t *)buf + done, host[i], len[i]);
	}
	return 0;
}

/* Inject @vector with the error code of selector @sel (its index and TI,
 * Intel SDM Vol. 3A 6.13). */
static void inject_sel(struct vcpu *v, unsigned vector, uint16_t sel)
{
	v->ops->inject(v, vector, true, sel & 0xfffcu);
}

/*
 * LLDT (CPL 0, long mode: the lock is on only there), as Intel SDM Vol. 2A
 * "LLDT" and Vol. 3A 3.5 / 8.2.3 describe it: a null selector makes LDTR
 * unusable; else the selector must name a present LDT descriptor
 * (16 bytes) in the GDT, or the guest gets #GP(sel) or #NP(sel).
 */
static void emulate_lldt(struct vcpu *v)
{
	uint16_t sel;
	uint32_t d[4];
	uint64_t base;
	uint32_t limit;

	if (!v->ops->set_ldtr) {
		inject(v, VEC_UD, false);
		return;
	}
	if (v->exit.u.dt.mem) {
		if (guest_access(v, v->exit.u.dt.gva, &sel, 2, false))
			return;
	} else {
		sel = (uint16_t)*vcpu_gpr(v, v->exit.u.dt.gpr);
	}
	if (!(sel & 0xfffcu)) {
		v->ops->set_ldtr(v, sel, 0, 0, 0);
		set_rip(v, v->g.rip + v->exit.insn_len);
		return;
	}
	if ((sel & 4u) || (uint32_t)(sel & ~7u) + 15u > v->exit.u.dt.gdtr_limit) {
		inject_sel(v, VEC_GP, sel);
		return;
	}
	if (guest_access(v, v->exit.u.dt.gdtr_base + (sel & ~7u), d,
			 sizeof(d), false))
		return;
	/* system descriptor, type 2 (LDT), upper half's type 0 (8.2.3) */
	if ((d[1] & (1u << 12)) || ((d[1] >> 8) & 0xfu) != 2u ||
	    ((d[3] >> 8) & 0x1fu)) {
		inject_sel(v, VEC_GP, sel);
		return;
	}
	if (!(d[1] & (1u << 15))) {
		inject_sel(v, VEC_NP, sel);
		return;
	}
	base = (d[0] >> 16) | ((uint64_t)(d[1] & 0xffu) << 16) |
	       (d[1] & 0xff000000u) | ((uint64_t)d[2] << 32);
	limit = (d[0] & 0xffffu) | (d[1] & 0xf0000u);
	if (d[1] & (1u << 23))			/* G: 4 KiB units */
		limit = (limit << 12) | 0xfffu;
	v->ops->set_ldtr(v, sel, base, limit, (uint16_t)((d[1] >> 8) & 0xf0ffu));
	set_rip(v, v->g.rip + v->exit.insn_len);
}

/*
 * VEXIT_DESC_TABLE (VT-x, while the kernel-integrity lock is on: its
 * descriptor-table exiting takes these with the LIDT the lock refuses).
 * The stores are emulated as the CPU does them (Intel SDM Vol. 2B
 * "SGDT/SIDT": limit then base, 10 bytes in 64-bit mode, else 6 with a
 * 32-bit base; "SLDT/STR": 2 bytes to memory, the selector zero-extended
 * into a register); LLDT is emulated (Linux loads an LDT for a process
 * that has one); LGDT and LTR are refused like LIDT (#GP): the GDT and
 * the TSS (its IST stack pointers) stay as they were at lock time.
 */
static void exit_desc_table(struct vcpu *v)
{
	const unsigned op = v->exit.u.dt.op;
	struct prot_view pv = prot_view_of(v);
	uint8_t b[10];
	unsigned n = 2;
	uint64_t base = v->exit.u.dt.table_base;

	switch (op) {
	case VDT_LGDT:
	case VDT_LTR:
		if (prot_dt_load(&pv, op == VDT_LGDT ? "LGDT (GDTR pinned)" :
				 "LTR (TR pinned)"))
			inject(v, VEC_GP, true);
		else
			inject(v, VEC_UD, false);	/* not intercepted */
		return;
	case VDT_LLDT:
		emulate_lldt(v);
		return;
	case VDT_SGDT:
	case VDT_SIDT:
		if (!v->g.cs_long)
			base = (uint32_t)base;
		n = v->g.cs_long ? 10u : 6u;
		memcpy(b, &v->exit.u.dt.table_limit, 2);
		memcpy(b + 2, &base, n - 2);
		break;
	case VDT_SLDT:
	case VDT_STR:
		if (!v->exit.u.dt.mem) {
			*vcpu_gpr(v, v->exit.u.dt.gpr) = v->exit.u.dt.sel;
			v->g.dirty |= v->exit.u.dt.gpr == 0 ? VG_DIRTY_RAX :
				      v->exit.u.dt.gpr == 4 ? VG_DIRTY_RSP : 0;
			set_rip(v, v->g.rip + v->exit.insn_len);
			return;
		}
		memcpy(b, &v->exit.u.dt.sel, 2);
		break;
	default:
		inject(v, VEC_UD, false);
		return;
	}
	if (!guest_access(v, v->exit.u.dt.gva, b, n, true))
		set_rip(v, v->g.rip + v->exit.insn_len);
}

/* LIDT, intercepted only while the kernel-integrity lock is on: refused
 * (#GP), since the interrupt table is pinned as it was at lock time. */
static void exit_idtr_write(struct vcpu *v)
{
	struct prot_view pv = prot_view_of(v);

	if (prot_idtr_write(&pv))	/* refused: logged and counted */
		inject(v, VEC_GP, true);
	else
		inject(v, VEC_UD, false);	/* not locked: not intercepted */
}

static void exit_npf(struct vcpu *v)
{
	struct prot_view pv = prot_view_of(v);
	struct prot_outcome o = { PROT_NOT_MINE, 0 };

	if (this_pcpu()->apic_guard_gpa != APIC_GUARD_NONE &&
	    (v->exit.u.npf.gpa.v & ~0xfffull) == this_pcpu()->apic_guard_gpa) {
		apic_mmio_write(v, v->exit.u.npf.gpa.v, v->exit.u.npf.access);
		return;
	}
	prot_npf(&pv, v->exit.u.npf.gpa, v->exit.u.npf.access, &o);
	switch (o.verdict) {
	case PROT_RESUME:
		return;
	case PROT_INJECT_GP:
		inject(v, VEC_GP, true);
		return;
	case PROT_STOP:
		vcpu_stop(v, o.why ? o.why : "protected memory");
	case PROT_NOT_MINE:
	default:
		break;
	}
	log_err("vcpu", "nested page fault: gpa 0x%llx error 0x%llx",
		(unsigned long long)v->exit.u.npf.gpa.v,
		(unsigned long long)v->exit.u.npf.info);
	vcpu_stop(v, "nested page fault outside the guest-physical map");
}

/* RIP stays on the HLT: with the intercept now off the guest executes it
 * natively and sleeps until its next interrupt. */
static void exit_hlt(struct vcpu *v)
{
	struct prot_view pv = prot_view_of(v);

	prot_idle(&pv);
}

/* The intercepts the protection layer wants, before the next entry. */
static void sync_intercepts(struct vcpu *v)
{
	bool cr3, hlt;

	prot_intercepts(&cr3, &hlt);
	v->ops->intercept(v, VINT_CR3_WRITE, cr3);
	v->ops->intercept(v, VINT_HLT, hlt);
	v->ops->intercept(v, VINT_PINS, prot_klocked());
}

void vexit_handle(struct vcpu *v)
{
	const struct vexit *x = &v->exit;

	v->exits_total++;
	v->exits[x->reason]++;
	if (v->exits_total <= 64)
		log_debug("exit", "#%llu code 0x%llx rip 0x%llx",
			  (unsigned long long)v->exits_total,
			  (unsigned long long)x->code,
			  (unsigned long long)v->g.rip);
	switch (x->reason) {
	case VEXIT_CPUID:
		exit_cpuid(v);
		break;
	case VEXIT_HYPERCALL:
		exit_hypercall(v);
		if (aps_to_start) {	/* after GUARD_IPIS, no lock held */
			aps_to_start = false;
			smp_start_aps(core_bi);
		}
		break;
	case VEXIT_NMI:		/* a kick: smp_poll() has acknowledged */
		smp_nmi_taken();
		break;
	case VEXIT_MSR_READ:
	case VEXIT_MSR_WRITE:
		exit_msr(v);
		break;
	case VEXIT_IO:
		exit_io(v);
		break;
	case VEXIT_NPF:
		exit_npf(v);
		break;
	case VEXIT_CR3_WRITE:
		exit_cr3_write(v);
		break;
	case VEXIT_HLT:
		exit_hlt(v);
		break;
	case VEXIT_VIRT_INSN:
		inject(v, VEC_UD, false);	/* virtualization is hidden */
		break;
	case VEXIT_INVD:
		exit_invd(v);
		break;
	case VEXIT_XSETBV:
		exit_xsetbv(v);
		break;
	case VEXIT_DR_ACCESS:
		exit_dr(v);
		break;
	case VEXIT_CR_PIN_WRITE:
		exit_cr_pin(v);
		break;
	case VEXIT_IDTR_WRITE:
		exit_idtr_write(v);
		break;
	case VEXIT_DESC_TABLE:
		exit_desc_table(v);
		break;
	case VEXIT_SHUTDOWN:
		/* A triple fault resets the machine on hardware: so here,
		 * after the wipe. */
		core_reset(v, "guest shutdown (triple fault)");
	case VEXIT_INIT:
		/* An INIT from outside the guest's APIC (the IPI guard
		 * emulates the guest's own): the CPU would start over under
		 * us. */
		core_reset(v, "INIT signal");
	case VEXIT_OTHER:
	default:
		log_err("vcpu", "unexpected #VMEXIT code 0x%llx",
			(unsigned long long)x->code);
		vcpu_stop(v, "unexpected #VMEXIT");
	}
	/* Every exit: an intercept another CPU's event changed (a new
	 * owner-only partition, the kernel lock) holds here from the next
	 * entry on, and a shootdown's kick makes that entry soon. */
	sync_intercepts(v);
	core_after_exit(v);
}

void vcpu_run(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	if (v->id == 0)
		log_info("vcpu", "cpu %u: launching guest at rip 0x%llx (%s)",
			 v->id, (unsigned long long)v->g.rip, v->ops->name);
	for (;;) {
		if (smp_before_entry(p)) {
			if (v->prot)	/* what this CPU ran is gone: idle */
				core_cpu_reset_prot(v);
			smp_park(p);
		}
		smp_pt_watch_check("before entry");
		if (v->ops->enter(v))
			vcpu_stop(v, "guest entry failed (invalid guest state)");
		smp_pt_watch_check("after exit");
		smp_poll();
		vexit_handle(v);
	}
}

void vcpu_stop(struct vcpu *v, const char *why)
{
	smp_stop_others();
	log_raw("FATAL: guest stopped: %s\n", why);
	v->ops->dump(v);
	core_print_counters(v);
	smp_print();
	log_raw("FATAL: cpu %u halted\n", v->id);
	halt_forever();
}
