/*
 * arch/x86/vcpu.h - the vendor-neutral virtual CPU: its state, the decoded
 * #VMEXIT record, and the one table of backend operations (Xen's
 * hvm_funcs, Jailhouse's vcpu_vendor_*).  arch/x86/svm fills one struct
 * vcpu_ops, arch/x86/vmx will fill another; arch/x86/backend.c lists them
 * with their probes for the loader and the core.
 *
 *   core loop:  ops->enter(v)  -- backend writes back v->g, runs the guest,
 *                                 decodes the exit into v->exit and v->g
 *               vexit_handle(v) -- core/vexit.c gives the exit its meaning
 *                                 (CPUID, MSR, CR3, hypercall, NPF, HLT...)
 *
 * Nothing outside the backend's folder names SVM, VMX, VMCB, VMCS, NPT,
 * EPT or a vendor's bit; the meaning of every exit is written once.
 *
 * Per-vCPU vs global state: everything in struct vcpu (and what it points
 * to: the backend's control block, the host stack, the FPU save area, the
 * protection layer's per-CPU part) belongs to one CPU and is touched only
 * by that CPU.  What is shared by all CPUs (the partition map, frame
 * metadata, keys, events: struct prot_state in prot/prot_state.h; the
 * frame allocator) is global and taken under prot_lock (one CPU for now,
 * but every entry point of prot/ takes it).
 */
#ifndef ARCH_X86_VCPU_H
#define ARCH_X86_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/boot/bootinfo.h"
#include "arch/x86/cpu.h"
#include "base/types.h"

struct fpu_state;
struct gpmap;
struct prot_cpu;

/* Guest general-purpose registers that the hardware does not keep in the
 * VMCB/VMCS.  Offsets are used by the backends' entry assembly: keep in
 * sync. */
struct gpr_state {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;	/* 0x00 - 0x2f */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;	/* 0x30 - 0x6f */
};

/*
 * Guest state the backend keeps in its control block, copied out at every
 * exit and written back before the next entry for the fields in @dirty
 * (VG_DIRTY_*).  EFER is the guest's view (bits the backend needs for
 * itself, e.g. AMD's SVME, are not in it).
 */
struct vcpu_guest {
	uint64_t rax, rsp, rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t dr6;			/* the hardware's (a #DB sets bits) */
	uint64_t cs_base;
	unsigned cpl;			/* 0..3 */
	bool cs_long;			/* CS.L with EFER.LMA: 64-bit code */
	uint32_t dirty;
};
#define VG_DIRTY_RAX	(1u << 0)
#define VG_DIRTY_RSP	(1u << 1)
#define VG_DIRTY_RIP	(1u << 2)
#define VG_DIRTY_CR3	(1u << 3)
#define VG_DIRTY_EFER	(1u << 4)
#define VG_DIRTY_DR6	(1u << 5)
#define VG_DIRTY_CR0	(1u << 6)
#define VG_DIRTY_CR4	(1u << 7)
#define VG_DIRTY_CR2	(1u << 8)

/* Exit reasons in vendor-neutral form. */
enum vexit_reason {
	VEXIT_CPUID, VEXIT_HYPERCALL, VEXIT_MSR_READ, VEXIT_MSR_WRITE,
	VEXIT_IO, VEXIT_NPF, VEXIT_CR3_WRITE, VEXIT_HLT, VEXIT_VIRT_INSN,
	VEXIT_SHUTDOWN, VEXIT_INVD, VEXIT_XSETBV, VEXIT_DR_ACCESS,
	VEXIT_CR_PIN_WRITE,		/* a write of CR0 or CR4 (u.cr.cr) */
	VEXIT_IDTR_WRITE,		/* LIDT */
	VEXIT_INIT,			/* an INIT signal reached this CPU */
	VEXIT_NMI,			/* an NMI (the hypervisor's IPI) */
	VEXIT_DESC_TABLE,		/* SGDT, SIDT, LGDT, SLDT, STR, LLDT, LTR
					 * (VT-x, under the lock: u.dt) */
	VEXIT_OTHER,
	VEXIT_COUNT
};

/* Access that caused a nested page fault / EPT violation. */
#define VACC_R	0x1u
#define VACC_W	0x2u
#define VACC_X	0x4u

/*
 * One #VMEXIT, decoded by the backend.  @insn_len is the length of the
 * intercepted instruction when the hardware tells it (AMD nRIP, Intel
 * VM-exit instruction length), else 0 and the core decodes it.
 */
