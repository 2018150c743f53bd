/*
 * test/unit/test_gpmap.c - the guest-physical map (mm/gpmap.c) over a fake
 * memory (an arena of table frames), with two formats: an NPT-like one
 * written here (long-mode entries, present bit P, A/D at bits 5/6) and the
 * real EPT format of the VT-x backend (arch/x86/vmx/ept.c: no P bit,
 * present = R|W|X in bits 2:0, memory type in bits 5:3, large page bit 7,
 * A/D at bits 8/9), WB everywhere until MTRRs are given.  Every generic
 * test runs for both: the map itself knows no format.  The EPT tests at
 * the end give it the MTRRs of a QEMU/OVMF guest and check the memory
 * types and that the map uses smaller leaves where the type changes.
 */
#include "harness.h"

#include "mm/gpmap.h"
#include "arch/x86/mtrr.h"
#include "arch/x86/vmx/ept.h"
#include "fake_guest.h"	/* fg_npt_leaf: the NPT-like leaf */

#define ARENA_FRAMES	64u
#define ARENA_BASE	0x10000000000ull	/* fake HPA of frame 0 (1 TiB) */
#define SZ_2M		(2ull << 20)
#define SZ_1G		(1ull << 30)

struct arena {
	uint64_t frames[ARENA_FRAMES][512];
	unsigned used, limit;
};

static struct arena arena;
static unsigned flushes;

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

	assert_true(hpa >= ARENA_BASE && i < a->used && !(hpa & 0xfff));
	return a->frames[i];
}

static int in_arena(uint64_t hpa)
{
	return hpa >= ARENA_BASE && hpa < ARENA_BASE + 4096ull * ARENA_FRAMES;
}

static void count_flush(void *ctx)
{
	(void)ctx;
	flushes++;
}

/* ---- the two formats ------------------------------------------------- */

#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
#define EPT_MT(e)	(((e) >> EPT_MT_SHIFT) & 7u)
#define EPT_MT_WB	((uint64_t)MTRR_WB << EPT_MT_SHIFT)

struct fmt_case {
	struct gpmap_format f;
	unsigned (*rights)(uint64_t leaf);	/* GPM_* of a present leaf */
	uint64_t fixed;		/* bits every leaf has */
};

static unsigned npt_rights(uint64_t e)
{
	return GPM_R | ((e & PTE_RW) ? GPM_W : 0) | ((e & PTE_NX) ? 0 : GPM_X);
}

static unsigned ept_rights(uint64_t e)
{
	return (unsigned)(e & EPT_RWX);
}

static const struct fmt_case npt = {
	{ "NPT-like", PTE_P | PTE_RW | PTE_US, PTE_P, PTE_A, PTE_D, fg_npt_leaf, NULL },
	npt_rights, PTE_P | PTE_US,
};
static struct fmt_case ept;	/* vmx_ept_format: set up in main() */
static const struct fmt_case npt_no_ad = {
	{ "NPT without A/D", PTE_P | PTE_RW | PTE_US, PTE_P, 0, 0, fg_npt_leaf, NULL },
	npt_rights, PTE_P | PTE_US,
};

static const struct fmt_case *fc(void **state)
{
	return *state;
}

static void build(struct gpmap *m, const struct fmt_case *c, uint64_t top,
		  unsigned max_level)
{
	arena.used = 0;
	arena.limit = ARENA_FRAMES;
	flushes = 0;
	assert_int_equal(gpmap_build(m, &c->f, top, max_level, arena_alloc,
				     arena_ptr, &arena), 0);
	gpmap_set_flush(m, count_flush, NULL);
}

