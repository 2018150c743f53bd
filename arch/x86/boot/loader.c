/*
 * arch/x86/boot/loader.c - the UEFI loader stage of shroud.efi (GNU-EFI).
 *
 * With boot services still running it:
 *   1. reads and checks \EFI\shroud\shroud.cfg, and that the kernel and
 *      initrd it names exist (any problem: a message naming the file and
 *      line, and a return to the firmware before anything is virtualized),
 *      and measures the core image and the configuration into PCR 12
 *      (arch/x86/boot/measure.h);
 *   2. checks the CPU through the backend table (arch/x86/backend.c);
 *   3. reserves the hypervisor's memory as EfiReservedMemoryType, which
 *      Linux never reclaims, copies the core image there and builds the
 *      host page tables (identity map RW+NX, core image W^X at its link
 *      address, this loader's launch page RX for the switch);
 *   4. captures its own CPU state and jumps to the core (shroud_launch),
 *      which resumes it as the guest: from then on this code runs inside
 *      the virtual machine;
 *   5. wraps ExitBootServices (the IPI guard, and the hypervisor takes
 *      the application processors, once the firmware is done with them)
 *      and starts the Linux EFI stub with "initrd=<initrd> <cmdline>";
 *      Linux then starts its APs with INIT-SIPI-SIPI, which the
 *      hypervisor emulates: every CPU runs the guest under it.
 * virtualize=no skips 2-4: the same kernel boots without Shroud.
 * efi_main is called by gnu-efi's crt0 with the SysV ABI (not EFIAPI).
 */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/backend.h"
#include "arch/x86/boot/bootinfo.h"
#include "arch/x86/boot/config.h"
#include "arch/x86/boot/measure.h"
#include "arch/x86/cpu.h"
#include "include/shroud/abi.h"
#include "mm/pgtable.h"

#define CFG_PATH	L"\\EFI\\shroud\\shroud.cfg"
#define HV_ALIGN	PAGE_SIZE_2M

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);
extern const uint8_t core_blob[], core_blob_end[];
uint64_t shroud_launch(uint64_t *resume_regs, uint64_t host_cr3,
		       uint64_t core_entry, struct boot_info *bi);

struct heap {
	uint64_t next, end;
};

static EFI_STATUS read_file(EFI_HANDLE dev, const CHAR16 *path, char **buf,
			    UINTN *len)
{
	EFI_FILE_HANDLE root = LibOpenRoot(dev), fh;
	EFI_FILE_INFO *info;
	EFI_STATUS st;

	if (!root)
		return EFI_NOT_FOUND;
	st = uefi_call_wrapper(root->Open, 5, root, &fh, (CHAR16 *)path,
			       EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	*len = info->FileSize;
	FreePool(info);
	*buf = AllocatePool(*len + 1);
	if (!*buf) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_OUT_OF_RESOURCES;
	}
	st = uefi_call_wrapper(fh->Read, 3, fh, len, *buf);
	uefi_call_wrapper(fh->Close, 1, fh);
	if (!EFI_ERROR(st))
		(*buf)[*len] = 0;
	return st;
}

static CHAR16 *to_ucs2(const char *s)
{
	UINTN n = strlena((const CHAR8 *)s), i;
	CHAR16 *w = AllocatePool((n + 1) * sizeof(CHAR16));

	if (!w)
		return NULL;
	for (i = 0; i < n; i++)
		w[i] = (CHAR16)(unsigned char)s[i];
	w[n] = 0;
	return w;
}

/*
 * Measured launch (arch/x86/boot/measure.h): the core image, then the
 * configuration bytes as read, into SHROUD_PCR. *tpm says whether there
 * was a TPM to measure into.
 */
