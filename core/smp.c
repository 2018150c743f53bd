/*
 * core/smp.c - every CPU under the hypervisor (see smp.h).
 *
 * Bring-up (the design of BitVisor and Jailhouse, in our own code): the
 * firmware starts and parks its APs itself; once its ExitBootServices has
 * returned (SHROUD_HC_GUARD_IPIS), the boot CPU sends each AP INIT and two
 * start-up IPIs aimed at arch/x86/ap_tramp.S, which brings it into long
 * mode on the host's page tables and into core_ap_main.  The AP builds its
 * own host state and VMCB and parks, exactly as a CPU waits after INIT.
 * From then on the guest's INIT and start-up IPIs are emulated: the
 * sender's ICR write is intercepted (core/vexit.c), the target is kicked
 * out of the guest, parks, and on the start-up IPI enters the guest in
 * real mode at the vector the guest chose.  No CPU ever leaves the
 * hypervisor again.  Intel SDM Vol. 3A 8.4 "Multiple-Processor (MP)
 * Initialization", 10.6 "Issuing Interprocessor Interrupts".
 */
#include "core/smp.h"
#include "core/core.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "base/lib.h"
#include "base/log.h"
#include "base/panic.h"
#include "base/spinlock.h"
#include "mm/frame.h"
#include "mm/pgtable.h"

struct pcpu core_cpus[CPUS_MAX];
uint32_t core_ncpus = 1;
static bool shootdown_on = true;	/* shroud.cfg shootdown */
bool core_all_cpus_virtualized;
static volatile uint32_t smp_stopper;	/* index + 1 of a CPU that stopped */

/* Host-side local APIC (xAPIC MMIO through the identity map, or x2APIC
 * MSRs), for the hypervisor's own IPIs.  The guest's ICR high word is
 * kept: an exit can come between its two ICR writes. */
#define APIC_ICR_BUSY	(1u << 12)

static void lapic_send(uint32_t dest, uint32_t lo)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	unsigned spin;

	if (base & (1ull << 10)) {		/* x2APIC */
		wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | lo);
		return;
	}
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)
				  (base & ~0xfffull & ((1ull << 52) - 1));
	uint32_t hi = apic[APIC_REG_ICR_HI / 4];

	for (spin = 0; spin < 100000 && (apic[APIC_REG_ICR_LO / 4] &
					 APIC_ICR_BUSY); spin++)
		__builtin_ia32_pause();
	apic[APIC_REG_ICR_HI / 4] = dest << 24;
	apic[APIC_REG_ICR_LO / 4] = lo;
	for (spin = 0; spin < 100000 && (apic[APIC_REG_ICR_LO / 4] &
					 APIC_ICR_BUSY); spin++)
		__builtin_ia32_pause();
	apic[APIC_REG_ICR_HI / 4] = hi;
}

/* The hypervisor's IPI: an NMI, which every CPU intercepts. */
static void kick(const struct pcpu *p)
{
	lapic_send(p->apic_id, ICR_MODE_NMI << 8 | ICR_LEVEL_ASSERT);
}

static bool here_ready(void)
{
	return cpu_local_ready() && cpu_local()->owner;
}

void core_gpm_flush(void *ctx)
{
	struct pcpu *p = ctx, *me;

	if (!here_ready())
		return;		/* boot: nothing runs a guest yet */
	me = this_pcpu();
	if (p == me) {
		if (p->vcpu.ops)
			p->vcpu.ops->flush_tlb(&p->vcpu);
	} else if (p->state != PCPU_ABSENT) {
		me->pending_mask |= 1u << p->index;
	}
}

void smp_poll(void)
{
	struct pcpu *p;
	uint64_t r;

	if (!here_ready())
		return;
	p = this_pcpu();
	r = __atomic_load_n(&p->flush_req, __ATOMIC_ACQUIRE);
	if (p->flush_done != r) {
		if (p->vcpu.ops)
			p->vcpu.ops->flush_tlb(&p->vcpu);
		__atomic_store_n(&p->flush_done, r, __ATOMIC_RELEASE);
	}
	if (smp_stopper && smp_stopper != p->index + 1) {
		log_raw("cpu %u: stopped (cpu %u stopped the guest)\n",
			p->index, smp_stopper - 1);
		halt_forever();
	}
}

