/*
 * crypto/aes_kern.c - the SIMD kernels of the page cipher: AES-256 with
 * AES-NI (8 blocks in flight) and VAES on YMM (16 blocks in flight), in XTS
 * mode (IEEE 1619-2007) and GCM mode (NIST SP 800-38D, GHASH with PCLMULQDQ
 * and a 16-block aggregated reduction, interleaved with the counter-mode
 * AES of the next 8 blocks). This is the only file compiled with
 * SSE/AES enabled (-msse4.1 -maes -mpclmul); the VAES functions add
 * target("avx2,vaes,vpclmulqdq"). Callers (crypto/aem_cipher.c) must hold
 * the XMM bracket of crypto/fpu.h and have checked CPUID. Buffers need no
 * alignment (unaligned loads and stores). No key byte leaves the registers
 * and the caller's schedules.
 * References: Intel "AES New Instructions Set" white paper (key expansion,
 * equivalent inverse cipher); Gueron and Kounavis, "Intel Carry-Less
 * Multiplication Instruction and its Usage for Computing the GCM Mode"
 * (bit-reflected GHASH, Karatsuba, aggregated reduction; the reduction
 * here is derived in the GCM section below). Written for Shroud.
 */
#include <immintrin.h>
#include <string.h>

#include "aes_kern.h"

#define KS(rk, i) _mm_loadu_si128((const __m128i *)(rk) + (i))

/* ---- key schedule (FIPS 197 section 5.2, AES-256: Nk = 8, Nr = 14) ---- */

static inline __m128i kexp_mix(__m128i k, __m128i t)
{
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	return _mm_xor_si128(k, t);
}

#define KEXP_PAIR(i, rcon)                                                   \
	do {                                                                 \
		a = kexp_mix(a, _mm_shuffle_epi32(                           \
			_mm_aeskeygenassist_si128(b, rcon), 0xff));          \
		_mm_storeu_si128((__m128i *)enc + (i), a);                   \
		if ((i) + 1 < 15) {                                          \
			b = kexp_mix(b, _mm_shuffle_epi32(                   \
				_mm_aeskeygenassist_si128(a, 0), 0xaa));     \
			_mm_storeu_si128((__m128i *)enc + (i) + 1, b);       \
		}                                                            \
	} while (0)

/* The schedule is written straight into the caller's storage (hypervisor
 * memory, wiped by aem_page_key_wipe); no copy is left on the stack. */
void aesni_expand256(const uint8_t key[32], uint8_t enc[AES256_RK_BYTES],
		     uint8_t *dec)
{
	__m128i a = _mm_loadu_si128((const __m128i *)key);
	__m128i b = _mm_loadu_si128((const __m128i *)(key + 16));

	_mm_storeu_si128((__m128i *)enc, a);
	_mm_storeu_si128((__m128i *)enc + 1, b);
	KEXP_PAIR(2, 0x01);
	KEXP_PAIR(4, 0x02);
	KEXP_PAIR(6, 0x04);
	KEXP_PAIR(8, 0x08);
	KEXP_PAIR(10, 0x10);
	KEXP_PAIR(12, 0x20);
	KEXP_PAIR(14, 0x40);
	if (!dec)
		return;
	_mm_storeu_si128((__m128i *)dec, KS(enc, 14));
	for (int i = 1; i < 14; i++)
		_mm_storeu_si128((__m128i *)dec + i,
				 _mm_aesimc_si128(KS(enc, 14 - i)));
	_mm_storeu_si128((__m128i *)dec + 14, KS(enc, 0));
}

static inline __m128i aes_enc1(const uint8_t *rk, __m128i x)
{
	x = _mm_xor_si128(x, KS(rk, 0));
	for (int r = 1; r < 14; r++)
		x = _mm_aesenc_si128(x, KS(rk, r));
	return _mm_aesenclast_si128(x, KS(rk, 14));
}

static inline __m128i aes_dec1(const uint8_t *rk, __m128i x)
{
	x = _mm_xor_si128(x, KS(rk, 0));
	for (int r = 1; r < 14; r++)
		x = _mm_aesdec_si128(x, KS(rk, r));
	return _mm_aesdeclast_si128(x, KS(rk, 14));
}

void aesni_encrypt_block(const uint8_t rk[AES256_RK_BYTES],
			 const uint8_t in[16], uint8_t out[16])
{
	__m128i x = _mm_loadu_si128((const __m128i *)in);

	_mm_storeu_si128((__m128i *)out, aes_enc1(rk, x));
}

