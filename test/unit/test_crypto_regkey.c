/*
 * test/unit/test_crypto_regkey.c - the register-only page cipher
 * (crypto/aes_reg.S) against the mbedTLS reference: the SP 800-108 KDF
 * over AES-256-CMAC recomputed with mbedTLS's CMAC (itself checked here on
 * SP 800-38B's AES-256 example), then XTS-AES-128 (IEEE 1619) and
 * AES-128-GCM (SP 800-38D) of whole frames with the derived keys, for
 * random masters, partitions, epochs, frame numbers and counters; GCM
 * tamper refusal leaves the frame as it was; the dispatcher's REGKEY
 * back end and register-mode key slots. The host build reads the master
 * from aesreg_test_master (ring 3 cannot read DR0-DR3).
 */
#include "harness.h"

#include "aem.h"
#include "aem_alloc.h"
#include "aes_reg.h"
#include "mbedtls/aes.h"
#include "mbedtls/cipher.h"
#include "mbedtls/cmac.h"
#include "mbedtls/gcm.h"

/* SP 800-38B appendix D.3 (AES-256), example 2 (16-byte message) and the
 * subkey-generation check (example 1, empty message). */
static void test_cmac_reference_vectors(void **state)
{
	uint8_t key[32], msg[16], want[16], out[16];
	const mbedtls_cipher_info_t *ci =
		mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_256_ECB);

	(void)state;
	hx("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	   key, 32);
	hx("6bc1bee22e409f96e93d7e117393172a", msg, 16);
	hx("28a7023f452e8f82bd4bf28d8c37c35c", want, 16);
	assert_int_equal(mbedtls_cipher_cmac(ci, key, 256, msg, 16, out), 0);
	assert_memory_equal(out, want, 16);
	hx("028962f61b7bf89efc6b551f4667d983", want, 16);
	assert_int_equal(mbedtls_cipher_cmac(ci, key, 256, msg, 0, out), 0);
	assert_memory_equal(out, want, 16);
}

/* The KDF as aes_reg.h specifies it, with mbedTLS. */
static void ref_kdf(const uint8_t master[32], const struct aesreg_ctx *c,
		    uint8_t k1[16], uint8_t k2[16])
{
	const mbedtls_cipher_info_t *ci =
		mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_256_ECB);

	assert_int_equal(mbedtls_cipher_cmac(ci, master, 256, c->kdf_in[0],
					     32, k1), 0);
	assert_int_equal(mbedtls_cipher_cmac(ci, master, 256, c->kdf_in[1],
					     32, k2), 0);
}

static void test_kdf_input_layout(void **state)
{
	struct aesreg_ctx c;
	const uint8_t n8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t want[32] = {
		1, 's', 'h', 'r', 'o', 'u', 'd', '-', 'x', 't', 's', 0,
		0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x07,
		1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x00, 0x01, 0x00 };

	(void)state;
	aesreg_ctx_init(&c, AESREG_LABEL_XTS, 0x102, 7, n8, 256);
	assert_memory_equal(c.kdf_in[0], want, 32);
	assert_int_equal(c.kdf_in[1][0], 2);
	assert_memory_equal(c.kdf_in[1] + 1, want + 1, 31);
}

