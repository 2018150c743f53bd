/*
 * test/unit/test_hypercall.c - the hypercall layer (prot/hypercall.c,
 * prot/hc_protect.c) over the real protection layer (prot/protect.c,
 * prot/prot_init.c), guest-memory access (mm/gmem.c), guest page walker,
 * guest-physical map and frame allocator, linked with the host engines
 * (libengines.a: MPE, AEM, executor).  The guest is fake (fake_guest.h):
 * RAM in a host buffer, page tables built in it, an NPT-like map format.
 * Every test starts from a fresh protection layer (prot_init again).
 * Register conventions and error codes: include/shroud/abi.h.
 */
#include "harness.h"

#include "include/shroud/abi.h"
#include "base/version.h"
#include "mm/frame.h"
#include "mm/gmem.h"
#include "mm/gpmap.h"
#include "mm/gpt_walk.h"
#include "prot/hypercall.h"
#include "prot/klock.h"
#include "prot/prot_state.h"
#include "prot/self_check.h"
#include "prot/protect.h"
#include "fake_guest.h"

#define ERR(e)		((uint64_t)-(int64_t)(e))
#define PG		0x1000ull

static struct fake_guest fg;
static struct gpmap gpm;
static struct prot_cpu *cpu;
static unsigned flushes;
static int prot_ok;

static void count_flush(void *ctx)
{
	(void)ctx;
	flushes++;
}

/* ---- fixture: a fresh guest and protection layer per test ------------ */

static int group_setup(void **state)
{
	(void)state;
	return fg_alloc(&fg);
}

static int group_teardown(void **state)
{
	(void)state;
	if (prot.enabled)
		aem_fini(&prot.aem);
	fg_free(&fg);
	return 0;
}

/* The core's side of SHROUD_HC_GUARD_IPIS, as core/vexit.c implements
 * it: armed once, then EBUSY. */
static int guard_calls, guard_armed;

static int fake_guard_ipis(void)
{
	guard_calls++;
	if (guard_armed)
		return -SHROUD_EBUSY;
	guard_armed = 1;
	return 0;
}

static int setup(void **state)
{
	struct boot_info bi;

	(void)state;
	if (prot.enabled)
		aem_fini(&prot.aem);
	memset(&prot, 0, sizeof(prot));
	fg_build(&fg);
	frame_init((uint64_t)(uintptr_t)fg.hv, (uint64_t)(uintptr_t)fg.hv + FG_HV_SIZE);
	gmem_reset();
	if (gmem_add_ram(0, FG_RAM_SIZE))
		return -1;
	gmem_set_window(fg.ram);
	if (gpmap_build(&gpm, &fg_npt_format, FG_RAM_SIZE, 3, frame_pgt_alloc,
			frame_pgt_ptr, NULL))
		return -1;
	gpmap_set_flush(&gpm, count_flush, NULL);
	flushes = 0;
	memset(&bi, 0, sizeof(bi));
	bi.magic = BOOT_INFO_MAGIC;
	bi.version = BOOT_INFO_VERSION;
	bi.mem_top = FG_RAM_SIZE;
	bi.phys_top = FG_RAM_SIZE;
	bi.ram_count = 1;
	bi.ram[0].size = FG_RAM_SIZE;
	prot_init(&bi);
	cpu = prot_cpu_init(0, &gpm);
	prot_ok = prot.enabled && cpu;
	guard_calls = guard_armed = 0;
	hc_set_guard_ipis(fake_guard_ipis);
	return 0;
}

static void need_prot(void)
{
	if (!prot_ok) {
		print_message("protection layer off on this host (no AES-NI or "
			      "RDSEED/RDRAND?): skipped\n");
		skip();
	}
}

static struct prot_view view(uint64_t cr3, unsigned cpl)
{
	struct prot_view v = { .cpu = cpu, .cr0 = FG_CR0, .cr3 = cr3,
			       .cr4 = FG_CR4, .efer = FG_EFER, .rip = 0x401000,
			       .cpl = cpl };

	return v;
}

static struct hc_regs hc(const struct prot_view *pv, uint64_t nr, uint64_t a0,
			 uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct hc_regs r = { nr, a0, a1, a2, a3 };

	hc_dispatch(pv, &r);
	return r;
}

static uint64_t protect(const struct prot_view *pv, uint64_t gva,
			uint64_t pages, uint64_t sens, uint64_t flags)
{
	return hc(pv, SHROUD_HC_PROTECT, gva, pages * PG, sens, flags).rax;
}

static int frame_is_plain(uint64_t gpa)
{
	return memcmp(fg.ram + gpa, fg.plain + gpa, PG) == 0;
}

static unsigned live_partitions(const struct prot_view *pv)
{
	uint64_t cur = 0;
	unsigned n = 0;

	for (;;) {
		struct hc_regs r = hc(pv, SHROUD_HC_LIST, cur, 0, 0, 0);

		if ((int64_t)r.rax < 0)
			break;
		cur = r.rax;
		n++;
	}
	return n;
}

/* ---- VERSION, dispatch ------------------------------------------------- */

static void test_init_enabled(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	bool cr3w, hlt;

	(void)state;
	need_prot();
	assert_non_null(cpu);
	/* Enabled: a malformed PROTECT is refused for its argument. */
	assert_int_equal(protect(&a, FG_DATA_GVA + 1, 1, 0, 0), ERR(SHROUD_EINVAL));
	prot_intercepts(&cr3w, &hlt);
	assert_false(cr3w);
	assert_false(hlt);
}

static void test_version(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	struct hc_regs r;
	unsigned i;

	(void)state;
	r = hc(&a, SHROUD_HC_VERSION, 0, 0, 0, 0);
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rbx, SHROUD_ABI_VERSION);
	assert_int_equal(r.rcx, SHROUD_HV_VERSION);
	assert_int_equal(r.rdx, SHROUD_ABI_MAGIC);
	assert_int_equal(r.rsi, 0);
	for (i = 0; i < 4; i++) {
		uint64_t a4[4] = { 0, 0, 0, 0 };

		a4[i] = 1ull << (i * 13);
		r = hc(&a, SHROUD_HC_VERSION, a4[0], a4[1], a4[2], a4[3]);
		assert_int_equal(r.rax, ERR(SHROUD_EINVAL));
		assert_int_equal(r.rbx, a4[0]);	/* results only on success */
		assert_int_equal(r.rcx, a4[1]);
	}
	/* Any privilege level, with or without the layer. */
	a.cpl = 0;
	assert_int_equal(hc(&a, SHROUD_HC_VERSION, 0, 0, 0, 0).rax, 0);
	a.cpu = NULL;
	assert_int_equal(hc(&a, SHROUD_HC_VERSION, 0, 0, 0, 0).rax, 0);
	assert_int_equal(hc(&a, SHROUD_HC_LIST, 0, 0, 0, 0).rax, ERR(SHROUD_ENODEV));
}

/* KLOCK's refusals: arguments must be zero; an address space whose kernel
 * half maps nothing executable (the fake guest's) locks nothing. */
static void test_klock_refusals(void **state)
{
	struct prot_view a = view(FG_PML4_A, 0);

	(void)state;
	need_prot();
	assert_int_equal(hc(&a, SHROUD_HC_KLOCK, 1, 0, 0, 0).rax,
			 ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_KLOCK, 0, 0, 0, 9).rax,
			 ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_KLOCK, 0, 0, 0, 0).rax,
			 ERR(SHROUD_EFAULT));
	assert_false(prot_klocked());
}

/* GUARD_IPIS reaches the core's hook only with all-zero arguments, from
 * any CPL, once (then EBUSY); without a hook it is ENOSYS. */
static void test_guard_ipis(void **state)
{
	struct prot_view u = view(FG_PML4_A, 3);

	(void)state;
	assert_int_equal(hc(&u, SHROUD_HC_GUARD_IPIS, 1, 0, 0, 0).rax,
			 ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&u, SHROUD_HC_GUARD_IPIS, 0, 0, 0, 2).rax,
			 ERR(SHROUD_EINVAL));
	assert_int_equal(guard_calls, 0);
	assert_int_equal(hc(&u, SHROUD_HC_GUARD_IPIS, 0, 0, 0, 0).rax, 0);
	assert_int_equal(hc(&u, SHROUD_HC_GUARD_IPIS, 0, 0, 0, 0).rax,
			 ERR(SHROUD_EBUSY));
	assert_int_equal(guard_calls, 2);
	hc_set_guard_ipis(NULL);
	assert_int_equal(hc(&u, SHROUD_HC_GUARD_IPIS, 0, 0, 0, 0).rax,
			 ERR(SHROUD_ENOSYS));
}

static void test_unknown_call(void **state)
{
	static const uint64_t nrs[] = { SHROUD_HC_MAX, 9, 10, 0x40000000,
		0xffffffffull, 1ull << 63, ~0ull };
	struct prot_view a = view(FG_PML4_A, 3);
	unsigned i;

	(void)state;
	for (i = 0; i < ENG_ARRAY_SIZE(nrs); i++) {
		struct hc_regs r = hc(&a, nrs[i], 1, 2, 3, 4);

		assert_int_equal(r.rax, ERR(SHROUD_ENOSYS));
		assert_int_equal(r.rbx, 1);
		assert_int_equal(r.rsi, 4);
	}
}

