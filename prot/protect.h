/*
 * prot/protect.h - the protection layer: protected memory in the running
 * hypervisor, between the vendor-neutral exit handling (core/vexit.c) and
 * the engines (mm/mpe.h policy, prot/mpe_exec.h executor, crypto/aem.h
 * keys).  It sees a vCPU only through struct prot_view, answers each event
 * with a struct prot_outcome, and maps frames through the guest-physical
 * map (mm/gpmap.h) itself: it includes nothing of core/ or a backend.
 *
 *   PROTECT hypercall --> CLASSIFY events --> UNMAP + ENCRYPT in place
 *   nested page fault --> NPF event --------> DECRYPT + MAP, evict LRU
 *   guest CR3 write ----> CTX_SWITCH event -> owner away: UNMAP (+ENCRYPT)
 *   guest HLT (idle) ---> CTX_SWITCH to nobody (lazy TLB keeps the CR3)
 *
 * Owner-only plaintext: the owner is the guest page-table root (CR3, PCID
 * bits masked) that called PROTECT.  Another context reading a protected
 * frame gets its ciphertext mapped read-only; another context's write is
 * diverted to a scratch copy of that ciphertext (the owner's frame never
 * changes) and reported as SHROUD_EV_DENIED.
 *
 * Locking: the state shared by all CPUs (struct prot_state) is taken under
 * prot_lock by every function below; the per-CPU part (struct prot_cpu)
 * belongs to the calling CPU.  No lock is held on return.
 */
#ifndef PROT_PROTECT_H
#define PROT_PROTECT_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/boot/bootinfo.h"
#include "base/types.h"

struct gpmap;
struct prot_cpu;

/* What the protection layer sees of the vCPU at one exit. */
struct prot_view {
	struct prot_cpu *cpu;		/* this CPU's part (prot_cpu_init) */
	uint64_t cr0, cr3, cr4, efer;	/* the guest's paging registers */
	uint64_t rip;			/* guest RIP of the exit */
	uint64_t exit_seq;		/* this CPU's exit count: gaps mean the
					 * guest ran other exits in between */
	unsigned cpl;			/* guest privilege level, 0..3 */
};

/* What the vCPU does next. */
enum prot_verdict {
	PROT_RESUME,		/* handled: enter the guest again */
	PROT_NOT_MINE,		/* not protected memory: the caller decides */
	PROT_INJECT_GP,		/* the guest gets #GP(0) */
	PROT_STOP,		/* the guest cannot go on: stop it, @why */
};

struct prot_outcome {
	enum prot_verdict verdict;
	const char *why;	/* static text for PROT_STOP and logs */
};

/*
 * prot_init - keys, engine storage, tables.  On failure protection stays
 * off (logged) and the hypercalls answer -SHROUD_ENODEV.  Boot CPU only,
 * before any other call.
 */
void prot_init(const struct boot_info *bi);

/*
 * prot_set_shootdown - with several CPUs each has its own guest-physical
 * map (a view).  A protected frame is mapped only in the view of a CPU
 * that runs its owner; a frame leaves every view before its contents
 * change (encrypt, decrypt, wipe).  @fn makes this CPU's changes to other
 * CPUs' views take effect (TLB shootdown, acknowledged) before it returns;
 * the layer calls it before touching such a frame and before it releases
 * its lock.  Core init, before the guest runs.
 */
void prot_set_shootdown(void (*fn)(void));

/*
 * prot_cpu_init - the per-CPU part for vCPU @id over its guest-physical
 * map @gpm (action list, scratch buffers, executor, fault progress).
 * NULL if out of hypervisor memory (the CPU then runs unprotected and the
 * layer stays off).
 */
struct prot_cpu *prot_cpu_init(uint32_t id, struct gpmap *gpm);

/*
 * prot_npf - a nested page fault at @gpa (any alignment) for access
 * @access (VACC_R/W/X of arch/x86/vcpu.h, as 0x1/0x2/0x4).  Sets @out:
 * RESUME if it concerned protected memory (or a released frame) and was
 * handled, NOT_MINE if @gpa is not protected memory, INJECT_GP if the
 * access would compute on altered data (a GCM tag failure) or cannot make
 * progress (the same access faulting over and over, e.g. an instruction
 * fetch from protected data): the guest, never the VM, pays for its own
 * mistakes.  STOP only for an internal failure of the engines.
 */
