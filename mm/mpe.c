/*
 * mm/mpe.c - the MPE adaptive policy (rules N1-N5, T1-T4, C1, S1 in
 * mm/mpe.h). The policy owns the partition map, the partition table, the
 * working sets and the frame-metadata allocation; it changes them when it
 * emits actions, except the clear/encrypted state of frames, which the
 * executor (mm/mpe_exec.c) sets when the crypto has actually happened.
 */
#include <string.h>

#include "mpe.h"

struct alist {
	struct mpe_action *a;
	uint32_t cap, n;
};

static int emit(struct alist *l, uint8_t type, uint16_t part, uint64_t gfn,
		uint64_t n, uint8_t perms, uint32_t code, uint16_t to)
{
	if (l->n >= l->cap)
		return -ENG_ENOSPC;
	l->a[l->n++] = (struct mpe_action){ .type = type, .perms = perms,
		.part = part, .part_to = to, .code = code, .gfn = gfn,
		.nframes = n };
	return 0;
}

#define RAISE(l, part, gfn, code, to) \
	emit(l, MPE_ACT_RAISE, part, gfn, 1, 0, code, to)

int mpe_init(struct mpe *m, const struct mpe_storage *st,
	     const struct mpe_config *cfg)
{
	struct part_attr q = { .profile = PART_PROF_QUARANTINE,
		.sens = PART_SENS_SECRET, .tier = PART_TIER_ISOLATED,
		.access = PART_ACC_ANY, .cipher = PART_CIPHER_GCM };
	int rc;

	if (!m || !st)
		return -ENG_EINVAL;
	memset(m, 0, sizeof(*m));
	m->cfg = cfg ? *cfg : (struct mpe_config){ WS_DEFAULT_W, 32, 3, 8 };
	if (!m->cfg.hysteresis || !m->cfg.hot_threshold)
		return -ENG_EINVAL;
	rc = part_map_init(&m->map, st->ext, st->ext_cap);
	if (!rc)
		rc = part_table_init(&m->parts, st->parts, st->part_cap, st->ws,
				     st->ws_cap, m->cfg.ws_default);
	if (!rc)
		rc = fmeta_init(&m->fm, st->fm_dir, st->fm_dir_len,
				st->fm_pool, st->fm_pool_chunks);
	if (!rc)
		rc = part_create(&m->parts, &q, &m->quarantine);
	return rc;
}

static uint8_t map_perms(const struct partition *p)
{
	uint8_t perms = MPE_ACC_R | MPE_ACC_W;

	if (part_profile_exec((enum part_profile)p->profile) &&
	    p->tier != PART_TIER_ISOLATED)
		perms |= MPE_ACC_X;
	return perms;
}

static bool is_owner(const struct partition *p, const struct mpe_event *ev)
{
	if (p->access == PART_ACC_ANY)
		return true;
	if ((ev->ctx & PART_OWNER_MASK) != p->owner)
		return false;
	return p->access == PART_ACC_OWNER || ev->user;
}

/* Rights of frame f of p: an isolated frame never gets execute. */
static uint8_t frame_perms(const struct partition *p, const struct fmeta *f)
{
	uint8_t perms = map_perms(p);

	return fmeta_isolated(f) ? (uint8_t)(perms & ~MPE_ACC_X) : perms;
}

/*
 * Isolate one frame of p in place (N2 and ANOMALY).  Isolation only ever
 * raises protection: the frame keeps its partition (owner, access policy,
 * sensitivity floor, key), leaves the working set (re-encrypted unless the
 * partition is CLEAR), and is never mapped executable again.
 */
static int isolate_frame(struct mpe *m, struct alist *l,
			 struct partition *p, gfn_t g, uint32_t code)
{
	struct fmeta *f;
	int rc;

	if (l->cap - l->n < 3)
		return -ENG_ENOSPC;
	rc = fmeta_populate(&m->fm, g, 1);
	if (rc)
		return rc;
	f = fmeta_get(&m->fm, g);
	fmeta_set_isolated(f);
	rc = emit(l, MPE_ACT_UNMAP, p->id, g.v, 1, 0, 0, 0);
	if (!ws_remove(&p->ws, g) && !rc && p->tier != PART_TIER_CLEAR)
		rc = emit(l, MPE_ACT_ENCRYPT, p->id, g.v, 1, 0, 0, 0);
	rc = rc ? rc : RAISE(l, p->id, g.v, code, p->id);
	if (!rc)
		p->cnt.anomalies++;
	return rc;
}

