/*
 * core/cpuid.h - what the guest sees of CPUID (vendor-neutral policy).
 *  - leaf 1 ECX bit 31: hypervisor present;
 *  - the CPU's virtualization extension hidden by the backend
 *    (vcpu_ops.cpuid): Shroud does not offer nested virtualization, and a
 *    guest hypervisor would otherwise try to use it;
 *  - leaves 0x40000000-0x400000FF answer with Shroud's identity
 *    (include/shroud/abi.h); Shroud's leaves past its maximum read as 0.
 */
#ifndef CORE_CPUID_H
#define CORE_CPUID_H

#include <stdint.h>
#include "arch/x86/vcpu.h"
#include "base/version.h"

/* Adjust @r, the host's answer for (@leaf, @subleaf), for the guest: the
 * vendor-neutral part here, then the backend's (@ops->cpuid).  The bits
 * that mirror a control register (leaf 1 ECX[27] OSXSAVE, leaf 7.0
 * ECX[4] OSPKE) come from the guest's @guest_cr4, not the host's, as the
 * hardware reports the running context's (Intel SDM Vol. 2A, CPUID). */
void cpuid_guest_view(const struct vcpu_ops *ops, uint32_t leaf,
		      uint32_t subleaf, uint64_t guest_cr4,
		      struct cpuid_out *r);


#endif /* CORE_CPUID_H */