/* ---- PROTECT refusals -------------------------------------------------- */

struct protect_row {
	uint64_t gva, len, sens, flags, rax;
	const char *what;
};

static void test_protect_refusals(void **state)
{
	const uint64_t D = FG_DATA_GVA;
	const struct protect_row rows[] = {
		{ D + 1, PG, 1, 0, ERR(SHROUD_EINVAL), "gva misaligned" },
		{ D + 0x800, PG, 1, 0, ERR(SHROUD_EINVAL), "gva misaligned 2K" },
		{ D, PG + 1, 1, 0, ERR(SHROUD_EINVAL), "len misaligned" },
		{ D, 0x800, 1, 0, ERR(SHROUD_EINVAL), "len under a page" },
		{ D, 0, 1, 0, ERR(SHROUD_EINVAL), "len 0" },
		{ D, PG, SHROUD_SENS_SECRET + 1, 0, ERR(SHROUD_EINVAL), "sens 4" },
		{ D, PG, ~0ull, 0, ERR(SHROUD_EINVAL), "sens ~0" },
		{ D, PG, 1, 1u << 2, ERR(SHROUD_EINVAL), "flag bit 2" },
		{ D, PG, 1, 1u << 9, ERR(SHROUD_EINVAL), "flag bit 9" },
		{ D, PG, 1, 1u << 24, ERR(SHROUD_EINVAL), "flag bit 24" },
		{ D, PG, 1, 1ull << 32, ERR(SHROUD_EINVAL), "flag bit 32" },
		{ D, PG, 1, 1ull << 63, ERR(SHROUD_EINVAL), "flag bit 63" },
		{ D, PG, 1, 3, ERR(SHROUD_EINVAL), "policy 3" },
		{ D, PG, 1, SHROUD_PF_WS(SHROUD_WS_MAX + 1), ERR(SHROUD_EINVAL), "W 17" },
		{ D, PG, 1, SHROUD_PF_WS(255), ERR(SHROUD_EINVAL), "W 255" },
		{ D, SHROUD_PROTECT_MAX_LEN + PG, 1, 0, ERR(SHROUD_E2BIG), "len max+4K" },
		{ D, 1ull << 40, 1, 0, ERR(SHROUD_E2BIG), "len 1T" },
		/* exactly the maximum is allowed: it fails later, on a hole */
		{ D, SHROUD_PROTECT_MAX_LEN, 1, 0, ERR(SHROUD_EFAULT), "len max" },
		{ 0xffff800000000000ull, PG, 1, 0, ERR(SHROUD_EACCES), "kernel half" },
		{ 0xffffffff80000000ull, PG, 1, 0, ERR(SHROUD_EACCES), "kernel image" },
		{ 0x0000800000000000ull, PG, 1, 0, ERR(SHROUD_EACCES), "non-canonical" },
		{ 0x00007ffffffff000ull, 2 * PG, 1, 0, ERR(SHROUD_EACCES), "crosses the top" },
		{ FG_HOLE_GVA, PG, 1, 0, ERR(SHROUD_EFAULT), "not present" },
		{ FG_HOLE_GVA - PG, 2 * PG, 1, 0, ERR(SHROUD_EACCES), "supervisor, then a hole" },
		{ 0x10000000ull, PG, 1, 0, ERR(SHROUD_EFAULT), "no page table" },
		{ FG_NONRAM_GVA, PG, 1, 0, ERR(SHROUD_EFAULT), "not RAM" },
		{ FG_RO_GVA, PG, 1, 0, ERR(SHROUD_EACCES), "read-only page" },
		{ FG_SUP_GVA, PG, 1, 0, ERR(SHROUD_EACCES), "supervisor page" },
		{ FG_DUP_GVA, 2 * PG, 1, 0, ERR(SHROUD_EBUSY), "frame twice" },
	};
	struct prot_view a = view(FG_PML4_A, 3);
	unsigned i;

	(void)state;
	need_prot();
	for (i = 0; i < ENG_ARRAY_SIZE(rows); i++) {
		struct hc_regs r = hc(&a, SHROUD_HC_PROTECT, rows[i].gva,
				      rows[i].len, rows[i].sens, rows[i].flags);

		if (r.rax != rows[i].rax)
			fail_msg("row %u (%s): rax 0x%llx, want 0x%llx", i,
				 rows[i].what, (unsigned long long)r.rax,
				 (unsigned long long)rows[i].rax);
	}
	/* A refused call leaves no trace. */
	assert_int_equal(live_partitions(&a), 0);
	assert_memory_equal(fg.ram, fg.plain, FG_RAM_SIZE);
	/* The same frame twice in a larger range, apart. */
	fg_map(&fg, FG_DATA_GVA + 5 * PG, fg_data_gpa(1), FG_P | FG_RW | FG_US);
	assert_int_equal(protect(&a, FG_DATA_GVA, 8, 1, 0), ERR(SHROUD_EBUSY));
	assert_int_equal(live_partitions(&a), 0);
}

static void test_protect_overlap_busy(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t id;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA + 4 * PG, 4, SHROUD_SENS_CONFIDENTIAL, 0);
	assert_true((int64_t)id >= 1);
	assert_int_equal(protect(&a, FG_DATA_GVA + 4 * PG, 4, 1, 0), ERR(SHROUD_EBUSY));
	assert_int_equal(protect(&a, FG_DATA_GVA + 2 * PG, 4, 1, 0), ERR(SHROUD_EBUSY));
	assert_int_equal(protect(&a, FG_DATA_GVA + 7 * PG, 2, 1, 0), ERR(SHROUD_EBUSY));
	/* Another owner mapping the same frames. */
	assert_int_equal(protect(&b, FG_DATA_GVA + 6 * PG, 1, 1, 0), ERR(SHROUD_EBUSY));
	assert_int_equal(live_partitions(&a), 1);
	/* The neighbours are free. */
	assert_true((int64_t)protect(&a, FG_DATA_GVA, 4, 1, 0) >= 1);
	assert_true((int64_t)protect(&b, FG_DATA_GVA + 8 * PG, 4, 1, 0) >= 1);
	assert_int_equal(live_partitions(&a), 3);
}

static void test_protect_table_full(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	unsigned i;

	(void)state;
	need_prot();
	struct prot_view b = view(FG_PML4_B, 3);

	/* One address space gets PROT_MAX_PER_OWNER partitions (issue 8
	 * item 7: no owner can take the whole table) ... */
	for (i = 0; i < PROT_MAX_PER_OWNER; i++)
		assert_true((int64_t)protect(&a, FG_DATA_GVA + i * PG, 1, 1, 0) >= 1);
	assert_int_equal(protect(&a, FG_DATA_GVA + i * PG, 1, 1, 0),
			 ERR(SHROUD_ENOSPC));
	assert_true(frame_is_plain(fg_data_gpa(i)));
	/* ... the others still get theirs, until the table is full. */
	for (; i < PROT_MAX_PARTS; i++)
		assert_true((int64_t)protect(&b, FG_DATA_GVA + i * PG, 1, 1, 0) >= 1);
	assert_int_equal(protect(&b, FG_DATA_GVA + i * PG, 1, 1, 0),
			 ERR(SHROUD_ENOSPC));
	assert_int_equal(live_partitions(&a), PROT_MAX_PARTS);
	assert_true(frame_is_plain(fg_data_gpa(PROT_MAX_PARTS)));
}

/* ---- PROTECT, UNPROTECT: in-place encryption ------------------------- */

static void protect_roundtrip(uint64_t sens, uint64_t flags)
{
	struct prot_view a = view(FG_PML4_A, 3);
	uint64_t id;
	unsigned i;

	id = protect(&a, FG_DATA_GVA, 24, sens, flags);	/* 9 runs of frames */
	assert_true((int64_t)id >= 1 && id <= PROT_PART_SLOTS);
	for (i = 0; i < 24; i++) {
		unsigned level;

		assert_false(frame_is_plain(fg_data_gpa(i)));
		assert_int_equal(gpmap_lookup(&gpm, mk_gpa(fg_data_gpa(i)), &level), 0);
	}
	assert_true(frame_is_plain(fg_data_gpa(24)));	/* outside: untouched */
	assert_true(flushes > 0);
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
	assert_memory_equal(fg.ram, fg.plain, FG_RAM_SIZE);
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rax, ERR(SHROUD_ENOENT));
	assert_int_equal(live_partitions(&a), 0);
	/* Ordinary memory again: the frames can be protected anew. */
	assert_true((int64_t)protect(&a, FG_DATA_GVA, 24, sens, flags) >= 1);
}

static void test_protect_xts_roundtrip(void **state)
{
	(void)state;
	need_prot();
	protect_roundtrip(SHROUD_SENS_CONFIDENTIAL, SHROUD_POLICY_OWNER);
}

static void test_protect_gcm_roundtrip(void **state)
{
	(void)state;
	need_prot();
	protect_roundtrip(SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER_USER |
			  SHROUD_PF_INTEGRITY | SHROUD_PF_WS(SHROUD_WS_MAX));
}

