/*
 * arch/x86/svm/svm_probe.c - can this CPU run the SVM backend?  Built into
 * both the UEFI loader and the core (arch/x86/backend.c), so that they
 * agree.  AMD APM Vol. 2, 15.4 "Enabling SVM"; CPUID Fn8000_0001 ECX[2],
 * Fn8000_000A EDX[0] (nested paging); VM_CR.SVMDIS (15.30.1).
 */
#include "arch/x86/backend.h"
#include "arch/x86/cpu.h"
#include "arch/x86/svm/svm_vcpu.h"

#define CPUID_EXT1_ECX_SVM	(1u << 2)
#define CPUID_SVM_EDX_NP	(1u << 0)

int svm_probe(const char **why)
{
	if (!(cpuid(0x80000001).ecx & CPUID_EXT1_ECX_SVM)) {
		*why = "the CPU has no AMD-V (SVM)";
		return -ENG_ENODEV;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "SVM is disabled by the firmware (VM_CR.SVMDIS)";
		return -ENG_ENODEV;
	}
	if (!(cpuid(0x8000000a).edx & CPUID_SVM_EDX_NP)) {
		*why = "the CPU has SVM but no nested paging";
		return -ENG_ENODEV;
	}
	*why = "";
	return 0;
}
