/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/hcfuzz.c - malformed hypercalls (issue item 13).
 *
 *   hcfuzz [--calls N] [--seed S]
 *
 * Phase 1 calls each error path of include/shroud/abi.h once and checks the
 * exact code: PROTECT's EINVAL (unaligned address, zero/unaligned length,
 * unknown sensitivity, policy and flag bits), E2BIG, EFAULT (a hole),
 * EACCES (kernel and non-canonical addresses), EBUSY (overlap, one frame
 * mapped twice); UNPROTECT's ENOENT and EPERM (a forked child);
 * QUERY/LIST ENOENT; STATS/EVENTS EFAULT and EINVAL; VERSION's reserved
 * arguments; ENOSYS for unknown numbers.  Lines:
 *   hcfuzz: case NAME want=-E got=R PASS|FAIL
 * Phase 2 makes N (default 2000) calls with arguments drawn from a pool of
 * hostile values (kernel, non-canonical, unmapped, read-only, odd sizes)
 * and random words; every answer must be 0/positive or a known -SHROUD_E*
 * code, and partitions it happens to create are given back.  Throughout,
 * a protected canary buffer is checked against its checksum.  Last line:
 *   hcfuzz: done cases=C failed=F calls=N errors=E ok=K unknown=U canary=intact|BROKEN
 * Exit status: 0 all passed, 1 a check failed, 4 not under Shroud.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shroud.h"

#define PG	4096ull
#define KADDR	0xffffffff81000000ull
#define NONCANON 0x0000800000000000ull

static int cases, failed;

static void expect(const char *name, int64_t got, int64_t want)
{
	int ok = got == want;

	cases++;
	failed += !ok;
	printf("hcfuzz: case %s want=%lld got=%lld %s\n", name,
	       (long long)want, (long long)got, ok ? "PASS" : "FAIL");
}

static int64_t hc(uint64_t nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	return shroud_hypercall(nr, a, b, c, d, NULL);
}

static int64_t prot(uint64_t gva, uint64_t len, uint64_t sens, uint64_t fl)
{
	int64_t r = hc(SHROUD_HC_PROTECT, gva, len, sens, fl);

	if (r > 0)		/* an unexpected success: give it back */
		hc(SHROUD_HC_UNPROTECT, (uint64_t)r, 0, 0, 0);
	return r;
}

static void *map_rw(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	size_t i;

	if (p == MAP_FAILED) {
		perror("hcfuzz: mmap");
		exit(1);
	}
	for (i = 0; i < len; i += PG)
		p[i] = 1;
	mlock(p, len);
	return p;
}

static uint64_t hole(void)
{
	void *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(p, 4 * PG);
	return (uint64_t)(uintptr_t)p;
}

static void protect_cases(char *buf)
{
	uint64_t b = (uintptr_t)buf, big = SHROUD_PROTECT_MAX_LEN;
	const unsigned o = SHROUD_POLICY_OWNER;
	int64_t id;

	expect("protect-unaligned-gva", prot(b + 8, PG, 3, o), -SHROUD_EINVAL);
	expect("protect-zero-len", prot(b, 0, 3, o), -SHROUD_EINVAL);
	expect("protect-unaligned-len", prot(b, 100, 3, o), -SHROUD_EINVAL);
	expect("protect-bad-sens", prot(b, PG, 4, o), -SHROUD_EINVAL);
	expect("protect-bad-policy", prot(b, PG, 3, 3), -SHROUD_EINVAL);
	expect("protect-bad-flag", prot(b, PG, 3, o | (1u << 9)), -SHROUD_EINVAL);
	expect("protect-ws-too-big", prot(b, PG, 3, o | SHROUD_PF_WS(SHROUD_WS_MAX + 1)),
	       -SHROUD_EINVAL);
	expect("protect-too-long", prot(b, big + PG, 3, o), -SHROUD_E2BIG);
	expect("protect-huge-len", prot(b, 1ull << 62, 3, o), -SHROUD_E2BIG);
	expect("protect-unmapped", prot(hole(), PG, 3, o), -SHROUD_EFAULT);
	expect("protect-kernel", prot(KADDR, PG, 3, o), -SHROUD_EACCES);
	expect("protect-noncanonical", prot(NONCANON, PG, 3, o), -SHROUD_EACCES);
	id = hc(SHROUD_HC_PROTECT, b, 2 * PG, 3, o);
	expect("protect-valid", id > 0, 1);
	expect("protect-overlap", prot(b + PG, 2 * PG, 3, o), -SHROUD_EBUSY);
	expect("protect-same", prot(b, 2 * PG, 3, o), -SHROUD_EBUSY);
	if (id > 0)
		expect("unprotect-valid", hc(SHROUD_HC_UNPROTECT, (uint64_t)id,
					     0, 0, 0), 0);
	expect("unprotect-again", hc(SHROUD_HC_UNPROTECT, (uint64_t)id, 0, 0, 0),
	       -SHROUD_ENOENT);
}

