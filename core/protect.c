/*
 * core/protect.c - protected memory: state, the engines' executor
 * callbacks, nested page faults and owner switches (see protect.h).  The
 * hypercalls are in core/hc_protect.c.
 */
#include "core/protect.h"
#include "arch/x86/fpu.h"
#include "core/gmem.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/prot_state.h"
#include "include/shroud/abi.h"
#include "mm/frame.h"
#include "mm/gpt_walk.h"

struct prot_state prot;

/* ---- executor callbacks (mm/mpe_exec.h) --------------------------------- */

static void *exec_frame(void *ctx, gfn_t g)
{
	(void)ctx;
	if (!gmem_is_ram(g.v << 12, 4096))
		return NULL;
	return hpa_ptr(g.v << 12);
}

static unsigned vperms(uint8_t mpe_perms)
{
	return ((mpe_perms & MPE_ACC_R) ? VPERM_R : 0) |
	       ((mpe_perms & MPE_ACC_W) ? VPERM_W : 0) |
	       ((mpe_perms & MPE_ACC_X) ? VPERM_X : 0);
}

static int exec_npt(void *ctx, const struct mpe_action *a)
{
	struct vcpu *v = ctx;
	unsigned perms = a->type == MPE_ACT_MAP ? vperms(a->perms) : 0;
	uint64_t g;
	int rc = 0;

	switch (a->type) {
	case MPE_ACT_MAP:
	case MPE_ACT_UNMAP:
		for (g = a->gfn; g < a->gfn + a->nframes && !rc; g++) {
			if ((g << 12) == prot.diverted_gpa)
				prot.diverted_gpa = 0;
			rc = v->ops->npt_map_4k(v, g << 12, g << 12, perms);
		}
		return rc;
	case MPE_ACT_MERGE:
		return v->ops->npt_identity_2m(v, a->gfn << 12);
	case MPE_ACT_MOVE:	/* out of every partition: ordinary memory */
		for (g = a->gfn; a->part_to == PART_ID_NONE &&
		     g < a->gfn + a->nframes && !rc; g++)
			rc = v->ops->npt_map_4k(v, g << 12, g << 12,
						VPERM_R | VPERM_W | VPERM_X);
		return rc;
	default:	/* SPLIT: 4 KiB maps split on demand */
		return 0;
	}
}

/* The owner's GVA of frame @gfn in guest partition @p, or 0. */
static uint64_t gva_of(const struct prot_part *p, uint64_t gfn)
{
	uint64_t i, n = p->len >> 12;

	for (i = 0; i < n; i++)
		if (p->gfns[i] == gfn)
			return p->gva + (i << 12);
	return 0;
}

void prot_event(uint32_t type, uint16_t part, uint64_t gva, uint64_t info)
{
	struct prot_event_rec *e;
	uint32_t slot;

	if (prot.ev_n == PROT_EVENTS) {		/* full: drop the oldest */
		prot.ev_head = (prot.ev_head + 1) % PROT_EVENTS;
		prot.ev_n--;
		prot.ev_dropped++;
	}
	slot = (prot.ev_head + prot.ev_n) % PROT_EVENTS;
	e = &prot.ev[slot];
	e->ev.type = type;
	e->ev.part_id = (uint32_t)part + 1;	/* guest ids are MPE ids + 1 */
	e->ev.seq = ++prot.ev_seq;
	e->ev.gva = gva;
	e->ev.info = info;
	e->owner = prot.part[part].owner;
	prot.ev_n++;
}

static void exec_raise(void *ctx, const struct mpe_action *a)
{
	const struct prot_part *p = &prot.part[a->part < PROT_PART_SLOTS ? a->part : 0];
	uint64_t gva = a->part < PROT_PART_SLOTS ? gva_of(p, a->gfn) : 0;

	(void)ctx;
	switch (a->code) {
	case MPE_RAISE_DENIED_WRITE:
		prot.st.denials++;
		prot.denied_write = 1;
		prot_event(SHROUD_EV_DENIED, a->part, gva, prot.fault_ctx);
		break;
	case MPE_RAISE_DENIED_READ:
		prot.st.foreign_reads++;
		prot_event(SHROUD_EV_FOREIGN_READ, a->part, gva, prot.fault_ctx);
		break;
	case MPE_RAISE_INTEGRITY:
		prot.st.tamper++;
		prot.tampered = 1;
		prot_event(SHROUD_EV_TAMPER, a->part, gva, a->gfn << 12);
		log_warn("prot", "partition %u: frame 0x%llx failed its "
			 "integrity check", (unsigned)a->part + 1,
			 (unsigned long long)(a->gfn << 12));
		break;
	case MPE_RAISE_ANOMALY_EXEC:
	case MPE_RAISE_ANOMALY_REPORT:
		prot.st.anomalies++;
		prot_event(SHROUD_EV_ANOMALY, a->part, gva, a->gfn << 12);
		break;
	default:
		break;
	}
}

