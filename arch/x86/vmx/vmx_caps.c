/*
 * arch/x86/vmx/vmx_caps.c - the VT-x backend's controls from the
 * capability MSRs (vmx_caps.h; Intel SDM Vol. 3D, appendix A).
 */
#include "arch/x86/vmx/vmx_caps.h"
#include "base/types.h"

int vmx_ctl_adjust(uint64_t cap, uint32_t need, uint32_t want,
		   uint32_t avoid, uint32_t *out, uint32_t *missing)
{
	uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);
	uint32_t v;

	*missing = need & ~may1;
	if (*missing)
		return -ENG_ENOTSUP;
	v = (need | (want & may1) | must1) & ~(avoid & ~must1);
	*out = v;
	return 0;
}

/* One control word; on failure *@why names it. */
static int adjust(uint64_t cap, uint32_t need, uint32_t want, uint32_t avoid,
		  uint32_t *out, const char *what, const char **why)
{
	uint32_t missing;

	if (vmx_ctl_adjust(cap, need, want, avoid, out, &missing)) {
		*why = what;
		return -ENG_ENODEV;
	}
	return 0;
}

int vmx_controls_compute(const struct vmx_caps *c, struct vmx_controls *o,
			 const char **why)
{
	uint64_t ept = c->ept_vpid;
	uint32_t want2;

	*why = "";
	if ((c->feature_control & FEATURE_CONTROL_LOCK) &&
	    !(c->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		*why = "VMX is disabled by the firmware (IA32_FEATURE_CONTROL)";
		return -ENG_ENODEV;
	}
	if (!(c->basic & VMX_BASIC_TRUE_CTLS)) {
		*why = "VMX without the true-control MSRs (no EPT either)";
		return -ENG_ENODEV;
	}
	if (adjust(c->true_pinbased, PIN_NMI_EXITING, 0, 0, &o->pin,
		   "VMX without NMI exiting", why))
		return -ENG_ENODEV;
	/* HLT and CR3-load exiting are switched at run time (vmx.c). */
	if (adjust(c->true_procbased, PROC_MOV_DR_EXITING | PROC_USE_IO_BITMAPS |
		   PROC_USE_MSR_BITMAPS | PROC_SECONDARY, 0,
		   PROC_HLT_EXITING | PROC_CR3_LOAD_EXITING |
		   PROC_CR3_STORE_EXITING | PROC_CR8_LOAD_EXITING |
		   PROC_CR8_STORE_EXITING | PROC_UNCOND_IO_EXITING,
		   &o->proc, "VMX without secondary controls, MOV-DR exiting "
		   "or I/O and MSR bitmaps", why))
		return -ENG_ENODEV;
	want2 = PROC2_UNRESTRICTED_GUEST | PROC2_RDTSCP | PROC2_INVPCID |
		PROC2_XSAVES;
	if ((ept & VPID_CAP_INVVPID) && (ept & VPID_CAP_INVVPID_SINGLE))
		want2 |= PROC2_VPID;
	if (adjust(c->procbased2, PROC2_EPT, want2, 0, &o->proc2,
		   "VMX without EPT", why))
		return -ENG_ENODEV;
	if (!(ept & EPT_CAP_WALK4) || !(ept & EPT_CAP_WB) ||
	    !(ept & EPT_CAP_INVEPT) ||
	    !(ept & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)) ||
	    !(ept & EPT_CAP_2M)) {
		*why = "EPT without 4-level walks, WB tables, 2 MiB leaves "
		       "or INVEPT";
		return -ENG_ENODEV;
	}
	if (adjust(c->true_exit, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER |
		   EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
		   EXIT_SAVE_DEBUG, 0, 0, &o->exit,
		   "VMX without a 64-bit host or EFER/PAT switching", why))
		return -ENG_ENODEV;
	/* IA-32e mode guest is set per entry from the guest's EFER.LMA. */
	if (adjust(c->true_entry, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT |
		   ENTRY_LOAD_DEBUG | ENTRY_IA32E_MODE, 0, ENTRY_IA32E_MODE,
		   &o->entry, "VMX without EFER/PAT loading or 64-bit guests",
		   why))
		return -ENG_ENODEV;
	o->vpid = !!(o->proc2 & PROC2_VPID);
	o->ug = !!(o->proc2 & PROC2_UNRESTRICTED_GUEST);
	o->rdtscp = !!(o->proc2 & PROC2_RDTSCP);
	o->invpcid = !!(o->proc2 & PROC2_INVPCID);
	o->xsaves = !!(o->proc2 & PROC2_XSAVES);
	/* switched at run time with the kernel-integrity lock (vmx.c) */
	o->desc_exit = !!((c->procbased2 >> 32) & PROC2_DESC_TABLE_EXITING);
	o->ept_ad = !!(ept & EPT_CAP_AD);
	o->ept_1g = !!(ept & EPT_CAP_1G);
	o->invept_single = !!(ept & EPT_CAP_INVEPT_SINGLE);
	return 0;
}
