/*
 * arch/x86/entry.S - core entry from the loader, and host exception stubs.
 *
 * core_entry(struct boot_info *bi): called by the loader's launch
 * trampoline with the host page tables already in CR3, interrupts off,
 * still on the firmware's GDT and stack.  Switches to the core's own stack
 * and calls core_main(bi), which never returns.
 */
	.section .text.entry, "ax"
	.code64
	.globl core_entry
core_entry:
	cli
	cld
	leaq	host_stack_top(%rip), %rsp
	xorl	%ebp, %ebp
	call	core_main
1:	cli
	hlt
	jmp	1b

/*
 * Exception stubs: a uniform frame (vector, error code, then the CPU's
 * frame) for exc_handler(struct exc_frame *).  The host never takes
 * interrupts (IF stays 0; on SVM GIF also stays 0 outside VMRUN), so every
 * entry here is a bug of the hypervisor, a #MC, or an NMI: the hypervisor's
 * own IPI, which on VT-x can arrive at any instruction of the host.  So the
 * frame holds every register the C handler may clobber (the SysV
 * caller-saved set; the host uses no SSE), and a returning handler resumes
 * the interrupted code exactly.
 */
	.text
.macro EXC_NOERR vec
	.globl exc_stub_\vec
exc_stub_\vec:
	pushq	$0
	pushq	$\vec
	jmp	exc_common
.endm
.macro EXC_ERR vec
	.globl exc_stub_\vec
exc_stub_\vec:
	pushq	$\vec
	jmp	exc_common
.endm

EXC_NOERR 0
EXC_NOERR 1
EXC_NOERR 2
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_ERR 8
EXC_NOERR 9
EXC_ERR 10
EXC_ERR 11
EXC_ERR 12
EXC_ERR 13
EXC_ERR 14
EXC_NOERR 15
EXC_NOERR 16
EXC_ERR 17
EXC_NOERR 18
EXC_NOERR 19
EXC_NOERR 20
EXC_ERR 21
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR 29
EXC_ERR 30
EXC_NOERR 31

exc_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	%rsp, %rdi
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	exc_handler
	/* exc_handler returned: a wake-up NMI (desc.c); resume. */
	movq	%rbx, %rsp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector, error code */
	iretq

/*
 * void smp_park_wait(volatile uint32_t *wake, int gif): sleep until an
 * NMI, interrupts off; with @gif (SVM) GIF is opened (STGI) for the sleep
 * and closed again on return, without it (VT-x: NMIs reach the host
 * anyway) nothing more.  *wake is 1 on entry; an NMI taken anywhere in
 * [smp_park_wait, smp_park_wait_end) returns to smp_park_wait_end
 * (exc_handler), so one that arrives before the HLT is not lost.
 */
	.text
	.globl smp_park_wait, smp_park_wait_end
smp_park_wait:
	testl	%esi, %esi
	jz	1f
	stgi
1:	cmpl	$1, (%rdi)
	jne	smp_park_wait_end
	hlt
smp_park_wait_end:
	testl	%esi, %esi
	jz	2f
	clgi
2:	ret

/*
 * void smp_nmi_window(void): open GIF for one instruction.  An NMI that
 * caused a #VMEXIT stays pending while GIF is 0 (AMD APM Vol. 2, 15.17:
 * the host takes it once it sets GIF), and would cause the next #VMEXIT
 * at once: here it is taken, by exc_handler with its CPU's desc_nmi_wake
 * slot at 1, which returns.  With none pending, nothing happens.
 */
	.globl smp_nmi_window
smp_nmi_window:
	stgi
	nop
	clgi
	ret

	.data
	.balign 8
	.globl exc_stub_table
exc_stub_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exc_stub_\v
	.endr

	.section .note.GNU-stack, "", @progbits
