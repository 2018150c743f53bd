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

enum icr_verdict apic_icr_classify(uint32_t lo, uint32_t dest,
				   uint32_t self_id, uint32_t self_ldr)
{
	bool self = apic_icr_self_only(ICR_MODE_FIXED << 8 |
				       (lo & (ICR_DEST_LOGICAL | (3u << 18))),
				       dest, self_id, self_ldr);
	bool phys_other = ICR_SHORTHAND(lo) == ICR_SH_NONE &&
			  !(lo & ICR_DEST_LOGICAL) && dest != self_id;

	switch (ICR_MODE(lo)) {
	case ICR_MODE_FIXED: case ICR_MODE_LOWEST:
		return ICR_SEND;	/* every CPU is virtualized */
	case ICR_MODE_NMI:
		return self ? ICR_SEND : ICR_REFUSE;
	case ICR_MODE_INIT:
		if (!phys_other && ICR_SHORTHAND(lo) != ICR_SH_OTHERS)
			return ICR_REFUSE;	/* self, logical, all */
		/* level-triggered de-assert (SDM 10.6.1: level 0, trigger
		 * 1): the old "INIT level de-assert", no effect today */
		if ((lo & ICR_TRIGGER_LEVEL) && !(lo & ICR_LEVEL_ASSERT))
			return ICR_INIT_DEASSERT;
		return ICR_INIT;
	case ICR_MODE_SIPI:
		if (!phys_other && ICR_SHORTHAND(lo) != ICR_SH_OTHERS)
			return ICR_REFUSE;
		return ICR_SIPI;
	default:		/* SMI, reserved */
		return ICR_REFUSE;
	}
}
