/*
 * arch/x86/svm/svm.h - AMD-V (SVM) vCPU state, private to arch/x86/svm.
 */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#define SVM_EXIT_CR3_WRITE	0x013
#define SVM_INTERCEPT_CR3_WRITE	(1u << (16 + 3))

#include <stdint.h>
#include "arch/x86/svm/vmcb.h"
#include "core/vcpu.h"
#include "mm/pgtable.h"

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;		/* guest VMCB */
	uint64_t host_vmcb_pa;		/* host's VMSAVE area (FS, GS, TR, ...) */
	uint64_t hsave_pa;		/* VM_HSAVE_PA area */
	uint8_t *msrpm;			/* 8 KiB MSR permission map */
	uint8_t *iopm;			/* 12 KiB I/O permission map */
	uint64_t ncr3;
	struct pgt npt;			/* the nested page tables */
	int nrips;			/* CPUID 8000_000A EDX[3] */
	uint16_t log_port;		/* hidden from the guest */
	uint32_t decode_warn_budget;
};

/* Nested page tables: identity map of the guest-physical space without the
 * hypervisor's frames (npt.c).  Returns 0 or a negative code. */
int npt_build(const struct boot_info *bi, struct pgt *npt);
/* vcpu_ops: one 4 KiB GPA, and a 2 MiB identity leaf (npt.c). */
int svm_npt_map_4k(struct vcpu *v, uint64_t gpa, uint64_t hpa, unsigned perms);
int svm_npt_identity_2m(struct vcpu *v, uint64_t gpa);

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
