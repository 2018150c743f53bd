/*
 * base/lib.h - the few C library routines the freestanding core needs:
 * memory and string primitives (also used by mbedTLS and the engines) and a
 * bounded vsnprintf for the log.  Format support: %d %i %u %x %X %p %s %c
 * %%, with l/ll/z length modifiers, '0' and '-' flags and a field width.
 */
#ifndef BASE_LIB_H
#define BASE_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Writes at most @cap bytes including the NUL; returns the length written. */
int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))

#endif /* BASE_LIB_H */
