/*
 * test/unit/test_policy_mpe.c - the MPE policy and its executor driven
 * through the simulated guest (test_engine_sim.h), checking mpe_check()
 * and the RAM-level property (plaintext only in the working set) after
 * every step: classification, fault-in with LRU eviction, the instruction
 * fetch anomaly, owner-only access, tier changes with floor and
 * hysteresis, context switches, key rotation with the lazy sweep, GCM
 * integrity, a random event stream, and malformed events.
 */
#include "harness.h"

#include "test_engine_sim.h"

#define CTX_A	0x1000
#define CTX_B	0x2000
#define CTX_C	0x3000
#define RW	(MPE_ACC_R | MPE_ACC_W)

static void chk(struct sim *s, bool deep)
{
	int rc = sim_check(s, deep);
	if (rc)
		fail_msg("sim_check: %d", rc);
}

static const struct partition *part_at(struct sim *s, uint64_t g)
{
	const struct part_extent *e = part_map_lookup(&s->m.map, mk_gfn(g));
	return e ? part_get(&s->m.parts, e->part_id) : NULL;
}

static void test_classify_and_fault_in(void **state)
{
	struct sim *s = sim_new(NULL, 1);

	(void)state;
	assert_int_equal(sim_classify(s, 512, 64, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_OWNER, CTX_A, PART_CIPHER_XTS), 0);
	chk(s, true);
	const struct partition *p = part_at(s, 512);
	assert_non_null(p);
	assert_int_equal(p->tier, PART_TIER_ENCRYPTED);
	for (uint64_t g = 512; g < 576; g++) {
		assert_int_equal(s->perms[g], 0);
		assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(g))));
	}
	for (uint64_t i = 0; i < 20; i++) {
		assert_int_equal(sim_access(s, 512 + i, RW, CTX_A, true,
					    (uint8_t)i), 0);
		assert_int_equal(p->ws.n, i < 8 ? i + 1 : 8);
		chk(s, i % 5 == 0);
	}
	assert_int_equal(p->cnt.evictions, 12);
	/* The most recent 8 are clear and mapped, the rest not. */
	for (uint64_t i = 0; i < 20; i++)
		assert_int_equal(s->perms[512 + i] != 0, i >= 12);
	/* An evicted frame comes back with what the guest wrote. */
	assert_int_equal(sim_access(s, 512, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_memory_equal(s->mem[512], s->plain[512], 4096);
	chk(s, true);
	sim_free(s);
}

/* N2: an instruction fetch from data isolates the frame in place: it keeps
 * its partition (owner, policy, floor, key), is re-encrypted, and is never
 * mapped executable; isolation never lowers protection (issue 8 item 1:
 * the frame used to move to a quarantine partition open to ANY context). */
static void test_exec_anomaly(void **state)
{
	struct sim *s = sim_new(NULL, 2);
	const struct partition *p;

	(void)state;
	assert_int_equal(sim_classify(s, 100, 10, PART_SENS_SECRET,
				      PART_PROF_DATA, PART_ACC_OWNER, CTX_A,
				      PART_CIPHER_XTS), 0);
	p = part_at(s, 103);
	assert_int_equal(sim_access(s, 103, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_false(s->perms[103] & MPE_ACC_X);	/* data is NX */
	assert_int_equal(sim_access(s, 103, MPE_ACC_X, CTX_A, true, 0), 1);
	assert_int_equal(s->raised[MPE_RAISE_ANOMALY_EXEC], 1);
	assert_ptr_equal(part_at(s, 103), p);		/* same partition */
	assert_int_equal(p->owner, CTX_A);
	assert_int_equal(p->access, PART_ACC_OWNER);
	assert_int_equal(p->floor, PART_SENS_SECRET);
	assert_true(fmeta_isolated(fmeta_get(&s->m.fm, mk_gfn(103))));
	assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(103))));
	assert_int_equal(s->perms[103], 0);		/* unmapped */
	chk(s, true);
	/* Executing it again: still refused, never mapped executable. */
	assert_int_equal(sim_access(s, 103, MPE_ACC_X, CTX_A, true, 0), 1);
	assert_false(s->perms[103] & MPE_ACC_X);
	/* The owner reads it (decrypted into its working set, no X) ... */
	assert_int_equal(sim_access(s, 103, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_true(s->perms[103] & MPE_ACC_R);
	assert_false(s->perms[103] & MPE_ACC_X);
	chk(s, true);
	/* ... a foreign fetch also leaves the frame the owner's, and a foreign
	 * read gets its ciphertext. */
	assert_int_equal(sim_access(s, 104, MPE_ACC_X, CTX_B, false, 0), 1);
	assert_ptr_equal(part_at(s, 104), p);
	assert_int_equal(sim_access(s, 104, MPE_ACC_R, CTX_B, false, 0), 0);
	assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(104))));
	chk(s, true);
	/* A reported anomaly does the same. */
	struct mpe_event ev = { .type = MPE_EV_ANOMALY,
		.gpa = gfn_to_gpa(mk_gfn(105)), .reason = 7 };
	assert_int_equal(mpe_exec_event(&s->x, &ev), 0);
	assert_int_equal(s->raised[MPE_RAISE_ANOMALY_REPORT], 1);
	assert_ptr_equal(part_at(s, 105), p);
	assert_true(fmeta_isolated(fmeta_get(&s->m.fm, mk_gfn(105))));
	chk(s, true);
	sim_free(s);
}

