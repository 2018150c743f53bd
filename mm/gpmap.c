/*
 * mm/gpmap.c - the guest-physical map over a format description (see
 * gpmap.h).
 */
#include "mm/gpmap.h"

#define SIZE_2M	(1ull << 21)

/* One leaf of the format may map [va, va + size) (identity). */
static bool one_leaf(const struct gpmap_format *fmt, uint64_t va,
		     uint64_t size)
{
	return !fmt->uniform || fmt->uniform(mk_hpa(va), size);
}

static void flush(struct gpmap *m)
{
	if (m->flush)
		m->flush(m->flush_ctx);
}

int gpmap_build(struct gpmap *m, const struct gpmap_format *fmt, uint64_t top,
		unsigned max_level, uint64_t (*alloc)(void *ctx),
		void *(*ptr)(void *ctx, uint64_t hpa), void *ctx)
{
	uint64_t va;
	unsigned l;

	if (!fmt || !fmt->leaf || (top & (SIZE_2M - 1)) || max_level < 2 ||
	    max_level > 3)
		return -ENG_EINVAL;
	m->fmt = fmt;
	m->top = top;
	m->scratch = mk_hpa(0);
	m->flush = 0;
	m->flush_ctx = 0;
	m->hidden_base = m->hidden_size = 0;
	m->pgt.table_flags = fmt->table_flags;
	m->pgt.present_mask = fmt->present_mask;
	m->pgt.max_leaf_level = max_level;
	m->pgt.alloc_table = alloc;
	m->pgt.hpa_to_ptr = ptr;
	m->pgt.ctx = ctx;
	m->pgt.root = alloc(ctx);
	if (!m->pgt.root)
		return -ENG_ENOMEM;
	for (va = 0; va < top; va += pgt_level_size(l)) {
		int rc;

		/* the largest aligned leaf that fits and that the format
		 * allows there (4 KiB ones only where it says so) */
		l = max_level;
		while (l > 1 && ((va & (pgt_level_size(l) - 1)) ||
				 top - va < pgt_level_size(l) ||
				 !one_leaf(fmt, va, pgt_level_size(l))))
			l--;
		rc = pgt_set_entry(&m->pgt, va, l,
				   fmt->leaf(mk_hpa(va), GPM_RWX, l));
		if (rc)
			return rc;
	}
	return 0;
}

void gpmap_set_flush(struct gpmap *m, gpmap_flush_fn fn, void *ctx)
{
	m->flush = fn;
	m->flush_ctx = ctx;
}

int gpmap_hide(struct gpmap *m, gpa_t base, uint64_t size)
{
	uint64_t off, pt, *t;
	unsigned i;
	int rc;

	if (((base.v | size) & (SIZE_2M - 1)) || !size || m->hidden_size ||
	    base.v >= m->top || size > m->top - base.v)
		return -ENG_EINVAL;
	if (!m->scratch.v) {
		m->scratch = mk_hpa(m->pgt.alloc_table(m->pgt.ctx));
		if (!m->scratch.v)
			return -ENG_ENOMEM;
	}
	/* One table of scratch leaves, shared by every hidden 2 MiB. */
	pt = m->pgt.alloc_table(m->pgt.ctx);
	if (!pt)
		return -ENG_ENOMEM;
	t = m->pgt.hpa_to_ptr(m->pgt.ctx, pt);
	for (i = 0; i < 512; i++)
		t[i] = m->fmt->leaf(m->scratch, GPM_R | GPM_W, 1);
	for (off = 0; off < size; off += SIZE_2M) {
		rc = pgt_set_entry(&m->pgt, base.v + off, 2,
				   pt | m->fmt->table_flags);
		if (rc)
			return rc;
	}
	m->hidden_base = base.v;
	m->hidden_size = size;
	flush(m);
	return 0;
}

/* [gpa, gpa + len) touches the hidden range: every change there is refused
 * (its 2 MiB entries share one table of scratch leaves). */
static int in_hidden(const struct gpmap *m, uint64_t gpa, uint64_t len)
{
	return m->hidden_size && gpa < m->hidden_base + m->hidden_size &&
	       gpa + len > m->hidden_base;
}

