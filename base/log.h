/*
 * base/log.h - the hypervisor log: one function with printf checking, a
 * level and a category, written through one byte sink (the hypervisor's
 * own UART, set by the core; nothing is printed before log_init()).  Messages a
 * guest can trigger go through log_ratelimited().  Never log key bytes or
 * protected plaintext.
 */
#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Writes one byte of a log line; never fails. */
typedef void (*log_putc_fn)(char c);

void log_init(log_putc_fn putc_fn, enum log_level level);

/* With more than one CPU (@hv_ncpus > 1) every line carries "[N]", the
 * index @fn returns for the CPU that logs; lines never interleave. */
typedef uint32_t (*log_cpu_fn)(void);
void log_set_cpu(log_cpu_fn fn);
extern uint32_t hv_ncpus;
void hv_log(enum log_level level, const char *cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Raw line output, no prefix (console replies, banners). */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns 1 if a message counted in *@budget may still be printed. */
int log_ratelimit(uint32_t *budget);

#define log_err(cat, ...)	hv_log(LOG_ERROR, cat, __VA_ARGS__)
#define log_warn(cat, ...)	hv_log(LOG_WARN, cat, __VA_ARGS__)
#define log_info(cat, ...)	hv_log(LOG_INFO, cat, __VA_ARGS__)
#define log_debug(cat, ...)	hv_log(LOG_DEBUG, cat, __VA_ARGS__)

#endif /* BASE_LOG_H */
