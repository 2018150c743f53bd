/*
 * arch/x86/svm/vmcb.h - the Virtual Machine Control Block.
 * AMD APM Vol. 2, Appendix B "Layout of VMCB": Table B-1 (control area,
 * offsets 0x000-0x3ff) and Table B-2 (state save area, from 0x400).
 * Exit codes: Appendix C "SVM Intercept Exit Codes".
 * Shroud does not track VMCB clean bits: svm_run() clears them before every
 * VMRUN, so any field may be edited directly (QEMU ignores clean bits,
 * hardware does not).
 */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

/* Intercept vector 3 (offset 0x00c). */
#define SVM_INTERCEPT1_INTR		(1u << 0)
#define SVM_INTERCEPT1_NMI		(1u << 1)
#define SVM_INTERCEPT1_INIT		(1u << 3)
#define SVM_INTERCEPT1_CPUID		(1u << 18)
#define SVM_INTERCEPT1_HLT		(1u << 24)
#define SVM_INTERCEPT1_IDTR_WRITE	(1u << 10)
#define SVM_INTERCEPT1_INVD		(1u << 22)
#define SVM_INTERCEPT1_INVLPGA		(1u << 26)
#define SVM_INTERCEPT1_IOIO_PROT	(1u << 27)
#define SVM_INTERCEPT1_MSR_PROT		(1u << 28)
#define SVM_INTERCEPT1_SHUTDOWN		(1u << 31)
/* Intercept vector 4 (offset 0x010). */
#define SVM_INTERCEPT2_VMRUN		(1u << 0)
#define SVM_INTERCEPT2_VMMCALL		(1u << 1)
#define SVM_INTERCEPT2_VMLOAD		(1u << 2)
#define SVM_INTERCEPT2_VMSAVE		(1u << 3)
#define SVM_INTERCEPT2_STGI		(1u << 4)
#define SVM_INTERCEPT2_CLGI		(1u << 5)
#define SVM_INTERCEPT2_SKINIT		(1u << 6)
#define SVM_INTERCEPT2_XSETBV		(1u << 13)

/* Exit codes (Appendix C). */
#define SVM_EXIT_WRITE_CR0		0x010
#define SVM_EXIT_WRITE_CR4		0x014
#define SVM_EXIT_READ_DR0		0x020
#define SVM_EXIT_WRITE_DR0		0x030
#define SVM_EXIT_EXCP_BASE		0x040
#define SVM_EXIT_INTR			0x060
#define SVM_EXIT_NMI			0x061
#define SVM_EXIT_INIT			0x063
#define SVM_EXIT_CPUID			0x072
#define SVM_EXIT_HLT			0x078
#define SVM_EXIT_INVD			0x076
#define SVM_EXIT_IDTR_WRITE		0x06a
#define SVM_EXIT_INVLPGA		0x07a
#define SVM_EXIT_IOIO			0x07b
#define SVM_EXIT_MSR			0x07c
#define SVM_EXIT_SHUTDOWN		0x07f
#define SVM_EXIT_VMRUN			0x080
#define SVM_EXIT_VMMCALL		0x081
#define SVM_EXIT_VMLOAD			0x082
#define SVM_EXIT_VMSAVE			0x083
#define SVM_EXIT_STGI			0x084
#define SVM_EXIT_CLGI			0x085
#define SVM_EXIT_SKINIT			0x086
#define SVM_EXIT_XSETBV			0x08d
#define SVM_EXIT_NPF			0x400
#define SVM_EXIT_INVALID		0xffffffffffffffffull

/* EVENTINJ (offset 0x0a8; APM Vol. 2, 15.20 "Event Injection"). */
#define SVM_EVTINJ_VALID		(1ull << 31)
#define SVM_EVTINJ_VALID_ERR		(1ull << 11)
#define SVM_EVTINJ_TYPE_EXCEPTION	(3ull << 8)

/* IOIO EXITINFO1 (APM Vol. 2, 15.10.2, Figure 15-2). */
#define SVM_IOIO_TYPE_IN		(1ull << 0)
#define SVM_IOIO_STR			(1ull << 2)
#define SVM_IOIO_REP			(1ull << 3)
#define SVM_IOIO_SIZE_SHIFT		4
#define SVM_IOIO_SIZE_MASK		(7ull << SVM_IOIO_SIZE_SHIFT)
#define SVM_IOIO_PORT_SHIFT		16

#define SVM_NP_ENABLE			(1ull << 0)
#define SVM_TLB_FLUSH_ALL		1u

