/*
 * test/unit/test_crypto_cipher.c - the AEM page cipher (crypto/aem_cipher.h)
 * on every back end this CPU has (VAES, AES-NI, mbedTLS): IEEE 1619-2007
 * XTS-AES-256 vectors 10 and 11, the GCM spec's AES-256 test cases 13-16
 * (McGrew-Viega; 17-18 use non-96-bit IVs and are checked on mbedTLS, the
 * reference), random keys/frames/lengths cross-checked against mbedTLS
 * called directly, GCM tamper/replay detection, and the refusal to run
 * without AES-NI. Every vector was re-computed with OpenSSL 3 when typed.
 */
#include "harness.h"

#include "aem_alloc.h"
#include "aem_cipher.h"
#include "aes_kern.h"

static const char *xts_key =
	"2718281828459045235360287471352662497757247093699959574966967627"
	"3141592653589793238462643383279502884197169399375105820974944592";
static const char *xts_v10 =
	"1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
	"5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
	"5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
	"c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
	"2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
	"b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
	"93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
	"583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
	"84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
	"505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
	"9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
	"a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
	"6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
	"645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
	"1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
	"773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151";
static const char *xts_v11 =
	"77a31251618a15e6b92d1d66dffe7b50b50bad552305ba0217a610688eff7e11"
	"e1d0225438e093242d6db274fde801d4cae06f2092c728b2478559df58e837c2"
	"469ee4a4fa794e4bbc7f39bc026e3cb72c33b0888f25b4acf56a2a9804f1ce6d"
	"3d6e1dc6ca181d4b546179d55544aa7760c40d06741539c7e3cd9d2f6650b201"
	"3fd0eeb8c2b8e3d8d240ccae2d4c98320a7442e1c8d75a42d6e6cfa4c2eca179"
	"8d158c7aecdf82490f24bb9b38e108bcda12c3faf9a21141c3613b58367f922a"
	"aa26cd22f23d708dae699ad7cb40a8ad0b6e2784973dcb605684c08b8d6998c6"
	"9aac049921871ebb65301a4619ca80ecb485a31d744223ce8ddc2394828d6a80"
	"470c092f5ba413c3378fa6054255c6f9df4495862bbb3287681f931b687c888a"
	"bf844dfc8fc28331e579928cd12bd2390ae123cf03818d14dedde5c0c24c8ab0"
	"18bfca75ca096f2d531f3d1619e785f1ada437cab92e980558b3dce1474afb75"
	"bfedbf8ff54cb2618e0244c9ac0d3c66fb51598cd2db11f9be39791abe447c63"
	"094f7c453b7ff87cb5bb36b7c79efb0872d17058b83b15ab0866ad8a58656c5a"
	"7e20dbdf308b2461d97c0ec0024a2715055249cf3b478ddd4740de654f75ca68"
	"6e0d7345c69ed50cdc2a8b332b1f8824108ac937eb050585608ee734097fc090"
	"54fbff89eeaeea791f4a7ab1f9868294a4f9e27b42af8100cb9d59cef9645803";

struct gcm_vec {
	const char *name, *key, *iv, *pt, *aad, *ct, *tag;
};

