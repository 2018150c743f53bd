/*
 * arch/x86/vmx/ept.c - the EPT entry format (ept.h).  Leaves: R/W/X from
 * the GPM rights (W implies R: write-only is a misconfiguration, SDM
 * 29.3.3.1), the memory type the MTRRs give the range in bits 5:3, the
 * guest's PAT still applied (IPAT clear: the guest combines its own PAT
 * with it, 29.3.7.2), bit 7 for large leaves.  Non-leaf entries have all
 * three rights.  An entry is present if any of R/W/X is set.
 */
#include "arch/x86/vmx/ept.h"
#include "mm/pgtable.h"

static struct mtrr_state ept_mtrrs;
static bool ept_have_mtrrs;

void vmx_ept_set_mtrrs(const struct mtrr_state *s)
{
	ept_mtrrs = *s;
	ept_have_mtrrs = true;
}

static int memtype(uint64_t hpa, uint64_t size)
{
	return ept_have_mtrrs ? mtrr_type(&ept_mtrrs, hpa, size) : (int)MTRR_WB;
}

static bool ept_uniform(hpa_t hpa, uint64_t size)
{
	return memtype(hpa.v, size) != MTRR_MIXED;
}

static uint64_t ept_leaf(hpa_t hpa, unsigned rights, unsigned level)
{
	int t = memtype(hpa.v & PTE_ADDR_MASK, pgt_level_size(level));
	uint64_t e = hpa.v & PTE_ADDR_MASK;

	if (rights & (GPM_R | GPM_W))
		e |= EPT_R;
	if (rights & GPM_W)
		e |= EPT_W;
	if (rights & GPM_X)
		e |= EPT_X;
	e |= (uint64_t)(t < 0 ? MTRR_UC : (unsigned)t) << EPT_MT_SHIFT;
	if (level > 1)
		e |= EPT_LARGE;
	return e;
}

const struct gpmap_format vmx_ept_format = {
	.name = "EPT",
	.table_flags = EPT_R | EPT_W | EPT_X,
	.present_mask = EPT_R | EPT_W | EPT_X,
	.accessed = EPT_A,
	.dirty = EPT_D,
	.leaf = ept_leaf,
	.uniform = ept_uniform,
};