struct vmcb_control {
	uint32_t intercept_cr;		/* 0x000: bits 0-15 read, 16-31 write */
	uint32_t intercept_dr;		/* 0x004 */
	uint32_t intercept_exc;		/* 0x008: one bit per vector */
	uint32_t intercept1;		/* 0x00c: SVM_INTERCEPT1_* */
	uint32_t intercept2;		/* 0x010: SVM_INTERCEPT2_* */
	uint32_t intercept3;		/* 0x014 */
	uint8_t rsvd0[0x03c - 0x018];
	uint16_t pause_filter_thresh;	/* 0x03c */
	uint16_t pause_filter_count;	/* 0x03e */
	uint64_t iopm_base_pa;		/* 0x040: 12 KiB, 4 KiB aligned */
	uint64_t msrpm_base_pa;		/* 0x048: 8 KiB, 4 KiB aligned */
	uint64_t tsc_offset;		/* 0x050 */
	uint32_t guest_asid;		/* 0x058: never 0 */
	uint8_t tlb_control;		/* 0x05c */
	uint8_t rsvd1[3];
	uint64_t vintr;			/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING */
	uint64_t int_shadow;		/* 0x068 */
	uint64_t exit_code;		/* 0x070 */
	uint64_t exit_info1;		/* 0x078 */
	uint64_t exit_info2;		/* 0x080 */
	uint64_t exit_int_info;		/* 0x088 */
	uint64_t np_control;		/* 0x090: SVM_NP_ENABLE */
	uint64_t avic_apic_bar;		/* 0x098 */
	uint64_t ghcb_pa;		/* 0x0a0 */
	uint64_t event_inj;		/* 0x0a8 */
	uint64_t n_cr3;			/* 0x0b0: nested page table root */
	uint64_t virt_ext;		/* 0x0b8 */
	uint32_t clean;			/* 0x0c0 */
	uint32_t rsvd2;
	uint64_t next_rip;		/* 0x0c8: valid with NRIPS */
	uint8_t insn_len;		/* 0x0d0 */
	uint8_t insn_bytes[15];		/* 0x0d1 */
	uint8_t rsvd3[0x400 - 0x0e0];
};

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;	/* 0x000 - 0x05f */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x060 - 0x09f */
	uint8_t rsvd0[0x0cb - 0x0a0];
	uint8_t cpl;			/* 0x0cb */
	uint32_t rsvd1;
	uint64_t efer;			/* 0x0d0 */
	uint8_t rsvd2[0x148 - 0x0d8];
	uint64_t cr4;			/* 0x148 */
	uint64_t cr3;			/* 0x150 */
	uint64_t cr0;			/* 0x158 */
	uint64_t dr7;			/* 0x160 */
	uint64_t dr6;			/* 0x168 */
	uint64_t rflags;		/* 0x170 */
	uint64_t rip;			/* 0x178 */
	uint8_t rsvd3[0x1d8 - 0x180];
	uint64_t rsp;			/* 0x1d8 */
	uint64_t s_cet, ssp, isst_addr;	/* 0x1e0 - 0x1f7 */
	uint64_t rax;			/* 0x1f8 */
	uint64_t star, lstar, cstar, sfmask;	/* 0x200 - 0x21f */
	uint64_t kernel_gs_base;	/* 0x220 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;	/* 0x228 */
	uint64_t cr2;			/* 0x240 */
	uint8_t rsvd4[0x268 - 0x248];
	uint64_t g_pat;			/* 0x268 */
	uint64_t dbgctl;		/* 0x270 */
	uint64_t br_from, br_to, last_excp_from, last_excp_to;	/* 0x278 */
	uint8_t rsvd5[0xc00 - 0x298];
};

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __attribute__((aligned(4096)));

_Static_assert(offsetof(struct vmcb_control, guest_asid) == 0x058, "APM B-1");
_Static_assert(offsetof(struct vmcb_control, exit_code) == 0x070, "APM B-1");
_Static_assert(offsetof(struct vmcb_control, event_inj) == 0x0a8, "APM B-1");
_Static_assert(offsetof(struct vmcb_control, n_cr3) == 0x0b0, "APM B-1");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0x0c8, "APM B-1");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "APM B-1");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0d0, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1f8, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, kernel_gs_base) == 0x220, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "APM B-2");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "APM B-2");
_Static_assert(sizeof(struct vmcb) == 4096, "one page");

#endif /* ARCH_X86_SVM_VMCB_H */
