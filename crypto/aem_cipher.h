/*
 * crypto/aem_cipher.h - the AEM page cipher: encrypt or decrypt one 4 KiB
 * guest frame in place.
 *
 *   XTS: AES-256-XTS (IEEE 1619-2007), data unit = one frame, data unit
 *        number (tweak) = the guest frame number, 16 bytes little-endian.
 *   GCM: AES-256-GCM (NIST SP 800-38D), 96-bit nonce = gfn (8 bytes LE) ||
 *        per-frame counter (4 bytes LE), no AAD, 16-byte tag kept by the
 *        caller outside the frame (mm/fmeta.h). A (key, gfn, counter) triple
 *        must never be used twice for encryption: the caller bumps the
 *        counter before every encryption and rotates the key before the
 *        counter wraps.
 *
 * Back ends, chosen once by aem_cipher_select() (FIPS 197 rounds in all):
 *   AEM_BACKEND_VAES     VAES+VPCLMULQDQ on YMM, 16 blocks in flight
 *   AEM_BACKEND_AESNI    AES-NI+PCLMULQDQ on XMM, 8 blocks in flight
 *   AEM_BACKEND_MBEDTLS  mbedTLS 2.28 reference (table AES, no SIMD); slow,
 *                        only when asked for explicitly
 *   AEM_BACKEND_REGKEY   AES-NI with every key in registers only
 *                        (crypto/aes_reg.h): XTS-AES-128 and AES-128-GCM
 *                        on whole frames, the partition key derived from
 *                        the master in DR0-DR3 inside each call. The
 *                        hypervisor's default; the general forms below
 *                        refuse it (-ENG_EINVAL).
 *   AEM_BACKEND_AUTO     the best of VAES / AES-NI; refuses (-ENG_ENODEV) on
 *                        a CPU without AES-NI rather than silently falling
 *                        back to the table implementation.
 *
 * XMM BRACKET: in the hypervisor (SHROUD_HV) the guest owns the SSE/AVX
 * registers. Every function below that runs AES-NI/VAES code (key setup and
 * the crypt calls) wraps the SIMD work in arch_fpu_begin()/arch_fpu_end()
 * (crypto/fpu.h), which save and restore the guest's extended state with
 * XSAVE/XRSTOR. Callers must therefore not already be inside a bracket and
 * must not call these from a context where XSAVE is impossible (NMI). In the
 * host build the bracket is a no-op. This file and aem_cipher.c are built
 * without SSE; only crypto/aes_kern.c is built with it.
 *
 * Concurrency: a key may be used by several CPUs at once for crypt calls
 * (read only); setup and wipe need exclusive access. aem_cipher_select() is
 * a boot-time call (before any key setup).
 */
#ifndef SHROUD_CRYPTO_AEM_CIPHER_H
#define SHROUD_CRYPTO_AEM_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbedtls/aes.h"
#include "mbedtls/gcm.h"
#include "aes_reg.h"
#include "base/types.h"

#define AEM_FRAME_BYTES	4096u
#define AEM_TAG_BYTES	16u
/* Key material of one partition epoch: XTS data key (32) | XTS tweak key
 * (32) | GCM key (32). */
#define AEM_KEY_BYTES	96u

enum aem_backend {
	AEM_BACKEND_AUTO = 0,
	AEM_BACKEND_AESNI,
	AEM_BACKEND_VAES,
	AEM_BACKEND_MBEDTLS,
	AEM_BACKEND_REGKEY,
};

/* Expanded key of one partition epoch (about 2.7 KiB; hypervisor memory
 * only, never mapped into the guest). Fill with aem_page_key_setup(), drop
 * with aem_page_key_wipe() which zeroizes every byte. */