/* The leaf for @gpa maps @hpa (of that 4 KiB) at @level with @rights. */
static void expect(const struct gpmap *m, const struct fmt_case *c,
		   uint64_t gpa, uint64_t hpa, unsigned level, unsigned rights)
{
	unsigned l = 99;
	uint64_t e = gpmap_lookup(m, mk_gpa(gpa), &l);
	uint64_t sz = pgt_level_size(level);

	if (!e || l != level)
		fail_msg("%s: gpa 0x%llx: leaf 0x%llx at level %u, want level %u",
			 c->f.name, (unsigned long long)gpa,
			 (unsigned long long)e, l, level);
	assert_int_equal((e & PTE_ADDR_MASK & ~(sz - 1)) + (gpa & (sz - 1) & ~0xfffull),
			 hpa & ~0xfffull);
	assert_int_equal(c->rights(e), rights);
	assert_int_equal(e & c->fixed, c->fixed);
	assert_int_equal(!!(e & PTE_PS), level > 1);	/* bit 7 in both */
}

static void expect_identity(const struct gpmap *m, const struct fmt_case *c,
			    uint64_t gpa, unsigned level)
{
	expect(m, c, gpa, gpa, level, GPM_RWX);
}

static void expect_none(const struct gpmap *m, uint64_t gpa)
{
	unsigned l = 99;

	assert_int_equal(gpmap_lookup(m, mk_gpa(gpa), &l), 0);
	assert_int_equal(l, 0);
}

/* The leaf's slot, walked by hand (the test sets A/D bits in it). */
static uint64_t *leaf_slot(const struct gpmap *m, uint64_t gpa)
{
	uint64_t *t = arena_ptr(&arena, m->pgt.root);
	unsigned l;

	for (l = 4; l >= 1; l--) {
		uint64_t *slot = &t[(gpa >> (12 + 9 * (l - 1))) & 0x1ff];

		assert_true(*slot & m->fmt->present_mask);
		if (l == 1 || (*slot & PTE_PS))
			return slot;
		t = arena_ptr(&arena, *slot & PTE_ADDR_MASK);
	}
	return NULL;
}

/* ---- tests ----------------------------------------------------------- */

static void test_build_identity(void **state)
{
	const struct fmt_case *c = fc(state);
	const uint64_t top = 2 * SZ_1G + 2 * SZ_2M;
	struct gpmap m;

	build(&m, c, top, 3);
	assert_int_equal(arena.used, 3);	/* root, one PDPT, one PD */
	assert_int_equal(flushes, 0);
	expect_identity(&m, c, 0, 3);
	expect_identity(&m, c, 0x12345678, 3);
	expect_identity(&m, c, SZ_1G + 0xabc000, 3);
	expect_identity(&m, c, 2 * SZ_1G, 2);
	expect_identity(&m, c, 2 * SZ_1G + SZ_2M + 0x1fffff, 2);
	expect_none(&m, top);
	expect_none(&m, 1ull << 40);
	/* 2 MiB leaves only. */
	build(&m, c, 8 * SZ_2M, 2);
	assert_int_equal(arena.used, 3);
	expect_identity(&m, c, 0, 2);
	expect_identity(&m, c, 0xf54321, 2);
	expect_identity(&m, c, 7 * SZ_2M, 2);
	expect_none(&m, 8 * SZ_2M);
	assert_int_equal(m.top, 8 * SZ_2M);
	assert_ptr_equal(m.fmt, &c->f);
}

static void test_build_errors(void **state)
{
	const struct fmt_case *c = fc(state);
	struct gpmap_format noleaf = c->f;
	struct gpmap m;

	arena.used = 0;
	arena.limit = ARENA_FRAMES;
	noleaf.leaf = NULL;
	assert_int_equal(gpmap_build(&m, &c->f, SZ_2M + 0x1000, 2, arena_alloc,
				     arena_ptr, &arena), -ENG_EINVAL);
	assert_int_equal(gpmap_build(&m, &c->f, SZ_2M, 1, arena_alloc,
				     arena_ptr, &arena), -ENG_EINVAL);
	assert_int_equal(gpmap_build(&m, &c->f, SZ_2M, 4, arena_alloc,
				     arena_ptr, &arena), -ENG_EINVAL);
	assert_int_equal(gpmap_build(&m, NULL, SZ_2M, 2, arena_alloc,
				     arena_ptr, &arena), -ENG_EINVAL);
	assert_int_equal(gpmap_build(&m, &noleaf, SZ_2M, 2, arena_alloc,
				     arena_ptr, &arena), -ENG_EINVAL);
	assert_int_equal(arena.used, 0);
	arena.limit = 0;
	assert_int_equal(gpmap_build(&m, &c->f, SZ_2M, 2, arena_alloc,
				     arena_ptr, &arena), -ENG_ENOMEM);
	arena.limit = 2;	/* root and PDPT, no PD */
	assert_int_equal(gpmap_build(&m, &c->f, SZ_2M, 2, arena_alloc,
				     arena_ptr, &arena), -ENG_ENOMEM);
}

