/*
 * crypto/aem_entropy.c - RDSEED/RDRAND with retry limits and health tests
 * feeding CTR_DRBG (see crypto/aem_entropy.h). The instructions are reached
 * through compiler builtins with a target attribute; no inline assembly,
 * no XMM registers.
 */
#include <string.h>

#include "aem_entropy.h"
#include "aes_kern.h"
#include "fpu.h"
#include "mbedtls/platform_util.h"

static uint32_t rng_cpu_features(void)
{
	uint32_t f;

	arch_fpu_begin();	/* aes_kern.c is an SSE-enabled file */
	f = aes_kern_cpu_features();
	arch_fpu_end();
	return f;
}

__attribute__((target("rdseed"))) int aem_hw_rdseed64(void *ctx,
						       uint64_t *out)
{
	unsigned long long v = 0;

	(void)ctx;
#ifdef __clang__
	int ok = __builtin_ia32_rdseed64_step(&v);
#else
	int ok = __builtin_ia32_rdseed_di_step(&v);
#endif
	*out = v;
	return ok ? 0 : -1;
}

__attribute__((target("rdrnd"))) int aem_hw_rdrand64(void *ctx,
						      uint64_t *out)
{
	unsigned long long v = 0;

	(void)ctx;
	int ok = __builtin_ia32_rdrand64_step(&v);
	*out = v;
	return ok ? 0 : -1;
}

static int try_src(const struct aem_entropy_src *s, int tries, uint64_t *w)
{
	if (!s->read64)
		return -1;
	for (int i = 0; i < tries; i++)
		if (s->read64(s->ctx, w) == 0)
			return 0;
	return -1;
}

/* One health-tested word. */
static int entropy_word(struct aem_rng *r, uint64_t *w)
{
	if (try_src(&r->seed, AEM_RDSEED_TRIES, w) &&
	    try_src(&r->rand, AEM_RDRAND_TRIES, w))
		return -ENG_EIO;
	if (*w == 0 || *w == ~0ull || (r->have_last && *w == r->last)) {
		r->health_failures++;
		return -ENG_EIO;
	}
	r->last = *w;
	r->have_last = 1;
	return 0;
}

int aem_entropy_read(struct aem_rng *r, uint8_t *out, size_t len)
{
	uint64_t w = 0;
	int rc = 0;

	while (len) {
		size_t n = len < 8 ? len : 8;
		rc = entropy_word(r, &w);
		if (rc)
			break;
		memcpy(out, &w, n);
		out += n;
		len -= n;
	}
	mbedtls_platform_zeroize(&w, sizeof(w));
	return rc;
}

/* mbedTLS f_entropy callback: nonzero tells CTR_DRBG the seed failed. */
static int drbg_entropy(void *p, unsigned char *out, size_t len)
{
	return aem_entropy_read(p, out, len) ? -1 : 0;
}

int aem_rng_init(struct aem_rng *r, const struct aem_entropy_src *seed,
		 const struct aem_entropy_src *rand, const uint8_t *pers,
		 size_t pers_len)
{
	uint32_t f;

	if (!r)
		return -ENG_EINVAL;
	memset(r, 0, sizeof(*r));
	if (seed) {
		r->seed = *seed;
		if (rand)
			r->rand = *rand;
	} else {
		f = rng_cpu_features();
		if (f & AES_KERN_F_RDSEED)
			r->seed.read64 = aem_hw_rdseed64;
		if (f & AES_KERN_F_RDRAND)
			r->rand.read64 = aem_hw_rdrand64;
		if (!r->seed.read64 && !r->rand.read64)
			return -ENG_EIO;
	}
	mbedtls_ctr_drbg_init(&r->drbg);
	if (mbedtls_ctr_drbg_seed(&r->drbg, drbg_entropy, r, pers, pers_len)) {
		aem_rng_fini(r);
		return -ENG_EIO;
	}
	r->live = 1;
	return 0;
}

int aem_rng_bytes(struct aem_rng *r, uint8_t *out, size_t len)
{
	if (!r || !r->live || !out || len > MBEDTLS_CTR_DRBG_MAX_REQUEST)
		return -ENG_EINVAL;
	return mbedtls_ctr_drbg_random(&r->drbg, out, len) ? -ENG_EIO : 0;
}

void aem_rng_fini(struct aem_rng *r)
{
	if (!r)
		return;
	mbedtls_ctr_drbg_free(&r->drbg);
	mbedtls_platform_zeroize(r, sizeof(*r));
}