#define K15 "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
#define P15 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define A16 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
static const struct gcm_vec gcm_vecs[] = {
	{ "TC13", "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "TC14", "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "00000000000000000000000000000000", "",
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "TC15", K15, "cafebabefacedbaddecaf888", P15 "1aafd255", "",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "TC16", K15, "cafebabefacedbaddecaf888", P15, A16,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
	/* 17 and 18: 64-bit and 480-bit IVs (mbedTLS only). */
	{ "TC17", K15, "cafebabefacedbad", P15, A16,
	  "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0"
	  "feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
	  "3a337dbf46a792c45e454913fe2ea8f2" },
	{ "TC18", K15,
	  "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
	  "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
	  P15, A16,
	  "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
	  "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
	  "a44a8266ee1c8eb0c8b5d4cf5ae9f19a" },
};

static const enum aem_backend backends[] = {
	AEM_BACKEND_VAES, AEM_BACKEND_AESNI, AEM_BACKEND_MBEDTLS,
};

/* Select b; false (and a message) if this CPU lacks it. */
static bool use(enum aem_backend b)
{
	aem_cipher_mask_cpu(~0u);
	if (aem_cipher_select(b) != 0) {
		print_message("  [%s not available on this CPU]\n",
			      aem_backend_name(b));
		return false;
	}
	return true;
}

static void key_from(struct aem_page_key *k, const uint8_t *xts64,
		     const uint8_t *gcm32)
{
	uint8_t m[AEM_KEY_BYTES] = { 0 };

	if (xts64)
		memcpy(m, xts64, 64);
	if (gcm32)
		memcpy(m + 64, gcm32, 32);
	assert_int_equal(aem_page_key_setup(k, m), 0);
}

static void test_xts_ieee1619(void **state)
{
	(void)state;
	for (size_t b = 0; b < ENG_ARRAY_SIZE(backends); b++) {
		if (!use(backends[b]))
			continue;
		static struct aem_page_key k;
		uint8_t key[64], pt[512], buf[512], ct[512], tw[16] = { 0 };
		hx(xts_key, key, sizeof(key));
		key_from(&k, key, NULL);
		for (int i = 0; i < 512; i++)
			pt[i] = (uint8_t)i;
		for (int v = 0; v < 2; v++) {
			tw[0] = 0xff;	/* V10: 0xff, V11: 0xffff */
			tw[1] = v ? 0xff : 0;
			hx(v ? xts_v11 : xts_v10, ct, sizeof(ct));
			memcpy(buf, pt, 512);
			assert_int_equal(aem_xts_crypt(&k, true, tw, buf, 512), 0);
			assert_memory_equal(buf, ct, 512);
			assert_int_equal(aem_xts_crypt(&k, false, tw, buf, 512), 0);
			assert_memory_equal(buf, pt, 512);
		}
		aem_page_key_wipe(&k);
	}
}

static void test_gcm_spec_vectors(void **state)
{
	(void)state;
	for (size_t b = 0; b < ENG_ARRAY_SIZE(backends); b++) {
		if (!use(backends[b]))
			continue;
		for (size_t v = 0; v < 4; v++) {	/* 96-bit IVs */
			const struct gcm_vec *g = &gcm_vecs[v];
			static struct aem_page_key k;
			uint8_t key[32], iv[12], pt[64], aad[32], ct[64], tag[16];
			uint8_t buf[64], t[16];
			hx(g->key, key, 32);
			hx(g->iv, iv, 12);
			size_t n = hx(g->pt, pt, 64), an = hx(g->aad, aad, 32);
			hx(g->ct, ct, 64);
			hx(g->tag, tag, 16);
			key_from(&k, NULL, key);
			memcpy(buf, pt, n);
			assert_int_equal(aem_gcm_crypt(&k, true, iv, an ? aad : NULL,
						       an, buf, n, t), 0);
			assert_memory_equal(buf, ct, n);
			assert_memory_equal(t, tag, 16);
			assert_int_equal(aem_gcm_crypt(&k, false, iv, an ? aad : NULL,
						       an, buf, n, t), 0);
			assert_memory_equal(buf, pt, n);
			aem_page_key_wipe(&k);
		}
	}
}

/* The reference itself (mbedTLS, our configuration) on all six cases,
 * including the non-96-bit IVs our page path never uses. */
static void test_gcm_reference_all(void **state)
{
	(void)state;
	for (size_t v = 0; v < ENG_ARRAY_SIZE(gcm_vecs); v++) {
		const struct gcm_vec *g = &gcm_vecs[v];
		uint8_t key[32], iv[64], pt[64], aad[32], ct[64], tag[16];
		uint8_t out[64], t[16];
		mbedtls_gcm_context c;
		hx(g->key, key, 32);
		size_t ivn = hx(g->iv, iv, 64), n = hx(g->pt, pt, 64);
		size_t an = hx(g->aad, aad, 32);
		hx(g->ct, ct, 64);
		hx(g->tag, tag, 16);
		mbedtls_gcm_init(&c);
		assert_int_equal(mbedtls_gcm_setkey(&c, MBEDTLS_CIPHER_ID_AES,
						    key, 256), 0);
		assert_int_equal(mbedtls_gcm_crypt_and_tag(&c, MBEDTLS_GCM_ENCRYPT,
				n, iv, ivn, aad, an, pt, out, 16, t), 0);
		assert_memory_equal(out, ct, n);
		assert_memory_equal(t, tag, 16);
		mbedtls_gcm_free(&c);
	}
	assert_int_equal(aem_slab_in_use(), 0);
}

/* Random keys, frames and lengths against mbedTLS called directly. */
static void test_cross_check_mbedtls(void **state)
{
	static uint8_t buf[8192], ref[8192], mat[AEM_KEY_BYTES];
	uint64_t seed = 0x5eed1234abcdULL;

	(void)state;
	for (size_t b = 0; b < 2; b++) {
		if (!use(backends[b]))
			continue;
		for (int it = 0; it < 60; it++) {
			static struct aem_page_key k;
			mbedtls_aes_xts_context x;
			mbedtls_gcm_context g;
			uint8_t tw[16], iv[12], t1[16], t2[16], aad[40];
			size_t len = it < 20 ? FRAME_SIZE
				   : 16 * (1 + rnd_next(&seed) % 300);
			size_t glen = it < 20 ? FRAME_SIZE : rnd_next(&seed) % 5000;
			size_t alen = rnd_next(&seed) % 40;
			rnd_fill(&seed, mat, sizeof(mat));
			rnd_fill(&seed, buf, sizeof(buf));
			rnd_fill(&seed, tw, 16);
			rnd_fill(&seed, iv, 12);
			rnd_fill(&seed, aad, sizeof(aad));
			memcpy(ref, buf, sizeof(buf));
			key_from(&k, mat, mat + 64);
			mbedtls_aes_xts_init(&x);
			assert_int_equal(mbedtls_aes_xts_setkey_enc(&x, mat, 512), 0);
			assert_int_equal(mbedtls_aes_crypt_xts(&x, MBEDTLS_AES_ENCRYPT,
							       len, tw, ref, ref), 0);
			assert_int_equal(aem_xts_crypt(&k, true, tw, buf, len), 0);
			assert_memory_equal(buf, ref, len);
			assert_int_equal(aem_xts_crypt(&k, false, tw, buf, len), 0);
			mbedtls_aes_xts_free(&x);
			rnd_fill(&seed, buf, sizeof(buf));
			memcpy(ref, buf, sizeof(buf));
			mbedtls_gcm_init(&g);
			assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES,
							    mat + 64, 256), 0);
			assert_int_equal(mbedtls_gcm_crypt_and_tag(&g,
				MBEDTLS_GCM_ENCRYPT, glen, iv, 12, aad, alen, ref,
				ref, 16, t1), 0);
			assert_int_equal(aem_gcm_crypt(&k, true, iv, aad, alen, buf,
						       glen, t2), 0);
			assert_memory_equal(buf, ref, glen);
			assert_memory_equal(t1, t2, 16);
			assert_int_equal(aem_gcm_crypt(&k, false, iv, aad, alen, buf,
						       glen, t2), 0);
			mbedtls_gcm_free(&g);
			aem_page_key_wipe(&k);
		}
	}
	assert_int_equal(aem_slab_in_use(), 0);
}

