/*
 * test/unit/test_gpt_walk.c - guest page-table walker over a fake guest
 * RAM: 4-level and 5-level paging, 4 KiB / 2 MiB / 1 GiB pages, access
 * bits, refusals (not present, reserved bits, non-canonical, reads the
 * hypervisor refuses), and reads across page boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mm/gpt_walk.h"

#define RAM_SIZE	(8u << 20)	/* fake guest RAM: GPA [0, 8 MiB) */
#define P	1ull
#define RW	2ull
#define US	4ull
#define PS	0x80ull
#define NX	(1ull << 63)

static uint8_t ram[RAM_SIZE];
static uint64_t refused_gpa = ~0ull;	/* one frame the "hypervisor" refuses */
static uint64_t next_table;

static int fake_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -14;
	if ((gpa & ~0xfffull) == refused_gpa)
		return -14;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static uint64_t new_table(void)
{
	uint64_t t = next_table;

	next_table += 0x1000;
	memset(ram + t, 0, 0x1000);
	return t;
}

static void set_entry(uint64_t table, unsigned idx, uint64_t e)
{
	memcpy(ram + table + idx * 8, &e, 8);
}

static unsigned idx(uint64_t gva, unsigned level)
{
	return (unsigned)((gva >> (12 + 9 * (level - 1))) & 0x1ff);
}

/* Map @gva at @leaf_level with @leaf (address | flags), tables RW|US. */
static void map(uint64_t root, unsigned levels, uint64_t gva,
		unsigned leaf_level, uint64_t leaf)
{
	uint64_t t = root, e;
	unsigned l;

	for (l = levels; l > leaf_level; l--) {
		memcpy(&e, ram + t + idx(gva, l) * 8, 8);
		if (!(e & P)) {
			e = new_table() | P | RW | US;
			set_entry(t, idx(gva, l), e);
		}
		t = e & 0x000ffffffffff000ull;
	}
	set_entry(t, idx(gva, leaf_level), leaf);
}

static struct gpt_walk walker(uint64_t cr3, int la57)
{
	struct gpt_walk w = { 1ull << 31, cr3, (1ull << 5) | (la57 ? 1ull << 12 : 0),
			      (1ull << 10) | (1ull << 11), fake_read, NULL };

	return w;
}

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	next_table = 0x100000;
	refused_gpa = ~0ull;
	return 0;
}

static void test_paging_off_and_legacy(void **state)
{
	struct gpt_walk w = walker(0, 0);
	struct gpt_result r;

	(void)state;
	w.cr0 = 0;
	assert_int_equal(gpt_translate(&w, 0x1234, &r), 0);
	assert_int_equal(r.gpa, 0x1234);
	w.cr0 = 1ull << 31;
	w.efer = 0;			/* 32-bit paging: refused, not guessed */
	assert_int_equal(gpt_translate(&w, 0x1234, &r), GPT_ENOTSUP);
}

static void test_4level_page_sizes(void **state)
{
	uint64_t root = new_table();
	struct gpt_walk w = walker(root, 0);
	struct gpt_result r;

	(void)state;
	map(root, 4, 0x00007fffdead1000ull, 1, 0x5000 | P | RW | US);
	map(root, 4, 0xffff888000200000ull, 2, 0x600000 | P | RW | PS | NX);
	map(root, 4, 0xffffffffc0000000ull, 3, 0x40000000ull | P | PS);
	assert_int_equal(gpt_translate(&w, 0x00007fffdead1abcull, &r), 0);
	assert_int_equal(r.gpa, 0x5abc);
	assert_int_equal(r.page_size, 0x1000);
	assert_true(r.user && r.writable && !r.nx);
	assert_int_equal(gpt_translate(&w, 0xffff888000212345ull, &r), 0);
	assert_int_equal(r.gpa, 0x612345);
	assert_int_equal(r.page_size, 2u << 20);
	assert_true(r.nx && !r.user);
	assert_int_equal(gpt_translate(&w, 0xffffffffc1234567ull, &r), 0);
	assert_int_equal(r.gpa, 0x41234567ull);
	assert_int_equal(r.page_size, 1u << 30);
	assert_false(r.writable);
}

/* The kernel lock's walk: kernel half only, executable leaves only (an NX
 * leaf or an NX table above it is skipped), GVAs sign-extended; the user
 * walk still sees only user leaves. */
struct leaves {
	uint64_t gva[8], gpa[8], size[8];
	unsigned n;
};

static int collect(void *ctx, uint64_t gva, uint64_t gpa, uint64_t size)
{
	struct leaves *l = ctx;

	if (l->n < 8) {
		l->gva[l->n] = gva;
		l->gpa[l->n] = gpa;
		l->size[l->n] = size;
	}
	l->n++;
	return 0;
}

