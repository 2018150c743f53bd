/*
 * arch/x86/desc.h - the host's own GDT, TSS and IDT (AMD APM Vol. 2, 4.8
 * "Long-Mode Segment Descriptors", 8.9 "Long-Mode Interrupt Control
 * Transfers", 12.2.5 "64-Bit Task State Segment").
 */
#ifndef ARCH_X86_DESC_H
#define ARCH_X86_DESC_H

#include <stdint.h>

#define HOST_CS		0x08
#define HOST_DS		0x10
#define HOST_TSS	0x18

#include "arch/x86/percpu.h"

/* Load CPU @cpu's host GDT, segment registers, TSS and the shared IDT.
 * Core init, once per CPU, on that CPU. */
void desc_init(unsigned cpu);

/* Host NMIs: a CPU that waits with GIF open sets its slot to 1; an NMI
 * then sets it to 2 and returns (exc_common's IRET path) instead of
 * panicking, as does any further NMI until the slot is 0 again. */
extern volatile uint32_t desc_nmi_wake[CPUS_MAX];

/* Sleep with GIF open until an NMI (entry.S; SVM's STGI/CLGI, AMD APM
 * Vol. 2 15.17).  *@wake must be 1; the NMI makes it 2. */
void smp_park_wait(volatile uint32_t *wake);
extern const char smp_park_wait_end[];
/* Take a pending NMI in the host (entry.S); the slot must be 1. */
void smp_nmi_window(void);

/* Frame built by exc_common in entry.S. */
struct exc_frame {
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

void exc_handler(struct exc_frame *f);

#endif /* ARCH_X86_DESC_H */
