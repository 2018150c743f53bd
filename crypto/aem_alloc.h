/*
 * crypto/aem_alloc.h - the static slab that serves mbedTLS's calloc/free
 * (see crypto/aem_alloc.c). aem_mbed_calloc/aem_mbed_free are declared in
 * crypto/mbedtls_config_shroud.h as mbedTLS needs them there.
 */
#ifndef SHROUD_CRYPTO_AEM_ALLOC_H
#define SHROUD_CRYPTO_AEM_ALLOC_H

#include <stddef.h>

#define AEM_SLAB_SLOTS		160u
#define AEM_SLAB_SLOT_BYTES	320u

void *aem_mbed_calloc(size_t n, size_t size);
void aem_mbed_free(void *p);
/* Slots currently handed out (tests check for leaks). */
unsigned aem_slab_in_use(void);
int aem_strcmp(const char *a, const char *b);

#endif /* SHROUD_CRYPTO_AEM_ALLOC_H */