static EFI_STATUS measure_launch(const char *cfg, UINTN cfg_len, bool *tpm)
{
	TCG2_PROTOCOL *t = tcg2_find();
	EFI_STATUS st;

	*tpm = t != NULL;
	if (!t) {
		Print(L"shroud: no TPM (EFI_TCG2_PROTOCOL absent or no TPM "
		      L"present): launch not measured\n");
		return EFI_SUCCESS;
	}
	st = measure_extend(t, core_blob, (UINT64)(core_blob_end - core_blob),
			    "Shroud hypervisor core");
	if (!EFI_ERROR(st))
		st = measure_extend(t, cfg, cfg_len, "Shroud shroud.cfg");
	if (EFI_ERROR(st)) {
		Print(L"shroud: TPM measurement into PCR %u failed: %r\n",
		      SHROUD_PCR, st);
		return st;
	}
	Print(L"shroud: measured core (%lu bytes) and shroud.cfg (%lu bytes) "
	      L"into PCR %u\n", (UINT64)(core_blob_end - core_blob),
	      (UINT64)cfg_len, SHROUD_PCR);
	return EFI_SUCCESS;
}

static EFI_STATUS load_config(EFI_HANDLE dev, struct shroud_cfg *cfg,
			      bool *tpm)
{
	struct cfg_error err;
	char *buf;
	UINTN len;
	EFI_STATUS st = read_file(dev, CFG_PATH, &buf, &len);

	if (EFI_ERROR(st)) {
		Print(L"shroud: cannot read %s: %r\n", CFG_PATH, st);
		return st;
	}
	st = measure_launch(buf, len, tpm);
	if (EFI_ERROR(st)) {
		FreePool(buf);
		return st;
	}
	if (cfg_parse(buf, len, cfg, &err)) {
		if (err.line)
			Print(L"shroud: %s line %u: %a%a%a\n", CFG_PATH,
			      err.line, err.msg, err.key[0] ? ": " : "",
			      err.key);
		else
			Print(L"shroud: %s: %a: %a\n", CFG_PATH, err.msg,
			      err.key);
		FreePool(buf);
		return EFI_INVALID_PARAMETER;
	}
	FreePool(buf);
	return EFI_SUCCESS;
}

/* The kernel and initrd must exist before anything is virtualized. */
static EFI_STATUS check_file(EFI_HANDLE dev, const char *path, const char *what)
{
	CHAR16 *w = to_ucs2(path);
	EFI_FILE_HANDLE root = LibOpenRoot(dev), fh;
	EFI_STATUS st;

	if (!w || !root)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(root->Open, 5, root, &fh, w, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		Print(L"shroud: %s: %a %a not found: %r\n", CFG_PATH, what,
		      path, st);
	else
		uefi_call_wrapper(fh->Close, 1, fh);
	FreePool(w);
	return st;
}

/* The same backend table and probes as the core (arch/x86/backend.c). */
static int check_cpu(void)
{
	const char *why;
	const struct vcpu_backend *be = vcpu_backend_pick(&why);

	if (!be) {
		Print(L"shroud: %a; nothing is virtualized\n", why);
		return -ENG_ENODEV;
	}
	Print(L"shroud: backend %a\n", be->name);
	return 0;
}

static int ram_type(UINT32 t)
{
	switch (t) {
	case EfiLoaderCode: case EfiLoaderData: case EfiBootServicesCode:
	case EfiBootServicesData: case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData: case EfiConventionalMemory:
	case EfiACPIReclaimMemory: case EfiACPIMemoryNVS:
		return 1;
	default:
		return 0;
	}
}

/* Guest RAM ranges and the top of RAM from the UEFI memory map. */
static EFI_STATUS scan_memory_map(struct boot_info *bi)
{
	UINTN n, key, dsize, i;
	UINT32 dver;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &dsize, &dver), *d;

	if (!map)
		return EFI_OUT_OF_RESOURCES;
	bi->ram_count = 0;
	for (i = 0, d = map; i < n; i++, d = NextMemoryDescriptor(d, dsize)) {
		uint64_t base = d->PhysicalStart, size = d->NumberOfPages << 12;
		struct bi_ram_range *last = bi->ram_count ?
			&bi->ram[bi->ram_count - 1] : NULL;

		if (!ram_type(d->Type))
			continue;
		if (base + size > bi->mem_top)
			bi->mem_top = base + size;
		if (last && last->base + last->size == base) {
			last->size += size;
		} else if (bi->ram_count < BI_RAM_RANGES_MAX) {
			bi->ram[bi->ram_count].base = base;
			bi->ram[bi->ram_count].size = size;
			bi->ram_count++;
		}
	}
	FreePool(map);
	return EFI_SUCCESS;
}