struct vexit {
	enum vexit_reason reason;
	uint64_t code;			/* the vendor's exit code, for logs */
	unsigned insn_len;
	union {
		struct {			/* VEXIT_NPF */
			gpa_t gpa;
			unsigned access;	/* VACC_* */
			uint64_t info;		/* vendor error code, for logs */
		} npf;
		struct {			/* VEXIT_IO */
			uint16_t port;
			uint8_t size;		/* 1, 2 or 4 bytes */
			bool in, string;
		} io;
		struct {	/* VEXIT_CR3_WRITE, VEXIT_CR_PIN_WRITE */
			int gpr;		/* source GPR 0..15, -1: decode */
			unsigned cr;		/* 0, 3 or 4 */
		} cr;
		struct {			/* VEXIT_DR_ACCESS: MOV DRn */
			unsigned dr;		/* 0..15 */
			bool write;		/* MOV DRn, reg */
		} dr;
		/* VEXIT_DESC_TABLE: the instruction (VDT_*), its operand (a
		 * linear address, or a GPR for SLDT, STR, LLDT), and the
		 * registers a store reads or LLDT needs (Intel SDM Vol. 3C
		 * 28.2.5 tables 28-10 and 28-11 give the operand). */
		struct {
			unsigned op;		/* VDT_* */
			bool mem;		/* operand in memory at @gva */
			unsigned gpr;		/* else this GPR (0..15) */
			uint64_t gva;		/* linear, segment base added */
			uint64_t table_base;	/* SGDT: GDTR; SIDT: IDTR */
			uint16_t table_limit;
			uint16_t sel;		/* SLDT: LDTR; STR: TR */
			uint64_t gdtr_base;	/* for LLDT's descriptor */
			uint16_t gdtr_limit;
		} dt;
	} u;
};

/* VEXIT_DESC_TABLE's instructions (the encoding of VT-x's instruction
 * identity: 0-3 with exit 46, 4-7 with exit 47).  LIDT comes as
 * VEXIT_IDTR_WRITE on every backend. */
#define VDT_SGDT	0u
#define VDT_SIDT	1u
#define VDT_LGDT	2u
#define VDT_SLDT	4u
#define VDT_STR		5u
#define VDT_LLDT	6u
#define VDT_LTR		7u

/* Intercepts the core switches on and off at run time. */
/* VINT_PINS: CR0 and CR4 writes and LIDT (the kernel-integrity lock); on
 * VT-x, whose descriptor-table exiting takes all eight of SGDT ... LTR,
 * also VEXIT_DESC_TABLE. */
enum vintercept { VINT_CR3_WRITE, VINT_HLT, VINT_PINS };

struct vcpu {
	struct gpr_state gpr;		/* must stay first (assembly) */
	struct vcpu_guest g;
	struct vexit exit;
	const struct vcpu_ops *ops;
	void *arch;			/* backend state (VMCB/VMCS, ...) */
	struct gpmap *gpm;		/* this vCPU's guest-physical map */
	struct prot_cpu *prot;		/* protection layer, per CPU */
	struct fpu_state *fpu;		/* XSAVE area of the host bracket */
	void *host_stack_top;
	uint32_t id;
	uint32_t decode_warn_budget;
	/* The guest's debug registers, emulated: the host's DR0-DR3 hold the
	 * master key (crypto/aes_reg.h), so every MOV DR is intercepted, the
	 * guest reads and writes these copies, and the hardware DR7 stays
	 * 0x400 (no breakpoint armed). DR6 is the hardware's (v->g.dr6). */
	struct {
		uint64_t dr[4];
		uint64_t dr7;
		uint32_t warned;
	} dbg;
	uint64_t exits_total;
	uint64_t exits[VEXIT_COUNT];
	uint64_t hypercalls;
};

#define VCPU_WUR	__attribute__((warn_unused_result))

/* A CPUID answer (EAX, EBX, ECX, EDX). */
struct cpuid_out {
	uint32_t eax, ebx, ecx, edx;
};

