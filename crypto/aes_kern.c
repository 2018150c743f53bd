/*
 * crypto/aes_kern.c - the SIMD kernels of the page cipher: AES-256 with
 * AES-NI (8 blocks in flight) and VAES on YMM (16 blocks in flight), in XTS
 * mode (IEEE 1619-2007) and GCM mode (NIST SP 800-38D, GHASH with PCLMULQDQ
 * and an 8-block aggregated reduction). This is the only file compiled with
 * SSE/AES enabled (-msse4.1 -maes -mpclmul); the VAES functions add
 * target("avx2,vaes,vpclmulqdq"). Callers (crypto/aem_cipher.c) must hold
 * the XMM bracket of crypto/fpu.h and have checked CPUID. Buffers need no
 * alignment (unaligned loads and stores). No key byte leaves the registers
 * and the caller's schedules.
 * References: Intel "AES New Instructions Set" white paper (key expansion,
 * equivalent inverse cipher); Gueron and Kounavis, "Intel Carry-Less
 * Multiplication Instruction and its Usage for Computing the GCM Mode"
 * (bit-reflected GHASH with shift-and-reduce). Written for Shroud.
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
 * coefficient is bit 127, so a carry-less product of two elements is the
 * reflected product shifted right by one; gf_reduce shifts it back and
 * reduces modulo x^128 + x^7 + x^2 + x + 1 (Gueron-Kounavis, algorithm 5). */

static inline __m128i bswap128(__m128i x)
{
	const __m128i m = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
				       12, 13, 14, 15);
	return _mm_shuffle_epi8(x, m);
}

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

static inline __m128i gacc_reduce(const struct gacc *z)
{
	__m128i lo = _mm_xor_si128(z->lo, _mm_slli_si128(z->mid, 8));
	__m128i hi = _mm_xor_si128(z->hi, _mm_srli_si128(z->mid, 8));
	/* 256-bit shift left by one. */
	__m128i clo = _mm_srli_epi32(lo, 31), chi = _mm_srli_epi32(hi, 31);
	__m128i cross = _mm_srli_si128(clo, 12);

	lo = _mm_or_si128(_mm_slli_epi32(lo, 1), _mm_slli_si128(clo, 4));
	hi = _mm_or_si128(_mm_slli_epi32(hi, 1), _mm_slli_si128(chi, 4));
	hi = _mm_or_si128(hi, cross);
	/* First phase: fold x^127.. terms of lo with x^7+x^2+x (shifts 31,30,25). */
	__m128i a = _mm_xor_si128(_mm_slli_epi32(lo, 31), _mm_slli_epi32(lo, 30));
	a = _mm_xor_si128(a, _mm_slli_epi32(lo, 25));
	__m128i d = _mm_srli_si128(a, 4);
	lo = _mm_xor_si128(lo, _mm_slli_si128(a, 12));
	/* Second phase. */
	__m128i e = _mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_srli_epi32(lo, 2));
	e = _mm_xor_si128(e, _mm_srli_epi32(lo, 7));
	e = _mm_xor_si128(e, d);
	lo = _mm_xor_si128(lo, e);
	return _mm_xor_si128(hi, lo);
}

static inline __m128i gf_mul(__m128i a, __m128i h)
{
	struct gacc z = { _mm_setzero_si128(), _mm_setzero_si128(),
			  _mm_setzero_si128() };

	gacc_mul(&z, a, h);
	return gacc_reduce(&z);
}

#define HP(hpow, i) _mm_loadu_si128((const __m128i *)(hpow)[i])

/* s = (((s ^ g0) H ^ g1) H ... ^ g7) H, one reduction (aggregated). */
static inline __m128i ghash8(__m128i s, const __m128i g[8],
			     const uint8_t hpow[8][16])
{
	struct gacc z = { _mm_setzero_si128(), _mm_setzero_si128(),
			  _mm_setzero_si128() };

	gacc_mul(&z, _mm_xor_si128(s, g[0]), HP(hpow, 7));
#pragma GCC unroll 7
	for (int i = 1; i < 8; i++)
		gacc_mul(&z, g[i], HP(hpow, 7 - i));
	return gacc_reduce(&z);
}

void aesni_gcm_init(const uint8_t rk[AES256_RK_BYTES], uint8_t hpow[8][16],
		    uint8_t hrev[16][16])
{
	__m128i h = bswap128(aes_enc1(rk, _mm_setzero_si128()));
	__m128i p = h;

	for (int i = 0; i < 16; i++) {
		if (i)
			p = gf_mul(p, h);	/* p = H^(i+1) */
		if (i < 8)
			_mm_storeu_si128((__m128i *)hpow[i], p);
		_mm_storeu_si128((__m128i *)hrev[15 - i], p);
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

static size_t gcm_8way(struct gcm_run *g, uint8_t *buf, size_t len)
{
	const __m128i one = _mm_set_epi32(0, 0, 0, 1);
	__m128i b[8], x[8];
	size_t done = 0;

	for (; len - done >= 128; done += 128) {
		__m128i *p = (__m128i *)(buf + done);
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++) {
			g->ctr = _mm_add_epi32(g->ctr, one);
			b[i] = bswap128(g->ctr);
		}
		aes_8(g->rk, true, b);
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++) {
			x[i] = _mm_loadu_si128(p + i);
			b[i] = _mm_xor_si128(b[i], x[i]);
			_mm_storeu_si128(p + i, b[i]);
			x[i] = bswap128(g->enc ? b[i] : x[i]);
		}
		g->s = ghash8(g->s, x, g->hpow);
	}
	return done;
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

void aesni_gcm_crypt(const uint8_t *rk, const uint8_t hpow[8][16], bool enc,
		     const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		     uint8_t *buf, size_t len, uint8_t tag[16])
{
	struct gcm_run g = { .rk = rk, .hpow = hpow, .enc = enc };
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
	return _xgetbv(0);
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
