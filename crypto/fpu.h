/*
 * crypto/fpu.h - the XMM/YMM bracket. In the hypervisor, SSE/AVX registers
 * belong to the guest: the crypto fast path may use them only between
 * arch_fpu_begin() and arch_fpu_end(), which the lead implements in arch/x86
 * with XSAVE/XRSTOR of the guest's extended state (and XCR0 set so that YMM
 * state is enabled). Calls do not nest; interrupts stay as they are.
 * In the host build (no SHROUD_HV) the bracket is a no-op: the host OS
 * already saves the registers of a thread.
 */
#ifndef SHROUD_CRYPTO_FPU_H
#define SHROUD_CRYPTO_FPU_H

#if defined(SHROUD_HV) && SHROUD_HV
void arch_fpu_begin(void);
void arch_fpu_end(void);
#else
static inline void arch_fpu_begin(void) { }
static inline void arch_fpu_end(void) { }
#endif

#endif /* SHROUD_CRYPTO_FPU_H */
