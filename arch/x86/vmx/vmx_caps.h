/*
 * arch/x86/vmx/vmx_caps.h - which VMX controls this CPU allows, from its
 * capability MSRs (Intel SDM Vol. 3D, appendix A "VMX Capability Reporting
 * Facility"), and the controls the VT-x backend runs with.  Plain C, no
 * MSR access: the probe (vmx_probe.c) and the backend (vmx.c) read the
 * MSRs into struct vmx_caps; the host unit tests (test/unit/test_vmx_caps.c)
 * feed it the values of real CPUs.
 */
#ifndef ARCH_X86_VMX_VMX_CAPS_H
#define ARCH_X86_VMX_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/* Capability MSRs (SDM Vol. 4, table 2-2; Vol. 3D A.1-A.10). */
#define MSR_FEATURE_CONTROL		0x0000003au
#define MSR_VMX_BASIC			0x00000480u
#define MSR_VMX_PINBASED_CTLS		0x00000481u
#define MSR_VMX_PROCBASED_CTLS		0x00000482u
#define MSR_VMX_EXIT_CTLS		0x00000483u
#define MSR_VMX_ENTRY_CTLS		0x00000484u
#define MSR_VMX_MISC			0x00000485u
#define MSR_VMX_CR0_FIXED0		0x00000486u
#define MSR_VMX_CR0_FIXED1		0x00000487u
#define MSR_VMX_CR4_FIXED0		0x00000488u
#define MSR_VMX_CR4_FIXED1		0x00000489u
#define MSR_VMX_PROCBASED_CTLS2		0x0000048bu
#define MSR_VMX_EPT_VPID_CAP		0x0000048cu
#define MSR_VMX_TRUE_PINBASED_CTLS	0x0000048du
#define MSR_VMX_TRUE_PROCBASED_CTLS	0x0000048eu
#define MSR_VMX_TRUE_EXIT_CTLS		0x0000048fu
#define MSR_VMX_TRUE_ENTRY_CTLS		0x00000490u
#define MSR_VMX_VMFUNC			0x00000491u

/* IA32_FEATURE_CONTROL (SDM Vol. 3C 23.7). */
#define FEATURE_CONTROL_LOCK		(1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX	(1ull << 2)

/* IA32_VMX_BASIC (A.1). */
#define VMX_BASIC_REVISION(b)		((uint32_t)(b) & 0x7fffffffu)
#define VMX_BASIC_TRUE_CTLS		(1ull << 55)

/* Pin-based VM-execution controls (24.6.1). */
#define PIN_NMI_EXITING			(1u << 3)
/* Primary processor-based VM-execution controls (24.6.2, table 24-6). */
#define PROC_HLT_EXITING		(1u << 7)
#define PROC_CR3_LOAD_EXITING		(1u << 15)
#define PROC_CR3_STORE_EXITING		(1u << 16)
#define PROC_CR8_LOAD_EXITING		(1u << 19)
#define PROC_CR8_STORE_EXITING		(1u << 20)
#define PROC_MOV_DR_EXITING		(1u << 23)
#define PROC_UNCOND_IO_EXITING		(1u << 24)
#define PROC_USE_IO_BITMAPS		(1u << 25)
#define PROC_USE_MSR_BITMAPS		(1u << 28)
#define PROC_SECONDARY			(1u << 31)
/* Secondary processor-based VM-execution controls (table 24-7). */
#define PROC2_EPT			(1u << 1)
#define PROC2_DESC_TABLE_EXITING	(1u << 2)
#define PROC2_RDTSCP			(1u << 3)
#define PROC2_VPID			(1u << 5)
#define PROC2_UNRESTRICTED_GUEST	(1u << 7)
#define PROC2_INVPCID			(1u << 12)
#define PROC2_XSAVES			(1u << 20)
/* VM-exit controls (24.7.1, table 24-13). */
#define EXIT_SAVE_DEBUG			(1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE	(1u << 9)
#define EXIT_SAVE_PAT			(1u << 18)
#define EXIT_LOAD_PAT			(1u << 19)
#define EXIT_SAVE_EFER			(1u << 20)
#define EXIT_LOAD_EFER			(1u << 21)
/* VM-entry controls (24.8.1, table 24-15). */
#define ENTRY_LOAD_DEBUG		(1u << 2)
#define ENTRY_IA32E_MODE		(1u << 9)
#define ENTRY_LOAD_PAT			(1u << 14)
#define ENTRY_LOAD_EFER			(1u << 15)

