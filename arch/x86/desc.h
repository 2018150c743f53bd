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

/* Sleep until an NMI (entry.S), with GIF open if @gif (SVM's STGI/CLGI,
 * AMD APM Vol. 2 15.17).  *@wake must be 1; the NMI makes it 2. */
void smp_park_wait(volatile uint32_t *wake, int gif);
extern const char smp_park_wait_end[];
/* Take a pending NMI in the host (entry.S); the slot must be 1. */
void smp_nmi_window(void);

/*
 * An NMI outside a wake window.  On SVM the host runs with GIF 0, so none
 * can arrive and one is a fatal error (NULL here).  On VT-x the host is
 * never NMI-blocked for long (Intel SDM Vol. 3C 25.3, 28.1: an NMI in VMX
 * root operation is delivered through the host IDT), so the backend sets
 * this hook: it records the NMI for this CPU and may move *@rip (the
 * interrupted instruction) out of its guest-entry sequence.  Runs on the
 * NMI's IST stack with NMIs blocked; must not take locks or log.
 */
extern void (*desc_host_nmi)(uint64_t *rip);

/* Frame built by exc_common in entry.S. */
struct exc_frame {
	uint64_t r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

void exc_handler(struct exc_frame *f);

#endif /* ARCH_X86_DESC_H */
