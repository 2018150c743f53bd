/*
 * arch/x86/svm/svm.h - AMD-V (SVM) vCPU state, private to arch/x86/svm.
 */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include <stdint.h>
#include "arch/x86/svm/vmcb.h"
#include "core/vcpu.h"

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;		/* guest VMCB */
	uint64_t host_vmcb_pa;		/* host's VMSAVE area (FS, GS, TR, ...) */
	uint64_t hsave_pa;		/* VM_HSAVE_PA area */
	uint8_t *msrpm;			/* 8 KiB MSR permission map */
	uint8_t *iopm;			/* 12 KiB I/O permission map */
	uint64_t ncr3;
	int nrips;			/* CPUID 8000_000A EDX[3] */
	uint16_t log_port;		/* hidden from the guest */
	uint32_t decode_warn_budget;
};

/* Nested page tables: identity map of the guest-physical space without the
 * hypervisor's frames (npt.c).  Returns 0 or a negative code. */
int npt_build(const struct boot_info *bi, uint64_t *ncr3);

/* Exit dispatch (svm_exit.c). */
void svm_handle_exit(struct vcpu *v);
void svm_inject_exception(struct vcpu *v, unsigned vector, int has_error,
			  uint32_t error);

void svm_vmrun(struct gpr_state *gpr, uint64_t vmcb_pa,
	       uint64_t host_vmcb_pa);

static inline struct svm_vcpu *to_svm(const struct vcpu *v)
{
	return (struct svm_vcpu *)v->arch;
}

#endif /* ARCH_X86_SVM_SVM_H */
