/*
 * arch/x86/svm/svm_vcpu.h - AMD-V (SVM) vCPU state, private to arch/x86/svm.
 * AMD APM Vol. 2, chapter 15 "Secure Virtual Machine".
 */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include <stdint.h>
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/vcpu.h"
#include "mm/gpmap.h"

#define SVM_EXIT_CR3_WRITE	0x013
#define SVM_INTERCEPT_CR3_WRITE	(1u << (16 + 3))
#define SVM_INTERCEPT_CR0_WRITE	(1u << (16 + 0))
#define SVM_INTERCEPT_CR4_WRITE	(1u << (16 + 4))

/* AMD MSRs and bits (APM Vol. 2, 15.30 "SVM-Related MSRs", 3.1.7 EFER). */
#define MSR_VM_CR		0xc0010114u
#define MSR_VM_HSAVE_PA		0xc0010117u
#define VM_CR_LOCK		(1ull << 3)
#define VM_CR_SVMDIS		(1ull << 4)
#define EFER_SVME		(1ull << 12)

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;		/* guest VMCB */
	uint64_t host_vmcb_pa;		/* host's VMSAVE area (FS, GS, TR, ...) */
	uint64_t hsave_pa;		/* VM_HSAVE_PA area */
	uint8_t *msrpm;			/* 8 KiB MSR permission map */
	uint8_t *iopm;			/* 12 KiB I/O permission map */
	int nrips;			/* CPUID 8000_000A EDX[3] */
};

/* The nested page tables' entry format (npt.c). */
extern const struct gpmap_format svm_npt_format;
unsigned svm_npt_max_level(void);

/* Decode the #VMEXIT in the VMCB into v->exit and v->g (svm_exit.c). */
void svm_decode_exit(struct vcpu *v);

void svm_vmrun(struct gpr_state *gpr, uint64_t vmcb_pa,
	       uint64_t host_vmcb_pa);

static inline struct svm_vcpu *to_svm(const struct vcpu *v)
{
	return (struct svm_vcpu *)v->arch;
}

#endif /* ARCH_X86_SVM_SVM_H */
