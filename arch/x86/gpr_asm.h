/*
 * arch/x86/gpr_asm.h - struct gpr_state (arch/x86/vcpu.h) for the
 * backends' world-switch assembly (svm/svm_asm.S, vmx/vmx_asm.S): its
 * offsets, and the loads and stores of every GPR the hardware does not
 * switch except RAX, RSP, RSI and RDI, which each backend moves itself
 * (RSI and RDI hold its pointers until the last moment).
 * Assembler only.
 */
#ifndef ARCH_X86_GPR_ASM_H
#define ARCH_X86_GPR_ASM_H

#define G_RBX	0x00
#define G_RCX	0x08
#define G_RDX	0x10
#define G_RSI	0x18
#define G_RDI	0x20
#define G_RBP	0x28
#define G_R8	0x30
#define G_R9	0x38
#define G_R10	0x40
#define G_R11	0x48
#define G_R12	0x50
#define G_R13	0x58
#define G_R14	0x60
#define G_R15	0x68

/* Load RBX, RCX, RDX, RBP, R8-R15 from the gpr_state at \base. */
.macro GPR_LOAD_MOST base
	movq	G_RBX(\base), %rbx
	movq	G_RCX(\base), %rcx
	movq	G_RDX(\base), %rdx
	movq	G_RBP(\base), %rbp
	movq	G_R8(\base), %r8
	movq	G_R9(\base), %r9
	movq	G_R10(\base), %r10
	movq	G_R11(\base), %r11
	movq	G_R12(\base), %r12
	movq	G_R13(\base), %r13
	movq	G_R14(\base), %r14
	movq	G_R15(\base), %r15
.endm

/* Store RBX, RCX, RDX, RSI, RBP, R8-R15 into the gpr_state at \base. */
.macro GPR_SAVE_MOST base
	movq	%rbx, G_RBX(\base)
	movq	%rcx, G_RCX(\base)
	movq	%rdx, G_RDX(\base)
	movq	%rsi, G_RSI(\base)
	movq	%rbp, G_RBP(\base)
	movq	%r8, G_R8(\base)
	movq	%r9, G_R9(\base)
	movq	%r10, G_R10(\base)
	movq	%r11, G_R11(\base)
	movq	%r12, G_R12(\base)
	movq	%r13, G_R13(\base)
	movq	%r14, G_R14(\base)
	movq	%r15, G_R15(\base)
.endm

#endif /* ARCH_X86_GPR_ASM_H */
