/*
 * test/unit/test_crypto_keys.c - AEM key hierarchy and entropy:
 * RFC 5869 appendix A test cases 1-3 (HKDF-SHA256) through the mbedTLS
 * build Shroud uses, the partition-key derivation layout, key slots,
 * rotation and zeroization, and the entropy source's retry limits, health
 * tests and CTR_DRBG seeding (with injected failing sources, and with the
 * CPU's RDSEED/RDRAND when present). Vectors re-checked with OpenSSL 3.
 */
#include "harness.h"

#include "aem.h"
#include "aem_alloc.h"
#include "aem_entropy.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/md.h"

struct hkdf_vec {
	const char *ikm, *salt, *info, *okm;
};

static const struct hkdf_vec rfc5869[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
	  "f0f1f2f3f4f5f6f7f8f9",
	  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	  "34007208d5b887185865" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f",
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	  "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	  "9d201395faa4b61a96c8" },
};

static void test_hkdf_rfc5869(void **state)
{
	(void)state;
	for (size_t i = 0; i < ENG_ARRAY_SIZE(rfc5869); i++) {
		uint8_t ikm[80], salt[80], info[80], okm[82], out[82];
		size_t il = hx(rfc5869[i].ikm, ikm, 80);
		size_t sl = hx(rfc5869[i].salt, salt, 80);
		size_t nl = hx(rfc5869[i].info, info, 80);
		size_t ol = hx(rfc5869[i].okm, okm, 82);
		assert_int_equal(mbedtls_hkdf(mbedtls_md_info_from_type(
				MBEDTLS_MD_SHA256), sl ? salt : NULL, sl, ikm, il,
				nl ? info : NULL, nl, out, ol), 0);
		assert_memory_equal(out, okm, ol);
	}
	assert_int_equal(aem_slab_in_use(), 0);
}

static struct aem_key_slot slots[4];
static struct aem aem;
static const uint8_t master[32] = { 0x10, 0x20, 0x30, 0x40, 5, 6, 7, 8 };
static const uint8_t nonce[16] = { 0xaa, 0xbb, 0xcc };

static int setup_aem(void **state)
{
	(void)state;
	if (aem_cipher_select(AEM_BACKEND_AUTO) &&
	    aem_cipher_select(AEM_BACKEND_MBEDTLS))
		return -1;
	return aem_init(&aem, master, nonce, sizeof(nonce), slots, 4);
}

static int teardown_aem(void **state)
{
	(void)state;
	aem_fini(&aem);
	return 0;
}

/* Partition key = HKDF(IKM master, salt nonce, "shroud/partition"|id|epoch). */
static void test_derive_layout(void **state)
{
	uint8_t k1[AEM_KEY_BYTES], k2[AEM_KEY_BYTES], ref[AEM_KEY_BYTES];
	uint8_t info[24] = "shroud/partition";

	(void)state;
	info[16] = 0; info[17] = 0; info[18] = 0x01; info[19] = 0x02;
	info[20] = 0; info[21] = 0; info[22] = 0; info[23] = 0x07;
	assert_int_equal(mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
				      nonce, sizeof(nonce), master, 32, info, 24,
				      ref, sizeof(ref)), 0);
	assert_int_equal(aem_derive_partition_key(&aem, 0x102, 7, k1), 0);
	assert_memory_equal(k1, ref, sizeof(ref));
	assert_int_equal(aem_derive_partition_key(&aem, 0x102, 8, k2), 0);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	assert_int_equal(aem_derive_partition_key(&aem, 0x103, 7, k2), 0);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	/* Same inputs, same key (deterministic across boots with same nonce). */
	assert_int_equal(aem_derive_partition_key(&aem, 0x102, 7, k2), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
}

static void test_slots_and_rotation(void **state)
{
	static uint8_t pt[4096], f[4096];
	const struct aem_page_key *k0, *k1;
	uint32_t ep = 0;

	(void)state;
	memset(pt, 0x5a, sizeof(pt));
	assert_int_equal(aem_key_open(&aem, 9, 0), 0);
	assert_int_equal(aem_key_open(&aem, 9, 0), -ENG_EBUSY);
	k0 = aem_key_get(&aem, 9, 0);
	assert_non_null(k0);
	memcpy(f, pt, sizeof(f));
	assert_int_equal(aem_xts_encrypt_frame(k0, mk_gfn(3), f), 0);
	assert_int_equal(aem_key_retire(&aem, 9), -ENG_ENOENT);
	assert_int_equal(aem_key_rotate(&aem, 9, &ep), 0);
	assert_int_equal(ep, 1);
	assert_int_equal(aem_key_epoch(&aem, 9), 1);
	assert_int_equal(aem_key_rotate(&aem, 9, &ep), -ENG_EBUSY);
	k1 = aem_key_get(&aem, 9, 1);
	assert_non_null(k1);
	assert_ptr_equal(aem_key_get(&aem, 9, 0), k0);	/* old key still there */
	assert_int_equal(aem_xts_decrypt_frame(k0, mk_gfn(3), f), 0);
	assert_memory_equal(f, pt, sizeof(f));
	assert_int_equal(aem_key_retire(&aem, 9), 0);
	assert_null(aem_key_get(&aem, 9, 0));
	for (size_t i = 0; i < sizeof(*k0); i++)	/* zeroized */
		assert_int_equal(((const uint8_t *)k0)[i], 0);
	assert_int_equal(aem_key_open(&aem, 10, 0), 0);
	assert_int_equal(aem_key_open(&aem, 11, 0), 0);
	assert_int_equal(aem_key_open(&aem, 12, 0), 0);
	assert_int_equal(aem_key_open(&aem, 13, 0), -ENG_ENOSPC);
	assert_int_equal(aem_key_close(&aem, 12), 0);
	assert_int_equal(aem_key_close(&aem, 12), -ENG_ENOENT);
	assert_int_equal(aem_key_epoch(&aem, 12), -ENG_ENOENT);
	assert_null(aem_key_get(&aem, 12, 0));
}

