/*
 * crypto/aes_kern.h - internal interface between the page-cipher dispatcher
 * (crypto/aem_cipher.c, built without SSE) and the SIMD kernels
 * (crypto/aes_kern.c, the only file built with -msse4.1 -maes -mpclmul; its
 * VAES functions carry a target attribute). Every function here touches
 * XMM/YMM registers and must be called only inside the arch_fpu_begin() /
 * arch_fpu_end() bracket (crypto/fpu.h), on a CPU that has the feature the
 * name says (AES-NI+PCLMUL+SSE4.1; VAES+VPCLMULQDQ+AVX2 for vaes_*).
 * Round-key schedules are 15 x 16 bytes (AES-256, FIPS 197 section 5.2).
 * Not part of the public API.
 */
#ifndef SHROUD_CRYPTO_AES_KERN_H
#define SHROUD_CRYPTO_AES_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AES256_RK_BYTES	240

/* Expand a 32-byte key; dec (may be NULL) gets the equivalent-inverse
 * schedule for AESDEC (FIPS 197 section 5.3.5). */
void aesni_expand256(const uint8_t key[32], uint8_t enc[AES256_RK_BYTES],
		     uint8_t *dec);
/* One block, out may equal in. */
void aesni_encrypt_block(const uint8_t rk[AES256_RK_BYTES],
			 const uint8_t in[16], uint8_t out[16]);
/* XTS (IEEE 1619) over nblocks whole blocks in place; tweak is the 16-byte
 * little-endian data unit number, encrypted here with rk_tweak. */
void aesni_xts_crypt(const uint8_t *rk_data, const uint8_t *rk_tweak,
		     bool enc, const uint8_t tweak[16], uint8_t *buf,
		     size_t nblocks);
void vaes_xts_crypt(const uint8_t *rk_data, const uint8_t *rk_tweak,
		    bool enc, const uint8_t tweak[16], uint8_t *buf,
		    size_t nblocks);
/* GCM (NIST SP 800-38D): hpow gets H^1..H^8 in the form the GHASH kernel
 * uses (bit-reflected and premultiplied by x^-1), hrev H^16..H^1 in the
 * same form (16-block aggregation; pairs for the YMM GHASH). */
void aesni_gcm_init(const uint8_t rk[AES256_RK_BYTES], uint8_t hpow[8][16],
		    uint8_t hrev[16][16]);
/* 96-bit IV only. In place over len bytes; tag gets the tag over the
 * ciphertext (the output when enc, the input otherwise). */
void aesni_gcm_crypt(const uint8_t *rk, const uint8_t hpow[8][16],
		     const uint8_t hrev[16][16], bool enc,
		     const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		     uint8_t *buf, size_t len, uint8_t tag[16]);
void vaes_gcm_crypt(const uint8_t *rk, const uint8_t hpow[8][16],
		    const uint8_t hrev[16][16], bool enc,
		    const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		    uint8_t *buf, size_t len, uint8_t tag[16]);

/* CPUID: AES-NI means AES + PCLMULQDQ + SSE4.1; VAES means VAES +
 * VPCLMULQDQ + AVX2 with YMM state enabled in XCR0 (OSXSAVE). */
#define AES_KERN_F_AESNI	0x1u
#define AES_KERN_F_VAES		0x2u
#define AES_KERN_F_RDRAND	0x4u	/* CPUID.1:ECX[30] */
#define AES_KERN_F_RDSEED	0x8u	/* CPUID.(7,0):EBX[18] */
uint32_t aes_kern_cpu_features(void);

#endif /* SHROUD_CRYPTO_AES_KERN_H */