/*
 * Feed one event and run its actions.  The list is static and large: an
 * owner coming back must lose every read-only ciphertext mapping of a
 * partition whose frames are scattered over up to PROT_PAGES_MAX extents,
 * and a switch away re-encrypts every partition's working set, in one go
 * (mpe_exec_event's 64-entry stack list would stop half way).
 */
int prot_run(struct mpe_event *ev)
{
	static struct mpe_action list[PROT_ACTIONS];
	uint32_t n = 0, i, crypto = 0;
	int rc = mpe_handle(&prot.mpe, ev, list, PROT_ACTIONS, &n);
	int rc2;

	for (i = 0; i < n && !crypto; i++)
		crypto = list[i].type == MPE_ACT_DECRYPT ||
			 list[i].type == MPE_ACT_ENCRYPT;
	if (crypto)	/* one XSAVE/XRSTOR for all the event's frames */
		arch_fpu_begin();
	rc2 = mpe_exec_run(&prot.exec, list, n);	/* decided: stands */
	if (crypto)
		arch_fpu_end();
	return rc ? rc : rc2;
}

void prot_exec_setup(struct vcpu *v)
{
	prot.exec.m = &prot.mpe;
	prot.exec.aem = &prot.aem;
	prot.exec.ops.frame = exec_frame;
	prot.exec.ops.npt = exec_npt;
	prot.exec.ops.raise = exec_raise;
	prot.exec.ops.ctx = v;
}

void prot_update_intercepts(void)
{
	unsigned i, any = 0;

	for (i = 0; i < PROT_PART_SLOTS; i++)
		if (prot.part[i].used && prot.part[i].policy != SHROUD_POLICY_ANY)
			any = 1;
	prot.v->ops->intercept_cr3(prot.v, (int)any);
}

void prot_forget(uint16_t id)
{
	const struct partition *mp = part_get(&prot.mpe.parts, id);

	if (part_map_frames_of(&prot.mpe.map, id))
		return;
	if (mp)		/* STATS counts since boot, not per live partition */
		prot.st.evictions_gone += mp->cnt.evictions;
	(void)part_destroy(&prot.mpe.parts, id);
	(void)aem_key_close(&prot.aem, id);
	if (prot.part[id].used) {
		prot.part[id].used = 0;
		prot_update_intercepts();
	}
}

void prot_drop_frame(uint16_t id, uint64_t page)
{
	struct prot_part *p = &prot.part[id];
	struct mpe_event ev = { 0 };
	uint64_t gfn = p->gfns[page];

	if (gfn == GFN_LOST)
		return;
	memset(hpa_ptr(gfn << 12), 0, 4096);	/* ciphertext, but still */
	ev.type = MPE_EV_DECLASSIFY;
	ev.gpa = mk_gpa(gfn << 12);
	ev.nframes = 1;
	ev.join = (uint32_t)id + 1;
	ev.discard = 1;
	if (prot_run(&ev))
		log_warn("prot", "partition %u: cannot release frame 0x%llx",
			 id + 1u, (unsigned long long)(gfn << 12));
	p->gfns[page] = GFN_LOST;
	prot_forget(id);
}

/* Page index of @gfn in partition @p, or -1. */
static int64_t page_index(const struct prot_part *p, uint64_t gfn)
{
	uint64_t i, n = p->len >> 12;

	for (i = 0; i < n; i++)
		if (p->gfns[i] == gfn)
			return (int64_t)i;
	return -1;
}

