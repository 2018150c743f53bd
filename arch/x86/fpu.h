/*
 * arch/x86/fpu.h - XMM bracket for the host (see fpu.c).  crypto/ declares
 * arch_fpu_begin()/arch_fpu_end() itself for its fast path.
 */
#ifndef ARCH_X86_FPU_H
#define ARCH_X86_FPU_H

void fpu_init(void);
void arch_fpu_begin(void);
void arch_fpu_end(void);

#endif /* ARCH_X86_FPU_H */