void smp_shootdown(void)
{
	uint64_t gen[CPUS_MAX];
	struct pcpu *me;
	uint32_t mask, i;
	uint64_t spins = 0, t0;

	if (!here_ready())
		return;
	me = this_pcpu();
	mask = me->pending_mask;
	me->pending_mask = 0;
	if (!mask)
		return;
	if (!shootdown_on) {	/* testing only: the race's control */
		for (i = 0; i < core_ncpus; i++)
			if (mask & (1u << i))
				__atomic_add_fetch(&core_cpus[i].flush_req, 1,
						   __ATOMIC_ACQ_REL);
		me->shootdowns_skipped++;
		return;
	}
	t0 = rdtsc();
	for (i = 0; i < core_ncpus; i++) {
		if (!(mask & (1u << i)))
			continue;
		gen[i] = __atomic_add_fetch(&core_cpus[i].flush_req, 1,
					    __ATOMIC_ACQ_REL);
		kick(&core_cpus[i]);
	}
	for (i = 0; i < core_ncpus; i++) {
		if (!(mask & (1u << i)))
			continue;
		/* Never skipped: the caller touches the frames next.  The
		 * target acknowledges at its next exit, which the NMI
		 * forces; a parked one wakes up for it. */
		while (__atomic_load_n(&core_cpus[i].flush_done,
				       __ATOMIC_ACQUIRE) < gen[i]) {
			smp_poll();
			__builtin_ia32_pause();
			if (++spins == (1ull << 26))
				log_warn("smp", "shootdown: cpu %u slow to "
					 "acknowledge; still waiting", i);
		}
	}
	me->shootdowns++;
	me->shootdown_cycles += rdtsc() - t0;
}

void smp_nmi_taken(void)
{
	struct pcpu *p = this_pcpu();

	/* The NMI is still pending (GIF 0): take it here, or the next
	 * entry would exit again at once, forever. */
	desc_nmi_wake[p->index] = 1;
	p->vcpu.ops->nmi_window();
	desc_nmi_wake[p->index] = 0;
	p->nmis++;
}

void smp_stop_others(void)
{
	uint32_t i, me = cpu_index();

	if (core_ncpus < 2)
		return;
	smp_stopper = me + 1;
	for (i = 0; i < core_ncpus; i++)
		if (i != me && core_cpus[i].state != PCPU_ABSENT)
			kick(&core_cpus[i]);
}

/* ---- host page-table watch (shroud.cfg self_check; testing only) ------- */

/* The entries that map the hypervisor's own text, IDT, stack and CPU
 * records, recorded at arm time and compared at every guest entry and
 * exit of every CPU: a change (the accessed and dirty bits aside) is
 * logged with the CPU that saw it, so that a host page table written
 * behind the hypervisor's back (a stray store, a DMA, the emulator) shows
 * up before the next walk of it triple-faults the CPU.  AMD APM Vol. 2,
 * 5.3 (long-mode page translation). */
#define PT_WATCH_MAX	16u
#define PT_WATCH_AD	(PTE_A | PTE_D)
static volatile uint64_t *pt_watch_slot[PT_WATCH_MAX];
static uint64_t pt_watch_val[PT_WATCH_MAX];
static uint32_t pt_watch_n, pt_watch_reports;

static void pt_watch_add(uint64_t root, uint64_t va)
{
	const struct pgt p = { root & PTE_ADDR_MASK, PTE_P | PTE_RW, 2,
			       frame_pgt_alloc, frame_pgt_ptr, 0, 0 };
	volatile uint64_t *slots[PGT_LEVELS];
	unsigned i, n = pgt_walk_slots(&p, va, slots);

	for (i = 0; i < n && pt_watch_n < PT_WATCH_MAX; i++) {
		pt_watch_slot[pt_watch_n] = slots[i];
		pt_watch_val[pt_watch_n++] = *slots[i] & ~PT_WATCH_AD;
	}
}

void smp_pt_watch_arm(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
	uint64_t root = read_cr3(), here = (uint64_t)(uintptr_t)&idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	pt_watch_n = 0;
	pt_watch_add(root, (uint64_t)(uintptr_t)vcpu_run);
	pt_watch_add(root, idtr.base);
	pt_watch_add(root, here);
	pt_watch_add(root, (uint64_t)(uintptr_t)&core_cpus[0]);
	log_warn("smp", "self_check: watching %u host page-table entries",
		 pt_watch_n);
}

void smp_pt_watch_check(const char *where)
{
	uint32_t i;

	for (i = 0; i < pt_watch_n; i++) {
		uint64_t e = *pt_watch_slot[i] & ~PT_WATCH_AD;

		if (e == pt_watch_val[i])
			continue;
		if (pt_watch_reports++ < 8)
			log_err("smp", "cpu %u %s: host page-table entry at 0x%llx "
				"is 0x%llx, was 0x%llx", cpu_index(), where,
				(unsigned long long)(uintptr_t)pt_watch_slot[i],
				(unsigned long long)e,
				(unsigned long long)pt_watch_val[i]);
	}
}