static void test_owner_only(void **state)
{
	struct sim *s = sim_new(NULL, 3);

	(void)state;
	assert_int_equal(sim_classify(s, 0, 16, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_OWNER_USER, CTX_A, PART_CIPHER_GCM), 0);
	assert_int_equal(sim_access(s, 3, RW, CTX_A, true, 0x33), 0);
	chk(s, true);
	/* Another context runs (the NPT is per guest: S1 unmaps first). */
	struct mpe_event to_b = { .type = MPE_EV_CTX_SWITCH, .ctx = CTX_B };
	assert_int_equal(mpe_exec_event(&s->x, &to_b), 0);
	chk(s, true);
	/* Its write is blocked, its read sees ciphertext. */
	assert_int_equal(sim_access(s, 3, MPE_ACC_W, CTX_B, true, 0x44), 1);
	assert_int_equal(s->raised[MPE_RAISE_DENIED_WRITE], 1);
	assert_int_equal(sim_access(s, 3, MPE_ACC_R, CTX_B, true, 0), 0);
	assert_int_equal(s->raised[MPE_RAISE_DENIED_READ], 1);
	assert_memory_not_equal(s->mem[3], s->plain[3], 4096);
	chk(s, true);
	/* The owner's kernel is refused under OWNER_USER (N3b): a write and a
	 * read both, with nothing mapped (no ciphertext left for the owner's
	 * user mode to compute on). */
	assert_int_equal(sim_access(s, 4, MPE_ACC_W, CTX_A, false, 1), 1);
	assert_int_equal(s->raised[MPE_RAISE_DENIED_KERNEL], 1);
	assert_int_equal(s->perms[4], 0);
	assert_int_equal(sim_access(s, 4, MPE_ACC_R, CTX_A, false, 0), 1);
	assert_int_equal(s->raised[MPE_RAISE_DENIED_KERNEL], 2);
	assert_int_equal(s->perms[4], 0);
	/* Back to the owner: the ciphertext mapping goes away first. */
	struct mpe_event sw = { .type = MPE_EV_CTX_SWITCH, .ctx = CTX_A | 0x5 };
	assert_int_equal(mpe_exec_event(&s->x, &sw), 0);
	assert_int_equal(s->perms[3], 0);
	assert_int_equal(sim_access(s, 3, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_memory_equal(s->mem[3], s->plain[3], 4096);
	chk(s, true);
	sim_free(s);
}

static void test_ctx_switch(void **state)
{
	struct sim *s = sim_new(NULL, 4);

	(void)state;
	assert_int_equal(sim_classify(s, 0, 8, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_OWNER, CTX_A, PART_CIPHER_XTS), 0);
	assert_int_equal(sim_classify(s, 8, 8, PART_SENS_CONFIDENTIAL,
				      PART_PROF_HEAP, PART_ACC_OWNER, CTX_A,
				      PART_CIPHER_XTS), 0);
	for (uint64_t g = 0; g < 16; g += 2)
		assert_int_equal(sim_access(s, g, RW, CTX_A, true, 9), 0);
	struct mpe_event sw = { .type = MPE_EV_CTX_SWITCH, .ctx = CTX_B };
	assert_int_equal(mpe_exec_event(&s->x, &sw), 0);
	chk(s, true);
	for (uint64_t g = 0; g < 16; g++)
		assert_int_equal(s->perms[g], 0);	/* nothing left mapped */
	assert_int_equal(part_at(s, 0)->ws.n, 0);	/* SECRET: re-encrypted */
	assert_int_equal(part_at(s, 8)->ws.n, 4);	/* CONFIDENTIAL: unmapped */
	for (uint64_t g = 0; g < 8; g++)
		assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(g))));
	sim_free(s);
}

