/*
 * test/unit/test_vmx_caps.c - the VT-x backend's control words from the
 * capability MSRs (arch/x86/vmx/vmx_caps.c; Intel SDM Vol. 3D appendix A).
 *
 * Real values: a Core i7 of the Coffee Lake generation (CPUID 06_9EH),
 * every VMX MSR as VirtualBox 6.1 printed them in a public VBox.log; and
 * Bochs 2.7's corei7_skylake_x model, as Shroud's own log printed them
 * ("vmx: caps ...", IA32_FEATURE_CONTROL unlocked).  The
 * other profiles are that CPU with one capability taken away, each the
 * shape of a real difference (firmware that locks VMX off, a CPU without
 * true-control MSRs, without EPT, without INVEPT, a first-generation EPT
 * CPU without VPID or unrestricted guest).  Every result is also checked
 * against the MSRs' own rule: each bit the MSR forces is set, none it
 * forbids is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_caps.h"
#include "base/types.h"

static const struct vmx_caps coffee_lake = {
	.feature_control = 0x20005,
	.basic = 0xda040000000004ull,
	.pinbased = 0x7f00000016ull,
	.procbased = 0xfff9fffe0401e172ull,
	.exit = 0x1ffffff00036dffull,
	.entry = 0x3ffff000011ffull,
	.true_pinbased = 0x7f00000016ull,
	.true_procbased = 0xfff9fffe04006172ull,
	.true_exit = 0x1ffffff00036dfbull,
	.true_entry = 0x3ffff000011fbull,
	.procbased2 = 0x5fbcff00000000ull,
	.ept_vpid = 0xf0106734141ull,
	.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
	.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
};

static const struct vmx_caps bochs_skylake_x = {
	.feature_control = 0,
	.basic = 0xd810000000002bull,
	.pinbased = 0x7f00000016ull,
	.procbased = 0xf7f9fffe0401e172ull,
	.exit = 0x7fffff00036dffull,
	.entry = 0xffff000011ffull,
	.true_pinbased = 0x7f00000016ull,
	.true_procbased = 0xf7f9fffe04006172ull,
	.true_exit = 0x7fffff00036dfbull,
	.true_entry = 0xffff000011fbull,
	.procbased2 = 0x2177fff00000000ull,
	.ept_vpid = 0xf0106334141ull,
	.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
	.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
};

/* The word obeys its capability MSR (A.3-A.5). */
static void assert_allowed(uint32_t v, uint64_t cap)
{
	uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);

	assert_int_equal(v & must1, must1);
	assert_int_equal(v & ~may1, 0);
}

static void assert_obeys(const struct vmx_caps *c, const struct vmx_controls *o)
{
	assert_allowed(o->pin, c->true_pinbased);
	assert_allowed(o->proc, c->true_procbased);
	assert_allowed(o->proc2, c->procbased2);
	assert_allowed(o->exit, c->true_exit);
	/* IA-32e mode guest is added per entry: check it can be. */
	assert_allowed(o->entry, c->true_entry);
	assert_allowed(o->entry | ENTRY_IA32E_MODE, c->true_entry);
}

static void test_coffee_lake(void **state)
{
	struct vmx_controls o;
	const char *why = "unset";

	(void)state;
	assert_int_equal(vmx_controls_compute(&coffee_lake, &o, &why), 0);
	assert_string_equal(why, "");
	assert_obeys(&coffee_lake, &o);
	assert_true(o.pin & PIN_NMI_EXITING);
	assert_true(o.proc & PROC_MOV_DR_EXITING);
	assert_true(o.proc & PROC_USE_IO_BITMAPS);
	assert_true(o.proc & PROC_USE_MSR_BITMAPS);
	assert_true(o.proc & PROC_SECONDARY);
	/* default1 in the plain MSR, allowed 0 by the true one: cleared */
	assert_false(o.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING));
	assert_false(o.proc & (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING));
	assert_false(o.proc & (PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING));
	/* the plain MSR would have forced CR3 load/store exiting */
	assert_int_equal((uint32_t)coffee_lake.procbased &
			 PROC_CR3_LOAD_EXITING, PROC_CR3_LOAD_EXITING);
	assert_true(o.proc2 & PROC2_EPT);
	assert_true(o.vpid && (o.proc2 & PROC2_VPID));
	assert_true(o.ug && (o.proc2 & PROC2_UNRESTRICTED_GUEST));
	assert_true(o.rdtscp && o.invpcid && o.xsaves);
	assert_true(o.ept_ad && o.ept_1g && o.invept_single);
	assert_true(o.exit & EXIT_HOST_ADDR_SPACE_SIZE);
	assert_true(o.exit & EXIT_LOAD_EFER);
	assert_true(o.entry & ENTRY_LOAD_EFER);
	assert_false(o.entry & ENTRY_IA32E_MODE);
}

/* The emulator the VT-x backend is tested on: its controls obey its MSRs
 * and give what the backend logged there (VPID, unrestricted guest, A/D,
 * 1 GiB leaves, single-context INVEPT, the RDTSCP/INVPCID/XSAVES
 * enables). */
