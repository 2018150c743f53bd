/*
 * arch/x86/vmx/ept.h - the extended page tables' entry format for the
 * guest-physical map (mm/gpmap.h), the second format beside AMD's NPT
 * (arch/x86/svm/npt.c).  Intel SDM Vol. 3C 29.3.2 (EPT translation, table
 * 29-1 to 29-6) and 29.3.7 (memory type).  The VT-x backend of issue 13
 * builds on it; it is host-tested now through test/unit/test_gpmap.c.
 */
#ifndef ARCH_X86_VMX_EPT_H
#define ARCH_X86_VMX_EPT_H

#include "arch/x86/mtrr.h"
#include "mm/gpmap.h"

#define EPT_R		(1ull << 0)
#define EPT_W		(1ull << 1)
#define EPT_X		(1ull << 2)	/* supervisor-mode execute with MBEC */
#define EPT_MT_SHIFT	3u		/* leaf: memory type, bits 5:3 */
#define EPT_IPAT	(1ull << 6)	/* leaf: ignore the guest's PAT */
#define EPT_LARGE	(1ull << 7)	/* 2 MiB / 1 GiB leaf */
#define EPT_A		(1ull << 8)	/* with EPTP bit 6 (A/D enabled) */
#define EPT_D		(1ull << 9)

/* The format; leaves take their memory type from the MTRR snapshot of
 * vmx_ept_set_mtrrs (WB for everything until it is called). */
extern const struct gpmap_format vmx_ept_format;

/* Use @s (copied) for the memory type of every later leaf: the type the
 * MTRRs give the range (mtrr_type), UC where they give none.  Call before
 * gpmap_build. */
void vmx_ept_set_mtrrs(const struct mtrr_state *s);

#endif /* ARCH_X86_VMX_EPT_H */