struct vcpu_ops {
	const char *name;
	/* Before the host descriptor tables replace the firmware's: save the
	 * hardware state that the guest entry does not load (FS, GS, TR,
	 * LDTR, syscall MSRs) as the guest's.  0 or a negative code. */
	int (*capture)(struct vcpu *v, const struct boot_info *bi) VCPU_WUR;
	/* The guest-physical map's entry format (NPT or EPT). */
	const struct gpmap_format *gpm_format;
	/* Largest leaf level of the map this CPU walks (2 or 3). */
	unsigned (*gpm_max_level)(void);
	/* Build the control structures and the guest state over @v->gpm.
	 * 0 or a negative code. */
	int (*init)(struct vcpu *v, const struct boot_info *bi) VCPU_WUR;
	/* The same for an application processor, on that CPU (its host
	 * descriptor tables and record installed): control structures
	 * only, the guest state comes with sipi().  0 or a negative code. */
	int (*init_ap)(struct vcpu *v, uint16_t log_port) VCPU_WUR;
	/* Give @v the state of a CPU after INIT and a start-up IPI with
	 * @vector (real mode at @vector << 12); flushes its TLB. */
	void (*sipi)(struct vcpu *v, unsigned vector);
	/* Write back v->g (dirty fields), enter the guest, and on the next
	 * #VMEXIT fill v->exit and v->g.  Returns 0, or a negative code if
	 * the entry itself failed (the core stops the guest). */
	int (*enter)(struct vcpu *v) VCPU_WUR;
	/* Print the guest's registers (fatal stops, the console). */
	void (*dump)(const struct vcpu *v);
	/* Inject exception @vector (with @error if @has_error) at the next
	 * entry. */
	void (*inject)(struct vcpu *v, unsigned vector, bool has_error,
		       uint32_t error);
	/* Flush the guest's TLB (all its translations) before the next entry. */
	void (*flush_tlb)(struct vcpu *v);
	/* LDTR := @sel with the descriptor's @base, @limit (bytes - 1) and
	 * access rights @ar (type, S, DPL, P in 7:0; AVL, L, D/B, G in
	 * 15:12; 0: unusable, a null selector).  Only backends that report
	 * VEXIT_DESC_TABLE have it (VT-x); NULL elsewhere. */
	void (*set_ldtr)(struct vcpu *v, uint16_t sel, uint64_t base,
			 uint32_t limit, uint16_t ar);
	/* Turn an intercept on or off. */
	void (*intercept)(struct vcpu *v, enum vintercept what, bool on);
	/* Intercept guest IN/OUT to I/O port @port (one byte-wide port). */
	void (*intercept_port)(struct vcpu *v, uint16_t port);
	/* A model-specific register that the core does not handle: 0 and
	 * *@val for a read, 0 for a write, or -ENG_EPERM (the guest gets #GP). */
	int (*msr)(struct vcpu *v, uint32_t msr, bool write,
		   uint64_t *val) VCPU_WUR;
	/* Hide the backend's own virtualization extension from the CPUID
	 * answer @r for (@leaf, @subleaf); may be NULL. */
	void (*cpuid)(uint32_t leaf, uint32_t subleaf, struct cpuid_out *r);
	/* After a VEXIT_NMI (the hypervisor's IPI): take or unblock that
	 * NMI in the host so the next entry does not exit again at once
	 * (SVM: a one-instruction GIF window; VMX: an IRET).  The CPU's
	 * desc_nmi_wake slot is 1 around the call. */
	void (*nmi_window)(void);
	/* The host must open GIF to take an NMI (SVM): a parked CPU sleeps
	 * with GIF open (smp_park_wait). */
	bool host_gif;
	/* Guest EFER bits the backend keeps for itself (hidden from the
	 * guest and forced on at write-back). */
	uint64_t efer_reserved;
	/* Guest CR4 bits the backend keeps for itself: a guest write that
	 * sets one is #GP, as on a CPU without the feature. */
	uint64_t cr4_reserved;
	/* The hypercall instruction (VMMCALL or VMCALL), for the decoder. */
	const uint8_t *hypercall_insn;
	unsigned hypercall_insn_len;
};

/* Stop the guest for good: log @why and the guest state, then halt this
 * CPU.  Only for a state the hypervisor cannot continue from. */
__attribute__((noreturn)) void vcpu_stop(struct vcpu *v, const char *why);

/* The guest's GPR @i (0..15, the SDM's register numbering: RAX, RCX, RDX,
 * RBX, RSP, RBP, RSI, RDI, R8-R15) at this exit.  A write to RAX or RSP
 * also needs VG_DIRTY_RAX / VG_DIRTY_RSP (they live in v->g). */
static inline uint64_t *vcpu_gpr(struct vcpu *v, unsigned i)
{
	uint64_t *regs[16] = {
		&v->g.rax, &v->gpr.rcx, &v->gpr.rdx, &v->gpr.rbx, &v->g.rsp,
		&v->gpr.rbp, &v->gpr.rsi, &v->gpr.rdi, &v->gpr.r8, &v->gpr.r9,
		&v->gpr.r10, &v->gpr.r11, &v->gpr.r12, &v->gpr.r13,
		&v->gpr.r14, &v->gpr.r15,
	};

	return regs[i & 15u];
}

/*
 * @b = the state of a CPU after INIT and a start-up IPI with @vector
 * (0..255), in the loader's guest-state shape (Intel SDM Vol. 3A 9.1.1
 * table 9-1 and 8.4.4.1; AMD APM Vol. 2, 14.1.3): real mode at
 * @vector:0000 (CS base @vector << 12), the data segments 0, GDTR and
 * IDTR 0 with 64 KiB limits, CR0/PAT/RFLAGS as after reset, CR3, CR4 and
 * EFER 0.  Each backend's sipi() puts it into its control block with
 * the same routine that puts the boot CPU's state there; FS, GS, LDTR,
 * TR and what the shape does not hold are the backend's.
 */
static inline void vcpu_sipi_state(struct bi_guest_state *b, unsigned vector)
{
	const struct bi_segment data = { 0, CPU_RESET_AR_DATA,
					 CPU_RESET_SEG_LIMIT, 0 };

	*b = (struct bi_guest_state){
		.cr0 = CPU_RESET_CR0,
		.pat = CPU_RESET_PAT,
		.rflags = CPU_RESET_RFLAGS,
		.gdtr_limit = CPU_RESET_SEG_LIMIT,
		.idtr_limit = CPU_RESET_SEG_LIMIT,
		.es = data, .ss = data, .ds = data,
		.cs = { (uint16_t)(vector << 8), CPU_RESET_AR_CODE,
			CPU_RESET_SEG_LIMIT, (uint64_t)vector << 12 },
	};
}

#endif /* ARCH_X86_VCPU_H */
