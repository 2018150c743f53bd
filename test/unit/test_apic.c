/*
 * test/unit/test_apic.c - the IPI guard's policy (arch/x86/apic.c): which
 * ICR values a CPU that is the only one virtualized may send.  The values
 * are the ones Linux writes (arch/x86/include/asm/apicdef.h layout) and
 * the ones an attacker would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86/apic.h"

#define SELF_ID		2u
#define SELF_LDR	0x04u
#define DM(m)		((uint32_t)(m) << 8)
#define SH(s)		((uint32_t)(s) << 18)
#define LEVEL_ASSERT	((1u << 15) | (1u << 14))

static void test_allowed_to_self(void **state)
{
	(void)state;
	/* fixed vector 0xf1 to its own physical ID, shorthand self, its own
	 * logical ID; lowest priority and NMI likewise */
	assert_true(apic_icr_self_only(0xf1, SELF_ID, SELF_ID, SELF_LDR));
	assert_true(apic_icr_self_only(SH(ICR_SH_SELF) | 0xf1, 0, SELF_ID,
				       SELF_LDR));
	assert_true(apic_icr_self_only(ICR_DEST_LOGICAL | 0x30, SELF_LDR,
				       SELF_ID, SELF_LDR));
	assert_true(apic_icr_self_only(DM(ICR_MODE_LOWEST) | 0x30, SELF_ID,
				       SELF_ID, SELF_LDR));
	assert_true(apic_icr_self_only(DM(ICR_MODE_NMI), SELF_ID, SELF_ID,
				       SELF_LDR));
	assert_true(apic_icr_self_only(SH(ICR_SH_SELF) | DM(ICR_MODE_NMI), 7,
				       SELF_ID, SELF_LDR));
}

static void test_refused_to_others(void **state)
{
	(void)state;
	/* another physical ID; a logical mask that includes others; the
	 * broadcast shorthands, whatever the mode */
	assert_false(apic_icr_self_only(0xf1, 1, SELF_ID, SELF_LDR));
	assert_false(apic_icr_self_only(0xf1, 0xff, SELF_ID, SELF_LDR));
	assert_false(apic_icr_self_only(ICR_DEST_LOGICAL | 0x30,
					SELF_LDR | 1, SELF_ID, SELF_LDR));
	assert_false(apic_icr_self_only(ICR_DEST_LOGICAL | 0x30, SELF_ID,
					SELF_ID, SELF_LDR));	/* ID != LDR */
	assert_false(apic_icr_self_only(SH(ICR_SH_ALL) | 0xf1, 0, SELF_ID,
					SELF_LDR));
	assert_false(apic_icr_self_only(SH(ICR_SH_OTHERS) | DM(ICR_MODE_NMI),
					0, SELF_ID, SELF_LDR));
	/* x2APIC: 32-bit IDs */
	assert_true(apic_icr_self_only(0xf1, 0x10002, 0x10002, 0x10004));
	assert_false(apic_icr_self_only(0xf1, 0x2, 0x10002, 0x10004));
}

static void test_init_sipi_smi_never(void **state)
{
	static const unsigned modes[] = { ICR_MODE_SMI, 3, ICR_MODE_INIT,
					  ICR_MODE_SIPI, 7 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		uint32_t m = DM(modes[i]);

		/* not to another CPU (Linux's INIT assert, de-assert and
		 * SIPI 0x08 to APIC ID 1, OVMF's INIT-SIPI to all others) */
		assert_false(apic_icr_self_only(m | LEVEL_ASSERT, 1, SELF_ID,
						SELF_LDR));
		assert_false(apic_icr_self_only(m | 0x08, 1, SELF_ID, SELF_LDR));
		assert_false(apic_icr_self_only(SH(ICR_SH_OTHERS) | m, 0,
						SELF_ID, SELF_LDR));
		/* and not even to itself */
		assert_false(apic_icr_self_only(SH(ICR_SH_SELF) | m, 0,
						SELF_ID, SELF_LDR));
		assert_false(apic_icr_self_only(m, SELF_ID, SELF_ID, SELF_LDR));
	}
	/* the exact values the attack tests saw refused */
	assert_false(apic_icr_self_only(0xc500, 1, 0, 1));	/* INIT assert */
	assert_false(apic_icr_self_only(0x8500, 1, 0, 1));	/* de-assert */
	assert_false(apic_icr_self_only(0x0608, 1, 0, 1));	/* SIPI 0x08 */
	assert_false(apic_icr_self_only(0xc4500, 0, 0, 1));	/* OVMF */
}

