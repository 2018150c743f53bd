/*
 * prot/self_check.c - the protection layer's self-check (shroud.cfg
 * self_check = yes; for hunting bugs, off by default).
 *
 * After every operation under prot_lock (prot_unlock) every CPU's view of
 * every frame of every owner-only partition is compared with the engine's
 * state, the rules the design promises (ARCHITECTURE.md, N3/N5/S1):
 *   V1  a frame is in its partition's working set exactly when it is clear;
 *   V2  no view maps a protected frame through a 2 MiB or 1 GiB leaf;
 *   V3  a clear frame is mapped (identity) only in the view of a CPU that
 *       runs its owner;
 *   V4  an encrypted frame is mapped only read-only, and never in the view
 *       of a CPU that runs its owner (the owner would compute on
 *       ciphertext without a fault).
 * A diverted GPA (mapped to a CPU's sink frame) is not the frame and is
 * skipped.  A violation is logged with the rule, the frame and CPU, and
 * the last operations of prot_run (a ring of PROT_TRACE records), once
 * per boot in full and counted after that.  Cost: partitions' pages times
 * CPUs page-table lookups per operation; not for production.
 * Callers: prot_unlock(), prot_lock held.
 */
#include "prot/self_check.h"
#include "base/log.h"
#include "mm/pgtable.h"
#include "prot/prot_state.h"

bool prot_self_check_on;

#define PROT_TRACE	24u
#define TRACE_ACTS	6u

struct trace_rec {
	uint64_t seq;
	uint32_t cpu, ev, access, n;
	int rc;
	uint64_t gpa, ctx;
	uint8_t act[TRACE_ACTS], perms[TRACE_ACTS];
	uint64_t gfn[TRACE_ACTS];
};

static struct trace_rec trace[PROT_TRACE];
static uint64_t trace_seq;
static uint64_t violations;
static bool dumped;

void prot_trace_run(const struct prot_cpu *c, const struct mpe_event *ev,
		    const struct mpe_action *a, uint32_t n, int rc)
{
	struct trace_rec *t;
	uint32_t i;

	if (!prot_self_check_on)
		return;
	t = &trace[trace_seq % PROT_TRACE];
	t->seq = ++trace_seq;
	t->cpu = c->id;
	t->ev = ev->type;
	t->access = ev->access;
	t->gpa = ev->gpa.v;
	t->ctx = ev->ctx;
	t->n = n;
	t->rc = rc;
	for (i = 0; i < TRACE_ACTS; i++) {
		t->act[i] = i < n ? a[i].type : 0xff;
		t->perms[i] = i < n ? a[i].perms : 0;
		t->gfn[i] = i < n ? a[i].gfn : 0;
	}
}

static void dump_trace(void)
{
	uint64_t s = trace_seq > PROT_TRACE ? trace_seq - PROT_TRACE : 0;
	uint32_t i;

	log_raw("  last operations (oldest first; ev 0 NPF 4 CTX_SWITCH; act "
		"0 MAP 1 UNMAP 2 DECRYPT 3 ENCRYPT):\n");
	for (; s < trace_seq; s++) {
		const struct trace_rec *t = &trace[s % PROT_TRACE];

		log_raw("  #%llu cpu %u ev %u acc %u gpa 0x%llx ctx 0x%llx rc %d "
			"n %u:", (unsigned long long)t->seq, t->cpu, t->ev,
			t->access, (unsigned long long)t->gpa,
			(unsigned long long)t->ctx, t->rc, t->n);
		for (i = 0; i < TRACE_ACTS && i < t->n; i++)
			log_raw(" %u/%x@0x%llx", t->act[i], t->perms[i],
				(unsigned long long)t->gfn[i]);
		log_raw("\n");
	}
}

static void violation(const char *rule, uint16_t part, uint64_t page,
		      uint64_t gfn, int cpu, uint64_t e)
{
	violations++;
	if (violations > 4)
		return;
	log_err("check", "%s: partition %u page %llu frame 0x%llx cpu %d "
		"entry 0x%llx (cpus' contexts 0x%llx 0x%llx), after op #%llu",
		rule, part + 1u, (unsigned long long)page,
		(unsigned long long)(gfn << 12), cpu, (unsigned long long)e,
		(unsigned long long)(prot.cpus[0] ? prot.cpus[0]->fault_ctx : 0),
		(unsigned long long)(prot.ncpus > 1 && prot.cpus[1] ?
				     prot.cpus[1]->fault_ctx : 0),
		(unsigned long long)trace_seq);
	if (!dumped) {
		dumped = true;
		dump_trace();
	}
}

static void check_frame(uint16_t id, const struct partition *mp,
			uint64_t page, uint64_t gfn)
{
	const struct fmeta *f = fmeta_get(&prot.mpe.fm, mk_gfn(gfn));
	bool enc = fmeta_encrypted(f);
	bool inws = ws_find(&mp->ws, mk_gfn(gfn)) >= 0;
	uint32_t j;

	if (inws == enc)
		violation(enc ? "V1 encrypted frame in the working set"
			      : "V1 clear frame out of the working set",
			  id, page, gfn, -1, 0);
	for (j = 0; j < prot.ncpus; j++) {
		const struct prot_cpu *o = prot.cpus[j];
		unsigned level;
		uint64_t e;
		bool owner_here;

		if (!o)
			continue;
		e = gpmap_lookup(o->gpm, mk_gpa(gfn << 12), &level);
		if (!e)
			continue;
		if (level > 1) {
			violation("V2 large leaf over a protected frame", id,
				  page, gfn, (int)j, e);
			continue;
		}
		if ((e & PTE_ADDR_MASK) != gfn << 12)
			continue;	/* diverted to the sink */
		owner_here = (prot_owner_id(o->fault_ctx) & PART_OWNER_MASK) ==
			     mp->owner;
		if (!enc && !owner_here)
			violation("V3 clear frame mapped for a non-owner", id,
				  page, gfn, (int)j, e);
		if (enc && owner_here)
			violation("V4 ciphertext mapped on the owner's CPU", id,
				  page, gfn, (int)j, e);
		if (enc && gpmap_guest_may(o->gpm, mk_gpa(gfn << 12), GPM_W))
			violation("V4 ciphertext mapped writable", id, page,
				  gfn, (int)j, e);
	}
}

void prot_self_check(void)
{
	uint32_t i;
	uint64_t k;

	if (!prot_self_check_on || !prot.enabled)
		return;
	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct prot_part *p = &prot.part[i];
		const struct partition *mp = prot_mpe_part((uint16_t)i);

		if (!mp || mp->access == PART_ACC_ANY ||
		    mp->tier == PART_TIER_CLEAR || !p->gfns)
			continue;
		for (k = 0; k < (p->len >> 12); k++)
			if (p->gfns[k] != GFN_LOST)
				check_frame((uint16_t)i, mp, k, p->gfns[k]);
	}
}

uint64_t prot_self_check_violations(void)
{
	return violations;
}