/*
 * Owners that let go.  A process that ends without UNPROTECT (killed,
 * crashed) leaves its partition behind while the guest kernel frees and
 * reuses its frames.  So when another context touches a protected frame,
 * the owner's own page tables are asked whether they still map it at its
 * page's GVA.  A live owner's do, and the frame stays protected; if they
 * do not, the owner has let go of it (exit, munmap, migration): the frame
 * (ciphertext) is wiped and becomes ordinary memory, and a REMAP event is
 * queued.  Returns 1 if the frame was released.
 */
static int release_if_orphan(struct vcpu *v, uint16_t id, uint64_t gfn,
			     uint64_t ctx)
{
	struct prot_part *p = &prot.part[id];
	struct gpt_walk w = { 0, 0, 0, 0, gmem_read, 0 };
	struct gpt_result r;
	int64_t i;

	if (!p->used || (ctx & PART_OWNER_MASK) == p->owner)
		return 0;
	i = page_index(p, gfn);
	v->ops->guest_paging(v, &w.cr0, &w.cr3, &w.cr4, &w.efer);
	w.cr3 = p->owner;
	if (i >= 0 && !gpt_translate(&w, p->gva + ((uint64_t)i << 12), &r) &&
	    (r.gpa >> 12) == gfn)
		return 0;
	prot.st.remaps++;
	prot_event(SHROUD_EV_REMAP, id, i >= 0 ? p->gva + ((uint64_t)i << 12) : 0, 0);
	if (i >= 0)
		prot_drop_frame(id, (uint64_t)i);
	return 1;
}

/* HLT is intercepted while owner-only frames are in clear. */
static void update_hlt(struct vcpu *v)
{
	unsigned i, clear = 0;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct partition *mp = part_get(&prot.mpe.parts, (uint16_t)i);

		if (mp && prot.part[i].used &&
		    prot.part[i].policy != SHROUD_POLICY_ANY && mp->ws.n)
			clear = 1;
	}
	v->ops->intercept_hlt(v, (int)clear);
}

/* Put the diverted GPA back to "not present": its next access faults and
 * the policy maps it again for whoever touches it. */
static void undivert(struct vcpu *v)
{
	if (!prot.diverted_gpa)
		return;
	(void)v->ops->npt_map_4k(v, prot.diverted_gpa, prot.diverted_gpa, 0);
	prot.diverted_gpa = 0;
}

/*
 * Another context wrote to a protected frame: the MPE refused it.  The
 * write goes to the scratch frame instead, which holds a copy of the
 * frame's ciphertext (or zeros while the frame is clear), so the writer
 * carries on, never sees plaintext, and the owner's frame is unchanged.
 */
static int divert(struct vcpu *v, uint64_t gpa)
{
	const struct fmeta *f = fmeta_get(&prot.mpe.fm, mk_gfn(gpa >> 12));

	undivert(v);
	if (fmeta_encrypted(f))
		memcpy(hpa_ptr(prot.sink_hpa), hpa_ptr(gpa), 4096);
	else
		memset(hpa_ptr(prot.sink_hpa), 0, 4096);
	prot.diverted_gpa = gpa;
	return v->ops->npt_map_4k(v, gpa, prot.sink_hpa, VPERM_R | VPERM_W);
}

/*
 * Forward progress.  One instruction may need two protected frames at once
 * (an access crossing a page boundary, a string copy): with a working set
 * of one frame (ISOLATED tier) they would evict each other forever.  Faults
 * at one RIP that come back to the GPA of two faults ago are such a
 * ping-pong: the partition's W grows by one frame.  The same GPA at the
 * same RIP over and over is no progress at all: the guest is stopped with
 * a reason, never left spinning silently.
 */
static int npf_progress(uint64_t gpa, uint64_t rip)
{
	const struct part_extent *x = part_map_lookup(&prot.mpe.map,
						      mk_gfn(gpa >> 12));
	struct partition *mp = x ? part_get(&prot.mpe.parts, x->part_id) : NULL;

	if (rip != prot.last_npf_rip) {
		prot.last_npf_rip = rip;
		prot.npf_gpa[0] = prot.npf_gpa[1] = ~0ull;
		prot.npf_repeat = 0;
	}
	if (gpa == prot.npf_gpa[0]) {
		if (++prot.npf_repeat > 16)
			return -1;
	} else if (gpa == prot.npf_gpa[1] && mp && mp->ws.limit < mp->ws.cap) {
		uint64_t none[PROT_WS_CAP];

		(void)ws_set_limit(&mp->ws, mp->ws.limit + 1, none);
		log_info("prot", "partition %u: W raised to %u (one instruction "
			 "needs more frames)", (unsigned)x->part_id + 1,
			 mp->ws.limit);
	}
	prot.npf_gpa[1] = prot.npf_gpa[0];
	prot.npf_gpa[0] = gpa;
	return 0;
}

