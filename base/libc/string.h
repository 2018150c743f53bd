/*
 * base/libc/string.h - declarations only, for the freestanding hypervisor
 * build (-nostdinc). The hypervisor core (base/lib.c) provides the bodies.
 * The host build never sees this directory and uses the real libc.
 */
#ifndef SHROUD_LIBC_STRING_H
#define SHROUD_LIBC_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* mbedTLS's name lookups (md/cipher_info_from_string) use strcmp; the core
 * does not provide it, the engines do (crypto/aem_alloc.c). */
int aem_strcmp(const char *a, const char *b);
#define strcmp aem_strcmp
#endif