/* 8 blocks through all rounds; enc selects AESENC or AESDEC. */
static inline void aes_8(const uint8_t *rk, bool enc, __m128i b[8])
{
	__m128i k = KS(rk, 0);
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		b[i] = _mm_xor_si128(b[i], k);
	for (int r = 1; r < 14; r++) {
		k = KS(rk, r);
		if (enc) {
#pragma GCC unroll 8
			for (int i = 0; i < 8; i++)
				b[i] = _mm_aesenc_si128(b[i], k);
		} else {
#pragma GCC unroll 8
			for (int i = 0; i < 8; i++)
				b[i] = _mm_aesdec_si128(b[i], k);
		}
	}
	k = KS(rk, 14);
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		b[i] = enc ? _mm_aesenclast_si128(b[i], k)
			   : _mm_aesdeclast_si128(b[i], k);
}

/* ---- XTS (IEEE 1619-2007 section 5) ---- */

/* T * alpha in GF(2^128), little-endian block, polynomial x^128+x^7+x^2+x+1. */
static inline __m128i xts_mul_x(__m128i t)
{
	const __m128i poly = _mm_set_epi32(0, 1, 0, 0x87);
	__m128i carry = _mm_shuffle_epi32(_mm_srai_epi32(t, 31), 0x1b);

	return _mm_xor_si128(_mm_add_epi64(t, t), _mm_and_si128(carry, poly));
}

/* T * alpha^8: shift one byte up, fold the byte that fell off with 0x87. */
static inline __m128i xts_mul_x8(__m128i t)
{
	const __m128i poly = _mm_set_epi64x(0, 0x87);
	__m128i top = _mm_srli_si128(t, 15);

	return _mm_xor_si128(_mm_slli_si128(t, 1),
			     _mm_clmulepi64_si128(top, poly, 0x00));
}

/* One block at a time from tweak t; returns the tweak after the last. */
static __m128i xts_tail(const uint8_t *rk, bool enc, __m128i t, uint8_t *buf,
			size_t n)
{
	for (size_t i = 0; i < n; i++, buf += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)buf);

		x = _mm_xor_si128(x, t);
		x = enc ? aes_enc1(rk, x) : aes_dec1(rk, x);
		_mm_storeu_si128((__m128i *)buf, _mm_xor_si128(x, t));
		t = xts_mul_x(t);
	}
	return t;
}

static __m128i xts_8way(const uint8_t *rk, bool enc, __m128i t0,
			uint8_t *buf, size_t *nblocks)
{
	__m128i t[8], b[8];

	t[0] = t0;
	for (int i = 1; i < 8; i++)
		t[i] = xts_mul_x(t[i - 1]);
	for (; *nblocks >= 8; *nblocks -= 8, buf += 128) {
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++)
			b[i] = _mm_xor_si128(_mm_loadu_si128(
				(const __m128i *)buf + i), t[i]);
		aes_8(rk, enc, b);
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++) {
			_mm_storeu_si128((__m128i *)buf + i,
					 _mm_xor_si128(b[i], t[i]));
			t[i] = xts_mul_x8(t[i]);
		}
	}
	return t[0];
}

/* From tweak t: 8 blocks at a time, then the rest one by one. */
static void aesni_xts_rest(const uint8_t *rk, bool enc, __m128i t,
			   uint8_t *buf, size_t nblocks)
{
	size_t n = nblocks;

	t = xts_8way(rk, enc, t, buf, &n);
	(void)xts_tail(rk, enc, t, buf + (nblocks - n) * 16, n);
}

void aesni_xts_crypt(const uint8_t *rk_data, const uint8_t *rk_tweak,
		     bool enc, const uint8_t tweak[16], uint8_t *buf,
		     size_t nblocks)
{
	__m128i t = aes_enc1(rk_tweak, _mm_loadu_si128((const __m128i *)tweak));

	aesni_xts_rest(rk_data, enc, t, buf, nblocks);
}

#define VAES_TARGET __attribute__((target("avx2,vaes,vpclmulqdq")))

/* Each 128-bit lane times alpha^16 (two bytes up, fold 16 bits with 0x87). */
VAES_TARGET static inline __m256i xts_mul_x16_y(__m256i t)
{
	const __m256i poly = _mm256_set_epi64x(0, 0x87, 0, 0x87);
	__m256i top = _mm256_srli_si256(t, 14);

	return _mm256_xor_si256(_mm256_slli_si256(t, 2),
				_mm256_clmulepi64_epi128(top, poly, 0x00));
}

