/*
 * base/libc/stdlib.h - empty on purpose for the freestanding build: nothing
 * in the engines may call malloc/calloc/free (mbedTLS's allocations go to
 * aem_mbed_calloc, see crypto/mbedtls_config_shroud.h).
 */
#ifndef SHROUD_LIBC_STDLIB_H
#define SHROUD_LIBC_STDLIB_H
#include <stddef.h>
#endif
