/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/shroud-malloc/mt_test.c - a multi-threaded allocator test for
 * shroud-malloc.so (issue item 7): T threads (default 4) each run R rounds
 * (default 20000) of malloc/calloc/realloc/posix_memalign/free churn over
 * a table of live blocks, filling each block with a pattern derived from
 * its size and a per-block seed and checking the pattern (and alignment,
 * calloc zeroing, realloc preserving the prefix) before freeing.
 *   mt_test [THREADS] [ROUNDS]
 * Prints "mt_test: ok threads=T rounds=R checksum=C" and exits 0, or
 * "mt_test: FAIL ..." and exits 1.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS	64

struct slot { unsigned char *p; size_t n; unsigned seed; };

static int rounds = 20000;
static volatile int failed;

static unsigned xs(unsigned *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void fill(struct slot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		s->p[i] = (unsigned char)(s->seed + i * 31);
}

static int check(const struct slot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s->p[i] != (unsigned char)(s->seed + i * 31))
			return 0;
	return 1;
}

static size_t pick_size(unsigned *r)
{
	unsigned k = xs(r) % 100;

	if (k < 70)
		return 1 + xs(r) % 256;
	if (k < 95)
		return 1 + xs(r) % 16384;
	return 65536 + xs(r) % (1u << 20);	/* large: own mapping */
}

static void fail(const char *what, size_t n)
{
	fprintf(stderr, "mt_test: FAIL %s n=%zu\n", what, n);
	failed = 1;
}

static void one_op(struct slot *s, unsigned *r, unsigned long *sum)
{
	size_t n = pick_size(r), i;
	void *q;

	if (s->p) {
		if (!check(s, s->n) || malloc_usable_size(s->p) < s->n)
			fail("pattern", s->n);
		*sum += s->p[s->n / 2];
		if (xs(r) % 3 == 0) {		/* realloc keeps the prefix */
			unsigned char *np = realloc(s->p, n);

			if (!np)
				return fail("realloc", n);
			s->p = np;
			if (!check(s, n < s->n ? n : s->n))
				fail("realloc-prefix", n);
			s->n = n;
			fill(s);
			return;
		}
		free(s->p);
		s->p = NULL;
		return;
	}
	switch (xs(r) % 4) {
	case 0:
		s->p = calloc(1, n);
		for (i = 0; s->p && i < n; i++)
			if (s->p[i])
				return fail("calloc-zero", n);
		break;
	case 1:
		if (posix_memalign(&q, 64u << (xs(r) % 7), n))
			return fail("posix_memalign", n);
		s->p = q;
		break;
	case 2:
		s->p = aligned_alloc(4096, n);
		if (s->p && ((uintptr_t)s->p & 4095))
			fail("aligned_alloc", n);
		break;
	default:
		s->p = malloc(n);
	}
	if (!s->p)
		return fail("alloc", n);
	s->n = n;
	s->seed = xs(r);
	fill(s);
}

static void *worker(void *arg)
{
	unsigned r = (unsigned)(uintptr_t)arg * 2654435761u | 1;
	static __thread struct slot slots[SLOTS];
	unsigned long sum = 0;
	int i;

	for (i = 0; i < rounds && !failed; i++)
		one_op(&slots[xs(&r) % SLOTS], &r, &sum);
	for (i = 0; i < SLOTS; i++) {
		if (slots[i].p && !check(&slots[i], slots[i].n))
			fail("final", slots[i].n);
		free(slots[i].p);
	}
	return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4, i;
	unsigned long total = 0;
	pthread_t t[64];

	if (argc > 2)
		rounds = atoi(argv[2]);
	if (threads < 1 || threads > 64)
		return 2;
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < threads; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		total += (unsigned long)(uintptr_t)ret;
	}
	if (failed)
		return 1;
	printf("mt_test: ok threads=%d rounds=%d checksum=%lu\n", threads,
	       rounds, total);
	return 0;
}
