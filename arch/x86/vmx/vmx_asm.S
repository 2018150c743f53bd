/*
 * arch/x86/vmx/vmx_asm.S - one world switch on VT-x.
 *
 * int vmx_run(struct gpr_state *gpr, uint64_t *rax, int launched)
 *
 * VM entry loads RSP, RIP, RFLAGS and the rest of the guest-state area
 * from the VMCS; every other GPR, RAX included, is swapped here (Intel
 * SDM Vol. 3C 26.3.2, 28.5).  The VM exit lands at vmx_exit_point with
 * the host RSP written just before the entry, so the stack below holds
 * the two pointers (HOST_RIP is vmx_exit_point, written at init).
 * struct gpr_state: arch/x86/gpr_asm.h.
 */
#include "arch/x86/gpr_asm.h"
#define VMCS_HOST_RSP	0x6c14

	.text
	.globl vmx_run, vmx_exit_point
vmx_run:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* gpr_state pointer: 8(%rsp) at exit */
	pushq	%rsi			/* RAX slot: 0(%rsp) at exit */

	movq	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jna	3f

	testl	%edx, %edx		/* flags survive the MOVs below */
	GPR_LOAD_MOST %rdi
	movq	(%rsi), %rax
	movq	G_RSI(%rdi), %rsi
	movq	G_RDI(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	3f
1:	vmresume
	/* Fall through only on VMfailInvalid (CF) or VMfailValid (ZF). */
3:	movl	$2, %eax
	jnc	4f
	movl	$1, %eax
4:	addq	$16, %rsp
	jmp	5f

vmx_exit_point:
	pushq	%rdi			/* guest RDI */
	movq	16(%rsp), %rdi		/* gpr_state pointer */
	GPR_SAVE_MOST %rdi
	popq	G_RDI(%rdi)
	movq	(%rsp), %rsi		/* RAX slot */
	movq	%rax, (%rsi)
	addq	$16, %rsp
	xorl	%eax, %eax
5:	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/*
 * void vmx_nmi_unblock(void): an IRET to the next instruction.  After a
 * VM exit caused by an NMI (NMI exiting on) the host may stay NMI-blocked
 * until it executes an IRET, and then could not take the next IPI; KVM
 * runs the host's NMI handler there for the same reason.  Harmless if
 * NMIs were not blocked.
 */
	.globl vmx_nmi_unblock
vmx_nmi_unblock:
	movq	%rsp, %rax
	movl	%ss, %ecx
	pushq	%rcx			/* SS */
	pushq	%rax			/* RSP */
	pushfq
	movl	%cs, %ecx
	pushq	%rcx			/* CS */
	leaq	1f(%rip), %rax
	pushq	%rax			/* RIP */
	iretq
1:	ret

	.section .note.GNU-stack, "", @progbits
