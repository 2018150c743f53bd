/*
 * mm/fmeta.c - chunked per-frame metadata (mm/fmeta.h).
 */
#include <string.h>

#include "fmeta.h"

int fmeta_init(struct fmeta_table *t, uint32_t *dir, uint64_t dir_len,
	       struct fmeta *pool, uint32_t pool_chunks)
{
	if (!t || !dir || !dir_len || (pool_chunks && !pool))
		return -ENG_EINVAL;
	t->dir = dir;
	t->dir_len = dir_len;
	t->pool = pool;
	t->pool_chunks = pool_chunks;
	t->pool_used = 0;
	memset(dir, 0, dir_len * sizeof(*dir));
	return 0;
}

struct fmeta *fmeta_get(const struct fmeta_table *t, gfn_t gfn)
{
	uint64_t c = gfn.v >> FMETA_CHUNK_SHIFT;
	uint32_t idx;

	if (!t || c >= t->dir_len)
		return NULL;
	idx = t->dir[c];
	if (!idx)
		return NULL;
	return &t->pool[(uint64_t)(idx - 1) * FMETA_CHUNK_FRAMES +
			(gfn.v & (FMETA_CHUNK_FRAMES - 1))];
}

int fmeta_populate(struct fmeta_table *t, gfn_t start, uint64_t n)
{
	uint64_t first, last, need = 0;

	if (!t || n == 0 || start.v + n < start.v)
		return -ENG_EINVAL;
	first = start.v >> FMETA_CHUNK_SHIFT;
	last = (start.v + n - 1) >> FMETA_CHUNK_SHIFT;
	if (last >= t->dir_len)
		return -ENG_E2BIG;
	for (uint64_t c = first; c <= last; c++)
		need += t->dir[c] == 0;
	if (need > t->pool_chunks - t->pool_used)
		return -ENG_ENOSPC;	/* all or nothing */
	for (uint64_t c = first; c <= last; c++) {
		if (t->dir[c])
			continue;
		struct fmeta *p = &t->pool[(uint64_t)t->pool_used *
					   FMETA_CHUNK_FRAMES];
		memset(p, 0, FMETA_CHUNK_FRAMES * sizeof(*p));
		t->dir[c] = ++t->pool_used;
	}
	return 0;
}
