/*
 * arch/x86/svm/npt.c - the nested page tables (AMD APM Vol. 2, 15.25
 * "Nested Paging").  Guest-physical space is identity-mapped with the
 * largest leaves that fit (1 GiB where the CPU has them, else 2 MiB),
 * RAM and MMIO alike, except the hypervisor's reserved region: each of its
 * 4 KiB GPAs maps to one shared scratch frame that holds nothing of the
 * hypervisor.  A guest that reads its "reserved" range (as /dev/mem may)
 * reads zeros and its writes land in the scratch frame: it can neither
 * read nor write a single hypervisor byte, and nothing faults.
 * Every NPT level needs U/S=1: guest page-table walks are user accesses
 * to the nested tables (15.25.5).
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "core/log.h"
#include "mm/frame.h"
#include "mm/pgtable.h"

#define NPT_FLAGS	(PTE_P | PTE_RW | PTE_US)
#define NPT_MAX_BITS	40u	/* map at most 1 TiB of guest-physical space */

static uint64_t npt_top(void)
{
	unsigned bits = cpuid(0x80000008).eax & 0xff;

	if (bits < 32 || bits > NPT_MAX_BITS)
		bits = NPT_MAX_BITS;
	return 1ull << bits;
}

/* Point every 2 MiB of [base, base + size) at one table of scratch leaves. */
static int hide_region(struct pgt *p, uint64_t base, uint64_t size)
{
	uint64_t scratch = frame_alloc(), pt = frame_alloc(), off, *t;
	unsigned i;
	int rc;

	if (!scratch || !pt)
		return PGT_ENOMEM;
	t = hpa_ptr(pt);
	for (i = 0; i < 512; i++)
		t[i] = scratch | NPT_FLAGS;
	for (off = 0; off < size; off += PAGE_SIZE_2M) {
		rc = pgt_set_entry(p, base + off, 2, pt | NPT_FLAGS);
		if (rc)
			return rc;
	}
	return 0;
}

int npt_build(const struct boot_info *bi, struct pgt *npt)
{
	int gb_pages = !!(cpuid(0x80000001).edx & (1u << 26));
	struct pgt p = {
		.root = frame_alloc(),
		.table_flags = NPT_FLAGS,
		.max_leaf_level = gb_pages ? 3 : 2,
		.alloc_table = frame_pgt_alloc,
		.hpa_to_ptr = frame_pgt_ptr,
	};
	uint64_t top = npt_top(), before = frame_used();
	int rc;

	if (!p.root)
		return PGT_ENOMEM;
	rc = pgt_map(&p, 0, 0, top, NPT_FLAGS);
	if (!rc && !bi->expose_hv_memory)
		rc = hide_region(&p, bi->hv_base, bi->hv_size);
	if (rc)
		return rc;
	if (bi->expose_hv_memory)
		log_warn("npt", "expose_hv_memory=yes: hypervisor memory is "
			 "visible to the guest (testing only)");
	log_info("npt", "identity map [0x0-0x%llx) with %s pages, "
		 "hypervisor [0x%llx-0x%llx) %s, %llu table frames",
		 (unsigned long long)top, gb_pages ? "1 GiB" : "2 MiB",
		 (unsigned long long)bi->hv_base,
		 (unsigned long long)(bi->hv_base + bi->hv_size),
		 bi->expose_hv_memory ? "EXPOSED" : "hidden",
		 (unsigned long long)(frame_used() - before));
	*npt = p;
	return 0;
}

/* NX in nested entries is honoured because the host runs with EFER.NXE
 * (the loader sets it); APM Vol. 2, 15.25.2. */
int svm_npt_map_4k(struct vcpu *v, uint64_t gpa, uint64_t hpa, unsigned perms)
{
	struct svm_vcpu *s = to_svm(v);
	uint64_t e = 0;

	if (perms)
		e = (hpa & PTE_ADDR_MASK) | PTE_P | PTE_US |
		    ((perms & VPERM_W) ? PTE_RW : 0) |
		    ((perms & VPERM_X) ? 0 : PTE_NX);
	s->vmcb->ctl.tlb_control = SVM_TLB_FLUSH_ALL;
	return pgt_set_entry(&s->npt, gpa & ~0xfffull, 1, e);
}

int svm_npt_identity_2m(struct vcpu *v, uint64_t gpa)
{
	struct svm_vcpu *s = to_svm(v);

	s->vmcb->ctl.tlb_control = SVM_TLB_FLUSH_ALL;
	return pgt_set_entry(&s->npt, gpa & ~(PAGE_SIZE_2M - 1), 2,
			     (gpa & ~(PAGE_SIZE_2M - 1)) | NPT_FLAGS | PTE_PS);
}
