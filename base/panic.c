/*
 * base/panic.c - fatal stops of the hypervisor itself (see panic.h).
 * Prints enough to debug from the log alone, then halts this CPU; never
 * returns to a guest.
 */
#include "base/panic.h"
#include "base/lib.h"
#include "base/log.h"

static panic_dump_fn panic_dump;

void panic_set_dump(panic_dump_fn fn)
{
	panic_dump = fn;
}

void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static __attribute__((noreturn)) void panic_tail(void)
{
	if (panic_dump)
		panic_dump();
	log_raw("PANIC: hypervisor halted\n");
	halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_raw("PANIC: %s\n", msg);
	panic_tail();
}

void panic_exception(uint64_t vector, uint64_t error, uint64_t rip,
		     uint64_t rsp, uint64_t cr2)
{
	log_raw("PANIC: host exception %llu error 0x%llx at rip 0x%llx "
		"rsp 0x%llx cr2 0x%llx\n", (unsigned long long)vector,
		(unsigned long long)error, (unsigned long long)rip,
		(unsigned long long)rsp, (unsigned long long)cr2);
	panic_tail();
}