/* ---- views ------------------------------------------------------------- */

void smp_build_views(const struct vcpu_ops *ops, uint64_t top,
		     const struct boot_info *bi)
{
	const struct gpmap_format *fmt = ops->gpm_format;
	unsigned max_level = ops->gpm_max_level();
	uint32_t i, n = bi->apic_count;
	int rc;

	if (n > 1 && !ops->init_ap)
		log_warn("smp", "%u CPUs, but the %s backend cannot start "
			 "application processors yet: only the boot CPU runs "
			 "the guest", n, ops->name);
	if (!bi->ap_tramp_pa || n < 1 || !ops->init_ap)
		n = 1;
	if (n > CPUS_MAX)
		n = CPUS_MAX;
	core_ncpus = n;
	shootdown_on = bi->shootdown != 0;
	for (i = 0; i < n; i++) {
		struct pcpu *p = &core_cpus[i];

		p->index = i;
		p->apic_id = bi->apic_id[i];
		p->apic_guard_gpa = ~0ull;
		rc = gpmap_build(&p->gpm, fmt, top, max_level, frame_pgt_alloc,
				 frame_pgt_ptr, 0);
		if (!rc && !bi->expose_hv_memory)
			rc = gpmap_hide(&p->gpm, mk_gpa(bi->hv_base), bi->hv_size);
		if (rc)
			panic("guest-physical map of cpu %u: error %d", i, rc);
		gpmap_set_flush(&p->gpm, core_gpm_flush, p);
	}
	spin_wait_hook = smp_poll;
}

/* ---- INIT and start-up IPIs ------------------------------------------- */

static struct pcpu *by_apic_id(uint32_t id)
{
	uint32_t i;

	for (i = 0; i < core_ncpus; i++)
		if (core_cpus[i].apic_id == id &&
		    core_cpus[i].state != PCPU_ABSENT)
			return &core_cpus[i];
	return NULL;
}

static bool for_targets(uint32_t dest, bool others, void (*fn)(struct pcpu *,
							       unsigned),
			unsigned arg)
{
	struct pcpu *me = this_pcpu(), *t;
	uint32_t i;
	bool any = false;

	if (!others) {
		t = by_apic_id(dest);
		if (!t || t == me)
			return false;
		fn(t, arg);
		return true;
	}
	for (i = 0; i < core_ncpus; i++) {
		t = &core_cpus[i];
		if (t != me && t->state != PCPU_ABSENT) {
			fn(t, arg);
			any = true;
		}
	}
	return any;
}

static void init_one(struct pcpu *t, unsigned arg)
{
	(void)arg;
	__atomic_store_n(&t->init_req, 1, __ATOMIC_RELEASE);
	t->inits++;
	kick(t);
}

static void sipi_one(struct pcpu *t, unsigned vector)
{
	/* A start-up IPI counts only for a CPU waiting after INIT (SDM
	 * 8.4.4.1: ignored otherwise). */
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != PCPU_WAIT_SIPI &&
	    !__atomic_load_n(&t->init_req, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&t->sipi, 0x100u | (vector & 0xffu), __ATOMIC_RELEASE);
	t->sipis++;
	kick(t);
}

bool smp_emulate_init(uint32_t dest, bool others)
{
	return for_targets(dest, others, init_one, 0);
}

bool smp_emulate_sipi(uint32_t dest, bool others, unsigned vector)
{
	return for_targets(dest, others, sipi_one, vector);
}

/* Park until a start-up IPI: the CPU sleeps in HLT (with GIF open on
 * SVM), and the next kick (an NMI) wakes it (desc.c turns a host NMI inside the
 * wait into a return past the HLT, so none is lost). */
void smp_park(struct pcpu *p)
{
	struct vcpu *v = &p->vcpu;
	uint32_t s;

	__atomic_store_n(&p->state, PCPU_WAIT_SIPI, __ATOMIC_RELEASE);
	for (;;) {
		smp_poll();
		if (__atomic_exchange_n(&p->init_req, 0, __ATOMIC_ACQ_REL))
			continue;	/* INIT again: keep waiting */
		s = __atomic_exchange_n(&p->sipi, 0, __ATOMIC_ACQ_REL);
		if (s)
			break;
		desc_nmi_wake[p->index] = 1;
		if (!p->sipi && !p->init_req &&
		    __atomic_load_n(&p->flush_req, __ATOMIC_ACQUIRE) ==
		    p->flush_done && !smp_stopper)
			smp_park_wait(&desc_nmi_wake[p->index],
				      v->ops->host_gif);
		desc_nmi_wake[p->index] = 0;
	}
	memset(&v->dbg, 0, sizeof(v->dbg));
	v->dbg.dr7 = 0x400;
	v->ops->sipi(v, s & 0xffu);
	__atomic_store_n(&p->state, PCPU_RUNNING, __ATOMIC_RELEASE);
	log_info("smp", "cpu %u: start-up IPI, guest enters at 0x%x",
		 p->index, (s & 0xffu) << 12);
}

