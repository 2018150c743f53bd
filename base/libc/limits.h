/*
 * base/libc/limits.h - freestanding build: pass through to the compiler's
 * own <limits.h>, telling it there is no C library limits.h below it.
 */
#ifndef SHROUD_LIBC_LIMITS_H
#define SHROUD_LIBC_LIMITS_H
#define _LIBC_LIMITS_H_ 1
#include_next <limits.h>
#endif
