/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * bench/inguest/pbench.c - in-guest benchmarks of protected memory (issue
 * item 15), all in one process under the same TCG run:
 *
 *   pbench [--pages N] [--rounds R] [--sort-kib K] [--quick]
 *
 * 1. First access: N pages (default 64, more than any working set) are
 *    touched round-robin R times (default 8), so with a working set
 *    W < N every touch is a first access of an encrypted page.  Cost per
 *    access (ns) for: unprotected memory; Shroud-protected memory (W = 8,
 *    SECRET/OWNER, XTS); the user-level baseline (baseline.c: mprotect +
 *    SIGSEGV + AES-256-XTS in software, W = 8).
 * 2. Memory-heavy: qsort of K KiB (default 256) of 32-bit keys in
 *    unprotected memory, in protected memory with W = 4, 8, 16 (PROTECT's
 *    SHROUD_PF_WS), and in the baseline with W = 8.
 * Lines (for scripts):
 *   pbench: first-access plain ns=.. | shroud ns=.. ratio=.. | baseline ns=.. ratio=..
 *   pbench: sort plain ms=.. | shroud ws=W ms=.. ratio=.. | baseline ws=8 ms=.. ratio=..
 * Shroud lines say "unavailable" when PROTECT is not offered (ENODEV).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "baseline.h"
#include "shroud.h"

#define PG 4096ul

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Round-robin first touches; returns ns per touch. */
static double touch_rr(volatile char *p, size_t pages, unsigned rounds)
{
	double t0 = now_ns();
	unsigned long sum = 0;
	size_t i;
	unsigned r;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < pages; i++)
			sum += (unsigned char)p[i * PG + (r * 64) % PG]++;
	(void)sum;
	return (now_ns() - t0) / ((double)pages * rounds);
}

static char *plain_pages(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		perror("pbench: mmap");
		exit(1);
	}
	mlock(p, len);
	return p;
}

/* Protected memory with working set ws; NULL if not offered. */
static char *prot_pages(size_t len, unsigned ws, unsigned *ws_used, int *id)
{
	char *p = shroud_alloc(len, SHROUD_SENS_PUBLIC,
			       SHROUD_POLICY_OWNER | SHROUD_ALLOC_FALLBACK);

	*id = -1;
	if (!p)
		return NULL;
	/* Re-protect with the chosen working set. */
	shroud_release(p);
	*id = shroud_protect_ws(p, len, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER,
				ws, ws_used);
	if (*id <= 0) {
		shroud_free(p);
		return NULL;
	}
	return p;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static double sort_ms(uint32_t *v, size_t n)
{
	uint32_t s = 2463534242u;
	double t0;
	size_t i;

	for (i = 0; i < n; i++) {
		s ^= s << 13; s ^= s >> 17; s ^= s << 5;
		v[i] = s;
	}
	t0 = now_ns();
	qsort(v, n, sizeof(*v), cmp_u32);
	t0 = (now_ns() - t0) / 1e6;
	for (i = 1; i < n; i++)
		if (v[i - 1] > v[i]) {
			fprintf(stderr, "pbench: sort is wrong\n");
			exit(1);
		}
	return t0;
}

static void first_access(size_t pages, unsigned rounds)
{
	double plain, pr, bl;
	unsigned wsu;
	char *p;
	int id;

	p = plain_pages(pages * PG);
	plain = touch_rr(p, pages, rounds);
	munmap(p, pages * PG);
	printf("pbench: first-access plain pages=%zu ns=%.0f\n", pages, plain);
	p = prot_pages(pages * PG, 8, &wsu, &id);
	if (p) {
		pr = touch_rr(p, pages, rounds);
		printf("pbench: first-access shroud ws=%u ns=%.0f ratio=%.1f\n",
		       wsu ? wsu : 8, pr, pr / plain);
		shroud_unprotect(id);
		shroud_free(p);
	} else {
		printf("pbench: first-access shroud unavailable (%s)\n",
		       shroud_strerror(errno));
	}
	p = bl_create(pages, 8);
	bl_seal_all();
	bl = touch_rr(p, pages, rounds);
	printf("pbench: first-access baseline ws=8 ns=%.0f ratio=%.1f faults=%lu\n",
	       bl, bl / plain, bl_faults());
	bl_destroy();
}

static void sort_bench(size_t kib)
{
	static const unsigned wss[] = { 4, 8, 16 };
	size_t len = kib * 1024, n = len / 4;
	double plain, t;
	unsigned i, wsu;
	char *p;
	int id;

	p = plain_pages(len);
	plain = sort_ms((uint32_t *)p, n);
	munmap(p, len);
	printf("pbench: sort plain kib=%zu ms=%.1f\n", kib, plain);
	for (i = 0; i < 3; i++) {
		p = prot_pages(len, wss[i], &wsu, &id);
		if (!p) {
			printf("pbench: sort shroud ws=%u unavailable (%s)\n",
			       wss[i], shroud_strerror(errno));
			continue;
		}
		t = sort_ms((uint32_t *)p, n);
		printf("pbench: sort shroud ws=%u%s ms=%.1f ratio=%.1f\n",
		       wss[i], wsu ? "" : "(default)", t, t / plain);
		shroud_unprotect(id);
		shroud_free(p);
	}
	p = bl_create(len / PG, 8);
	t = sort_ms((uint32_t *)p, n);
	printf("pbench: sort baseline ws=8 ms=%.1f ratio=%.1f faults=%lu\n", t,
	       t / plain, bl_faults());
	bl_destroy();
}

int main(int argc, char **argv)
{
	size_t pages = 64, kib = 256;
	unsigned rounds = 8;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pages") && i + 1 < argc)
			pages = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--sort-kib") && i + 1 < argc)
			kib = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--quick"))
			pages = 32, rounds = 2, kib = 64;
		else {
			fprintf(stderr, "usage: pbench [--pages N] [--rounds R] "
				"[--sort-kib K] [--quick]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pages < 2 || pages > 4096 || !rounds || kib < 4 || kib > 16384)
		return 2;
	first_access(pages, rounds);
	sort_bench(kib);
	printf("pbench: done\n");
	return 0;
}
