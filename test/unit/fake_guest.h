/*
 * test/unit/fake_guest.h - a fake guest for host tests of the protection
 * layer: FG_RAM_SIZE bytes of "guest RAM" (GPA g is at fg.ram + g, through
 * gmem_set_window), the hypervisor's frame region (HPA == host pointer,
 * mm/frame.h), two guest address spaces built inside the fake RAM as
 * 4-level long-mode page tables (entries hold GPAs), and an NPT-like
 * guest-physical map format (as arch/x86/svm/npt.c, written here: no arch
 * headers on the host).
 *
 * Address space A (CR3 = FG_PML4_A) and B (CR3 = FG_PML4_B) share their
 * lower tables, so both map the same user pages; they are two owners.
 *   GVA FG_DATA_GVA + i*4K, i < FG_DATA_PAGES: user RW, GPA fg_data_gpa(i)
 *     (pages 0-15 contiguous, 16-23 scattered frames, 24-47 contiguous)
 *   FG_RO_GVA: user read-only; FG_SUP_GVA: supervisor RW;
 *   FG_HOLE_GVA: not present; FG_DUP_GVA, +4K: one frame twice;
 *   FG_NONRAM_GVA: a GPA outside guest RAM;
 *   FG_BUF_GVA + i*4K, i < 4: user RW buffer pages for STATS/EVENTS.
 */
#ifndef SHROUD_TEST_FAKE_GUEST_H
#define SHROUD_TEST_FAKE_GUEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm/gpmap.h"
#include "mm/pgtable.h"

#define FG_RAM_SIZE	(8ull << 20)
#define FG_HV_SIZE	(16ull << 20)

#define FG_PML4_A	0x1000ull
#define FG_PML4_B	0x2000ull
#define FG_PDPT		0x3000ull
#define FG_PD		0x4000ull
#define FG_PT		0x5000ull	/* maps GVA [0x400000, 0x600000) */
#define FG_UBASE	0x400000ull

#define FG_DATA_GVA	FG_UBASE
#define FG_DATA_PAGES	48u
#define FG_RO_GVA	(FG_UBASE + 0x40000)
#define FG_SUP_GVA	(FG_UBASE + 0x41000)
#define FG_HOLE_GVA	(FG_UBASE + 0x42000)
#define FG_DUP_GVA	(FG_UBASE + 0x43000)
#define FG_NONRAM_GVA	(FG_UBASE + 0x45000)
#define FG_BUF_GVA	(FG_UBASE + 0x50000)
#define FG_BUF_PAGES	4u

#define FG_RO_GPA	0x180000ull
#define FG_SUP_GPA	0x181000ull
#define FG_DUP_GPA	0x182000ull
#define FG_NONRAM_GPA	0x40000000ull
#define FG_BUF_GPA	0x190000ull

#define FG_P	0x1ull
#define FG_RW	0x2ull
#define FG_US	0x4ull

/* Paging registers of a long-mode caller. */
#define FG_CR0		0x80000001ull	/* PG | PE */
#define FG_CR4		0x20ull		/* PAE */
#define FG_EFER		0xd00ull	/* LME | LMA | NXE */

struct fake_guest {
	uint8_t *ram;		/* FG_RAM_SIZE, 4 KiB aligned */
	uint8_t *plain;		/* what the guest wrote: a copy of ram */
	uint8_t *hv;		/* FG_HV_SIZE: the frame allocator's region */
};

static inline uint64_t fg_data_gpa(unsigned i)
{
	if (i < 16)
		return 0x100000ull + (uint64_t)i * 0x1000;
	if (i < 24)
		return 0x200000ull + (uint64_t)(23 - i) * 0x2000;
	return 0x280000ull + (uint64_t)(i - 24) * 0x1000;
}

static inline uint64_t *fg_u64(struct fake_guest *g, uint64_t gpa)
{
	return (uint64_t *)(void *)(g->ram + gpa);
}

/* Set the PTE of @gva (inside the one page table) to @gpa | @flags. */
static inline void fg_map(struct fake_guest *g, uint64_t gva, uint64_t gpa,
			  uint64_t flags)
{
	fg_u64(g, FG_PT)[((gva - FG_UBASE) >> 12) & 0x1ff] = gpa | flags;
}

static inline int fg_alloc(struct fake_guest *g)
{
	g->ram = aligned_alloc(4096, FG_RAM_SIZE);
	g->plain = malloc(FG_RAM_SIZE);
	g->hv = aligned_alloc(4096, FG_HV_SIZE);
	return g->ram && g->plain && g->hv ? 0 : -1;
}

static inline void fg_free(struct fake_guest *g)
{
	free(g->ram);
	free(g->plain);
	free(g->hv);
	memset(g, 0, sizeof(*g));
}

/* Fresh RAM: a pattern in every frame, both address spaces, a copy in
 * g->plain. */
static inline void fg_build(struct fake_guest *g)
{
	const uint64_t t = FG_P | FG_RW | FG_US;
	uint64_t i, x = 0x243f6a8885a308d3ull;
	unsigned k;

	for (i = 0; i < FG_RAM_SIZE / 8; i++)
		fg_u64(g, 0)[i] = (x += 0x9e3779b97f4a7c15ull) ^ (i << 3);
	for (i = FG_PML4_A; i < FG_PT + 0x1000; i += 0x1000)
		memset(g->ram + i, 0, 4096);
	fg_u64(g, FG_PML4_A)[0] = FG_PDPT | t;
	fg_u64(g, FG_PML4_B)[0] = FG_PDPT | t;
	fg_u64(g, FG_PDPT)[0] = FG_PD | t;
	fg_u64(g, FG_PD)[(FG_UBASE >> 21) & 0x1ff] = FG_PT | t;
	for (k = 0; k < FG_DATA_PAGES; k++)
		fg_map(g, FG_DATA_GVA + k * 0x1000ull, fg_data_gpa(k), t);
	fg_map(g, FG_RO_GVA, FG_RO_GPA, FG_P | FG_US);
	fg_map(g, FG_SUP_GVA, FG_SUP_GPA, FG_P | FG_RW);
	fg_map(g, FG_DUP_GVA, FG_DUP_GPA, t);
	fg_map(g, FG_DUP_GVA + 0x1000, FG_DUP_GPA, t);
	fg_map(g, FG_NONRAM_GVA, FG_NONRAM_GPA, t);
	for (k = 0; k < FG_BUF_PAGES; k++)
		fg_map(g, FG_BUF_GVA + k * 0x1000ull, FG_BUF_GPA + k * 0x1000ull, t);
	memcpy(g->plain, g->ram, FG_RAM_SIZE);
}

/* The NPT-like format of the guest-physical map (cf. arch/x86/svm/npt.c). */
static inline uint64_t fg_npt_leaf(hpa_t hpa, unsigned rights, unsigned level)
{
	uint64_t e = (hpa.v & PTE_ADDR_MASK) | PTE_P | PTE_US;

	if (rights & GPM_W)
		e |= PTE_RW;
	if (!(rights & GPM_X))
		e |= PTE_NX;
	if (level > 1)
		e |= PTE_PS;
	return e;
}

static const struct gpmap_format fg_npt_format = {
	.name = "fake NPT",
	.table_flags = PTE_P | PTE_RW | PTE_US,
	.present_mask = PTE_P,
	.accessed = PTE_A,
	.dirty = PTE_D,
	.leaf = fg_npt_leaf,
};

#endif /* SHROUD_TEST_FAKE_GUEST_H */
