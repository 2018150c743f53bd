/*
 * arch/x86/ap_tramp.S - the start-up code of an application processor,
 * copied by core/smp.c to a 4 KiB page below 1 MiB (the SIPI vector is
 * that page's number) with its data in the next page.  Intel SDM Vol. 3A
 * 8.4.4 "MP Initialization Example" and 9.8.5 "Initializing IA-32e Mode";
 * AMD APM Vol. 2, 14.8 "Long-Mode Initialization Example".
 *
 * The AP starts in real mode at CS:IP = (page << 8):0.  It loads the
 * data page's GDT, turns on PAE, loads the host CR3 (below 4 GiB), sets
 * EFER.LME and NXE, then CR0 (PE, PG, ...), which activates long mode, and
 * far-jumps to the 64-bit part, which takes its stack and jumps to
 * core_ap_entry with RDI = its CPU index.  Interrupts stay off throughout;
 * no instruction here depends on where the page is, except the two fields
 * the host fills in: the GDT base and the far pointer (TR_* below).
 * The code page is mapped read-only and executable in the host's page
 * tables, the data page read-write and NX; both are hidden from the guest.
 */
#define TR_DATA		0x1000		/* data page, from the code page */
#define TR_GDT		0x00		/* 3 descriptors: null, code64, data */
#define TR_GDTR		0x18		/* limit (2), base (4) */
#define TR_CR3		0x20		/* 4 bytes: host CR3 */
#define TR_CR0		0x24		/* 4 bytes: host CR0 */
#define TR_STACK	0x28		/* 8 bytes: RSP for core_ap_entry */
#define TR_ENTRY	0x30		/* 8 bytes: core_ap_entry */
#define TR_INDEX	0x38		/* 4 bytes: the CPU index */
#define TR_FARPTR	0x40		/* offset (4), selector (2) */

	.section .rodata.ap_tramp, "a"
	.globl ap_tramp_start, ap_tramp_end, ap_tramp_long
	.code16
ap_tramp_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	TR_DATA + TR_GDTR
	movl	$0x20, %eax		/* CR4.PAE */
	movl	%eax, %cr4
	movl	TR_DATA + TR_CR3, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER: LME, NXE */
	rdmsr
	orl	$0x900, %eax
	wrmsr
	movl	TR_DATA + TR_CR0, %eax
	movl	%eax, %cr0
	ljmpl	*TR_DATA + TR_FARPTR
	.code64
ap_tramp_long:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movq	ap_tramp_start + TR_DATA + TR_STACK(%rip), %rsp
	movl	ap_tramp_start + TR_DATA + TR_INDEX(%rip), %edi
	movq	ap_tramp_start + TR_DATA + TR_ENTRY(%rip), %rax
	xorl	%ebp, %ebp
	jmpq	*%rax
ap_tramp_end:

/*
 * core_ap_entry(uint32_t index): on the AP's own host stack, in the
 * host's page tables; calls core_ap_main, which never returns.
 */
	.text
	.globl core_ap_entry
core_ap_entry:
	cld
	andq	$-16, %rsp
	call	core_ap_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
