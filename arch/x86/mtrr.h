/*
 * arch/x86/mtrr.h - memory types from the MTRRs (Intel SDM Vol. 3A 11.11;
 * AMD APM Vol. 2 7.7), for a second-level map whose leaves carry the
 * memory type themselves (Intel EPT, SDM Vol. 3C 29.3.7: the MTRRs do
 * not apply to guest accesses translated by EPT).  A snapshot of the
 * MTRR MSRs goes in; the type of a range comes out, or "mixed" when the
 * range must be mapped with smaller leaves.  Plain C, host-testable; the
 * MSRs are read by the backend.
 */
#ifndef ARCH_X86_MTRR_H
#define ARCH_X86_MTRR_H

#include <stdbool.h>
#include <stdint.h>

#define MTRR_UC		0u
#define MTRR_WC		1u
#define MTRR_WT		4u
#define MTRR_WP		5u
#define MTRR_WB		6u
#define MTRR_MIXED	(-1)
#define MTRR_VAR_MAX	16u
#define MTRR_FIXED_N	88u	/* 11 MSRs x 8 ranges below 1 MiB */

/* The MTRR MSRs as read: IA32_MTRR_DEF_TYPE (0x2FF: type 7:0, FE bit 10,
 * E bit 11), the fixed ranges (0x250, 0x258-0x259, 0x268-0x26F, one type
 * byte per range, in address order) and the variable pairs
 * IA32_MTRR_PHYSBASEn/PHYSMASKn (0x200 + 2n / + 2n + 1; type in base bits
 * 7:0, valid in mask bit 11); @phys_bits from CPUID 0x80000008. */
struct mtrr_state {
	uint64_t def_type;
	uint8_t fixed[MTRR_FIXED_N];
	unsigned nvar;
	struct { uint64_t base, mask; } var[MTRR_VAR_MAX];
	unsigned phys_bits;
};

/*
 * mtrr_type - the memory type (MTRR_UC ... MTRR_WB) of every byte of
 * [@base, @base + @size) (@base and @size 4 KiB multiples), or MTRR_MIXED
 * if it is not one type.  MTRRs off: UC.  Overlapping variable ranges
 * follow SDM 11.11.4.1: UC wins, WT wins over WB, any other overlap is
 * taken as UC.  A variable range whose mask is not contiguous is honoured
 * exactly at 4 KiB and makes any larger range it touches MIXED.
 */
int mtrr_type(const struct mtrr_state *s, uint64_t base, uint64_t size);

#endif /* ARCH_X86_MTRR_H */