int gpmap_map_4k(struct gpmap *m, gpa_t gpa, hpa_t hpa, unsigned rights)
{
	uint64_t e = rights ? m->fmt->leaf(mk_hpa(hpa.v & PTE_ADDR_MASK),
					   rights & GPM_RWX, 1) : 0;
	int rc;

	if ((gpa.v & 0xfff) || (hpa.v & 0xfff) || gpa.v >= m->top)
		return -ENG_EINVAL;
	if (in_hidden(m, gpa.v, FRAME_SIZE))
		return -ENG_EPERM;
	rc = pgt_set_entry(&m->pgt, gpa.v, 1, e);
	flush(m);
	return rc;
}

int gpmap_split_2m(struct gpmap *m, gpa_t gpa)
{
	uint64_t base = gpa.v & ~(SIZE_2M - 1), e, sz, hpa;
	unsigned level;

	if (base >= m->top)
		return -ENG_EINVAL;
	if (in_hidden(m, base, SIZE_2M))
		return -ENG_EPERM;
	e = pgt_lookup(&m->pgt, base, &level);
	if (!e)		/* not present: already split (a 4 KiB hole) */
		return 0;
	if (level == 1)
		return 0;
	/* Re-writing the first 4 KiB leaf with the mapping it already has
	 * splits every large leaf above it (pgt_set_entry). */
	sz = pgt_level_size(level);
	hpa = (e & PTE_ADDR_MASK & ~(sz - 1)) + (base & (sz - 1));
	return pgt_set_entry(&m->pgt, base, 1,
			     hpa | (e & ~PTE_ADDR_MASK & ~PTE_PS));
}

int gpmap_merge_2m(struct gpmap *m, gpa_t gpa)
{
	uint64_t base = gpa.v;
	int rc;

	if ((base & (SIZE_2M - 1)) || base >= m->top)
		return -ENG_EINVAL;
	if (in_hidden(m, base, SIZE_2M))
		return -ENG_EPERM;
	if (!one_leaf(m->fmt, base, SIZE_2M)) {
		/* the memory type changes inside: 4 KiB identity leaves */
		uint64_t off;

		for (rc = 0, off = 0; !rc && off < SIZE_2M; off += FRAME_SIZE)
			rc = pgt_set_entry(&m->pgt, base + off, 1,
					   m->fmt->leaf(mk_hpa(base + off),
							GPM_RWX, 1));
		flush(m);
		return rc;
	}
	rc = pgt_set_entry(&m->pgt, base, 2,
			   m->fmt->leaf(mk_hpa(base), GPM_RWX, 2));
	flush(m);
	return rc;
}

int gpmap_test_clear_ad(struct gpmap *m, gpa_t gpa, int *accessed, int *dirty)
{
	uint64_t bits = m->fmt->accessed | m->fmt->dirty, old = 0;
	int rc;

	if (!bits)
		return -ENG_ENOTSUP;
	rc = pgt_update_leaf(&m->pgt, gpa.v, bits, 0, &old);
	if (rc)
		return -ENG_EINVAL;
	if (accessed)
		*accessed = m->fmt->accessed && (old & m->fmt->accessed);
	if (dirty)
		*dirty = m->fmt->dirty && (old & m->fmt->dirty);
	flush(m);
	return 0;
}

uint64_t gpmap_lookup(const struct gpmap *m, gpa_t gpa, unsigned *level)
{
	return pgt_lookup(&m->pgt, gpa.v, level);
}

int gpmap_guest_may(const struct gpmap *m, gpa_t gpa, unsigned rights)
{
	const struct gpmap_format *f = m->fmt;
	unsigned level = 0;
	uint64_t e = pgt_lookup(&m->pgt, gpa.v, &level), need = 0, size;

	if (!level || !(e & f->present_mask) || !(rights & (GPM_R | GPM_W)))
		return 0;
	/* the bits each right adds to a leaf of this format */
	if (rights & GPM_R)
		need |= f->leaf(mk_hpa(0), GPM_R, level) & f->present_mask;
	if (rights & GPM_W)
		need |= f->leaf(mk_hpa(0), GPM_R | GPM_W, level) &
			~f->leaf(mk_hpa(0), GPM_R, level);
	size = 1ull << (12 + 9 * (level - 1));
	return need && (e & need) == need &&
	       (e & 0x000ffffffffff000ull & ~(size - 1)) ==
	       (gpa.v & ~(size - 1));
}