bool smp_before_entry(struct pcpu *p)
{
	smp_poll();
	return __atomic_load_n(&p->init_req, __ATOMIC_ACQUIRE) ||
	       p->state != PCPU_RUNNING;
}


/* ---- AP start ---------------------------------------------------------- */

extern const char ap_tramp_start[], ap_tramp_end[], ap_tramp_long[];
void core_ap_entry(void);

#define TR_DATA		0x1000
#define TR_GDTR		0x18
#define TR_CR3		0x20
#define TR_CR0		0x24
#define TR_STACK	0x28
#define TR_ENTRY	0x30
#define TR_INDEX	0x38
#define TR_FARPTR	0x40
#define AP_STACK_FRAMES	4u

static uint64_t bsp_cr4, bsp_efer;
/* The master key's way to each AP (arch/x86/dr_handoff.S), empty but
 * for the instructions of one hand-off. */
static volatile uint64_t key_slot[5] __attribute__((aligned(64)));

void smp_ap_early(struct pcpu *p)
{
	write_cr4(bsp_cr4);
	wrmsr(MSR_EFER, bsp_efer);
	__atomic_store_n(&p->started, 1, __ATOMIC_RELEASE);
	if (dr_handoff_receive(key_slot))
		halt_forever();		/* no key: never runs a guest */
	desc_init(p->index);
	cpu_local_install(p->index, p->apic_id);
	cpu_locals[p->index].owner = p;
}
static const struct boot_info *smp_bi;

/* Wait about @cycles TSC cycles or until *@state leaves @from. */
static bool wait_state(volatile uint32_t *state, uint32_t from, uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < cycles) {
		if (__atomic_load_n(state, __ATOMIC_ACQUIRE) != from)
			return true;
		__builtin_ia32_pause();
	}
	return __atomic_load_n(state, __ATOMIC_ACQUIRE) != from;
}

static int host_map(uint64_t pa, uint64_t flags)
{
	struct pgt p = { smp_bi->host_cr3, PTE_P | PTE_RW, 2, frame_pgt_alloc,
			 frame_pgt_ptr, 0, 0 };
	int rc = pgt_map(&p, pa, pa, 0x1000, flags);

	write_cr3(read_cr3());
	return rc;
}

static bool start_one(struct pcpu *p, uint8_t *code, uint8_t *data)
{
	uint64_t stack = frame_alloc_contig(AP_STACK_FRAMES);
	uint64_t tramp = (uint64_t)(uintptr_t)code;
	unsigned vec = (unsigned)(tramp >> 12);

	if (!stack)
		return false;
	p->stack_top = hpa_ptr(stack + AP_STACK_FRAMES * 0x1000);
	*(uint64_t *)(data + TR_STACK) = (uint64_t)(uintptr_t)p->stack_top;
	*(uint64_t *)(data + TR_ENTRY) = (uint64_t)(uintptr_t)core_ap_entry;
	*(uint32_t *)(data + TR_INDEX) = p->index;
	/* INIT, then start-up IPIs (SDM 8.4.4.1: INIT, 10 ms, SIPI, 200 us,
	 * SIPI); the delays are generous for a 1 GHz TSC. */
	lapic_send(p->apic_id, ICR_MODE_INIT << 8 | ICR_LEVEL_ASSERT);
	(void)wait_state(&p->state, PCPU_ABSENT, 10000000ull);
	lapic_send(p->apic_id, ICR_MODE_SIPI << 8 | ICR_LEVEL_ASSERT | vec);
	if (!wait_state(&p->started, 0, 2000000ull))
		lapic_send(p->apic_id, ICR_MODE_SIPI << 8 | ICR_LEVEL_ASSERT | vec);
	if (!wait_state(&p->started, 0, 8000000000ull))
		return false;
	/* The AP waits for the master key before it may run a guest: a CPU
	 * without it would encrypt under another key. */
	if (dr_handoff_send(key_slot)) {
		log_err("smp", "cpu %u took no master key", p->index);
		return false;
	}
	return wait_state(&p->state, PCPU_ABSENT, 8000000000ull);
}