/* Frame g of p, clear in RAM (in its working set), is about to be seen by
 * a context that may not read it: it leaves the set, unmapped everywhere,
 * and is encrypted first. */
static int leave_ws_encrypted(struct mpe *m, struct alist *l,
			      struct partition *p, gfn_t g)
{
	int rc;

	(void)ws_remove(&p->ws, g);
	rc = fmeta_populate(&m->fm, g, 1);
	rc = rc ? rc : emit(l, MPE_ACT_UNMAP, p->id, g.v, 1, 0, 0, 0);
	return rc ? rc : emit(l, MPE_ACT_ENCRYPT, p->id, g.v, 1, 0, 0, 0);
}

/* N3: a context that is not the owner. */
static int npf_foreign(struct mpe *m, struct alist *l, struct partition *p,
		       gfn_t g, uint32_t access)
{
	int rc;

	p->cnt.denials++;
	if (access & (MPE_ACC_W | MPE_ACC_X))
		return RAISE(l, p->id, g.v, MPE_RAISE_DENIED_WRITE, 0);
	rc = 0;
	if (p->tier == PART_TIER_CLEAR)	/* <= INTERNAL, clear in RAM anyway */
		return emit(l, MPE_ACT_MAP, p->id, g.v, 1, MPE_ACC_R, 0, 0);
	if (ws_find(&p->ws, g) >= 0)
		rc = leave_ws_encrypted(m, l, p, g);
	rc = rc ? rc : emit(l, MPE_ACT_MAP, p->id, g.v, 1, MPE_ACC_R, 0, 0);
	p->ro_ciphertext = 1;
	return rc ? rc : RAISE(l, p->id, g.v, MPE_RAISE_DENIED_READ, 0);
}

/* N5: bring one frame of an encrypted partition into the working set. */
static int npf_encrypted(struct mpe *m, struct alist *l, struct partition *p,
			 gfn_t g, uint8_t perms)
{
	gfn_t victim;
	int rc = 0;

	(void)m;
	if (ws_find(&p->ws, g) >= 0) {
		(void)ws_insert(&p->ws, g, NULL);	/* refresh recency */
		return emit(l, MPE_ACT_MAP, p->id, g.v, 1, perms, 0, 0);
	}
	if (l->cap - l->n < 4)
		return -ENG_ENOSPC;
	if (ws_insert(&p->ws, g, &victim) == 1) {
		p->cnt.evictions++;
		rc = emit(l, MPE_ACT_UNMAP, p->id, victim.v, 1, 0, 0, 0);
		rc = rc ? rc : emit(l, MPE_ACT_ENCRYPT, p->id, victim.v, 1, 0, 0, 0);
	}
	rc = rc ? rc : emit(l, MPE_ACT_DECRYPT, p->id, g.v, 1, 0, 0, 0);
	return rc ? rc : emit(l, MPE_ACT_MAP, p->id, g.v, 1, perms, 0, 0);
}

static int on_npf(struct mpe *m, const struct mpe_event *ev, struct alist *l)
{
	gfn_t g = gpa_to_gfn(ev->gpa);
	const struct part_extent *e = ev->extent ? ev->extent :
				      part_map_lookup(&m->map, g);
	struct partition *p;
	struct fmeta *f;

	if (!e)		/* N1 */
		return emit(l, MPE_ACT_MAP, PART_ID_NONE, g.v, 1,
			    MPE_ACC_R | MPE_ACC_W | MPE_ACC_X, 0, 0);
	p = part_get(&m->parts, e->part_id);
	if (!p)
		return -ENG_ENOENT;
	p->cnt.faults++;
	p->epoch_accesses++;
	f = fmeta_get(&m->fm, g);
	if (f)
		fmeta_touch(f, m->tick);
	if ((ev->access & MPE_ACC_X) && (fmeta_isolated(f) ||
	    p->tier == PART_TIER_ISOLATED)) {
		int rc = 0;

		p->cnt.denials++;
		/* Refused either way; a context that may not read the frame
		 * must not find it clear and mapped either (N3): it leaves the
		 * working set, encrypted, as for a foreign read. */
		if (!is_owner(p, ev) && p->tier != PART_TIER_CLEAR &&
		    ws_find(&p->ws, g) >= 0) {
			if (l->cap - l->n < 3)
				return -ENG_ENOSPC;
			rc = leave_ws_encrypted(m, l, p, g);
		}
		return rc ? rc : RAISE(l, p->id, g.v, MPE_RAISE_ANOMALY_EXEC, 0);
	}
	if ((ev->access & MPE_ACC_X) && (p->profile == PART_PROF_DATA ||
	    p->profile == PART_PROF_STACK || p->profile == PART_PROF_HEAP))
		return isolate_frame(m, l, p, g, MPE_RAISE_ANOMALY_EXEC);
	if (p->access == PART_ACC_OWNER_USER && !ev->user &&
	    (ev->ctx & PART_OWNER_MASK) == p->owner) {	/* N3b */
		p->cnt.denials++;
		return RAISE(l, p->id, g.v, MPE_RAISE_DENIED_KERNEL, 0);
	}
	if (!is_owner(p, ev))
		return npf_foreign(m, l, p, g, ev->access);
	if (p->tier == PART_TIER_CLEAR)
		return emit(l, MPE_ACT_MAP, p->id, g.v, 1, frame_perms(p, f),
			    0, 0);
	return npf_encrypted(m, l, p, g, frame_perms(p, f));
}

