/*
 * mm/gpmap.h - the guest-physical map: the second-level translation from
 * GPA to HPA that the CPU walks for the guest (AMD nested page tables,
 * APM Vol. 2 15.25; Intel EPT, SDM Vol. 3C 29.3), written once over a
 * format description that the backend in arch/ supplies.
 *
 * Shroud's map is the identity (GPA = HPA) over [0, top), RAM and MMIO
 * alike, with the largest leaves the CPU allows; the hypervisor's own
 * region is hidden (every 4 KiB GPA of it maps to one scratch frame that
 * holds nothing of the hypervisor); protected frames are unmapped or
 * mapped at 4 KiB with reduced rights.  Every change asks the backend to
 * flush the guest's TLB (through @flush) before the next guest entry.
 *
 * Plain C, no inline assembly: it builds on the host for unit tests.
 * Callers: core/main.c (build, hide), prot/ (map, unmap, merge), arch/
 * (the root for the VMCB/VMCS).  One CPU for now; with several, each vCPU
 * gets a view of its own (issue 11) and changes are shot down on all.
 */
#ifndef MM_GPMAP_H
#define MM_GPMAP_H

#include <stdbool.h>
#include <stdint.h>
#include "base/types.h"
#include "mm/pgtable.h"

/* Access rights of a guest-physical mapping, format-independent. */
#define GPM_R		0x1u
#define GPM_W		0x2u
#define GPM_X		0x4u
#define GPM_RWX		(GPM_R | GPM_W | GPM_X)

/*
 * One page-table format.  @leaf encodes a leaf at @level (1 = 4 KiB,
 * 2 = 2 MiB, 3 = 1 GiB) for @hpa with GPM_* @rights (never 0: "not
 * present" is the entry 0 in every format).  @accessed/@dirty are the
 * bits the CPU sets in a leaf, 0 where the format or CPU has none.
 */
struct gpmap_format {
	const char *name;
	uint64_t table_flags;		/* bits of a non-leaf entry */
	uint64_t present_mask;		/* an entry is present iff it has one */
	uint64_t accessed, dirty;
	uint64_t (*leaf)(hpa_t hpa, unsigned rights, unsigned level);
	/* Optional: may one leaf map [@hpa, @hpa + @size)?  A format whose
	 * leaves carry the memory type (EPT) says no where the type changes
	 * inside; the map then uses smaller leaves there.  NULL: always. */
	bool (*uniform)(hpa_t hpa, uint64_t size);
};

/* Asks the backend to flush the guest TLB before the next guest entry. */
typedef void (*gpmap_flush_fn)(void *ctx);

struct gpmap {
	struct pgt pgt;			/* pgt.root: the map's root table (HPA) */
	const struct gpmap_format *fmt;
	uint64_t top;			/* end of the identity map, bytes */
	hpa_t scratch;			/* what hidden GPAs map to */
	uint64_t hidden_base, hidden_size;	/* the one hidden range */
	gpmap_flush_fn flush;
	void *flush_ctx;
};

/*
 * gpmap_build - identity-map [0, @top) (@top 2 MiB aligned) with all
 * rights, with leaves up to @max_level (2 or 3), smaller where the format
 * says one leaf may not cover a range (its @uniform).  @alloc/@ptr are the
 * table-frame allocator and HPA->pointer translation (mm/frame.h in the
 * hypervisor, a fake memory in tests).  0, -ENG_ENOMEM or -ENG_EINVAL.
 */
__attribute__((warn_unused_result))
int gpmap_build(struct gpmap *m, const struct gpmap_format *fmt, uint64_t top,
		unsigned max_level, uint64_t (*alloc)(void *ctx),
		void *(*ptr)(void *ctx, uint64_t hpa), void *ctx);

/* Install the backend's TLB-flush request (may be NULL: no flush). */
void gpmap_set_flush(struct gpmap *m, gpmap_flush_fn fn, void *ctx);

/*
 * gpmap_hide - make [@base, @base + @size) (2 MiB aligned, inside the map)
 * unreachable: every 4 KiB GPA maps read-write to one zeroed scratch
 * frame, so the guest neither reads nor writes a byte of what lies there,
 * and nothing faults.  One range per map; every later change inside it is
 * refused with -ENG_EPERM.  0, -ENG_ENOMEM or -ENG_EINVAL.
 */
__attribute__((warn_unused_result))
int gpmap_hide(struct gpmap *m, gpa_t base, uint64_t size);

/*
 * gpmap_map_4k - map the 4 KiB GPA @gpa (aligned) to @hpa (aligned) with
 * GPM_* @rights, or make it not present (@rights 0).  A large leaf over
 * @gpa is split first (its other 4 KiB pages keep their mapping).
 * 0, -ENG_ENOMEM (no frame for a split), -ENG_EPERM (hidden range) or
 * -ENG_EINVAL.
 */
__attribute__((warn_unused_result))
int gpmap_map_4k(struct gpmap *m, gpa_t gpa, hpa_t hpa, unsigned rights);

/*
 * gpmap_split_2m - make the 2 MiB around @gpa a table of 512 4 KiB leaves
 * with the same mapping (nothing changes for the guest); 0 if it is one
 * already.  0, -ENG_ENOMEM, -ENG_EPERM (hidden range) or -ENG_EINVAL.
 */
__attribute__((warn_unused_result))
int gpmap_split_2m(struct gpmap *m, gpa_t gpa);

/*
 * gpmap_merge_2m - put back the 2 MiB identity leaf (all rights) at @gpa
 * (2 MiB aligned), replacing any 4 KiB mappings under it (their table is
 * not reclaimed).  0, -ENG_EPERM (hidden range) or -ENG_EINVAL.
 */
__attribute__((warn_unused_result))
int gpmap_merge_2m(struct gpmap *m, gpa_t gpa);

/*
 * gpmap_test_clear_ad - read and clear the accessed/dirty bits of the leaf
 * that maps @gpa: *@accessed and *@dirty (either may be NULL) get 1 if the
 * bit was set.  -ENG_ENOTSUP if the format has no such bits, -ENG_EINVAL
 * if nothing maps @gpa, else 0 (and the TLB is flushed, so the CPU sets
 * them again on the next access).
 */
__attribute__((warn_unused_result))
int gpmap_test_clear_ad(struct gpmap *m, gpa_t gpa, int *accessed, int *dirty);

/* The leaf that maps @gpa (0 if none) and its level; for tests and logs. */
uint64_t gpmap_lookup(const struct gpmap *m, gpa_t gpa, unsigned *level);

/* 1 if the map lets the guest access @gpa itself with GPM_R and/or GPM_W
 * @rights: a present leaf with those rights that maps @gpa to the same
 * HPA (so not a hidden range's scratch frame); else 0.  For a host
 * access made on the guest's behalf (an emulated instruction's operand),
 * which must not reach a frame the map withholds from this view (a
 * protected frame, locked kernel text). */
int gpmap_guest_may(const struct gpmap *m, gpa_t gpa, unsigned rights);

#endif /* MM_GPMAP_H */
