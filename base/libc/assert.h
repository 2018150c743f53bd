/*
 * base/libc/assert.h - freestanding build: mbedTLS includes <assert.h> only
 * for static_assert-style checks; run-time assert() compiles to nothing.
 */
#ifndef SHROUD_LIBC_ASSERT_H
#define SHROUD_LIBC_ASSERT_H
#define assert(x) ((void)0)
#endif