void smp_start_aps(const struct boot_info *bi)
{
	uint8_t *code, *data;
	uint32_t i, up = 1;
	uint64_t t0 = rdtsc();

	if (core_ncpus < 2) {
		if (bi->cpu_count > 1 && !bi->ap_tramp_pa)
			log_warn("smp", "%u CPUs, but no start-up page below "
				 "1 MiB: only the boot CPU runs the guest; any "
				 "other CPU's start is refused", bi->cpu_count);
		return;
	}
	if (bi->host_cr3 >> 32 || bi->ap_tramp_pa >= 0xa0000 ||
	    (bi->ap_tramp_pa & 0xfff)) {
		log_err("smp", "host CR3 0x%llx or start-up page 0x%llx out of "
			"reach: only the boot CPU runs the guest",
			(unsigned long long)bi->host_cr3,
			(unsigned long long)bi->ap_tramp_pa);
		core_ncpus = 1;
		return;
	}
	smp_bi = bi;
	bsp_cr4 = read_cr4();
	bsp_efer = rdmsr(MSR_EFER);
	code = hpa_ptr(bi->ap_tramp_pa);
	data = code + TR_DATA;
	memset(code, 0, 2 * 0x1000);
	memcpy(code, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	((uint64_t *)data)[1] = 0x00209b0000000000ull;	/* 0x08: code, L */
	((uint64_t *)data)[2] = 0x0000930000000000ull;	/* 0x10: data */
	*(uint16_t *)(data + TR_GDTR) = 3 * 8 - 1;
	*(uint32_t *)(data + TR_GDTR + 2) = (uint32_t)(bi->ap_tramp_pa + TR_DATA);
	*(uint32_t *)(data + TR_CR3) = (uint32_t)bi->host_cr3;
	*(uint32_t *)(data + TR_CR0) = (uint32_t)read_cr0();
	*(uint32_t *)(data + TR_FARPTR) = (uint32_t)(bi->ap_tramp_pa +
					(uint64_t)(ap_tramp_long - ap_tramp_start));
	*(uint16_t *)(data + TR_FARPTR + 4) = 0x08;
	if (host_map(bi->ap_tramp_pa, PTE_P))	/* code: RX */
		panic("cannot map the AP start-up page");
	for (i = 1; i < core_ncpus; i++) {
		if (start_one(&core_cpus[i], code, data))
			up++;
		else
			log_err("smp", "cpu %u (APIC ID %u) did not start: it "
				"stays in the firmware, and its start by the "
				"guest is refused", i, core_cpus[i].apic_id);
	}
	/* Used once: wiped, and ordinary (RW, NX) memory again. */
	if (host_map(bi->ap_tramp_pa, PTE_P | PTE_RW | PTE_NX))
		panic("cannot unmap the AP start-up page");
	memset(code, 0, 2 * 0x1000);
	core_all_cpus_virtualized = up == core_ncpus && bi->cpu_count == up;
	hv_ncpus = up;
	if (!bi->shootdown)
		log_warn("smp", "shootdown = no: other CPUs keep stale "
			 "translations until their next exit (testing only)");
	log_info("smp", "%u of %u CPUs under the hypervisor (%llu TSC cycles)%s",
		 up, bi->cpu_count, (unsigned long long)(rdtsc() - t0),
		 core_all_cpus_virtualized ? "" :
		 ": IPIs to the others are refused");
}

void smp_print(void)
{
	static const char *const st[] = { "absent", "wait-for-SIPI", "running" };
	uint32_t i;

	for (i = 0; i < core_ncpus; i++) {
		const struct pcpu *p = &core_cpus[i];

		log_raw("  vcpu %u apic %u %s exits %llu rip 0x%llx cr3 0x%llx "
			"nmis %llu shootdowns %llu cycles %llu flush %llu/%llu "
			"init %llu sipi %llu\n", i, p->apic_id,
			p->state < 3 ? st[p->state] : "?",
			(unsigned long long)p->vcpu.exits_total,
			(unsigned long long)p->vcpu.g.rip,
			(unsigned long long)p->vcpu.g.cr3,
			(unsigned long long)p->nmis,
			(unsigned long long)p->shootdowns,
			(unsigned long long)p->shootdown_cycles,
			(unsigned long long)p->flush_done,
			(unsigned long long)p->flush_req,
			(unsigned long long)p->inits,
			(unsigned long long)p->sipis);
		if (p->shootdowns_skipped)
			log_raw("  vcpu %u: %llu shootdowns NOT sent "
				"(shootdown = no, testing only)\n", i,
				(unsigned long long)p->shootdowns_skipped);
	}
}
