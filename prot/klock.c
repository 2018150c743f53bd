/*
 * prot/klock.c - the kernel-integrity lock (prot/klock.h).
 */
#include "prot/klock.h"
#include "base/lib.h"
#include "base/log.h"
#include "mm/frame.h"
#include "mm/gmem.h"
#include "mm/gpmap.h"
#include "mm/gpt_walk.h"
#include "prot/prot_state.h"

#define KLOCK_WALK_TABLES	16384u	/* page tables read at lock time */

/* Control-register bits (Intel SDM Vol. 3A 2.5, AMD APM Vol. 2 3.1). */
#define KL_CR0_WP	(1ull << 16)
#define KL_CR0_FREE	((1ull << 1) | (1ull << 2) | (1ull << 3))	/* MP EM TS */
#define KL_CR4_PINS	((1ull << 11) | (1ull << 20) | (1ull << 21))	/* UMIP SMEP SMAP */
#define KL_CR4_FREE	((1ull << 2) | (1ull << 7) | (1ull << 8))	/* TSD PGE PCE */

static struct {
	bool on;
	uint64_t *text;		/* bit per guest frame below top */
	uint64_t nframes;
	uint64_t text_frames, refused;
	uint64_t cr0_pins, cr4_pins;	/* as set at lock time */
	uint64_t efer_pins;
} kl;

#define KL_EFER_NXE	(1ull << 11)

static bool is_text(uint64_t gfn)
{
	return gfn < kl.nframes && (kl.text[gfn >> 6] >> (gfn & 63)) & 1;
}

void klock_counts(uint64_t *text_frames, uint64_t *refused)
{
	*text_frames = kl.on ? kl.text_frames : 0;
	*refused = kl.refused;
}

void klock_init(void)
{
	memset(&kl, 0, sizeof(kl));
}

bool prot_klocked(void)
{
	return kl.on;
}

unsigned klock_rights(uint64_t gfn, unsigned rights)
{
	if (!kl.on)
		return rights;
	return is_text(gfn) ? (rights & ~GPM_W) : (rights & ~GPM_X);
}

static int mark_text(void *ctx, uint64_t gva, uint64_t gpa, uint64_t size)
{
	uint64_t g, end = (gpa + size) >> 12;

	(void)ctx;
	(void)gva;
	for (g = gpa >> 12; g < end && g < kl.nframes; g++)
		if (gmem_is_ram(g << 12, FRAME_SIZE) && !is_text(g)) {
			kl.text[g >> 6] |= 1ull << (g & 63);
			kl.text_frames++;
		}
	return 0;
}

int64_t prot_hc_klock(const struct prot_view *pv, struct hc_regs *r)
{
	struct gpt_walk w = { pv->cr0, pv->cr3, pv->cr4, pv->efer, gmem_read,
			      0 };
	uint64_t bytes, hpa, g;
	uint32_t i;
	int rc;

	if (r->rbx || r->rcx || r->rdx || r->rsi)
		return -SHROUD_EINVAL;
	if (kl.on)
		return -SHROUD_EBUSY;
	kl.nframes = prot.ram_top >> 12;
	bytes = (kl.nframes + 63) / 64 * 8;
	if (!kl.text) {
		hpa = frame_alloc_contig((unsigned)((bytes + 4095) >> 12));
		if (!hpa)
			return -SHROUD_ENOSPC;
		kl.text = hpa_ptr(hpa);
	}
	memset(kl.text, 0, bytes);
	kl.text_frames = 0;
	rc = gpt_for_each_kernel_exec_leaf(&w, mark_text, NULL,
					   KLOCK_WALK_TABLES);
	if (rc || !kl.text_frames) {
		log_warn("prot", "kernel lock refused: the walk of cr3 0x%llx "
			 "failed (%d, %llu text frames)",
			 (unsigned long long)pv->cr3, rc,
			 (unsigned long long)kl.text_frames);
		return -SHROUD_EFAULT;
	}
	/* Every 2 MiB of RAM at 4 KiB first: the only step that needs map
	 * frames, so that running out changes nobody's rights. */
	for (i = 0; i < prot.ncpus; i++) {	/* every CPU's view */
		if (!prot.cpus[i])
			continue;
		for (g = 0; g < kl.nframes; g += 512) {
			rc = gpmap_split_2m(prot.cpus[i]->gpm, mk_gpa(g << 12));
			if (rc == -ENG_ENOMEM) {
				log_warn("prot", "kernel lock refused: no frames to "
					 "split the guest-physical map");
				return -SHROUD_ENOSPC;
			}
		}
	}
	kl.on = true;
	kl.cr0_pins = pv->cr0 & KL_CR0_WP;
	kl.cr4_pins = pv->cr4 & KL_CR4_PINS;
	kl.efer_pins = pv->efer & KL_EFER_NXE;
	for (g = 0; g < kl.nframes; g++) {
		if (!gmem_is_ram(g << 12, FRAME_SIZE) ||
		    part_map_lookup(&prot.mpe.map, mk_gfn(g)))
			continue;
		for (i = 0; i < prot.ncpus; i++) {
			if (!prot.cpus[i])
				continue;
			rc = gpmap_map_4k(prot.cpus[i]->gpm, mk_gpa(g << 12),
					  mk_hpa(g << 12), is_text(g) ?
					  (GPM_R | GPM_X) : (GPM_R | GPM_W));
			if (rc && rc != -ENG_EPERM)	/* EPERM: hidden range */
				log_err("prot", "kernel lock: gpa 0x%llx kept its "
					"rights on cpu %u (%d)",
					(unsigned long long)(g << 12), i, rc);
		}
	}
	log_info("prot", "kernel locked from cr3 0x%llx at rip 0x%llx: %llu "
		 "kernel-text frames executable and read-only, every other "
		 "frame no-execute for the kernel; pinned cr0 0x%llx cr4 0x%llx",
		 (unsigned long long)pv->cr3, (unsigned long long)pv->rip,
		 (unsigned long long)kl.text_frames,
		 (unsigned long long)kl.cr0_pins,
		 (unsigned long long)kl.cr4_pins);
	return (int64_t)kl.text_frames;
}

