/*
 * core/log.c - hypervisor log on its own UART (see log.h).  Lines are
 * "<level> <category>: <text>" and end in CRLF for terminals.
 */
#include "core/log.h"
#include "core/lib.h"
#include "drivers/uart16550.h"

static uint16_t hv_log_port;
static enum log_level hv_log_level = LOG_INFO;

void log_init(uint16_t port, enum log_level level)
{
	hv_log_port = port;
	hv_log_level = level;
	uart_init(port);
}

uint16_t log_port(void)
{
	return hv_log_port;
}

static void emit(const char *s)
{
	if (!hv_log_port)
		return;
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc(hv_log_port, '\r');
		uart_putc(hv_log_port, *s);
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
