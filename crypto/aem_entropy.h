/*
 * crypto/aem_entropy.h - entropy for Shroud's keys: RDSEED (preferred) and
 * RDRAND (Intel SDM Vol. 1 section 7.3.17, "Random Number Generator
 * Instructions"; AMD APM Vol. 3 RDSEED/RDRAND) with retry limits and
 * health tests, feeding an mbedTLS CTR_DRBG (NIST SP 800-90A, AES-256,
 * 48-byte seeds, prediction resistance off, reseed every 10000 requests).
 *
 * Retry limits: RDSEED up to AEM_RDSEED_TRIES per 64-bit word (it may
 * legitimately run dry under load), then RDRAND up to AEM_RDRAND_TRIES
 * (Intel's guidance: 10 failures in a row mean a broken DRNG).
 * Health tests on every word (SP 800-90B section 4.4 in spirit): a word equal
 * to the previous one (repetition count), or all zeros / all ones, fails.
 * Any failure is -ENG_EIO: Shroud never continues with a weak key.
 *
 * Sources are pluggable so that host tests can inject stuck or failing
 * sources; pass NULL for the CPU instructions. Callers: boot CPU (init),
 * then anyone holding the aem_rng exclusively.
 */
#ifndef SHROUD_CRYPTO_AEM_ENTROPY_H
#define SHROUD_CRYPTO_AEM_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

#include "mbedtls/ctr_drbg.h"
#include "base/types.h"

#define AEM_RDSEED_TRIES	128
#define AEM_RDRAND_TRIES	10

/* read64: 0 and *out on success, nonzero when no value was ready (the
 * caller retries within its limit). */
struct aem_entropy_src {
	int (*read64)(void *ctx, uint64_t *out);
	void *ctx;
};

struct aem_rng {
	mbedtls_ctr_drbg_context drbg;
	struct aem_entropy_src seed, rand;	/* rand.read64 may be NULL */
	uint64_t last;			/* previous word, for repetition test */
	uint32_t have_last;
	uint32_t health_failures;	/* cumulative, for diagnostics */
	uint32_t live;
};

/* Hardware sources (0 on success; -1 when the CPU has no value or lacks
 * the instruction). */
int aem_hw_rdseed64(void *ctx, uint64_t *out);
int aem_hw_rdrand64(void *ctx, uint64_t *out);

/* Fill out with len bytes of health-tested entropy. 0 or -ENG_EIO. */
int aem_entropy_read(struct aem_rng *r, uint8_t *out, size_t len) ENG_WUR;

/* Seed the DRBG. seed/rand NULL: RDSEED / RDRAND of this CPU (-ENG_EIO if
 * the CPU has neither). pers: personalization string (may be NULL). */
int aem_rng_init(struct aem_rng *r, const struct aem_entropy_src *seed,
		 const struct aem_entropy_src *rand, const uint8_t *pers,
		 size_t pers_len) ENG_WUR;
/* len <= 1024 per call (MBEDTLS_CTR_DRBG_MAX_REQUEST). 0, -ENG_EIO (reseed
 * failed), -ENG_EINVAL. */
int aem_rng_bytes(struct aem_rng *r, uint8_t *out, size_t len) ENG_WUR;
void aem_rng_fini(struct aem_rng *r);

#endif /* SHROUD_CRYPTO_AEM_ENTROPY_H */
