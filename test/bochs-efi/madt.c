/*
 * test/bochs-efi/madt.c - bochs-madt.efi: give Linux the CPUs of a Bochs
 * machine, then chain to \EFI\shroud\shroud.efi.  Test-rig only: never on
 * a real ESP.
 *
 * OVMF running on Bochs has no fw_cfg, so it publishes no ACPI tables at
 * all; Linux then finds neither a MADT nor MP tables and runs on the boot
 * CPU alone.  scripts/bochs.py (cpus > 1) makes this program the ESP's
 * \EFI\BOOT\BOOTX64.EFI and moves shroud.efi to \EFI\shroud\shroud.efi.
 * It
 *   1. counts the CPUs with the MP services protocol (their local APIC IDs,
 *      disabled ones skipped);
 *   2. if the configuration table already holds an ACPI 2.0 RSDP whose
 *      XSDT lists a MADT, changes nothing;
 *   3. otherwise publishes a MADT: through EFI_ACPI_TABLE_PROTOCOL when
 *      the firmware has it (the firmware then builds and installs the
 *      RSDP/XSDT itself), else as its own RSDP -> XSDT -> MADT (plus the
 *      existing XSDT's entries, if an RSDP without a MADT was there) in
 *      EfiACPIReclaimMemory, installed under ACPI_20_TABLE_GUID;
 *   4. prints one line and starts shroud.efi from the device it was
 *      itself loaded from.
 *
 * The MADT holds the local APIC address 0xFEE00000, PCAT_COMPAT (the
 * 8259s are there: Linux keeps the PIT on IRQ0 through them) and one
 * enabled Processor Local APIC entry per CPU (x2APIC entry for an APIC ID
 * of 255 and up), nothing else: no I/O APIC entry and no FADT.  That is
 * enough for Linux 6.1 to start the APs (tried in Bochs 2.7 with
 * corei7_skylake_x and ryzen, with and without the hypervisor); the device
 * interrupts stay on the 8259s (XT-PIC) as in a one-CPU boot without
 * tables, the ticks come from each CPU's local APIC timer.  Without an
 * FADT Linux logs "AcpiEnable failed", "Unable to enable ACPI" and later
 * "Interpreter disabled", and takes SCI = IRQ 0 ("setting ELCR to 0001"):
 * harmless here, nothing needs the ACPI interpreter or the PIT's IRQ 0
 * once the local APIC timers run.
 *
 * Sources (written from the specifications, no code taken from elsewhere):
 *   ACPI 6.4, 5.2.5.3 "Root System Description Pointer (RSDP) Structure"
 *     (rev 2: checksum over the first 20 bytes, extended checksum over
 *     all 36), 5.2.6 "System Description Table Header", 5.2.8 "Extended
 *     System Description Table (XSDT)", 5.2.12 "Multiple APIC Description
 *     Table (MADT)", 5.2.12.2 "Processor Local APIC Structure", 5.2.12.12
 *     "Processor Local x2APIC Structure";
 *   UEFI 2.9, 4.6 "EFI Configuration Table & Properties Table"
 *     (EFI_ACPI_20_TABLE_GUID), 7.4 "Image Services" (LoadImage,
 *     StartImage), 20.2 "EFI_ACPI_TABLE_PROTOCOL" (InstallAcpiTable);
 *   UEFI PI 1.7, Volume 2, 13.4 "MP Services Protocol"
 *     (EFI_MP_SERVICES_PROTOCOL: GetNumberOfProcessors, GetProcessorInfo;
 *     EFI_PROCESSOR_INFORMATION.ProcessorId is the local APIC ID,
 *     StatusFlag bit 1 PROCESSOR_ENABLED_BIT).
 * efi_main is called by gnu-efi's crt0 with the SysV ABI (not EFIAPI).
 */
#include <efi.h>
#include <efilib.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

#define NEXT_IMAGE	L"\\EFI\\shroud\\shroud.efi"
#define MAX_CPUS	256
#define LAPIC_ADDR	0xfee00000u

/* ---- ACPI structures (ACPI 6.4, 5.2) */
struct __attribute__((packed)) rsdp {
	char sig[8];			/* "RSD PTR " */
	UINT8 checksum;			/* bytes 0..19 sum to 0 */
	char oem_id[6];
	UINT8 revision;			/* 2: ACPI 2.0 and later */
	UINT32 rsdt;
	UINT32 length;			/* 36 */
	UINT64 xsdt;
	UINT8 ext_checksum;		/* all 36 bytes sum to 0 */
	UINT8 reserved[3];
};

