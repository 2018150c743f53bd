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
 * Offsets of struct gpr_state (core/vcpu.h).
 */
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

	movq	G_RBX(%rdi), %rbx
	movq	G_RCX(%rdi), %rcx
	movq	G_RDX(%rdi), %rdx
	movq	G_RSI(%rdi), %rsi
	movq	G_RBP(%rdi), %rbp
	movq	G_R8(%rdi), %r8
	movq	G_R9(%rdi), %r9
	movq	G_R10(%rdi), %r10
	movq	G_R11(%rdi), %r11
	movq	G_R12(%rdi), %r12
	movq	G_R13(%rdi), %r13
	movq	G_R14(%rdi), %r14
	movq	G_R15(%rdi), %r15
	movq	G_RDI(%rdi), %rdi

	vmload	%rax
	vmrun	%rax
	vmsave	%rax			/* RAX is the guest VMCB PA again */

	pushq	%rdi			/* guest RDI */
	movq	8(%rsp), %rdi		/* gpr_state pointer */
	movq	%rbx, G_RBX(%rdi)
	movq	%rcx, G_RCX(%rdi)
	movq	%rdx, G_RDX(%rdi)
	movq	%rsi, G_RSI(%rdi)
	movq	%rbp, G_RBP(%rdi)
	movq	%r8, G_R8(%rdi)
	movq	%r9, G_R9(%rdi)
	movq	%r10, G_R10(%rdi)
	movq	%r11, G_R11(%rdi)
	movq	%r12, G_R12(%rdi)
	movq	%r13, G_R13(%rdi)
	movq	%r14, G_R14(%rdi)
	movq	%r15, G_R15(%rdi)
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
