/*
 * test/unit/test_lib.c - the core's vsnprintf and memory primitives
 * (core/lib.c), built under hv_* names so they do not replace the host C
 * library's (see mk/hv.mk).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/lib.h"

static const char *volatile null_str;	/* NULL, hidden from -Wformat */

static void test_formats(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(snprintf(b, sizeof(b), "%d %i %u", -42, 7, 3000000000u), 16);
	assert_string_equal(b, "-42 7 3000000000");
	snprintf(b, sizeof(b), "%x %X %llx %lx", 0xbeefu, 0xbeefu,
		 0x1122334455667788ull, 0xfffful);
	assert_string_equal(b, "beef BEEF 1122334455667788 ffff");
	snprintf(b, sizeof(b), "[%5d][%-5d][%05d][%04x]", 42, 42, -42, 0xa);
	assert_string_equal(b, "[   42][42   ][-0042][000a]");
	snprintf(b, sizeof(b), "%s|%c|%%|%s", "ab", 'z', null_str);
	assert_string_equal(b, "ab|z|%|(null)");
	snprintf(b, sizeof(b), "%p", (void *)0x1000);
	assert_string_equal(b, "0x0000000000001000");
	snprintf(b, sizeof(b), "%lld %zu", -9223372036854775807ll - 1, (size_t)5);
	assert_string_equal(b, "-9223372036854775808 5");
}

static void test_truncation(void **state)
{
	char b[8];

	(void)state;
	memset(b, 'x', sizeof(b));
	assert_int_equal(snprintf(b, sizeof(b), "%s", "0123456789"), 10);
	assert_string_equal(b, "0123456");
	assert_int_equal(snprintf(b, 0, "abc"), 3);
	assert_int_equal(b[0], '0');
}

static void test_memory(void **state)
{
	char b[16] = "abcdefgh";

	(void)state;
	memmove(b + 2, b, 6);
	assert_memory_equal(b, "ababcdef", 8);
	memmove(b, b + 2, 6);
	assert_memory_equal(b, "abcdefef", 8);
	memset(b, 0, sizeof(b));
	memcpy(b, "xyz", 3);
	assert_int_equal(strlen(b), 3);
	assert_true(memcmp("abc", "abd", 3) < 0);
	assert_true(memcmp("abd", "abc", 3) > 0);
	assert_int_equal(memcmp("abc", "abc", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
