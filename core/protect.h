/*
 * core/protect.h - protected memory in the running hypervisor: the glue
 * between #VMEXITs / hypercalls and the engines (mm/mpe.h policy,
 * mm/mpe_exec.h executor, crypto/aem.h keys).
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
 * One CPU, no host interrupts: no locking.
 */
#ifndef CORE_PROTECT_H
#define CORE_PROTECT_H

#include <stdint.h>
#include "arch/x86/boot/bootinfo.h"
#include "core/hypercall.h"
#include "core/vcpu.h"

/* Set up keys and tables; on failure protection stays off (logged) and
 * the hypercalls answer -SHROUD_ENODEV. */
void prot_init(struct vcpu *v, const struct boot_info *bi);

/*
 * A nested page fault at @gpa (EXITINFO1 error code @err) by the guest
 * instruction at @rip.  Returns 1 if
 * it concerned protected memory and was handled (the guest may resume),
 * 0 if the GPA is not protected memory, negative if the guest cannot go
 * on (the caller stops it with the logged reason).
 */
int prot_npf(struct vcpu *v, uint64_t gpa, uint64_t err, uint64_t rip);

/* The guest wrote @new_cr3: run the owner switch. */
void prot_cr3_write(struct vcpu *v, uint64_t new_cr3);

/*
 * The guest executed HLT while protected frames were clear: nothing runs
 * until the next interrupt, and a sleeping owner must leave no plaintext,
 * even though Linux keeps the last process's CR3 loaded while idle (lazy
 * TLB).  Runs the owner switch to "nobody", then stops intercepting HLT
 * until frames are clear again; the caller re-executes the HLT natively.
 */
void prot_idle(struct vcpu *v);

/* Hypercall handlers (ABI in include/shroud/abi.h). */
int64_t prot_hc_protect(struct vcpu *v, struct hc_regs *r);
int64_t prot_hc_unprotect(struct vcpu *v, struct hc_regs *r);
int64_t prot_hc_query(struct vcpu *v, struct hc_regs *r);
int64_t prot_hc_list(struct vcpu *v, struct hc_regs *r);
int64_t prot_hc_stats(struct vcpu *v, struct hc_regs *r);
int64_t prot_hc_events(struct vcpu *v, struct hc_regs *r);

/* Debug console: one line per partition. */
void prot_print(void);

#endif /* CORE_PROTECT_H */
