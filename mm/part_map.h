/*
 * mm/part_map.h - the partition map: sorted, non-overlapping extents of
 * guest frames, each owned by one partition.
 *
 *   ext[0]            ext[1]                 ext[n-1]
 *   [start,+nframes)  [start,+nframes)  ...  [start,+nframes)   start ascending
 *
 * Canonical form (checked by part_map_check after every operation in the
 * tests): nframes > 0, no overflow past 2^52 frames (the 64-bit GPA space),
 * ext[i].end <= ext[i+1].start, and two extents that touch
 * (ext[i].end == ext[i+1].start) never belong to the same partition (they
 * would have been merged). Holes are frames in no partition.
 * Lookup is a binary search, O(log n); assign/remove are O(n) moves in the
 * caller's array. Storage is the caller's: no heap. Not thread-safe.
 */
#ifndef SHROUD_MM_PART_MAP_H
#define SHROUD_MM_PART_MAP_H

#include "base/types.h"

#define PART_GFN_LIMIT	(1ull << 52)	/* 2^64 bytes / 4 KiB */
#define PART_ID_NONE	0xffffu

struct part_extent {
	uint64_t start;		/* first gfn */
	uint64_t nframes;	/* > 0 */
	uint16_t part_id;
	uint16_t rsvd[3];
};

struct part_map {
	struct part_extent *ext;
	uint32_t count;
	uint32_t cap;
};

/* Use storage[cap] (cap >= 1). 0 or -ENG_EINVAL. */
int part_map_init(struct part_map *m, struct part_extent *storage,
		  uint32_t cap) ENG_WUR;
/* The extent holding gfn, or NULL (a hole). */
const struct part_extent *part_map_lookup(const struct part_map *m, gfn_t gfn);
/* Index of the first extent ending after gfn (count if none). */
uint32_t part_map_lower_bound(const struct part_map *m, gfn_t gfn);
/* Insert [start, start+n) for part_id; -ENG_EBUSY if any frame is already
 * in a partition, -ENG_ENOSPC if full, -ENG_EINVAL on an empty or
 * overflowing range or PART_ID_NONE. Merges with same-id neighbours. */
int part_map_insert(struct part_map *m, gfn_t start, uint64_t n,
		    uint16_t part_id) ENG_WUR;
/* Give [start, start+n) to part_id whatever owned it (splitting extents at
 * the ends, merging neighbours). At most 2 extra entries are needed;
 * -ENG_ENOSPC (map unchanged) if they are not there. */
int part_map_assign(struct part_map *m, gfn_t start, uint64_t n,
		    uint16_t part_id) ENG_WUR;
/* Make [start, start+n) a hole. -ENG_ENOSPC if a split does not fit. */
int part_map_remove(struct part_map *m, gfn_t start, uint64_t n) ENG_WUR;
/* 0 if canonical, else a negative code naming the broken rule:
 * -1 bad header, -2 empty extent, -3 overflow, -4 unsorted/overlap,
 * -5 touching extents of one partition, -6 PART_ID_NONE used. */
int part_map_check(const struct part_map *m) ENG_WUR;
/* Frames of part_id in total. */
uint64_t part_map_frames_of(const struct part_map *m, uint16_t part_id);

#endif /* SHROUD_MM_PART_MAP_H */