/* S1b: the owner still runs on another CPU.  Its clear frames only leave
 * this CPU's view (UNMAP with MPE_UNMAP_THIS_CPU, no ENCRYPT); once it
 * runs nowhere, the switch re-encrypts them as on one CPU. */
static void test_ctx_switch_owner_elsewhere(void **state)
{
	struct sim *s = sim_new(NULL, 4);
	struct mpe_action acts[64];
	uint64_t others[2] = { CTX_C, CTX_A | 0x7 };
	uint32_t n = 0, i, unmaps = 0;

	(void)state;
	assert_int_equal(sim_classify(s, 0, 8, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_OWNER_USER, CTX_A,
				      PART_CIPHER_XTS), 0);
	for (uint64_t g = 0; g < 4; g++)
		assert_int_equal(sim_access(s, g, RW, CTX_A, true, 9), 0);
	struct mpe_event sw = { .type = MPE_EV_CTX_SWITCH, .ctx = CTX_B,
				.others = others, .nothers = 2 };
	assert_int_equal(mpe_handle(&s->m, &sw, acts, 64, &n), 0);
	for (i = 0; i < n; i++) {
		assert_int_not_equal(acts[i].type, MPE_ACT_ENCRYPT);
		if (acts[i].type == MPE_ACT_UNMAP) {
			assert_true(acts[i].perms & MPE_UNMAP_THIS_CPU);
			unmaps++;
		}
	}
	assert_int_equal(unmaps, 4);
	assert_int_equal(mpe_exec_event(&s->x, &sw), 0);
	chk(s, true);
	for (uint64_t g = 0; g < 8; g++)
		assert_int_equal(s->perms[g], 0);	/* none mapped here */
	assert_int_equal(part_at(s, 0)->ws.n, 4);	/* still the working set */
	for (uint64_t g = 0; g < 4; g++)
		assert_false(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(g))));
	/* The owner stopped elsewhere too: this switch re-encrypts. */
	struct mpe_event sw2 = { .type = MPE_EV_CTX_SWITCH, .ctx = CTX_B,
				 .others = others, .nothers = 1 };
	assert_int_equal(mpe_exec_event(&s->x, &sw2), 0);
	chk(s, true);
	assert_int_equal(part_at(s, 0)->ws.n, 0);
	for (uint64_t g = 0; g < 8; g++)
		assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(g))));
	sim_free(s);
}

static void tick(struct sim *s, uint64_t g0, uint32_t n)
{
	struct mpe_sample smp[64];

	for (uint32_t i = 0; i < n; i++)
		smp[i] = (struct mpe_sample){ g0 + i, 1, 0 };
	struct mpe_event ev = { .type = MPE_EV_TICK, .samples = smp,
				.nsamples = n };
	assert_int_equal(mpe_exec_event(&s->x, &ev), 0);
	chk(s, true);
}

