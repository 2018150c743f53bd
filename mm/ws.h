/*
 * mm/ws.h - the clear working set of one partition: at most `limit` frames
 * (W, default WS_DEFAULT_W = 8) of an encrypted partition are in clear at a
 * time; inserting one more evicts the least recently used, which the caller
 * must unmap and re-encrypt. Kept as a recency-ordered array (index 0 = most
 * recent): with W <= WS_MAX_W = 64 a move-to-front is a few dozen bytes of
 * memmove, cheaper than list pointers. Storage (limit gfns) is the caller's.
 */
#ifndef SHROUD_MM_WS_H
#define SHROUD_MM_WS_H

#include "base/types.h"

#define WS_DEFAULT_W	8u
#define WS_MAX_W	64u

struct ws {
	uint64_t *gfn;		/* [cap], MRU first */
	uint32_t n;		/* frames in clear now */
	uint32_t limit;		/* W: 1 <= limit <= cap */
	uint32_t cap;
};

/* 0 or -ENG_EINVAL (cap 0 or > WS_MAX_W, limit 0 or > cap). */
int ws_init(struct ws *w, uint64_t *storage, uint32_t cap,
	    uint32_t limit) ENG_WUR;
/* Position of gfn, or -1. */
int ws_find(const struct ws *w, gfn_t gfn);
/* gfn becomes most recent. Returns 1 and sets *victim when the set was
 * full and its LRU frame was evicted, 0 otherwise (also if gfn was already
 * there: then it only moves to the front). */
int ws_insert(struct ws *w, gfn_t gfn, gfn_t *victim);
/* Drop gfn (unmapped for another reason). 0 or -ENG_ENOENT. */
int ws_remove(struct ws *w, gfn_t gfn);
/* Change W; frames over the new limit are handed back oldest first through
 * victims[] (capacity: cap). Returns the number evicted or -ENG_EINVAL. */
int ws_set_limit(struct ws *w, uint32_t limit, uint64_t *victims);
/* 0 if n <= limit <= cap and no gfn repeats, else -1. */
int ws_check(const struct ws *w) ENG_WUR;

#endif /* SHROUD_MM_WS_H */
