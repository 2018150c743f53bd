/*
 * mm/pgtable.h - a builder for 4-level radix page tables with 512 8-byte
 * entries per table: the host's x86-64 page tables (by the loader and the
 * core; AMD APM Vol. 2, 5.3 "Long-Mode Page Translation") and, through
 * mm/gpmap.h, the guest-physical map in whichever format the backend's
 * hardware walks (AMD nested page tables share the long-mode format, APM
 * Vol. 2 15.25.5; Intel EPT has R/W/X bits and no P bit, SDM Vol. 3C 29.3.2).
 * Both formats put the large-page bit at bit 7 and the address at 51:12;
 * what differs is which bits make an entry present (pgt.present_mask).
 *
 * Plain C, no inline assembly: it builds on the host for unit tests.  The
 * caller supplies a frame allocator and the HPA->pointer translation, so
 * the same code runs under the firmware's identity map, in the core, and
 * over a fake memory in tests.
 *
 * Levels: 4 = PML4, 3 = PDPT (leaf: 1 GiB), 2 = PD (leaf: 2 MiB), 1 = PT.
 */
#ifndef MM_PGTABLE_H
#define MM_PGTABLE_H

#include <stdint.h>
#include <stddef.h>
#include "base/types.h"

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_US		(1ull << 2)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_A		(1ull << 5)
#define PTE_D		(1ull << 6)
#define PTE_PS		(1ull << 7)	/* leaf at level 2 or 3 */
#define PTE_G		(1ull << 8)
#define PTE_NX		(1ull << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

#define PGT_LEVELS	4u
#define PAGE_SIZE_4K	0x1000ull
#define PAGE_SIZE_2M	0x200000ull
#define PAGE_SIZE_1G	0x40000000ull

/* Bytes mapped by one entry at @level (1..4). */
static inline uint64_t pgt_level_size(unsigned level)
{
	return 1ull << (12 + 9 * (level - 1));
}

struct pgt {
	uint64_t root;			/* HPA of the PML4, 4 KiB aligned */
	uint64_t table_flags;		/* flags of non-leaf entries (format-specific) */
	unsigned max_leaf_level;	/* 1, 2 or 3: largest page size allowed */
	/* Returns the HPA of a zeroed 4 KiB frame, or 0 when out of memory. */
	uint64_t (*alloc_table)(void *ctx);
	/* Returns a pointer through which the frame at @hpa can be accessed. */
	void *(*hpa_to_ptr)(void *ctx, uint64_t hpa);
	void *ctx;
	/* An entry is present iff it has one of these bits; 0 means PTE_P
	 * (x86/NPT).  EPT: read | write | execute. */
	uint64_t present_mask;
};

#define PGT_ENOMEM	(-ENG_ENOMEM)
#define PGT_EINVAL	(-ENG_EINVAL)

/*
 * pgt_set_entry - write @entry at @level for the address @va, creating
 * tables on the way and splitting a larger leaf that covers @va into 512
 * entries with the same attributes first.  @entry is written as is (its
 * PS bit is the caller's business).  Returns 0, PGT_ENOMEM or PGT_EINVAL.
 */
__attribute__((warn_unused_result))
int pgt_set_entry(struct pgt *p, uint64_t va, unsigned level, uint64_t entry);

/*
 * pgt_map - map [va, va + size) to [pa, pa + size) with leaf @flags
 * (PTE_P|PTE_RW|PTE_NX|...; PTE_PS is added for large leaves), using the
 * largest leaves that alignment and p->max_leaf_level allow.  va, pa and
 * size must be 4 KiB aligned.  Existing mappings in the range are replaced
 * (large leaves overlapping the range's edges are split; tables below an
 * entry that a large leaf replaces are not reclaimed).
 * Returns 0, PGT_ENOMEM or PGT_EINVAL.
 */
__attribute__((warn_unused_result))
int pgt_map(struct pgt *p, uint64_t va, uint64_t pa, uint64_t size,
	    uint64_t flags);

/*
 * pgt_lookup - translate @va.  Returns the leaf entry (0 if not mapped)
 * and, through @level_out (may be NULL), the level it was found at.
 */
uint64_t pgt_lookup(const struct pgt *p, uint64_t va, unsigned *level_out);

/*
 * pgt_walk_slots - the entries a walk of @va reads, root level first:
 * their addresses into @slots[0..3] (through hpa_to_ptr).  Returns how
 * many (1 to 4): the walk stops at the leaf or at the first entry that is
 * not present, which is then the last one returned.
 */
unsigned pgt_walk_slots(const struct pgt *p, uint64_t va,
			volatile uint64_t *slots[PGT_LEVELS]);

/*
 * pgt_update_leaf - for the leaf that maps @va: return its old value
 * through @old (may be NULL), then clear @clear and set @set in it.
 * Used to read and clear accessed/dirty bits.  Returns 0, or PGT_EINVAL
 * if nothing maps @va.
 */
__attribute__((warn_unused_result))
int pgt_update_leaf(struct pgt *p, uint64_t va, uint64_t clear, uint64_t set,
		    uint64_t *old);

/*
 * pgt_count_wx - number of present leaves that are both writable and
 * executable (RW set, NX clear).  The host's tables must have none.
 */
uint64_t pgt_count_wx(const struct pgt *p);

#endif /* MM_PGTABLE_H */
