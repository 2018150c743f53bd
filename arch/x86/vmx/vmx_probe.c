/*
 * arch/x86/vmx/vmx_probe.c - can this CPU run the VT-x backend?  Built into
 * both the UEFI loader and the core (arch/x86/backend.c), so that they
 * agree.  Intel SDM Vol. 3C 23.6 "Discovering Support for VMX" (CPUID.1:
 * ECX[5]), 23.7 "Enabling and Entering VMX Operation" (IA32_FEATURE_
 * CONTROL), Vol. 3D appendix A (the capability MSRs, vmx_caps.c).
 */
#include "arch/x86/backend.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx_caps.h"

#define CPUID_1_ECX_VMX		(1u << 5)

int vmx_read_caps(struct vmx_caps *c, const char **why)
{
	struct vmx_caps z = { 0 };

	*c = z;
	if (!(cpuid(1).ecx & CPUID_1_ECX_VMX)) {
		*why = "the CPU has no Intel VT-x (VMX)";
		return -ENG_ENODEV;
	}
	c->feature_control = rdmsr(MSR_FEATURE_CONTROL);
	c->basic = rdmsr(MSR_VMX_BASIC);
	c->pinbased = rdmsr(MSR_VMX_PINBASED_CTLS);
	c->procbased = rdmsr(MSR_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(MSR_VMX_EXIT_CTLS);
	c->entry = rdmsr(MSR_VMX_ENTRY_CTLS);
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	if (c->basic & VMX_BASIC_TRUE_CTLS) {
		c->true_pinbased = rdmsr(MSR_VMX_TRUE_PINBASED_CTLS);
		c->true_procbased = rdmsr(MSR_VMX_TRUE_PROCBASED_CTLS);
		c->true_exit = rdmsr(MSR_VMX_TRUE_EXIT_CTLS);
		c->true_entry = rdmsr(MSR_VMX_TRUE_ENTRY_CTLS);
	}
	if ((c->procbased >> 32) & PROC_SECONDARY) {
		c->procbased2 = rdmsr(MSR_VMX_PROCBASED_CTLS2);
		if ((c->procbased2 >> 32) & (PROC2_EPT | PROC2_VPID))
			c->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	}
	*why = "";
	return 0;
}

int vmx_probe(const char **why)
{
	struct vmx_caps c;
	struct vmx_controls ctl;

	if (vmx_read_caps(&c, why))
		return -ENG_ENODEV;
	return vmx_controls_compute(&c, &ctl, why);
}