static void test_hide(void **state)
{
	const struct fmt_case *c = fc(state);
	const uint64_t base = 2 * SZ_2M, size = 2 * SZ_2M;
	struct gpmap m;
	uint64_t gpa, scratch;
	const uint64_t *f;
	unsigned i;

	build(&m, c, 8 * SZ_2M, 2);
	assert_int_equal(gpmap_hide(&m, mk_gpa(base), size), 0);
	assert_true(flushes >= 1);
	scratch = m.scratch.v;
	assert_true(in_arena(scratch));
	assert_false(scratch >= base && scratch < base + size);
	f = arena_ptr(&arena, scratch);
	for (i = 0; i < 512; i++)
		assert_int_equal(f[i], 0);
	for (gpa = base; gpa < base + size; gpa += 0x1000)
		expect(&m, c, gpa, scratch, 1, GPM_R | GPM_W);
	expect_identity(&m, c, base - 0x1000, 2);
	expect_identity(&m, c, base + size, 2);
	expect_identity(&m, c, 0, 2);
	/* One hidden range per map; nothing inside it can be changed (its
	 * 2 MiB entries share one table of scratch leaves). */
	assert_int_equal(gpmap_hide(&m, mk_gpa(6 * SZ_2M), SZ_2M), -ENG_EINVAL);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(base + 0x5000),
				      mk_hpa(base + 0x5000), GPM_RWX), -ENG_EPERM);
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(base)), -ENG_EPERM);
	assert_int_equal(gpmap_split_2m(&m, mk_gpa(base)), -ENG_EPERM);
	expect(&m, c, base + 0x5000, scratch, 1, GPM_R | GPM_W);
	expect(&m, c, base + SZ_2M + 0x5000, scratch, 1, GPM_R | GPM_W);
	assert_int_equal(m.scratch.v, scratch);
}

static void test_map_4k_in_1g_leaf(void **state)
{
	const struct fmt_case *c = fc(state);
	const uint64_t g = 0x12345000;
	struct gpmap m;
	unsigned before;

	build(&m, c, 2 * SZ_1G, 3);
	assert_int_equal(arena.used, 2);	/* root, PDPT: two 1 GiB leaves */
	before = flushes;
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g), mk_hpa(g), GPM_R), 0);
	assert_true(flushes > before);
	assert_int_equal(arena.used, 4);	/* split 1G -> 2M -> 4K */
	before = flushes;
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g + 0x1000), mk_hpa(0x999000),
				      GPM_R | GPM_W), 0);
	assert_true(flushes > before);
	before = flushes;
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g + 0x2000), mk_hpa(g + 0x2000), 0), 0);
	assert_true(flushes > before);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g + 0x3000), mk_hpa(g + 0x3000),
				      GPM_R | GPM_X), 0);
	assert_int_equal(arena.used, 4);	/* no further split */
	expect(&m, c, g, g, 1, GPM_R);
	expect(&m, c, g + 0x1000, 0x999000, 1, GPM_R | GPM_W);
	expect_none(&m, g + 0x2000);
	expect(&m, c, g + 0x3000, g + 0x3000, 1, GPM_R | GPM_X);
	/* Neighbours keep the identity: same 2 MiB, same 1 GiB, the other 1 GiB. */
	expect_identity(&m, c, g - 0x1000, 1);
	expect_identity(&m, c, g + 0x4000, 1);
	expect_identity(&m, c, 0x12200000, 1);
	expect_identity(&m, c, 0x123ff000, 1);
	expect_identity(&m, c, 0x12400000, 2);
	expect_identity(&m, c, 0x12000000, 2);
	expect_identity(&m, c, 0, 2);
	expect_identity(&m, c, SZ_1G - 0x1000, 2);
	expect_identity(&m, c, SZ_1G, 3);
	/* Map again with all rights: identity RWX once more. */
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g + 0x2000), mk_hpa(g + 0x2000),
				      GPM_RWX), 0);
	expect_identity(&m, c, g + 0x2000, 1);
}

