/*
 * prot/klock.h - the kernel-integrity lock (issue 10 item 2), in the
 * spirit of Hyper-V's HVCI and the Linux Heki proposal: once locked (the
 * KLOCK hypercall; one-way until reset), the guest kernel can execute only
 * the frames that were kernel text at lock time, and those are read-only.
 *
 * At lock time the caller's page tables are walked over the kernel half:
 * every leaf no level marks NX is kernel text (the kernel image, the text
 * of modules loaded so far, the entry trampolines).  Then every frame of
 * guest RAM that is in no partition is remapped in the guest-physical map
 * at 4 KiB: kernel text R+X (never W), everything else R+W, never X.
 * From then on (unprotected RAM, mm/ partition frames keep their own
 * rights, which never include X for data):
 *   - an instruction fetch at CPL 3 from a frame that is not kernel text
 *     maps it R+X (W^X: a later write, by anyone, maps it R+W and takes X
 *     away again, so new content must be fetched from user mode before it
 *     runs);
 *   - an instruction fetch at CPL 0 from a frame that is not kernel text
 *     is refused: #GP to the guest (an oops of that task), a log line with
 *     the guest RIP and CR3, and the KLOCK counter;
 *   - a write to kernel text is refused the same way.
 * What stops working in a locked Linux: loading modules (their init takes
 * #GP), kexec, BPF JIT images, ftrace/kprobes/static-key and static-call
 * updates (text_poke writes kernel text), EFI runtime services (their
 * code is mapped only in efi_mm, so it is not kernel text at lock time).
 * Pins: CR0.WP and CR4.SMEP/SMAP/UMIP, as set at lock time, can no longer
 * be cleared (CR0/CR4 writes are intercepted while locked; only CR0.TS/
 * MP/EM and CR4.TSD/PGE/PCE may change at all; see prot_cr_write in
 * prot/protect.h); EFER.NXE cannot be cleared and the system-call entry
 * MSRs (STAR, LSTAR, CSTAR, SFMASK, SYSENTER_*) can only be rewritten with
 * the values they have (prot_msr_write); LIDT is refused altogether
 * (prot_idtr_write: IDTR stays as it was at lock time, so suspend/resume
 * and CPU bring-up, which reload it, fail).  Page tables with PTI are not
 * handled (the walk must run on the kernel's own CR3).
 * All under prot_lock.
 */
#ifndef PROT_KLOCK_H
#define PROT_KLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "prot/hypercall.h"
#include "prot/protect.h"

/*
 * SHROUD_HC_KLOCK (include/shroud/abi.h): lock now, from the caller's
 * address space.  Any CPL (locking only takes rights away).  RAX = the
 * number of kernel-text frames, -SHROUD_EBUSY already locked,
 * -SHROUD_ENOSPC no hypervisor memory for the frame bitmap,
 * -SHROUD_EFAULT the page walk failed (nothing changed then).
 */
__attribute__((warn_unused_result))
int64_t prot_hc_klock(const struct prot_view *pv, struct hc_regs *r);

/* Kernel-text frames locked (0 when unlocked) and refusals, for STATS. */
void klock_counts(uint64_t *text_frames, uint64_t *refused);
/* Boot: unlocked, no bitmap (prot_init; the frame allocator starts over
 * then too). */
void klock_init(void);
/* The rights the lock lets frame @gfn have (all of @rights when off). */
unsigned klock_rights(uint64_t gfn, unsigned rights);
/* A nested page fault on RAM in no partition while locked: maps what the
 * lock allows and sets @out (RESUME or INJECT_GP). */
void klock_npf(const struct prot_view *pv, uint64_t gpa, unsigned access,
	       struct prot_outcome *out);

#endif /* PROT_KLOCK_H */
