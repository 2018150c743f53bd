/*
 * core/vcpu.h - the vendor-neutral virtual CPU and the vendor operations
 * table (Xen's hvm_funcs, Jailhouse's vcpu_vendor_*): arch/x86/svm fills
 * one struct vcpu_ops, arch/x86/vmx would fill another; core_main() picks
 * the one whose probe() succeeds.  Nothing outside arch/ names a vendor.
 */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include <stdint.h>
#include "arch/x86/boot/bootinfo.h"

/* Guest general-purpose registers that the hardware does not keep in the
 * VMCB/VMCS.  Offsets are used by the VMRUN assembly: keep in sync. */
struct gpr_state {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;	/* 0x00 - 0x2f */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;	/* 0x30 - 0x6f */
};

/* Exit reasons in vendor-neutral form, for counters and the console. */
enum vexit {
	VEXIT_CPUID, VEXIT_HYPERCALL, VEXIT_MSR_READ, VEXIT_MSR_WRITE,
	VEXIT_IO, VEXIT_NPF, VEXIT_CR3_WRITE, VEXIT_HLT, VEXIT_SVM_INSN,
	VEXIT_SHUTDOWN,
	VEXIT_OTHER,
	VEXIT_COUNT
};

struct vcpu {
	struct gpr_state gpr;		/* must stay first (assembly) */
	const struct vcpu_ops *ops;
	void *arch;			/* vendor state (struct svm_vcpu) */
	uint32_t id;
	uint64_t exits_total;
	uint64_t exits[VEXIT_COUNT];
	uint64_t hypercalls;
};

struct vcpu_ops {
	const char *name;
	/* 0 if this CPU supports the vendor's virtualization with nested
	 * paging; otherwise a negative code and a logged reason. */
	int (*probe)(void);
	/* Before the host descriptor tables replace the firmware's: save the
	 * hardware state that VMRUN/VMLAUNCH does not load (FS, GS, TR, LDTR,
	 * syscall MSRs) as the guest's. */
	int (*capture)(struct vcpu *v, const struct boot_info *bi);
	/* Build control structures, nested page tables and guest state. */
	int (*init)(struct vcpu *v, const struct boot_info *bi);
	/* Enter the guest; returns only on a fatal error of the hypervisor. */
	void (*run)(struct vcpu *v);
	/* Print the guest's registers (for fatal stops and the console). */
	void (*dump)(const struct vcpu *v);
	/* Nested paging of one 4 KiB GPA: map it to @hpa with VPERM_* rights
	 * (0 = not present) and flush the guest's TLB before the next entry.
	 * 0 or a negative code (out of table frames). */
	int (*npt_map_4k)(struct vcpu *v, uint64_t gpa, uint64_t hpa,
			  unsigned perms);
	/* Restore the 2 MiB identity leaf (all rights) at @gpa (aligned). */
	int (*npt_identity_2m)(struct vcpu *v, uint64_t gpa);
	/* The guest's paging registers and privilege level at the last exit. */
	void (*guest_paging)(const struct vcpu *v, uint64_t *cr0, uint64_t *cr3,
			     uint64_t *cr4, uint64_t *efer);
	unsigned (*guest_cpl)(const struct vcpu *v);
	/* Intercept guest CR3 writes (context switches) or stop doing so. */
	void (*intercept_cr3)(struct vcpu *v, int on);
	/* Intercept HLT (the guest going idle) or stop doing so. */
	void (*intercept_hlt)(struct vcpu *v, int on);
};

#define VPERM_R		0x1u
#define VPERM_W		0x2u
#define VPERM_X		0x4u

extern const struct vcpu_ops svm_vcpu_ops;

/* Stop the guest for good: log @why and the guest state, then halt. */
__attribute__((noreturn)) void vcpu_stop(struct vcpu *v, const char *why);

#endif /* CORE_VCPU_H */