static void test_protect_public_stays_clear(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	struct hc_regs r;
	uint64_t id;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 2, SHROUD_SENS_PUBLIC, SHROUD_POLICY_ANY);
	assert_true((int64_t)id >= 1);
	assert_true(frame_is_plain(fg_data_gpa(0)));
	r = hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0);
	assert_int_equal(r.rax, 0);
	assert_int_equal((r.rdx >> 16) & 0xff, SHROUD_TIER_CLEAR);
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
	assert_memory_equal(fg.ram, fg.plain, FG_RAM_SIZE);
}

/* ---- QUERY, UNPROTECT, LIST ------------------------------------------ */

static void test_query(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t id, want;
	struct hc_regs r;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA + PG, 3, SHROUD_SENS_SECRET,
		     SHROUD_POLICY_OWNER_USER | SHROUD_PF_INTEGRITY);
	assert_true((int64_t)id >= 1);
	want = SHROUD_SENS_SECRET | (uint64_t)SHROUD_POLICY_OWNER_USER << 8 |
	       (uint64_t)SHROUD_TIER_ENCRYPTED << 16 | 1ull << 24 | 1ull << 25;
	r = hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0);
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rbx, FG_DATA_GVA + PG);
	assert_int_equal(r.rcx, 3 * PG);
	assert_int_equal(r.rdx, want);
	assert_int_equal(r.rsi, 0);		/* nothing clear yet */
	/* Another address space: metadata, but not "mine", no address. */
	r = hc(&b, SHROUD_HC_QUERY, id, 0, 0, 0);
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rbx, 0);
	assert_int_equal(r.rcx, 3 * PG);
	assert_int_equal(r.rdx, want & ~(1ull << 24));
	assert_int_equal(r.rsi, 0);
	/* PCID bits of CR3 are not part of the owner. */
	a.cr3 |= 0x5;
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rdx, want);
	/* An XTS partition of another owner. */
	id = protect(&b, FG_DATA_GVA + 8 * PG, 1, SHROUD_SENS_INTERNAL,
		     SHROUD_POLICY_ANY);
	r = hc(&b, SHROUD_HC_QUERY, id, 0, 0, 0);
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rdx, SHROUD_SENS_INTERNAL |
			 (uint64_t)SHROUD_TIER_ENCRYPTED << 16 | 1ull << 24);
}

static void test_enoent_ids(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	uint64_t id, freed;
	const uint64_t bad[] = { 0, PROT_PART_SLOTS + 1, 1000, 1ull << 32,
				 1ull << 63, ~0ull, 0 };
	unsigned i;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 1, 1, 0);
	freed = protect(&a, FG_DATA_GVA + PG, 1, 1, 0);
	assert_true((int64_t)id >= 1 && (int64_t)freed > (int64_t)id);
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, freed, 0, 0, 0).rax, 0);
	for (i = 0; i < ENG_ARRAY_SIZE(bad); i++) {
		uint64_t x = i + 1 == ENG_ARRAY_SIZE(bad) ? freed : bad[i];
		struct hc_regs r = hc(&a, SHROUD_HC_QUERY, x, 0, 0, 0);

		assert_int_equal(r.rax, ERR(SHROUD_ENOENT));
		assert_int_equal(r.rbx, x);	/* no results on failure */
		assert_int_equal(r.rcx, 0);
		assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, x, 0, 0, 0).rax,
				 ERR(SHROUD_ENOENT));
	}
	/* Ids that were never handed out (the MPE's own quarantine is not
	 * a guest partition). */
	for (i = 1; i <= PROT_PART_SLOTS; i++)
		if (i != id)
			assert_int_equal(hc(&a, SHROUD_HC_QUERY, i, 0, 0, 0).rax,
					 ERR(SHROUD_ENOENT));
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rax, 0);
}

static void test_id_calls_einval(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	const uint64_t nrs[] = { SHROUD_HC_QUERY, SHROUD_HC_UNPROTECT, SHROUD_HC_LIST };
	uint64_t id;
	unsigned i, k;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 1, 1, 0);
	assert_true((int64_t)id >= 1);
	for (i = 0; i < ENG_ARRAY_SIZE(nrs); i++)
		for (k = 0; k < 3; k++) {
			uint64_t x[3] = { 0, 0, 0 };

			x[k] = 1;
			assert_int_equal(hc(&a, nrs[i], id, x[0], x[1], x[2]).rax,
					 ERR(SHROUD_EINVAL));
		}
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rax, 0);
}

static void test_unprotect_owner_only(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	struct prot_view a0 = view(FG_PML4_A, 0), b0 = view(FG_PML4_B, 0);
	uint64_t id;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 4, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	assert_true((int64_t)id >= 1);
	assert_int_equal(hc(&b, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, ERR(SHROUD_EPERM));
	assert_int_equal(hc(&b0, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, ERR(SHROUD_EPERM));
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rax, 0);
	assert_false(frame_is_plain(fg_data_gpa(0)));
	/* The owner's kernel (same CR3, CPL 0) may. */
	assert_int_equal(hc(&a0, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
	assert_memory_equal(fg.ram, fg.plain, FG_RAM_SIZE);
}

static void test_list(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t ids[4], cur = 0;
	unsigned i;

	(void)state;
	need_prot();
	assert_int_equal(hc(&a, SHROUD_HC_LIST, 0, 0, 0, 0).rax, ERR(SHROUD_ENOENT));
	for (i = 0; i < 4; i++) {
		ids[i] = protect(i & 1 ? &b : &a, FG_DATA_GVA + i * 2 * PG, 2, 1, 0);
		assert_true((int64_t)ids[i] >= 1);
	}
	for (i = 0; i < 4; i++) {	/* any caller sees every id, in order */
		cur = hc(&b, SHROUD_HC_LIST, cur, 0, 0, 0).rax;
		assert_int_equal(cur, ids[i]);
	}
	assert_int_equal(hc(&a, SHROUD_HC_LIST, cur, 0, 0, 0).rax, ERR(SHROUD_ENOENT));
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, ids[2], 0, 0, 0).rax, 0);
	assert_int_equal(hc(&a, SHROUD_HC_LIST, ids[1], 0, 0, 0).rax, ids[3]);
	assert_int_equal(hc(&a, SHROUD_HC_LIST, ids[0] - 1, 0, 0, 0).rax, ids[0]);
	assert_int_equal(hc(&a, SHROUD_HC_LIST, ~0ull, 0, 0, 0).rax, ERR(SHROUD_ENOENT));
	assert_int_equal(hc(&a, SHROUD_HC_LIST, 1ull << 40, 0, 0, 0).rax, ERR(SHROUD_ENOENT));
}

/* ---- STATS, EVENTS --------------------------------------------------- */

static void test_stats(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), a0 = view(FG_PML4_A, 0);
	struct shroud_stats s;
	const uint64_t n = sizeof(s);
	uint8_t *buf = fg.ram + FG_BUF_GPA;
	struct hc_regs r;

	(void)state;
	need_prot();
	assert_true((int64_t)protect(&a, FG_DATA_GVA, 3, SHROUD_SENS_SECRET,
				     SHROUD_POLICY_OWNER) >= 1);
	assert_true((int64_t)protect(&a, FG_DATA_GVA + 4 * PG, 2, 1, 0) >= 1);
	/* Arguments. */
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, 0, 0, 0).rax, ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, 7, 0, 0).rax, ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, n, 1, 0).rax, ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, n, 0, 1).rax, ERR(SHROUD_EINVAL));
	/* Where it may not write. */
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_HOLE_GVA, n, 0, 0).rax, ERR(SHROUD_EFAULT));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_RO_GVA, n, 0, 0).rax, ERR(SHROUD_EFAULT));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_SUP_GVA, n, 0, 0).rax, ERR(SHROUD_EFAULT));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_NONRAM_GVA, n, 0, 0).rax, ERR(SHROUD_EFAULT));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, 0x0000800000000000ull, n, 0, 0).rax,
			 ERR(SHROUD_EFAULT));
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_DATA_GVA + PG + 64, n, 0, 0).rax,
			 ERR(SHROUD_EFAULT));		/* a protected page */
	assert_int_equal(hc(&a0, SHROUD_HC_STATS, FG_DATA_GVA, n, 0, 0).rax,
			 ERR(SHROUD_EFAULT));		/* even for the kernel */
	/* A range that runs into a hole. */
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA + FG_BUF_PAGES * PG - 8,
			    n, 0, 0).rax, ERR(SHROUD_EFAULT));
	assert_memory_equal(fg.ram + FG_BUF_GPA, fg.plain + FG_BUF_GPA,
			    FG_BUF_PAGES * PG - 8);	/* nothing written */
	assert_memory_equal(fg.ram + FG_SUP_GPA, fg.plain + FG_SUP_GPA, PG);
	/* The kernel may use a supervisor page. */
	assert_int_equal(hc(&a0, SHROUD_HC_STATS, FG_SUP_GVA, n, 0, 0).rax, n);
	/* Full size, across a page boundary. */
	r = hc(&a, SHROUD_HC_STATS, FG_BUF_GVA + PG - 20, n, 0, 0);
	assert_int_equal(r.rax, n);
	memcpy(&s, buf + PG - 20, sizeof(s));
	assert_int_equal(s.size, n);
	assert_int_equal(s.partitions, 2);
	assert_int_equal(s.protected_frames, 5);
	assert_int_equal(s.clear_frames, 0);
	assert_true(s.encryptions >= 5);
	assert_int_equal(s.faults, 0);
	/* Larger buffers get sizeof; 8 bytes get the two first fields. */
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, 4096, 0, 0).rax, n);
	memcpy(buf + 2 * PG, fg.plain + FG_BUF_GPA + 2 * PG, PG);
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA + 2 * PG, 8, 0, 0).rax, 8);
	memcpy(&s, buf + 2 * PG, 8);
	assert_int_equal(s.size, 8);
	assert_int_equal(s.partitions, 2);
	assert_memory_equal(buf + 2 * PG + 8, fg.plain + FG_BUF_GPA + 2 * PG + 8, PG - 8);
}