static void test_split_merge(void **state)
{
	const struct fmt_case *c = fc(state);
	struct gpmap m;
	uint64_t g;
	unsigned used, before;

	build(&m, c, 8 * SZ_2M, 2);
	assert_int_equal(gpmap_split_2m(&m, mk_gpa(SZ_2M + 0x1234)), 0);
	for (g = SZ_2M; g < 2 * SZ_2M; g += 0x1000)
		expect_identity(&m, c, g, 1);
	expect_identity(&m, c, 0, 2);
	expect_identity(&m, c, 2 * SZ_2M, 2);
	used = arena.used;
	assert_int_equal(gpmap_split_2m(&m, mk_gpa(SZ_2M)), 0);	/* already */
	assert_int_equal(arena.used, used);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(SZ_2M + 0x5000), mk_hpa(0x777000),
				      GPM_R), 0);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(SZ_2M + 0x6000), mk_hpa(0), 0), 0);
	before = flushes;
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(SZ_2M)), 0);
	assert_true(flushes > before);
	expect_identity(&m, c, SZ_2M, 2);
	expect_identity(&m, c, SZ_2M + 0x5000, 2);
	expect_identity(&m, c, SZ_2M + 0x6000, 2);
	/* Inside a 1 GiB leaf: only that 2 MiB becomes 4 KiB leaves. */
	build(&m, c, 2 * SZ_1G, 3);
	assert_int_equal(gpmap_split_2m(&m, mk_gpa(SZ_1G + SZ_2M)), 0);
	expect_identity(&m, c, SZ_1G + SZ_2M + 0x3000, 1);
	expect_identity(&m, c, SZ_1G, 2);
	expect_identity(&m, c, SZ_1G + 2 * SZ_2M, 2);
	expect_identity(&m, c, 0, 3);
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(SZ_1G + SZ_2M)), 0);
	expect_identity(&m, c, SZ_1G + SZ_2M + 0x3000, 2);
	/* A merge also takes a 1 GiB leaf apart into 2 MiB ones. */
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(0)), 0);
	expect_identity(&m, c, 0, 2);
	expect_identity(&m, c, SZ_2M, 2);
	/* Outside the map. */
	assert_int_equal(gpmap_split_2m(&m, mk_gpa(2 * SZ_1G)), -ENG_EINVAL);
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(2 * SZ_1G)), -ENG_EINVAL);
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(~0ull & ~(SZ_2M - 1))), -ENG_EINVAL);
}

