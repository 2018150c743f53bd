/*
 * arch/x86/apic.c - the IPI guard's policy on one ICR value (apic.h).
 */
#include "arch/x86/apic.h"

bool apic_icr_self_only(uint32_t lo, uint32_t dest, uint32_t self_id,
			uint32_t self_ldr)
{
	switch (ICR_MODE(lo)) {
	case ICR_MODE_FIXED: case ICR_MODE_LOWEST: case ICR_MODE_NMI:
		break;
	default:		/* SMI, INIT, SIPI, reserved */
		return false;
	}
	switch (ICR_SHORTHAND(lo)) {
	case ICR_SH_SELF:
		return true;
	case ICR_SH_NONE:
		return (lo & ICR_DEST_LOGICAL) ? dest == self_ldr
					       : dest == self_id;
	default:		/* all including / excluding self */
		return false;
	}
}
