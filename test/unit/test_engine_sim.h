/*
 * test/unit/test_engine_sim.h - a simulated guest for the MPE + AEM:
 * SIM_FRAMES frames of "guest RAM", a shadow copy of what the guest last
 * wrote (its plaintext), a fake nested page table (permissions per frame)
 * driven by MAP/UNMAP actions, and counters of RAISEd events. Used by the
 * policy unit tests, the fuzzer and the fault-path benchmark, so all three
 * drive the engines through mpe_exec_event() exactly as the hypervisor will.
 * sim_check() adds the end-to-end property to mpe_check(): a frame of an
 * ENCRYPTED/ISOLATED partition holds the guest's plaintext in RAM only while
 * it is in the working set, and decrypts back to it when it is not.
 */
#ifndef SHROUD_TEST_ENGINE_SIM_H
#define SHROUD_TEST_ENGINE_SIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aem.h"
#include "aem_alloc.h"
#include "prot/mpe_exec.h"

#ifndef SIM_FRAMES
#define SIM_FRAMES	2048u	/* 8 MiB of guest RAM */
#endif
#define SIM_PARTS	32u
#define SIM_EXT		256u

struct sim {
	uint8_t (*mem)[4096];
	uint8_t (*plain)[4096];
	uint8_t perms[SIM_FRAMES];	/* fake NPT: MPE_ACC_* */
	uint32_t raised[16];
	uint32_t npt_ops;
	struct part_extent ext[SIM_EXT];
	struct partition parts[SIM_PARTS];
	uint64_t ws[SIM_PARTS * WS_MAX_W];
	uint32_t dir[SIM_FRAMES / FMETA_CHUNK_FRAMES];
	struct fmeta *pool;
	struct aem_key_slot slots[SIM_PARTS];
	struct aem aem;
	struct mpe m;
	struct mpe_exec x;
};

static void *sim_frame(void *ctx, gfn_t g)
{
	struct sim *s = ctx;

	return g.v < SIM_FRAMES ? s->mem[g.v] : NULL;
}

static int sim_npt(void *ctx, const struct mpe_action *a)
{
	struct sim *s = ctx;

	s->npt_ops++;
	if (a->type != MPE_ACT_MAP && a->type != MPE_ACT_UNMAP)
		return 0;
	for (uint64_t g = a->gfn; g < a->gfn + a->nframes; g++) {
		if (g >= SIM_FRAMES)
			return -ENG_EINVAL;
		s->perms[g] = a->type == MPE_ACT_MAP ? a->perms : 0;
	}
	return 0;
}

static void sim_raise(void *ctx, const struct mpe_action *a)
{
	struct sim *s = ctx;

	s->raised[a->code < 16 ? a->code : 0]++;
}

