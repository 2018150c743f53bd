/*
 * base/log.c - the hypervisor log (see log.h).  Lines are
 * "<level> <category>: <text>" and end in CRLF for terminals; the bytes
 * go to the sink that log_init() was given (the hypervisor's UART).
 */
#include "base/log.h"
#include "base/lib.h"

static log_putc_fn hv_log_putc;
static enum log_level hv_log_level = LOG_INFO;

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
	n = snprintf(line, sizeof(line), "%s %s: ", tag[level], cat);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	emit(line);
	emit("\n");
}

void log_raw(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(line);
}

int log_ratelimit(uint32_t *budget)
{
	if (!*budget)
		return 0;
	(*budget)--;
	return 1;
}