/* IA32_VMX_EPT_VPID_CAP (A.10). */
#define EPT_CAP_WALK4			(1ull << 6)
#define EPT_CAP_WB			(1ull << 14)
#define EPT_CAP_2M			(1ull << 16)
#define EPT_CAP_1G			(1ull << 17)
#define EPT_CAP_INVEPT			(1ull << 20)
#define EPT_CAP_AD			(1ull << 21)
#define EPT_CAP_INVEPT_SINGLE		(1ull << 25)
#define EPT_CAP_INVEPT_ALL		(1ull << 26)
#define VPID_CAP_INVVPID		(1ull << 32)
#define VPID_CAP_INVVPID_SINGLE		(1ull << 41)

/* The capability MSRs as read (the TRUE_* ones only if BASIC bit 55;
 * PROCBASED_CTLS2 only if the primary allows secondary controls;
 * EPT_VPID_CAP only if the secondary allows EPT or VPID; others 0). */
struct vmx_caps {
	uint64_t feature_control;
	uint64_t basic;
	uint64_t pinbased, procbased, exit, entry;	/* plain */
	uint64_t true_pinbased, true_procbased, true_exit, true_entry;
	uint64_t procbased2;
	uint64_t ept_vpid;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/* The controls the backend runs with, and what it may use. */
struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
	bool vpid;		/* VPID 1 and INVVPID single-context */
	bool ug;		/* unrestricted guest (real mode, APs) */
	bool ept_ad;		/* EPT accessed/dirty flags (EPTP bit 6) */
	bool ept_1g;		/* 1 GiB EPT leaves */
	bool invept_single;	/* INVEPT type 1, else type 2 (all) */
	bool rdtscp, invpcid, xsaves;	/* the guest may run them */
	bool desc_exit;		/* descriptor-table exiting may be set */
};

/*
 * vmx_ctl_adjust - one control word from a capability MSR @cap (A.3-A.5:
 * bits 31:0 are the allowed 0-settings, bits 63:32 the allowed
 * 1-settings): @need set (every bit must be allowed 1), @want set where
 * allowed, @avoid clear where the CPU allows 0 (a bit it forces to 1
 * stays 1), every bit the MSR forces to 1 set.  0 and *@out, or
 * -ENG_ENOTSUP with the @need bits the CPU cannot set in *@missing.
 */
int vmx_ctl_adjust(uint64_t cap, uint32_t need, uint32_t want,
		   uint32_t avoid, uint32_t *out, uint32_t *missing)
	__attribute__((warn_unused_result));

/*
 * vmx_controls_compute - the backend's controls for @c: 0, or -ENG_ENODEV
 * with a reason (a static string) in *@why when the CPU lacks something
 * the backend needs: VMX enabled by IA32_FEATURE_CONTROL (or left
 * unlocked for us), the true-control MSRs (BASIC bit 55: every CPU with
 * EPT has them), secondary controls, EPT with 4-level walks, WB paging
 * structures and INVEPT, NMI exiting, MOV-DR exiting, I/O and MSR bitmaps,
 * 64-bit host, and loading/saving EFER and PAT.  Uses VPID, unrestricted
 * guest, EPT A/D, 1 GiB leaves, RDTSCP/INVPCID/XSAVES enables where the
 * CPU has them; CR3-load/store and CR8-load/store exiting off.
 * Any CPU context; pure.
 */
int vmx_controls_compute(const struct vmx_caps *c, struct vmx_controls *out,
			 const char **why) __attribute__((warn_unused_result));

#endif /* ARCH_X86_VMX_VMX_CAPS_H */
