/*
 * prot/hypercall.h - hypercall dispatch (ABI in include/shroud/abi.h).
 * The vendor-neutral exit handler (core/vexit.c) copies the guest's
 * registers into struct hc_regs, calls hc_dispatch(), writes RAX, RBX,
 * RCX, RDX and RSI back and advances RIP.  A guest's mistake is a return
 * code in RAX, never a fault or a stop.
 */
#ifndef PROT_HYPERCALL_H
#define PROT_HYPERCALL_H

#include <stdint.h>
#include "prot/protect.h"

struct hc_regs {
	uint64_t rax, rbx, rcx, rdx, rsi;	/* IN: nr, args; OUT: results */
};

/* Dispatch the call in @r for the caller @pv; results (RAX = 0, a positive
 * value or -SHROUD_E*, and a call's extra outputs) are written back into
 * @r.  Takes prot_lock. */
void hc_dispatch(const struct prot_view *pv, struct hc_regs *r);

/*
 * hc_set_guard_ipis - the core's implementation of SHROUD_HC_GUARD_IPIS
 * (the APIC is the core's, not the protection layer's): @fn arms the
 * guard and returns 0 or -SHROUD_EBUSY.  Called once at init; without
 * it the call answers -SHROUD_ENOSYS.  Runs under prot_lock.
 */
void hc_set_guard_ipis(int (*fn)(void));

#endif /* PROT_HYPERCALL_H */
