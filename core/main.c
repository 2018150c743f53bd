/*
 * core/main.c - hypervisor core initialisation on the boot CPU.
 *
 *   loader --(host CR3, RDI = boot_info)--> core_entry --> core_main:
 *     log, frame allocator, capture guest-only hardware state, host
 *     GDT/TSS/IDT, FPU bracket, vendor init (VMCB, NPT), revoke the
 *     loader's execute mapping, VMRUN loop (never returns).
 */
#include "core/core.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/fpu.h"
#include "core/cpuid.h"
#include "core/gmem.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/protect.h"
#include "include/shroud/abi.h"
#include "mm/frame.h"
#include "mm/pgtable.h"

/* Lives in the core image: the isolation tests search guest-visible
 * memory for it (never found unless expose_hv_memory=yes). */
__attribute__((used)) const char hv_canary[] =
	"SHROUD-HV-CANARY:7c1e93a4f05b2d68";

extern char __core_start[], __core_end[];

static struct vcpu boot_vcpu;

/* The loader's image was mapped executable for the launch only. */
static void revoke_loader_exec(const struct boot_info *bi)
{
	struct pgt p = { bi->host_cr3, PTE_P | PTE_RW, 2, frame_pgt_alloc,
			 frame_pgt_ptr, 0 };
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

static void check_boot_info(const struct boot_info *bi)
{
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
		cpu_halt_forever();	/* no log port known yet */
}

void core_main(struct boot_info *bi)
{
	const struct vcpu_ops *ops = &svm_vcpu_ops;
	struct vcpu *v = &boot_vcpu;

	check_boot_info(bi);
	log_init(bi->log_port, (enum log_level)bi->log_level);
	log_raw("\nShroud hypervisor v%s (ABI %u.%u)\n", SHROUD_HV_VERSION_STR,
		SHROUD_ABI_MAJOR, SHROUD_ABI_MINOR);
	log_cpu();
	log_info("mem", "reserved [0x%llx-0x%llx) %llu MiB, core image %llu KiB",
		 (unsigned long long)bi->hv_base,
		 (unsigned long long)(bi->hv_base + bi->hv_size),
		 (unsigned long long)(bi->hv_size >> 20),
		 (unsigned long long)((uint64_t)(__core_end - __core_start) >> 10));
	if (bi->cpu_count > 1)
		log_warn("cpu", "%u CPUs present: only the boot CPU is "
			 "virtualized; the kernel gets nosmp", bi->cpu_count);
	frame_init(bi->heap_next, bi->heap_end);
	gmem_init(bi);
	core_current_vcpu = v;
	v->ops = ops;
	if (ops->probe() || ops->capture(v, bi))
		panic("%s: cannot start", ops->name);
	desc_init();
	fpu_init();
	if (ops->init(v, bi))
		panic("%s: initialisation failed", ops->name);
	revoke_loader_exec(bi);
	prot_init(v, bi);
	log_info("mem", "frames used %llu, free %llu",
		 (unsigned long long)frame_used(),
		 (unsigned long long)frame_free());
	ops->run(v);
	panic("run loop returned");
}
