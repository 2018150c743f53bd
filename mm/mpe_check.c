/*
 * mm/mpe_check.c - the MPE's cross-module invariant checker (called by the
 * unit tests and the fuzzer after every event) and the stale-key frame scan
 * used by key rotation (mm/mpe.h).
 */
#include "mpe.h"

static int check_ws(const struct mpe *m, const struct partition *p)
{
	if (ws_check(&p->ws))
		return -3;
	if (p->ws.n && p->tier == PART_TIER_CLEAR)
		return -4;
	for (uint32_t k = 0; k < p->ws.n; k++) {
		gfn_t g = mk_gfn(p->ws.gfn[k]);
		const struct part_extent *e = part_map_lookup(&m->map, g);
		if (!e || e->part_id != p->id)
			return -5;
		if (fmeta_encrypted(fmeta_get(&m->fm, g)))
			return -6;
	}
	return 0;
}

/* Encrypted exactly when not in the working set (ENCRYPTED, ISOLATED);
 * never encrypted (CLEAR). */
static int check_frames(const struct mpe *m, const struct part_extent *e,
			const struct partition *p)
{
	for (uint64_t g = e->start; g < e->start + e->nframes; g++) {
		bool enc = fmeta_encrypted(fmeta_get(&m->fm, mk_gfn(g)));
		if (p->tier == PART_TIER_CLEAR) {
			if (enc)
				return -7;
		} else if (enc == (ws_find(&p->ws, mk_gfn(g)) >= 0)) {
			return -9;
		}
	}
	return 0;
}

int mpe_check(const struct mpe *m)
{
	int rc;

	if (!m || part_map_check(&m->map))
		return -1;
	for (uint32_t i = 0; i < m->map.count; i++) {
		const struct partition *p = part_get(&m->parts,
						     m->map.ext[i].part_id);
		if (!p)
			return -2;
		rc = check_frames(m, &m->map.ext[i], p);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < m->parts.cap; i++) {
		const struct partition *p = &m->parts.p[i];
		if (!p->used)
			continue;
		rc = check_ws(m, p);
		if (rc)
			return rc;
		if (p->id != m->quarantine &&
		    (p->tier < part_min_tier((enum part_sens)p->floor) ||
		     p->tier > part_max_tier((enum part_sens)p->sens)))
			return -8;
	}
	return 0;
}

uint32_t mpe_stale_frames(const struct mpe *m, uint16_t part, gfn_t *out,
			  uint32_t cap, uint64_t *cursor)
{
	const struct partition *p = part_get(&m->parts, part);
	uint32_t n = 0;

	if (!p || !cursor)
		return 0;
	for (uint32_t i = part_map_lower_bound(&m->map, mk_gfn(*cursor));
	     i < m->map.count; i++) {
		const struct part_extent *e = &m->map.ext[i];
		if (e->part_id != part)
			continue;
		uint64_t g = e->start > *cursor ? e->start : *cursor;
		for (; g < e->start + e->nframes; g++) {
			const struct fmeta *f = fmeta_get(&m->fm, mk_gfn(g));
			if (!fmeta_encrypted(f) ||
			    fmeta_gen(f) == (p->key_epoch & 1u))
				continue;
			if (n == cap) {
				*cursor = g;
				return n;
			}
			out[n++] = mk_gfn(g);
		}
	}
	*cursor = UINT64_MAX;
	return n;
}
