/*
 * mm/fmeta.h - per-frame metadata for frames of encrypted partitions.
 *
 * One 20-byte record per 4 KiB frame (0.49% of the protected memory, under
 * the 0.5% budget), allocated by 2 MiB chunk (512 records, 10 KiB) from a
 * caller-provided pool the first time a frame of that chunk is protected.
 * A directory of uint32_t chunk indices (4 bytes per 2 MiB of guest-physical
 * space) finds the chunk: lookup is two loads.
 *
 *   struct fmeta (20 bytes, 4-byte aligned)
 *   0x00  tag[16]   GCM tag of the frame's current ciphertext (GCM only)
 *   0x10  word      bit 0     state: 1 = encrypted, 0 = clear
 *                   bit 1     key generation = low bit of the key epoch the
 *                             ciphertext uses (one rotation in flight at a
 *                             time, so one bit tells old from current)
 *                   bits 2-6  last access epoch, modulo 32 (policy ticks)
 *                   bit 7     isolated: an anomaly (instruction fetch from
 *                             data, or a reported one) was seen; the frame
 *                             is never mapped executable again
 *                   bits 8-31 GCM counter (24 bits): bumped before every
 *                             encryption; at 2^24-1 the partition's key must
 *                             rotate (-ENG_ERANGE), since (key, gfn, counter)
 *                             is the GCM nonce and must never repeat
 * A frame never protected has no record (fmeta_get returns NULL) and is
 * clear. Not thread-safe; the caller serializes per frame.
 */
#ifndef SHROUD_MM_FMETA_H
#define SHROUD_MM_FMETA_H

#include "base/types.h"

#define FMETA_CHUNK_SHIFT	9u
#define FMETA_CHUNK_FRAMES	(1u << FMETA_CHUNK_SHIFT)	/* 2 MiB */
#define FMETA_CTR_MAX		0xffffffu

struct fmeta {
	uint8_t tag[16];
	uint32_t word;
};
_Static_assert(sizeof(struct fmeta) == 20, "fmeta must stay 20 bytes");
_Static_assert(sizeof(struct fmeta) * 1000 <= 5 * 4096, "over 0.5%");

#define FMETA_ENC	0x1u
#define FMETA_GEN	0x2u
#define FMETA_LA_SHIFT	2u
#define FMETA_LA_MASK	0x7cu
#define FMETA_ISOL	0x80u
#define FMETA_CTR_SHIFT	8u

struct fmeta_table {
	uint32_t *dir;		/* [dir_len]: 0 = no chunk, else pool index+1 */
	uint64_t dir_len;	/* covers gfns [0, dir_len * 512) */
	struct fmeta *pool;	/* [pool_chunks * 512] */
	uint32_t pool_chunks;
	uint32_t pool_used;
};

/* Bytes of pool needed for `frames` protected frames (rounded to chunks). */
static inline uint64_t fmeta_pool_bytes(uint64_t chunks)
{
	return chunks * FMETA_CHUNK_FRAMES * sizeof(struct fmeta);
}

int fmeta_init(struct fmeta_table *t, uint32_t *dir, uint64_t dir_len,
	       struct fmeta *pool, uint32_t pool_chunks) ENG_WUR;
/* Record of gfn, or NULL if its chunk was never populated. */
struct fmeta *fmeta_get(const struct fmeta_table *t, gfn_t gfn);
/* Make sure [start, start+n) has records (new ones: clear, counter 0).
 * -ENG_ENOSPC when the pool is exhausted, -ENG_E2BIG past the directory. */
int fmeta_populate(struct fmeta_table *t, gfn_t start, uint64_t n) ENG_WUR;

static inline bool fmeta_encrypted(const struct fmeta *f)
{
	return f && (f->word & FMETA_ENC);
}
static inline uint32_t fmeta_gen(const struct fmeta *f)
{
	return (f->word & FMETA_GEN) ? 1u : 0u;
}
static inline uint32_t fmeta_ctr(const struct fmeta *f)
{
	return f->word >> FMETA_CTR_SHIFT;
}
static inline bool fmeta_isolated(const struct fmeta *f)
{
	return f && (f->word & FMETA_ISOL);
}

static inline void fmeta_set_isolated(struct fmeta *f)
{
	f->word |= FMETA_ISOL;
}

static inline uint32_t fmeta_last_access(const struct fmeta *f)
{
	return (f->word & FMETA_LA_MASK) >> FMETA_LA_SHIFT;
}
static inline void fmeta_set_state(struct fmeta *f, bool enc, uint32_t epoch)
{
	f->word = (f->word & ~(FMETA_ENC | FMETA_GEN)) |
		  (enc ? FMETA_ENC : 0) | ((epoch & 1u) ? FMETA_GEN : 0);
}
static inline void fmeta_touch(struct fmeta *f, uint32_t tick)
{
	f->word = (f->word & ~FMETA_LA_MASK) |
		  ((tick << FMETA_LA_SHIFT) & FMETA_LA_MASK);
}
/* Next GCM counter: bumps and returns it, or -ENG_ERANGE when exhausted. */
static inline int64_t fmeta_next_ctr(struct fmeta *f)
{
	uint32_t c = fmeta_ctr(f);

	if (c >= FMETA_CTR_MAX)
		return -ENG_ERANGE;
	c++;
	f->word = (f->word & 0xffu) | (c << FMETA_CTR_SHIFT);
	return c;
}
/* After a key rotation the counter space is fresh again. */
static inline void fmeta_reset_ctr(struct fmeta *f)
{
	f->word &= 0xffu;
}

#endif /* SHROUD_MM_FMETA_H */