struct __attribute__((packed)) sdt_header {
	char sig[4];
	UINT32 length;
	UINT8 revision;
	UINT8 checksum;			/* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	UINT32 oem_revision;
	char creator_id[4];
	UINT32 creator_revision;
};

struct __attribute__((packed)) madt {
	struct sdt_header h;		/* "APIC" */
	UINT32 lapic_addr;
	UINT32 flags;			/* bit 0 PCAT_COMPAT */
};

struct __attribute__((packed)) madt_lapic {	/* type 0 */
	UINT8 type, length;		/* 0, 8 */
	UINT8 uid;			/* ACPI processor UID */
	UINT8 apic_id;
	UINT32 flags;			/* bit 0 enabled */
};

struct __attribute__((packed)) madt_x2apic {	/* type 9 */
	UINT8 type, length;		/* 9, 16 */
	UINT16 reserved;
	UINT32 x2apic_id;
	UINT32 flags;			/* bit 0 enabled */
	UINT32 uid;
};

_Static_assert(sizeof(struct rsdp) == 36, "RSDP");
_Static_assert(sizeof(struct sdt_header) == 36, "SDT header");
_Static_assert(sizeof(struct madt) == 44, "MADT");
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT local APIC");
_Static_assert(sizeof(struct madt_x2apic) == 16, "MADT x2APIC");

/* ---- PI MP services (PI 1.7 vol 2, 13.4), the part used here */
struct mp_proc_info {
	UINT64 processor_id;		/* local APIC ID */
	UINT32 status;			/* bit 0 BSP, 1 enabled, 2 healthy */
	UINT32 package, core, thread;
	UINT32 ext[6];			/* PI 1.7 ExtendedInformation (only
					 * with CPU_V2_EXTENDED_TOPOLOGY) */
};

struct mp_services {
	EFI_STATUS (EFIAPI *get_number)(struct mp_services *self, UINTN *all,
					UINTN *enabled);
	EFI_STATUS (EFIAPI *get_info)(struct mp_services *self, UINTN n,
				      struct mp_proc_info *info);
	/* StartupAllAPs, StartupThisAP, ... follow: not used */
};

/* ---- EFI_ACPI_TABLE_PROTOCOL (UEFI 2.9, 20.2) */
struct acpi_table_protocol {
	EFI_STATUS (EFIAPI *install)(struct acpi_table_protocol *self,
				     void *table, UINTN size, UINTN *key);
	EFI_STATUS (EFIAPI *uninstall)(struct acpi_table_protocol *self,
				       UINTN key);
};

static EFI_GUID mp_guid = { 0x3fdda605, 0xa76e, 0x4f46,
	{ 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } };
static EFI_GUID acpi_table_guid = { 0xffe06bdd, 0x6107, 0x46a6,
	{ 0x7b, 0xb2, 0x5a, 0x9c, 0x7e, 0xc5, 0x27, 0x5c } };
static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;

static UINT32 apic_ids[MAX_CPUS];
static UINTN ncpus;

static void set_bytes(char *dst, const char *src, UINTN n)
{
	UINTN i;

	for (i = 0; i < n; i++)
		dst[i] = src[i];
}

static UINT8 sum8(const void *p, UINTN n)
{
	const UINT8 *b = p;
	UINT8 s = 0;

	while (n--)
		s = (UINT8)(s + *b++);
	return s;
}

static void fill_header(struct sdt_header *h, const char *sig, UINT32 len,
			UINT8 rev)
{
	set_bytes(h->sig, sig, 4);
	h->length = len;
	h->revision = rev;
	h->checksum = 0;
	set_bytes(h->oem_id, "SHROUD", 6);
	set_bytes(h->oem_table_id, "BOCHSMDT", 8);
	h->oem_revision = 1;
	set_bytes(h->creator_id, "SHRD", 4);
	h->creator_revision = 1;
}

/* The enabled CPUs' APIC IDs, the BSP first; without MP services, the
 * BSP's own (xAPIC ID register). */
