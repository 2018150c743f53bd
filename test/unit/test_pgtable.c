/*
 * test/unit/test_pgtable.c - the page-table builder over a fake physical
 * memory: largest leaves, splitting with attributes kept, NPT-style table
 * flags, W^X of a host-style layout, alignment and out-of-memory errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mm/pgtable.h"

#define ARENA_FRAMES	64
#define ARENA_BASE	0x40000000ull	/* fake HPA of frame 0 */

struct arena {
	uint64_t frames[ARENA_FRAMES][512];
	unsigned used, limit;
};

static uint64_t arena_alloc(void *ctx)
{
	struct arena *a = ctx;

	if (a->used >= a->limit)
		return 0;
	memset(a->frames[a->used], 0, 4096);
	return ARENA_BASE + 4096ull * a->used++;
}

static void *arena_ptr(void *ctx, uint64_t hpa)
{
	struct arena *a = ctx;
	uint64_t i = (hpa - ARENA_BASE) / 4096;

	assert_true(hpa >= ARENA_BASE && i < a->used);
	return a->frames[i];
}

static struct arena arena;

static struct pgt new_pgt(unsigned max_leaf, uint64_t table_flags)
{
	struct pgt p = { 0, table_flags, max_leaf, arena_alloc, arena_ptr,
			 &arena, 0 };

	arena.used = 0;
	arena.limit = ARENA_FRAMES;
	p.root = arena_alloc(&arena);
	return p;
}

static void test_identity_large_leaves(void **state)
{
	struct pgt p = new_pgt(3, PTE_P | PTE_RW);
	unsigned level;
	uint64_t e;

	(void)state;
	assert_int_equal(pgt_map(&p, 0, 0, 4ull << 30, PTE_P | PTE_RW | PTE_NX), 0);
	assert_int_equal(arena.used, 2);	/* PML4 + one PDPT */
	e = pgt_lookup(&p, 0xdeadb000, &level);
	assert_int_equal(level, 3);
	assert_true(e & PTE_PS);
	assert_true(e & PTE_NX);
	assert_int_equal(e & PTE_ADDR_MASK, 0xc0000000ull);
	assert_int_equal(pgt_lookup(&p, 4ull << 30, &level), 0);
	assert_int_equal(level, 0);
}

static void test_2m_only_and_unaligned_tail(void **state)
{
	struct pgt p = new_pgt(2, PTE_P | PTE_RW);
	unsigned level;

	(void)state;
	/* 2 MiB + 8 KiB starting 4 KiB past a 2 MiB boundary. */
	assert_int_equal(pgt_map(&p, 0x201000, 0x201000, 0x202000, PTE_P), 0);
	assert_int_not_equal(pgt_lookup(&p, 0x201000, &level), 0);
	assert_int_equal(level, 1);
	assert_int_not_equal(pgt_lookup(&p, 0x402000, &level), 0);
	assert_int_equal(level, 1);
	assert_int_equal(pgt_lookup(&p, 0x403000, &level), 0);
	assert_int_equal(pgt_lookup(&p, 0x200000, &level), 0);
}

static void test_split_keeps_neighbours(void **state)
{
	struct pgt p = new_pgt(3, PTE_P | PTE_RW | PTE_US);
	uint64_t flags = PTE_P | PTE_RW | PTE_US, e;
	unsigned level;

	(void)state;
	assert_int_equal(pgt_map(&p, 0, 0, 1ull << 30, flags), 0);
	/* Remap one 4 KiB page elsewhere, read-only: 1G -> 2M -> 4K split. */
	assert_int_equal(pgt_map(&p, 0x12345000, 0x77777000, 0x1000, PTE_P | PTE_US), 0);
	e = pgt_lookup(&p, 0x12345000, &level);
	assert_int_equal(level, 1);
	assert_int_equal(e & PTE_ADDR_MASK, 0x77777000);
	assert_false(e & PTE_RW);
	e = pgt_lookup(&p, 0x12344000, &level);	/* neighbour 4 KiB */
	assert_int_equal(level, 1);
	assert_int_equal(e & PTE_ADDR_MASK, 0x12344000);
	assert_true((e & flags) == flags);
	assert_false(e & PTE_PS);		/* bit 7 is PAT in a 4 KiB leaf */
	e = pgt_lookup(&p, 0x12600000, &level);	/* neighbour 2 MiB */
	assert_int_equal(level, 2);
	assert_int_equal(e & PTE_ADDR_MASK, 0x12600000);
	e = pgt_lookup(&p, 0x3fe00000, &level);
	assert_int_equal(level, 2);
	assert_int_equal(e & PTE_ADDR_MASK, 0x3fe00000);
}