/* Count and log one refusal (the caller holds prot_lock); -ENG_EPERM. */
static int refuse(const struct prot_view *pv, uint64_t at, const char *what)
{
	static uint32_t budget = 32;	/* guest-triggered */

	kl.refused++;
	prot_system_event(SHROUD_EV_KLOCK, pv->rip, pv->cr3);
	if (log_ratelimit(&budget))
		log_warn("prot", "kernel lock: %s at gpa/cr/msr 0x%llx refused: rip "
			 "0x%llx cr3 0x%llx cpl %u (#GP to the guest; %llu "
			 "refused so far)", what, (unsigned long long)at,
			 (unsigned long long)pv->rip,
			 (unsigned long long)pv->cr3, pv->cpl,
			 (unsigned long long)kl.refused);
	return -ENG_EPERM;
}

/* The same from an exit that does not hold prot_lock. */
static int refuse_locking(const struct prot_view *pv, uint64_t at,
			  const char *what)
{
	int rc;

	spin_lock(&prot_lock);
	rc = refuse(pv, at, what);
	prot_unlock();
	return rc;
}

int prot_cr_write(const struct prot_view *pv, unsigned cr, uint64_t old,
		  uint64_t val)
{
	uint64_t pins = cr == 0 ? kl.cr0_pins : kl.cr4_pins;
	uint64_t free = cr == 0 ? KL_CR0_FREE : KL_CR4_FREE;

	if (!kl.on)
		return 0;
	if ((val & pins) != pins)
		return refuse_locking(pv, cr, cr == 0 ?
				      "CR0.WP cleared (pinned)" :
				      "CR4.SMEP/SMAP/UMIP cleared (pinned)");
	if ((old ^ val) & ~free & ~pins)
		return refuse_locking(pv, cr, cr == 0 ?
				      "a CR0 change the lock does not allow" :
				      "a CR4 change the lock does not allow");
	return 0;
}

int prot_msr_write(const struct prot_view *pv, uint32_t msr, bool efer,
		   uint64_t old, uint64_t val)
{
	if (!kl.on)
		return 0;
	if (efer && (val & kl.efer_pins) != kl.efer_pins)
		return refuse_locking(pv, msr, "EFER.NXE cleared (pinned)");
	if (!efer && val != old)
		return refuse_locking(pv, msr, "a system-call entry MSR "
				      "rewritten (pinned)");
	return 0;
}

int prot_idtr_write(const struct prot_view *pv)
{
	return prot_dt_load(pv, "LIDT (IDTR pinned)");
}

int prot_dt_load(const struct prot_view *pv, const char *what)
{
	return kl.on ? refuse_locking(pv, 0, what) : 0;
}

void klock_npf(const struct prot_view *pv, uint64_t gpa, unsigned access,
	       struct prot_outcome *out)
{
	uint64_t g = gpa >> 12;
	bool text = is_text(g);
	const char *why = NULL;
	unsigned rights;

	if (access & 0x4u) {			/* instruction fetch */
		if (!text && pv->cpl != 3)
			why = "kernel execution outside its text";
		rights = GPM_R | GPM_X;		/* W^X */
	} else if (access & 0x2u) {		/* write */
		if (text)
			why = "write to kernel text";
		rights = GPM_R | GPM_W;
	} else {
		rights = text ? (GPM_R | GPM_X) : (GPM_R | GPM_W);
	}
	if (why) {
		(void)refuse(pv, gpa, why);
		out->verdict = PROT_INJECT_GP;
		out->why = why;
		return;
	}
	if (gpmap_map_4k(pv->cpu->gpm, mk_gpa(gpa), mk_hpa(gpa), rights)) {
		out->verdict = PROT_STOP;
		out->why = "out of guest-physical map frames";
		return;
	}
	out->verdict = PROT_RESUME;
	out->why = NULL;
}