static void test_fini_zeroizes(void **state)
{
	struct aem_key_slot s[2];
	struct aem a;

	(void)state;
	assert_int_equal(aem_init(&a, master, nonce, 0, s, 2), -ENG_EINVAL);
	assert_int_equal(aem_init(&a, master, nonce, 65, s, 2), -ENG_EINVAL);
	assert_int_equal(aem_init(&a, master, nonce, 8, s, 2), 0);
	assert_int_equal(aem_key_open(&a, 1, 0), 0);
	aem_fini(&a);
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(((uint8_t *)&a)[i], 0);
	for (size_t i = 0; i < sizeof(s); i++)
		assert_int_equal(((uint8_t *)s)[i], 0);
	uint8_t out[AEM_KEY_BYTES];
	assert_int_equal(aem_derive_partition_key(&a, 1, 0, out), -ENG_EINVAL);
}

/* ---- entropy ---- */
struct fake_src {
	uint64_t seq;
	int fail_first;		/* fail this many reads first */
	int always_fail;
	int stuck;		/* return the same word */
	int calls;
};

static int fake_read(void *ctx, uint64_t *out)
{
	struct fake_src *f = ctx;

	f->calls++;
	if (f->always_fail || f->fail_first-- > 0)
		return -1;
	*out = f->stuck ? 0x1234567890abcdefull
			: (f->seq = f->seq * 6364136223846793005ull + 1442695040888963407ull);
	return 0;
}

static void test_entropy_retry_limits(void **state)
{
	struct fake_src s = { .seq = 1, .fail_first = AEM_RDSEED_TRIES - 1 };
	struct aem_entropy_src src = { fake_read, &s };
	static struct aem_rng r;
	uint8_t buf[64], buf2[64];

	(void)state;
	assert_int_equal(aem_rng_init(&r, &src, NULL, NULL, 0), 0);
	assert_int_equal(aem_rng_bytes(&r, buf, sizeof(buf)), 0);
	assert_int_equal(aem_rng_bytes(&r, buf2, sizeof(buf2)), 0);
	assert_memory_not_equal(buf, buf2, sizeof(buf));
	assert_int_equal(aem_rng_bytes(&r, buf, 2000), -ENG_EINVAL);
	aem_rng_fini(&r);
	/* Seed source dead: the RDRAND-like fallback is used. */
	struct fake_src dead = { .always_fail = 1 }, alt = { .seq = 7 };
	struct aem_entropy_src d = { fake_read, &dead }, a = { fake_read, &alt };
	assert_int_equal(aem_rng_init(&r, &d, &a, (const uint8_t *)"x", 1), 0);
	assert_true(dead.calls >= AEM_RDSEED_TRIES);
	aem_rng_fini(&r);
	/* Both dead: an error, never a key. */
	struct fake_src dead2 = { .always_fail = 1 };
	struct aem_entropy_src d2 = { fake_read, &dead2 };
	dead.calls = 0;
	assert_int_equal(aem_rng_init(&r, &d, &d2, NULL, 0), -ENG_EIO);
	assert_int_equal(dead2.calls, AEM_RDRAND_TRIES);
	assert_int_equal(aem_rng_bytes(&r, buf, 16), -ENG_EINVAL);
}

static void test_entropy_health(void **state)
{
	struct fake_src s = { .stuck = 1 };
	struct aem_entropy_src src = { fake_read, &s };
	static struct aem_rng r;
	uint8_t buf[32];

	(void)state;
	/* A stuck source fails the repetition test. */
	assert_int_equal(aem_rng_init(&r, &src, NULL, NULL, 0), -ENG_EIO);
	memset(&r, 0, sizeof(r));
	r.seed = src;
	assert_int_equal(aem_entropy_read(&r, buf, 8), 0);	/* first word */
	assert_int_equal(aem_entropy_read(&r, buf, 8), -ENG_EIO);
	assert_int_equal(r.health_failures, 1);
}

static void test_entropy_hardware(void **state)
{
	static struct aem_rng r;
	uint8_t a[32], b[32];
	uint64_t w;

	(void)state;
	if (aem_hw_rdseed64(NULL, &w) != 0 && aem_hw_rdrand64(NULL, &w) != 0) {
		print_message("  [no RDSEED/RDRAND value now; skipped]\n");
		return;
	}
	assert_int_equal(aem_rng_init(&r, NULL, NULL, (const uint8_t *)"t", 1), 0);
	assert_int_equal(aem_rng_bytes(&r, a, 32), 0);
	assert_int_equal(aem_rng_bytes(&r, b, 32), 0);
	assert_memory_not_equal(a, b, 32);
	aem_rng_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test_setup_teardown(test_derive_layout, setup_aem,
						teardown_aem),
		cmocka_unit_test_setup_teardown(test_slots_and_rotation,
						setup_aem, teardown_aem),
		cmocka_unit_test(test_fini_zeroizes),
		cmocka_unit_test(test_entropy_retry_limits),
		cmocka_unit_test(test_entropy_health),
		cmocka_unit_test(test_entropy_hardware),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (aem_slab_in_use() != 0) {
		fprintf(stderr, "slab leak: %u slots\n", aem_slab_in_use());
		return 1;
	}
	return rc;
}
