/*
 * mm/gpt_walk.c - guest page-table walker (see gpt_walk.h).
 */
#include <stdbool.h>

#include "mm/gpt_walk.h"

#define X_CR0_PG	(1ull << 31)
#define X_CR4_PAE	(1ull << 5)
#define X_CR4_LA57	(1ull << 12)
#define X_EFER_LMA	(1ull << 10)
#define X_EFER_NXE	(1ull << 11)
#define E_P		(1ull << 0)
#define E_RW		(1ull << 1)
#define E_US		(1ull << 2)
#define E_PS		(1ull << 7)
#define E_NX		(1ull << 63)
#define E_ADDR		0x000ffffffffff000ull

/* Reserved bits of a large leaf's address field: 1 GiB: 29:13, 2 MiB: 20:13. */
static uint64_t large_rsvd(unsigned level)
{
	return level == 3 ? 0x3fffe000ull : 0x1fe000ull;
}

int gpt_translate(const struct gpt_walk *w, uint64_t gva,
		  struct gpt_result *out)
{
	unsigned levels, l;
	uint64_t table, e = 0;

	out->writable = out->user = 1;
	out->nx = 0;
	if (!(w->cr0 & X_CR0_PG)) {
		out->gpa = gva;
		out->page_size = 0x1000;
		return 0;
	}
	if (!(w->efer & X_EFER_LMA) || !(w->cr4 & X_CR4_PAE))
		return GPT_ENOTSUP;
	levels = (w->cr4 & X_CR4_LA57) ? 5 : 4;
	if (!gva_canonical(gva, levels == 5 ? 57 : 48))
		return GPT_EINVAL;
	table = w->cr3 & E_ADDR;
	for (l = levels; l >= 1; l--) {
		unsigned idx = (unsigned)((gva >> (12 + 9 * (l - 1))) & 0x1ff);
		uint64_t shift = 12 + 9 * (l - 1);

		if (w->read_gpa(w->ctx, table + idx * 8, &e, sizeof(e)))
			return GPT_EFAULT;
		if (!(e & E_P))
			return GPT_EFAULT;
		out->writable &= !!(e & E_RW);
		out->user &= !!(e & E_US);
		if ((w->efer & X_EFER_NXE) && (e & E_NX))
			out->nx = 1;
		if (l == 1 || ((l == 2 || l == 3) && (e & E_PS))) {
			uint64_t mask = (1ull << shift) - 1;

			if (l > 1 && (e & large_rsvd(l)))
				return GPT_EFAULT;
			out->gpa = ((e & E_ADDR) & ~mask) | (gva & mask);
			out->page_size = 1ull << shift;
			return 0;
		}
		if (e & E_PS)	/* PS in PML4E/PML5E is reserved */
			return GPT_EFAULT;
		table = e & E_ADDR;
	}
	return GPT_EFAULT;
}

int gpt_read(const struct gpt_walk *w, uint64_t gva, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		struct gpt_result r;
		size_t chunk = 0x1000 - (size_t)(gva & 0xfff);
		int rc;

		if (chunk > len)
			chunk = len;
		rc = gpt_translate(w, gva, &r);
		if (rc)
			return rc;
		if (w->read_gpa(w->ctx, r.gpa, p, chunk))
			return GPT_EFAULT;
		gva += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

struct leaf_walk {
	const struct gpt_walk *w;
	gpt_leaf_fn fn;
	void *ctx;
	uint32_t tables_left;
	bool kernel;	/* kernel half, executable leaves; else user half */
};

/* The table at @table (level @l) covering GVAs from @base; @nx: a level
 * above forbids execution. */
static int walk_table(struct leaf_walk *lw, uint64_t table, unsigned l,
		      uint64_t base, unsigned top, bool nx)
{
	uint64_t t[32];		/* 256 bytes a level: the host stack is small */
	unsigned i = 0, n = 512;
	int rc;

	if (l == top) {		/* the top level splits the halves */
		i = lw->kernel ? 256 : 0;
		n = lw->kernel ? 512 : 256;
	}
	if (!lw->tables_left--)
		return -ENG_E2BIG;
	for (; i < n; i++) {
		uint64_t e, shift = 12 + 9 * (uint64_t)(l - 1);
		bool enx;

		if (i % 32 == 0 &&
		    lw->w->read_gpa(lw->w->ctx, table + i * 8, t, sizeof(t)))
			return GPT_EFAULT;
		e = t[i % 32];
		uint64_t gva = base + ((uint64_t)i << shift);

		if (l == top && i >= 256)	/* canonical: sign-extended */
			gva |= ~0ull << (shift + 9 - 1);
		enx = nx || ((lw->w->efer & X_EFER_NXE) && (e & E_NX));
		if (!(e & E_P) || (!lw->kernel && !(e & E_US)))
			continue;
		if (l == 1 || ((l == 2 || l == 3) && (e & E_PS))) {
			rc = (lw->kernel && enx) ? 0 :
			     lw->fn(lw->ctx, gva,
				    (e & E_ADDR) & ~((1ull << shift) - 1),
				    1ull << shift);
		} else if (e & E_PS) {
			continue;	/* reserved: the CPU would fault */
		} else {
			rc = walk_table(lw, e & E_ADDR, l - 1, gva, top, enx);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int for_each_leaf(const struct gpt_walk *w, gpt_leaf_fn fn,
			 void *ctx, uint32_t max_tables, bool kernel)
{
	struct leaf_walk lw = { w, fn, ctx, max_tables, kernel };
	unsigned levels;

	if (!(w->cr0 & X_CR0_PG) || !(w->efer & X_EFER_LMA) ||
	    !(w->cr4 & X_CR4_PAE))
		return GPT_ENOTSUP;
	levels = (w->cr4 & X_CR4_LA57) ? 5 : 4;
	return walk_table(&lw, w->cr3 & E_ADDR, levels, 0, levels, false);
}

int gpt_for_each_user_leaf(const struct gpt_walk *w, gpt_leaf_fn fn,
			   void *ctx, uint32_t max_tables)
{
	return for_each_leaf(w, fn, ctx, max_tables, false);
}

int gpt_for_each_kernel_exec_leaf(const struct gpt_walk *w, gpt_leaf_fn fn,
				  void *ctx, uint32_t max_tables)
{
	return for_each_leaf(w, fn, ctx, max_tables, true);
}
