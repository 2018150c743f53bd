/*
 * core/main.c - hypervisor core initialisation on the boot CPU.
 *
 *   loader --(host CR3, RDI = boot_info)--> core_entry --> core_main:
 *     log, backend probe (arch/x86/backend.c), frame allocator, capture
 *     guest-only hardware state, host GDT/TSS/IDT, FPU bracket, the
 *     guest-physical map, backend init (VMCB/VMCS), revoke the loader's
 *     execute mapping, protection layer, run loop (never returns).
 */
#include "core/core.h"
#include "arch/x86/backend.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/fpu.h"
#include "base/lib.h"
#include "base/log.h"
#include "base/panic.h"
#include "core/cpuid.h"
#include "core/smp.h"
#include "arch/x86/percpu.h"
#include "drivers/uart16550.h"
#include "include/shroud/abi.h"
#include "mm/frame.h"
#include "mm/gmem.h"
#include "mm/gpmap.h"
#include "mm/pgtable.h"
#include "prot/protect.h"

/* Lives in the core image: the isolation tests search guest-visible
 * memory for it (never found unless expose_hv_memory=yes). */
__attribute__((used)) const char hv_canary[] =
	"SHROUD-HV-CANARY:7c1e93a4f05b2d68";

extern char __core_start[], __core_end[], host_stack_top[];

#define GPM_MAX_BITS	40u	/* map at most 1 TiB of guest-physical space */

uint16_t core_log_port;
uint64_t core_hv_base, core_hv_end, core_phys_top;
bool core_reset_wipe = true;
const struct boot_info *core_bi;

/* The loader's image was mapped executable for the launch only. */
static void revoke_loader_exec(const struct boot_info *bi)
{
	struct pgt p = { bi->host_cr3, PTE_P | PTE_RW, 2, frame_pgt_alloc,
			 frame_pgt_ptr, 0, 0 };
	uint64_t base = bi->loader_exec_base & ~0xfffull;
	uint64_t end = ALIGN_UP(bi->loader_exec_base + bi->loader_exec_size,
				0x1000);

	if (!bi->loader_exec_size)
		return;
	if (pgt_map(&p, base, base, end - base, PTE_P | PTE_RW | PTE_NX))
		panic("cannot revoke the loader's execute mapping");
	write_cr3(read_cr3());
	/* Hedron's habit: no host mapping is both writable and executable
	 * (a CPU without NX cannot have that; the loader then maps no NX). */
	if (!(cpuid(0x80000001).edx & (1u << 20))) {
		log_warn("mem", "no NX: host mappings cannot be W^X");
		return;
	}
	if (pgt_count_wx(&p))
		panic("host page tables have %llu W+X mappings",
		      (unsigned long long)pgt_count_wx(&p));
	log_info("mem", "host page tables: W^X holds");
}

static void log_cpu(void)
{
	struct cpuid_regs v = cpuid(0), l1 = cpuid(1), l7 = cpuid_count(7, 0);
	struct cpuid_regs e1 = cpuid(0x80000001);
	char vendor[13];

	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = 0;
	log_info("cpu", "%s family 0x%x, features:%s%s%s%s%s%s%s%s", vendor,
		 ((l1.eax >> 8) & 0xf) + ((l1.eax >> 20) & 0xff),
		 (e1.ecx & (1u << 2)) ? " svm" : "",
		 (l1.ecx & (1u << 5)) ? " vmx" : "",
		 (l1.ecx & (1u << 25)) ? " aes" : "",
		 (l7.ecx & (1u << 9)) ? " vaes" : "",
		 (l1.ecx & (1u << 26)) ? " xsave" : "",
		 (l1.ecx & (1u << 30)) ? " rdrand" : "",
		 (l7.ebx & (1u << 18)) ? " rdseed" : "",
		 (e1.edx & (1u << 26)) ? " pdpe1gb" : "");
}

/* This CPU's XSAVE area for the host bracket (arch/x86/fpu.h). */
static void bind_fpu(struct vcpu *v)
{
	v->fpu = hpa_ptr(frame_alloc_contig((sizeof(struct fpu_state) + 4095) / 4096));
	if (!v->fpu)
		panic("cpu %u: no frames for the FPU save area", v->id);
	fpu_bind(v->fpu);
}

static void check_boot_info(const struct boot_info *bi)
{
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
		halt_forever();	/* no log port known yet */
}

static void log_putc(char c)
{
	uart_putc(core_log_port, c);
}

/* panic(): host control registers and the guest state of this CPU. */
static void panic_dump(void)
{
	log_raw("  host cr0 %016llx cr3 %016llx cr4 %016llx\n",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		(unsigned long long)read_cr4());
	struct vcpu *v = cpu_local_ready() && cpu_local()->owner ?
			 &this_pcpu()->vcpu : NULL;

	smp_stop_others();
	if (v && v->ops) {
		log_raw("  cpu %u, guest state at the last #VMEXIT:\n", v->id);
		v->ops->dump(v);
	}
}

static void init_gmem(const struct boot_info *bi)
{
	uint32_t i, n = bi->ram_count < BI_RAM_RANGES_MAX ? bi->ram_count :
		BI_RAM_RANGES_MAX;

	gmem_reset();
	for (i = 0; i < n; i++)
		if (gmem_add_ram(bi->ram[i].base, bi->ram[i].size))
			panic("too many RAM ranges (%u)", n);
	gmem_set_hidden(bi->hv_base, bi->hv_size);
}