static void test_events_args(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);

	(void)state;
	need_prot();
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 0, 0, 0).rax, ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 257, 0, 0).rax, ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, ~0ull, 0, 0).rax, ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, 2, 0).rax, ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, 1ull << 63, 0).rax,
			 ERR(SHROUD_EINVAL));
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, 0, 1).rax, ERR(SHROUD_EINVAL));
	/* Well-formed, nothing to report. */
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 256, SHROUD_EVF_CLEAR, 0).rax, 0);
}

/* ---- nested page faults and owner switches --------------------------- */

static void npf(const struct prot_view *pv, uint64_t gpa, unsigned access,
		enum prot_verdict want)
{
	struct prot_outcome out;

	prot_npf(pv, mk_gpa(gpa), access, &out);
	assert_int_equal(out.verdict, want);
}

static void test_npf_owner_then_switch(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t gpa = fg_data_gpa(1), id, e;
	unsigned level;
	bool cr3w, hlt;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 4, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER_USER);
	assert_true((int64_t)id >= 1);
	prot_intercepts(&cr3w, &hlt);
	assert_true(cr3w);
	assert_false(hlt);
	assert_false(frame_is_plain(gpa));
	/* The owner reads: decrypted in place, mapped at 4 KiB, RW, NX. */
	npf(&a, gpa + 0x123, 0x1, PROT_RESUME);
	assert_true(frame_is_plain(gpa));
	e = gpmap_lookup(&gpm, mk_gpa(gpa), &level);
	assert_int_not_equal(e, 0);
	assert_int_equal(level, 1);
	assert_int_equal(e & PTE_ADDR_MASK, gpa);
	assert_true(e & PTE_RW);
	assert_true(e & PTE_NX);
	assert_false(frame_is_plain(fg_data_gpa(2)));	/* only that frame */
	/* QUERY's fourth result: one frame in clear (for the owner only). */
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rsi, 1);
	assert_int_equal(hc(&b, SHROUD_HC_QUERY, id, 0, 0, 0).rsi, 0);
	prot_intercepts(&cr3w, &hlt);
	assert_true(hlt);
	/* The owner goes away: SECRET frames are encrypted again. */
	prot_cr3_write(&b, FG_PML4_B);
	assert_false(frame_is_plain(gpa));
	assert_int_equal(gpmap_lookup(&gpm, mk_gpa(gpa), &level), 0);
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rsi, 0);
	/* Back, and touched again (a write, elsewhere in the code). */
	prot_cr3_write(&a, FG_PML4_A);
	a.rip = 0x402000;
	npf(&a, gpa, 0x2, PROT_RESUME);
	assert_true(frame_is_plain(gpa));
	/* Idle (HLT): nobody runs, nothing stays clear. */
	prot_idle(&a);
	assert_false(frame_is_plain(gpa));
	prot_intercepts(&cr3w, &hlt);
	assert_false(hlt);
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
	assert_memory_equal(fg.ram, fg.plain, FG_RAM_SIZE);
}

/* The self-check (shroud.cfg self_check) finds nothing in the engine's
 * own flows, and flags the two states that would break the promise: the
 * owner's CPU mapping a frame that is ciphertext (it would compute on it
 * without a fault: issue 11's "owner reads ciphertext" failure), and a
 * clear frame mapped while a non-owner runs. */
static void test_self_check_flags_bad_views(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t gpa = fg_data_gpa(1), id, n0;

	(void)state;
	need_prot();
	prot_self_check_on = true;
	id = protect(&a, FG_DATA_GVA, 4, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER_USER);
	assert_true((int64_t)id >= 1);
	n0 = prot_self_check_violations();
	npf(&a, gpa, 0x1, PROT_RESUME);		/* owner: clear, mapped */
	prot_cr3_write(&b, FG_PML4_B);
	npf(&b, fg_data_gpa(2), 0x1, PROT_RESUME);	/* foreign: ciphertext view */
	prot_cr3_write(&a, FG_PML4_A);
	assert_int_equal(prot_self_check_violations(), n0);
	/* V4: ciphertext (frame 2) mapped on the owner's CPU. */
	assert_false(frame_is_plain(fg_data_gpa(2)));
	assert_int_equal(gpmap_map_4k(&gpm, mk_gpa(fg_data_gpa(2)),
				      mk_hpa(fg_data_gpa(2)), GPM_R), 0);
	prot_self_check();
	assert_true(prot_self_check_violations() > n0);
	assert_int_equal(gpmap_map_4k(&gpm, mk_gpa(fg_data_gpa(2)),
				      mk_hpa(fg_data_gpa(2)), 0), 0);
	/* V3: the owner's clear frame left mapped while another process runs
	 * (planted behind the engine's back after the switch unmapped it). */
	n0 = prot_self_check_violations();
	npf(&a, gpa, 0x1, PROT_RESUME);
	prot_cr3_write(&b, FG_PML4_B);
	prot_self_check();
	assert_int_equal(prot_self_check_violations(), n0);
	assert_int_equal(gpmap_map_4k(&gpm, mk_gpa(gpa), mk_hpa(gpa),
				      GPM_R | GPM_W), 0);
	prot_self_check();
	assert_true(prot_self_check_violations() > n0);
	assert_int_equal(gpmap_map_4k(&gpm, mk_gpa(gpa), mk_hpa(gpa), 0), 0);
	prot_self_check_on = false;
	prot_cr3_write(&a, FG_PML4_A);
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
}

/* Rule N3b: under OWNER_USER the guest kernel on the owner's own page
 * tables (a system call on the buffer, a module that loaded the owner's
 * CR3) gets #GP for a read and for a write, nothing is mapped (neither
 * plaintext nor ciphertext the owner's user mode would then compute on),
 * a DENIED event is queued; the owner's user mode still gets its data.
 * Under OWNER the same kernel access is served (the control). */
static void test_npf_owner_kernel_refused_under_owner_user(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), ak = view(FG_PML4_A, 0);
	uint64_t gpa = fg_data_gpa(1), id, id2;
	unsigned level;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 4, SHROUD_SENS_SECRET,
		     SHROUD_POLICY_OWNER_USER);
	assert_true((int64_t)id >= 1);
	npf(&ak, gpa, 0x1, PROT_INJECT_GP);
	assert_int_equal(gpmap_lookup(&gpm, mk_gpa(gpa), &level), 0);
	assert_false(frame_is_plain(gpa));
	ak.rip += 0x10;
	npf(&ak, gpa, 0x2, PROT_INJECT_GP);
	assert_int_equal(gpmap_lookup(&gpm, mk_gpa(gpa), &level), 0);
	assert_false(frame_is_plain(gpa));
	npf(&a, gpa, 0x1, PROT_RESUME);		/* the owner: plaintext */
	assert_true(frame_is_plain(gpa));
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
	/* Control: OWNER lets the owner's kernel in. */
	id2 = protect(&a, FG_DATA_GVA, 4, SHROUD_SENS_SECRET,
		      SHROUD_POLICY_OWNER);
	assert_true((int64_t)id2 >= 1);
	ak.rip += 0x10;
	npf(&ak, gpa, 0x1, PROT_RESUME);
	assert_true(frame_is_plain(gpa));
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id2, 0, 0, 0).rax, 0);
	assert_memory_equal(fg.ram, fg.plain, FG_RAM_SIZE);
}

/*
 * The lock and its pins, on a fake kernel: PML4[511] -> PDPT[510] -> one
 * executable supervisor 2 MiB page at GPA 0x600000 (512 text frames).
 * Afterwards: kernel fetches outside text and writes to text are #GP, a
 * user fetch maps R+X without W; pinned CR0/CR4/EFER bits cannot be
 * cleared, only the free CR bits may change, entry MSRs keep their
 * values, LIDT is refused; a second lock is EBUSY.
 */
/* After test_klock_and_pins' refusals (2 faults, 5 pins, LIDT: 8): each a
 * SHROUD_EV_KLOCK system event; CPL 3 sees them without RIP and CR3 and
 * cannot clear them, CPL 0 sees both and clears them. */
