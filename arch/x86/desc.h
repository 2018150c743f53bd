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

/* Load the host GDT, segment registers, TSS and IDT.  Core init only. */
void desc_init(void);

/* Frame built by exc_common in entry.S. */
struct exc_frame {
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

void exc_handler(struct exc_frame *f);

#endif /* ARCH_X86_DESC_H */