static void count_cpus(void)
{
	struct mp_services *mp = NULL;
	struct mp_proc_info info;
	UINTN all = 0, enabled = 0, i;

	ncpus = 0;
	if (!EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) && mp &&
	    !EFI_ERROR(uefi_call_wrapper(mp->get_number, 3, mp, &all,
					 &enabled))) {
		for (i = 0; i < all && ncpus < MAX_CPUS; i++) {
			if (EFI_ERROR(uefi_call_wrapper(mp->get_info, 3, mp, i,
							&info)))
				continue;
			if (!(info.status & 2u))
				continue;		/* disabled */
			if (info.status & 1u && ncpus) {	/* BSP first */
				apic_ids[ncpus++] = apic_ids[0];
				apic_ids[0] = (UINT32)info.processor_id;
			} else {
				apic_ids[ncpus++] = (UINT32)info.processor_id;
			}
		}
	}
	if (!ncpus) {
		apic_ids[0] = *(volatile UINT32 *)(UINTN)(LAPIC_ADDR + 0x20)
			      >> 24;
		ncpus = 1;
	}
}

/* The ACPI 2.0 RSDP of the configuration table, or NULL. */
static struct rsdp *find_rsdp(void)
{
	UINTN i;

	for (i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20_guid)) {
			struct rsdp *r = t->VendorTable;

			if (r && !CompareMem(r->sig, "RSD PTR ", 8) &&
			    r->revision >= 2 && r->xsdt)
				return r;
		}
	}
	return NULL;
}

static int xsdt_has(const struct rsdp *r, const char *sig)
{
	const struct sdt_header *x;
	const UINT64 *e;
	UINTN i, n;

	if (!r)
		return 0;
	x = (const struct sdt_header *)(UINTN)r->xsdt;
	if (x->length < sizeof(*x))
		return 0;
	n = (x->length - sizeof(*x)) / 8;
	e = (const UINT64 *)(x + 1);
	for (i = 0; i < n; i++) {
		const struct sdt_header *t =
			(const struct sdt_header *)(UINTN)e[i];

		if (t && !CompareMem(t->sig, sig, 4))
			return 1;
	}
	return 0;
}

static UINT32 madt_size(void)
{
	UINT32 len = sizeof(struct madt);
	UINTN i;

	for (i = 0; i < ncpus; i++)
		len += apic_ids[i] < 0xff ? sizeof(struct madt_lapic)
					  : sizeof(struct madt_x2apic);
	return len;
}

/* Writes the MADT (madt_size() bytes) at p, checksum included. */
static void build_madt(void *p)
{
	struct madt *m = p;
	UINT8 *e = (UINT8 *)(m + 1);
	UINTN i;

	fill_header(&m->h, "APIC", madt_size(), 5);	/* ACPI 6.x: rev 5 */
	m->lapic_addr = LAPIC_ADDR;
	m->flags = 1;					/* PCAT_COMPAT */
	for (i = 0; i < ncpus; i++) {
		if (apic_ids[i] < 0xff) {
			struct madt_lapic *l = (struct madt_lapic *)e;

			l->type = 0;
			l->length = sizeof(*l);
			l->uid = (UINT8)i;
			l->apic_id = (UINT8)apic_ids[i];
			l->flags = 1;			/* enabled */
			e += sizeof(*l);
		} else {
			struct madt_x2apic *x = (struct madt_x2apic *)e;

			x->type = 9;
			x->length = sizeof(*x);
			x->reserved = 0;
			x->x2apic_id = apic_ids[i];
			x->flags = 1;
			x->uid = (UINT32)i;
			e += sizeof(*x);
		}
	}
	m->h.checksum = (UINT8)(0 - sum8(m, m->h.length));
}

/* Through the firmware's ACPI table protocol (it copies the table and
 * keeps its RSDP/XSDT and the configuration table entry up to date). */
static EFI_STATUS install_with_protocol(void)
{
	struct acpi_table_protocol *atp = NULL;
	static UINT8 buf[sizeof(struct madt) +
			 MAX_CPUS * sizeof(struct madt_x2apic)];
	UINTN key = 0;

	if (EFI_ERROR(LibLocateProtocol(&acpi_table_guid, (void **)&atp)) ||
	    !atp)
		return EFI_UNSUPPORTED;
	build_madt(buf);
	return uefi_call_wrapper(atp->install, 4, atp, buf,
				 (UINTN)madt_size(), &key);
}

/* Our own RSDP -> XSDT -> MADT in one EfiACPIReclaimMemory block below
 * 4 GiB; the XSDT keeps old's entries (an RSDP without a MADT). */
