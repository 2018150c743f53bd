/*
 * core/panic.h - a broken invariant of the hypervisor itself: print CPU,
 * reason, guest RIP and control registers, then halt.  Never used for a
 * guest's mistake (that is an error code, an injected fault, or
 * vcpu_stop() with a reason).
 */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include <stdint.h>

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);
__attribute__((noreturn))
void panic_exception(uint64_t vector, uint64_t error, uint64_t rip,
		     uint64_t rsp, uint64_t cr2);

#define ASSERT(c)                                                          \
	do {                                                               \
		if (!(c))                                                  \
			panic("assertion failed: %s (%s:%d)", #c,          \
			      __FILE__, __LINE__);                         \
	} while (0)

#endif /* CORE_PANIC_H */