/* Actions for p's tier change old -> p->tier, per extent. */
static int retier(struct mpe *m, struct alist *l, struct partition *p,
		  uint8_t old)
{
	uint64_t victims[WS_MAX_W];
	int rc = 0, k;

	if (old == PART_TIER_CLEAR) {	/* to ENCRYPTED */
		for (uint32_t i = 0; i < m->map.count && !rc; i++) {
			const struct part_extent *e = &m->map.ext[i];
			if (e->part_id != p->id)
				continue;
			rc = fmeta_populate(&m->fm, mk_gfn(e->start), e->nframes);
			rc = rc ? rc : emit(l, MPE_ACT_UNMAP, p->id, e->start,
					    e->nframes, 0, 0, 0);
			rc = rc ? rc : emit(l, MPE_ACT_ENCRYPT, p->id, e->start,
					    e->nframes, 0, 0, 0);
		}
	} else if (p->tier == PART_TIER_CLEAR) {	/* ENCRYPTED -> CLEAR */
		for (uint32_t i = 0; i < m->map.count && !rc; i++) {
			const struct part_extent *e = &m->map.ext[i];
			if (e->part_id == p->id)
				rc = emit(l, MPE_ACT_DECRYPT, p->id, e->start,
					  e->nframes, 0, 0, 0);
		}
		p->ws.n = 0;
	}
	k = ws_set_limit(&p->ws, part_ws_limit(&m->parts,
			 (enum part_tier)p->tier), victims);
	for (int i = 0; i < k && !rc; i++) {
		rc = emit(l, MPE_ACT_UNMAP, p->id, victims[i], 1, 0, 0, 0);
		rc = rc ? rc : emit(l, MPE_ACT_ENCRYPT, p->id, victims[i], 1, 0, 0, 0);
	}
	p->cnt.tier_changes++;
	return rc ? rc : RAISE(l, p->id, 0, MPE_RAISE_TIER_CHANGE, p->tier);
}

/* T1-T4 for one partition at the end of an epoch. */
static int tick_part(struct mpe *m, struct alist *l, struct partition *p)
{
	bool hot = p->epoch_accesses >= m->cfg.hot_threshold;
	bool cold = p->epoch_accesses == 0;
	uint8_t old = p->tier, want = p->tier;
	uint32_t extents = 0;

	p->hot_streak = hot ? p->hot_streak + 1 : 0;
	p->cold_streak = cold ? p->cold_streak + 1 : 0;
	p->epoch_accesses = 0;
	if (p->id == m->quarantine || m->tick - p->last_change < m->cfg.min_dwell)
		return 0;
	if (p->hot_streak >= m->cfg.hysteresis &&
	    p->tier > part_min_tier((enum part_sens)p->floor))
		want = (uint8_t)(p->tier - 1);
	else if (p->cold_streak >= m->cfg.hysteresis &&
		 p->tier < part_max_tier((enum part_sens)p->sens))
		want = (uint8_t)(p->tier + 1);
	if (want == old)
		return 0;
	for (uint32_t i = 0; i < m->map.count; i++)
		extents += m->map.ext[i].part_id == p->id;
	if (l->cap - l->n < 2 * extents + 2 * p->ws.n + 1)
		return 0;	/* no room this tick: try again next one */
	p->tier = want;
	p->hot_streak = p->cold_streak = 0;
	p->last_change = m->tick;
	return retier(m, l, p, old);
}