static void test_bochs_skylake_x(void **state)
{
	struct vmx_controls o;
	const char *why = "unset";

	(void)state;
	assert_int_equal(vmx_controls_compute(&bochs_skylake_x, &o, &why), 0);
	assert_obeys(&bochs_skylake_x, &o);
	assert_true(o.vpid && o.ug && o.ept_ad && o.ept_1g && o.invept_single);
	assert_true(o.rdtscp && o.invpcid && o.xsaves);
	assert_false(o.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING));
}

static void test_locked_off_by_firmware(void **state)
{
	struct vmx_caps c = coffee_lake;
	struct vmx_controls o;
	const char *why = "";

	(void)state;
	c.feature_control = FEATURE_CONTROL_LOCK;	/* locked, VMX off */
	assert_int_equal(vmx_controls_compute(&c, &o, &why), -ENG_ENODEV);
	assert_non_null(strstr(why, "IA32_FEATURE_CONTROL"));
	c.feature_control = 0;			/* unlocked: we enable it */
	assert_int_equal(vmx_controls_compute(&c, &o, &why), 0);
}

static void test_no_true_controls(void **state)
{
	struct vmx_caps c = coffee_lake;
	struct vmx_controls o;
	const char *why = "";

	(void)state;
	c.basic &= ~VMX_BASIC_TRUE_CTLS;
	assert_int_equal(vmx_controls_compute(&c, &o, &why), -ENG_ENODEV);
	assert_non_null(strstr(why, "true-control"));
}

static void test_no_ept(void **state)
{
	struct vmx_caps c = coffee_lake;
	struct vmx_controls o;
	const char *why = "";

	(void)state;
	c.procbased2 &= ~((uint64_t)PROC2_EPT << 32);
	assert_int_equal(vmx_controls_compute(&c, &o, &why), -ENG_ENODEV);
	assert_non_null(strstr(why, "EPT"));
	c = coffee_lake;
	c.ept_vpid &= ~EPT_CAP_INVEPT;
	assert_int_equal(vmx_controls_compute(&c, &o, &why), -ENG_ENODEV);
	assert_non_null(strstr(why, "INVEPT"));
	c = coffee_lake;
	c.ept_vpid &= ~EPT_CAP_WALK4;
	assert_int_equal(vmx_controls_compute(&c, &o, &why), -ENG_ENODEV);
}

static void test_no_nmi_exiting(void **state)
{
	struct vmx_caps c = coffee_lake;
	struct vmx_controls o;
	const char *why = "";

	(void)state;
	c.true_pinbased &= ~((uint64_t)PIN_NMI_EXITING << 32);
	assert_int_equal(vmx_controls_compute(&c, &o, &why), -ENG_ENODEV);
	assert_non_null(strstr(why, "NMI"));
}

/* A first-generation EPT CPU: no VPID, no unrestricted guest, no INVPCID,
 * no XSAVES, no 1 GiB leaves, no A/D flags, INVEPT all-context only. */
static void test_first_generation_ept(void **state)
{
	struct vmx_caps c = coffee_lake;
	struct vmx_controls o;
	const char *why = "";

	(void)state;
	c.procbased2 = (uint64_t)(PROC2_EPT | PROC2_RDTSCP) << 32;
	c.ept_vpid = EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_INVEPT |
		     EPT_CAP_INVEPT_ALL;
	assert_int_equal(vmx_controls_compute(&c, &o, &why), 0);
	assert_obeys(&c, &o);
	assert_false(o.vpid || o.ug || o.invpcid || o.xsaves);
	assert_false(o.ept_ad || o.ept_1g || o.invept_single);
	assert_true(o.rdtscp);
	assert_int_equal(o.proc2, PROC2_EPT | PROC2_RDTSCP);
}

static void test_adjust_rules(void **state)
{
	uint32_t out = 0, missing = 0;
	/* must be 1: bits 1, 2; may be 1: bits 0-7 */
	uint64_t cap = ((uint64_t)0xff << 32) | 0x6;

	(void)state;
	assert_int_equal(vmx_ctl_adjust(cap, 0x1, 0x100, 0x4, &out, &missing), 0);
	assert_int_equal(out, 0x7);	/* need 0, forced 1-2 (avoid 2 loses) */
	assert_int_equal(missing, 0);
	assert_int_equal(vmx_ctl_adjust(cap, 0x300, 0, 0, &out, &missing),
			 -ENG_ENOTSUP);
	assert_int_equal(missing, 0x300);
	/* want: taken where allowed; avoid clears a bit not forced */
	assert_int_equal(vmx_ctl_adjust(cap, 0, 0x18, 0x10, &out, &missing), 0);
	assert_int_equal(out, 0xe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coffee_lake),
		cmocka_unit_test(test_bochs_skylake_x),
		cmocka_unit_test(test_locked_off_by_firmware),
		cmocka_unit_test(test_no_true_controls),
		cmocka_unit_test(test_no_ept),
		cmocka_unit_test(test_no_nmi_exiting),
		cmocka_unit_test(test_first_generation_ept),
		cmocka_unit_test(test_adjust_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
