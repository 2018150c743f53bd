/*
 * bench/fault_bench.c - host-side cost of Shroud's nested-page-fault path
 * for a cold frame, without the hardware exit: mpe_exec_event(NPF) does the
 * partition lookup (map of ~60 extents), the owner check, the working-set
 * insert with LRU eviction (UNMAP + re-encrypt of the victim), the decrypt
 * of the faulting frame and the MAP, through the same executor the
 * hypervisor uses (fake NPT from test/unit/test_engine_sim.h). Every fault
 * is cold: frames are touched round-robin over far more than W = 8.
 * Prints min/median ns per fault for XTS and GCM partitions, per back end.
 */
#include "common.h"
#include "test_engine_sim.h"

#define ROUNDS	201
#define BATCH	256	/* faults per sample */

struct cand {
	const char *name;
	enum aem_backend be;
	uint8_t cipher;
	struct sim *s;
	uint64_t base, next;
	double v[ROUNDS];
};

static struct sim *setup(enum aem_backend be, uint8_t cipher, uint64_t *base)
{
	if (aem_cipher_select(be))
		return NULL;
	struct sim *s = sim_new(NULL, 42);
	/* 30 partitions of 64 frames, alternating owners and ciphers. */
	for (uint64_t i = 0; i < 30; i++)
		if (sim_classify(s, i * 64, 64, PART_SENS_SECRET, PART_PROF_HEAP,
				 PART_ACC_OWNER, 0x1000, i & 1 ? PART_CIPHER_GCM
							       : PART_CIPHER_XTS))
			abort();
	*base = cipher == PART_CIPHER_GCM ? 64 : 0;
	return s;
}

static void sample(struct cand *c, int r)
{
	struct mpe_event ev = { .type = MPE_EV_NPF, .access = MPE_ACC_R | MPE_ACC_W,
				.ctx = 0x1000, .user = true };
	if (aem_cipher_select(c->be))
		abort();
	uint64_t t0 = bench_ns();
	for (int i = 0; i < BATCH; i++) {
		ev.gpa = gfn_to_gpa(mk_gfn(c->base + c->next));
		c->next = (c->next + 1) % 64;
		if (mpe_exec_event(&c->s->x, &ev))
			abort();
	}
	c->v[r] = (double)(bench_ns() - t0) / BATCH;
}

int main(void)
{
	static struct cand c[] = {
		{ "XTS vaes", AEM_BACKEND_VAES, PART_CIPHER_XTS, 0, 0, 0, { 0 } },
		{ "XTS aes-ni", AEM_BACKEND_AESNI, PART_CIPHER_XTS, 0, 0, 0, { 0 } },
		{ "GCM vaes", AEM_BACKEND_VAES, PART_CIPHER_GCM, 0, 0, 0, { 0 } },
		{ "GCM aes-ni", AEM_BACKEND_AESNI, PART_CIPHER_GCM, 0, 0, 0, { 0 } },
	};
	const int nc = 4;

	for (int i = 0; i < nc; i++)
		c[i].s = setup(c[i].be, c[i].cipher, &c[i].base);
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < nc; i++)
			if (c[i].s)
				sample(&c[i], r);
	printf("bench-fault: ns per cold-frame fault (lookup, access check, "
	       "decrypt, ws insert, evict+re-encrypt, map), %d x %d faults\n",
	       ROUNDS, BATCH);
	for (int i = 0; i < nc; i++) {
		if (!c[i].s) {
			printf("  %-12s (back end not available)\n", c[i].name);
			continue;
		}
		struct bench_stat st = bench_stats(c[i].v + 1, ROUNDS - 1);
		printf("  %-12s min %6.0f  median %6.0f  (%s 1500 ns target)\n",
		       c[i].name, st.min, st.median,
		       st.median < 1500 ? "under" : "OVER");
		if (mpe_check(&c[i].s->m) || sim_check(c[i].s, false))
			printf("  %-12s INVARIANT BROKEN\n", c[i].name);
		sim_free(c[i].s);
	}
	return 0;
}