VAES_TARGET static inline void vaes_16(const __m256i *rk, bool enc,
				       __m256i b[8])
{
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		b[i] = _mm256_xor_si256(b[i], rk[0]);
	for (int r = 1; r < 14; r++) {
		__m256i k = rk[r];
		if (enc) {
#pragma GCC unroll 8
			for (int i = 0; i < 8; i++)
				b[i] = _mm256_aesenc_epi128(b[i], k);
		} else {
#pragma GCC unroll 8
			for (int i = 0; i < 8; i++)
				b[i] = _mm256_aesdec_epi128(b[i], k);
		}
	}
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		b[i] = enc ? _mm256_aesenclast_epi128(b[i], rk[14])
			   : _mm256_aesdeclast_epi128(b[i], rk[14]);
}

VAES_TARGET static void vaes_load_rk(const uint8_t *rk, __m256i out[15])
{
	for (int i = 0; i < 15; i++)
		out[i] = _mm256_broadcastsi128_si256(KS(rk, i));
}

VAES_TARGET void vaes_xts_crypt(const uint8_t *rk_data,
				const uint8_t *rk_tweak, bool enc,
				const uint8_t tweak[16], uint8_t *buf,
				size_t nblocks)
{
	__m256i rk[15], t[8], b[8];
	__m128i x = aes_enc1(rk_tweak, _mm_loadu_si128((const __m128i *)tweak));
	__m128i y;

	vaes_load_rk(rk_data, rk);
	for (int i = 0; i < 8; i++) {
		y = xts_mul_x(x);
		t[i] = _mm256_set_m128i(y, x);
		x = xts_mul_x(y);
	}
	for (; nblocks >= 16; nblocks -= 16, buf += 256) {
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++)
			b[i] = _mm256_xor_si256(_mm256_loadu_si256(
				(const __m256i *)buf + i), t[i]);
		vaes_16(rk, enc, b);
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++) {
			_mm256_storeu_si256((__m256i *)buf + i,
					    _mm256_xor_si256(b[i], t[i]));
			t[i] = xts_mul_x16_y(t[i]);
		}
	}
	x = _mm256_castsi256_si128(t[0]);
	aesni_xts_rest(rk_data, enc, x, buf, nblocks);
}

/* ---- GCM (NIST SP 800-38D sections 6.3-6.5 and 7) ----
 * GHASH works on byte-reversed blocks: after PSHUFB the field element's x^0
 * coefficient is bit 127 and x^127 is bit 0 ("reflected"). Read the bits of
 * a value as a polynomial in z (bit b = z^b); then x = 1/z, the field
 * polynomial g = x^128 + x^7 + x^2 + x + 1 becomes
 * M(z) = z^128 + z^127 + z^126 + z^121 + 1, and a carry-less product of two
 * reflected values, read as a 256-bit reflected value, is x * a * b.
 * The key therefore stores every power of H premultiplied by x^-1 (= z, a
 * shift left by one with a fold by M: gf_mul_xinv), so a product with a
 * stored power needs no shift, and gacc_reduce divides the 256-bit product
 * by z^128 modulo M (Montgomery style, 64 bits per step): since
 * M = 1 (mod z^64), adding q * M with q = the low 64 bits clears them, and
 * q * M = q + z^64 * clmul(q, 0xc2 << 56) + z^128 * q. Dividing by z^128
 * is what turns the 256-bit reflected form of a polynomial e (z^255 e(1/z))
 * into the 128-bit one (z^127 e(1/z)), so the result is the reflected
 * x * a * (h x^-1) = a * h mod g. Derived here from SP 800-38D's bit order;
 * the same idea as the "shifted H" method of the carry-less paper. */

static inline __m128i bswap128(__m128i x)
{
	const __m128i m = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
				       12, 13, 14, 15);
	return _mm_shuffle_epi8(x, m);
}

/* z^57 + z^62 + z^63: the part of M above z^64, shifted down by 64. */
#define GF_FOLD 0xc200000000000000ULL

/* Unreduced 256-bit sum of products: lo + z^64 mid + z^128 hi. */
struct gacc {
	__m128i lo, mid, hi;
};

static inline void gacc_mul(struct gacc *z, __m128i a, __m128i h)
{
	z->lo = _mm_xor_si128(z->lo, _mm_clmulepi64_si128(a, h, 0x00));
	z->hi = _mm_xor_si128(z->hi, _mm_clmulepi64_si128(a, h, 0x11));
	z->mid = _mm_xor_si128(z->mid, _mm_clmulepi64_si128(a, h, 0x01));
	z->mid = _mm_xor_si128(z->mid, _mm_clmulepi64_si128(a, h, 0x10));
}

