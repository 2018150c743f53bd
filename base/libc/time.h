/*
 * base/libc/time.h - freestanding build: empty; MBEDTLS_HAVE_TIME is off.
 */
#ifndef SHROUD_LIBC_TIME_H
#define SHROUD_LIBC_TIME_H
#endif