/* One memfd page mapped twice, adjacent: one frame at two GVAs. */
static void alias_case(void)
{
	int fd = memfd_create("hcfuzz", 0);
	char *r, *a;

	if (fd < 0 || ftruncate(fd, (off_t)PG) < 0)
		return;
	r = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a = mmap(r, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	mmap(r + PG, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	a[0] = 1;
	r[PG] = 2;
	expect("protect-frame-twice", prot((uintptr_t)r, 2 * PG, 3,
					   SHROUD_POLICY_OWNER), -SHROUD_EBUSY);
	munmap(r, 2 * PG);
	close(fd);
}

/* A forked child (another address space) may not UNPROTECT our id. */
static void eperm_case(char *buf)
{
	int64_t id = hc(SHROUD_HC_PROTECT, (uintptr_t)buf, PG, 3,
			SHROUD_POLICY_OWNER);
	int st = 0;
	pid_t c;

	if (id <= 0) {
		expect("unprotect-not-owner(setup)", id > 0, 1);
		return;
	}
	c = fork();
	if (c == 0) {
		int64_t r = hc(SHROUD_HC_UNPROTECT, (uint64_t)id, 0, 0, 0);

		_exit(r == -SHROUD_EPERM ? 0 : 1);
	}
	waitpid(c, &st, 0);
	expect("unprotect-not-owner", WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0);
	hc(SHROUD_HC_UNPROTECT, (uint64_t)id, 0, 0, 0);
}

static void other_cases(char *buf, char *ro)
{
	uint64_t b = (uintptr_t)buf;

	expect("unprotect-id0", hc(SHROUD_HC_UNPROTECT, 0, 0, 0, 0),
	       -SHROUD_ENOENT);
	expect("unprotect-id-huge", hc(SHROUD_HC_UNPROTECT, ~0ull, 0, 0, 0),
	       -SHROUD_ENOENT);
	expect("query-id0", hc(SHROUD_HC_QUERY, 0, 0, 0, 0), -SHROUD_ENOENT);
	expect("query-missing", hc(SHROUD_HC_QUERY, 1u << 30, 0, 0, 0),
	       -SHROUD_ENOENT);
	expect("list-past-end", hc(SHROUD_HC_LIST, ~0ull >> 1, 0, 0, 0),
	       -SHROUD_ENOENT);
	expect("stats-unmapped", hc(SHROUD_HC_STATS, hole(), 64, 0, 0),
	       -SHROUD_EFAULT);
	expect("stats-kernel", hc(SHROUD_HC_STATS, KADDR, 64, 0, 0) < 0, 1);
	expect("stats-readonly", hc(SHROUD_HC_STATS, (uintptr_t)ro, 64, 0, 0) < 0,
	       1);
	expect("stats-small", hc(SHROUD_HC_STATS, b, 4, 0, 0), -SHROUD_EINVAL);
	expect("events-cap", hc(SHROUD_HC_EVENTS, b, 257, 0, 0), -SHROUD_EINVAL);
	expect("events-unmapped", hc(SHROUD_HC_EVENTS, hole(), 4, 0, 0),
	       -SHROUD_EFAULT);
	expect("events-bad-flags", hc(SHROUD_HC_EVENTS, b, 4, 0x80, 0),
	       -SHROUD_EINVAL);
	expect("version-reserved", hc(SHROUD_HC_VERSION, 1, 0, 0, 0),
	       -SHROUD_EINVAL);
	expect("klock-args", hc(SHROUD_HC_KLOCK, 1, 0, 0, 0), -SHROUD_EINVAL);
	expect("klock-args2", hc(SHROUD_HC_KLOCK, 0, 0, 0, 7), -SHROUD_EINVAL);
	expect("guard-ipis-args", hc(SHROUD_HC_GUARD_IPIS, 0, 1, 0, 0),
	       -SHROUD_EINVAL);
	/* the loader armed it at ExitBootServices: one-way */
	expect("guard-ipis-armed", hc(SHROUD_HC_GUARD_IPIS, 0, 0, 0, 0),
	       -SHROUD_EBUSY);
	expect("unknown-call", hc(SHROUD_HC_MAX, 0, 0, 0, 0), -SHROUD_ENOSYS);
	expect("unknown-call-huge", hc(1ull << 63, 0, 0, 0, 0), -SHROUD_ENOSYS);
}

static uint64_t rnd(void)
{
	static uint64_t x = 88172645463325252ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static uint64_t pick_addr(char *buf, char *ro)
{
	uint64_t pool[] = { 0, 1, PG, KADDR, NONCANON, ~0ull, hole(),
			    (uintptr_t)ro, (uintptr_t)buf, (uintptr_t)buf + 1,
			    (uintptr_t)buf + PG, rnd(), rnd() & ~(PG - 1) };

	return pool[rnd() % (sizeof(pool) / sizeof(pool[0]))];
}

static uint64_t pick_word(void)
{
	uint64_t pool[] = { 0, 1, 2, 3, 4, 7, 0x100, 0x101, 0x103, 256, 257,
			    PG, PG - 1, 2 * PG, SHROUD_PROTECT_MAX_LEN,
			    SHROUD_PROTECT_MAX_LEN + PG, ~0ull, 1ull << 63,
			    rnd(), rnd() & 0xffff };

	return pool[rnd() % (sizeof(pool) / sizeof(pool[0]))];
}

static int known(int64_t r)
{
	switch (-r) {
	case SHROUD_EPERM: case SHROUD_ENOENT: case SHROUD_EFAULT:
	case SHROUD_EBUSY: case SHROUD_EINVAL: case SHROUD_ENOSPC:
	case SHROUD_ENOSYS: case SHROUD_E2BIG: case SHROUD_ENODEV:
	case SHROUD_EIO: case SHROUD_EACCES:
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long calls = 2000, i, errs = 0, oks = 0, unknown = 0;
	uint64_t sum0 = 0, sum1 = 0, seed = 1;
	char *buf, *ro, *canary;
	int j;

	for (j = 1; j + 1 < argc; j += 2) {
		if (!strcmp(argv[j], "--calls"))
			calls = strtoul(argv[j + 1], NULL, 0);
		else if (!strcmp(argv[j], "--seed"))
			seed = strtoull(argv[j + 1], NULL, 0);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!shroud_present()) {
		printf("hcfuzz: not under Shroud\n");
		return 4;
	}
	for (i = 0; i < seed % 1000; i++)
		rnd();
	buf = map_rw(8 * PG);
	ro = map_rw(PG);
	mprotect(ro, PG, PROT_READ);
	canary = shroud_alloc(4 * PG, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	if (!canary) {
		printf("hcfuzz: canary shroud_alloc: %s\n", shroud_strerror(errno));
		return 1;
	}
	for (i = 0; i < 4 * PG; i++)
		canary[i] = (char)(i * 7 + 3), sum0 += (uint8_t)canary[i] * (i + 1);

	protect_cases(buf);
	alias_case();
	eperm_case(buf);
	other_cases(buf, ro);

	for (i = 0; i < calls; i++) {
		uint64_t nr = rnd() % (SHROUD_HC_MAX + 1), a0 = pick_addr(buf, ro);
		int64_t r;

		/* The kernel lock is one-way: never by chance (its argument
		 * checks are a case above); an unknown call instead. */
		if (nr == SHROUD_HC_KLOCK)
			nr = SHROUD_HC_MAX;
		r = hc(nr, a0, pick_word(), pick_word(), pick_word());

		if (r < 0) {
			errs++;
			unknown += !known(r);
		} else {
			oks++;
			if (nr == SHROUD_HC_PROTECT && r > 0)
				hc(SHROUD_HC_UNPROTECT, (uint64_t)r, 0, 0, 0);
		}
	}
	for (i = 0; i < 4 * PG; i++)
		sum1 += (uint8_t)canary[i] * (i + 1);
	printf("hcfuzz: done cases=%d failed=%d calls=%lu errors=%lu ok=%lu "
	       "unknown=%lu canary=%s\n", cases, failed, calls, errs, oks,
	       unknown, sum0 == sum1 ? "intact" : "BROKEN");
	shroud_free(canary);
	return failed || unknown || sum0 != sum1 ? 1 : 0;
}