/* Fill RAM with a pattern and set everything up. NULL on failure. */
static struct sim *sim_new(const struct mpe_config *cfg, uint64_t seed)
{
	static const uint8_t master[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint8_t nonce[16] = { 0x42 };
	struct sim *s = calloc(1, sizeof(*s));
	uint32_t chunks = SIM_FRAMES / FMETA_CHUNK_FRAMES;

	if (!s)
		return NULL;
	s->mem = malloc((size_t)SIM_FRAMES * 4096);
	s->plain = malloc((size_t)SIM_FRAMES * 4096);
	s->pool = calloc((size_t)chunks * FMETA_CHUNK_FRAMES, sizeof(struct fmeta));
	if (!s->mem || !s->plain || !s->pool)
		abort();
	for (size_t i = 0; i < (size_t)SIM_FRAMES * 512; i++)
		((uint64_t *)s->mem)[i] = (seed += 0x9e3779b97f4a7c15ull);
	memcpy(s->plain, s->mem, (size_t)SIM_FRAMES * 4096);
	memset(s->perms, MPE_ACC_R | MPE_ACC_W | MPE_ACC_X, sizeof(s->perms));
	struct mpe_storage st = { s->ext, SIM_EXT, s->parts, SIM_PARTS, s->ws,
		WS_MAX_W, s->dir, chunks, s->pool, chunks };
	if (aem_cipher_backend() == AEM_BACKEND_AUTO &&	/* none chosen yet */
	    aem_cipher_select(AEM_BACKEND_AUTO) &&
	    aem_cipher_select(AEM_BACKEND_MBEDTLS))
		abort();
	if (aem_init(&s->aem, master, nonce, sizeof(nonce), s->slots, SIM_PARTS) ||
	    mpe_init(&s->m, &st, cfg))
		abort();
	s->x = (struct mpe_exec){ &s->m, &s->aem,
		{ sim_frame, sim_npt, sim_raise, s }, 0, 0, false };
	return s;
}

static void sim_free(struct sim *s)
{
	aem_fini(&s->aem);
	free(s->mem);
	free(s->plain);
	free(s->pool);
	free(s);
}

/* The guest touches gfn: a fault if the fake NPT does not allow it.
 * Returns 0 when the access went through, else the fault's result
 * (1 = still not allowed after the fault: denied). A write stores a new
 * byte pattern in RAM and in the shadow plaintext. */
static int sim_access(struct sim *s, uint64_t g, uint32_t acc, uint64_t ctx,
		      bool user, uint8_t val)
{
	if ((s->perms[g] & acc) != acc) {
		struct mpe_event ev = { .type = MPE_EV_NPF, .access = acc,
			.gpa = gfn_to_gpa(mk_gfn(g)), .ctx = ctx, .user = user };
		int rc = mpe_exec_event(&s->x, &ev);
		if (rc)
			return rc;
		if ((s->perms[g] & acc) != acc)
			return 1;
	}
	if (acc & MPE_ACC_W) {
		memset(s->mem[g] + (val & 0xf) * 256, val, 256);
		memset(s->plain[g] + (val & 0xf) * 256, val, 256);
	}
	return 0;
}

static int sim_classify(struct sim *s, uint64_t g, uint64_t n, uint8_t sens,
			uint8_t profile, uint8_t access, uint64_t owner,
			uint8_t cipher)
{
	struct mpe_event ev = { .type = MPE_EV_CLASSIFY,
		.gpa = gfn_to_gpa(mk_gfn(g)), .nframes = n,
		.attr = { .profile = profile, .sens = sens, .access = access,
			  .cipher = cipher, .owner = owner } };

	return mpe_exec_event(&s->x, &ev);
}

/* mpe_check plus: RAM holds plaintext exactly for clear frames, and every
 * encrypted frame decrypts back to the guest's plaintext. */
static int sim_check(struct sim *s, bool deep)
{
	static uint8_t tmp[4096];
	int rc = mpe_check(&s->m);

	if (rc)
		return rc;
	for (uint64_t g = 0; g < SIM_FRAMES; g++) {
		const struct fmeta *f = fmeta_get(&s->m.fm, mk_gfn(g));
		bool same = memcmp(s->mem[g], s->plain[g], 4096) == 0;
		if (!fmeta_encrypted(f)) {
			if (!same)
				return -100;
			continue;
		}
		if (same)
			return -101;	/* "encrypted" but plaintext in RAM */
		if (!deep)
			continue;
		const struct part_extent *e = part_map_lookup(&s->m.map, mk_gfn(g));
		const struct partition *p = e ? part_get(&s->m.parts, e->part_id) : NULL;
		if (!p)
			return -102;
		uint32_t ep = fmeta_gen(f) == (p->key_epoch & 1u) ? p->key_epoch
								 : p->key_epoch - 1;
		const struct aem_page_key *k = aem_key_get(&s->aem, p->key_id, ep);
		if (!k)
			return -103;
		memcpy(tmp, s->mem[g], 4096);
		rc = p->cipher == PART_CIPHER_GCM
			? aem_gcm_decrypt_frame(k, mk_gfn(g), fmeta_ctr(f), tmp, f->tag)
			: aem_xts_decrypt_frame(k, mk_gfn(g), tmp);
		if (rc || memcmp(tmp, s->plain[g], 4096))
			return -104;
	}
	return 0;
}

#endif /* SHROUD_TEST_ENGINE_SIM_H */
