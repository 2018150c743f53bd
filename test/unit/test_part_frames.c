/*
 * test/unit/test_part_frames.c - the per-frame pieces of the MPE: the clear
 * working set (mm/ws.h: LRU order, eviction, limit changes) and the frame
 * metadata (mm/fmeta.h: 20-byte records, at most 0.5% of protected memory,
 * chunked allocation, counters and their exhaustion), and the partition
 * table's attribute rules (mm/part.h).
 */
#include "harness.h"

#include "fmeta.h"
#include "part.h"
#include "ws.h"

static void test_ws_lru(void **state)
{
	uint64_t st[8], victims[8];
	struct ws w;
	gfn_t v;

	(void)state;
	assert_int_equal(ws_init(&w, st, 8, 9), -ENG_EINVAL);
	assert_int_equal(ws_init(&w, st, 8, 3), 0);
	assert_int_equal(ws_insert(&w, mk_gfn(1), &v), 0);
	assert_int_equal(ws_insert(&w, mk_gfn(2), &v), 0);
	assert_int_equal(ws_insert(&w, mk_gfn(3), &v), 0);
	assert_int_equal(ws_insert(&w, mk_gfn(1), &v), 0);	/* touch 1 */
	assert_int_equal(ws_insert(&w, mk_gfn(4), &v), 1);
	assert_int_equal(v.v, 2);				/* LRU was 2 */
	assert_int_equal(ws_check(&w), 0);
	assert_int_equal(ws_find(&w, mk_gfn(2)), -1);
	assert_int_equal(ws_find(&w, mk_gfn(4)), 0);
	assert_int_equal(ws_remove(&w, mk_gfn(3)), 0);
	assert_int_equal(ws_remove(&w, mk_gfn(3)), -ENG_ENOENT);
	assert_int_equal(ws_insert(&w, mk_gfn(5), &v), 0);
	assert_int_equal(ws_set_limit(&w, 1, victims), 2);
	assert_int_equal(victims[0], 1);	/* oldest first */
	assert_int_equal(victims[1], 4);
	assert_int_equal(w.n, 1);
	assert_int_equal(ws_check(&w), 0);
	assert_int_equal(ws_set_limit(&w, 0, victims), -ENG_EINVAL);
}

static void test_ws_random(void **state)
{
	uint64_t st[WS_DEFAULT_W], stamp[64] = { 0 }, seed = 3, now = 0;
	struct ws w;

	(void)state;
	assert_int_equal(ws_init(&w, st, WS_DEFAULT_W, WS_DEFAULT_W), 0);
	for (int it = 0; it < 5000; it++) {
		gfn_t g = mk_gfn(rnd_next(&seed) % 64), v;
		bool was = ws_find(&w, g) >= 0, full = w.n == w.limit;
		int r = ws_insert(&w, g, &v);
		if (r == 1) {
			assert_false(was);
			assert_true(full);
			/* the victim is the least recent of the set */
			for (uint32_t i = 0; i < w.n; i++)
				assert_true(stamp[v.v] < stamp[w.gfn[i]] ||
					    w.gfn[i] == g.v);
		}
		stamp[g.v] = ++now;
		assert_int_equal(ws_check(&w), 0);
	}
}