static uint64_t heap_alloc(void *ctx)
{
	struct heap *h = ctx;
	uint64_t pa = h->next;

	if (h->end - h->next < PAGE_SIZE_4K)
		return 0;
	h->next += PAGE_SIZE_4K;
	ZeroMem((void *)(uintptr_t)pa, PAGE_SIZE_4K);
	return pa;
}

static void *identity_ptr(void *ctx, uint64_t hpa)
{
	(void)ctx;
	return (void *)(uintptr_t)hpa;
}

static EFI_STATUS alloc_hv_memory(const struct shroud_cfg *cfg,
				  uint64_t *base, uint64_t *size)
{
	uint64_t want = (uint64_t)cfg->hv_memory_mb << 20;
	UINTN pages = (UINTN)((want + HV_ALIGN) >> 12);
	EFI_PHYSICAL_ADDRESS a = 0;
	uint64_t aligned;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages,
			       EfiReservedMemoryType, pages, &a);
	if (EFI_ERROR(st)) {
		Print(L"shroud: cannot reserve %u MiB for the hypervisor: %r\n",
		      cfg->hv_memory_mb, st);
		return st;
	}
	aligned = (a + HV_ALIGN - 1) & ~(HV_ALIGN - 1);
	/* Give back the slack around the 2 MiB aligned region. */
	if (aligned > a)
		uefi_call_wrapper(BS->FreePages, 2, a, (aligned - a) >> 12);
	if (a + ((uint64_t)pages << 12) > aligned + want)
		uefi_call_wrapper(BS->FreePages, 2, aligned + want,
				  (a + ((uint64_t)pages << 12) - aligned - want) >> 12);
	*base = aligned;
	*size = want;
	return EFI_SUCCESS;
}

static const struct core_header *core_hdr(void)
{
	return (const struct core_header *)(const void *)core_blob;
}

/* Copy the core image to the start of the reserved region, zero its bss. */
static EFI_STATUS place_core(uint64_t hv_base, uint64_t hv_size,
			     struct heap *h)
{
	const struct core_header *ch = core_hdr();
	uint64_t file = (uint64_t)(core_blob_end - core_blob);
	uint64_t image = ch->bss_end - CORE_LINK_BASE;

	if (ch->magic != CORE_HEADER_MAGIC || image < file ||
	    image > hv_size / 2) {
		Print(L"shroud: embedded core image is malformed\n");
		return EFI_LOAD_ERROR;
	}
	CopyMem((void *)(uintptr_t)hv_base, core_blob, file);
	ZeroMem((void *)(uintptr_t)(hv_base + file), image - file);
	h->next = hv_base + ((image + 0xfff) & ~0xfffull);
	h->end = hv_base + hv_size;
	return EFI_SUCCESS;
}

static int map_core(struct pgt *p, const struct boot_info *bi, uint64_t nx)
{
	const struct core_header *ch = core_hdr();
	const uint64_t b = CORE_LINK_BASE, pa = bi->hv_base;
	int rc;

	rc = pgt_map(p, b, pa, ch->text_end - b, PTE_P);
	rc = rc ? rc : pgt_map(p, ch->text_end, pa + (ch->text_end - b),
			       ch->rodata_end - ch->text_end, PTE_P | nx);
	rc = rc ? rc : pgt_map(p, ch->rodata_end, pa + (ch->rodata_end - b),
			       ch->bss_end - ch->rodata_end, PTE_P | PTE_RW | nx);
	return rc;
}

/*
 * Host page tables: identity map of [0, phys_top) RW (+NX), the core at its
 * link address W^X, and the launch trampoline's pages RX.
 */