/* GCM lengths that exercise each path of the 8-block kernel against mbedTLS:
 * odd and even numbers of 8-block groups (16-block GHASH aggregation, lone
 * last group), tails, the byte-15 carry of the counter (block 254) and,
 * with the 1 MiB case, the carry out of byte 14 (counter 0xffff -> 0x10000).
 * Decryption must give the plaintext back, not only accept the tag. */
static void test_gcm_kernel_lengths(void **state)
{
	static uint8_t pt[(65536 + 40) * 16], buf[sizeof(pt)], ref[sizeof(pt)];
	static const size_t lens[] = {
		0, 1, 15, 16, 127, 128, 129, 255, 256, 257, 383, 384, 640,
		1024 + 48, 2048 + 128, 3 * 128 + 17, 4096 - 16, 4096, 4096 + 128,
		4096 + 131, 4096 + 256 + 77, 31 * 128, 33 * 128 + 5,
		(65536 + 37) * 16 + 5,
	};
	uint8_t mat[AEM_KEY_BYTES], iv[12], aad[13], t1[16], t2[16];
	uint64_t seed = 0x6c3a11;

	(void)state;
	rnd_fill(&seed, pt, sizeof(pt));
	for (size_t b = 0; b < 2; b++) {
		if (!use(backends[b]))
			continue;
		for (size_t l = 0; l < ENG_ARRAY_SIZE(lens); l++) {
			static struct aem_page_key k;
			mbedtls_gcm_context g;
			size_t n = lens[l], an = l % 3 ? sizeof(aad) : 0;
			rnd_fill(&seed, mat, sizeof(mat));
			rnd_fill(&seed, iv, sizeof(iv));
			rnd_fill(&seed, aad, sizeof(aad));
			key_from(&k, mat, mat + 64);
			mbedtls_gcm_init(&g);
			assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES,
							    mat + 64, 256), 0);
			assert_int_equal(mbedtls_gcm_crypt_and_tag(&g,
				MBEDTLS_GCM_ENCRYPT, n, iv, 12, aad, an, pt, ref,
				16, t1), 0);
			memcpy(buf, pt, n);
			assert_int_equal(aem_gcm_crypt(&k, true, iv, aad, an,
						       buf, n, t2), 0);
			assert_memory_equal(buf, ref, n);
			assert_memory_equal(t1, t2, 16);
			assert_int_equal(aem_gcm_crypt(&k, false, iv, aad, an,
						       buf, n, t2), 0);
			assert_memory_equal(buf, pt, n);
			mbedtls_gcm_free(&g);
			aem_page_key_wipe(&k);
		}
	}
	assert_int_equal(aem_slab_in_use(), 0);
}