/* The guest-physical maps, one per CPU: identity over [0, top) with the
 * largest leaves the CPU walks, the hypervisor's own region hidden
 * (mm/gpmap.h, core/smp.h). */
static void build_gpmap(const struct vcpu_ops *ops, const struct boot_info *bi)
{
	unsigned bits = cpuid(0x80000008).eax & 0xff;
	uint64_t top, before = frame_used();

	if (bits < 32 || bits > GPM_MAX_BITS)
		bits = GPM_MAX_BITS;
	top = 1ull << bits;
	smp_build_views(ops, top, bi);
	if (bi->expose_hv_memory)
		log_warn("gpm", "expose_hv_memory=yes: hypervisor memory is "
			 "visible to the guest (testing only)");
	log_info("gpm", "%s identity map [0x0-0x%llx) with %s pages, "
		 "hypervisor [0x%llx-0x%llx) %s, %u view(s), %llu table frames",
		 ops->gpm_format->name, (unsigned long long)top,
		 ops->gpm_max_level() == 3 ? "1 GiB" : "2 MiB",
		 (unsigned long long)bi->hv_base,
		 (unsigned long long)(bi->hv_base + bi->hv_size),
		 bi->expose_hv_memory ? "EXPOSED" : "hidden", core_ncpus,
		 (unsigned long long)(frame_used() - before));
}

void core_main(struct boot_info *bi)
{
	const struct vcpu_backend *be;
	const struct vcpu_ops *ops;
	struct pcpu *p = &core_cpus[0];
	struct vcpu *v = &p->vcpu;
	const char *why;

	check_boot_info(bi);
	core_log_port = bi->log_port;
	core_hv_base = bi->hv_base;
	core_hv_end = bi->hv_base + bi->hv_size;
	core_phys_top = bi->phys_top;
	core_reset_wipe = bi->reset_wipe != 0;
	core_bi = bi;
	uart_init(core_log_port);
	log_init(log_putc, (enum log_level)bi->log_level);
	panic_set_dump(panic_dump);
	log_raw("\nShroud hypervisor v%s (ABI %u.%u)\n", SHROUD_HV_VERSION_STR,
		SHROUD_ABI_MAJOR, SHROUD_ABI_MINOR);
	log_cpu();
	log_info("mem", "reserved [0x%llx-0x%llx) %llu MiB, core image %llu KiB",
		 (unsigned long long)bi->hv_base,
		 (unsigned long long)(bi->hv_base + bi->hv_size),
		 (unsigned long long)(bi->hv_size >> 20),
		 (unsigned long long)((uint64_t)(__core_end - __core_start) >> 10));
	log_info("cpu", "%u CPU(s), boot CPU APIC ID %u", bi->cpu_count,
		 bi->apic_id[0]);
	be = vcpu_backend_pick(&why);
	if (!be || !be->ops)
		panic("no virtualization backend: %s", why);
	ops = be->ops;
	frame_init(bi->heap_next, bi->heap_end);
	init_gmem(bi);
	v->ops = ops;
	v->id = 0;
	v->decode_warn_budget = 16;
	if (ops->capture(v, bi))
		panic("%s: cannot start", ops->name);
	desc_init(0);
	/* after the capture (the guest's GS) and desc_init (a null GS) */
	cpu_local_install(0, bi->apic_id[0]);
	cpu_locals[0].owner = p;
	log_set_cpu(cpu_index);
	p->state = PCPU_RUNNING;
	fpu_init();
	bind_fpu(v);
	v->host_stack_top = host_stack_top;
	build_gpmap(ops, bi);
	v->gpm = &p->gpm;
	if (ops->init(v, bi))
		panic("%s: initialisation failed", ops->name);
	core_intercept_reset_ports(v);
	core_guard_ipis();
	if (!core_reset_wipe)
		log_warn("cpu", "reset_wipe = no: a reset leaves keys and clear "
			 "frames in RAM (testing only)");
	revoke_loader_exec(bi);
	prot_set_shootdown(smp_shootdown);
	prot_init(bi);
	v->prot = prot_cpu_init(v->id, v->gpm);
	log_info("mem", "frames used %llu, free %llu",
		 (unsigned long long)frame_used(),
		 (unsigned long long)frame_free());
	if (bi->self_check)
		smp_pt_watch_arm();
	vcpu_run(v);
}

/* An AP, from arch/x86/ap_tramp.S on its own stack, in long mode on the
 * host's page tables, interrupts off (core/smp.c started it). */
__attribute__((noreturn)) void core_ap_main(uint32_t index);
void core_ap_main(uint32_t index)
{
	struct pcpu *p = &core_cpus[index];
	struct vcpu *v = &p->vcpu;

	smp_ap_early(p);	/* host state like the boot CPU's, the key */
	v->id = index;
	fpu_init();
	bind_fpu(v);
	v->ops = core_cpus[0].vcpu.ops;
	v->decode_warn_budget = 16;
	v->gpm = &p->gpm;
	v->host_stack_top = p->stack_top;
	if (v->ops->init_ap(v, core_log_port))
		panic("cpu %u: %s initialisation failed", index, v->ops->name);
	core_intercept_reset_ports(v);
	core_ap_guard(v);
	v->prot = prot_cpu_init(index, v->gpm);
	__atomic_store_n(&p->state, PCPU_WAIT_SIPI, __ATOMIC_RELEASE);
	vcpu_run(v);
}
