/*
 * crypto/aem_cipher.c - dispatcher of the page cipher (crypto/aem_cipher.h):
 * back-end selection from CPUID, key setup and wipe, argument checks, the
 * XMM bracket around every SIMD call, GCM tag check in constant time, and
 * the mbedTLS reference/fallback path. Built without SSE: the SIMD work is
 * in crypto/aes_kern.c, reached only between arch_fpu_begin() and
 * arch_fpu_end().
 */
#include <string.h>

#include "aem_cipher.h"
#include "aes_kern.h"
#include "aes_reg.h"
#include "fpu.h"
#include "mbedtls/platform_util.h"

#define AEM_MAX_LEN	(1u << 24)

static enum aem_backend g_backend = AEM_BACKEND_AUTO;

#if !(defined(SHROUD_HV) && SHROUD_HV)
uint8_t aesreg_test_master[32];
#endif
static uint32_t g_cpu_mask = ~0u;

void aem_cipher_mask_cpu(uint32_t mask)
{
	g_cpu_mask = mask;
}

/* CPUID once (it is a VM exit when Shroud itself runs nested). */
static uint32_t cpu_features(void)
{
	static uint32_t f, known;

	if (!known) {
		arch_fpu_begin();
		f = aes_kern_cpu_features();
		arch_fpu_end();
		known = 1;
	}
	return f & g_cpu_mask;
}

int aem_cipher_select(enum aem_backend want)
{
	uint32_t f = cpu_features();

	switch (want) {
	case AEM_BACKEND_AUTO:
		if (!(f & AES_KERN_F_AESNI))
			return -ENG_ENODEV;
		want = (f & AES_KERN_F_VAES) ? AEM_BACKEND_VAES
					     : AEM_BACKEND_AESNI;
		break;
	case AEM_BACKEND_AESNI:
		if (!(f & AES_KERN_F_AESNI))
			return -ENG_ENODEV;
		break;
	case AEM_BACKEND_VAES:
		if (!(f & AES_KERN_F_VAES))
			return -ENG_ENODEV;
		break;
	case AEM_BACKEND_REGKEY:
		if (!(f & AES_KERN_F_AESNI))
			return -ENG_ENODEV;
		break;
	case AEM_BACKEND_MBEDTLS:
		break;
	default:
		return -ENG_EINVAL;
	}
	g_backend = want;
	return 0;
}

enum aem_backend aem_cipher_backend(void)
{
	return g_backend;
}

const char *aem_backend_name(enum aem_backend b)
{
	switch (b) {
	case AEM_BACKEND_AESNI: return "aes-ni";
	case AEM_BACKEND_VAES: return "vaes";
	case AEM_BACKEND_MBEDTLS: return "mbedtls";
	case AEM_BACKEND_REGKEY: return "aes-ni, keys in registers";
	default: return "none";
	}
}

static int mbed_key_setup(struct aem_page_key *k, const uint8_t *m)
{
	mbedtls_aes_xts_init(&k->mb_xts_enc);
	mbedtls_aes_xts_init(&k->mb_xts_dec);
	mbedtls_gcm_init(&k->mb_gcm);
	if (mbedtls_aes_xts_setkey_enc(&k->mb_xts_enc, m, 512) ||
	    mbedtls_aes_xts_setkey_dec(&k->mb_xts_dec, m, 512))
		return -ENG_EINVAL;
	if (mbedtls_gcm_setkey(&k->mb_gcm, MBEDTLS_CIPHER_ID_AES, m + 64, 256))
		return -ENG_ENOSPC;	/* the slab had no room */
	return 0;
}

int aem_page_key_setup(struct aem_page_key *k,
		       const uint8_t material[AEM_KEY_BYTES])
{
	int rc = 0;

	if (!k || !material)
		return -ENG_EINVAL;
	memset(k, 0, sizeof(*k));
	if (g_backend == AEM_BACKEND_AUTO)
		return -ENG_ENODEV;
	if (g_backend == AEM_BACKEND_REGKEY)
		return -ENG_EINVAL;	/* no key material exists to expand */
	k->backend = (uint8_t)g_backend;
	if (g_backend == AEM_BACKEND_MBEDTLS) {
		rc = mbed_key_setup(k, material);
	} else {
		arch_fpu_begin();
		aesni_expand256(material, k->xts_enc, k->xts_dec);
		aesni_expand256(material + 32, k->xts_tweak, NULL);
		aesni_expand256(material + 64, k->gcm_enc, NULL);
		aesni_gcm_init(k->gcm_enc, k->gcm_hpow, k->gcm_hrev);
		arch_fpu_end();
	}
	if (rc) {
		aem_page_key_wipe(k);
		return rc;
	}
	k->live = 1;
	return 0;
}

