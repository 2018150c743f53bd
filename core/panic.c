/*
 * core/panic.c - fatal stops: panic() for the hypervisor's own broken
 * invariants, vcpu_stop() for a guest state the hypervisor cannot continue
 * from.  Both print enough to debug from the log alone, then halt this CPU;
 * neither ever returns to a guest.
 */
#include "core/panic.h"
#include "arch/x86/cpu.h"
#include "core/core.h"
#include "core/lib.h"
#include "core/log.h"

struct vcpu *core_current_vcpu;

static void dump_host(void)
{
	log_raw("  host cr0 %016llx cr3 %016llx cr4 %016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		(unsigned long long)read_cr4());
	if (core_current_vcpu && core_current_vcpu->ops) {
		log_raw("  cpu %u, guest state at the last #VMEXIT:\n",
			core_current_vcpu->id);
		core_current_vcpu->ops->dump(core_current_vcpu);
	}
}

void panic(const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_raw("PANIC: %s\n", msg);
	dump_host();
	log_raw("PANIC: hypervisor halted\n");
	cpu_halt_forever();
}

void panic_exception(uint64_t vector, uint64_t error, uint64_t rip,
		     uint64_t rsp, uint64_t cr2)
{
	log_raw("PANIC: host exception %llu error 0x%llx at rip 0x%llx "
		"rsp 0x%llx cr2 0x%llx\n", (unsigned long long)vector,
		(unsigned long long)error, (unsigned long long)rip,
		(unsigned long long)rsp, (unsigned long long)cr2);
	dump_host();
	log_raw("PANIC: hypervisor halted\n");
	cpu_halt_forever();
}

void vcpu_stop(struct vcpu *v, const char *why)
{
	log_raw("FATAL: guest stopped: %s\n", why);
	v->ops->dump(v);
	core_print_counters(v);
	log_raw("FATAL: cpu %u halted\n", v->id);
	cpu_halt_forever();
}
