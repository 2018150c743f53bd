/*
 * arch/x86/percpu.c - this CPU's record through the host GS base (see
 * percpu.h).
 */
#include "arch/x86/percpu.h"
#include "arch/x86/cpu.h"

struct cpu_local cpu_locals[CPUS_MAX];
_Static_assert(__builtin_offsetof(struct cpu_local, host_nmi) ==
	       CPU_LOCAL_HOST_NMI, "CPU_LOCAL_HOST_NMI: the entry assembly's offset");

void cpu_local_install(uint32_t index, uint32_t apic_id)
{
	struct cpu_local *l = &cpu_locals[index];

	l->self = l;
	l->index = index;
	l->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)l);
}

bool cpu_local_ready(void)
{
	uint64_t gs = rdmsr(MSR_GS_BASE);
	uint64_t lo = (uint64_t)(uintptr_t)cpu_locals;

	if (gs < lo || gs >= lo + sizeof(cpu_locals) ||
	    (gs - lo) % sizeof(struct cpu_local))
		return false;
	return ((struct cpu_local *)(uintptr_t)gs)->self ==
	       (struct cpu_local *)(uintptr_t)gs;
}

uint32_t cpu_index(void)
{
	return cpu_local_ready() ? cpu_local()->index : 0;
}
