/*
 * mm/pgtable.c - 4-level page-table builder (see pgtable.h).
 * AMD APM Vol. 2, 5.3.3 (4-Kbyte), 5.3.4 (2-Mbyte), 5.3.5 (1-Gbyte pages).
 */
#include "mm/pgtable.h"

static uint64_t *table_ptr(const struct pgt *p, uint64_t hpa)
{
	return p->hpa_to_ptr(p->ctx, hpa & PTE_ADDR_MASK);
}

static unsigned va_index(uint64_t va, unsigned level)
{
	return (unsigned)((va >> (12 + 9 * (level - 1))) & 0x1ff);
}

static int present(const struct pgt *p, uint64_t e)
{
	return (e & (p->present_mask ? p->present_mask : PTE_P)) != 0;
}

static int is_leaf(const struct pgt *p, uint64_t e, unsigned level)
{
	return present(p, e) && (level == 1 || (e & PTE_PS));
}

/* Replace the large leaf @e at @level by a table of 512 smaller leaves. */
static int split_leaf(struct pgt *p, uint64_t *slot, unsigned level)
{
	uint64_t e = *slot, hpa, *t, step = pgt_level_size(level - 1);
	uint64_t base = e & PTE_ADDR_MASK & ~(pgt_level_size(level) - 1);
	uint64_t attrs = e & ~PTE_ADDR_MASK;
	unsigned i;

	hpa = p->alloc_table(p->ctx);
	if (!hpa)
		return PGT_ENOMEM;
	t = table_ptr(p, hpa);
	if (level - 1 == 1)
		attrs &= ~PTE_PS;	/* bit 7 is PAT in a 4 KiB leaf */
	for (i = 0; i < 512; i++)
		t[i] = (base + i * step) | attrs;
	*slot = hpa | p->table_flags;
	return 0;
}

int pgt_set_entry(struct pgt *p, uint64_t va, unsigned level, uint64_t entry)
{
	uint64_t *t = table_ptr(p, p->root);
	unsigned l;
	int rc;

	if (level < 1 || level > 3)
		return PGT_EINVAL;
	for (l = PGT_LEVELS; l > level; l--) {
		uint64_t *slot = &t[va_index(va, l)];

		if (is_leaf(p, *slot, l)) {
			rc = split_leaf(p, slot, l);
			if (rc)
				return rc;
		} else if (!present(p, *slot)) {
			uint64_t hpa = p->alloc_table(p->ctx);

			if (!hpa)
				return PGT_ENOMEM;
			*slot = hpa | p->table_flags;
		}
		t = table_ptr(p, *slot);
	}
	t[va_index(va, level)] = entry;
	return 0;
}

/* Largest level whose page fits at @va/@pa within @left bytes. */
static unsigned fit_level(const struct pgt *p, uint64_t va, uint64_t pa,
			  uint64_t left)
{
	unsigned l;

	for (l = p->max_leaf_level; l > 1; l--) {
		uint64_t sz = pgt_level_size(l);

		if (!((va | pa) & (sz - 1)) && left >= sz)
			return l;
	}
	return 1;
}

int pgt_map(struct pgt *p, uint64_t va, uint64_t pa, uint64_t size,
	    uint64_t flags)
{
	if ((va | pa | size) & (PAGE_SIZE_4K - 1) || !p->max_leaf_level ||
	    p->max_leaf_level > 3)
		return PGT_EINVAL;
	flags &= ~(PTE_ADDR_MASK | PTE_PS);
	while (size) {
		unsigned l = fit_level(p, va, pa, size);
		uint64_t e = pa | flags | (l > 1 ? PTE_PS : 0);
		int rc = pgt_set_entry(p, va, l, e);

		if (rc)
			return rc;
		va += pgt_level_size(l);
		pa += pgt_level_size(l);
		size -= pgt_level_size(l);
	}
	return 0;
}

uint64_t pgt_lookup(const struct pgt *p, uint64_t va, unsigned *level_out)
{
	const uint64_t *t = table_ptr(p, p->root);
	unsigned l;

	for (l = PGT_LEVELS; l >= 1; l--) {
		uint64_t e = t[va_index(va, l)];

		if (!present(p, e))
			break;
		if (is_leaf(p, e, l)) {
			if (level_out)
				*level_out = l;
			return e;
		}
		t = table_ptr(p, e);
	}
	if (level_out)
		*level_out = 0;
	return 0;
}

unsigned pgt_walk_slots(const struct pgt *p, uint64_t va,
			volatile uint64_t *slots[PGT_LEVELS])
{
	uint64_t *t = table_ptr(p, p->root);
	unsigned l, n = 0;

	for (l = PGT_LEVELS; l >= 1; l--) {
		uint64_t *slot = &t[va_index(va, l)];

		slots[n++] = slot;
		if (!present(p, *slot) || is_leaf(p, *slot, l))
			break;
		t = table_ptr(p, *slot);
	}
	return n;
}

int pgt_update_leaf(struct pgt *p, uint64_t va, uint64_t clear, uint64_t set,
		    uint64_t *old)
{
	uint64_t *t = table_ptr(p, p->root);
	unsigned l;

	for (l = PGT_LEVELS; l >= 1; l--) {
		uint64_t *slot = &t[va_index(va, l)];

		if (!present(p, *slot))
			return PGT_EINVAL;
		if (is_leaf(p, *slot, l)) {
			if (old)
				*old = *slot;
			*slot = (*slot & ~clear) | set;
			return 0;
		}
		t = table_ptr(p, *slot);
	}
	return PGT_EINVAL;
}

static uint64_t count_wx(const struct pgt *p, uint64_t table, unsigned level)
{
	const uint64_t *t = table_ptr(p, table);
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < 512; i++) {
		if (!present(p, t[i]))
			continue;
		if (is_leaf(p, t[i], level))
			n += (t[i] & PTE_RW) && !(t[i] & PTE_NX);
		else
			n += count_wx(p, t[i], level - 1);
	}
	return n;
}

uint64_t pgt_count_wx(const struct pgt *p)
{
	return count_wx(p, p->root, PGT_LEVELS);
}
