/*
 * mm/frame.c - bump allocator over the hypervisor's reserved frames.
 */
#include "mm/frame.h"
#include <stddef.h>
#include "base/spinlock.h"

static uint64_t frame_base, frame_next, frame_end;
static spinlock_t frame_lock = SPINLOCK_INIT;	/* a leaf lock: taken last */

void frame_init(uint64_t base, uint64_t end)
{
	frame_base = frame_next = (base + 0xfff) & ~0xfffull;
	frame_end = end & ~0xfffull;
}

uint64_t frame_alloc_contig(unsigned count)
{
	uint64_t hpa, size = (uint64_t)count << 12;
	uint64_t *p, i;

	spin_lock(&frame_lock);
	hpa = frame_next;
	if (!count || frame_end - frame_next < size) {
		spin_unlock(&frame_lock);
		return 0;
	}
	frame_next += size;
	spin_unlock(&frame_lock);
	p = hpa_ptr(hpa);
	for (i = 0; i < size / 8; i++)
		p[i] = 0;
	return hpa;
}

uint64_t frame_alloc(void)
{
	return frame_alloc_contig(1);
}

uint64_t frame_used(void)
{
	return (frame_next - frame_base) >> 12;
}

uint64_t frame_free(void)
{
	return (frame_end - frame_next) >> 12;
}

uint64_t frame_pgt_alloc(void *ctx)
{
	(void)ctx;
	return frame_alloc();
}

void *frame_pgt_ptr(void *ctx, uint64_t hpa)
{
	(void)ctx;
	return hpa_ptr(hpa);
}
