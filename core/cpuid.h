/*
 * core/cpuid.h - what the guest sees of CPUID (vendor-neutral policy).
 *  - leaf 1 ECX bit 31: hypervisor present;
 *  - SVM (0x80000001 ECX bit 2, leaf 0x8000000A) and VMX (leaf 1 ECX bit
 *    5) hidden: Shroud does not offer nested virtualization, and a guest
 *    hypervisor would otherwise try VMRUN/VMXON;
 *  - leaves 0x40000000-0x400000FF answer with Shroud's identity
 *    (include/shroud/abi.h); Shroud's leaves past its maximum read as 0.
 */
#ifndef CORE_CPUID_H
#define CORE_CPUID_H

#include <stdint.h>
#include "base/version.h"

struct cpuid_out {
	uint32_t eax, ebx, ecx, edx;
};

/* Adjust @r, the host's answer for (@leaf, @subleaf), for the guest. */
void cpuid_guest_view(uint32_t leaf, uint32_t subleaf, struct cpuid_out *r);


#endif /* CORE_CPUID_H */