static void test_xts_matches_reference(void **state)
{
	uint64_t seed = 0x5eed0001;
	static uint8_t pt[4096], f[4096], ref[4096];

	(void)state;
	for (int it = 0; it < 64; it++) {
		struct aesreg_ctx c;
		uint8_t n8[8], k1[16], k2[16], xk[32], tw[16] = { 0 };
		uint64_t gfn = rnd_next(&seed) >> (it % 40);
		uint32_t part = (uint32_t)rnd_next(&seed);
		uint32_t ep = (uint32_t)rnd_next(&seed) & 0xff;
		mbedtls_aes_xts_context x;

		rnd_fill(&seed, aesreg_test_master, 32);
		rnd_fill(&seed, n8, 8);
		rnd_fill(&seed, pt, sizeof(pt));
		aesreg_ctx_init(&c, AESREG_LABEL_XTS, part, ep, n8, 256);
		ref_kdf(aesreg_test_master, &c, k1, k2);
		memcpy(xk, k1, 16);
		memcpy(xk + 16, k2, 16);
		for (int i = 0; i < 8; i++)
			tw[i] = (uint8_t)(gfn >> (8 * i));
		mbedtls_aes_xts_init(&x);
		assert_int_equal(mbedtls_aes_xts_setkey_enc(&x, xk, 256), 0);
		assert_int_equal(mbedtls_aes_crypt_xts(&x, MBEDTLS_AES_ENCRYPT,
						       4096, tw, pt, ref), 0);
		mbedtls_aes_xts_free(&x);
		memcpy(f, pt, sizeof(f));
		assert_int_equal(aesreg_xts_frame(&c, gfn, f, 1), 0);
		assert_memory_equal(f, ref, sizeof(f));
		assert_int_equal(aesreg_xts_frame(&c, gfn, f, 0), 0);
		assert_memory_equal(f, pt, sizeof(f));
	}
}

static void test_gcm_matches_reference(void **state)
{
	uint64_t seed = 0x5eed0002;
	static uint8_t pt[4096], f[4096], ref[4096];

	(void)state;
	for (int it = 0; it < 64; it++) {
		struct aesreg_ctx c;
		uint8_t n8[8], k1[16], k2[16], tag[16], rtag[16];
		uint64_t gfn = rnd_next(&seed) >> (it % 40);
		uint32_t ctr = (uint32_t)rnd_next(&seed);
		mbedtls_gcm_context g;

		rnd_fill(&seed, aesreg_test_master, 32);
		rnd_fill(&seed, n8, 8);
		rnd_fill(&seed, pt, sizeof(pt));
		aesreg_ctx_init(&c, AESREG_LABEL_GCM, (uint32_t)it, 3, n8, 128);
		for (int i = 0; i < 8; i++)
			c.iv_block[i] = (uint8_t)(gfn >> (8 * i));
		for (int i = 0; i < 4; i++)
			c.iv_block[8 + i] = (uint8_t)(ctr >> (8 * i));
		ref_kdf(aesreg_test_master, &c, k1, k2);
		mbedtls_gcm_init(&g);
		assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES,
						    k1, 128), 0);
		assert_int_equal(mbedtls_gcm_crypt_and_tag(&g,
				MBEDTLS_GCM_ENCRYPT, 4096, c.iv_block, 12, NULL,
				0, pt, ref, 16, rtag), 0);
		mbedtls_gcm_free(&g);
		memcpy(f, pt, sizeof(f));
		assert_int_equal(aesreg_gcm_frame(&c, f, tag, 1), 0);
		assert_memory_equal(f, ref, sizeof(f));
		assert_memory_equal(tag, rtag, 16);
		/* A flipped bit anywhere: refused, frame left as it was. */
		f[rnd_next(&seed) % 4096] ^= (uint8_t)(1u << (it % 8));
		memcpy(ref, f, sizeof(f));
		assert_int_equal(aesreg_gcm_frame(&c, f, tag, 0), 1);
		assert_memory_equal(f, ref, sizeof(f));
		memcpy(f, pt, sizeof(f));
		assert_int_equal(aesreg_gcm_frame(&c, f, tag, 1), 0);
		tag[it % 16] ^= 0x80;
		assert_int_equal(aesreg_gcm_frame(&c, f, tag, 0), 1);
		tag[it % 16] ^= 0x80;
		assert_int_equal(aesreg_gcm_frame(&c, f, tag, 0), 0);
		assert_memory_equal(f, pt, sizeof(f));
	}
}

