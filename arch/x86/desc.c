/*
 * arch/x86/desc.c - host GDT, TSS and IDT.  The TSS gives NMI, #DF and #MC
 * a known-good stack (IST1) so that a broken RSP still reaches the panic.
 */
#include "arch/x86/desc.h"
#include "arch/x86/cpu.h"
#include "base/lib.h"
#include "arch/x86/percpu.h"
#include "base/panic.h"

struct __attribute__((packed)) tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iopb;
};
_Static_assert(sizeof(struct tss64) == 0x68, "APM Vol. 2, Figure 12-8");

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
};
_Static_assert(sizeof(struct idt_gate) == 16, "APM Vol. 2, Figure 4-24");

extern const uint64_t exc_stub_table[32];

/* One GDT, TSS and IST stack per CPU (a TSS is marked busy by LTR, and
 * each CPU needs its own NMI/#DF/#MC stack); the IDT is shared. */
static uint64_t host_gdt[CPUS_MAX][5] __attribute__((aligned(16)));
static struct tss64 host_tss[CPUS_MAX] __attribute__((aligned(16)));
static struct idt_gate host_idt[32] __attribute__((aligned(16)));
static uint8_t ist_stack[CPUS_MAX][4096] __attribute__((aligned(16)));

static void build_gdt(unsigned cpu)
{
	uint64_t *gdt = host_gdt[cpu];
	uint64_t base = (uint64_t)(uintptr_t)&host_tss[cpu];
	uint64_t limit = sizeof(host_tss[cpu]) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00209b0000000000ull;	/* CS: P, DPL0, code, L */
	gdt[2] = 0x0000930000000000ull;	/* DS: P, DPL0, data, W */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;		/* TSS: available 64-bit */
}

static void build_idt(void)
{
	unsigned v;

	for (v = 0; v < 32; v++) {
		uint64_t off = exc_stub_table[v];
		struct idt_gate *g = &host_idt[v];

		g->off0 = (uint16_t)off;
		g->sel = HOST_CS;
		g->ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;
		g->type = 0x8e;			/* P, DPL0, interrupt gate */
		g->off1 = (uint16_t)(off >> 16);
		g->off2 = (uint32_t)(off >> 32);
		g->rsvd = 0;
	}
}

void desc_init(unsigned cpu)
{
	struct desc_ptr gdtr = { sizeof(host_gdt[0]) - 1,
				 (uint64_t)(uintptr_t)host_gdt[cpu] };
	struct desc_ptr idtr = { sizeof(host_idt) - 1,
				 (uint64_t)(uintptr_t)host_idt };

	ASSERT(cpu < CPUS_MAX);
	host_tss[cpu].ist[0] = (uint64_t)(uintptr_t)(ist_stack[cpu] +
						     sizeof(ist_stack[cpu]));
	host_tss[cpu].iopb = sizeof(host_tss[cpu]);
	build_gdt(cpu);
	if (cpu == 0)
		build_idt();
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"ltr %w3\n\t"
		"lidt %4"
		:
		: "m"(gdtr), "i"(HOST_CS), "r"(HOST_DS), "r"(HOST_TSS),
		  "m"(idtr)
		: "rax", "memory");
}

volatile uint32_t desc_nmi_wake[CPUS_MAX];
void (*desc_host_nmi)(uint64_t *rip);

void exc_handler(struct exc_frame *f)
{
	/* On SVM an NMI taken in host mode can only arrive where the host
	 * opened GIF on purpose: a parked CPU's wait (core/smp.c); on VT-x
	 * anywhere (desc_host_nmi). */
	/* (several may come in one window: each kick is an NMI) */
	if (f->vector == 2 && desc_nmi_wake[cpu_index()]) {
		desc_nmi_wake[cpu_index()] = 2;
		if (f->rip >= (uint64_t)(uintptr_t)smp_park_wait &&
		    f->rip < (uint64_t)(uintptr_t)smp_park_wait_end)
			f->rip = (uint64_t)(uintptr_t)smp_park_wait_end;
		return;
	}
	if (f->vector == 2 && desc_host_nmi && cpu_local_ready()) {
		desc_host_nmi(&f->rip);
		return;
	}
	panic_exception(f->vector, f->error, f->rip, f->rsp, read_cr2());
}