/* (lo + z^64 mid + z^128 hi) / z^128 mod M, two 64-bit folds. */
static inline __m128i gacc_reduce(const struct gacc *z)
{
	const __m128i k = _mm_set_epi64x(0, (long long)GF_FOLD);
	__m128i lo = _mm_xor_si128(z->lo, _mm_slli_si128(z->mid, 8));
	__m128i hi = _mm_xor_si128(z->hi, _mm_srli_si128(z->mid, 8));
	/* Fold bits 0..63: they leave, clmul(q) lands at 64..191, q at 128. */
	__m128i u = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e),
				  _mm_clmulepi64_si128(lo, k, 0x00));
	/* u = [addend for bits 128..191 : new bits 64..127]; fold those. */
	hi = _mm_xor_si128(hi, _mm_clmulepi64_si128(u, k, 0x00));
	return _mm_xor_si128(hi, _mm_shuffle_epi32(u, 0x4e));
}

/* a * b, where hx is b premultiplied by x^-1 (gf_mul_xinv). */
static inline __m128i gf_mul(__m128i a, __m128i hx)
{
	struct gacc z = { _mm_setzero_si128(), _mm_setzero_si128(),
			  _mm_setzero_si128() };

	gacc_mul(&z, a, hx);
	return gacc_reduce(&z);
}

/* h * x^-1: reflected, that is one bit left, folding z^128 with M. */
static inline __m128i gf_mul_xinv(__m128i h)
{
	const __m128i m = _mm_set_epi64x((long long)GF_FOLD, 1);
	__m128i top = _mm_srai_epi32(_mm_shuffle_epi32(h, 0xff), 31);
	__m128i carry = _mm_slli_si128(_mm_srli_epi64(h, 63), 8);

	h = _mm_or_si128(_mm_slli_epi64(h, 1), carry);
	return _mm_xor_si128(h, _mm_and_si128(top, m));
}

#define HP(hpow, i) _mm_loadu_si128((const __m128i *)(hpow)[i])

void aesni_gcm_init(const uint8_t rk[AES256_RK_BYTES], uint8_t hpow[8][16],
		    uint8_t hrev[16][16])
{
	__m128i h = bswap128(aes_enc1(rk, _mm_setzero_si128()));
	__m128i hx = gf_mul_xinv(h), p = h;

	for (int i = 0; i < 16; i++) {
		if (i)
			p = gf_mul(p, hx);	/* p = H^(i+1) */
		__m128i px = gf_mul_xinv(p);
		if (i < 8)
			_mm_storeu_si128((__m128i *)hpow[i], px);
		_mm_storeu_si128((__m128i *)hrev[15 - i], px);
	}
}

/* GHASH over bytes zero-padded to whole blocks (the AAD). */
static __m128i ghash_bytes(__m128i s, const uint8_t *p, size_t n, __m128i h)
{
	uint8_t pad[16];

	for (; n >= 16; n -= 16, p += 16)
		s = gf_mul(_mm_xor_si128(s, bswap128(_mm_loadu_si128(
				(const __m128i *)p))), h);
	if (n) {
		memset(pad, 0, sizeof(pad));
		memcpy(pad, p, n);
		s = gf_mul(_mm_xor_si128(s, bswap128(_mm_loadu_si128(
				(const __m128i *)pad))), h);
	}
	return s;
}

struct gcm_run {
	const uint8_t *rk;
	const uint8_t (*hpow)[16];
	const uint8_t (*hrev)[16];
	bool enc;
	__m128i ctr;	/* byte-reversed counter block: dword 0 is inc32 */
	__m128i s;	/* GHASH state, reflected */
};

/* Blocks left after the 8-wide loop, then a partial block. */
static void gcm_tail(struct gcm_run *g, uint8_t *buf, size_t n)
{
	const __m128i one = _mm_set_epi32(0, 0, 0, 1);
	__m128i h = HP(g->hpow, 0);
	uint8_t blk[16];

	while (n) {
		size_t take = n < 16 ? n : 16;
		g->ctr = _mm_add_epi32(g->ctr, one);
		__m128i ks = aes_enc1(g->rk, bswap128(g->ctr));
		memset(blk, 0, sizeof(blk));
		memcpy(blk, buf, take);
		__m128i x = _mm_loadu_si128((const __m128i *)blk);
		__m128i y = _mm_xor_si128(x, ks);
		_mm_storeu_si128((__m128i *)blk, y);
		memcpy(buf, blk, take);
		if (g->enc) {	/* hash the ciphertext, zero padded */
			memset(blk + take, 0, sizeof(blk) - take);
			x = _mm_loadu_si128((const __m128i *)blk);
		}
		g->s = gf_mul(_mm_xor_si128(g->s, bswap128(x)), h);
		buf += take;
		n -= take;
	}
}

