/*
 * core/cpuid.c - the guest's view of CPUID (see cpuid.h).
 * AMD APM Vol. 3, appendix E; Intel SDM Vol. 2A, CPUID (leaf 1 ECX bit 31
 * is reserved for hypervisors; leaves 0x40000000-0x400000FF are theirs).
 */
#include "core/cpuid.h"
#include "include/shroud/abi.h"

#define LEAF1_ECX_HYPERVISOR	(1u << 31)
#define LEAF1_ECX_OSXSAVE	(1u << 27)
#define LEAF7_ECX_PKU		(1u << 3)
#define LEAF7_ECX_OSPKE		(1u << 4)
#define CR4_OSXSAVE_BIT		(1ull << 18)
#define CR4_PKE_BIT		(1ull << 22)

void cpuid_guest_view(const struct vcpu_ops *ops, uint32_t leaf,
		      uint32_t subleaf, uint64_t guest_cr4,
		      struct cpuid_out *r)
{
	if (ops->cpuid)
		ops->cpuid(leaf, subleaf, r);
	switch (leaf) {
	case 0x1:
		r->ecx |= LEAF1_ECX_HYPERVISOR;
		r->ecx = (guest_cr4 & CR4_OSXSAVE_BIT) ?
			 (r->ecx | LEAF1_ECX_OSXSAVE) :
			 (r->ecx & ~LEAF1_ECX_OSXSAVE);
		break;
	case 0x7:
		if (subleaf != 0)
			break;
		r->ecx = ((guest_cr4 & CR4_PKE_BIT) && (r->ecx & LEAF7_ECX_PKU)) ?
			 (r->ecx | LEAF7_ECX_OSPKE) :
			 (r->ecx & ~LEAF7_ECX_OSPKE);
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