static int on_tick(struct mpe *m, const struct mpe_event *ev, struct alist *l)
{
	int rc = 0;

	m->tick++;
	for (uint32_t i = 0; i < ev->nsamples; i++) {
		const struct mpe_sample *s = &ev->samples[i];
		const struct part_extent *e;
		struct partition *p;
		if (!s->accessed && !s->dirty)
			continue;
		e = part_map_lookup(&m->map, mk_gfn(s->gfn));
		p = e ? part_get(&m->parts, e->part_id) : NULL;
		if (p)
			p->epoch_accesses++;
		struct fmeta *f = fmeta_get(&m->fm, mk_gfn(s->gfn));
		if (f)
			fmeta_touch(f, m->tick);
	}
	for (uint32_t i = 0; i < m->parts.cap && !rc; i++)
		if (m->parts.p[i].used)
			rc = tick_part(m, l, &m->parts.p[i]);
	return rc;
}

/* C1, first half: actions taking [s, e) out of its current partitions. */
static int classify_leave(struct mpe *m, struct alist *l, uint64_t s,
			  uint64_t e, uint16_t to)
{
	int rc = 0;

	for (uint32_t i = part_map_lower_bound(&m->map, mk_gfn(s));
	     i < m->map.count && m->map.ext[i].start < e && !rc; i++) {
		const struct part_extent *x = &m->map.ext[i];
		struct partition *p = part_get(&m->parts, x->part_id);
		uint64_t a = x->start > s ? x->start : s;
		uint64_t b = x->start + x->nframes < e ? x->start + x->nframes : e;
		for (uint32_t k = p->ws.n; k-- > 0;)
			if (p->ws.gfn[k] >= a && p->ws.gfn[k] < b)
				(void)ws_remove(&p->ws, mk_gfn(p->ws.gfn[k]));
		rc = emit(l, MPE_ACT_DECRYPT, p->id, a, b - a, 0, 0, 0);
		rc = rc ? rc : emit(l, MPE_ACT_MOVE, p->id, a, b - a, 0, 0, to);
	}
	return rc;
}

/* Partitions left without frames are dropped (DROP: key zeroized, then
 * mpe_part_drop). */
static int reap_empty(struct mpe *m, struct alist *l)
{
	int rc = 0;

	for (uint32_t i = 0; i < m->parts.cap && !rc; i++) {
		struct partition *p = &m->parts.p[i];
		if (!p->used || p->id == m->quarantine ||
		    part_map_frames_of(&m->map, p->id))
			continue;
		rc = emit(l, MPE_ACT_DROP, p->id, 0, 0, 0, 0, 0);
	}
	return rc;
}

/* DROP executed: the partition goes only now, so that the actions before
 * it (DECRYPT with its key) could still find it. */
int mpe_part_drop(struct mpe *m, uint16_t part)
{
	if (!m || part == m->quarantine || !part_get(&m->parts, part) ||
	    part_map_frames_of(&m->map, part))
		return -ENG_EBUSY;
	return part_destroy(&m->parts, part);
}

static uint32_t extents_in(const struct mpe *m, uint64_t s, uint64_t e)
{
	uint32_t n = 0;

	for (uint32_t i = part_map_lower_bound(&m->map, mk_gfn(s));
	     i < m->map.count && m->map.ext[i].start < e; i++)
		n++;
	return n;
}

static bool classify_args_ok(const struct mpe_event *ev)
{
	const struct part_attr *a = &ev->attr;

	return !(ev->gpa.v & (FRAME_SIZE - 1)) && ev->nframes &&
	       ev->nframes <= PART_GFN_LIMIT &&
	       (ev->gpa.v >> FRAME_SHIFT) <= PART_GFN_LIMIT - ev->nframes &&
	       a->profile < PART_PROF_COUNT && a->profile != PART_PROF_QUARANTINE &&
	       a->sens < PART_SENS_COUNT && a->access < PART_ACC_COUNT &&
	       a->cipher < PART_CIPHER_COUNT;
}

/* The 2 MiB regions cut by [s, e)'s ends lose their large mapping. */
static int split_ends(struct alist *l, uint16_t id, uint64_t s, uint64_t e)
{
	const uint64_t mask = FMETA_CHUNK_FRAMES - 1;
	int rc = 0;

	if (s & mask)
		rc = emit(l, MPE_ACT_SPLIT, id, s & ~mask, FMETA_CHUNK_FRAMES, 0, 0, 0);
	if (!rc && (e & mask))
		rc = emit(l, MPE_ACT_SPLIT, id, e & ~mask, FMETA_CHUNK_FRAMES, 0, 0, 0);
	return rc;
}