/* Different partitions, epochs and masters give different ciphertext. */
static void test_keys_separate(void **state)
{
	struct aesreg_ctx a, b;
	const uint8_t n8[8] = { 9 };
	static uint8_t fa[4096], fb[4096];

	(void)state;
	memset(aesreg_test_master, 0x42, 32);
	aesreg_ctx_init(&a, AESREG_LABEL_XTS, 1, 0, n8, 256);
	aesreg_ctx_init(&b, AESREG_LABEL_XTS, 2, 0, n8, 256);
	(void)aesreg_xts_frame(&a, 5, fa, 1);
	(void)aesreg_xts_frame(&b, 5, fb, 1);
	assert_memory_not_equal(fa, fb, 4096);
	memset(fa, 0, sizeof(fa));
	memset(fb, 0, sizeof(fb));
	aesreg_ctx_init(&b, AESREG_LABEL_XTS, 1, 1, n8, 256);
	(void)aesreg_xts_frame(&a, 5, fa, 1);
	(void)aesreg_xts_frame(&b, 5, fb, 1);
	assert_memory_not_equal(fa, fb, 4096);
	memset(fb, 0, sizeof(fb));
	aesreg_test_master[31] ^= 1;
	(void)aesreg_xts_frame(&a, 5, fb, 1);
	assert_memory_not_equal(fa, fb, 4096);
}

/* The dispatcher and register-mode key slots. */
static void test_regkey_backend_and_slots(void **state)
{
	static struct aem a;
	static struct aem_key_slot slots[2];
	static uint8_t f[4096], g0[4096];
	const uint8_t nonce[16] = { 1, 2, 3 };
	uint8_t tag[16], m[AEM_KEY_BYTES];
	const struct aem_page_key *k;
	uint32_t ep;

	(void)state;
	memset(aesreg_test_master, 0x17, 32);
	assert_int_equal(aem_cipher_select(AEM_BACKEND_AESNI), 0);
	assert_int_equal(aem_init_regs(&a, nonce, sizeof(nonce), slots, 2),
			 -ENG_EINVAL);
	assert_int_equal(aem_cipher_select(AEM_BACKEND_REGKEY), 0);
	assert_int_equal(aem_init_regs(&a, nonce, 7, slots, 2), -ENG_EINVAL);
	assert_int_equal(aem_init_regs(&a, nonce, sizeof(nonce), slots, 2), 0);
	assert_int_equal(aem_derive_partition_key(&a, 1, 0, m), -ENG_ENOTSUP);
	assert_int_equal(aem_key_open(&a, 4, 0), 0);
	k = aem_key_get(&a, 4, 0);
	assert_non_null(k);
	for (size_t i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	memcpy(g0, f, sizeof(f));
	assert_int_equal(aem_xts_encrypt_frame(k, mk_gfn(77), f), 0);
	assert_memory_not_equal(f, g0, sizeof(f));
	assert_int_equal(aem_xts_decrypt_frame(k, mk_gfn(77), f), 0);
	assert_memory_equal(f, g0, sizeof(f));
	assert_int_equal(aem_gcm_encrypt_frame(k, mk_gfn(77), 5, f, tag), 0);
	assert_int_equal(aem_gcm_decrypt_frame(k, mk_gfn(77), 6, f, tag),
			 -ENG_EBADMSG);
	assert_int_equal(aem_gcm_decrypt_frame(k, mk_gfn(77), 5, f, tag), 0);
	assert_memory_equal(f, g0, sizeof(f));
	/* General forms have no key to use. */
	assert_int_equal(aem_xts_crypt(k, true, tag, f, 16), -ENG_EINVAL);
	/* Rotation: the new epoch is a different key, the old still works. */
	assert_int_equal(aem_xts_encrypt_frame(k, mk_gfn(1), f), 0);
	assert_int_equal(aem_key_rotate(&a, 4, &ep), 0);
	assert_int_equal(ep, 1);
	assert_int_equal(aem_xts_decrypt_frame(aem_key_get(&a, 4, 0),
					       mk_gfn(1), f), 0);
	assert_memory_equal(f, g0, sizeof(f));
	aem_fini(&a);
	assert_int_equal(aem_cipher_select(AEM_BACKEND_AESNI), 0);
	assert_int_equal(aem_slab_in_use(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmac_reference_vectors),
		cmocka_unit_test(test_kdf_input_layout),
		cmocka_unit_test(test_xts_matches_reference),
		cmocka_unit_test(test_gcm_matches_reference),
		cmocka_unit_test(test_keys_separate),
		cmocka_unit_test(test_regkey_backend_and_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
