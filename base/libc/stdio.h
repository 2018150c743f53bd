/*
 * base/libc/stdio.h - empty on purpose for the freestanding build: the
 * engines never print (no key bytes, no plaintext); mbedTLS's printing is
 * only in self-tests, which are disabled.
 */
#ifndef SHROUD_LIBC_STDIO_H
#define SHROUD_LIBC_STDIO_H
#include <stddef.h>
#endif