static void test_tiers_hysteresis_floor(void **state)
{
	struct mpe_config cfg = { 8, 4, 3, 2 };
	struct sim *s = sim_new(&cfg, 5);

	(void)state;
	assert_int_equal(sim_classify(s, 0, 16, PART_SENS_INTERNAL,
				      PART_PROF_DATA, PART_ACC_ANY, 0,
				      PART_CIPHER_XTS), 0);
	assert_int_equal(sim_classify(s, 32, 16, PART_SENS_CONFIDENTIAL,
				      PART_PROF_DATA, PART_ACC_ANY, 0,
				      PART_CIPHER_XTS), 0);
	assert_int_equal(sim_classify(s, 64, 16, PART_SENS_SECRET,
				      PART_PROF_DATA, PART_ACC_ANY, 0,
				      PART_CIPHER_GCM), 0);
	const struct partition *in = part_at(s, 0), *co = part_at(s, 32);
	const struct partition *se = part_at(s, 64);
	/* Flapping hot/cold never changes a tier. */
	for (int i = 0; i < 6; i++)
		tick(s, i & 1 ? 200 : 0, 8), tick(s, 200, 1);
	assert_int_equal(in->tier, PART_TIER_ENCRYPTED);
	/* Hot for 2 ticks: not yet; the 3rd: INTERNAL goes CLEAR. */
	tick(s, 0, 8);
	tick(s, 0, 8);
	assert_int_equal(in->tier, PART_TIER_ENCRYPTED);
	tick(s, 0, 8);
	assert_int_equal(in->tier, PART_TIER_CLEAR);
	assert_int_equal(s->raised[MPE_RAISE_TIER_CHANGE] >= 1, 1);
	for (uint64_t g = 0; g < 16; g++)
		assert_false(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(g))));
	/* CONFIDENTIAL hot for long: never below its floor. */
	for (int i = 0; i < 10; i++)
		tick(s, 32, 16);
	assert_int_equal(co->tier, PART_TIER_ENCRYPTED);
	/* Everything cold: INTERNAL back to ENCRYPTED, SECRET to ISOLATED. */
	for (int i = 0; i < 4; i++)
		tick(s, 300, 1);
	assert_int_equal(in->tier, PART_TIER_ENCRYPTED);
	assert_int_equal(se->tier, PART_TIER_ISOLATED);
	assert_int_equal(se->ws.limit, 1);
	assert_int_equal(co->tier, PART_TIER_ENCRYPTED);	/* its ceiling */
	for (uint64_t g = 0; g < 16; g++)
		assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(g))));
	/* Dwell: right after a change, hot ticks do not move it back. */
	uint32_t changes = (uint32_t)in->cnt.tier_changes;
	tick(s, 0, 8);
	assert_int_equal(in->cnt.tier_changes, changes);
	sim_free(s);
}

static void test_rotation_sweep(void **state)
{
	struct sim *s = sim_new(NULL, 6);

	(void)state;
	assert_int_equal(sim_classify(s, 0, 40, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_ANY, 0, PART_CIPHER_GCM), 0);
	const struct partition *p = part_at(s, 0);
	for (uint64_t g = 0; g < 5; g++)
		assert_int_equal(sim_access(s, g, RW, CTX_A, false, 1), 0);
	assert_int_equal(mpe_exec_rotate(&s->x, p->id), 0);
	assert_int_equal(p->key_epoch, 1);
	assert_int_equal(mpe_exec_rotate(&s->x, p->id), -ENG_EBUSY);
	chk(s, true);
	gfn_t st[64];
	uint64_t cur = 0;
	assert_int_equal(mpe_stale_frames(&s->m, p->id, st, 64, &cur), 35);
	/* Eviction re-encrypts under the new key. */
	for (uint64_t g = 5; g < 10; g++)
		assert_int_equal(sim_access(s, g, RW, CTX_A, false, 2), 0);
	chk(s, true);
	int64_t left = mpe_exec_sweep(&s->x, p->id, 10);
	assert_true(left > 0);
	chk(s, true);
	while (left > 0) {
		left = mpe_exec_sweep(&s->x, p->id, 10);
		chk(s, true);
	}
	assert_int_equal(left, 0);
	assert_null(aem_key_get(&s->aem, p->key_id, 0));	/* retired */
	assert_non_null(aem_key_get(&s->aem, p->key_id, 1));
	assert_int_equal(mpe_exec_rotate(&s->x, p->id), 0);	/* again OK */
	sim_free(s);
}

static void test_gcm_integrity(void **state)
{
	struct sim *s = sim_new(NULL, 7);

	(void)state;
	assert_int_equal(sim_classify(s, 0, 4, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_ANY, 0, PART_CIPHER_GCM), 0);
	s->mem[2][100] ^= 1;	/* a tampering writer (DMA) */
	assert_int_equal(sim_access(s, 2, MPE_ACC_R, CTX_A, false, 0),
			 -ENG_EBADMSG);
	assert_int_equal(s->raised[MPE_RAISE_INTEGRITY], 1);
	assert_int_equal(s->perms[2], 0);	/* never mapped */
	assert_int_equal(mpe_check(&s->m), 0);
	s->mem[2][100] ^= 1;
	chk(s, true);
	assert_int_equal(sim_access(s, 2, MPE_ACC_R, CTX_A, false, 0), 0);
	chk(s, true);
	sim_free(s);
}

