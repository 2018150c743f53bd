/*
 * arch/x86/svm/svm_asm.S - one world switch.
 *
 * void svm_vmrun(struct gpr_state *gpr, uint64_t vmcb_pa, uint64_t host_vmcb_pa)
 *
 * VMRUN loads and saves only RAX, RSP, RIP and the VMCB state (AMD APM
 * Vol. 2, 15.5.1); the other GPRs are swapped here, and VMLOAD/VMSAVE swap
 * FS, GS, TR, LDTR, KernelGSBase and the SYSCALL/SYSENTER MSRs, which
 * VMRUN leaves alone (15.5.2).  GIF is 0 on return, so the host runs
 * without interrupts until the next VMRUN.
 * struct gpr_state: arch/x86/gpr_asm.h.
 */
#include "arch/x86/gpr_asm.h"

	.text
	.globl svm_vmrun
svm_vmrun:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdx			/* host VMCB PA */
	pushq	%rdi			/* gpr_state pointer */
	movq	%rsi, %rax		/* guest VMCB PA (RAX across VMRUN) */

	GPR_LOAD_MOST %rdi
	movq	G_RSI(%rdi), %rsi
	movq	G_RDI(%rdi), %rdi

	vmload	%rax
	vmrun	%rax
	vmsave	%rax			/* RAX is the guest VMCB PA again */

	pushq	%rdi			/* guest RDI */
	movq	8(%rsp), %rdi		/* gpr_state pointer */
	GPR_SAVE_MOST %rdi
	popq	G_RDI(%rdi)

	addq	$8, %rsp		/* gpr_state pointer */
	popq	%rax			/* host VMCB PA */
	vmload	%rax			/* host FS, GS, TR, LDTR, ... */

	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
