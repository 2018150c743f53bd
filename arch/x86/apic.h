/*
 * arch/x86/apic.h - the local APIC's interrupt command register, as the
 * IPI guard (core/vexit.c) reads it: register offsets and MSRs (Intel SDM
 * Vol. 3A 10.4.1 table 10-1, 10.6.1 figure 10-12, 10.12.1.2 table 10-6;
 * AMD APM Vol. 2 16.3.2 and 16.5) and the policy on one ICR value.
 * Plain C, host-testable.
 */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_REG_ID		0x020u	/* xAPIC: ID in bits 31:24 */
#define APIC_REG_LDR		0x0d0u	/* xAPIC: logical ID in bits 31:24 */
#define APIC_REG_ICR_LO		0x300u
#define APIC_REG_ICR_HI		0x310u	/* xAPIC: destination in bits 31:24 */
#define MSR_X2APIC_ID		0x802u
#define MSR_X2APIC_LDR		0x80du
#define MSR_X2APIC_ICR		0x830u	/* destination in bits 63:32 */

#define ICR_MODE(lo)		(((lo) >> 8) & 7u)
#define ICR_MODE_FIXED		0u
#define ICR_MODE_LOWEST		1u
#define ICR_MODE_SMI		2u
#define ICR_MODE_NMI		4u
#define ICR_MODE_INIT		5u
#define ICR_MODE_SIPI		6u
#define ICR_DEST_LOGICAL	(1u << 11)
#define ICR_LEVEL_ASSERT	(1u << 14)
#define ICR_TRIGGER_LEVEL	(1u << 15)
#define ICR_VECTOR(lo)		((lo) & 0xffu)
#define ICR_SHORTHAND(lo)	(((lo) >> 18) & 3u)
#define ICR_SH_NONE		0u
#define ICR_SH_SELF		1u
#define ICR_SH_ALL		2u	/* all including self */
#define ICR_SH_OTHERS		3u	/* all excluding self */

/*
 * apic_icr_self_only - may the ICR value (low word @lo, destination @dest
 * in the mode's format: xAPIC bits 31:24 moved down, x2APIC the 32-bit
 * field) be sent, by a CPU whose APIC ID is @self_id and logical ID is
 * @self_ldr (same format), when no other CPU may be reached?  True only
 * for a fixed, lowest-priority or NMI interrupt with the "self"
 * shorthand, or with no shorthand and a physical destination equal to
 * @self_id or a logical one equal to @self_ldr.  INIT, SIPI, SMI and the
 * reserved modes are never allowed, not even to this CPU.
 */
bool apic_icr_self_only(uint32_t lo, uint32_t dest, uint32_t self_id,
			uint32_t self_ldr);

/* What the IPI guard does with one ICR write once every CPU is
 * virtualized (apic_icr_classify). */
enum icr_verdict {
	ICR_SEND,		/* write it to the APIC: the hardware sends it */
	ICR_REFUSE,		/* drop it (logged, counted, SHROUD_EV_IPI) */
	ICR_INIT,		/* emulate INIT to the destination CPU(s) */
	ICR_INIT_DEASSERT,	/* INIT level de-assert: no effect */
	ICR_SIPI,		/* emulate a start-up IPI, vector ICR_VECTOR */
};

/*
 * apic_icr_classify - the guard's verdict on an ICR value (arguments as
 * for apic_icr_self_only) when every CPU runs under the hypervisor:
 *   fixed, lowest priority   SEND, to any destination (the target is a
 *                            virtualized CPU, its guest takes it);
 *   NMI                      SEND to this CPU alone, else REFUSE (NMIs are
 *                            the hypervisor's own IPI; guests get none);
 *   INIT, SIPI               emulated (INIT, INIT_DEASSERT, SIPI) when sent
 *                            to another CPU by physical ID or to all but
 *                            self; REFUSE to self, to all, or logical;
 *   SMI, reserved modes      REFUSE.
 * The hardware never sends an INIT or a start-up IPI the guest asked for:
 * a CPU that took one would start outside the hypervisor.
 */
enum icr_verdict apic_icr_classify(uint32_t lo, uint32_t dest,
				   uint32_t self_id, uint32_t self_ldr);

#endif /* ARCH_X86_APIC_H */