static void klock_system_events(struct prot_view *k, struct prot_view *u)
{
	struct shroud_event ev[16];
	unsigned i;

	k->rip = 0xffffffff81001234ull;
	assert_int_equal(prot_idtr_write(k), -ENG_EPERM);	/* the 9th */
	assert_int_equal(hc(u, SHROUD_HC_EVENTS, FG_BUF_GVA, 16,
			    SHROUD_EVF_CLEAR, 0).rax, 9);
	memcpy(ev, fg.ram + FG_BUF_GPA, sizeof(ev));
	for (i = 0; i < 9; i++) {
		assert_int_equal(ev[i].type, SHROUD_EV_KLOCK);
		assert_int_equal(ev[i].part_id, 0);
		assert_int_equal(ev[i].gva, 0);
		assert_int_equal(ev[i].info, 0);
	}
	assert_int_equal(hc(k, SHROUD_HC_EVENTS, FG_BUF_GVA, 16,
			    SHROUD_EVF_CLEAR, 0).rax, 9);
	memcpy(ev, fg.ram + FG_BUF_GPA, sizeof(ev));
	assert_int_equal(ev[8].gva, 0xffffffff81001234ull);
	assert_int_equal(ev[8].info, FG_PML4_A);
	assert_true(ev[8].seq > ev[0].seq);
	assert_int_equal(hc(u, SHROUD_HC_EVENTS, FG_BUF_GVA, 16, 0, 0).rax, 0);
}

static void test_klock_and_pins(void **state)
{
	struct prot_view k = view(FG_PML4_A, 0), u = view(FG_PML4_A, 3);
	const uint64_t wp = 1ull << 16, smep = 1ull << 20, pge = 1ull << 7;
	const uint64_t text = 0x600000, data = fg_data_gpa(40), pdpt = 0x6000,
		       pd = 0x7000;
	unsigned level;
	uint64_t e;

	(void)state;
	need_prot();
	memset(fg.ram + pdpt, 0, 0x2000);
	fg_u64(&fg, FG_PML4_A)[511] = pdpt | FG_P | FG_RW;
	fg_u64(&fg, pdpt)[510] = pd | FG_P | FG_RW;
	fg_u64(&fg, pd)[0] = text | FG_P | 0x80;	/* PS, executable, RO */
	k.cr0 |= wp;
	k.cr4 |= smep | pge;
	assert_false(prot_klocked());
	assert_int_equal(prot_cr_write(&k, 4, k.cr4, k.cr4 & ~smep), 0);
	assert_int_equal((int64_t)hc(&k, SHROUD_HC_KLOCK, 0, 0, 0, 0).rax, 512);
	assert_true(prot_klocked());
	assert_int_equal(hc(&k, SHROUD_HC_KLOCK, 0, 0, 0, 0).rax,
			 ERR(SHROUD_EBUSY));
	/* The map: text R+X, data R+W+NX; the rights the lock leaves. */
	e = gpmap_lookup(&gpm, mk_gpa(text), &level);
	assert_int_equal(level, 1);
	assert_false(e & PTE_RW);
	assert_false(e & PTE_NX);
	e = gpmap_lookup(&gpm, mk_gpa(data), &level);
	assert_true((e & PTE_RW) && (e & PTE_NX));
	/* Faults. */
	npf(&k, data, 0x4, PROT_INJECT_GP);		/* kernel fetch */
	npf(&k, text + 0x3000, 0x2, PROT_INJECT_GP);	/* write to text */
	npf(&u, data, 0x4, PROT_RESUME);		/* user fetch: W^X */
	e = gpmap_lookup(&gpm, mk_gpa(data), &level);
	assert_true(!(e & PTE_RW) && !(e & PTE_NX));
	npf(&u, data, 0x2, PROT_RESUME);		/* a write: X goes */
	e = gpmap_lookup(&gpm, mk_gpa(data), &level);
	assert_true((e & PTE_RW) && (e & PTE_NX));
	/* Pins. */
	assert_int_equal(prot_cr_write(&k, 4, k.cr4, k.cr4 & ~smep),
			 -ENG_EPERM);
	assert_int_equal(prot_cr_write(&k, 4, k.cr4, k.cr4 ^ pge), 0);
	assert_int_equal(prot_cr_write(&k, 4, k.cr4, k.cr4 | (1ull << 18)),
			 -ENG_EPERM);			/* OSXSAVE: not free */
	assert_int_equal(prot_cr_write(&k, 0, k.cr0, k.cr0 & ~wp), -ENG_EPERM);
	assert_int_equal(prot_cr_write(&k, 0, k.cr0, k.cr0 ^ 0x8), 0);	/* TS */
	assert_int_equal(prot_msr_write(&k, 0xc0000080u, true, k.efer,
					k.efer & ~(1ull << 11)), -ENG_EPERM);
	assert_int_equal(prot_msr_write(&k, 0xc0000080u, true, k.efer,
					k.efer), 0);
	assert_int_equal(prot_msr_write(&k, 0xc0000082u, false, 0x1234,
					0x1234), 0);
	assert_int_equal(prot_msr_write(&k, 0xc0000082u, false, 0x1234,
					0x5678), -ENG_EPERM);
	assert_int_equal(prot_idtr_write(&k), -ENG_EPERM);
	klock_system_events(&k, &u);
	/* VT-x's LGDT and LTR under the lock: refused like LIDT */
	assert_int_equal(prot_dt_load(&k, "LGDT (GDTR pinned)"), -ENG_EPERM);
}

static void test_npf_confidential_unmapped_only(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t gpa = fg_data_gpa(20), id;	/* a scattered frame */

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA + 16 * PG, 8, SHROUD_SENS_CONFIDENTIAL,
		     SHROUD_POLICY_OWNER);
	assert_true((int64_t)id >= 1);
	npf(&a, gpa, 0x1, PROT_RESUME);
	assert_true(frame_is_plain(gpa));
	prot_cr3_write(&b, FG_PML4_B);
	/* CONFIDENTIAL: unmapped while away, not re-encrypted. */
	assert_int_equal(gpmap_lookup(&gpm, mk_gpa(gpa), NULL), 0);
	assert_true(frame_is_plain(gpa));
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rsi, 1);
}

static void test_npf_foreign_and_events(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	struct prot_view a0 = view(FG_PML4_A, 0);
	uint64_t gpa = fg_data_gpa(0), id, e;
	struct shroud_event ev[4];
	struct shroud_stats s;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 2, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	assert_true((int64_t)id >= 1);
	/* Another context reads: the ciphertext, read-only. */
	npf(&b, gpa, 0x1, PROT_RESUME);
	e = gpmap_lookup(&gpm, mk_gpa(gpa), NULL);
	assert_int_not_equal(e, 0);
	assert_int_equal(e & PTE_ADDR_MASK, gpa);
	assert_false(e & PTE_RW);
	assert_false(frame_is_plain(gpa));
	/* ... and writes: diverted to the sink, the frame unchanged. */
	memcpy(fg.plain + gpa, fg.ram + gpa, PG);	/* the ciphertext now */
	b.rip = 0x403000;
	npf(&b, gpa, 0x2, PROT_RESUME);
	e = gpmap_lookup(&gpm, mk_gpa(gpa), NULL);
	assert_int_equal(e & PTE_ADDR_MASK, cpu->sink.v);
	assert_true(e & PTE_RW);
	assert_true(frame_is_plain(gpa));
	assert_memory_equal(hpa_ptr(cpu->sink.v), fg.ram + gpa, PG);
	/* The non-owner sees none of the owner's events. */
	assert_int_equal(hc(&b, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, 0, 0).rax, 0);
	/* The owner sees both, in order; CLEAR takes them out. */
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, 0, 0).rax, 2);
	assert_int_equal(hc(&a0, SHROUD_HC_EVENTS, FG_BUF_GVA, 1, 0, 0).rax, 1);
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, SHROUD_EVF_CLEAR, 0).rax, 2);
	memcpy(ev, fg.ram + FG_BUF_GPA, sizeof(ev));
	assert_int_equal(ev[0].type, SHROUD_EV_FOREIGN_READ);
	assert_int_equal(ev[1].type, SHROUD_EV_DENIED);
	assert_int_equal(ev[0].part_id, id);
	assert_int_equal(ev[1].part_id, id);
	assert_int_equal(ev[0].gva, FG_DATA_GVA);
	assert_int_equal(ev[1].info, FG_PML4_B);
	assert_true(ev[1].seq > ev[0].seq);
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, 0, 0).rax, 0);
	/* Into a protected page: EFAULT, and the events stay. */
	npf(&b, fg_data_gpa(1), 0x1, PROT_RESUME);
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_DATA_GVA, 4, SHROUD_EVF_CLEAR, 0).rax,
			 ERR(SHROUD_EFAULT));
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 4, 0, 0).rax, 1);
	/* The owner comes back: others' ciphertext views go. */
	prot_cr3_write(&a, FG_PML4_A);
	assert_int_equal(gpmap_lookup(&gpm, mk_gpa(fg_data_gpa(1)), NULL), 0);
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, sizeof(s), 0, 0).rax, sizeof(s));
	memcpy(&s, fg.ram + FG_BUF_GPA, sizeof(s));
	assert_int_equal(s.faults, 3);
	assert_int_equal(s.denials, 1);
	/* Not protected: mapped as ordinary memory; outside RAM: not mine. */
	npf(&a, 0x300000, 0x4, PROT_RESUME);
	npf(&a, FG_RAM_SIZE + 0x1000, 0x1, PROT_NOT_MINE);
}

