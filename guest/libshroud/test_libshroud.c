/* guest/libshroud/test_libshroud.c - host unit test of libshroud where
 * Shroud is absent (make unit-guestlib; built with ASan/UBSan): discovery
 * says no, every call fails with ENODEV and no VMMCALL is executed (it
 * would be SIGILL here), shroud_alloc falls back only when asked, the
 * allocation table survives growth and misuse, SHROUD_DISABLE works.
 * Plain asserts; prints "test_libshroud: ok". */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shroud.h"

#define N 300

static void test_enodev(void)
{
	struct shroud_stats st;
	struct shroud_event ev[4];
	struct shroud_part part;
	struct shroud_info info;
	char buf[8192] __attribute__((aligned(4096)));

	assert(!shroud_present());
	errno = 0;
	assert(shroud_info(&info) == -1 && errno == ENODEV);
	assert(shroud_hypercall(SHROUD_HC_VERSION, 0, 0, 0, 0, NULL) ==
	       -SHROUD_ENODEV);
	assert(shroud_protect(buf, 4096, SHROUD_SENS_SECRET, 1) == -1 &&
	       errno == ENODEV);
	assert(shroud_unprotect(1) == -1 && errno == ENODEV);
	assert(shroud_query(1, &part) == -1 && errno == ENODEV);
	assert(shroud_list(0) == -1 && errno == ENODEV);
	assert(shroud_stats(&st) == -1 && errno == ENODEV);
	assert(shroud_events(ev, 4, 0) == -1 && errno == ENODEV);
	assert(shroud_events(ev, 257, 0) == -1 && errno == EINVAL);
	errno = 0;
	assert(shroud_alloc(4096, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER) ==
	       NULL && errno == ENODEV);
	assert(shroud_alloc(0, 3, 1) == NULL && errno == EINVAL);
	assert(shroud_alloc((size_t)1 << 40, 3, 1 | SHROUD_ALLOC_FALLBACK) ==
	       NULL && errno == E2BIG);
}

static void test_fallback(void)
{
	static char *p[N];
	int i;
	size_t j;

	for (i = 0; i < N; i++) {	/* > one page of table entries */
		size_t len = 1 + (size_t)i * 1000;

		p[i] = shroud_alloc(len, SHROUD_SENS_SECRET,
				    SHROUD_POLICY_OWNER | SHROUD_ALLOC_FALLBACK);
		assert(p[i] && ((uintptr_t)p[i] & 4095) == 0);
		assert(shroud_alloc_size(p[i]) == ((len + 4095) & ~4095ul));
		assert(shroud_alloc_id(p[i]) == 0);
		for (j = 0; j < len; j++)
			assert(p[i][j] == 0);
		memset(p[i], 0x5a, len);
	}
	assert(shroud_release(p[3]) == 0);
	assert(shroud_reprotect(p[3]) == 0);	/* FALLBACK: ENODEV is fine */
	for (i = 0; i < N; i += 2)
		assert(shroud_free(p[i]) == 0);
	for (i = 1; i < N; i += 2)
		assert(p[i][0] == 0x5a && shroud_free(p[i]) == 0);
	errno = 0;
	assert(shroud_free(p[0]) == -1 && errno == EINVAL);	/* twice */
	assert(shroud_free((char *)&i) == -1 && errno == EINVAL);
	assert(shroud_free(NULL) == 0);
	assert(shroud_alloc_id(&i) == -1 && shroud_alloc_size(&i) == 0);
	assert(shroud_release(&i) == -1 && shroud_reprotect(&i) == -1);
}

static void test_disable_and_names(void)
{
	char *p;

	/* SHROUD_DISABLE is read once, at the first PROTECT: this test runs
	 * after the others, in a child with it set. */
	assert(!strcmp(shroud_sens_name(SHROUD_SENS_SECRET), "SECRET"));
	assert(!strcmp(shroud_policy_name(SHROUD_POLICY_OWNER_USER),
		       "OWNER_USER"));
	assert(!strcmp(shroud_tier_name(SHROUD_TIER_ISOLATED), "ISOLATED"));
	assert(!strcmp(shroud_event_name(SHROUD_EV_TAMPER), "TAMPER"));
	assert(!strcmp(shroud_sens_name(9), "?"));
	assert(strstr(shroud_strerror(EBUSY), "overlaps"));
	assert(strstr(shroud_strerror(ENODEV), "Shroud"));
	if (getenv("SHROUD_DISABLE")) {
		p = shroud_alloc(8192, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
		assert(p && shroud_alloc_id(p) == 0);
		assert(shroud_protect(p, 4096, 3, 1) == 0);
		assert(shroud_free(p) == 0);
	}
}

int main(void)
{
	if (!getenv("SHROUD_DISABLE")) {
		test_enodev();
		test_fallback();
	}
	test_disable_and_names();
	printf("test_libshroud: ok%s\n",
	       getenv("SHROUD_DISABLE") ? " (SHROUD_DISABLE)" : "");
	return 0;
}
