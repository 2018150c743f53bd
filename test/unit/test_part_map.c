/*
 * test/unit/test_part_map.c - the partition map (mm/part_map.h): directed
 * cases for insert / assign (split, merge) / remove, capacity exhaustion
 * leaving the map unchanged, argument checks, and a randomized run against
 * a per-frame reference model, with part_map_check() after every operation.
 */
#include "harness.h"

#include "part_map.h"

#define CAP 64
static struct part_extent store[CAP];
static struct part_map m;

static void ok(void)
{
	assert_int_equal(part_map_check(&m), 0);
}

static uint16_t owner(uint64_t g)
{
	const struct part_extent *e = part_map_lookup(&m, mk_gfn(g));
	return e ? e->part_id : PART_ID_NONE;
}

static void test_insert_lookup_merge(void **state)
{
	(void)state;
	assert_int_equal(part_map_init(&m, store, CAP), 0);
	assert_null(part_map_lookup(&m, mk_gfn(0)));
	assert_int_equal(part_map_insert(&m, mk_gfn(100), 10, 1), 0); ok();
	assert_int_equal(part_map_insert(&m, mk_gfn(105), 10, 2), -ENG_EBUSY); ok();
	assert_int_equal(part_map_insert(&m, mk_gfn(90), 11, 2), -ENG_EBUSY); ok();
	assert_int_equal(part_map_insert(&m, mk_gfn(110), 5, 1), 0); ok();
	assert_int_equal(m.count, 1);	/* merged with the left neighbour */
	assert_int_equal(m.ext[0].nframes, 15);
	assert_int_equal(part_map_insert(&m, mk_gfn(95), 5, 1), 0); ok();
	assert_int_equal(m.count, 1);	/* merged with the right neighbour */
	assert_int_equal(part_map_insert(&m, mk_gfn(80), 5, 2), 0); ok();
	assert_int_equal(part_map_insert(&m, mk_gfn(85), 10, 3), 0); ok();
	assert_int_equal(m.count, 3);
	assert_int_equal(owner(84), 2);
	assert_int_equal(owner(85), 3);
	assert_int_equal(owner(94), 3);
	assert_int_equal(owner(95), 1);
	assert_int_equal(owner(114), 1);
	assert_int_equal(owner(115), PART_ID_NONE);
	assert_int_equal(owner(79), PART_ID_NONE);
	assert_int_equal(part_map_frames_of(&m, 1), 20);
}