static EFI_STATUS build_host_tables(struct boot_info *bi, struct heap *h)
{
	int has_nx = !!(cpuid(0x80000001).edx & (1u << 20));
	uint64_t nx = has_nx ? PTE_NX : 0;
	uint64_t tramp = (uint64_t)(uintptr_t)&shroud_launch & ~0xfffull;
	struct pgt p = { 0, PTE_P | PTE_RW,
			 (cpuid(0x80000001).edx & (1u << 26)) ? 3u : 2u,
			 heap_alloc, identity_ptr, h, 0 };
	int rc;

	p.root = heap_alloc(h);
	if (!p.root)
		return EFI_OUT_OF_RESOURCES;
	bi->phys_top = bi->mem_top > (4ull << 30) ? bi->mem_top : (4ull << 30);
	bi->phys_top = (bi->phys_top + PAGE_SIZE_1G - 1) & ~(PAGE_SIZE_1G - 1);
	rc = pgt_map(&p, 0, 0, bi->phys_top, PTE_P | PTE_RW | nx);
	rc = rc ? rc : map_core(&p, bi, nx);
	rc = rc ? rc : pgt_map(&p, tramp, tramp, 2 * PAGE_SIZE_4K, PTE_P);
	if (rc) {
		Print(L"shroud: building the host page tables failed (%d)\n", rc);
		return EFI_OUT_OF_RESOURCES;
	}
	if (has_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	bi->host_cr3 = p.root;
	bi->loader_exec_base = tramp;
	bi->loader_exec_size = 2 * PAGE_SIZE_4K;
	return EFI_SUCCESS;
}

/* Segment state from the firmware's GDT (bootinfo.h: struct bi_segment). */
static void capture_segment(struct bi_segment *s, uint16_t sel,
			    const struct desc_ptr *gdtr)
{
	uint64_t d, limit;

	s->selector = sel;
	if (!(sel & ~3u) || (sel & 4u) || (sel | 7u) > gdtr->limit) {
		s->ar = 0;
		s->limit = 0;
		s->base = 0;
		return;
	}
	d = *(const uint64_t *)(uintptr_t)(gdtr->base + (sel & ~7u));
	s->ar = (uint16_t)((d >> 40) & 0xf0ff);
	limit = (d & 0xffff) | ((d >> 32) & 0xf0000);
	if (d & (1ull << 55))
		limit = (limit << 12) | 0xfff;
	s->limit = (uint32_t)limit;
	s->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
}

static void capture_guest_state(struct bi_guest_state *g)
{
	struct desc_ptr gdtr = read_gdtr(), idtr = read_idtr();

	g->cr0 = read_cr0();
	g->cr3 = read_cr3();
	g->cr4 = read_cr4();
	g->efer = rdmsr(MSR_EFER);
	g->pat = rdmsr(MSR_PAT);
	g->gdtr_base = gdtr.base;
	g->gdtr_limit = gdtr.limit;
	g->idtr_base = idtr.base;
	g->idtr_limit = idtr.limit;
	capture_segment(&g->cs, read_cs(), &gdtr);
	capture_segment(&g->ss, read_ss(), &gdtr);
	capture_segment(&g->ds, read_ds(), &gdtr);
	capture_segment(&g->es, read_es(), &gdtr);
}

/* UEFI PI Vol. 2, 13.4 EFI_MP_SERVICES_PROTOCOL (the members used). */
struct mp_cpu_info {
	UINT64 processor_id;		/* the local APIC ID */
	UINT32 status;			/* bit 0 BSP, bit 1 enabled, bit 2 healthy */
	UINT32 package, core, thread;
};

struct mp_services {
	EFI_STATUS (EFIAPI *get_count)(void *self, UINTN *all, UINTN *enabled);
	EFI_STATUS (EFIAPI *get_info)(void *self, UINTN n,
				      struct mp_cpu_info *info);
};

/* The processors and their APIC IDs, the boot CPU first (boot_info). */
static void find_cpus(struct boot_info *bi)
{
	static EFI_GUID mp_guid = { 0x3fdda605, 0xa76e, 0x4f46,
		{ 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } };
	struct mp_services *mp = NULL;
	struct mp_cpu_info info;
	UINTN all = 1, enabled = 1, i;
	uint32_t n = 1;

	bi->cpu_count = 1;
	bi->apic_count = 1;
	bi->apic_id[0] = (uint32_t)(*(volatile uint32_t *)(uintptr_t)
		((rdmsr(MSR_APIC_BASE) & ~0xfffull) + 0x20) >> 24);
	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) || !mp)
		return;
	if (EFI_ERROR(uefi_call_wrapper(mp->get_count, 3, mp, &all, &enabled)))
		return;
	bi->cpu_count = (uint32_t)all;
	for (i = 0; i < all; i++) {
		if (EFI_ERROR(uefi_call_wrapper(mp->get_info, 3, mp, i, &info)))
			continue;
		if (info.status & 1u)
			bi->apic_id[0] = (uint32_t)info.processor_id;
		else if ((info.status & 2u) && n < BI_CPUS_MAX)
			bi->apic_id[n++] = (uint32_t)info.processor_id;
	}
	bi->apic_count = n;
}

