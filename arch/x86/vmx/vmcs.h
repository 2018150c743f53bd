/*
 * arch/x86/vmx/vmcs.h - VMCS field encodings, exit reasons and the VMX
 * instructions, private to arch/x86/vmx.  Intel SDM Vol. 3D appendix B
 * (field encodings), appendix C (basic exit reasons), Vol. 3C 27.2
 * (exit qualifications), 30.4 (VM-instruction error numbers).
 */
#ifndef ARCH_X86_VMX_VMCS_H
#define ARCH_X86_VMX_VMCS_H

#include <stdint.h>

/* 16-bit fields (B.1). */
#define VMCS_VPID			0x0000u
#define VMCS_GUEST_ES_SEL		0x0800u	/* + 2 * segment index */
#define VMCS_GUEST_LDTR_SEL		0x080cu
#define VMCS_GUEST_TR_SEL		0x080eu
#define VMCS_HOST_ES_SEL		0x0c00u
#define VMCS_HOST_CS_SEL		0x0c02u
#define VMCS_HOST_SS_SEL		0x0c04u
#define VMCS_HOST_DS_SEL		0x0c06u
#define VMCS_HOST_FS_SEL		0x0c08u
#define VMCS_HOST_GS_SEL		0x0c0au
#define VMCS_HOST_TR_SEL		0x0c0cu
/* 64-bit fields (B.2). */
#define VMCS_IO_BITMAP_A		0x2000u
#define VMCS_IO_BITMAP_B		0x2002u
#define VMCS_MSR_BITMAP			0x2004u
#define VMCS_EPT_POINTER		0x201au
#define VMCS_GUEST_PHYS_ADDR		0x2400u
#define VMCS_LINK_POINTER		0x2800u
#define VMCS_GUEST_DEBUGCTL		0x2802u
#define VMCS_GUEST_PAT			0x2804u
#define VMCS_GUEST_EFER			0x2806u
#define VMCS_HOST_PAT			0x2c00u
#define VMCS_HOST_EFER			0x2c02u
/* 32-bit fields (B.3). */
#define VMCS_PIN_CTLS			0x4000u
#define VMCS_PROC_CTLS			0x4002u
#define VMCS_EXCEPTION_BITMAP		0x4004u
#define VMCS_CR3_TARGET_COUNT		0x400au
#define VMCS_EXIT_CTLS			0x400cu
#define VMCS_EXIT_MSR_STORE_COUNT	0x400eu
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010u
#define VMCS_ENTRY_CTLS			0x4012u
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014u
#define VMCS_ENTRY_INTR_INFO		0x4016u
#define VMCS_ENTRY_EXCEPTION_ERROR	0x4018u
#define VMCS_ENTRY_INSN_LEN		0x401au
#define VMCS_PROC_CTLS2			0x401eu
#define VMCS_INSN_ERROR			0x4400u
#define VMCS_EXIT_REASON		0x4402u
#define VMCS_EXIT_INTR_INFO		0x4404u
#define VMCS_IDT_VECTORING_INFO		0x4408u
#define VMCS_IDT_VECTORING_ERROR	0x440au
#define VMCS_EXIT_INSN_LEN		0x440cu
#define VMCS_EXIT_INSN_INFO		0x440eu
#define VMCS_GUEST_ES_LIMIT		0x4800u	/* + 2 * segment index */
#define VMCS_GUEST_LDTR_LIMIT		0x480cu
#define VMCS_GUEST_TR_LIMIT		0x480eu
#define VMCS_GUEST_GDTR_LIMIT		0x4810u
#define VMCS_GUEST_IDTR_LIMIT		0x4812u
#define VMCS_GUEST_ES_AR		0x4814u	/* + 2 * segment index */
#define VMCS_GUEST_LDTR_AR		0x4820u
#define VMCS_GUEST_TR_AR		0x4822u
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824u
#define VMCS_GUEST_ACTIVITY		0x4826u
#define VMCS_GUEST_SYSENTER_CS		0x482au
#define VMCS_HOST_SYSENTER_CS		0x4c00u
/* Natural-width fields (B.4). */
#define VMCS_CR0_MASK			0x6000u
#define VMCS_CR4_MASK			0x6002u
#define VMCS_CR0_SHADOW			0x6004u
#define VMCS_CR4_SHADOW			0x6006u
#define VMCS_EXIT_QUALIFICATION		0x6400u
#define VMCS_GUEST_CR0			0x6800u
#define VMCS_GUEST_CR3			0x6802u
#define VMCS_GUEST_CR4			0x6804u
#define VMCS_GUEST_ES_BASE		0x6806u	/* + 2 * segment index */
#define VMCS_GUEST_LDTR_BASE		0x6812u
#define VMCS_GUEST_TR_BASE		0x6814u
#define VMCS_GUEST_GDTR_BASE		0x6816u
#define VMCS_GUEST_IDTR_BASE		0x6818u
#define VMCS_GUEST_DR7			0x681au
#define VMCS_GUEST_RSP			0x681cu
#define VMCS_GUEST_RIP			0x681eu
#define VMCS_GUEST_RFLAGS		0x6820u
#define VMCS_GUEST_PENDING_DBG		0x6822u
#define VMCS_GUEST_SYSENTER_ESP		0x6824u
#define VMCS_GUEST_SYSENTER_EIP		0x6826u
#define VMCS_HOST_CR0			0x6c00u
#define VMCS_HOST_CR3			0x6c02u
#define VMCS_HOST_CR4			0x6c04u
#define VMCS_HOST_FS_BASE		0x6c06u
#define VMCS_HOST_GS_BASE		0x6c08u
#define VMCS_HOST_TR_BASE		0x6c0au
#define VMCS_HOST_GDTR_BASE		0x6c0cu
#define VMCS_HOST_IDTR_BASE		0x6c0eu
#define VMCS_HOST_SYSENTER_ESP		0x6c10u
#define VMCS_HOST_SYSENTER_EIP		0x6c12u
#define VMCS_HOST_RSP			0x6c14u
#define VMCS_HOST_RIP			0x6c16u

