/*
 * core/hypercall.h - vendor-neutral hypercall dispatch (ABI in
 * include/shroud/abi.h).  The vendor exit handler copies the guest's
 * registers into struct hc_regs, calls hc_dispatch(), writes the registers
 * back and advances RIP.  A guest's mistake is a return code, never a panic.
 */
#ifndef CORE_HYPERCALL_H
#define CORE_HYPERCALL_H

#include <stdint.h>
#include "core/vcpu.h"

struct hc_regs {
	uint64_t rax, rbx, rcx, rdx, rsi;	/* IN: nr, args; OUT: results */
	unsigned cpl;				/* caller's privilege level */
};

/* Dispatch the call in @r; results (RAX and any extra outputs) are written
 * back into @r. */
void hc_dispatch(struct vcpu *v, struct hc_regs *r);

#endif /* CORE_HYPERCALL_H */
