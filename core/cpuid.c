/*
 * core/cpuid.c - the guest's view of CPUID (see cpuid.h).
 * AMD APM Vol. 3, appendix E (CPUID Fn0000_0001, Fn8000_0001, Fn8000_000A).
 */
#include "core/cpuid.h"
#include "include/shroud/abi.h"

#define LEAF1_ECX_VMX		(1u << 5)
#define LEAF1_ECX_HYPERVISOR	(1u << 31)
#define EXT1_ECX_SVM		(1u << 2)

void cpuid_guest_view(uint32_t leaf, uint32_t subleaf, struct cpuid_out *r)
{
	(void)subleaf;
	switch (leaf) {
	case 0x1:
		r->ecx = (r->ecx | LEAF1_ECX_HYPERVISOR) & ~LEAF1_ECX_VMX;
		break;
	case 0x80000001:
		r->ecx &= ~EXT1_ECX_SVM;
		break;
	case 0x8000000a:
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case SHROUD_CPUID_LEAF_BASE:
		r->eax = SHROUD_CPUID_MAX_LEAF;
		r->ebx = SHROUD_CPUID_SIG_EBX;
		r->ecx = SHROUD_CPUID_SIG_ECX;
		r->edx = SHROUD_CPUID_SIG_EDX;
		break;
	case SHROUD_CPUID_LEAF_VERSION:
		r->eax = SHROUD_ABI_VERSION;
		r->ebx = SHROUD_HV_VERSION;
		r->ecx = r->edx = 0;
		break;
	default:
		if (leaf > SHROUD_CPUID_MAX_LEAF && leaf <= 0x400000ff)
			r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	}
}