static void test_clear_ad(void **state)
{
	const struct fmt_case *c = fc(state);
	const uint64_t g = 3 * SZ_2M + 0x42000;
	struct gpmap m;
	int a = -1, d = -1;
	uint64_t *slot, was;
	unsigned before;

	build(&m, c, 8 * SZ_2M, 2);
	/* A 2 MiB leaf, nothing set. */
	before = flushes;
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(g), &a, &d), 0);
	assert_int_equal(a, 0);
	assert_int_equal(d, 0);
	assert_true(flushes > before);
	slot = leaf_slot(&m, g);
	was = *slot;
	*slot |= c->f.accessed;
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(g), &a, &d), 0);
	assert_int_equal(a, 1);
	assert_int_equal(d, 0);
	assert_int_equal(*slot, was);
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(g), &a, &d), 0);
	assert_int_equal(a, 0);
	*slot |= c->f.accessed | c->f.dirty;
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(3 * SZ_2M), &a, &d), 0);
	assert_int_equal(a, 1);
	assert_int_equal(d, 1);
	assert_int_equal(*slot, was);	/* only A and D went */
	expect_identity(&m, c, g, 2);
	*slot |= c->f.dirty;
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(g), NULL, NULL), 0);
	assert_int_equal(*slot, was);
	/* A 4 KiB leaf after a split; its neighbour's bits stay. */
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g), mk_hpa(g), GPM_R | GPM_W), 0);
	slot = leaf_slot(&m, g);
	slot[1] |= c->f.accessed;
	*slot |= c->f.dirty;
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(g + 0xfff), &a, &d), 0);
	assert_int_equal(a, 0);
	assert_int_equal(d, 1);
	assert_true(slot[1] & c->f.accessed);
	expect(&m, c, g, g, 1, GPM_R | GPM_W);
	/* Nothing maps it. */
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g), mk_hpa(g), 0), 0);
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(g), &a, &d), -ENG_EINVAL);
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(8 * SZ_2M), &a, &d), -ENG_EINVAL);
}

static void test_clear_ad_unsupported(void **state)
{
	struct gpmap m;
	int a = 7, d = 7;
	unsigned before;

	(void)state;
	build(&m, &npt_no_ad, 4 * SZ_2M, 2);
	before = flushes;
	assert_int_equal(gpmap_test_clear_ad(&m, mk_gpa(0x1000), &a, &d),
			 -ENG_ENOTSUP);
	assert_int_equal(a, 7);
	assert_int_equal(d, 7);
	assert_int_equal(flushes, before);
	expect_identity(&m, &npt_no_ad, 0x1000, 2);
}

static void test_misaligned(void **state)
{
	const struct fmt_case *c = fc(state);
	struct gpmap m;
	unsigned used;

	build(&m, c, 8 * SZ_2M, 2);
	used = arena.used;
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(0x1001), mk_hpa(0x1000), GPM_R),
			 -ENG_EINVAL);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(0x200800), mk_hpa(0x1000), 0),
			 -ENG_EINVAL);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(8 * SZ_2M), mk_hpa(0x1000), GPM_R),
			 -ENG_EINVAL);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(~0xfffull), mk_hpa(0x1000), GPM_R),
			 -ENG_EINVAL);
	assert_int_equal(gpmap_hide(&m, mk_gpa(0x1000), SZ_2M), -ENG_EINVAL);
	assert_int_equal(gpmap_hide(&m, mk_gpa(SZ_2M), 0x1000), -ENG_EINVAL);
	assert_int_equal(gpmap_hide(&m, mk_gpa(SZ_2M + SZ_2M / 2), SZ_2M), -ENG_EINVAL);
	/* Nothing changed, nothing allocated. */
	assert_int_equal(arena.used, used);
	expect_identity(&m, c, 0x1000, 2);
	expect_identity(&m, c, 0x200800, 2);
	expect_identity(&m, c, SZ_2M, 2);
}

