/*
 * mm/gpt_walk.h - walker of the guest's own page tables (GVA -> GPA), for
 * instruction fetch on exits without decode assists and for hypercall
 * arguments given as guest virtual addresses.
 * Supported: paging off (GVA = GPA), long mode with 4-level and 5-level
 * paging, 4 KiB, 2 MiB and 1 GiB pages (AMD APM Vol. 2, 5.3 and 5.3.1
 * "Canonical Address Form"; 5-level: Intel SDM Vol. 3A, 4.5).  Legacy
 * 32-bit and PAE paging are refused with GPT_ENOTSUP.
 * Plain C, no inline assembly: unit-tested on the host over a fake memory.
 * Every guest table read goes through @read_gpa, which must refuse GPAs
 * that are not guest RAM (MMIO, the hypervisor's own frames): a guest must
 * not make the hypervisor read its own memory by pointing CR3 at it.
 */
#ifndef MM_GPT_WALK_H
#define MM_GPT_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "base/types.h"

#define GPT_EFAULT	(-ENG_EFAULT)	/* not present, reserved bit, or read refused */
#define GPT_ENOTSUP	(-ENG_ENOTSUP)	/* paging mode not supported */
#define GPT_EINVAL	(-ENG_EINVAL)	/* non-canonical address */

/* Is @gva canonical for @va_bits-bit linear addresses (48, or 57 with
 * 5-level paging): bits 63:@va_bits copies of bit @va_bits - 1 (Intel SDM
 * Vol. 1 3.3.7.1, AMD APM Vol. 2 5.3.1)?  Any caller; pure. */
static inline bool gva_canonical(uint64_t gva, unsigned va_bits)
{
	int64_t s = (int64_t)(gva << (64 - va_bits)) >> (64 - va_bits);

	return (uint64_t)s == gva;
}

#define GPT_ACC_WRITE	(1u << 0)
#define GPT_ACC_USER	(1u << 1)

struct gpt_walk {
	uint64_t cr0, cr3, cr4, efer;
	/* Copy @len bytes of guest RAM at @gpa; 0 or a negative code. */
	int (*read_gpa)(void *ctx, uint64_t gpa, void *buf, size_t len);
	void *ctx;
};

struct gpt_result {
	uint64_t gpa;		/* translation of the requested GVA */
	uint64_t page_size;	/* 4 KiB, 2 MiB or 1 GiB; GVA == GPA: 4 KiB */
	unsigned writable;	/* every level allows writes */
	unsigned user;		/* every level allows user access */
	unsigned nx;		/* some level forbids execution (EFER.NXE) */
};

/* Translate @gva; returns 0 with @out filled, or GPT_E*. Access rights are
 * reported, not enforced: the caller decides (see GPT_ACC_*). */
__attribute__((warn_unused_result))
int gpt_translate(const struct gpt_walk *w, uint64_t gva,
		  struct gpt_result *out);

/* Copy @len bytes at @gva into @buf, page by page; 0 or GPT_E*. */
__attribute__((warn_unused_result))
int gpt_read(const struct gpt_walk *w, uint64_t gva, void *buf, size_t len);

/*
 * gpt_for_each_user_leaf - call @fn(@ctx, gva, gpa, size) for every present
 * leaf of the user half (PML4/PML5 entries with U/S set, below the
 * canonical hole) of the address space @w describes (long mode, 4- or
 * 5-level paging).  Stops early when @fn returns nonzero (that value is
 * returned).  At most @max_tables page tables are read: -ENG_E2BIG past
 * that; GPT_ENOTSUP outside long mode; GPT_EFAULT if a table is not RAM.
 * Tables are read 32 entries at a time through @w->read_gpa.
 */
typedef int (*gpt_leaf_fn)(void *ctx, uint64_t gva, uint64_t gpa,
			   uint64_t size);
__attribute__((warn_unused_result))
int gpt_for_each_user_leaf(const struct gpt_walk *w, gpt_leaf_fn fn,
			   void *ctx, uint32_t max_tables);

/*
 * gpt_for_each_kernel_exec_leaf - the same over the kernel half (top-level
 * entries 256-511, GVAs sign-extended), calling @fn only for leaves that
 * no level marks NX (with EFER.NXE): what the kernel can execute.  For the
 * kernel-integrity lock (prot/klock.h).
 */
__attribute__((warn_unused_result))
int gpt_for_each_kernel_exec_leaf(const struct gpt_walk *w, gpt_leaf_fn fn,
				  void *ctx, uint32_t max_tables);

#endif /* MM_GPT_WALK_H */