/* Issue 8 item 2: a GCM frame whose 24-bit counter is used up re-keys the
 * partition (new epoch) instead of failing; before, the switch away
 * stopped with -ENG_ERANGE and left the frame clear while the owner was
 * away. */
static void set_ctr(struct sim *s, uint64_t g, uint32_t ctr)
{
	struct fmeta *f = fmeta_get(&s->m.fm, mk_gfn(g));

	assert_non_null(f);
	f->word = (f->word & 0xffu) | (ctr << FMETA_CTR_SHIFT);
}

static int switch_to(struct sim *s, uint64_t ctx)
{
	struct mpe_event ev = { .type = MPE_EV_CTX_SWITCH, .ctx = ctx };

	return mpe_exec_event(&s->x, &ev);
}

static void test_gcm_counter_exhaustion_rekeys(void **state)
{
	struct sim *s = sim_new(NULL, 9);
	const struct partition *p;

	(void)state;
	assert_int_equal(sim_classify(s, 0, 4, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_OWNER, CTX_A, PART_CIPHER_GCM), 0);
	p = part_at(s, 0);
	assert_int_equal(sim_access(s, 0, MPE_ACC_R, CTX_A, true, 0), 0);
	set_ctr(s, 0, FMETA_CTR_MAX);
	assert_int_equal(switch_to(s, CTX_B), 0);	/* owner away */
	assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(0))));
	assert_memory_not_equal(s->mem[0], s->plain[0], 4096);
	assert_int_equal(p->key_epoch, 1);		/* a fresh key */
	assert_int_equal(fmeta_ctr(fmeta_get(&s->m.fm, mk_gfn(0))), 1);
	chk(s, true);
	assert_int_equal(switch_to(s, CTX_A), 0);
	assert_int_equal(sim_access(s, 0, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_memory_equal(s->mem[0], s->plain[0], 4096);
	assert_int_equal(sim_access(s, 3, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_memory_equal(s->mem[3], s->plain[3], 4096);	/* old epoch */
	chk(s, true);
	sim_free(s);
}

/* ... and when even that is impossible (another frame ran out while the
 * previous rotation is finished), the list still runs its protective
 * actions: the frame that could not be encrypted is wiped and reported,
 * the others are encrypted; nothing is left clear while the owner is away. */
static void test_failed_encrypt_wipes(void **state)
{
	static const uint8_t zero[4096];
	struct sim *s = sim_new(NULL, 10);
	const struct partition *p;

	(void)state;
	assert_int_equal(sim_classify(s, 0, 4, PART_SENS_SECRET, PART_PROF_HEAP,
				      PART_ACC_OWNER, CTX_A, PART_CIPHER_GCM), 0);
	p = part_at(s, 0);
	/* Frame 2: encrypted with the last counter of epoch 0. */
	assert_int_equal(sim_access(s, 2, MPE_ACC_R, CTX_A, true, 0), 0);
	set_ctr(s, 2, FMETA_CTR_MAX - 1);
	assert_int_equal(switch_to(s, CTX_B), 0);
	assert_int_equal(fmeta_ctr(fmeta_get(&s->m.fm, mk_gfn(2))), FMETA_CTR_MAX);
	assert_int_equal(switch_to(s, CTX_A), 0);
	assert_int_equal(sim_access(s, 0, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_int_equal(sim_access(s, 1, MPE_ACC_R, CTX_A, true, 0), 0);
	assert_int_equal(mpe_exec_rotate(&s->x, p->id), 0);	/* 2, 3 stale */
	set_ctr(s, 0, FMETA_CTR_MAX);
	assert_int_equal(switch_to(s, CTX_B), -ENG_ERANGE);
	assert_int_equal(s->raised[MPE_RAISE_WIPED], 1);
	assert_memory_equal(s->mem[0], zero, 4096);		/* wiped */
	assert_int_equal(s->perms[0], 0);
	assert_true(fmeta_encrypted(fmeta_get(&s->m.fm, mk_gfn(1))));
	assert_memory_not_equal(s->mem[1], s->plain[1], 4096);
	assert_int_equal(s->perms[1], 0);
	sim_free(s);
}

static void test_random_events(void **state)
{
	struct mpe_config cfg = { 4, 3, 2, 3 };
	struct sim *s = sim_new(&cfg, 8);
	uint64_t seed = 0xabcdef;

	(void)state;
	for (int it = 0; it < 3000; it++) {
		uint64_t r = rnd_next(&seed), g = r % 256;
		uint64_t ctx = (r >> 8) & 1 ? CTX_A : CTX_B;
		int rc = 0;
		switch ((r >> 12) % 8) {
		case 0:
			rc = sim_classify(s, g, 1 + (r >> 20) % 24,
					  (uint8_t)((r >> 30) % 4),
					  (uint8_t)((r >> 33) % 7),
					  (uint8_t)((r >> 36) % 3), ctx,
					  (uint8_t)((r >> 40) % 2));
			if (rc != 0 && rc != -ENG_ENOSPC)
				fail_msg("classify: %d", rc);
			break;
		case 1: {
			struct mpe_sample smp[8];
			for (int i = 0; i < 8; i++)
				smp[i] = (struct mpe_sample){ (g + (uint64_t)i * 3) % 256,
					(uint8_t)(i & 1), 0 };
			struct mpe_event ev = { .type = MPE_EV_TICK, .samples = smp,
						.nsamples = (uint32_t)(r >> 50) % 9 };
			assert_int_equal(mpe_exec_event(&s->x, &ev), 0);
			break;
		}
		case 2: {
			struct mpe_event ev = { .type = MPE_EV_CTX_SWITCH, .ctx = ctx };
			assert_int_equal(mpe_exec_event(&s->x, &ev), 0);
			break;
		}
		default:
			rc = sim_access(s, g, (uint32_t)(1u << ((r >> 44) % 3)),
					ctx, (r >> 47) & 1, (uint8_t)r);
			assert_true(rc == 0 || rc == 1);
		}
		chk(s, it % 100 == 0);
	}
	chk(s, true);
	sim_free(s);
}

static void test_bad_events(void **state)
{
	struct sim *s = sim_new(NULL, 9);
	struct mpe_action a[MPE_ACT_MIN];
	uint32_t n;

	(void)state;
	struct mpe_event ev = { .type = MPE_EV_CLASSIFY,
		.gpa = mk_gpa(0x1001), .nframes = 1 };
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.gpa = mk_gpa(0x1000);
	ev.nframes = 0;
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.nframes = UINT64_MAX;
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.nframes = 1;
	ev.attr.sens = 9;
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.attr.sens = PART_SENS_SECRET;
	ev.attr.access = PART_ACC_OWNER;	/* owner 0 */
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.attr.access = PART_ACC_ANY;
	ev.attr.profile = PART_PROF_QUARANTINE;
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.attr.profile = PART_PROF_HEAP;
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN - 1, &n), -ENG_EINVAL);
	ev.type = 77;
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.type = MPE_EV_TICK;
	ev.nsamples = 3;
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_EINVAL);
	ev.type = MPE_EV_ANOMALY;	/* no partition there */
	assert_int_equal(mpe_handle(&s->m, &ev, a, MPE_ACT_MIN, &n), -ENG_ENOENT);
	/* Partition table exhaustion is an error, not a crash. */
	int rc = 0;
	for (uint64_t i = 0; i < 2 * SIM_PARTS && !rc; i++)
		rc = sim_classify(s, i * 2, 1, PART_SENS_SECRET, PART_PROF_HEAP,
				  PART_ACC_ANY, 0, PART_CIPHER_XTS);
	assert_int_equal(rc, -ENG_ENOSPC);
	chk(s, true);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_and_fault_in),
		cmocka_unit_test(test_exec_anomaly),
		cmocka_unit_test(test_owner_only),
		cmocka_unit_test(test_ctx_switch),
		cmocka_unit_test(test_ctx_switch_owner_elsewhere),
		cmocka_unit_test(test_tiers_hysteresis_floor),
		cmocka_unit_test(test_rotation_sweep),
		cmocka_unit_test(test_gcm_integrity),
		cmocka_unit_test(test_gcm_counter_exhaustion_rekeys),
		cmocka_unit_test(test_failed_encrypt_wipes),
		cmocka_unit_test(test_random_events),
		cmocka_unit_test(test_bad_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
