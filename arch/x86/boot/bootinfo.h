/*
 * arch/x86/boot/bootinfo.h - the hand-over from the UEFI loader stage to the
 * hypervisor core, and the header the core image carries for the loader.
 *
 * The loader copies the core image (build/core.bin, linked by linker.ld at
 * CORE_LINK_BASE) to the start of the hypervisor's reserved memory, builds
 * the host page tables there, fills a struct boot_info inside the same
 * reserved memory and jumps to core_header.entry with the boot_info's
 * address (identity-mapped) in RDI.  Both sides are built from this header;
 * BOOT_INFO_VERSION changes whenever its layout does.
 */
#ifndef ARCH_X86_BOOT_BOOTINFO_H
#define ARCH_X86_BOOT_BOOTINFO_H

#include <stdint.h>

#define CORE_LINK_BASE		0xffffffff80000000ull
#define CORE_HEADER_MAGIC	0x45524f4344524853ull	/* "SHRDCORE" */
#define BOOT_INFO_MAGIC		0x4f464e4944524853ull	/* "SHRDINFO" */
#define BOOT_INFO_VERSION	4u

/* First bytes of the core image.  All addresses are link-time virtual
 * addresses (CORE_LINK_BASE + offset); every boundary is 4 KiB aligned. */
struct core_header {
	uint64_t magic;		/* CORE_HEADER_MAGIC */
	uint64_t entry;		/* core_entry: SysV ABI, RDI = boot_info * */
	uint64_t text_end;	/* [base, text_end): RX */
	uint64_t rodata_end;	/* [text_end, rodata_end): R, NX */
	uint64_t data_end;	/* [rodata_end, data_end): RW, NX, in file */
	uint64_t bss_end;	/* [data_end, bss_end): RW, NX, zeroed by loader */
};

/* A segment register, vendor-neutral: @ar holds bits 40-55 of the
 * descriptor (type, S, DPL, P in 7:0; AVL, L, D/B, G in 15:12; bits 11:8,
 * the limit's top, are 0), as Intel's VMCS access-rights field has them
 * (SDM Vol. 3C 24.4.1); the SVM backend packs them for the VMCB. */
struct bi_segment {
	uint16_t selector;
	uint16_t ar;		/* access rights, 0 for a null selector */
	uint32_t limit;
	uint64_t base;
};

/* CPU state of the loader at the launch point: becomes the guest state. */
struct bi_guest_state {
	uint64_t cr0, cr3, cr4, efer, pat;
	uint64_t rflags, rip, rsp;	/* filled by the launch trampoline */
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	struct bi_segment es, cs, ss, ds;
};

/* A range of guest RAM from the UEFI memory map (anything that is not MMIO
 * or unusable), merged with its neighbours; the hypervisor reads guest
 * memory only inside these ranges, never MMIO. */
struct bi_ram_range {
	uint64_t base, size;
};

#define BI_RAM_RANGES_MAX	64
#define BI_CPUS_MAX		8	/* = CPUS_MAX (arch/x86/percpu.h) */

struct boot_info {
	uint64_t magic;			/* BOOT_INFO_MAGIC */
	uint32_t version;		/* BOOT_INFO_VERSION */
	uint32_t log_level;		/* LOG_ERROR..LOG_DEBUG (base/log.h) */
	uint16_t log_port;		/* 16550 I/O base of the hypervisor log */
	uint16_t expose_hv_memory;	/* testing only: map hv memory into guest */
	uint32_t cpu_count;		/* processors the firmware reported */
	uint64_t hv_base, hv_size;	/* reserved region (HPA), 2 MiB aligned */
	uint64_t heap_next, heap_end;	/* free frames left for the core (HPA) */
	uint64_t host_cr3;		/* PML4 the loader built (HPA) */
	uint64_t loader_exec_base;	/* loader image mapped RX for the launch; */
	uint64_t loader_exec_size;	/* the core revokes execute after launch */
	uint64_t phys_top;		/* end of the host identity map */
	uint64_t mem_top;		/* end of the highest RAM range in the UEFI map */
	uint32_t ram_count;
	uint32_t reset_wipe;		/* 0: testing only, see shroud.cfg */
	struct bi_ram_range ram[BI_RAM_RANGES_MAX];
	struct bi_guest_state guest;
	/* Local APIC IDs of the first BI_CPUS_MAX enabled processors, the boot
	 * CPU first (UEFI PI Vol. 2, 13.4 EFI_MP_SERVICES_PROTOCOL
	 * GetProcessorInfo: ProcessorId); apic_count of them are valid. */
	uint32_t apic_id[BI_CPUS_MAX];
	uint32_t apic_count;
	uint32_t shootdown;		/* 0: testing only, see shroud.cfg */
	/* Two 4 KiB pages below 1 MiB (EfiReservedMemoryType) for the AP
	 * start-up code and its data, or 0 if there are none (no SMP). */
	uint64_t ap_tramp_pa;
	uint32_t self_check;		/* 1: testing only, see shroud.cfg */
};

#endif /* ARCH_X86_BOOT_BOOTINFO_H */