struct aem_page_key {
	uint8_t xts_enc[240] __attribute__((aligned(16)));
	uint8_t xts_dec[240] __attribute__((aligned(16)));
	uint8_t xts_tweak[240] __attribute__((aligned(16)));
	uint8_t gcm_enc[240] __attribute__((aligned(16)));
	uint8_t gcm_hpow[8][16] __attribute__((aligned(16)));	/* H^1..H^8 */
	uint8_t gcm_hrev[16][16] __attribute__((aligned(32)));	/* H^16..H^1 */
	mbedtls_aes_xts_context mb_xts_enc;	/* mbedTLS back end only */
	mbedtls_aes_xts_context mb_xts_dec;
	mbedtls_gcm_context mb_gcm;
	struct aesreg_ctx reg_xts;	/* REGKEY: KDF inputs only, no key */
	struct aesreg_ctx reg_gcm;
	uint8_t backend;	/* enum aem_backend the key was set up for */
	uint8_t live;		/* 1 between setup and wipe */
};

/* Select the back end. Returns 0, -ENG_ENODEV if the CPU lacks what was
 * asked (AUTO/AESNI without AES-NI, VAES without VAES), -ENG_EINVAL on an
 * unknown value. Boot CPU, before any key setup. */
int aem_cipher_select(enum aem_backend want) ENG_WUR;
/* The selected back end (AUTO until a select succeeded). */
enum aem_backend aem_cipher_backend(void);
const char *aem_backend_name(enum aem_backend b);
/* Testing and diagnostics: AND the CPUID-derived features with mask
 * (AES_KERN_F_* bits; ~0u restores). Lets host tests play a CPU without
 * AES-NI or VAES. */
void aem_cipher_mask_cpu(uint32_t mask);

/* Expand 96 bytes of key material for the selected back end. 0, -ENG_ENODEV
 * if no back end is selected, -ENG_ENOSPC if mbedTLS's slab is full. */
int aem_page_key_setup(struct aem_page_key *k,
		       const uint8_t material[AEM_KEY_BYTES]) ENG_WUR;
/* REGKEY back end: record which keys the frame calls derive, as the KDF
 * inputs @xts and @gcm (aesreg_ctx_init, crypto/aes_reg.h: the key
 * hierarchy's layout of part_id, epoch and boot nonce); no key material
 * is involved.  0, -ENG_ENODEV if REGKEY is not the selected back end,
 * -ENG_EINVAL. */
int aem_page_key_setup_reg(struct aem_page_key *k, const struct aesreg_ctx *xts,
			   const struct aesreg_ctx *gcm) ENG_WUR;
void aem_page_key_wipe(struct aem_page_key *k);

/* One frame in place (frame: AEM_FRAME_BYTES, any alignment, 16 preferred).
 * 0 or -ENG_EINVAL (key not live or set up for another back end). */
int aem_xts_encrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  void *frame) ENG_WUR;
int aem_xts_decrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  void *frame) ENG_WUR;
/* GCM: encrypt writes tag; decrypt checks it in constant time and returns
 * -ENG_EBADMSG on mismatch, leaving the frame as it was (ciphertext). */
int aem_gcm_encrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  uint32_t ctr, void *frame,
			  uint8_t tag[AEM_TAG_BYTES]) ENG_WUR;
int aem_gcm_decrypt_frame(const struct aem_page_key *k, gfn_t gfn,
			  uint32_t ctr, void *frame,
			  const uint8_t tag[AEM_TAG_BYTES]) ENG_WUR;

/* General forms, used by the frame calls and by the vector tests.
 * XTS: len a multiple of 16, 16..2^24 bytes (IEEE 1619 allows no partial
 * block here: no ciphertext stealing). GCM: any len up to 2^24, aad may be
 * NULL when aad_len is 0; decrypt verifies tag as above. -ENG_EINVAL on a
 * bad length. */
int aem_xts_crypt(const struct aem_page_key *k, bool enc,
		  const uint8_t tweak[16], void *buf, size_t len) ENG_WUR;
int aem_gcm_crypt(const struct aem_page_key *k, bool enc,
		  const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		  void *buf, size_t len, uint8_t tag[AEM_TAG_BYTES]) ENG_WUR;

#endif /* SHROUD_CRYPTO_AEM_CIPHER_H */