void prot_npf(const struct prot_view *pv, gpa_t gpa, unsigned access,
	      struct prot_outcome *out);

/* The guest wrote @new_cr3 (already in effect): run the owner switch. */
void prot_cr3_write(const struct prot_view *pv, uint64_t new_cr3);

/*
 * The guest executed HLT while protected frames were clear: nothing runs
 * until the next interrupt, and a sleeping owner must leave no plaintext,
 * even though Linux keeps the last process's CR3 loaded while idle (lazy
 * TLB).  Runs the owner switch to "nobody"; HLT interception is then
 * wanted no more until frames are clear again (prot_intercepts), and the
 * caller re-executes the HLT natively.
 */
void prot_idle(const struct prot_view *pv);

/* The core refused an IPI (SHROUD_HC_GUARD_IPIS): a SHROUD_EV_IPI system
 * event with the guest's @rip and @cr3.  Takes prot_lock. */
void prot_report_ipi_refused(uint64_t rip, uint64_t cr3);

/*
 * prot_intercepts - which intercepts the layer needs now: CR3 writes while
 * any owner-only partition exists, HLT while owner-only frames are clear.
 * The caller applies them before the next guest entry.
 */
void prot_intercepts(bool *cr3_write, bool *hlt);

/*
 * The kernel-integrity lock's control-register pins (prot/klock.h).
 * prot_klocked: whether the lock is on (then CR0/CR4 writes and LIDT
 * must be intercepted).  prot_cr_write: may the guest write @val into CR@cr (0 or 4; @old
 * its value now)?  0, or -ENG_EPERM (refused: the caller injects #GP; the
 * refusal is logged with the guest RIP and CR3 and counted).  Under the
 * lock the pinned bits (CR0.WP, CR4.SMEP/SMAP/UMIP, as set at lock time)
 * may not be cleared, and only CR0.TS/MP/EM and CR4.TSD/PCE/PGE may change
 * at all (values that need no consistency check before the next entry).
 */
bool prot_klocked(void);
int prot_cr_write(const struct prot_view *pv, unsigned cr, uint64_t old,
		  uint64_t val) __attribute__((warn_unused_result));
/*
 * The lock's other pins: a write of the EFER or of a system-call entry MSR
 * (STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP; @msr says which, for
 * the log), @old its value now.  Under the lock EFER.NXE (as set at lock
 * time) may not be cleared and an entry MSR may only be rewritten with
 * the value it has.  0, or -ENG_EPERM (refused, logged, counted: the
 * caller injects #GP).  No effect while unlocked.
 */
int prot_msr_write(const struct prot_view *pv, uint32_t msr, bool efer,
		   uint64_t old, uint64_t val) __attribute__((warn_unused_result));
/* LIDT under the lock: refused, IDTR stays as it was at lock time.
 * -ENG_EPERM (logged, counted; the caller injects #GP), 0 if unlocked. */
int prot_idtr_write(const struct prot_view *pv)
	__attribute__((warn_unused_result));
/* LGDT or LTR under the lock (VT-x, whose descriptor-table exiting takes
 * them with LIDT): refused like LIDT, @what names it in the log.
 * -ENG_EPERM (logged, counted; the caller injects #GP), 0 if unlocked. */
int prot_dt_load(const struct prot_view *pv, const char *what)
	__attribute__((warn_unused_result));

/*
 * prot_wipe_for_reset - the machine is about to reset (the guest asked for
 * it, or triple-faulted): DRAM survives a warm reset, so every protected
 * frame in clear (working sets, CLEAR-tier partitions) and the diverted-
 * write sinks are zeroed, and every key, the master key, the boot nonce
 * and the DRBG state are zeroized.  Ciphertext stays: without the keys it
 * is noise.  Protection is off afterwards.  Any CPU, once; takes prot_lock.
 */
void prot_wipe_for_reset(void);

/* Debug console: one line per partition. */
void prot_print(void);

#endif /* PROT_PROTECT_H */
