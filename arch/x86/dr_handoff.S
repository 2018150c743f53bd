/*
 * arch/x86/dr_handoff.S - hand the host's DR0-DR3 (the master key of the
 * register-only cipher, crypto/aes_reg.h) from the boot CPU to an AP that
 * is starting.  CPUs share no register, so the four words cross one
 * hypervisor-only slot (hidden from the guest), for the few instructions
 * between the two calls: the receiver loads them and zeroes the slot at
 * once, the sender zeroes it again before it returns.  Only RAX and RCX
 * hold the words on the way; no stack.
 *
 *   slot[0..3]  DR0..DR3      slot[4]  1: full, 0: empty (taken)
 *
 * int dr_handoff_send(volatile uint64_t slot[5]);      boot CPU
 * int dr_handoff_receive(volatile uint64_t slot[5]);   the AP
 * Both spin at most about 2^31 PAUSEs for the other side and return 0, or
 * -1 on time-out with the slot zeroed (the AP then has no key: core/smp.c
 * keeps it out of the guest).
 */
	.text
	.globl dr_handoff_send
dr_handoff_send:
	mov	%dr0, %rax
	mov	%rax, 0(%rdi)
	mov	%dr1, %rax
	mov	%rax, 8(%rdi)
	mov	%dr2, %rax
	mov	%rax, 16(%rdi)
	mov	%dr3, %rax
	mov	%rax, 24(%rdi)
	xor	%eax, %eax
	sfence
	movq	$1, 32(%rdi)
	mov	$0x80000000, %ecx
1:	cmpq	$0, 32(%rdi)
	je	2f
	pause
	dec	%ecx
	jnz	1b
	mov	$-1, %eax
2:	xor	%ecx, %ecx
	movq	%rcx, 0(%rdi)
	movq	%rcx, 8(%rdi)
	movq	%rcx, 16(%rdi)
	movq	%rcx, 24(%rdi)
	movq	%rcx, 32(%rdi)
	mfence
	ret

	.globl dr_handoff_receive
dr_handoff_receive:
	mov	$0x80000000, %ecx
1:	cmpq	$1, 32(%rdi)
	je	2f
	pause
	dec	%ecx
	jnz	1b
	mov	$-1, %eax
	ret
2:	lfence
	mov	0(%rdi), %rax
	mov	%rax, %dr0
	mov	8(%rdi), %rax
	mov	%rax, %dr1
	mov	16(%rdi), %rax
	mov	%rax, %dr2
	mov	24(%rdi), %rax
	mov	%rax, %dr3
	xor	%eax, %eax
	movq	%rax, 0(%rdi)
	movq	%rax, 8(%rdi)
	movq	%rax, 16(%rdi)
	movq	%rax, 24(%rdi)
	mfence
	movq	%rax, 32(%rdi)
	ret

	.section .note.GNU-stack, "", @progbits