/* Every CPU virtualized: the verdicts of apic_icr_classify on the values
 * Linux and OVMF write. */
static void test_classify_smp(void **state)
{
	(void)state;
	/* fixed and lowest priority go anywhere (reschedule, TLB flush) */
	assert_int_equal(apic_icr_classify(DM(ICR_MODE_FIXED) | 0xfd, 1,
					   SELF_ID, SELF_LDR), ICR_SEND);
	assert_int_equal(apic_icr_classify(SH(ICR_SH_OTHERS) | 0xfb, 0,
					   SELF_ID, SELF_LDR), ICR_SEND);
	assert_int_equal(apic_icr_classify(DM(ICR_MODE_LOWEST) |
					   ICR_DEST_LOGICAL | 0x31, 0xff,
					   SELF_ID, SELF_LDR), ICR_SEND);
	/* Linux's wakeup_secondary_cpu_via_init to APIC ID 1 */
	assert_int_equal(apic_icr_classify(0xc500, 1, 0, 1), ICR_INIT);
	assert_int_equal(apic_icr_classify(0x8500, 1, 0, 1), ICR_INIT_DEASSERT);
	assert_int_equal(apic_icr_classify(0x0698, 1, 0, 1), ICR_SIPI);
	assert_int_equal(ICR_VECTOR(0x0698u), 0x98);
	/* OVMF's INIT-SIPI to all but itself */
	assert_int_equal(apic_icr_classify(0xc4500, 0, 0, 1), ICR_INIT);
	assert_int_equal(apic_icr_classify(0xc0600 | 0x9f, 0, 0, 1), ICR_SIPI);
	/* INIT or SIPI to itself, to all, or by logical mask: refused */
	assert_int_equal(apic_icr_classify(SH(ICR_SH_SELF) | DM(ICR_MODE_INIT),
					   0, SELF_ID, SELF_LDR), ICR_REFUSE);
	assert_int_equal(apic_icr_classify(DM(ICR_MODE_INIT) | LEVEL_ASSERT,
					   SELF_ID, SELF_ID, SELF_LDR), ICR_REFUSE);
	assert_int_equal(apic_icr_classify(SH(ICR_SH_ALL) | DM(ICR_MODE_SIPI),
					   0, SELF_ID, SELF_LDR), ICR_REFUSE);
	assert_int_equal(apic_icr_classify(DM(ICR_MODE_INIT) | ICR_DEST_LOGICAL,
					   0x01, SELF_ID, SELF_LDR), ICR_REFUSE);
	/* NMI only to itself; SMI and the reserved modes never */
	assert_int_equal(apic_icr_classify(SH(ICR_SH_SELF) | DM(ICR_MODE_NMI),
					   0, SELF_ID, SELF_LDR), ICR_SEND);
	assert_int_equal(apic_icr_classify(DM(ICR_MODE_NMI), 1, SELF_ID,
					   SELF_LDR), ICR_REFUSE);
	assert_int_equal(apic_icr_classify(SH(ICR_SH_OTHERS) | DM(ICR_MODE_NMI),
					   0, SELF_ID, SELF_LDR), ICR_REFUSE);
	assert_int_equal(apic_icr_classify(DM(ICR_MODE_SMI), SELF_ID, SELF_ID,
					   SELF_LDR), ICR_REFUSE);
	assert_int_equal(apic_icr_classify(DM(3), 1, SELF_ID, SELF_LDR),
			 ICR_REFUSE);
	assert_int_equal(apic_icr_classify(DM(7), 1, SELF_ID, SELF_LDR),
			 ICR_REFUSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed_to_self),
		cmocka_unit_test(test_refused_to_others),
		cmocka_unit_test(test_init_sipi_smi_never),
		cmocka_unit_test(test_classify_smp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