/* C1 for a range joining an existing partition: only fresh frames (in no
 * partition) may join, so nothing has to leave another partition. */
static int classify_join(struct mpe *m, const struct mpe_event *ev,
			 struct alist *l)
{
	uint64_t s = ev->gpa.v >> FRAME_SHIFT, e = s + ev->nframes;
	struct partition *p = ev->join <= 0xffffu ?
		part_get(&m->parts, (uint16_t)(ev->join - 1)) : NULL;
	int rc;

	if (!p || p->id == m->quarantine)
		return -ENG_ENOENT;
	if (extents_in(m, s, e))
		return -ENG_EBUSY;
	if (l->cap - l->n < 5 || m->map.count + 1 > m->map.cap)
		return -ENG_ENOSPC;
	if (p->tier != PART_TIER_CLEAR) {
		rc = fmeta_populate(&m->fm, mk_gfn(s), ev->nframes);
		if (rc)
			return rc;
	}
	rc = emit(l, MPE_ACT_UNMAP, p->id, s, e - s, 0, 0, 0);
	rc = rc ? rc : emit(l, MPE_ACT_MOVE, PART_ID_NONE, s, e - s, 0, 0, p->id);
	rc = rc ? rc : part_map_insert(&m->map, mk_gfn(s), e - s, p->id);
	rc = rc ? rc : split_ends(l, p->id, s, e);
	if (!rc && p->tier != PART_TIER_CLEAR)
		rc = emit(l, MPE_ACT_ENCRYPT, p->id, s, e - s, 0, 0, 0);
	return rc;
}

/* C2 */
static int on_declassify(struct mpe *m, const struct mpe_event *ev,
			 struct alist *l)
{
	uint64_t s = ev->gpa.v >> FRAME_SHIFT, e = s + ev->nframes, g;
	const struct part_extent *x = part_map_lookup(&m->map, mk_gfn(s));
	struct partition *p;

	if ((ev->gpa.v & (FRAME_SIZE - 1)) || !ev->nframes ||
	    ev->nframes > PART_GFN_LIMIT || s > PART_GFN_LIMIT - ev->nframes)
		return -ENG_EINVAL;
	if (!x || x->part_id != ev->join - 1 || x->start + x->nframes < e)
		return -ENG_ENOENT;
	p = part_get(&m->parts, x->part_id);
	if (!p || l->cap - l->n < 3 || m->map.count + 1 > m->map.cap)
		return !p ? -ENG_ENOENT : -ENG_ENOSPC;
	for (g = s; g < e; g++) {
		struct fmeta *f = fmeta_get(&m->fm, mk_gfn(g));

		(void)ws_remove(&p->ws, mk_gfn(g));
		if (ev->discard && f)
			fmeta_set_state(f, false, 0);
	}
	emit(l, MPE_ACT_UNMAP, p->id, s, e - s, 0, 0, 0);
	if (!ev->discard)
		emit(l, MPE_ACT_DECRYPT, p->id, s, e - s, 0, 0, 0);
	emit(l, MPE_ACT_MOVE, p->id, s, e - s, 0, 0, PART_ID_NONE);
	return part_map_remove(&m->map, mk_gfn(s), e - s);
}

static int on_classify(struct mpe *m, const struct mpe_event *ev,
		       struct alist *l)
{
	uint64_t s = ev->gpa.v >> FRAME_SHIFT, e;
	struct part_attr a;
	uint16_t id;
	int rc;

	if (!classify_args_ok(ev))
		return -ENG_EINVAL;
	if (ev->join)
		return classify_join(m, ev, l);
	e = s + ev->nframes;
	a = ev->attr;
	a.tier = (uint8_t)part_default_tier((enum part_sens)a.sens);
	/* Everything that can fail is checked before anything changes. */
	if (l->cap - l->n < 4 * extents_in(m, s, e) + 7 ||
	    m->map.count + 2 > m->map.cap)
		return -ENG_ENOSPC;
	if (a.tier != PART_TIER_CLEAR) {
		rc = fmeta_populate(&m->fm, mk_gfn(s), ev->nframes);
		if (rc)
			return rc;
	}
	rc = part_create(&m->parts, &a, &id);
	if (rc)
		return rc;
	part_get(&m->parts, id)->last_change = m->tick;
	/* Unmap it all: frames are mapped again, with the new partition's
	 * permissions (NX for data), by their next fault. */
	rc = emit(l, MPE_ACT_UNMAP, id, s, e - s, 0, 0, 0);
	rc = rc ? rc : classify_leave(m, l, s, e, id);
	if (!rc && extents_in(m, s, e) == 0)
		rc = emit(l, MPE_ACT_MOVE, PART_ID_NONE, s, e - s, 0, 0, id);
	rc = rc ? rc : part_map_assign(&m->map, mk_gfn(s), e - s, id);
	rc = rc ? rc : split_ends(l, id, s, e);
	if (!rc && a.tier != PART_TIER_CLEAR)
		rc = emit(l, MPE_ACT_ENCRYPT, id, s, e - s, 0, 0, 0);
	return rc ? rc : reap_empty(m, l);
}