/* Frame API: round trip on every back end, identical ciphertext across back
 * ends, tweak = gfn (moving a ciphertext frame changes the plaintext). */
static void test_frame_api(void **state)
{
	static uint8_t pt[4096], f[3][4096], g[3][4096];
	uint8_t mat[AEM_KEY_BYTES], tags[3][16];
	uint64_t seed = 77;
	int nb = 0;

	(void)state;
	rnd_fill(&seed, pt, sizeof(pt));
	rnd_fill(&seed, mat, sizeof(mat));
	for (size_t b = 0; b < ENG_ARRAY_SIZE(backends); b++) {
		if (!use(backends[b]))
			continue;
		static struct aem_page_key k;
		assert_int_equal(aem_page_key_setup(&k, mat), 0);
		memcpy(f[nb], pt, 4096);
		memcpy(g[nb], pt, 4096);
		assert_int_equal(aem_xts_encrypt_frame(&k, mk_gfn(0x12345), f[nb]), 0);
		assert_int_equal(aem_gcm_encrypt_frame(&k, mk_gfn(0x12345), 7,
						       g[nb], tags[nb]), 0);
		if (nb) {
			assert_memory_equal(f[nb], f[0], 4096);
			assert_memory_equal(g[nb], g[0], 4096);
			assert_memory_equal(tags[nb], tags[0], 16);
		}
		uint8_t tmp[4096];
		memcpy(tmp, f[nb], 4096);
		assert_int_equal(aem_xts_decrypt_frame(&k, mk_gfn(0x12346), tmp), 0);
		assert_memory_not_equal(tmp, pt, 4096);
		memcpy(tmp, f[nb], 4096);
		assert_int_equal(aem_xts_decrypt_frame(&k, mk_gfn(0x12345), tmp), 0);
		assert_memory_equal(tmp, pt, 4096);
		memcpy(tmp, g[nb], 4096);
		assert_int_equal(aem_gcm_decrypt_frame(&k, mk_gfn(0x12345), 7,
						       tmp, tags[nb]), 0);
		assert_memory_equal(tmp, pt, 4096);
		aem_page_key_wipe(&k);
		nb++;
	}
	assert_true(nb >= 1);
}

/* Tamper, replay (old counter) and relocation (other gfn) are detected and
 * leave the ciphertext in place. */
static void test_gcm_tamper(void **state)
{
	static uint8_t f[4096], ct[4096];
	uint8_t mat[AEM_KEY_BYTES], tag[16];
	uint64_t seed = 99;

	(void)state;
	for (size_t b = 0; b < ENG_ARRAY_SIZE(backends); b++) {
		if (!use(backends[b]))
			continue;
		static struct aem_page_key k;
		rnd_fill(&seed, mat, sizeof(mat));
		rnd_fill(&seed, f, sizeof(f));
		assert_int_equal(aem_page_key_setup(&k, mat), 0);
		assert_int_equal(aem_gcm_encrypt_frame(&k, mk_gfn(5), 3, f, tag), 0);
		memcpy(ct, f, sizeof(f));
		f[1000] ^= 0x10;
		ct[1000] ^= 0x10;
		assert_int_equal(aem_gcm_decrypt_frame(&k, mk_gfn(5), 3, f, tag),
				 -ENG_EBADMSG);
		assert_memory_equal(f, ct, 4096);
		f[1000] ^= 0x10;
		ct[1000] ^= 0x10;
		assert_int_equal(aem_gcm_decrypt_frame(&k, mk_gfn(5), 2, f, tag),
				 -ENG_EBADMSG);
		assert_int_equal(aem_gcm_decrypt_frame(&k, mk_gfn(6), 3, f, tag),
				 -ENG_EBADMSG);
		assert_memory_equal(f, ct, 4096);
		tag[0] ^= 1;
		assert_int_equal(aem_gcm_decrypt_frame(&k, mk_gfn(5), 3, f, tag),
				 -ENG_EBADMSG);
		tag[0] ^= 1;
		assert_int_equal(aem_gcm_decrypt_frame(&k, mk_gfn(5), 3, f, tag), 0);
		aem_page_key_wipe(&k);
	}
}

