/*
 * mm/ws.c - per-partition clear working set with LRU eviction (mm/ws.h).
 */
#include <string.h>

#include "ws.h"

int ws_init(struct ws *w, uint64_t *storage, uint32_t cap, uint32_t limit)
{
	if (!w || !storage || cap == 0 || cap > WS_MAX_W || limit == 0 ||
	    limit > cap)
		return -ENG_EINVAL;
	w->gfn = storage;
	w->n = 0;
	w->cap = cap;
	w->limit = limit;
	return 0;
}

int ws_find(const struct ws *w, gfn_t gfn)
{
	for (uint32_t i = 0; i < w->n; i++)
		if (w->gfn[i] == gfn.v)
			return (int)i;
	return -1;
}

int ws_insert(struct ws *w, gfn_t gfn, gfn_t *victim)
{
	int pos = ws_find(w, gfn);
	int evicted = 0;

	if (pos >= 0) {
		memmove(&w->gfn[1], &w->gfn[0], (size_t)pos * sizeof(uint64_t));
		w->gfn[0] = gfn.v;
		return 0;
	}
	if (w->n >= w->limit) {
		if (victim)
			*victim = mk_gfn(w->gfn[w->n - 1]);
		w->n--;
		evicted = 1;
	}
	memmove(&w->gfn[1], &w->gfn[0], w->n * sizeof(uint64_t));
	w->gfn[0] = gfn.v;
	w->n++;
	return evicted;
}

int ws_remove(struct ws *w, gfn_t gfn)
{
	int pos = ws_find(w, gfn);

	if (pos < 0)
		return -ENG_ENOENT;
	memmove(&w->gfn[pos], &w->gfn[pos + 1],
		(w->n - (uint32_t)pos - 1) * sizeof(uint64_t));
	w->n--;
	return 0;
}

int ws_set_limit(struct ws *w, uint32_t limit, uint64_t *victims)
{
	int k = 0;

	if (limit == 0 || limit > w->cap)
		return -ENG_EINVAL;
	while (w->n > limit) {
		if (victims)
			victims[k] = w->gfn[w->n - 1];
		k++;
		w->n--;
	}
	w->limit = limit;
	return k;
}

int ws_check(const struct ws *w)
{
	if (w->n > w->limit || w->limit > w->cap || w->limit == 0)
		return -1;
	for (uint32_t i = 0; i < w->n; i++)
		for (uint32_t j = i + 1; j < w->n; j++)
			if (w->gfn[i] == w->gfn[j])
				return -1;
	return 0;
}
