/*
 * test/unit/test_config.c - shroud.cfg parser: defaults, every key, and
 * every error path names the right line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/boot/config.h"

static int parse(const char *text, struct shroud_cfg *c, struct cfg_error *e)
{
	return cfg_parse(text, strlen(text), c, e);
}

static void test_minimal_defaults(void **state)
{
	struct shroud_cfg c;
	struct cfg_error e;

	(void)state;
	assert_int_equal(parse("kernel = \\EFI\\shroud\\vmlinuz\n", &c, &e), 0);
	assert_string_equal(c.kernel, "\\EFI\\shroud\\vmlinuz");
	assert_string_equal(c.initrd, "");
	assert_string_equal(c.cmdline, "");
	assert_int_equal(c.log_level, 2);
	assert_int_equal(c.hv_memory_mb, 32);
	assert_int_equal(c.log_port, 0x2f8);
	assert_int_equal(c.virtualize, 1);
	assert_int_equal(c.expose_hv_memory, 0);
	assert_int_equal(c.hardened, 0);
	assert_int_equal(c.shootdown, 1);
	assert_int_equal(c.self_check, 0);
}

static void test_all_keys_crlf_bom_comments(void **state)
{
	const char *t = "\xef\xbb\xbf# Shroud\r\n\r\n"
			"  kernel=\\k \r\n"
			"initrd =  \\EFI\\i.img\r\n"
			"cmdline = console=ttyS0 quiet a=b\r\n"
			"log_level = debug\n"
			"hv_memory_mb = 0x40\n"
			"log_port = 0x3e8\n"
			"virtualize = no\n"
			"hardened = yes\n"
			"shootdown = no\n"
			"self_check = yes\n"
			"expose_hv_memory = yes";
	struct shroud_cfg c;
	struct cfg_error e;

	(void)state;
	assert_int_equal(parse(t, &c, &e), 0);
	assert_string_equal(c.kernel, "\\k");
	assert_string_equal(c.initrd, "\\EFI\\i.img");
	assert_string_equal(c.cmdline, "console=ttyS0 quiet a=b");
	assert_int_equal(c.log_level, 3);
	assert_int_equal(c.hv_memory_mb, 64);
	assert_int_equal(c.log_port, 0x3e8);
	assert_int_equal(c.virtualize, 0);
	assert_int_equal(c.expose_hv_memory, 1);
	assert_int_equal(c.hardened, 1);
	assert_int_equal(c.shootdown, 0);
	assert_int_equal(c.self_check, 1);
}

struct bad_case {
	const char *text;
	unsigned line;
	const char *key;
};

static void test_errors_name_line_and_key(void **state)
{
	static const struct bad_case cases[] = {
		{ "", 0, "kernel" },
		{ "# only a comment\n", 0, "kernel" },
		{ "kernel = \\k\nbogus = 1\n", 2, "bogus" },
		{ "kernel = \\k\nkernel = \\k\n", 2, "kernel" },
		{ "kernel = \\k\n\njust text\n", 3, "" },
		{ "kernel = relative/path\n", 1, "kernel" },
		{ "kernel = \\k\nlog_level = loud\n", 2, "log_level" },
		{ "kernel = \\k\nhv_memory_mb = 7\n", 2, "hv_memory_mb" },
		{ "kernel = \\k\nhv_memory_mb = 33\n", 2, "hv_memory_mb" },
		{ "kernel = \\k\nhv_memory_mb = 2048\n", 2, "hv_memory_mb" },
		{ "kernel = \\k\nhv_memory_mb = 12x\n", 2, "hv_memory_mb" },
		{ "kernel = \\k\nhv_memory_mb = 99999999999\n", 2, "hv_memory_mb" },
		{ "kernel = \\k\nlog_port = 0x3f8\n", 2, "log_port" },
		{ "kernel = \\k\nlog_port = 0x2f9\n", 2, "log_port" },
		{ "kernel = \\k\nlog_port = 0\n", 2, "log_port" },
		{ "kernel = \\k\nvirtualize = maybe\n", 2, "virtualize" },
		{ "kernel = \\k\nhardened = sometimes\n", 2, "hardened" },
		{ "kernel = \\k\nshootdown = maybe\n", 2, "shootdown" },
		{ "kernel = \\k\nexpose_hv_memory =\n", 2, "expose_hv_memory" },
		{ "kernel = \\k\ncmdline = a\tb\n", 2, "cmdline" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct shroud_cfg c;
		struct cfg_error e;

		assert_int_equal(parse(cases[i].text, &c, &e), CFG_EINVAL);
		assert_int_equal(e.line, cases[i].line);
		assert_non_null(e.msg);
		assert_string_equal(e.key, cases[i].key);
	}
}

static void test_nul_and_length_limits(void **state)
{
	static char big[CFG_CMDLINE_MAX + 64];
	const char nul[] = "kernel = \\k\nx\0y = 1\n";
	struct shroud_cfg c;
	struct cfg_error e;
	size_t n;

	(void)state;
	assert_int_equal(cfg_parse(nul, sizeof(nul) - 1, &c, &e), CFG_EINVAL);
	assert_int_equal(e.line, 2);
	n = (size_t)snprintf(big, sizeof(big), "kernel = \\k\ncmdline = ");
	memset(big + n, 'a', CFG_CMDLINE_MAX);
	big[n + CFG_CMDLINE_MAX] = 0;
	assert_int_equal(parse(big, &c, &e), CFG_EINVAL);
	assert_int_equal(e.line, 2);
	/* The longest accepted command line still fits with its NUL. */
	big[n + CFG_CMDLINE_MAX - 1] = 0;
	assert_int_equal(parse(big, &c, &e), 0);
	assert_int_equal(strlen(c.cmdline), CFG_CMDLINE_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_all_keys_crlf_bom_comments),
		cmocka_unit_test(test_errors_name_line_and_key),
		cmocka_unit_test(test_nul_and_length_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
