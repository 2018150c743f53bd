/*
 * mm/frame.h - the hypervisor's frame allocator: hands out zeroed 4 KiB
 * frames (HPAs) from the reserved region the loader left free.  A bump
 * allocator: frames are never returned (page tables, VMCBs and per-CPU
 * structures live as long as the hypervisor).  Host-side code reaches a
 * frame through the identity map, so an HPA is also a host pointer.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdint.h>

void frame_init(uint64_t base, uint64_t end);
/* @count contiguous zeroed frames; returns the HPA of the first, 0 if the
 * reserved region is exhausted. */
uint64_t frame_alloc_contig(unsigned count);
uint64_t frame_alloc(void);
/* Frames handed out / still free, for the log and the debug console. */
uint64_t frame_used(void);
uint64_t frame_free(void);

/* Callbacks for struct pgt (mm/pgtable.h) over this allocator and the
 * identity map; @ctx is unused. */
uint64_t frame_pgt_alloc(void *ctx);
void *frame_pgt_ptr(void *ctx, uint64_t hpa);

static inline void *hpa_ptr(uint64_t hpa)
{
	return (void *)(uintptr_t)hpa;
}

#endif /* MM_FRAME_H */