/* ---- 8-block GCM: CTR of one group interleaved with the GHASH of another.
 * GHASH is aggregated over 16 blocks (two groups) with one reduction:
 * s' = (s ^ x0) H^16 ^ x1 H^15 ^ ... ^ x15 H, the powers taken from hrev
 * (H^16..H^1); a lone group at the end uses H^8..H^1. Each product is
 * Karatsuba (3 PCLMULQDQ): a*h = lo + z^64 (lo ^ hi ^ (a.lo ^ a.hi)
 * (h.lo ^ h.hi)) + z^128 hi, with the (h.lo ^ h.hi) halves of two powers
 * packed in one register and the (a.lo ^ a.hi) halves of two blocks
 * likewise. Encryption hashes the previous group's ciphertext (already
 * stored) while this group's counters go through the rounds; decryption
 * hashes this group's input before the plaintext overwrites it. */

struct gh8 {
	__m128i h[8];	/* h[i]: multiplier of block i of the group */
	__m128i k[4];	/* k[j]: (lo ^ hi) of h[2j] in qword 0, h[2j+1] in 1 */
};

/* pw: 8 consecutive powers, the multiplier of block 0 first. */
static inline void gh8_load(struct gh8 *t, const uint8_t (*pw)[16])
{
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		t->h[i] = HP(pw, i);
#pragma GCC unroll 4
	for (int j = 0; j < 4; j++) {
		__m128i a = t->h[2 * j], b = t->h[2 * j + 1];
		t->k[j] = _mm_xor_si128(_mm_unpacklo_epi64(a, b),
					_mm_unpackhi_epi64(a, b));
	}
}

/* The tables are GHASH key material on the stack: volatile stores, which
 * the compiler may not drop as dead. */
static inline void gh8_wipe(struct gh8 t[2])
{
	volatile __m128i *v = (volatile __m128i *)t;

	for (size_t i = 0; i < 2 * sizeof(*t) / sizeof(__m128i); i++)
		v[i] = _mm_setzero_si128();
}

#define GH_FIRST 1u	/* s joins block 0 and the sum starts here */
#define GH_LAST 2u	/* the sum is reduced into s after this group */

/* Blocks 2j and 2j+1 of the group at p (raw bytes) into the sum z. */
static inline __attribute__((always_inline)) void
gh8_pair(struct gacc *z, const struct gh8 *t, const uint8_t *p, int j,
	 __m128i s, unsigned role)
{
	__m128i a = bswap128(_mm_loadu_si128((const __m128i *)p + 2 * j));
	__m128i b = bswap128(_mm_loadu_si128((const __m128i *)p + 2 * j + 1));
	bool start = (role & GH_FIRST) && j == 0;
	__m128i m, lo, hi, mid;

	if (start)
		a = _mm_xor_si128(a, s);
	m = _mm_xor_si128(_mm_unpacklo_epi64(a, b), _mm_unpackhi_epi64(a, b));
	lo = _mm_xor_si128(_mm_clmulepi64_si128(a, t->h[2 * j], 0x00),
			   _mm_clmulepi64_si128(b, t->h[2 * j + 1], 0x00));
	hi = _mm_xor_si128(_mm_clmulepi64_si128(a, t->h[2 * j], 0x11),
			   _mm_clmulepi64_si128(b, t->h[2 * j + 1], 0x11));
	mid = _mm_xor_si128(_mm_clmulepi64_si128(m, t->k[j], 0x00),
			    _mm_clmulepi64_si128(m, t->k[j], 0x11));
	if (start) {
		z->lo = lo;
		z->hi = hi;
		z->mid = mid;
	} else {
		z->lo = _mm_xor_si128(z->lo, lo);
		z->hi = _mm_xor_si128(z->hi, hi);
		z->mid = _mm_xor_si128(z->mid, mid);
	}
}

/* Karatsuba middle term to the true one, then reduce. */
static inline __m128i gh8_finish(struct gacc *z)
{
	z->mid = _mm_xor_si128(z->mid, _mm_xor_si128(z->lo, z->hi));
	return gacc_reduce(z);
}

