/*
 * test/unit/test_insn.c - instruction length of intercepted instructions
 * with prefixes (used when the CPU has no NRIPS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/x86/insn.h"

static const uint8_t cpuid_op[] = { 0x0f, 0xa2 };
static const uint8_t vmmcall_op[] = { 0x0f, 0x01, 0xd9 };

static void test_plain(void **state)
{
	const uint8_t b[] = { 0x0f, 0xa2, 0x90, 0x90 };
	const uint8_t v[] = { 0x0f, 0x01, 0xd9, 0xc3 };

	(void)state;
	assert_int_equal(insn_len_expected(b, sizeof(b), cpuid_op, 2, 1), 2);
	assert_int_equal(insn_len_expected(v, sizeof(v), vmmcall_op, 3, 1), 3);
}

static void test_prefixes(void **state)
{
	const uint8_t b1[] = { 0x66, 0x0f, 0xa2 };
	const uint8_t b2[] = { 0x2e, 0x3e, 0x48, 0x0f, 0xa2 };
	const uint8_t b3[] = { 0xf3, 0x66, 0x41, 0x0f, 0x01, 0xd9 };

	(void)state;
	assert_int_equal(insn_len_expected(b1, sizeof(b1), cpuid_op, 2, 1), 3);
	assert_int_equal(insn_len_expected(b2, sizeof(b2), cpuid_op, 2, 1), 5);
	assert_int_equal(insn_len_expected(b3, sizeof(b3), vmmcall_op, 3, 1), 6);
	/* Outside 64-bit mode 0x48 is DEC, not a prefix. */
	assert_int_equal(insn_len_expected(b2, sizeof(b2), cpuid_op, 2, 0), 0);
}

static void test_mismatch_and_truncation(void **state)
{
	const uint8_t other[] = { 0x0f, 0x32 };
	const uint8_t rex_not_last[] = { 0x48, 0x66, 0x0f, 0xa2 };
	const uint8_t trunc[] = { 0x66, 0x0f };
	uint8_t many[20];
	unsigned i;

	(void)state;
	assert_int_equal(insn_len_expected(other, 2, cpuid_op, 2, 1), 0);
	assert_int_equal(insn_len_expected(rex_not_last, 4, cpuid_op, 2, 1), 0);
	assert_int_equal(insn_len_expected(trunc, 2, cpuid_op, 2, 1), 0);
	/* More than 15 bytes of prefixes is never an instruction. */
	for (i = 0; i < 18; i++)
		many[i] = 0x66;
	many[18] = 0x0f;
	many[19] = 0xa2;
	assert_int_equal(insn_len_expected(many, 20, cpuid_op, 2, 1), 0);
}

static void test_mov_to_cr(void **state)
{
	const uint8_t cr3_rax[] = { 0x0f, 0x22, 0xd8 };		/* mov %rax,%cr3 */
	const uint8_t cr3_rdi[] = { 0x0f, 0x22, 0xdf };		/* mov %rdi,%cr3 */
	const uint8_t cr3_r12[] = { 0x41, 0x0f, 0x22, 0xdc };	/* mov %r12,%cr3 */
	const uint8_t cr4_rax[] = { 0x0f, 0x22, 0xe0 };		/* mov %rax,%cr4 */
	const uint8_t not_mov[] = { 0x0f, 0x20, 0xd8 };		/* mov %cr3,%rax */
	unsigned cr = 99, gpr = 99;

	(void)state;
	assert_int_equal(insn_decode_mov_to_cr(cr3_rax, 3, 1, &cr, &gpr), 3);
	assert_int_equal(cr, 3);
	assert_int_equal(gpr, 0);
	assert_int_equal(insn_decode_mov_to_cr(cr3_rdi, 3, 1, &cr, &gpr), 3);
	assert_int_equal(gpr, 7);
	assert_int_equal(insn_decode_mov_to_cr(cr3_r12, 4, 1, &cr, &gpr), 4);
	assert_int_equal(cr, 3);
	assert_int_equal(gpr, 12);
	assert_int_equal(insn_decode_mov_to_cr(cr4_rax, 3, 1, &cr, &gpr), 3);
	assert_int_equal(cr, 4);
	assert_int_equal(insn_decode_mov_to_cr(not_mov, 3, 1, &cr, &gpr), 0);
	assert_int_equal(insn_decode_mov_to_cr(cr3_rax, 2, 1, &cr, &gpr), 0);
}

