/*
 * arch/x86/percpu.h - this CPU's own data, found through the host's GS
 * base: %gs:0 holds a pointer to the struct cpu_local of the CPU that runs
 * the code.  The host's GS base is part of the host's VMSAVE area, which
 * the backend reloads after every #VMEXIT (AMD APM Vol. 2, 15.5.2), so it
 * survives the guest's own GS.  Installed once per CPU by core init,
 * after the guest's FS/GS were captured and before the first entry.
 *
 * Who may call: host code on a CPU whose cpu_local is installed
 * (cpu_local_ready() tells; the log and panic paths check it).
 */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#define CPUS_MAX	8u	/* processors the hypervisor virtualizes */
#define CPU_LOCAL_HOST_NMI	32	/* offsetof(struct cpu_local, host_nmi) */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct fpu_state;

struct cpu_local {
	struct cpu_local *self;		/* %gs:0 */
	uint32_t index;			/* 0 = the boot CPU */
	uint32_t apic_id;		/* local APIC ID (xAPIC: bits 31:24) */
	struct fpu_state *fpu;		/* XSAVE area of the host bracket */
	void *owner;			/* core's per-CPU record */
	/* %gs:CPU_LOCAL_HOST_NMI: an NMI reached this CPU in host mode
	 * since the backend last cleared it (VT-x: desc_host_nmi); read by
	 * the guest-entry assembly, which cannot use a register then. */
	volatile uint32_t host_nmi;
};

/* The records, one per CPU index (arch/x86/percpu.c). */
extern struct cpu_local cpu_locals[CPUS_MAX];

/* Make cpu_locals[@index] this CPU's record (writes IA32_GS_BASE). */
void cpu_local_install(uint32_t index, uint32_t apic_id);
/* True once this CPU's record is installed (the GS base points at a
 * record whose self pointer is itself). */
bool cpu_local_ready(void);

static inline struct cpu_local *cpu_local(void)
{
	struct cpu_local *l;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(l));
	return l;
}

/* This CPU's index (0 before the record is installed: the boot CPU's
 * early init is the only code that runs then). */
uint32_t cpu_index(void);

/* Hand the host's DR0-DR3 (the register-only cipher's master key) from
 * the boot CPU to a starting AP through @slot (arch/x86/dr_handoff.S):
 * 0, or -1 on time-out (slot zeroed either way). */
int dr_handoff_send(volatile uint64_t slot[5]);
int dr_handoff_receive(volatile uint64_t slot[5]);

#endif /* !__ASSEMBLER__ */
#endif /* ARCH_X86_PERCPU_H */