static void test_out_of_frames(void **state)
{
	const struct fmt_case *c = fc(state);
	const uint64_t g = 0x12345000, early = 2 * SZ_1G + 0x1000;
	struct gpmap m;

	build(&m, c, 2 * SZ_1G + SZ_2M, 3);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(early), mk_hpa(0x888000), GPM_R), 0);
	/* One frame left: the 1 GiB leaf splits, its 2 MiB leaf cannot. */
	arena.limit = arena.used + 1;
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g), mk_hpa(g), GPM_R), -ENG_ENOMEM);
	expect(&m, c, early, 0x888000, 1, GPM_R);
	expect_identity(&m, c, early + 0x1000, 1);
	expect_identity(&m, c, g, 2);
	expect_identity(&m, c, g + SZ_2M, 2);
	expect_identity(&m, c, SZ_1G, 3);
	/* None left. */
	assert_int_equal(gpmap_split_2m(&m, mk_gpa(g)), -ENG_ENOMEM);
	assert_int_equal(gpmap_hide(&m, mk_gpa(SZ_1G), SZ_2M), -ENG_ENOMEM);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(SZ_1G + 0x1000), mk_hpa(0), 0),
			 -ENG_ENOMEM);
	expect_identity(&m, c, g, 2);
	expect_identity(&m, c, SZ_1G + 0x1000, 3);
	expect(&m, c, early, 0x888000, 1, GPM_R);
	/* More frames: it goes through. */
	arena.limit = ARENA_FRAMES;
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g), mk_hpa(g), GPM_R), 0);
	expect(&m, c, g, g, 1, GPM_R);
	expect_identity(&m, c, g + 0x1000, 1);
}

static void test_flush_hook(void **state)
{
	const struct fmt_case *c = fc(state);
	struct gpmap m;
	unsigned before;
	int a, d;

	build(&m, c, 8 * SZ_2M, 2);
#define CHANGES(call) do { before = flushes; assert_int_equal(call, 0); \
		assert_true(flushes > before); } while (0)
	CHANGES(gpmap_hide(&m, mk_gpa(6 * SZ_2M), SZ_2M));
	CHANGES(gpmap_map_4k(&m, mk_gpa(0x3000), mk_hpa(0x3000), GPM_R));
	CHANGES(gpmap_map_4k(&m, mk_gpa(0x3000), mk_hpa(0x3000), 0));
	CHANGES(gpmap_map_4k(&m, mk_gpa(0x3000), mk_hpa(0x3000), GPM_RWX));
	CHANGES(gpmap_merge_2m(&m, mk_gpa(0)));
	CHANGES(gpmap_test_clear_ad(&m, mk_gpa(0), &a, &d));
#undef CHANGES
	/* Lookups change nothing and flush nothing. */
	before = flushes;
	(void)gpmap_lookup(&m, mk_gpa(0x5000), NULL);
	assert_int_equal(flushes, before);
	/* No hook: no call, no crash. */
	gpmap_set_flush(&m, NULL, NULL);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(0x3000), mk_hpa(0x3000), GPM_R), 0);
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(0)), 0);
	assert_int_equal(flushes, before);
}

/* ---- EPT memory types (MTRRs) ---------------------------------------- */

/* What OVMF sets up in a QEMU q35 guest: MTRRs on, default WB; fixed
 * ranges WB except the legacy VGA window 0xA0000-0xBFFFF (UC); one
 * variable range, the 32-bit PCI hole [2 GiB, 4 GiB), UC. */
static void ovmf_mtrrs(struct mtrr_state *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->def_type = (1u << 11) | (1u << 10) | MTRR_WB;
	for (i = 0; i < MTRR_FIXED_N; i++)
		s->fixed[i] = MTRR_WB;
	for (i = 16; i < 24; i++)	/* 16K ranges 0xA0000-0xBFFFF (0x259) */
		s->fixed[i] = MTRR_UC;
	s->nvar = 8;
	s->var[0].base = 0x80000000ull | MTRR_UC;
	s->var[0].mask = (~(0x80000000ull - 1) & ((1ull << 40) - 1)) | (1u << 11);
	s->phys_bits = 40;
}