static void test_refuse_without_aesni(void **state)
{
	static struct aem_page_key k;
	uint8_t mat[AEM_KEY_BYTES] = { 1 }, buf[32] = { 0 }, tw[16] = { 0 };

	(void)state;
	aem_cipher_mask_cpu(0);	/* a CPU with neither AES-NI nor VAES */
	assert_int_equal(aem_cipher_select(AEM_BACKEND_AUTO), -ENG_ENODEV);
	assert_int_equal(aem_cipher_select(AEM_BACKEND_AESNI), -ENG_ENODEV);
	assert_int_equal(aem_cipher_select(AEM_BACKEND_VAES), -ENG_ENODEV);
	assert_int_equal(aem_cipher_select((enum aem_backend)42), -ENG_EINVAL);
	assert_int_equal(aem_cipher_select(AEM_BACKEND_MBEDTLS), 0);
	assert_int_equal(aem_page_key_setup(&k, mat), 0);
	assert_int_equal(aem_xts_crypt(&k, true, tw, buf, 32), 0);
	/* A key set up for another back end is refused, not misused. */
	aem_cipher_mask_cpu(AES_KERN_F_AESNI);
	if (aem_cipher_select(AEM_BACKEND_AESNI) == 0) {
		assert_int_equal(aem_xts_crypt(&k, true, tw, buf, 32), -ENG_EINVAL);
		assert_int_equal(aem_cipher_select(AEM_BACKEND_AUTO), 0);
		assert_int_equal(aem_cipher_backend(), AEM_BACKEND_AESNI);
	}
	aem_page_key_wipe(&k);
	assert_int_equal(aem_slab_in_use(), 0);
	aem_cipher_mask_cpu(~0u);
}

static void test_bad_args(void **state)
{
	static struct aem_page_key k;
	uint8_t mat[AEM_KEY_BYTES] = { 2 }, buf[64] = { 0 }, tw[16] = { 0 };
	uint8_t tag[16];

	(void)state;
	assert_true(use(AEM_BACKEND_MBEDTLS));
	assert_int_equal(aem_xts_crypt(&k, true, tw, buf, 32), -ENG_EINVAL);
	assert_int_equal(aem_page_key_setup(&k, mat), 0);
	assert_int_equal(aem_xts_crypt(&k, true, tw, buf, 15), -ENG_EINVAL);
	assert_int_equal(aem_xts_crypt(&k, true, tw, buf, 33), -ENG_EINVAL);
	assert_int_equal(aem_xts_crypt(&k, true, tw, buf, 0), -ENG_EINVAL);
	assert_int_equal(aem_gcm_crypt(&k, true, tw, NULL, 5, buf, 8, tag),
			 -ENG_EINVAL);
	aem_page_key_wipe(&k);
	for (size_t i = 0; i < sizeof(k); i++)
		assert_int_equal(((uint8_t *)&k)[i], 0);	/* zeroized */
	assert_int_equal(aem_xts_encrypt_frame(&k, mk_gfn(1), buf), -ENG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xts_ieee1619),
		cmocka_unit_test(test_gcm_spec_vectors),
		cmocka_unit_test(test_gcm_reference_all),
		cmocka_unit_test(test_cross_check_mbedtls),
		cmocka_unit_test(test_gcm_kernel_lengths),
		cmocka_unit_test(test_frame_api),
		cmocka_unit_test(test_gcm_tamper),
		cmocka_unit_test(test_refuse_without_aesni),
		cmocka_unit_test(test_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