static void test_fmeta(void **state)
{
	static uint32_t dir[16];
	static struct fmeta pool[4 * FMETA_CHUNK_FRAMES];
	struct fmeta_table t;
	struct fmeta *f;

	(void)state;
	/* Overhead: 20 bytes per 4096-byte frame <= 0.5 %. */
	assert_int_equal(sizeof(struct fmeta), 20);
	assert_true(sizeof(struct fmeta) * 200 <= FRAME_SIZE);
	assert_int_equal(fmeta_init(&t, dir, 16, pool, 4), 0);
	assert_null(fmeta_get(&t, mk_gfn(5)));
	assert_int_equal(fmeta_populate(&t, mk_gfn(510), 4), 0);	/* 2 chunks */
	assert_int_equal(t.pool_used, 2);
	assert_non_null(fmeta_get(&t, mk_gfn(0)));
	assert_non_null(fmeta_get(&t, mk_gfn(1023)));
	assert_null(fmeta_get(&t, mk_gfn(1024)));
	assert_int_equal(fmeta_populate(&t, mk_gfn(1024), 3 * 512),
			 -ENG_ENOSPC);				/* all or nothing */
	assert_int_equal(t.pool_used, 2);
	assert_int_equal(fmeta_populate(&t, mk_gfn(16 * 512), 1), -ENG_E2BIG);
	f = fmeta_get(&t, mk_gfn(700));
	assert_false(fmeta_encrypted(f));
	fmeta_set_state(f, true, 5);
	assert_true(fmeta_encrypted(f));
	assert_int_equal(fmeta_gen(f), 1);
	fmeta_touch(f, 70);
	assert_int_equal(fmeta_last_access(f), 70 % 64);
	assert_int_equal(fmeta_next_ctr(f), 1);
	assert_int_equal(fmeta_next_ctr(f), 2);
	assert_true(fmeta_encrypted(f));
	assert_int_equal(fmeta_last_access(f), 70 % 64);
	f->word |= (uint32_t)(FMETA_CTR_MAX - 1) << FMETA_CTR_SHIFT;
	assert_int_equal(fmeta_next_ctr(f), FMETA_CTR_MAX);
	assert_int_equal(fmeta_next_ctr(f), -ENG_ERANGE);	/* rotate first */
	fmeta_reset_ctr(f);
	assert_int_equal(fmeta_ctr(f), 0);
	assert_int_equal(fmeta_gen(f), 1);
	fmeta_set_state(f, false, 0);
	assert_false(fmeta_encrypted(f));
	assert_null(fmeta_get(NULL, mk_gfn(0)));
	assert_false(fmeta_encrypted(NULL));
}

static void test_part_table(void **state)
{
	static struct partition slots[3];
	static uint64_t wss[3 * 8];
	struct part_table t;
	struct part_attr a = { .profile = PART_PROF_HEAP,
		.sens = PART_SENS_SECRET, .tier = PART_TIER_CLEAR,
		.access = PART_ACC_OWNER, .owner = 0x1234fff };
	uint16_t id;

	(void)state;
	assert_int_equal(part_table_init(&t, slots, 3, wss, 8, 9), -ENG_EINVAL);
	assert_int_equal(part_table_init(&t, slots, 3, wss, 8, 4), 0);
	/* SECRET may not start CLEAR (below its floor). */
	assert_int_equal(part_create(&t, &a, &id), -ENG_EINVAL);
	a.tier = PART_TIER_ENCRYPTED;
	assert_int_equal(part_create(&t, &a, &id), 0);
	assert_int_equal(part_get(&t, id)->owner, 0x1234000);	/* masked */
	assert_int_equal(part_get(&t, id)->ws.limit, 4);
	a.owner = 0;
	assert_int_equal(part_create(&t, &a, &id), -ENG_EINVAL);	/* no owner */
	a.access = PART_ACC_ANY;
	a.tier = PART_TIER_ISOLATED;
	assert_int_equal(part_create(&t, &a, &id), 0);
	assert_int_equal(part_get(&t, id)->ws.limit, 1);
	assert_int_equal(part_create(&t, &a, &id), 0);
	assert_int_equal(part_create(&t, &a, &id), -ENG_ENOSPC);
	assert_int_equal(part_destroy(&t, id), 0);
	assert_null(part_get(&t, id));
	assert_int_equal(part_destroy(&t, id), -ENG_ENOENT);
	a.profile = PART_PROF_COUNT;
	assert_int_equal(part_create(&t, &a, &id), -ENG_EINVAL);
	assert_int_equal(part_min_tier(PART_SENS_INTERNAL), PART_TIER_CLEAR);
	assert_int_equal(part_min_tier(PART_SENS_CONFIDENTIAL), PART_TIER_ENCRYPTED);
	assert_int_equal(part_max_tier(PART_SENS_SECRET), PART_TIER_ISOLATED);
	assert_int_equal(part_max_tier(PART_SENS_PUBLIC), PART_TIER_CLEAR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_lru),
		cmocka_unit_test(test_ws_random),
		cmocka_unit_test(test_fmeta),
		cmocka_unit_test(test_part_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