/* An instruction fetch from protected data (issue 8 items 1 and 6): the
 * fetching instruction gets #GP at once, an ANOMALY event is queued, the
 * frame stays the owner's and encrypted, and the VM is never stopped, however
 * often the guest tries. */
static void test_npf_exec_protected_data(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 0);
	uint64_t gpa = fg_data_gpa(3), id, seq = 100;
	struct shroud_event ev;
	struct prot_outcome out;
	unsigned n;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 4, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER_USER);
	assert_true((int64_t)id >= 1);
	for (n = 0; n < 40; n++) {
		a.exit_seq = seq++;	/* back to back */
		prot_npf(&a, mk_gpa(gpa), 0x4, &out);
		assert_int_equal(out.verdict, PROT_INJECT_GP);
	}
	assert_true(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 1, 0, 0).rax == 1);
	memcpy(&ev, fg.ram + FG_BUF_GPA, sizeof(ev));
	assert_int_equal(ev.type, SHROUD_EV_ANOMALY);
	assert_int_equal(ev.part_id, id);
	assert_false(frame_is_plain(gpa));
	/* The kernel fetching from it gets #GP too; the frame stays the
	 * owner's: the owner reads its plaintext, the kernel ciphertext. */
	b.exit_seq = seq++;
	prot_npf(&b, mk_gpa(gpa), 0x4, &out);
	assert_int_equal(out.verdict, PROT_INJECT_GP);
	a.exit_seq = seq++;
	a.rip = 0x5000;
	npf(&a, gpa, 0x1, PROT_RESUME);
	assert_true(frame_is_plain(gpa));
	assert_int_equal(hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rdx >> 24 & 1, 1);
}

/* GCM: a frame altered behind the hypervisor's back (DMA, a raw write)
 * is never handed back: #GP on the owner's access, UNPROTECT zeroes it
 * and answers EIO. */
static void test_integrity_failure(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	static const uint8_t zero[PG];
	struct shroud_event ev;
	uint64_t id;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 3, SHROUD_SENS_SECRET,
		     SHROUD_POLICY_OWNER | SHROUD_PF_INTEGRITY);
	assert_true((int64_t)id >= 1);
	fg.ram[fg_data_gpa(0) + 100] ^= 1;
	fg.ram[fg_data_gpa(2) + 7] ^= 0x80;
	npf(&a, fg_data_gpa(0), 0x1, PROT_INJECT_GP);
	assert_int_equal(gpmap_lookup(&gpm, mk_gpa(fg_data_gpa(0)), NULL), 0);
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 1, SHROUD_EVF_CLEAR, 0).rax, 1);
	memcpy(&ev, fg.ram + FG_BUF_GPA, sizeof(ev));
	assert_int_equal(ev.type, SHROUD_EV_TAMPER);
	assert_int_equal(ev.gva, FG_DATA_GVA);
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, ERR(SHROUD_EIO));
	assert_memory_equal(fg.ram + fg_data_gpa(0), zero, PG);
	assert_memory_equal(fg.ram + fg_data_gpa(2), zero, PG);
	assert_true(frame_is_plain(fg_data_gpa(1)));
	assert_int_equal(live_partitions(&a), 0);
}

static void test_remap_detected(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	struct shroud_event ev;
	struct shroud_stats s;
	uint64_t id, moved = fg_data_gpa(30);
	struct hc_regs r;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 2, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	assert_true((int64_t)id >= 1);
	/* The guest kernel moves page 0 elsewhere. */
	fg_map(&fg, FG_DATA_GVA, moved, FG_P | FG_RW | FG_US);
	r = hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0);
	assert_int_equal(r.rax, 0);
	/* The frame left behind is wiped and released. */
	assert_true(memcmp(fg.ram + fg_data_gpa(0), (uint8_t[PG]){ 0 }, PG) == 0);
	assert_int_equal(hc(&a, SHROUD_HC_EVENTS, FG_BUF_GVA, 1, SHROUD_EVF_CLEAR, 0).rax, 1);
	memcpy(&ev, fg.ram + FG_BUF_GPA, sizeof(ev));
	assert_int_equal(ev.type, SHROUD_EV_REMAP);
	assert_int_equal(ev.gva, FG_DATA_GVA);
	assert_int_equal(ev.info, moved);
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, sizeof(s), 0, 0).rax, sizeof(s));
	memcpy(&s, fg.ram + FG_BUF_GPA, sizeof(s));
	assert_int_equal(s.remaps, 1);
	assert_int_equal(s.protected_frames, 1);
	/* Reported once; page 1 comes back in clear. */
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
	assert_true(frame_is_plain(fg_data_gpa(1)));
	assert_int_equal(live_partitions(&a), 0);
}

/* ---- fixed bugs (found by these tests; issue 8) -------------------- */

/* Issue 8 item 5: a frame its owner let go of is wiped before it becomes
 * ordinary memory (never decrypted), except a GCM frame somebody wrote
 * behind the hypervisor's back (DMA after the kernel reused it): those
 * bytes are not the owner's and stay.  Before, every such frame was
 * zeroed, the device's data with it. */
static void orphan_case(uint64_t flags, int dma, int want_wiped)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t gpa = fg_data_gpa(2), id;
	static uint8_t dev[PG];
	static const uint8_t zero[PG];

	id = protect(&a, FG_DATA_GVA + 2 * PG, 1, SHROUD_SENS_SECRET, flags);
	assert_true((int64_t)id >= 1);
	fg_map(&fg, FG_DATA_GVA + 2 * PG, 0, 0);	/* the owner let go */
	if (dma) {
		memset(dev, 0x5c, PG);
		memcpy(fg.ram + gpa, dev, PG);		/* a device wrote it */
	}
	b.rip = 0x6000;
	npf(&b, gpa, 0x1, PROT_RESUME);			/* the next user reads */
	assert_false(frame_is_plain(gpa));		/* never decrypted */
	if (want_wiped)
		assert_memory_equal(fg.ram + gpa, zero, PG);
	else
		assert_memory_equal(fg.ram + gpa, dev, PG);
	assert_int_equal(live_partitions(&a), 0);
}

static void test_orphan_frame_rule(void **state)
{
	(void)state;
	need_prot();
	orphan_case(SHROUD_POLICY_OWNER | SHROUD_PF_INTEGRITY, 1, 0);
}

static void test_orphan_frame_wiped(void **state)
{
	(void)state;
	need_prot();
	orphan_case(SHROUD_POLICY_OWNER | SHROUD_PF_INTEGRITY, 0, 1);
}

static void test_orphan_frame_xts_wiped(void **state)
{
	(void)state;
	need_prot();
	orphan_case(SHROUD_POLICY_OWNER, 1, 1);	/* XTS cannot tell: wiped */
}

/* One owner's flood of events (found by the stress test: an attacker
 * writing into a sleeping owner's page) does not push another owner's
 * events out of the shared ring; STATS counts what was dropped. */
static void test_event_flood_keeps_others(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	struct shroud_stats st;
	uint64_t ida, idb, n;
	unsigned i;

	(void)state;
	need_prot();
	ida = protect(&a, FG_DATA_GVA, 1, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	idb = protect(&b, FG_DATA_GVA + PG, 1, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	assert_true((int64_t)ida >= 1 && (int64_t)idb >= 1);
	prot_event(SHROUD_EV_DENIED, (uint16_t)(idb - 1), 0, 0);  /* b's one */
	for (i = 0; i < 3 * PROT_EVENTS; i++)	/* a's flood */
		prot_event(SHROUD_EV_DENIED, (uint16_t)(ida - 1), 0, i);
	n = hc(&b, SHROUD_HC_EVENTS, FG_BUF_GVA, 16, 0, 0).rax;
	assert_int_equal(n, 1);				/* b's event survived */
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA, sizeof(st), 0, 0).rax,
			 sizeof(st));
	memcpy(&st, fg.ram + FG_BUF_GPA, sizeof(st));
	assert_true(st.events_dropped >= 2 * PROT_EVENTS);
}

/* Issue 8 item 11: a frame the caller also maps outside the range (a
 * second mapping of shared memory) is refused; before, only a frame mapped
 * twice inside the range was.  Either page of the pair alone is refused,
 * and a frame mapped once still works. */
static void test_protect_frame_shared_elsewhere(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);

	(void)state;
	need_prot();
	assert_int_equal(protect(&a, FG_DUP_GVA, 1, SHROUD_SENS_SECRET,
				 SHROUD_POLICY_OWNER), ERR(SHROUD_EBUSY));
	assert_int_equal(protect(&a, FG_DUP_GVA + PG, 1, SHROUD_SENS_SECRET,
				 SHROUD_POLICY_OWNER), ERR(SHROUD_EBUSY));
	assert_true(frame_is_plain(FG_DUP_GPA));
	assert_true((int64_t)protect(&a, FG_DATA_GVA, 1, SHROUD_SENS_SECRET,
				     SHROUD_POLICY_OWNER) >= 1);
}