int aem_page_key_setup_reg(struct aem_page_key *k, const struct aesreg_ctx *xts,
			   const struct aesreg_ctx *gcm)
{
	if (!k || !xts || !gcm)
		return -ENG_EINVAL;
	memset(k, 0, sizeof(*k));
	if (g_backend != AEM_BACKEND_REGKEY)
		return -ENG_ENODEV;
	k->reg_xts = *xts;
	k->reg_gcm = *gcm;
	k->backend = AEM_BACKEND_REGKEY;
	k->live = 1;
	return 0;
}

void aem_page_key_wipe(struct aem_page_key *k)
{
	if (!k)
		return;
	if (k->backend == AEM_BACKEND_MBEDTLS) {
		mbedtls_aes_xts_free(&k->mb_xts_enc);
		mbedtls_aes_xts_free(&k->mb_xts_dec);
		mbedtls_gcm_free(&k->mb_gcm);
	}
	mbedtls_platform_zeroize(k, sizeof(*k));
}

static bool key_ok(const struct aem_page_key *k)
{
	return k && k->live && k->backend == (uint8_t)g_backend;
}

int aem_xts_crypt(const struct aem_page_key *k, bool enc,
		  const uint8_t tweak[16], void *buf, size_t len)
{
	if (!key_ok(k) || !tweak || !buf || len < 16 || len % 16 ||
	    len > AEM_MAX_LEN || k->backend == AEM_BACKEND_REGKEY)
		return -ENG_EINVAL;
	switch (k->backend) {
	case AEM_BACKEND_MBEDTLS: {
		/* mbedTLS contexts are not const-correct for reads. */
		struct aem_page_key *mk = (struct aem_page_key *)k;
		if (mbedtls_aes_crypt_xts(enc ? &mk->mb_xts_enc : &mk->mb_xts_dec,
					  enc ? MBEDTLS_AES_ENCRYPT
					      : MBEDTLS_AES_DECRYPT,
					  len, tweak, buf, buf))
			return -ENG_EINVAL;
		return 0;
	}
	case AEM_BACKEND_VAES:
		arch_fpu_begin();
		vaes_xts_crypt(enc ? k->xts_enc : k->xts_dec, k->xts_tweak,
			       enc, tweak, buf, len / 16);
		arch_fpu_end();
		return 0;
	default:
		arch_fpu_begin();
		aesni_xts_crypt(enc ? k->xts_enc : k->xts_dec, k->xts_tweak,
				enc, tweak, buf, len / 16);
		arch_fpu_end();
		return 0;
	}
}

/* One GCM pass; tag over the ciphertext (output if enc, input if not). */
static int gcm_pass(const struct aem_page_key *k, bool enc,
		    const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		    void *buf, size_t len, uint8_t tag[16])
{
	if (k->backend == AEM_BACKEND_MBEDTLS) {
		/* mbedtls_gcm_context is not const-correct for reads. */
		mbedtls_gcm_context *g = (mbedtls_gcm_context *)&k->mb_gcm;
		if (mbedtls_gcm_crypt_and_tag(g, enc ? MBEDTLS_GCM_ENCRYPT
						     : MBEDTLS_GCM_DECRYPT,
					      len, iv, 12, aad, aad_len, buf,
					      buf, 16, tag))
			return -ENG_EINVAL;
		return 0;
	}
	arch_fpu_begin();
	if (k->backend == AEM_BACKEND_VAES)
		vaes_gcm_crypt(k->gcm_enc, k->gcm_hpow, k->gcm_hrev, enc, iv,
			       aad, aad_len, buf, len, tag);
	else
		aesni_gcm_crypt(k->gcm_enc, k->gcm_hpow, k->gcm_hrev, enc, iv,
				aad, aad_len, buf, len, tag);
	arch_fpu_end();
	return 0;
}