static void test_kernel_exec_leaves(void **state)
{
	uint64_t root = new_table(), nxtab;
	struct gpt_walk w = walker(root, 0);
	struct leaves k = { .n = 0 }, u = { .n = 0 };

	(void)state;
	map(root, 4, 0x00007fff00001000ull, 1, 0x5000 | P | RW | US);
	map(root, 4, 0xffffffff81000000ull, 2, 0x200000 | P | PS);	/* text */
	map(root, 4, 0xffff888000200000ull, 2, 0x400000 | P | RW | PS | NX);
	map(root, 4, 0xffffffffc0002000ull, 1, 0x7000 | P);	/* module */
	/* A table marked NX: nothing under it executes. */
	nxtab = new_table();
	set_entry(root, idx(0xffffc90000000000ull, 4), nxtab | P | RW | NX);
	map(root, 4, 0xffffc90000000000ull, 1, 0x9000 | P);
	assert_int_equal(gpt_for_each_kernel_exec_leaf(&w, collect, &k, 64), 0);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.gva[0], 0xffffffff81000000ull);
	assert_int_equal(k.gpa[0], 0x200000);
	assert_int_equal(k.size[0], 2u << 20);
	assert_int_equal(k.gva[1], 0xffffffffc0002000ull);
	assert_int_equal(k.gpa[1], 0x7000);
	assert_int_equal(gpt_for_each_user_leaf(&w, collect, &u, 64), 0);
	assert_int_equal(u.n, 1);
	assert_int_equal(u.gva[0], 0x00007fff00001000ull);
}

static void test_5level(void **state)
{
	uint64_t root = new_table();
	struct gpt_walk w = walker(root, 1);
	struct gpt_result r;

	(void)state;
	map(root, 5, 0x00ff123456789000ull, 1, 0x7000 | P | RW);
	assert_int_equal(gpt_translate(&w, 0x00ff123456789010ull, &r), 0);
	assert_int_equal(r.gpa, 0x7010);
	/* The same GVA is not canonical with 4 levels. */
	w.cr4 &= ~(1ull << 12);
	assert_int_equal(gpt_translate(&w, 0x00ff123456789010ull, &r), GPT_EINVAL);
}

static void test_refusals(void **state)
{
	uint64_t root = new_table();
	struct gpt_walk w = walker(root, 0);
	struct gpt_result r;

	(void)state;
	map(root, 4, 0x400000, 1, 0x5000 | P);
	assert_int_equal(gpt_translate(&w, 0x401000, &r), GPT_EFAULT);
	assert_int_equal(gpt_translate(&w, 0x0000800000000000ull, &r), GPT_EINVAL);
	/* 2 MiB leaf with reserved address bits set. */
	map(root, 4, 0x40000000, 2, 0x602000 | P | PS);
	assert_int_equal(gpt_translate(&w, 0x40000000, &r), GPT_EFAULT);
	/* PS in a PML4E is reserved. */
	set_entry(root, 3, 0x200000 | P | PS);
	assert_int_equal(gpt_translate(&w, 3ull << 39, &r), GPT_EFAULT);
	/* A table in memory the hypervisor refuses to read (its own frames). */
	refused_gpa = root;
	assert_int_equal(gpt_translate(&w, 0x400000, &r), GPT_EFAULT);
	/* CR3 outside guest RAM. */
	refused_gpa = ~0ull;
	w.cr3 = 0x7ffff000000ull;
	assert_int_equal(gpt_translate(&w, 0x400000, &r), GPT_EFAULT);
}

static void test_read_across_pages(void **state)
{
	uint64_t root = new_table();
	struct gpt_walk w = walker(root, 0);
	uint8_t buf[8];

	(void)state;
	/* Two adjacent GVA pages backed by non-adjacent GPA frames. */
	map(root, 4, 0x10000, 1, 0x9000 | P);
	map(root, 4, 0x11000, 1, 0x3000 | P);
	memcpy(ram + 0x9ffc, "ABCD", 4);
	memcpy(ram + 0x3000, "EFGH", 4);
	assert_int_equal(gpt_read(&w, 0x10ffc, buf, 8), 0);
	assert_memory_equal(buf, "ABCDEFGH", 8);
	assert_int_equal(gpt_read(&w, 0x11ffc, buf, 8), GPT_EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paging_off_and_legacy, setup),
		cmocka_unit_test_setup(test_4level_page_sizes, setup),
		cmocka_unit_test_setup(test_5level, setup),
		cmocka_unit_test_setup(test_kernel_exec_leaves, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_read_across_pages, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
