/*
 * core/core.h - entry of the hypervisor core and the hooks the vendor run
 * loops call.
 */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include "arch/x86/boot/bootinfo.h"
#include "core/vcpu.h"

/* Called by core_entry (arch/x86/entry.S) on the core's own stack. */
__attribute__((noreturn)) void core_main(struct boot_info *bi);

/* After every handled #VMEXIT: polls the debug console. */
void core_after_exit(struct vcpu *v);

/* Print the exit counters (debug console 'c', fatal stops). */
void core_print_counters(const struct vcpu *v);

/* The boot CPU's vCPU (one CPU until SMP lands); for panic(). */
extern struct vcpu *core_current_vcpu;

#endif /* CORE_CORE_H */