static EFI_STATUS install_own(const struct rsdp *old)
{
	const struct sdt_header *ox = NULL;
	UINTN nold = 0, i, size, pages;
	UINT32 xlen;
	EFI_PHYSICAL_ADDRESS pa = 0xffffffffu;
	struct rsdp *r;
	struct sdt_header *x;
	UINT64 *e;
	UINT8 *m;
	EFI_STATUS st;

	if (old) {
		ox = (const struct sdt_header *)(UINTN)old->xsdt;
		nold = (ox->length - sizeof(*ox)) / 8;
	}
	xlen = (UINT32)(sizeof(*x) + (nold + 1) * 8);
	size = 64 + xlen + madt_size();
	pages = (size + 4095) / 4096;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress,
			       EfiACPIReclaimMemory, pages, &pa);
	if (EFI_ERROR(st))
		return st;
	ZeroMem((void *)(UINTN)pa, pages * 4096);
	r = (struct rsdp *)(UINTN)pa;
	x = (struct sdt_header *)(UINTN)(pa + 64);
	m = (UINT8 *)x + ((xlen + 15) & ~15u);

	build_madt(m);
	fill_header(x, "XSDT", xlen, 1);
	e = (UINT64 *)(x + 1);
	for (i = 0; i < nold; i++)
		e[i] = ((const UINT64 *)(ox + 1))[i];
	e[nold] = (UINT64)(UINTN)m;
	x->checksum = (UINT8)(0 - sum8(x, xlen));

	set_bytes(r->sig, "RSD PTR ", 8);
	set_bytes(r->oem_id, "SHROUD", 6);
	r->revision = 2;
	r->rsdt = old ? old->rsdt : 0;
	r->length = sizeof(*r);
	r->xsdt = (UINT64)(UINTN)x;
	r->checksum = (UINT8)(0 - sum8(r, 20));
	r->ext_checksum = (UINT8)(0 - sum8(r, sizeof(*r)));

	st = uefi_call_wrapper(BS->InstallConfigurationTable, 2, &acpi20_guid,
			       r);
	if (EFI_ERROR(st))
		uefi_call_wrapper(BS->FreePages, 2, pa, pages);
	return st;
}

static EFI_STATUS start_next(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *self = NULL;
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE h = NULL;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &LoadedImageProtocol, (void **)&self);
	if (EFI_ERROR(st) || !self) {
		Print(L"bochs-madt: no loaded image protocol: %r\n", st);
		return EFI_ERROR(st) ? st : EFI_NOT_FOUND;
	}
	dp = FileDevicePath(self->DeviceHandle, NEXT_IMAGE);
	if (!dp) {
		Print(L"bochs-madt: no device path for %s\n", NEXT_IMAGE);
		return EFI_OUT_OF_RESOURCES;
	}
	st = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, dp, NULL, 0,
			       &h);
	FreePool(dp);
	if (EFI_ERROR(st)) {
		Print(L"bochs-madt: cannot load %s: %r\n", NEXT_IMAGE, st);
		return st;
	}
	st = uefi_call_wrapper(BS->StartImage, 3, h, NULL, NULL);
	Print(L"bochs-madt: %s returned: %r\n", NEXT_IMAGE, st);
	return st;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct rsdp *old;
	const CHAR16 *what;
	CHAR16 ids[MAX_CPUS * 5 + 1], *p = ids;
	UINTN i;
	EFI_STATUS st = EFI_SUCCESS;

	InitializeLib(image, systab);
	count_cpus();
	for (i = 0; i < ncpus && p + 12 < ids + MAX_CPUS * 5; i++) {
		if (i)
			*p++ = L' ';
		ValueToString(p, FALSE, (INT64)apic_ids[i]);
		p += StrLen(p);
	}
	*p = 0;

	old = find_rsdp();
	if (xsdt_has(old, "APIC")) {
		what = L"ACPI MADT already present, left as is";
	} else {
		what = L"MADT installed (ACPI table protocol)";
		st = install_with_protocol();
		if (st == EFI_UNSUPPORTED) {
			what = L"MADT installed (own RSDP/XSDT)";
			st = install_own(old);
		}
	}
	if (EFI_ERROR(st)) {
		Print(L"bochs-madt: %d CPUs (APIC IDs %s), MADT not installed: "
		      L"%r\n", (int)ncpus, ids, st);
		return st;
	}
	Print(L"bochs-madt: %d CPUs (APIC IDs %s), %s\n", (int)ncpus, ids,
	      what);
	return start_next(image);
}