int prot_npf(struct vcpu *v, uint64_t gpa, uint64_t err, uint64_t rip)
{
	const struct part_extent *x;
	uint64_t cr0, cr3, cr4, efer;
	struct mpe_event ev = { 0 };
	int rc;

	if (!prot.enabled)
		return 0;
	x = part_map_lookup(&prot.mpe.map, mk_gfn(gpa >> 12));
	if (!x) {
		/* A frame released while unmapped: ordinary memory again. */
		if (!gmem_is_ram(gpa & ~0xfffull, 4096))
			return 0;
		return v->ops->npt_map_4k(v, gpa & ~0xfffull, gpa & ~0xfffull,
					  VPERM_R | VPERM_W | VPERM_X) ? -1 : 1;
	}
	v->ops->guest_paging(v, &cr0, &cr3, &cr4, &efer);
	if (release_if_orphan(v, x->part_id, gpa >> 12, cr3))
		return 1;
	if (npf_progress(gpa & ~0xfffull, rip))
		return -1;
	ev.type = MPE_EV_NPF;
	ev.access = (err & (1u << 4)) ? MPE_ACC_X :
		    (err & (1u << 1)) ? MPE_ACC_W : MPE_ACC_R;
	ev.gpa = mk_gpa(gpa & ~0xfffull);
	ev.ctx = cr3;
	ev.user = v->ops->guest_cpl(v) == 3;
	prot.fault_ctx = cr3 & PART_OWNER_MASK;
	prot.denied_write = prot.tampered = 0;
	prot.st.faults++;
	rc = prot_run(&ev);
	if (rc == -ENG_EBADMSG || prot.tampered)
		return -2;	/* the owner must not compute on altered data */
	if (rc)
		log_err("prot", "fault at gpa 0x%llx: engine error %d",
			(unsigned long long)gpa, rc);
	else if (prot.denied_write)
		rc = divert(v, gpa & ~0xfffull);
	update_hlt(v);
	return rc ? -1 : 1;
}

/* The CPU now runs address space @ctx (0: none, idle): owners away lose
 * their clear frames, an owner back loses others' ciphertext views. */
static int owner_switch(struct vcpu *v, uint64_t ctx)
{
	struct mpe_event ev = { 0 };

	undivert(v);
	ev.type = MPE_EV_CTX_SWITCH;
	ev.ctx = ctx;
	prot.fault_ctx = ctx & PART_OWNER_MASK;
	return prot_run(&ev);
}

void prot_cr3_write(struct vcpu *v, uint64_t new_cr3)
{
	int rc;

	if (!prot.enabled)
		return;
	rc = owner_switch(v, new_cr3);
	if (!rc && ++prot.cr3_switches % 64 == 0) {
		struct mpe_event tick = { 0 };

		tick.type = MPE_EV_TICK;
		rc = prot_run(&tick);
	}
	if (rc)
		log_err("prot", "owner switch to cr3 0x%llx: engine error %d",
			(unsigned long long)new_cr3, rc);
	update_hlt(v);
}

void prot_idle(struct vcpu *v)
{
	int rc;

	if (!prot.enabled)
		return;
	rc = owner_switch(v, 0);	/* no address space: every owner is away */
	if (rc)
		log_err("prot", "idle switch: engine error %d", rc);
	update_hlt(v);
}

void prot_print(void)
{
	unsigned i;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct prot_part *p = &prot.part[i];
		const struct partition *mp = part_get(&prot.mpe.parts, (uint16_t)i);

		if (!p->used || !mp)
			continue;
		log_raw("  partition %u: %llu KiB sens %u policy %u tier %u "
			"clear %u/%u owner 0x%llx faults %llu\n", i + 1,
			(unsigned long long)(p->len >> 10), p->sens, p->policy,
			mp->tier, mp->ws.n, mp->ws.limit,
			(unsigned long long)p->owner,
			(unsigned long long)mp->cnt.faults);
	}
}