/* Two pages below 1 MiB for the APs' start-up code (a SIPI vector is a
 * page number below 0x100); none: the hypervisor runs one CPU. */
static void alloc_ap_tramp(struct boot_info *bi)
{
	EFI_PHYSICAL_ADDRESS pa = 0x9ffff;

	bi->ap_tramp_pa = 0;
	if (bi->apic_count < 2)
		return;
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress,
					EfiReservedMemoryType, 2, &pa))) {
		Print(L"shroud: no memory below 1 MiB for the APs\n");
		return;
	}
	bi->ap_tramp_pa = pa;
}

static EFI_STATUS virtualize(const struct shroud_cfg *cfg)
{
	struct boot_info *bi;
	struct heap h;
	uint64_t base, size, rc;
	EFI_STATUS st;

	if (check_cpu())
		return EFI_UNSUPPORTED;
	st = alloc_hv_memory(cfg, &base, &size);
	if (EFI_ERROR(st))
		return st;
	st = place_core(base, size, &h);
	if (EFI_ERROR(st))
		return st;
	_Static_assert(sizeof(*bi) <= PAGE_SIZE_4K, "boot_info fits a frame");
	bi = (struct boot_info *)(uintptr_t)heap_alloc(&h);
	if (!bi)
		return EFI_OUT_OF_RESOURCES;
	bi->hv_base = base;
	bi->hv_size = size;
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->log_level = cfg->log_level;
	bi->log_port = cfg->log_port;
	bi->expose_hv_memory = cfg->expose_hv_memory;
	bi->reset_wipe = cfg->reset_wipe;
	bi->shootdown = cfg->shootdown;
	bi->self_check = cfg->self_check;
	find_cpus(bi);
	alloc_ap_tramp(bi);
	st = scan_memory_map(bi);
	if (EFI_ERROR(st))
		return st;
	capture_guest_state(&bi->guest);
	st = build_host_tables(bi, &h);
	if (EFI_ERROR(st))
		return st;
	bi->heap_next = h.next;
	bi->heap_end = h.end;
	Print(L"shroud: hypervisor memory [0x%lx-0x%lx), log on port 0x%x\n",
	      base, base + size, (UINTN)cfg->log_port);
	rc = shroud_launch(&bi->guest.rflags, bi->host_cr3, core_hdr()->entry, bi);
	return rc ? EFI_LOAD_ERROR : EFI_SUCCESS;
}

/* "initrd=<initrd> <cmdline>[ <hardened profile>]" as the EFI stub's
 * load options. */
static CHAR16 *kernel_options(const struct shroud_cfg *cfg)
{
	static char opts[CFG_PATH_MAX + CFG_CMDLINE_MAX + 96];
	UINTN n = 0;
	const char *parts[7] = { cfg->initrd[0] ? "initrd=" : "", cfg->initrd,
				 cfg->initrd[0] ? " " : "", cfg->cmdline,
				 "", cfg->hardened ? HARDENED_CMDLINE : "",
				 cfg->kernel_lock ? " shroud.klock=1" : "" };
	unsigned i;

	for (i = 0; i < 7; i++) {
		const char *s = parts[i];

		while (*s && n < sizeof(opts) - 1)
			opts[n++] = *s++;
	}
	opts[n] = 0;
	return to_ucs2(opts);
}

