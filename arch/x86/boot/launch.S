/*
 * arch/x86/boot/launch.S - the blue-pill launch point (loader side).
 *
 * uint64_t shroud_launch(uint64_t *resume_regs, uint64_t host_cr3,
 *                        uint64_t core_entry, struct boot_info *bi)
 *
 * Records RFLAGS, the resume RIP and RSP into resume_regs[0..2] (the
 * rflags, rip, rsp fields of struct bi_guest_state), disables interrupts,
 * switches to the hypervisor's page tables and jumps to the core, which
 * never returns here in host mode.  The core's first VMRUN resumes the
 * firmware as the guest at label 1 below with RAX = 0, so to the loader
 * this is a call that returned 0, now running virtualized.
 * This page must be executable in the host page tables (the loader maps
 * it so; the core revokes that mapping before its first VMRUN).
 */
	.text
	.globl shroud_launch
shroud_launch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushfq
	popq	0(%rdi)			/* guest RFLAGS (IF as the firmware had it) */
	leaq	1f(%rip), %rax
	movq	%rax, 8(%rdi)		/* guest RIP */
	movq	%rsp, 16(%rdi)		/* guest RSP */
	cli
	movq	%rsi, %cr3
	movq	%rcx, %rdi		/* boot_info for core_entry */
	jmp	*%rdx
1:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
