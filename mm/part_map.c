/*
 * mm/part_map.c - the partition map (mm/part_map.h). Every mutation is one
 * "replace the extents overlapping [start, end) by at most three pieces"
 * (left remainder, new extent, right remainder), followed by a local merge
 * of touching same-partition neighbours, so the map stays canonical.
 */
#include <string.h>

#include "part_map.h"

static inline uint64_t ext_end(const struct part_extent *e)
{
	return e->start + e->nframes;
}

int part_map_init(struct part_map *m, struct part_extent *storage,
		  uint32_t cap)
{
	if (!m || !storage || cap == 0)
		return -ENG_EINVAL;
	m->ext = storage;
	m->count = 0;
	m->cap = cap;
	return 0;
}

uint32_t part_map_lower_bound(const struct part_map *m, gfn_t gfn)
{
	uint32_t lo = 0, hi = m->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ext_end(&m->ext[mid]) <= gfn.v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct part_extent *part_map_lookup(const struct part_map *m, gfn_t gfn)
{
	uint32_t i;

	if (!m)
		return NULL;
	i = part_map_lower_bound(m, gfn);
	if (i < m->count && m->ext[i].start <= gfn.v)
		return &m->ext[i];
	return NULL;
}

static bool range_ok(gfn_t start, uint64_t n)
{
	return n > 0 && start.v < PART_GFN_LIMIT && n <= PART_GFN_LIMIT - start.v;
}

/* Merge ext[i] with ext[i+1] if they touch and share a partition. */
static void merge_at(struct part_map *m, uint32_t i)
{
	struct part_extent *a = &m->ext[i], *b = &m->ext[i + 1];

	if (i + 1 >= m->count || ext_end(a) != b->start ||
	    a->part_id != b->part_id)
		return;
	a->nframes += b->nframes;
	memmove(b, b + 1, (m->count - i - 2) * sizeof(*b));
	m->count--;
}

/* Replace the extents overlapping [s, e) with the remainders and, if
 * id != PART_ID_NONE, the new extent. */
static int replace_range(struct part_map *m, uint64_t s, uint64_t e,
			 uint16_t id)
{
	uint32_t i = part_map_lower_bound(m, mk_gfn(s)), j = i;
	struct part_extent piece[3];
	uint32_t np = 0;

	while (j < m->count && m->ext[j].start < e)
		j++;
	/* ext[i..j) overlap [s, e). */
	if (i < j && m->ext[i].start < s)
		piece[np++] = (struct part_extent){ m->ext[i].start,
			s - m->ext[i].start, m->ext[i].part_id, { 0 } };
	if (id != PART_ID_NONE)
		piece[np++] = (struct part_extent){ s, e - s, id, { 0 } };
	if (i < j && ext_end(&m->ext[j - 1]) > e)
		piece[np++] = (struct part_extent){ e,
			ext_end(&m->ext[j - 1]) - e, m->ext[j - 1].part_id, { 0 } };
	if (m->count - (j - i) + np > m->cap)
		return -ENG_ENOSPC;
	memmove(&m->ext[i + np], &m->ext[j], (m->count - j) * sizeof(m->ext[0]));
	memcpy(&m->ext[i], piece, np * sizeof(piece[0]));
	m->count = m->count - (j - i) + np;
	/* Merge around the replaced run, right to left. */
	for (uint32_t k = i + np; k-- > (i ? i - 1 : 0);)
		merge_at(m, k);
	return 0;
}

int part_map_insert(struct part_map *m, gfn_t start, uint64_t n,
		    uint16_t part_id)
{
	uint32_t i;

	if (!m || !range_ok(start, n) || part_id == PART_ID_NONE)
		return -ENG_EINVAL;
	i = part_map_lower_bound(m, start);
	if (i < m->count && m->ext[i].start < start.v + n)
		return -ENG_EBUSY;
	return replace_range(m, start.v, start.v + n, part_id);
}

int part_map_assign(struct part_map *m, gfn_t start, uint64_t n,
		    uint16_t part_id)
{
	if (!m || !range_ok(start, n) || part_id == PART_ID_NONE)
		return -ENG_EINVAL;
	return replace_range(m, start.v, start.v + n, part_id);
}

int part_map_remove(struct part_map *m, gfn_t start, uint64_t n)
{
	if (!m || !range_ok(start, n))
		return -ENG_EINVAL;
	return replace_range(m, start.v, start.v + n, PART_ID_NONE);
}

int part_map_check(const struct part_map *m)
{
	if (!m || !m->ext || m->count > m->cap)
		return -1;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct part_extent *e = &m->ext[i];
		if (e->nframes == 0)
			return -2;
		if (e->start >= PART_GFN_LIMIT ||
		    e->nframes > PART_GFN_LIMIT - e->start)
			return -3;
		if (e->part_id == PART_ID_NONE)
			return -6;
		if (i == 0)
			continue;
		if (ext_end(&m->ext[i - 1]) > e->start)
			return -4;
		if (ext_end(&m->ext[i - 1]) == e->start &&
		    m->ext[i - 1].part_id == e->part_id)
			return -5;
	}
	return 0;
}

uint64_t part_map_frames_of(const struct part_map *m, uint16_t part_id)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < m->count; i++)
		if (m->ext[i].part_id == part_id)
			n += m->ext[i].nframes;
	return n;
}