/* Every non-leaf entry carries the table flags (NPT needs U/S everywhere). */
static void check_table_flags(uint64_t table, unsigned level, uint64_t want)
{
	const uint64_t *t = arena_ptr(&arena, table);
	unsigned i;

	for (i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P) || level == 1 || (t[i] & PTE_PS))
			continue;
		assert_true((t[i] & want) == want);
		check_table_flags(t[i] & PTE_ADDR_MASK, level - 1, want);
	}
}

static void test_table_flags_everywhere(void **state)
{
	struct pgt p = new_pgt(3, PTE_P | PTE_RW | PTE_US);

	(void)state;
	assert_int_equal(pgt_map(&p, 0, 0, 2ull << 30, PTE_P | PTE_RW | PTE_US), 0);
	assert_int_equal(pgt_set_entry(&p, 0x1000000, 2, 0), 0);
	assert_int_equal(pgt_map(&p, 0xffffffff80000000ull, 0x1000, 0x3000, PTE_P), 0);
	check_table_flags(p.root, 4, PTE_P | PTE_RW | PTE_US);
}

static void test_host_layout_is_wx_free(void **state)
{
	struct pgt p = new_pgt(3, PTE_P | PTE_RW);
	const uint64_t core = 0xffffffff80000000ull;

	(void)state;
	assert_int_equal(pgt_map(&p, 0, 0, 4ull << 30, PTE_P | PTE_RW | PTE_NX), 0);
	assert_int_equal(pgt_map(&p, core, 0x1be00000, 0x4000, PTE_P), 0);
	assert_int_equal(pgt_map(&p, core + 0x4000, 0x1be04000, 0x1000, PTE_P | PTE_NX), 0);
	assert_int_equal(pgt_map(&p, core + 0x5000, 0x1be05000, 0x8000,
				 PTE_P | PTE_RW | PTE_NX), 0);
	assert_int_equal(pgt_count_wx(&p), 0);
	/* The control: one RW+X page is found. */
	assert_int_equal(pgt_map(&p, 0x5000, 0x5000, 0x1000, PTE_P | PTE_RW), 0);
	assert_int_equal(pgt_count_wx(&p), 1);
}

/* pgt_walk_slots returns the entries the walk reads: down to a 4 KiB
 * leaf (4), to a 2 MiB leaf (3), and to the first one not present. */
static void test_walk_slots(void **state)
{
	struct pgt p = new_pgt(2, PTE_P | PTE_RW);
	volatile uint64_t *s[PGT_LEVELS];

	(void)state;
	assert_int_equal(pgt_map(&p, 0, 0, 4u << 20, PTE_P | PTE_RW), 0);
	assert_int_equal(pgt_set_entry(&p, 0x3000, 1, 0x3000 | PTE_P), 0);
	assert_int_equal(pgt_walk_slots(&p, 0x3123, s), 4);
	assert_int_equal(*s[3], 0x3000 | PTE_P);
	assert_int_equal(pgt_walk_slots(&p, 0x200000, s), 3);
	assert_true(*s[2] & PTE_PS);
	assert_int_equal((*s[2] & PTE_ADDR_MASK), 0x200000);
	assert_int_equal(pgt_walk_slots(&p, 1ull << 39, s), 1);
	assert_int_equal(*s[0], 0);
}

static void test_errors(void **state)
{
	struct pgt p = new_pgt(3, PTE_P | PTE_RW);

	(void)state;
	assert_int_equal(pgt_map(&p, 0x1001, 0, 0x1000, PTE_P), PGT_EINVAL);
	assert_int_equal(pgt_map(&p, 0, 0x10, 0x1000, PTE_P), PGT_EINVAL);
	assert_int_equal(pgt_map(&p, 0, 0, 0x800, PTE_P), PGT_EINVAL);
	assert_int_equal(pgt_set_entry(&p, 0, 4, 0), PGT_EINVAL);
	assert_int_equal(pgt_set_entry(&p, 0, 0, 0), PGT_EINVAL);
	arena.limit = arena.used + 2;	/* PDPT + PD, no PT */
	assert_int_equal(pgt_map(&p, 0x1000, 0x1000, 0x1000, PTE_P), PGT_ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_large_leaves),
		cmocka_unit_test(test_2m_only_and_unaligned_tail),
		cmocka_unit_test(test_split_keeps_neighbours),
		cmocka_unit_test(test_table_flags_everywhere),
		cmocka_unit_test(test_host_layout_is_wx_free),
		cmocka_unit_test(test_walk_slots),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