/* GHASH of one group with no AES work beside it. */
static inline __attribute__((always_inline)) void
gh8_group(const struct gh8 *t, const uint8_t *p, unsigned role,
	  struct gacc *z, __m128i *s)
{
#pragma GCC unroll 4
	for (int j = 0; j < 4; j++)
		gh8_pair(z, t, p, j, *s, role);
	if (role & GH_LAST)
		*s = gh8_finish(z);
}

/* Counter blocks of a group, big-endian as AES takes them. Lane i is
 * lane 0 plus i in byte 15 (one PADDD) while that byte cannot carry within
 * the group; otherwise every lane is rebuilt from the byte-reversed block
 * with a full 32-bit add (inc32 of SP 800-38D section 6.2). */
struct ctr8 {
	__m128i rev;	/* byte-reversed block of lane 0 of group 0 */
	uint32_t n;	/* counter of that lane */
};

static inline void ctr8_blocks(const struct ctr8 *c, size_t grp,
			       __m128i be[8])
{
	uint32_t n = c->n + 8 * (uint32_t)grp;
	__m128i rev = _mm_add_epi32(c->rev, _mm_cvtsi32_si128((int)(n - c->n)));

	if ((n & 0xff) <= 0xff - 7) {
		be[0] = bswap128(rev);
#pragma GCC unroll 8
		for (int i = 1; i < 8; i++)
			be[i] = _mm_add_epi32(be[0],
					      _mm_set_epi32(i << 24, 0, 0, 0));
	} else {
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++)
			be[i] = bswap128(_mm_add_epi32(
				rev, _mm_set_epi32(0, 0, 0, i)));
	}
}

#define GCM_ROUND(r)                                                         \
	do {                                                                 \
		__m128i k_ = KS(rk, r);                                      \
		_Pragma("GCC unroll 8")                                      \
		for (int i_ = 0; i_ < 8; i_++)                               \
			b[i_] = _mm_aesenc_si128(b[i_], k_);                 \
	} while (0)

/* Group grp at buf: its counters through AES, XOR in place; between the
 * rounds, the GHASH of the group at hp (none if NULL) goes into z and s. */
static inline __attribute__((always_inline)) void
gcm_group(const uint8_t *rk, const struct ctr8 *c, uint8_t *buf, size_t grp,
	  const struct gh8 *t, const uint8_t *hp, unsigned role,
	  struct gacc *z, __m128i *s)
{
	__m128i b[8], k0 = KS(rk, 0);
	__m128i *p = (__m128i *)(buf + 128 * grp);

	ctr8_blocks(c, grp, b);
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		b[i] = _mm_xor_si128(b[i], k0);
	GCM_ROUND(1);
	if (hp)
		gh8_pair(z, t, hp, 0, *s, role);
	GCM_ROUND(2);
	GCM_ROUND(3);
	if (hp)
		gh8_pair(z, t, hp, 1, *s, role);
	GCM_ROUND(4);
	GCM_ROUND(5);
	if (hp)
		gh8_pair(z, t, hp, 2, *s, role);
	GCM_ROUND(6);
	GCM_ROUND(7);
	if (hp)
		gh8_pair(z, t, hp, 3, *s, role);
	GCM_ROUND(8);
	GCM_ROUND(9);
	if (hp && (role & GH_LAST))
		*s = gh8_finish(z);
	GCM_ROUND(10);
	GCM_ROUND(11);
	GCM_ROUND(12);
	GCM_ROUND(13);
	__m128i k14 = KS(rk, 14);
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++) {
		__m128i x = _mm_xor_si128(_mm_loadu_si128(p + i), k14);
		_mm_storeu_si128(p + i, _mm_aesenclast_si128(b[i], x));
	}
}

#define GRP(i) (buf + 128 * (i))

/* Encryption: group i's AES runs beside the GHASH of group i - 1. */
static void gcm_8way_enc(struct gcm_run *g, const struct ctr8 *c,
			 const struct gh8 t[2], uint8_t *buf, size_t n)
{
	struct gacc z = { _mm_setzero_si128(), _mm_setzero_si128(),
			  _mm_setzero_si128() };
	const uint8_t *rk = g->rk;
	__m128i s = g->s;
	size_t i;

	gcm_group(rk, c, buf, 0, NULL, NULL, 0, &z, &s);
	for (i = 1; i + 1 < n; i += 2) {
		gcm_group(rk, c, buf, i, &t[0], GRP(i - 1), GH_FIRST, &z, &s);
		gcm_group(rk, c, buf, i + 1, &t[1], GRP(i), GH_LAST, &z, &s);
	}
	if (i < n) {
		gcm_group(rk, c, buf, i, &t[0], GRP(i - 1), GH_FIRST, &z, &s);
		gh8_group(&t[1], GRP(i), GH_LAST, &z, &s);
	} else {
		gh8_group(&t[1], GRP(i - 1), GH_FIRST | GH_LAST, &z, &s);
	}
	g->s = s;
}

