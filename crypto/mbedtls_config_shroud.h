/*
 * crypto/mbedtls_config_shroud.h - the mbedTLS 2.28 configuration Shroud
 * compiles (selected with -DMBEDTLS_CONFIG_FILE). It replaces mbedTLS's
 * config.h entirely and enables only what the AEM uses: AES (with XTS) as the
 * reference and fallback page cipher, GCM, SHA-256, MD/HMAC, HKDF (RFC 5869)
 * for the key hierarchy, CTR_DRBG (NIST SP 800-90A) fed by RDSEED/RDRAND,
 * and platform zeroize. No file system, no time, no stdio, no heap: the few
 * allocations mbedTLS makes (MD and cipher contexts) come from the static
 * slab in crypto/aem_alloc.c through the CALLOC/FREE macros below.
 * The same file serves the freestanding hypervisor build and the host tests.
 */
#ifndef SHROUD_MBEDTLS_CONFIG_H
#define SHROUD_MBEDTLS_CONFIG_H

#include <stddef.h>

/* Platform: no libc functions beyond memcpy/memset/memmove/memcmp/strlen. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
void *aem_mbed_calloc(size_t n, size_t size);
void aem_mbed_free(void *p);
#define MBEDTLS_PLATFORM_CALLOC_MACRO	aem_mbed_calloc
#define MBEDTLS_PLATFORM_FREE_MACRO	aem_mbed_free

/* Ciphers and modes. */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES		/* no run-time table generation */
#define MBEDTLS_CIPHER_MODE_XTS		/* IEEE 1619 reference / fallback */
#define MBEDTLS_CIPHER_C		/* GCM is built on the cipher layer */
#define MBEDTLS_GCM_C			/* NIST SP 800-38D */

/* Hashes, MAC, KDF, DRBG. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_CMAC_C			/* reference for the register KDF (tests) */
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_CTR_DRBG_ENTROPY_LEN	48	/* 384 bits per (re)seed */

#include "mbedtls/check_config.h"

#endif /* SHROUD_MBEDTLS_CONFIG_H */
