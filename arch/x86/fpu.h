/*
 * arch/x86/fpu.h - XMM bracket for the host (see fpu.c).  crypto/ declares
 * arch_fpu_begin()/arch_fpu_end() itself for its fast path.
 */
#ifndef ARCH_X86_FPU_H
#define ARCH_X86_FPU_H

#include <stdint.h>

#define FPU_AREA_MAX	8192u

/* One CPU's bracket: the guest's saved vector state while the host uses
 * the registers, and the nesting depth.  Lives in struct vcpu's frames. */
struct fpu_state {
	uint8_t area[FPU_AREA_MAX] __attribute__((aligned(64)));
	uint64_t guest_xcr0, bracket_xcr0;
	unsigned depth;		/* brackets nest: only the outermost saves */
};

/* Enable OSFXSR/OSXSAVE and size the save area (boot CPU, once). */
void fpu_init(void);
/* This CPU's state from now on (not inside a bracket). */
void fpu_bind(struct fpu_state *st);
void arch_fpu_begin(void);
void arch_fpu_end(void);

#endif /* ARCH_X86_FPU_H */
