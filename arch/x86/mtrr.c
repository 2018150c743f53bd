/*
 * arch/x86/mtrr.c - memory types from an MTRR snapshot (mtrr.h).
 */
#include "arch/x86/mtrr.h"

#define DEF_E		(1ull << 11)
#define DEF_FE		(1ull << 10)
#define MASK_VALID	(1ull << 11)
#define ONE_MIB		0x100000ull

/* Fixed range index of a 4 KiB page below 1 MiB (SDM table 11-9). */
static unsigned fixed_index(uint64_t a)
{
	if (a < 0x80000)
		return (unsigned)(a >> 16);			/* 64K x 8 */
	if (a < 0xc0000)
		return 8 + (unsigned)((a - 0x80000) >> 14);	/* 16K x 16 */
	return 24 + (unsigned)((a - 0xc0000) >> 12);		/* 4K x 64 */
}

static uint64_t addr_mask(const struct mtrr_state *s)
{
	unsigned b = s->phys_bits >= 36 && s->phys_bits <= 52 ? s->phys_bits : 36;

	return ((1ull << b) - 1) & ~0xfffull;
}

/* A valid variable range's mask is contiguous: [base, base + size). */
static bool var_contiguous(uint64_t mask, uint64_t amask, uint64_t *size)
{
	uint64_t m = mask & amask, inv = ~m & amask;

	/* inv must be 0...01...1 (the low bits) */
	if ((inv & (inv + 0x1000)) != 0)
		return false;
	*size = inv + 0x1000;
	return true;
}

/* Combine the types of the variable ranges that contain the range. */
static int combine(int acc, unsigned t)
{
	if (acc < 0)
		return (int)t;
	if (acc == (int)t)
		return acc;
	if (acc == MTRR_UC || t == MTRR_UC)
		return MTRR_UC;
	if ((acc == MTRR_WT && t == MTRR_WB) || (acc == MTRR_WB && t == MTRR_WT))
		return MTRR_WT;
	return MTRR_UC;			/* undefined overlap: the safe type */
}

int mtrr_type(const struct mtrr_state *s, uint64_t base, uint64_t size)
{
	uint64_t amask = addr_mask(s), end = base + size;
	int acc = -1;
	unsigned i;

	if (!(s->def_type & DEF_E))
		return MTRR_UC;
	if ((s->def_type & DEF_FE) && base < ONE_MIB) {
		unsigned t;

		if (end > ONE_MIB)
			return MTRR_MIXED;
		t = s->fixed[fixed_index(base)];
		for (uint64_t a = base + 0x1000; a < end; a += 0x1000)
			if (s->fixed[fixed_index(a)] != t)
				return MTRR_MIXED;
		return (int)t;
	}
	for (i = 0; i < s->nvar && i < MTRR_VAR_MAX; i++) {
		uint64_t vb = s->var[i].base & amask, vm = s->var[i].mask, vs;
		bool in;

		if (!(vm & MASK_VALID))
			continue;
		if (!var_contiguous(vm, amask, &vs)) {
			if (size != 0x1000)
				return MTRR_MIXED;
			in = (base & vm & amask) == (vb & vm & amask);
		} else {
			vb &= ~(vs - 1);
			if (end <= vb || base >= vb + vs)
				continue;		/* outside */
			if (base < vb || end > vb + vs)
				return MTRR_MIXED;	/* straddles an edge */
			in = true;
		}
		if (in)
			acc = combine(acc, (unsigned)(s->var[i].base & 0xff));
	}
	return acc < 0 ? (int)(s->def_type & 0xff) : acc;
}
