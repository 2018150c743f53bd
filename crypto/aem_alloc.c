/*
 * crypto/aem_alloc.c - the static slab behind mbedTLS's calloc/free
 * (MBEDTLS_PLATFORM_CALLOC_MACRO in crypto/mbedtls_config_shroud.h).
 * The hypervisor has no heap; mbedTLS allocates only small contexts: an MD
 * context and its HMAC pads during HKDF (freed before return), and one AES
 * context per GCM key when the mbedTLS back end is selected. AEM_SLAB_SLOTS
 * slots of AEM_SLAB_SLOT_BYTES each; a request that does not fit, or a full
 * slab, returns NULL, which mbedTLS reports as an allocation failure.
 * A test-and-set lock (compiler atomics, no assembly) makes it safe on
 * several CPUs. Same code in the host tests, so they exercise it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/platform_util.h"
#include "aem_alloc.h"

static uint8_t slab[AEM_SLAB_SLOTS][AEM_SLAB_SLOT_BYTES]
	__attribute__((aligned(16)));
static uint8_t used[AEM_SLAB_SLOTS];
static volatile char slab_lock;
static unsigned in_use, peak;

static void lock(void)
{
	while (__atomic_test_and_set(&slab_lock, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_clear(&slab_lock, __ATOMIC_RELEASE);
}

void *aem_mbed_calloc(size_t n, size_t size)
{
	void *p = NULL;

	if (n == 0 || size == 0 || size > AEM_SLAB_SLOT_BYTES / n)
		return NULL;
	lock();
	for (unsigned i = 0; i < AEM_SLAB_SLOTS; i++) {
		if (!used[i]) {
			used[i] = 1;
			p = slab[i];
			if (++in_use > peak)
				peak = in_use;
			break;
		}
	}
	unlock();
	if (p)
		memset(p, 0, AEM_SLAB_SLOT_BYTES);
	return p;
}

void aem_mbed_free(void *p)
{
	uintptr_t off;

	if (!p)
		return;
	off = (uintptr_t)p - (uintptr_t)slab;
	if (off >= sizeof(slab) || off % AEM_SLAB_SLOT_BYTES)
		return;	/* not ours: ignore rather than corrupt */
	mbedtls_platform_zeroize(p, AEM_SLAB_SLOT_BYTES);
	lock();
	if (used[off / AEM_SLAB_SLOT_BYTES]) {
		used[off / AEM_SLAB_SLOT_BYTES] = 0;
		in_use--;
	}
	unlock();
}

/* strcmp for mbedTLS in the freestanding build (crypto/libc/string.h maps
 * strcmp to this name; the host build uses libc's). */
int aem_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

unsigned aem_slab_in_use(void)
{
	return in_use;
}
