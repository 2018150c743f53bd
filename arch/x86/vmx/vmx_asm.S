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
 * struct gpr_state: arch/x86/gpr_asm.h.  Returns 0 after a VM exit, 1 on
 * VMfailInvalid, 2 on VMfailValid, 3 when an NMI to the host withheld the
 * entry (the gates below).
 */
#include "arch/x86/gpr_asm.h"
#include "arch/x86/percpu.h"
#define VMCS_HOST_RSP	0x6c14

	.text
	.globl vmx_run, vmx_exit_point
	.globl vmx_gate_launch, vmx_gate_launch_end, vmx_gate_resume
	.globl vmx_gate_resume_end, vmx_gate_abort
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
	/* The gates: an NMI (the hypervisor's IPI) that reaches the host
	 * after the core's last look at its requests must not be lost by
	 * entering the guest.  vmx_host_nmi() sets %gs:CPU_LOCAL_HOST_NMI,
	 * and if it interrupted a gate before its VMLAUNCH/VMRESUME ran,
	 * moves the return address to vmx_gate_abort: no entry, and the
	 * core looks again. */
vmx_gate_launch:
	cmpl	$0, %gs:CPU_LOCAL_HOST_NMI
	jne	vmx_gate_abort
	vmlaunch
vmx_gate_launch_end:
	jmp	3f
1:
vmx_gate_resume:
	cmpl	$0, %gs:CPU_LOCAL_HOST_NMI
	jne	vmx_gate_abort
	vmresume
vmx_gate_resume_end:
	/* Fall through only on VMfailInvalid (CF) or VMfailValid (ZF). */
3:	movl	$2, %eax
	jnc	4f
	movl	$1, %eax
4:	addq	$16, %rsp
	jmp	5f

	/* No entry: the GPRs hold the guest's values, unchanged in
	 * gpr_state and the RAX slot; the host's callee-saved registers
	 * are on the stack. */
vmx_gate_abort:
	addq	$16, %rsp
	movl	$3, %eax
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
