/*
 * test/fuzz/fuzz_policy.c - libFuzzer harness for the MPE policy and its
 * executor: the input is a stream of 8-byte events (fault with access type
 * and context, tick with samples, classification, anomaly report, context
 * switch, key rotation and sweep) applied to a 512-frame simulated guest.
 * After every event mpe_check() and the RAM-level sim_check() must pass
 * (plaintext only in working sets, every encrypted frame decrypts back);
 * results must be 0 or documented error codes.
 */
#define SIM_FRAMES 512u
#include "test_engine_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void step(struct sim *s, const uint8_t *e)
{
	uint64_t g = e[1] | (uint64_t)(e[2] & 1) << 8;
	uint64_t ctx = 0x1000u * (1 + (e[3] & 1));
	int rc = 0;

	switch (e[0] % 8) {
	case 0:
		if (g + 1 + e[4] % 40 > SIM_FRAMES)
			g = SIM_FRAMES - 1 - e[4] % 40;
		rc = sim_classify(s, g, 1 + e[4] % 40, e[5] % 4, e[6] % 7,
				  e[7] % 3, ctx, (e[7] >> 2) & 1);
		if (rc && rc != -ENG_ENOSPC)
			abort();
		return;
	case 1: {
		struct mpe_sample smp[4];
		for (int i = 0; i < 4; i++)
			smp[i] = (struct mpe_sample){ (g + e[4 + i]) % SIM_FRAMES,
						      1, 0 };
		struct mpe_event ev = { .type = MPE_EV_TICK, .samples = smp,
					.nsamples = e[3] % 5 };
		rc = mpe_exec_event(&s->x, &ev);
		break;
	}
	case 2: {
		struct mpe_event ev = { .type = MPE_EV_CTX_SWITCH, .ctx = ctx };
		rc = mpe_exec_event(&s->x, &ev);
		break;
	}
	case 3: {
		struct mpe_event ev = { .type = MPE_EV_ANOMALY,
					.gpa = gfn_to_gpa(mk_gfn(g)) };
		rc = mpe_exec_event(&s->x, &ev);
		if (rc == -ENG_ENOENT)
			rc = 0;
		break;
	}
	case 4: {
		const struct part_extent *x = part_map_lookup(&s->m.map, mk_gfn(g));
		if (!x)
			return;
		rc = mpe_exec_rotate(&s->x, x->part_id);
		if (rc == -ENG_EBUSY || rc == -ENG_ENOENT)
			rc = 0;
		int64_t left = mpe_exec_sweep(&s->x, x->part_id, e[4]);
		if (left < 0)
			abort();
		break;
	}
	default:
		rc = sim_access(s, g, 1u << (e[4] % 3), ctx, e[5] & 1, e[6]);
		if (rc == 1)
			rc = 0;
	}
	if (rc && rc != -ENG_ENOSPC)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct mpe_config cfg = { 4, 2, 2, 2 };
	struct sim *s;

	if (n > 8 * 200)
		return 0;
	s = sim_new(&cfg, 7);
	for (; n >= 8; d += 8, n -= 8) {
		step(s, d);
		if (sim_check(s, n < 16))
			abort();
	}
	sim_free(s);
	if (aem_slab_in_use())
		abort();
	return 0;
}
