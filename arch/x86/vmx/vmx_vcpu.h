/*
 * arch/x86/vmx/vmx_vcpu.h - Intel VT-x vCPU state, private to arch/x86/vmx.
 * Intel SDM Vol. 3C, chapters 23-30.
 */
#ifndef ARCH_X86_VMX_VMX_VCPU_H
#define ARCH_X86_VMX_VMX_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/vcpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_caps.h"

#define CR4_VMXE		(1ull << 13)
#define CR0_PE			(1ull << 0)
#define CR0_NE			(1ull << 5)

struct vmx_vcpu {
	uint64_t vmxon_pa;		/* VMXON region (4 KiB) */
	uint64_t vmcs_pa;		/* this vCPU's VMCS (4 KiB) */
	uint8_t *msr_bitmap;		/* 4 KiB (24.6.9) */
	uint8_t *io_bitmap;		/* 8 KiB: A (ports 0-7FFF), B (24.6.4) */
	uint64_t rax;			/* guest RAX: not in the VMCS */
	uint64_t eptp;
	uint64_t cr0_mask, cr4_mask;	/* guest/host masks now in the VMCS */
	uint32_t proc;			/* primary controls wanted */
	uint32_t proc_vmcs;		/* primary controls in the VMCS */
	bool pins;			/* kernel-integrity lock: all CR bits */
	bool masks_changed;		/* write masks and shadows at entry */
	bool launched;			/* VMRESUME from now on */
	bool flush;			/* INVEPT/INVVPID before the next entry */
};

/* The controls of this CPU (vmx.c, from the boot CPU's capabilities). */
extern struct vmx_controls vmx_ctl;
extern struct vmx_caps vmx_cap;

/* Decode the VM exit in the current VMCS into v->exit and v->g
 * (vmx_exit.c); vmx_decode_guest does v->g only. */
void vmx_decode_exit(struct vcpu *v);
void vmx_decode_guest(struct vcpu *v);

/* One world switch (vmx_asm.S): loads the guest GPRs (RAX from *@rax),
 * VMLAUNCH (@launched 0) or VMRESUME, and on the VM exit saves them back.
 * 0 after a VM exit; 1 VMfailInvalid, 2 VMfailValid (VMCS_INSN_ERROR). */
int vmx_run(struct gpr_state *gpr, uint64_t *rax, int launched);
/* An IRET to the next instruction: unblocks NMIs after an NMI exit. */
void vmx_nmi_unblock(void);

static inline struct vmx_vcpu *to_vmx(const struct vcpu *v)
{
	return (struct vmx_vcpu *)v->arch;
}

#endif /* ARCH_X86_VMX_VMX_VCPU_H */