/* Segment index for the "+ 2 * index" fields (B.1.2: ES, CS, SS, DS, FS, GS). */
enum vmx_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

/* Access rights (24.4.1, table 24-2). */
#define VMX_AR_L			(1u << 13)
#define VMX_AR_UNUSABLE			(1u << 16)
#define VMX_AR_DPL(ar)			(((ar) >> 5) & 3u)

/* Basic exit reasons (appendix C). */
#define VMX_EXIT_EXCEPTION_NMI		0u
#define VMX_EXIT_TRIPLE_FAULT		2u
#define VMX_EXIT_INIT			3u
#define VMX_EXIT_CPUID			10u
#define VMX_EXIT_GETSEC			11u
#define VMX_EXIT_HLT			12u
#define VMX_EXIT_INVD			13u
#define VMX_EXIT_VMCALL			18u
#define VMX_EXIT_VMCLEAR		19u	/* 19-27: the VMX instructions */
#define VMX_EXIT_VMXON			27u
#define VMX_EXIT_CR_ACCESS		28u
#define VMX_EXIT_DR_ACCESS		29u
#define VMX_EXIT_IO			30u
#define VMX_EXIT_RDMSR			31u
#define VMX_EXIT_WRMSR			32u
#define VMX_EXIT_INVALID_STATE		33u
#define VMX_EXIT_GDTR_IDTR		46u	/* SGDT, SIDT, LGDT, LIDT */
#define VMX_EXIT_LDTR_TR		47u	/* SLDT, STR, LLDT, LTR */
#define VMX_EXIT_EPT_VIOLATION		48u
#define VMX_EXIT_EPT_MISCONFIG		49u
#define VMX_EXIT_INVEPT			50u
#define VMX_EXIT_INVVPID		53u
#define VMX_EXIT_XSETBV			55u
#define VMX_EXIT_VMFUNC			59u
#define VMX_EXIT_ENTRY_FAILED		(1u << 31)	/* in the exit reason */

/* Interruption information (24.8.3, 24.9.2): entry, exit, IDT vectoring. */
#define INTR_INFO_VECTOR(i)		((i) & 0xffu)
#define INTR_INFO_TYPE(i)		(((i) >> 8) & 7u)
#define INTR_TYPE_NMI			2u
#define INTR_TYPE_HW_EXCEPTION		3u
#define INTR_INFO_ERROR_VALID		(1u << 11)
#define INTR_INFO_VALID			(1u << 31)

/* Guest interruptibility state (24.4.2, table 24-3). */
#define INTERRUPTIBILITY_STI		(1u << 0)
#define INTERRUPTIBILITY_MOV_SS		(1u << 1)

/* INVEPT / INVVPID types (Vol. 3C 30.3). */
#define INVEPT_SINGLE			1ull
#define INVEPT_ALL			2ull
#define INVVPID_SINGLE			1ull

/* VMREAD; a field this CPU does not have reads as 0. */
static inline uint64_t vmread(uint32_t field)
{
	uint64_t v = 0;

	__asm__ volatile("vmread %[f], %[v]"
			 : [v] "=rm"(v) : [f] "r"((uint64_t)field) : "cc");
	return v;
}

/* VMWRITE: 0, or -1 if the instruction failed (VMfailValid/Invalid). */
static inline int vmwrite(uint32_t field, uint64_t value)
{
	uint8_t bad;

	__asm__ volatile("vmwrite %[v], %[f]; setna %[bad]"
			 : [bad] "=qm"(bad)
			 : [v] "rm"(value), [f] "r"((uint64_t)field)
			 : "cc", "memory");
	return bad ? -1 : 0;
}

#endif /* ARCH_X86_VMX_VMCS_H */
