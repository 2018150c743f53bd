/*
 * test/unit/harness.h - shared helpers for the engines' host unit tests
 * (cmocka, built with ASan+UBSan by mk/engines.mk): cmocka's prerequisite
 * includes, hex decoding for published vectors, and a seeded xorshift PRNG
 * so random cross-checks are reproducible (the seed is printed on failure).
 */
#ifndef SHROUD_TEST_HARNESS_H
#define SHROUD_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Decode hex into out (cap bytes); returns the byte count. */
static inline size_t hx(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (h[0] && h[1] && n < cap) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static inline uint64_t rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static inline void rnd_fill(uint64_t *s, void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(rnd_next(s) >> 24);
}

#endif /* SHROUD_TEST_HARNESS_H */