static EFI_STATUS start_kernel(EFI_HANDLE image, EFI_HANDLE dev,
			       const struct shroud_cfg *cfg)
{
	CHAR16 *path = to_ucs2(cfg->kernel), *opts = kernel_options(cfg);
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE kh = NULL;
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS st;

	if (!path || !opts)
		return EFI_OUT_OF_RESOURCES;
	dp = FileDevicePath(dev, path);
	st = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, dp, NULL, 0, &kh);
	if (EFI_ERROR(st)) {
		Print(L"shroud: cannot load kernel %s: %r\n", path, st);
		return st;
	}
	st = uefi_call_wrapper(BS->HandleProtocol, 3, kh,
			       &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	li->LoadOptions = opts;
	li->LoadOptionsSize = (UINT32)((StrLen(opts) + 1) * sizeof(CHAR16));
	Print(L"shroud: starting %s %s\n", path, opts);
	st = uefi_call_wrapper(BS->StartImage, 3, kh, NULL, NULL);
	Print(L"shroud: kernel returned: %r\n", st);
	return st;
}

/*
 * The IPI guard (SHROUD_HC_GUARD_IPIS, include/shroud/abi.h) is armed
 * when the firmware's ExitBootServices has returned: the firmware has then
 * woken and parked its application processors for the last time, and the
 * next code to run is the kernel's.  ExitBootServices is wrapped in the
 * boot services table (UEFI 2.9, 4.4 "EFI Boot Services Table": the
 * table's CRC32 is recomputed).  Linux's EFI stub calls it; a failed call
 * (a stale map key) arms nothing, the retry does.
 */
static EFI_EXIT_BOOT_SERVICES firmware_ebs;

static uint64_t loader_hypercall(uint64_t nr)
{
	struct cpuid_regs id = cpuid(0);
	uint64_t rax = nr, rbx = 0, rcx = 0, rdx = 0, rsi = 0;

	/* "GenuineIntel": VMCALL (VT-x), else VMMCALL (AMD-V) */
	if (id.ebx == 0x756e6547u && id.edx == 0x49656e69u &&
	    id.ecx == 0x6c65746eu)
		__asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx),
				 "+d"(rdx), "+S"(rsi) : : "memory");
	else
		__asm__ volatile("vmmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx),
				 "+d"(rdx), "+S"(rsi) : : "memory");
	return rax;
}

static EFI_STATUS EFIAPI guarded_ebs(EFI_HANDLE image, UINTN map_key)
{
	EFI_STATUS st = firmware_ebs(image, map_key);

	if (!EFI_ERROR(st))
		loader_hypercall(SHROUD_HC_GUARD_IPIS);	/* no Print: no
							 * boot services */
	return st;
}

static void wrap_exit_boot_services(void)
{
	firmware_ebs = BS->ExitBootServices;
	BS->ExitBootServices = guarded_ebs;
	BS->Hdr.CRC32 = 0;
	uefi_call_wrapper(BS->CalculateCrc32, 3, BS, BS->Hdr.HeaderSize,
			  &BS->Hdr.CRC32);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *self = NULL;
	struct shroud_cfg cfg;
	EFI_STATUS st;
	bool tpm = false;

	InitializeLib(image, systab);
	Print(L"Shroud loader v0.1.0\n");
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &LoadedImageProtocol, (void **)&self);
	if (EFI_ERROR(st))
		return st;
	st = load_config(self->DeviceHandle, &cfg, &tpm);
	if (EFI_ERROR(st))
		return st;
	st = check_file(self->DeviceHandle, cfg.kernel, "kernel");
	if (!EFI_ERROR(st) && cfg.initrd[0])
		st = check_file(self->DeviceHandle, cfg.initrd, "initrd");
	if (EFI_ERROR(st))
		return st;
	if (cfg.virtualize) {
		st = virtualize(&cfg);
		if (EFI_ERROR(st)) {
			Print(L"shroud: not virtualized, not booting (%r)\n", st);
			return st;
		}
		Print(L"shroud: running under the hypervisor\n");
		wrap_exit_boot_services();
	} else {
		Print(L"shroud: virtualize=no: booting without the hypervisor\n");
	}
	return start_kernel(image, self->DeviceHandle, &cfg);
}