static void test_mtrr_type(void **state)
{
	struct mtrr_state s;

	(void)state;
	ovmf_mtrrs(&s);
	assert_int_equal(mtrr_type(&s, 0, 0x1000), MTRR_WB);
	assert_int_equal(mtrr_type(&s, 0xa0000, 0x1000), MTRR_UC);
	assert_int_equal(mtrr_type(&s, 0xa0000, 0x20000), MTRR_UC);
	assert_int_equal(mtrr_type(&s, 0x90000, 0x20000), MTRR_MIXED);
	assert_int_equal(mtrr_type(&s, 0, SZ_2M), MTRR_MIXED);	/* fixed */
	assert_int_equal(mtrr_type(&s, SZ_2M, SZ_2M), MTRR_WB);
	assert_int_equal(mtrr_type(&s, SZ_1G, SZ_1G), MTRR_WB);
	assert_int_equal(mtrr_type(&s, 2 * SZ_1G, SZ_1G), MTRR_UC);
	assert_int_equal(mtrr_type(&s, 0xfee00000, 0x1000), MTRR_UC);
	assert_int_equal(mtrr_type(&s, 4 * SZ_1G, SZ_1G), MTRR_WB);
	assert_int_equal(mtrr_type(&s, SZ_1G, 2 * SZ_1G), MTRR_MIXED);
	/* overlaps: UC wins, WT over WB; MTRRs off: UC */
	s.var[1].base = 0x80000000ull | MTRR_WB;
	s.var[1].mask = s.var[0].mask;
	assert_int_equal(mtrr_type(&s, 2 * SZ_1G, SZ_1G), MTRR_UC);
	s.var[0].base = 0x80000000ull | MTRR_WT;
	assert_int_equal(mtrr_type(&s, 2 * SZ_1G, SZ_1G), MTRR_WT);
	s.var[1].mask = 0;			/* invalid: ignored */
	assert_int_equal(mtrr_type(&s, 2 * SZ_1G, SZ_1G), MTRR_WT);
	/* a non-contiguous mask: exact at 4 KiB, MIXED above */
	s.var[2].base = 0x100000000ull | MTRR_UC;
	s.var[2].mask = (((1ull << 40) - 1) & ~0xfffull & ~0x10000000ull) |
			(1u << 11);	/* all but bit 28: two 4 KiB pages */
	assert_int_equal(mtrr_type(&s, 4 * SZ_1G, 0x1000), MTRR_UC);
	assert_int_equal(mtrr_type(&s, 4 * SZ_1G + 0x10000000ull, 0x1000),
			 MTRR_UC);
	assert_int_equal(mtrr_type(&s, 4 * SZ_1G + 0x1000, 0x1000), MTRR_WB);
	assert_int_equal(mtrr_type(&s, 4 * SZ_1G, SZ_2M), MTRR_MIXED);
	s.def_type &= ~(1ull << 11);
	assert_int_equal(mtrr_type(&s, SZ_2M, SZ_2M), MTRR_UC);
}

/* Under OVMF's MTRRs the 4 GiB map: 4 KiB leaves in the first 2 MiB (the
 * fixed ranges), UC at VGA; 2 MiB leaves up to 1 GiB, a 1 GiB WB leaf
 * for [1, 2) GiB and UC ones for the PCI hole; merging the first 2 MiB
 * back keeps 4 KiB leaves with their types. */
