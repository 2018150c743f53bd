/*
 * arch/x86/svm/npt.c - the nested page tables' entry format for the
 * guest-physical map (mm/gpmap.h).  AMD APM Vol. 2, 15.25 "Nested Paging":
 * nested entries have the long-mode format (5.3); every level needs
 * U/S = 1, because guest page-table walks are user accesses to the nested
 * tables (15.25.5); NX is honoured because the host runs with EFER.NXE
 * (the loader sets it; 15.25.2).  Nested entries have no separate read
 * right: a present entry is readable.
 */
#include "arch/x86/svm/svm_vcpu.h"
#include "arch/x86/cpu.h"

static uint64_t npt_leaf(hpa_t hpa, unsigned rights, unsigned level)
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

const struct gpmap_format svm_npt_format = {
	.name = "NPT",
	.table_flags = PTE_P | PTE_RW | PTE_US,
	.present_mask = PTE_P,
	.accessed = PTE_A,
	.dirty = PTE_D,
	.leaf = npt_leaf,
};

/* 1 GiB leaves where the CPU has them (CPUID Fn8000_0001 EDX[26]). */
unsigned svm_npt_max_level(void)
{
	return (cpuid(0x80000001).edx & (1u << 26)) ? 3u : 2u;
}