/* Every partition incarnation gets a key never used before (issue 8 item
 * 3): the same plaintext frame, protected again after UNPROTECT (the same
 * engine slot is reused), encrypts to different ciphertext.  Before, the
 * key id was the slot index and the epoch stayed 0: identical ciphertext. */
static void test_new_partition_new_key(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	uint64_t gpa = fg_data_gpa(0), id;
	static uint8_t first[PG];

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 1, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	assert_true((int64_t)id >= 1);
	memcpy(first, fg.ram + gpa, PG);
	assert_false(frame_is_plain(gpa));
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
	assert_true(frame_is_plain(gpa));
	assert_int_equal(protect(&a, FG_DATA_GVA, 1, SHROUD_SENS_SECRET,
				 SHROUD_POLICY_OWNER), id);	/* same slot */
	assert_false(frame_is_plain(gpa));
	assert_memory_not_equal(fg.ram + gpa, first, PG);
	assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax, 0);
}

/* Owner-only plaintext: another context never gets it (issue 8 item 1).
 * Before in-place isolation an instruction fetch by that context moved the
 * frame to the MPE's quarantine, whose access policy was ANY, and its next
 * read fault decrypted the frame and mapped it to that context. */
static void test_foreign_exec_keeps_owner_only(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 0);
	uint64_t gpa = fg_data_gpa(0), e;

	(void)state;
	need_prot();
	assert_true((int64_t)protect(&a, FG_DATA_GVA, 1, SHROUD_SENS_SECRET,
				     SHROUD_POLICY_OWNER_USER) >= 1);
	b.rip = 0x1000;
	npf(&b, gpa, 0x4, PROT_INJECT_GP);
	b.rip = 0x2000;
	npf(&b, gpa, 0x1, PROT_RESUME);
	e = gpmap_lookup(&gpm, mk_gpa(gpa), NULL);
	assert_false(frame_is_plain(gpa) && e && (e & PTE_ADDR_MASK) == gpa);
}

/* Ids that LIST returns can be queried, and one that cannot is refused
 * with ENOENT.  Before in-place isolation a partition whose frames all went
 * to the quarantine was destroyed by the next CLASSIFY of anyone (mm/mpe.c
 * reap_empty -> DROP), but prot.part[] kept it: LIST returned it, QUERY
 * said ENOENT, UNPROTECT EPERM. */
static void test_exec_leaves_partition_listed(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3), b = view(FG_PML4_B, 3);
	uint64_t id, cur = 0;

	(void)state;
	need_prot();
	id = protect(&a, FG_DATA_GVA, 1, SHROUD_SENS_CONFIDENTIAL, SHROUD_POLICY_OWNER);
	assert_true((int64_t)id >= 1);
	npf(&a, fg_data_gpa(0), 0x4, PROT_INJECT_GP);	/* the owner executes it */
	assert_true((int64_t)protect(&b, FG_DATA_GVA + 8 * PG, 1, 1, 0) >= 1);
	while ((int64_t)(cur = hc(&a, SHROUD_HC_LIST, cur, 0, 0, 0).rax) > 0)
		assert_int_equal(hc(&a, SHROUD_HC_QUERY, cur, 0, 0, 0).rax, 0);
	if (hc(&a, SHROUD_HC_QUERY, id, 0, 0, 0).rax == ERR(SHROUD_ENOENT))
		assert_int_equal(hc(&a, SHROUD_HC_UNPROTECT, id, 0, 0, 0).rax,
				 ERR(SHROUD_ENOENT));
}

/* "A refused call leaves no trace" (prot/hc_protect.c): STATS and EVENTS
 * used to copy page by page and write the first page before the second
 * failed to translate; now every page is checked first. */
static void test_refused_copy_writes_nothing(void **state)
{
	struct prot_view a = view(FG_PML4_A, 3);
	const uint64_t end = FG_BUF_GPA + FG_BUF_PAGES * PG;

	(void)state;
	need_prot();
	assert_int_equal(hc(&a, SHROUD_HC_STATS, FG_BUF_GVA + FG_BUF_PAGES * PG - 8,
			    sizeof(struct shroud_stats), 0, 0).rax, ERR(SHROUD_EFAULT));
	assert_memory_equal(fg.ram + end - 8, fg.plain + end - 8, 8);
}

/* ---- random calls ---------------------------------------------------- */

static int rax_ok(uint64_t nr, uint64_t rax, uint64_t cap)
{
	int64_t v = (int64_t)rax;

	if (v < 0) {
		switch (-v) {
		case SHROUD_EINVAL:
			return nr < SHROUD_HC_MAX;
		case SHROUD_ENOSYS:
			return nr >= SHROUD_HC_MAX;
		case SHROUD_EBUSY:
			return nr == SHROUD_HC_PROTECT ||
			       nr == SHROUD_HC_GUARD_IPIS;
		case SHROUD_E2BIG: case SHROUD_EACCES: case SHROUD_ENOSPC:
			return nr == SHROUD_HC_PROTECT;
		case SHROUD_EFAULT:
			return nr == SHROUD_HC_PROTECT || nr == SHROUD_HC_STATS ||
			       nr == SHROUD_HC_EVENTS;
		case SHROUD_ENOENT:
			return nr == SHROUD_HC_UNPROTECT || nr == SHROUD_HC_QUERY ||
			       nr == SHROUD_HC_LIST;
		case SHROUD_EPERM: case SHROUD_EIO:
			return nr == SHROUD_HC_UNPROTECT;
		default:
			return 0;
		}
	}
	switch (nr) {
	case SHROUD_HC_PROTECT:
	case SHROUD_HC_LIST:
		return v >= 1 && v <= PROT_PART_SLOTS;
	case SHROUD_HC_STATS:
		return v >= 8 && v <= (int64_t)sizeof(struct shroud_stats) &&
		       (uint64_t)v <= cap;
	case SHROUD_HC_EVENTS:
		return (uint64_t)v <= cap;
	default:
		return v == 0 && nr < SHROUD_HC_MAX;
	}
}

static uint64_t fuzz_arg(uint64_t *s)
{
	uint64_t r = rnd_next(s);

	switch (r % 9) {
	case 0: return 0;
	case 1: return (r >> 8) % 40;
	case 2: return rnd_next(s);
	case 3: return FG_UBASE + ((r >> 8) % 0x60) * PG;
	case 4: return FG_UBASE + (r >> 8) % 0x60000;
	case 5: return ((r >> 8) % 9) * PG;
	case 6: return 1ull << ((r >> 8) % 64);
	case 7: return 0xffff800000000000ull + ((r >> 8) % 0x100000) * PG;
	default: return ~0ull - (r >> 8) % 16;
	}
}

static struct prot_view fuzz_view(uint64_t *s)
{
	uint64_t r = rnd_next(s);
	struct prot_view v = view(r % 10 < 5 ? FG_PML4_A : FG_PML4_B,
				  (r >> 4) % 4 ? 3 : 0);

	if (r % 10 == 9)	/* some root in RAM, or anything */
		v.cr3 = (r >> 8) % 2 ? ((r >> 16) % (FG_RAM_SIZE / PG)) << 12
				     : rnd_next(s);
	v.rip = 0x400000 + ((r >> 12) % 64) * 16;
	return v;
}

static void fuzz_args(uint64_t *s, struct hc_regs *h)
{
	uint64_t r = rnd_next(s);

	h->rbx = fuzz_arg(s);
	h->rcx = fuzz_arg(s);
	h->rdx = fuzz_arg(s);
	h->rsi = fuzz_arg(s);
	if (r % 2)
		return;
	r >>= 1;
	switch (h->rax) {	/* well-formed, or nearly */
	case SHROUD_HC_PROTECT:
		h->rbx = FG_DATA_GVA + ((r >> 4) % (FG_DATA_PAGES + 4)) * PG;
		h->rcx = (1 + (r >> 10) % 4) * PG;
		h->rdx = (r >> 13) % 4;
		h->rsi = ((r >> 16) % 3) | ((r >> 18) % 2 ? SHROUD_PF_INTEGRITY : 0) |
			 ((r >> 19) % 4 ? 0 : SHROUD_PF_WS((r >> 21) % 18));
		break;
	case SHROUD_HC_UNPROTECT:
	case SHROUD_HC_QUERY:
	case SHROUD_HC_LIST:
		h->rbx = (r >> 4) % (PROT_PART_SLOTS + 2);
		h->rcx = h->rdx = h->rsi = 0;
		break;
	case SHROUD_HC_STATS:
		h->rbx = FG_BUF_GVA + (r >> 4) % (FG_BUF_PAGES * PG + PG);
		h->rcx = (r >> 20) % 200;
		h->rdx = h->rsi = 0;
		break;
	case SHROUD_HC_EVENTS:
		h->rbx = FG_BUF_GVA + (r >> 4) % (FG_BUF_PAGES * PG);
		h->rcx = (r >> 20) % 300;
		h->rdx = (r >> 30) % 3;
		h->rsi = 0;
		break;
	default:
		break;
	}
}