static void test_ept_memtypes(void **state)
{
	struct mtrr_state s;
	struct gpmap m;
	unsigned l;
	uint64_t e;

	(void)state;
	ovmf_mtrrs(&s);
	vmx_ept_set_mtrrs(&s);
	build(&m, &ept, 4 * SZ_1G, 3);
	e = gpmap_lookup(&m, mk_gpa(0x1000), &l);
	assert_int_equal(l, 1);
	assert_int_equal(EPT_MT(e), MTRR_WB);
	e = gpmap_lookup(&m, mk_gpa(0xa0000), &l);
	assert_int_equal(l, 1);
	assert_int_equal(EPT_MT(e), MTRR_UC);
	assert_int_equal(e & EPT_RWX, EPT_RWX);
	e = gpmap_lookup(&m, mk_gpa(SZ_2M), &l);
	assert_int_equal(l, 2);
	assert_int_equal(EPT_MT(e), MTRR_WB);
	e = gpmap_lookup(&m, mk_gpa(SZ_1G + 0x1234000), &l);
	assert_int_equal(l, 3);
	assert_int_equal(EPT_MT(e), MTRR_WB);
	e = gpmap_lookup(&m, mk_gpa(0xfee00000), &l);
	assert_int_equal(l, 3);
	assert_int_equal(EPT_MT(e), MTRR_UC);
	/* a 4 KiB mapping takes the type of its own page */
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(0xb8000), mk_hpa(0xb8000),
				      GPM_R | GPM_W), 0);
	e = gpmap_lookup(&m, mk_gpa(0xb8000), &l);
	assert_int_equal(EPT_MT(e), MTRR_UC);
	assert_int_equal(e & EPT_RWX, EPT_R | EPT_W);
	/* W implies R (write-only is an EPT misconfiguration) */
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(0x5000), mk_hpa(0x5000),
				      GPM_W), 0);
	e = gpmap_lookup(&m, mk_gpa(0x5000), &l);
	assert_int_equal(e & EPT_RWX, EPT_R | EPT_W);
	/* merge of a mixed 2 MiB: 4 KiB identity leaves, types kept */
	assert_int_equal(gpmap_merge_2m(&m, mk_gpa(0)), 0);
	e = gpmap_lookup(&m, mk_gpa(0xa0000), &l);
	assert_int_equal(l, 1);
	assert_int_equal(EPT_MT(e), MTRR_UC);
	e = gpmap_lookup(&m, mk_gpa(0x5000), &l);
	assert_int_equal(e & EPT_RWX, EPT_RWX);
	/* back to WB everywhere for any later test */
	memset(&s, 0, sizeof(s));
	s.def_type = (1u << 11) | MTRR_WB;
	vmx_ept_set_mtrrs(&s);
}

/* gpmap_guest_may: what the guest may read or write itself in this view,
 * for the host's emulated accesses; identity leaves at every level, 4 KiB
 * leaves with fewer rights or another HPA, not-present, hidden. */
static void test_guest_may(void **state)
{
	const struct fmt_case *c = fc(state);
	const uint64_t g = 0x12345000, hid = 2 * SZ_1G;
	struct gpmap m;

	build(&m, c, 2 * SZ_1G + 2 * SZ_2M, 3);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(0x1000), GPM_R), 1);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(SZ_1G + 0x5000),
					 GPM_R | GPM_W), 1);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(0x1000), 0), 0);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g), mk_hpa(g), GPM_R | GPM_X),
			 0);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g + 0x1000), mk_hpa(0x999000),
				      GPM_R | GPM_W), 0);
	assert_int_equal(gpmap_map_4k(&m, mk_gpa(g + 0x2000), mk_hpa(g + 0x2000),
				      0), 0);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(g + 0x10), GPM_R), 1);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(g + 0x10), GPM_W), 0);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(g + 0x1000), GPM_R), 0);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(g + 0x2000), GPM_R), 0);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(g + 0x3000), GPM_W), 1);
	assert_int_equal(gpmap_hide(&m, mk_gpa(hid), SZ_2M), 0);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(hid + 0x3000), GPM_R), 0);
	assert_int_equal(gpmap_guest_may(&m, mk_gpa(hid + SZ_2M), GPM_W), 1);
}

#define BOTH(f) \
	cmocka_unit_test_prestate(f, (void *)&npt), \
	cmocka_unit_test_prestate(f, (void *)&ept)

int main(void)
{
	ept.f = vmx_ept_format;
	ept.rights = ept_rights;
	ept.fixed = EPT_MT_WB;
	const struct CMUnitTest tests[] = {
		BOTH(test_build_identity),
		BOTH(test_build_errors),
		BOTH(test_hide),
		BOTH(test_map_4k_in_1g_leaf),
		BOTH(test_split_merge),
		BOTH(test_clear_ad),
		cmocka_unit_test(test_clear_ad_unsupported),
		BOTH(test_misaligned),
		BOTH(test_out_of_frames),
		BOTH(test_flush_hook),
		BOTH(test_guest_may),
		cmocka_unit_test(test_mtrr_type),
		cmocka_unit_test(test_ept_memtypes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