static bool runs_elsewhere(const struct mpe_event *ev, uint64_t owner)
{
	for (uint32_t i = 0; i < ev->nothers && ev->others; i++)
		if ((ev->others[i] & PART_OWNER_MASK) == owner)
			return true;
	return false;
}

/* S1, S1b */
static int on_ctx_switch(struct mpe *m, const struct mpe_event *ev,
			 struct alist *l)
{
	uint64_t ctx = ev->ctx & PART_OWNER_MASK;
	int rc = 0;

	for (uint32_t i = 0; i < m->parts.cap && !rc; i++) {
		struct partition *p = &m->parts.p[i];
		if (!p->used || p->access == PART_ACC_ANY)
			continue;
		if (p->owner == ctx) {
			for (uint32_t k = 0; k < m->map.count && p->ro_ciphertext && !rc; k++)
				if (m->map.ext[k].part_id == p->id)
					rc = emit(l, MPE_ACT_UNMAP, p->id, m->map.ext[k].start,
						  m->map.ext[k].nframes, 0, 0, 0);
			if (!rc)	/* all of them went out, else try again */
				p->ro_ciphertext = 0;
			continue;
		}
		if (runs_elsewhere(ev, p->owner)) {	/* S1b */
			for (uint32_t k = 0; k < p->ws.n && !rc; k++)
				rc = emit(l, MPE_ACT_UNMAP, p->id, p->ws.gfn[k], 1,
					  MPE_UNMAP_THIS_CPU, 0, 0);
			continue;
		}
		for (uint32_t k = p->ws.n; k-- > 0 && !rc;) {
			uint64_t g = p->ws.gfn[k];
			rc = emit(l, MPE_ACT_UNMAP, p->id, g, 1, 0, 0, 0);
			if (!rc && p->sens == PART_SENS_SECRET) {
				rc = emit(l, MPE_ACT_ENCRYPT, p->id, g, 1, 0, 0, 0);
				p->ws.n = k;	/* frames k.. leave the set */
			}
		}
	}
	return rc;
}

int mpe_handle(struct mpe *m, const struct mpe_event *ev,
	       struct mpe_action *out, uint32_t cap, uint32_t *n)
{
	struct alist l = { out, cap, 0 };
	const struct part_extent *e;
	int rc;

	if (!m || !ev || !out || !n || cap < MPE_ACT_MIN)
		return -ENG_EINVAL;
	switch (ev->type) {
	case MPE_EV_NPF:
		rc = on_npf(m, ev, &l);
		break;
	case MPE_EV_TICK:
		rc = (ev->nsamples && !ev->samples) ? -ENG_EINVAL
						    : on_tick(m, ev, &l);
		break;
	case MPE_EV_CLASSIFY:
		rc = on_classify(m, ev, &l);
		break;
	case MPE_EV_ANOMALY:
		e = part_map_lookup(&m->map, gpa_to_gfn(ev->gpa));
		rc = (!e || e->part_id == m->quarantine) ? -ENG_ENOENT
			: isolate_frame(m, &l, part_get(&m->parts, e->part_id),
					gpa_to_gfn(ev->gpa),
					MPE_RAISE_ANOMALY_REPORT);
		break;
	case MPE_EV_CTX_SWITCH:
		rc = on_ctx_switch(m, ev, &l);
		break;
	case MPE_EV_DECLASSIFY:
		rc = on_declassify(m, ev, &l);
		break;
	default:
		rc = -ENG_EINVAL;
	}
	*n = l.n;
	return rc;
}

void mpe_decrypt_failed(struct mpe *m, uint16_t part, gfn_t gfn)
{
	struct partition *p = part_get(&m->parts, part);

	if (p)
		(void)ws_remove(&p->ws, gfn);
}