/* Decryption: group i's AES runs beside the GHASH of its own input. */
static void gcm_8way_dec(struct gcm_run *g, const struct ctr8 *c,
			 const struct gh8 t[2], uint8_t *buf, size_t n)
{
	struct gacc z = { _mm_setzero_si128(), _mm_setzero_si128(),
			  _mm_setzero_si128() };
	const uint8_t *rk = g->rk;
	__m128i s = g->s;
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		gcm_group(rk, c, buf, i, &t[0], GRP(i), GH_FIRST, &z, &s);
		gcm_group(rk, c, buf, i + 1, &t[1], GRP(i + 1), GH_LAST,
			  &z, &s);
	}
	if (i < n)
		gcm_group(rk, c, buf, i, &t[1], GRP(i), GH_FIRST | GH_LAST,
			  &z, &s);
	g->s = s;
}

/* Whole groups of 8 blocks; returns the bytes done. */
static size_t gcm_8way(struct gcm_run *g, uint8_t *buf, size_t len)
{
	size_t n = len / 128;
	struct gh8 t[2];	/* H^16..H^9, H^8..H^1 */
	struct ctr8 c;

	if (!n)
		return 0;
	gh8_load(&t[0], g->hrev);
	gh8_load(&t[1], g->hrev + 8);
	c.rev = _mm_add_epi32(g->ctr, _mm_set_epi32(0, 0, 0, 1));
	c.n = (uint32_t)_mm_cvtsi128_si32(c.rev);
	if (g->enc)
		gcm_8way_enc(g, &c, t, buf, n);
	else
		gcm_8way_dec(g, &c, t, buf, n);
	gh8_wipe(t);
	g->ctr = _mm_add_epi32(g->ctr, _mm_cvtsi32_si128((int)(8 * n)));
	return 128 * n;
}

static void gcm_start(struct gcm_run *g, const uint8_t iv[12], __m128i *ek0)
{
	uint8_t j0[16];

	memcpy(j0, iv, 12);
	j0[12] = 0;
	j0[13] = 0;
	j0[14] = 0;
	j0[15] = 1;
	__m128i j = _mm_loadu_si128((const __m128i *)j0);
	*ek0 = aes_enc1(g->rk, j);
	g->ctr = bswap128(j);
	g->s = _mm_setzero_si128();
}

static void gcm_finish(struct gcm_run *g, __m128i ek0, size_t aad_len,
		       size_t len, uint8_t tag[16])
{
	__m128i lens = _mm_set_epi64x((long long)(aad_len * 8),
				      (long long)(len * 8));

	g->s = gf_mul(_mm_xor_si128(g->s, lens), HP(g->hpow, 0));
	_mm_storeu_si128((__m128i *)tag, _mm_xor_si128(bswap128(g->s), ek0));
}

void aesni_gcm_crypt(const uint8_t *rk, const uint8_t hpow[8][16],
		     const uint8_t hrev[16][16], bool enc,
		     const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		     uint8_t *buf, size_t len, uint8_t tag[16])
{
	struct gcm_run g = { .rk = rk, .hpow = hpow, .hrev = hrev, .enc = enc };
	__m128i ek0;
	size_t done;

	gcm_start(&g, iv, &ek0);
	g.s = ghash_bytes(g.s, aad, aad_len, HP(hpow, 0));
	done = gcm_8way(&g, buf, len);
	gcm_tail(&g, buf + done, len - done);
	gcm_finish(&g, ek0, aad_len, len, tag);
}

/* 16 byte-reversed blocks (two per YMM) times H^16..H^1 with VPCLMULQDQ,
 * lanes folded, one reduction. */