static bool tags_equal(const uint8_t *a, const uint8_t *b)
{
	volatile uint8_t d = 0;

	for (unsigned i = 0; i < AEM_TAG_BYTES; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

int aem_gcm_crypt(const struct aem_page_key *k, bool enc,
		  const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		  void *buf, size_t len, uint8_t tag[AEM_TAG_BYTES])
{
	uint8_t t[AEM_TAG_BYTES];
	int rc;

	if (!key_ok(k) || !iv || !tag || (len && !buf) || len > AEM_MAX_LEN ||
	    (aad_len && !aad) || aad_len > AEM_MAX_LEN ||
	    k->backend == AEM_BACKEND_REGKEY)
		return -ENG_EINVAL;
	rc = gcm_pass(k, enc, iv, aad, aad_len, buf, len, t);
	if (rc)
		return rc;
	if (enc) {
		memcpy(tag, t, sizeof(t));
	} else if (!tags_equal(t, tag)) {
		/* CTR is its own inverse: put the ciphertext back. */
		rc = gcm_pass(k, true, iv, aad, aad_len, buf, len, t);
		rc = rc ? rc : -ENG_EBADMSG;
	}
	mbedtls_platform_zeroize(t, sizeof(t));
	return rc;
}

static void frame_tweak(gfn_t gfn, uint8_t tw[16])
{
	for (int i = 0; i < 16; i++)
		tw[i] = i < 8 ? (uint8_t)(gfn.v >> (8 * i)) : 0;
}

static void frame_nonce(gfn_t gfn, uint32_t ctr, uint8_t iv[12])
{
	for (int i = 0; i < 8; i++)
		iv[i] = (uint8_t)(gfn.v >> (8 * i));
	for (int i = 0; i < 4; i++)
		iv[8 + i] = (uint8_t)(ctr >> (8 * i));
}

/* The register back end: one frame, the key derived inside the call. */
static int reg_xts(const struct aem_page_key *k, gfn_t gfn, void *frame,
		   bool enc)
{
	if (!key_ok(k) || !frame)
		return -ENG_EINVAL;
	arch_fpu_begin();
	(void)aesreg_xts_frame(&k->reg_xts, gfn.v, frame, enc);
	arch_fpu_end();
	return 0;
}

static int reg_gcm(const struct aem_page_key *k, gfn_t gfn, uint32_t ctr,
		   void *frame, uint8_t *tag, bool enc)
{
	struct aesreg_ctx c;
	int bad;

	if (!key_ok(k) || !frame || !tag)
		return -ENG_EINVAL;
	c = k->reg_gcm;
	frame_nonce(gfn, ctr, c.iv_block);
	arch_fpu_begin();
	bad = aesreg_gcm_frame(&c, frame, tag, enc);
	arch_fpu_end();
	return bad ? -ENG_EBADMSG : 0;
}

int aem_xts_encrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  void *frame)
{
	uint8_t tw[16];

	if (k && k->backend == AEM_BACKEND_REGKEY)
		return reg_xts(k, gfn, frame, true);
	frame_tweak(gfn, tw);
	return aem_xts_crypt(k, true, tw, frame, AEM_FRAME_BYTES);
}

int aem_xts_decrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  void *frame)
{
	uint8_t tw[16];

	if (k && k->backend == AEM_BACKEND_REGKEY)
		return reg_xts(k, gfn, frame, false);
	frame_tweak(gfn, tw);
	return aem_xts_crypt(k, false, tw, frame, AEM_FRAME_BYTES);
}

int aem_gcm_encrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  uint32_t ctr, void *frame, uint8_t tag[AEM_TAG_BYTES])
{
	uint8_t iv[12];

	if (k && k->backend == AEM_BACKEND_REGKEY)
		return reg_gcm(k, gfn, ctr, frame, tag, true);
	frame_nonce(gfn, ctr, iv);
	return aem_gcm_crypt(k, true, iv, NULL, 0, frame, AEM_FRAME_BYTES, tag);
}

int aem_gcm_decrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  uint32_t ctr, void *frame,
			  const uint8_t tag[AEM_TAG_BYTES])
{
	uint8_t iv[12];

	if (k && k->backend == AEM_BACKEND_REGKEY)
		return reg_gcm(k, gfn, ctr, frame, (uint8_t *)tag, false);
	frame_nonce(gfn, ctr, iv);
	/* Decrypting only reads tag; the general form shares one signature. */
	return aem_gcm_crypt(k, false, iv, NULL, 0, frame, AEM_FRAME_BYTES,
			     (uint8_t *)tag);
}
