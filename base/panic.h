/*
 * base/panic.h - a broken invariant of the hypervisor itself: print the
 * reason, then whatever the core registered with panic_set_dump() (host
 * control registers, the current vCPU's guest state), then halt this CPU.
 * Never used for a guest's mistake (that is an error code, an injected
 * fault, or a stop of the guest with a reason, core/vcpu.h).
 */
#ifndef BASE_PANIC_H
#define BASE_PANIC_H

#include <stdint.h>

/* Prints extra state after a panic message; must not panic itself. */
typedef void (*panic_dump_fn)(void);
void panic_set_dump(panic_dump_fn fn);

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);
/* A host exception (arch/x86/entry.S): vector, error code, faulting RIP,
 * RSP and CR2. */
__attribute__((noreturn))
void panic_exception(uint64_t vector, uint64_t error, uint64_t rip,
		     uint64_t rsp, uint64_t cr2);
/* Halt this CPU for good, interrupts off. */
__attribute__((noreturn)) void halt_forever(void);

#define ASSERT(c)                                                          \
	do {                                                               \
		if (!(c))                                                  \
			panic("assertion failed: %s (%s:%d)", #c,          \
			      __FILE__, __LINE__);                         \
	} while (0)

#endif /* BASE_PANIC_H */