static void test_assign_split_remove(void **state)
{
	(void)state;
	assert_int_equal(part_map_init(&m, store, CAP), 0);
	assert_int_equal(part_map_insert(&m, mk_gfn(0), 100, 1), 0);
	assert_int_equal(part_map_assign(&m, mk_gfn(40), 10, 2), 0); ok();
	assert_int_equal(m.count, 3);	/* split in three */
	assert_int_equal(owner(39), 1);
	assert_int_equal(owner(40), 2);
	assert_int_equal(owner(50), 1);
	assert_int_equal(part_map_assign(&m, mk_gfn(40), 10, 1), 0); ok();
	assert_int_equal(m.count, 1);	/* merged back */
	assert_int_equal(part_map_assign(&m, mk_gfn(90), 30, 3), 0); ok();
	assert_int_equal(owner(119), 3);	/* over the end into a hole */
	assert_int_equal(part_map_remove(&m, mk_gfn(10), 5), 0); ok();
	assert_int_equal(owner(12), PART_ID_NONE);
	assert_int_equal(part_map_remove(&m, mk_gfn(0), 200), 0); ok();
	assert_int_equal(m.count, 0);
	/* Spanning several extents with holes in between. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(part_map_insert(&m, mk_gfn(i * 10), 5,
						 (uint16_t)(i % 3)), 0);
	ok();
	assert_int_equal(part_map_assign(&m, mk_gfn(12), 60, 7), 0); ok();
	assert_int_equal(owner(11), 1);
	assert_int_equal(owner(12), 7);
	assert_int_equal(owner(71), 7);
	assert_int_equal(owner(72), 1);
}

static void test_capacity_and_args(void **state)
{
	struct part_extent small[3];
	struct part_extent snap[3];

	(void)state;
	assert_int_equal(part_map_init(&m, small, 0), -ENG_EINVAL);
	assert_int_equal(part_map_init(&m, small, 3), 0);
	assert_int_equal(part_map_insert(&m, mk_gfn(0), 100, 1), 0);
	assert_int_equal(part_map_assign(&m, mk_gfn(10), 10, 2), 0);
	memcpy(snap, small, sizeof(snap));
	assert_int_equal(part_map_assign(&m, mk_gfn(50), 10, 3), -ENG_ENOSPC);
	assert_memory_equal(snap, small, sizeof(snap));	/* unchanged */
	assert_int_equal(m.count, 3);
	ok();
	assert_int_equal(part_map_insert(&m, mk_gfn(200), 0, 1), -ENG_EINVAL);
	assert_int_equal(part_map_insert(&m, mk_gfn(PART_GFN_LIMIT - 1), 2, 1),
			 -ENG_EINVAL);
	assert_int_equal(part_map_insert(&m, mk_gfn(200), 1, PART_ID_NONE),
			 -ENG_EINVAL);
	assert_int_equal(part_map_assign(&m, mk_gfn(UINT64_MAX - 3), 10, 1),
			 -ENG_EINVAL);
	/* The checker catches a broken map. */
	small[1].part_id = small[0].part_id;
	small[1].start = small[0].start + small[0].nframes;
	assert_int_equal(part_map_check(&m), -5);
	small[1].start--;
	assert_int_equal(part_map_check(&m), -4);
	small[1].nframes = 0;
	assert_int_equal(part_map_check(&m), -2);
}

/* Random operations against a per-frame model of 512 frames. */
static void test_random_vs_model(void **state)
{
	static uint16_t model[512];
	uint64_t seed = 0xfeedbeef;

	(void)state;
	assert_int_equal(part_map_init(&m, store, CAP), 0);
	for (int i = 0; i < 512; i++)
		model[i] = PART_ID_NONE;
	for (int it = 0; it < 20000; it++) {
		uint64_t s = rnd_next(&seed) % 512;
		uint64_t n = 1 + rnd_next(&seed) % (it % 7 == 0 ? 200 : 16);
		uint16_t id = (uint16_t)(rnd_next(&seed) % 4);
		int op = (int)(rnd_next(&seed) % 3), rc;
		if (s + n > 512)
			n = 512 - s;
		if (op == 0) {
			bool free_range = true;
			for (uint64_t g = s; g < s + n; g++)
				free_range &= model[g] == PART_ID_NONE;
			rc = part_map_insert(&m, mk_gfn(s), n, id);
			if (rc == 0) {
				assert_true(free_range);
			} else {
				assert_true(rc == -ENG_EBUSY || rc == -ENG_ENOSPC);
				if (rc == -ENG_EBUSY)
					assert_false(free_range);
			}
		} else {
			rc = op == 1 ? part_map_assign(&m, mk_gfn(s), n, id)
				     : part_map_remove(&m, mk_gfn(s), n);
			assert_true(rc == 0 || rc == -ENG_ENOSPC);
		}
		if (rc == 0)
			for (uint64_t g = s; g < s + n; g++)
				model[g] = op == 2 ? PART_ID_NONE : id;
		ok();
		for (int k = 0; k < 8; k++) {
			uint64_t g = rnd_next(&seed) % 520;
			assert_int_equal(owner(g), g < 512 ? model[g] : PART_ID_NONE);
		}
	}
	for (uint64_t g = 0; g < 512; g++)
		assert_int_equal(owner(g), model[g]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lookup_merge),
		cmocka_unit_test(test_assign_split_remove),
		cmocka_unit_test(test_capacity_and_args),
		cmocka_unit_test(test_random_vs_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