/* MOV DRn (SDM Vol. 2B): 0F 21 read, 0F 23 write; REX.R/REX.B extend. */
static void test_mov_dr(void **state)
{
	const uint8_t rd_dr7_rax[] = { 0x0f, 0x21, 0xf8 };	/* mov %dr7,%rax */
	const uint8_t wr_dr0_rdi[] = { 0x0f, 0x23, 0xc7 };	/* mov %rdi,%dr0 */
	const uint8_t wr_dr3_r9[] = { 0x41, 0x0f, 0x23, 0xd9 };	/* mov %r9,%dr3 */
	const uint8_t rd_dr8[] = { 0x44, 0x0f, 0x21, 0xc0 };	/* DR8: #UD */
	const uint8_t mov_cr[] = { 0x0f, 0x22, 0xd8 };
	unsigned dr, gpr;
	bool wr;

	(void)state;
	assert_int_equal(insn_decode_mov_dr(rd_dr7_rax, 3, 1, &dr, &gpr, &wr), 3);
	assert_true(dr == 7 && gpr == 0 && !wr);
	assert_int_equal(insn_decode_mov_dr(wr_dr0_rdi, 3, 1, &dr, &gpr, &wr), 3);
	assert_true(dr == 0 && gpr == 7 && wr);
	assert_int_equal(insn_decode_mov_dr(wr_dr3_r9, 4, 1, &dr, &gpr, &wr), 4);
	assert_true(dr == 3 && gpr == 9 && wr);
	assert_int_equal(insn_decode_mov_dr(rd_dr8, 4, 1, &dr, &gpr, &wr), 4);
	assert_int_equal(dr, 8);
	assert_int_equal(insn_decode_mov_dr(mov_cr, 3, 1, &dr, &gpr, &wr), 0);
	assert_int_equal(insn_decode_mov_dr(wr_dr0_rdi, 2, 1, &dr, &gpr, &wr), 0);
}

/* MOV stores to MMIO (insn_decode_mov_store): the forms Linux's
 * apic_write and writel compile to, and what must be refused. */
static void test_mov_store(void **state)
{
	static const struct {
		uint8_t b[16];
		unsigned n, len, gpr;
		bool imm;
		uint32_t value;
	} ok[] = {
		/* mov [abs32], eax: 89 04 25 disp32 (apic_write's %P1) */
		{ { 0x89, 0x04, 0x25, 0x00, 0xd3, 0x5f, 0xff }, 7, 7, 0, false, 0 },
		/* mov [abs32], r9d: REX.R */
		{ { 0x44, 0x89, 0x0c, 0x25, 0x10, 0x03, 0x5f, 0xff }, 8, 8, 9, false, 0 },
		/* mov dword [abs32], 0: the EOI write */
		{ { 0xc7, 0x04, 0x25, 0xb0, 0xd0, 0x5f, 0xff, 0, 0, 0, 0 }, 11, 11, 0, true, 0 },
		/* mov dword [rdx+0x300], 0x4500 */
		{ { 0xc7, 0x82, 0x00, 0x03, 0, 0, 0x00, 0x45, 0, 0 }, 10, 10, 0, true, 0x4500 },
		{ { 0x89, 0x02 }, 2, 2, 0, false, 0 },			/* [rdx] */
		{ { 0x89, 0x5a, 0x10 }, 3, 3, 3, false, 0 },		/* [rdx+16], ebx */
		{ { 0x89, 0x82, 0, 3, 0, 0 }, 6, 6, 0, false, 0 },	/* [rdx+0x300] */
		{ { 0x89, 0x44, 0x24, 0x08 }, 4, 4, 0, false, 0 },	/* [rsp+8] */
		{ { 0x89, 0x05, 1, 2, 3, 4 }, 6, 6, 0, false, 0 },	/* [rip+d32] */
		{ { 0x3e, 0x89, 0x02 }, 3, 3, 0, false, 0 },		/* ds: */
		/* longer buffer than the instruction */
		{ { 0x89, 0x02, 0x90, 0x90 }, 4, 2, 0, false, 0 },
	};
	static const struct {
		uint8_t b[16];
		unsigned n;
	} bad[] = {
		{ { 0x48, 0x89, 0x02 }, 3 },		/* REX.W: 64-bit store */
		{ { 0x66, 0x89, 0x02 }, 3 },		/* 16-bit store */
		{ { 0x67, 0x89, 0x02 }, 3 },		/* address size */
		{ { 0xf0, 0x89, 0x02 }, 3 },		/* LOCK */
		{ { 0x89, 0xc2 }, 2 },			/* register destination */
		{ { 0x8b, 0x02 }, 2 },			/* a load */
		{ { 0x87, 0x02 }, 2 },			/* xchg */
		{ { 0xc7, 0xc0, 0, 0, 0, 0 }, 6 },	/* mov eax, imm */
		{ { 0xc7, 0x0c, 0x25, 0, 0, 0, 0, 0, 0, 0, 0 }, 11 }, /* C7 /1 */
		{ { 0x89, 0x04, 0x25, 0x00 }, 4 },	/* truncated disp32 */
		{ { 0xc7, 0x02, 0, 0 }, 4 },		/* truncated imm32 */
		{ { 0x89 }, 1 },
	};
	struct insn_store st;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(insn_decode_mov_store(ok[i].b, ok[i].n, 1, &st),
				 ok[i].len);
		assert_int_equal(st.len, ok[i].len);
		assert_int_equal(st.imm, ok[i].imm);
		if (ok[i].imm)
			assert_int_equal(st.value, ok[i].value);
		else
			assert_int_equal(st.gpr, ok[i].gpr);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(insn_decode_mov_store(bad[i].b, bad[i].n, 1, &st), 0);
	/* outside 64-bit mode 0x44 is not REX (INC ESP): refused */
	assert_int_equal(insn_decode_mov_store(ok[1].b, ok[1].n, 0, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_mismatch_and_truncation),
		cmocka_unit_test(test_mov_to_cr),
		cmocka_unit_test(test_mov_dr),
		cmocka_unit_test(test_mov_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