/* The hypervisor wrote the caller's [gva, gva + len) (STATS, EVENTS):
 * what it wrote becomes what the guest holds (fg.plain).  Pages that do
 * not translate to ordinary RAM were not written. */
static void shadow_sync(const struct prot_view *pv, uint64_t gva, uint64_t len)
{
	struct gpt_walk w = { pv->cr0, pv->cr3, pv->cr4, pv->efer, gmem_read, 0 };

	while (len) {
		uint64_t chunk = PG - (gva & 0xfff);
		struct gpt_result r;

		if (chunk > len)
			chunk = len;
		if (!gpt_translate(&w, gva, &r) && gmem_is_ram(r.gpa, chunk) &&
		    !part_map_lookup(&prot.mpe.map, mk_gfn(r.gpa >> 12)))
			memcpy(fg.plain + r.gpa, fg.ram + r.gpa, chunk);
		gva += chunk;
		len -= chunk;
	}
}

/* A guest partition whose engine partition is gone (must never happen). */
static int zombie(unsigned id)
{
	return prot.part[id - 1].used && !prot_mpe_part((uint16_t)(id - 1));
}

/*
 * End of the random calls: every owner lets go, and guest memory is what
 * the guest holds (fg.plain, with what STATS and EVENTS wrote), except
 * frames wiped after a REMAP.  Isolated frames stay in their partitions
 * (rule N2) and come back decrypted with them; the MPE's quarantine should
 * hold nothing (any extent left there is checked by a read fault).
 */
static void release_all(uint64_t seed)
{
	static const uint8_t zero[PG];
	static uint8_t quarantined[FG_RAM_SIZE / PG];
	unsigned i, zombies = 0, wiped = 0, nq = 0;
	uint32_t k;

	for (i = 1; i <= PROT_PART_SLOTS; i++) {
		const struct partition *mp = prot_mpe_part((uint16_t)(i - 1));
		struct prot_view o = view(mp ? mp->owner : 0, 3);

		if (mp)
			assert_int_equal(hc(&o, SHROUD_HC_UNPROTECT, i, 0, 0, 0).rax, 0);
		else
			zombies += zombie(i);
	}
	assert_int_equal(live_partitions(&(struct prot_view){ .cpu = cpu }),
			 zombies);
	memset(quarantined, 0, sizeof(quarantined));
	for (k = 0; k < prot.mpe.map.count; k++) {
		const struct part_extent *x = &prot.mpe.map.ext[k];
		uint64_t g;

		assert_int_equal(x->part_id, prot.mpe.quarantine);
		for (g = x->start; g < x->start + x->nframes; g++) {
			struct prot_view o = view(FG_PML4_A, 3);
			struct prot_outcome out;

			o.rip = 0x7000000 + g * 16;
			prot_npf(&o, mk_gpa(g << 12), 0x1, &out);
			assert_int_equal(out.verdict, PROT_RESUME);
			if (!frame_is_plain(g << 12) && memcmp(fg.ram + (g << 12), zero, PG))
				fail_msg("seed 0x%llx: quarantined frame 0x%llx corrupt",
					 (unsigned long long)seed,
					 (unsigned long long)(g << 12));
			quarantined[g] = 1;
			nq++;
		}
	}
	for (i = 0; i < FG_RAM_SIZE / PG; i++) {
		uint64_t gpa = (uint64_t)i * PG;

		if (quarantined[i] || frame_is_plain(gpa))
			continue;
		wiped++;
		if (memcmp(fg.ram + gpa, zero, PG))
			fail_msg("seed 0x%llx: frame 0x%llx neither what the guest "
				 "wrote nor wiped", (unsigned long long)seed,
				 (unsigned long long)gpa);
	}
	assert_true(wiped <= prot.st.remaps);
	print_message("  released: %u quarantined frames, %u wiped, %u ids left "
		      "without an engine partition\n", nq, wiped, zombies);
	assert_int_equal(zombies, 0);
}

static void test_random_calls(void **state)
{
	uint64_t seed = 0x5eed0000c0ffeeull, s;
	unsigned i, k, ok_protect = 0, ok_unprotect = 0, npfs = 0, gp = 0, left;
	const char *env = getenv("SHROUD_HC_SEED");

	(void)state;
	need_prot();
	if (env)
		seed = strtoull(env, NULL, 0);
	s = seed;
	for (i = 0; i < 10000; i++) {
		struct prot_view v = fuzz_view(&s);
		uint64_t r = rnd_next(&s);

		v.exit_seq = i;		/* one exit per step */
		if (r % 100 < 8) {		/* a fault somewhere */
			struct prot_outcome out;
			uint64_t gpa = (rnd_next(&s) % (FG_RAM_SIZE + 0x10000)) & ~0xfffull;
			unsigned acc = 1u << ((r >> 40) % 3);

			if (r % 3)
				gpa = fg_data_gpa((unsigned)(r >> 8) % FG_DATA_PAGES);
			gpa |= (r >> 20) & 0xfff;
			/* Sometimes the same fault again, back to back, at
			 * once or many times (no progress). */
			for (k = (r >> 50) % 4 ? 1 : 1 + (r >> 52) % 24; k--; v.exit_seq = ++i) {
				prot_npf(&v, mk_gpa(gpa), acc, &out);
				if (out.verdict == PROT_STOP || out.verdict > PROT_STOP)
					fail_msg("seed 0x%llx step %u: verdict %d (%s)",
						 (unsigned long long)seed, i, out.verdict,
						 out.why ? out.why : "");
				npfs++;
				gp += out.verdict == PROT_INJECT_GP;
			}
			continue;
		}
		if (r % 100 < 11) {
			prot_cr3_write(&v, v.cr3);
			continue;
		}
		if (r % 100 == 11) {
			prot_idle(&v);
			continue;
		}
		struct hc_regs h = { (r >> 8) % 11, 0, 0, 0, 0 };
		uint64_t nr = h.rax, cap;

		fuzz_args(&s, &h);
		cap = h.rcx;
		{
			struct hc_regs in = h;

			hc_dispatch(&v, &h);
			if (nr == SHROUD_HC_STATS)
				shadow_sync(&v, in.rbx, in.rcx < sizeof(struct shroud_stats) ?
					    in.rcx : sizeof(struct shroud_stats));
			if (nr == SHROUD_HC_EVENTS && in.rcx <= 256)
				shadow_sync(&v, in.rbx, in.rcx * sizeof(struct shroud_event));
		}
		if (!rax_ok(nr, h.rax, cap))
			fail_msg("seed 0x%llx step %u: call %llu -> rax 0x%llx",
				 (unsigned long long)seed, i, (unsigned long long)nr,
				 (unsigned long long)h.rax);
		ok_protect += nr == SHROUD_HC_PROTECT && (int64_t)h.rax > 0;
		ok_unprotect += nr == SHROUD_HC_UNPROTECT && h.rax == 0;
		if (i % 1000 == 999 && mpe_check(&prot.mpe))
			fail_msg("seed 0x%llx step %u: mpe_check %d",
				 (unsigned long long)seed, i, mpe_check(&prot.mpe));
	}
	assert_int_equal(mpe_check(&prot.mpe), 0);
	left = live_partitions(&(struct prot_view){ .cpu = cpu });
	print_message("random calls (seed 0x%llx): %u PROTECT, %u UNPROTECT ok, "
		      "%u faults (%u #GP), %u partitions left\n",
		      (unsigned long long)seed, ok_protect, ok_unprotect, npfs, gp,
		      left);
	assert_true(ok_protect > 10);
	assert_true(ok_unprotect > 0);
	release_all(seed);
}

#define T(f)	cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_enabled),
		T(test_version),
		T(test_unknown_call),
		T(test_guard_ipis),
		T(test_protect_refusals),
		T(test_protect_overlap_busy),
		T(test_protect_table_full),
		T(test_protect_xts_roundtrip),
		T(test_protect_gcm_roundtrip),
		T(test_protect_public_stays_clear),
		T(test_query),
		T(test_enoent_ids),
		T(test_id_calls_einval),
		T(test_unprotect_owner_only),
		T(test_list),
		T(test_stats),
		T(test_events_args),
		T(test_npf_owner_then_switch),
		T(test_self_check_flags_bad_views),
		T(test_npf_owner_kernel_refused_under_owner_user),
		T(test_klock_refusals),
		T(test_klock_and_pins),
		T(test_npf_confidential_unmapped_only),
		T(test_npf_foreign_and_events),
		T(test_npf_exec_protected_data),
		T(test_integrity_failure),
		T(test_remap_detected),
		T(test_random_calls),
		T(test_orphan_frame_rule),
		T(test_orphan_frame_wiped),
		T(test_orphan_frame_xts_wiped),
		T(test_event_flood_keeps_others),
		T(test_protect_frame_shared_elsewhere),
		T(test_new_partition_new_key),
		T(test_foreign_exec_keeps_owner_only),
		T(test_exec_leaves_partition_listed),
		T(test_refused_copy_writes_nothing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
