/*
 * core/core.h - entry of the hypervisor core, the vendor-neutral run loop
 * and the hooks it calls.
 */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/boot/bootinfo.h"
#include "arch/x86/vcpu.h"
#include "base/panic.h"

/* Called by core_entry (arch/x86/entry.S) on the core's own stack. */
__attribute__((noreturn)) void core_main(struct boot_info *bi);

/* Enter the guest and handle its exits, forever (core/vexit.c). */
__attribute__((noreturn)) void vcpu_run(struct vcpu *v);
/* Give one decoded exit its meaning (core/vexit.c). */
void vexit_handle(struct vcpu *v);

/* After every handled #VMEXIT: polls the debug console. */
void core_after_exit(struct vcpu *v);

/* Print the exit counters (debug console 'c', fatal stops). */
void core_print_counters(const struct vcpu *v);

/* The hypervisor's UART (hidden from the guest; the debug console). */
extern uint16_t core_log_port;
/* Intercept the reset ports (core/vexit.c); after the backend's init. */
void core_intercept_reset_ports(struct vcpu *v);
/* Wipe (unless reset_wipe = no) and reset the machine; never returns. */
__attribute__((noreturn)) void core_reset(struct vcpu *v, const char *why);
/* shroud.cfg reset_wipe (testing only when 0). */
extern bool core_reset_wipe;

/* The hypervisor's reserved memory [base, end) (HPA = GPA). */
extern uint64_t core_hv_base, core_hv_end;
/* End of the host's identity map (HPA), the APIC page must lie below it:
 * the IPI guard does the guest's APIC stores through it. */
extern uint64_t core_phys_top;

/* Offer SHROUD_HC_GUARD_IPIS (core/vexit.c): once armed, every IPI that
 * could reach a CPU other than the boot CPU is refused (the local APIC's
 * ICR in xAPIC and x2APIC mode).  After the backend's init, before the
 * first entry. */
void core_guard_ipis(void);
/* IPIs refused so far (the debug console, logs). */
extern uint64_t core_ipis_refused;

/* The boot information (the loader's, in the hypervisor's memory). */
extern const struct boot_info *core_bi;

/* An AP's IPI guard on its own view, at its init (core/vexit.c). */
void core_ap_guard(struct vcpu *v);
/* The CPU leaves what it ran (an emulated INIT): the protection layer
 * sees it go idle (core/vexit.c). */
void core_cpu_reset_prot(struct vcpu *v);

#endif /* CORE_CORE_H */
