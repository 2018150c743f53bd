/*
 * base/log.c - the hypervisor log (see log.h).  Lines are
 * "<level> <category>: <text>" and end in CRLF for terminals; the bytes
 * go to the sink that log_init() was given (the hypervisor's UART).
 */
#include "base/log.h"
#include "base/lib.h"
#include <stdbool.h>

static log_putc_fn hv_log_putc;
static enum log_level hv_log_level = LOG_INFO;
static log_cpu_fn hv_log_cpu;
uint32_t hv_ncpus = 1;
/* One line at a time from all CPUs; a CPU that faults while it holds the
 * lock (a panic inside the log) takes it again: owner = CPU index + 1. */
static volatile uint32_t log_owner;

void log_set_cpu(log_cpu_fn fn)
{
	hv_log_cpu = fn;
}

static uint32_t log_lock(void)
{
	uint32_t me = hv_log_cpu ? hv_log_cpu() + 1 : 1;
	uint32_t free = 0;

	if (__atomic_load_n(&log_owner, __ATOMIC_RELAXED) == me)
		return 0;	/* nested: this CPU holds it */
	while (!__atomic_compare_exchange_n(&log_owner, &free, me, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		free = 0;
		__builtin_ia32_pause();
	}
	return me;
}

static void log_unlock(uint32_t token)
{
	if (token)
		__atomic_store_n(&log_owner, 0, __ATOMIC_RELEASE);
}

void log_init(log_putc_fn putc_fn, enum log_level level)
{
	hv_log_putc = putc_fn;
	hv_log_level = level;
}

static void emit(const char *s)
{
	if (!hv_log_putc)
		return;
	for (; *s; s++) {
		if (*s == '\n')
			hv_log_putc('\r');
		hv_log_putc(*s);
	}
}

void hv_log(enum log_level level, const char *cat, const char *fmt, ...)
{
	static const char *const tag[] = { "ERR ", "WARN", "INFO", "DBG " };
	char line[256];
	va_list ap;
	int n;

	if (level > hv_log_level)
		return;
	uint32_t t;

	if (hv_log_cpu && hv_ncpus > 1)
		n = snprintf(line, sizeof(line), "%s [%u] %s: ", tag[level],
			     hv_log_cpu(), cat);
	else
		n = snprintf(line, sizeof(line), "%s %s: ", tag[level], cat);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	t = log_lock();
	emit(line);
	emit("\n");
	log_unlock(t);
}

void log_raw(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	uint32_t t;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t = log_lock();
	emit(line);
	log_unlock(t);
}

int log_ratelimit(uint32_t *budget)
{
	if (!*budget)
		return 0;
	(*budget)--;
	return 1;
}