VAES_TARGET static inline __m128i ghash16_y(__m128i s, const __m256i g[8],
					    const uint8_t hrev[16][16])
{
	__m256i lo = _mm256_setzero_si256(), hi = lo, mid = lo;
	struct gacc z;

#pragma GCC unroll 8
	for (int i = 0; i < 8; i++) {
		__m256i h = _mm256_loadu_si256((const __m256i *)hrev[2 * i]);
		__m256i x = i ? g[i] : _mm256_xor_si256(g[0],
					_mm256_zextsi128_si256(s));
		lo = _mm256_xor_si256(lo, _mm256_clmulepi64_epi128(x, h, 0x00));
		hi = _mm256_xor_si256(hi, _mm256_clmulepi64_epi128(x, h, 0x11));
		mid = _mm256_xor_si256(mid, _mm256_clmulepi64_epi128(x, h, 0x01));
		mid = _mm256_xor_si256(mid, _mm256_clmulepi64_epi128(x, h, 0x10));
	}
	z.lo = _mm_xor_si128(_mm256_castsi256_si128(lo),
			     _mm256_extracti128_si256(lo, 1));
	z.hi = _mm_xor_si128(_mm256_castsi256_si128(hi),
			     _mm256_extracti128_si256(hi, 1));
	z.mid = _mm_xor_si128(_mm256_castsi256_si128(mid),
			      _mm256_extracti128_si256(mid, 1));
	return gacc_reduce(&z);
}

/* VAES counter mode, 16 blocks per round trip; GHASH with VPCLMULQDQ. */
VAES_TARGET static size_t vgcm_16way(struct gcm_run *g, uint8_t *buf,
				     size_t len)
{
	const __m256i bs = _mm256_broadcastsi128_si256(_mm_set_epi8(
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
	const __m256i two = _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 2);
	__m256i rk[15], b[8], c, gy[8];
	size_t done = 0;

	vaes_load_rk(g->rk, rk);
	c = _mm256_set_m128i(_mm_add_epi32(g->ctr, _mm_set_epi32(0, 0, 0, 2)),
			     _mm_add_epi32(g->ctr, _mm_set_epi32(0, 0, 0, 1)));
	for (; len - done >= 256; done += 256) {
		__m256i *p = (__m256i *)(buf + done);
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++) {
			b[i] = _mm256_shuffle_epi8(c, bs);
			c = _mm256_add_epi32(c, two);
		}
		vaes_16(rk, true, b);
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++) {
			__m256i x = _mm256_loadu_si256(p + i);
			__m256i y = _mm256_xor_si256(b[i], x);
			_mm256_storeu_si256(p + i, y);
			gy[i] = _mm256_shuffle_epi8(g->enc ? y : x, bs);
		}
		g->s = ghash16_y(g->s, gy, g->hrev);
		g->ctr = _mm_add_epi32(g->ctr, _mm_set_epi32(0, 0, 0, 16));
	}
	return done;
}

VAES_TARGET void vaes_gcm_crypt(const uint8_t *rk, const uint8_t hpow[8][16],
				const uint8_t hrev[16][16], bool enc,
				const uint8_t iv[12], const uint8_t *aad,
				size_t aad_len, uint8_t *buf, size_t len,
				uint8_t tag[16])
{
	struct gcm_run g = { .rk = rk, .hpow = hpow, .hrev = hrev, .enc = enc };
	__m128i ek0;
	size_t done;

	gcm_start(&g, iv, &ek0);
	g.s = ghash_bytes(g.s, aad, aad_len, HP(hpow, 0));
	done = vgcm_16way(&g, buf, len);
	done += gcm_8way(&g, buf + done, len - done);
	gcm_tail(&g, buf + done, len - done);
	gcm_finish(&g, ek0, aad_len, len, tag);
}

/* ---- CPU features (Intel SDM Vol. 2A CPUID; AMD APM Vol. 3 appendix E) ----
 * Integer-only; lives here because <cpuid.h> is inline assembly, which the
 * rest of crypto/ does not use. */
#include <cpuid.h>

__attribute__((target("xsave"))) static uint64_t read_xcr0(void)
{
	return (uint64_t)_xgetbv(0);
}

uint32_t aes_kern_cpu_features(void)
{
	unsigned int a, b, c, d;
	uint32_t f = 0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if ((c & bit_AES) && (c & bit_PCLMUL) && (c & bit_SSE4_1))
		f |= AES_KERN_F_AESNI;
	if (c & bit_RDRND)
		f |= AES_KERN_F_RDRAND;
	bool ymm_os = (c & bit_OSXSAVE) && (read_xcr0() & 6) == 6;
	if (__get_cpuid_max(0, NULL) < 7)
		return f;
	__cpuid_count(7, 0, a, b, c, d);
	if (b & bit_RDSEED)
		f |= AES_KERN_F_RDSEED;
	if (ymm_os && (f & AES_KERN_F_AESNI) && (b & bit_AVX2) &&
	    (c & bit_VAES) && (c & bit_VPCLMULQDQ))
		f |= AES_KERN_F_VAES;
	return f;
}
