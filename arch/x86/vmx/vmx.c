/*
 * arch/x86/vmx/vmx.c - the Intel VT-x backend: VMXON, VMCS set-up, guest
 * entry, and the operations of struct vcpu_ops.  Intel SDM Vol. 3C:
 * 23 (VMX operation), 24 (the VMCS), 26 (VM entries), 28 (VM exits), 29
 * (EPT, VPID), 30 (the VMX instructions).  The meaning of each exit is in
 * core/vexit.c; this file and vmx_exit.c only translate between the VMCS
 * and struct vcpu.
 *
 * Blue pill, as on SVM: the loader's CPU state at the launch point becomes
 * the guest state.  What the VMCS guest-state area holds but the boot info
 * does not (FS, GS, LDTR, TR, SYSENTER, DEBUGCTL) is captured from the CPU
 * before the host replaces the firmware's descriptor tables.  What VMX
 * transitions leave alone (CR2, DR6, KernelGSBase, STAR, LSTAR, CSTAR,
 * SFMASK, XCR0) stays the guest's in the hardware: the host never changes
 * it.  DR0-DR3 hold the master key and are never the guest's: every MOV DR
 * exits (core/vexit.c emulates the guest's debug registers).
 *
 * The guest owns CR0 and CR4 except the bits VMX fixes (CR0.NE, CR4.VMXE,
 * and CR0.PE/PG without unrestricted guest): those are in the guest/host
 * masks and the guest reads its own values from the read shadows (24.6.6).
 * Under the kernel-integrity lock every bit is in the masks, so every
 * write exits.
 *
 * Application processors: each has its own VMXON region and VMCS, made
 * on that CPU (vmx_init_ap); a start-up IPI gives the VMCS the state of a
 * CPU after INIT-SIPI, real mode at the vector's page, which unrestricted
 * guest runs directly (26.3.1.1; SDM Vol. 3A 9.1.1 for the reset state).
 * The hypervisor's IPI is an NMI: in the guest it exits (NMI exiting),
 * in the host it arrives through the host IDT at any instruction, since
 * VMX has no GIF; vmx_host_nmi() records it so that the entry gates of
 * vmx_asm.S do not enter the guest over it.
 *
 * The LIDT pin of the kernel-integrity lock: VT-x has no LIDT exit of its
 * own; descriptor-table exiting (25.1.3), on only while the lock is,
 * takes SGDT, SIDT, LGDT, LIDT, SLDT, STR, LLDT and LTR alike.  The
 * decoder gives the core the operand (vmx_exit.c), which emulates the
 * stores and LLDT and refuses LIDT, LGDT and LTR (core/vexit.c).
 */
#include "arch/x86/vmx/vmx_vcpu.h"
#include "arch/x86/backend.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/ept.h"
#include "base/lib.h"
#include "base/log.h"
#include "base/panic.h"
#include "mm/frame.h"
#include "mm/gpt_walk.h"

#define GUEST_VPID		1u
#define EPTP_MT_WB		6ull
#define EPTP_WALK4		(3ull << 3)
#define EPTP_AD			(1ull << 6)
#define MSR_DEBUGCTL		0x000001d9u
#define MSR_MTRRCAP		0x000000feu
#define MSR_MTRR_DEF_TYPE	0x000002ffu
#define MSR_X2APIC_ICR_NR	0x00000830u
#define MTRRCAP_FIX		(1ull << 8)
#define MTRR_DEF_FE		(1ull << 10)
#define VMCS_TSC_OFFSET		0x2010u
#define VMCS_XSS_EXIT_BITMAP	0x202cu
#define VMCS_PF_ERROR_MASK	0x4006u
#define VMCS_PF_ERROR_MATCH	0x4008u
#define SEG_LDTR		6u	/* the "+ 2 * index" order of B.1-B.4 */
#define SEG_TR			7u
#define AR_TSS64_BUSY		0x8bu
#define AR_ACCESSED		0x1u
#define AR_S			0x10u

struct vmx_controls vmx_ctl;
struct vmx_caps vmx_cap;
static struct vmx_vcpu vmx_vcpus[CPUS_MAX];
extern const char vmx_exit_point[];

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}

/* VMXON, VMCLEAR, VMPTRLD with a physical address operand: 0 or -1. */
#define VMX_PA_INSN(name, insn)						\
	static int name(uint64_t pa)					\
	{								\
		uint8_t bad;						\
		__asm__ volatile(insn " %[pa]; setna %[bad]"		\
				 : [bad] "=qm"(bad)			\
				 : [pa] "m"(pa)				\
				 : "cc", "memory");			\
		return bad ? -1 : 0;					\
	}
VMX_PA_INSN(vmxon, "vmxon")
VMX_PA_INSN(vmclear, "vmclear")
VMX_PA_INSN(vmptrld, "vmptrld")
#undef VMX_PA_INSN

/* INVEPT / INVVPID (30.3): the 128-bit descriptor in memory. */
static void invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } d = { eptp, 0 };

	__asm__ volatile("invept %[d], %[t]" ::[d] "m"(d), [t] "r"(type)
			 : "cc", "memory");
}

static void invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, gla; } d = { vpid, 0 };

	__asm__ volatile("invvpid %[d], %[t]" ::[d] "m"(d), [t] "r"(type)
			 : "cc", "memory");
}

/* The MTRRs for the EPT leaves' memory types (SDM Vol. 3A 11.11.1-11.11.3:
 * IA32_MTRRCAP, the fixed-range MSRs in address order, the variable
 * pairs); arch/x86/mtrr.h. */
static void read_mtrrs(struct mtrr_state *m)
{
	static const uint32_t fixed_msr[11] = {
		0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
		0x26c, 0x26d, 0x26e, 0x26f,
	};
	uint64_t cap = rdmsr(MSR_MTRRCAP), f;
	unsigned i, j;

	memset(m, 0, sizeof(*m));
	m->def_type = rdmsr(MSR_MTRR_DEF_TYPE);
	if (cap & MTRRCAP_FIX) {
		for (i = 0; i < 11; i++) {
			f = rdmsr(fixed_msr[i]);
			for (j = 0; j < 8; j++)
				m->fixed[i * 8 + j] = (uint8_t)(f >> (8 * j));
		}
	} else
		m->def_type &= ~MTRR_DEF_FE;
	m->nvar = (unsigned)(cap & 0xff);
	if (m->nvar > MTRR_VAR_MAX)
		m->nvar = MTRR_VAR_MAX;
	for (i = 0; i < m->nvar; i++) {
		m->var[i].base = rdmsr(0x200 + 2 * i);
		m->var[i].mask = rdmsr(0x201 + 2 * i);
	}
	m->phys_bits = cpuid(0x80000008).eax & 0xff;
}

/* The guest-visible CR0/CR4 @val into the VMCS: the real register with
 * the bits VMX fixes (SDM Vol. 3D A.7, A.8), the read shadow as given. */
static uint64_t cr0_fixed0(void)
{
	uint64_t f0 = vmx_cap.cr0_fixed0;

	if (vmx_ctl.ug)	/* 26.3.1.1: PE and PG may be 0 */
		f0 &= ~(CR0_PE | CR0_PG);
	return f0;
}

static void put_cr0(uint64_t val)
{
	(void)vmwrite(VMCS_GUEST_CR0, (val | cr0_fixed0()) &
		      (vmx_cap.cr0_fixed1 | 0xffffffff00000000ull));
	(void)vmwrite(VMCS_CR0_SHADOW, val);
}

static void put_cr4(uint64_t val)
{
	(void)vmwrite(VMCS_GUEST_CR4, (val | vmx_cap.cr4_fixed0) &
		      vmx_cap.cr4_fixed1);
	(void)vmwrite(VMCS_CR4_SHADOW, val);
}

/* Guest/host masks: the fixed bits only, or (@pins) every bit. */
static void put_masks(struct vmx_vcpu *x, bool pins)
{
	x->cr0_mask = pins ? ~0ull : (cr0_fixed0() | ~vmx_cap.cr0_fixed1);
	x->cr4_mask = pins ? ~0ull : (vmx_cap.cr4_fixed0 | ~vmx_cap.cr4_fixed1);
	(void)vmwrite(VMCS_CR0_MASK, x->cr0_mask);
	(void)vmwrite(VMCS_CR4_MASK, x->cr4_mask);
}

/* Access rights of @sel in the current GDT/LDT (LAR, VMX form: 24.4.1),
 * or unusable for a null or invalid selector. */
static uint32_t sel_ar(uint16_t sel)
{
	uint32_t ar = 0;
	uint8_t ok;

	if (!(sel & ~3u))
		return VMX_AR_UNUSABLE;
	__asm__ volatile("lar %[s], %[ar]; setz %[ok]"
			 : [ar] "=r"(ar), [ok] "=qm"(ok)
			 : [s] "r"((uint32_t)sel) : "cc");
	return ok ? (ar >> 8) & 0xf0ffu : VMX_AR_UNUSABLE;
}

static uint32_t sel_limit(uint16_t sel)
{
	uint32_t lim = 0;

	if (!(sel & ~3u))
		return 0;
	__asm__ volatile("lsl %[s], %[l]" : [l] "=r"(lim)
			 : [s] "r"((uint32_t)sel) : "cc");
	return lim;
}

/* Base of the 16-byte system descriptor (TSS, LDT) @sel in the current
 * GDT (SDM Vol. 3A 8.2.3), 0 if there is none. */
static uint64_t sys_desc_base(uint16_t sel)
{
	struct desc_ptr g = read_gdtr();
	const uint64_t *d;

	if (!(sel & ~7u) || (sel & 4u) || (uint32_t)(sel & ~7u) + 15u > g.limit)
		return 0;
	d = (const uint64_t *)(uintptr_t)(g.base + (sel & ~7u));
	return ((d[0] >> 16) & 0xffffff) | ((d[0] >> 32) & 0xff000000) |
	       (d[1] << 32);
}

/* One guest segment register (index @i: ES, CS, SS, DS, FS, GS, LDTR,
 * TR).  A usable code or data segment has its accessed bit set, as the
 * CPU sets it when it loads one (26.3.1.2 requires it). */
static void guest_seg(unsigned i, uint16_t sel, uint32_t limit, uint32_t ar,
		      uint64_t base)
{
	if (!ar)
		ar = VMX_AR_UNUSABLE;
	if (!(ar & VMX_AR_UNUSABLE) && (ar & AR_S))
		ar |= AR_ACCESSED;
	(void)vmwrite(VMCS_GUEST_ES_SEL + 2 * i, sel);
	(void)vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, limit);
	(void)vmwrite(VMCS_GUEST_ES_AR + 2 * i, ar);
	(void)vmwrite(VMCS_GUEST_ES_BASE + 2 * i, base);
}

/* This CPU's VMXON region and VMCS, VMX operation on (23.7, 24.11.5),
 * and on the boot CPU the controls from the capability MSRs. */
static int vmx_cpu_setup(struct vcpu *v)
{
	struct vmx_vcpu *x;
	const char *why;
	uint64_t fc;
	uint32_t rev;

	if (v->id >= CPUS_MAX)
		return -ENG_EINVAL;
	x = &vmx_vcpus[v->id];
	v->arch = x;
	if (v->id == 0) {
		if (vmx_read_caps(&vmx_cap, &why) ||
		    vmx_controls_compute(&vmx_cap, &vmx_ctl, &why)) {
			log_err("vmx", "%s", why);
			return -ENG_ENODEV;
		}
		log_info("vmx", "VMCS rev %u, EPT (A/D %s, 1 GiB %s, INVEPT %s), "
			 "VPID %s, unrestricted guest %s",
			 VMX_BASIC_REVISION(vmx_cap.basic),
			 vmx_ctl.ept_ad ? "yes" : "no",
			 vmx_ctl.ept_1g ? "yes" : "no",
			 vmx_ctl.invept_single ? "single" : "all",
			 vmx_ctl.vpid ? "yes" : "no", vmx_ctl.ug ? "yes" : "no");
		/* The raw capability MSRs (for test/unit/test_vmx_caps.c). */
		log_info("vmx", "caps fc %llx basic %llx pin %llx/%llx proc "
			 "%llx/%llx proc2 %llx exit %llx/%llx entry %llx/%llx "
			 "ept %llx cr0 %llx/%llx cr4 %llx/%llx",
			 (unsigned long long)vmx_cap.feature_control,
			 (unsigned long long)vmx_cap.basic,
			 (unsigned long long)vmx_cap.pinbased,
			 (unsigned long long)vmx_cap.true_pinbased,
			 (unsigned long long)vmx_cap.procbased,
			 (unsigned long long)vmx_cap.true_procbased,
			 (unsigned long long)vmx_cap.procbased2,
			 (unsigned long long)vmx_cap.exit,
			 (unsigned long long)vmx_cap.true_exit,
			 (unsigned long long)vmx_cap.entry,
			 (unsigned long long)vmx_cap.true_entry,
			 (unsigned long long)vmx_cap.ept_vpid,
			 (unsigned long long)vmx_cap.cr0_fixed0,
			 (unsigned long long)vmx_cap.cr0_fixed1,
			 (unsigned long long)vmx_cap.cr4_fixed0,
			 (unsigned long long)vmx_cap.cr4_fixed1);
	}
	x->vmxon_pa = frame_alloc();
	x->vmcs_pa = frame_alloc();
	if (!x->vmxon_pa || !x->vmcs_pa)
		return -ENG_ENOMEM;
	rev = VMX_BASIC_REVISION(vmx_cap.basic);
	*(uint32_t *)hpa_ptr(x->vmxon_pa) = rev;
	*(uint32_t *)hpa_ptr(x->vmcs_pa) = rev;
	fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK |
		      FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	/* CR0 and CR4 within the fixed bits while in VMX operation (23.8). */
	write_cr0((read_cr0() | vmx_cap.cr0_fixed0) &
		  (vmx_cap.cr0_fixed1 | 0xffffffff00000000ull));
	write_cr4((read_cr4() | vmx_cap.cr4_fixed0 | CR4_VMXE) &
		  vmx_cap.cr4_fixed1);
	if (vmxon(x->vmxon_pa)) {
		log_err("vmx", "VMXON failed");
		return -ENG_ENODEV;
	}
	if (vmclear(x->vmcs_pa) || vmptrld(x->vmcs_pa)) {
		log_err("vmx", "VMCLEAR/VMPTRLD failed");
		return -ENG_ENODEV;
	}
	return 0;
}

/* The firmware's FS, GS, LDTR, TR and the MSRs the VMCS loads, before the
 * host's descriptor tables replace the firmware's. */
static int vmx_capture(struct vcpu *v, const struct boot_info *bi)
{
	uint16_t fs = read_fs(), gs = read_gs(), tr = read_tr();
	uint16_t ldtr = read_ldtr();
	struct mtrr_state m;
	int rc = vmx_cpu_setup(v);

	(void)bi;
	if (rc)
		return rc;
	if (v->id == 0) {
		read_mtrrs(&m);
		vmx_ept_set_mtrrs(&m);
	}
	guest_seg(SEG_FS, fs, sel_limit(fs), sel_ar(fs), rdmsr(MSR_FS_BASE));
	guest_seg(SEG_GS, gs, sel_limit(gs), sel_ar(gs), rdmsr(MSR_GS_BASE));
	guest_seg(SEG_LDTR, ldtr, sel_limit(ldtr), sel_ar(ldtr),
		  sys_desc_base(ldtr));
	/* No TR (OVMF runs with none): a busy 64-bit TSS at 0, which VM
	 * entry requires of a 64-bit guest (26.3.1.2); the guest loads its
	 * own before it needs one. */
	if (!(tr & ~7u))
		guest_seg(SEG_TR, 0, 0xffff, AR_TSS64_BUSY, 0);
	else
		guest_seg(SEG_TR, tr, sel_limit(tr), sel_ar(tr),
			  sys_desc_base(tr));
	(void)vmwrite(VMCS_GUEST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
	(void)vmwrite(VMCS_GUEST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	(void)vmwrite(VMCS_GUEST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	(void)vmwrite(VMCS_GUEST_DEBUGCTL, rdmsr(MSR_DEBUGCTL));
	return 0;
}

static unsigned vmx_gpm_max_level(void)
{
	return vmx_ctl.ept_1g ? 3 : 2;
}

/* The host-state area (24.5, checked by 26.2.3): this CPU as it is now,
 * its own GDT, TSS, IDT and per-CPU GS, resuming at vmx_exit_point. */
static void init_host(void)
{
	struct desc_ptr gdtr = read_gdtr(), idtr = read_idtr();
	uint16_t tr = read_tr();

	(void)vmwrite(VMCS_HOST_CR0, read_cr0());
	(void)vmwrite(VMCS_HOST_CR3, read_cr3());
	(void)vmwrite(VMCS_HOST_CR4, read_cr4());
	(void)vmwrite(VMCS_HOST_CS_SEL, read_cs() & ~7u);
	(void)vmwrite(VMCS_HOST_SS_SEL, read_ss() & ~7u);
	(void)vmwrite(VMCS_HOST_DS_SEL, read_ds() & ~7u);
	(void)vmwrite(VMCS_HOST_ES_SEL, read_es() & ~7u);
	(void)vmwrite(VMCS_HOST_FS_SEL, read_fs() & ~7u);
	(void)vmwrite(VMCS_HOST_GS_SEL, read_gs() & ~7u);
	(void)vmwrite(VMCS_HOST_TR_SEL, tr & ~7u);
	(void)vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	(void)vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	(void)vmwrite(VMCS_HOST_TR_BASE, sys_desc_base(tr));
	(void)vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
	(void)vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	(void)vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	(void)vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	(void)vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	(void)vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	(void)vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	(void)vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
}

/* Intercept reads and/or writes of @msr (24.6.9: read bitmap low, read
 * high, write low, write high, 1 KiB each).  MSRs outside both ranges
 * always exit. */
static void msr_bitmap_set(uint8_t *bm, uint32_t msr, int rd, int wr)
{
	uint32_t base, off;

	if (msr <= 0x1fff) {
		base = 0;
		off = msr;
	} else {
		ASSERT(msr >= 0xc0000000 && msr <= 0xc0001fff);
		base = 0x400;
		off = msr - 0xc0000000;
	}
	if (rd)
		bm[base + off / 8] |= (uint8_t)(1u << (off % 8));
	if (wr)
		bm[0x800 + base + off / 8] |= (uint8_t)(1u << (off % 8));
}

static int init_control(struct vcpu *v, uint16_t log_port)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint64_t msr_pa = frame_alloc(), io_pa = frame_alloc_contig(2);
	uint32_t port, msr;

	if (!msr_pa || !io_pa)
		return -ENG_ENOMEM;
	x->msr_bitmap = hpa_ptr(msr_pa);
	x->io_bitmap = hpa_ptr(io_pa);
	/* EFER: the kernel-integrity lock pins it (core/vexit.c); reads
	 * come from the VMCS without an exit (26.3.2.1). */
	msr_bitmap_set(x->msr_bitmap, MSR_EFER, 0, 1);
	/* APIC base writes and x2APIC ICR writes: as on SVM (core/vexit.c). */
	msr_bitmap_set(x->msr_bitmap, MSR_APIC_BASE, 0, 1);
	msr_bitmap_set(x->msr_bitmap, MSR_X2APIC_ICR_NR, 0, 1);
	/* The system-call entry MSRs: writes, for the lock's pins. */
	msr_bitmap_set(x->msr_bitmap, MSR_STAR, 0, 1);
	msr_bitmap_set(x->msr_bitmap, MSR_LSTAR, 0, 1);
	msr_bitmap_set(x->msr_bitmap, MSR_CSTAR, 0, 1);
	msr_bitmap_set(x->msr_bitmap, MSR_SFMASK, 0, 1);
	msr_bitmap_set(x->msr_bitmap, MSR_SYSENTER_CS, 0, 1);
	msr_bitmap_set(x->msr_bitmap, MSR_SYSENTER_ESP, 0, 1);
	msr_bitmap_set(x->msr_bitmap, MSR_SYSENTER_EIP, 0, 1);
	/* VMX is not offered: IA32_FEATURE_CONTROL reads "locked, VMX off"
	 * and the capability MSRs are #GP (vmx_msr). */
	msr_bitmap_set(x->msr_bitmap, MSR_FEATURE_CONTROL, 1, 1);
	for (msr = MSR_VMX_BASIC; msr <= MSR_VMX_VMFUNC; msr++)
		msr_bitmap_set(x->msr_bitmap, msr, 1, 1);
	/* The hypervisor's UART: the guest must not see or drive it. */
	for (port = log_port; port < log_port + 8u; port++)
		x->io_bitmap[port / 8] |= (uint8_t)(1u << (port % 8));

	x->proc = x->proc_vmcs = vmx_ctl.proc;
	(void)vmwrite(VMCS_PIN_CTLS, vmx_ctl.pin);
	(void)vmwrite(VMCS_PROC_CTLS, x->proc);
	(void)vmwrite(VMCS_PROC_CTLS2, vmx_ctl.proc2);
	(void)vmwrite(VMCS_EXIT_CTLS, vmx_ctl.exit);
	(void)vmwrite(VMCS_ENTRY_CTLS, vmx_ctl.entry);
	(void)vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	(void)vmwrite(VMCS_PF_ERROR_MASK, 0);
	(void)vmwrite(VMCS_PF_ERROR_MATCH, 0);
	(void)vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	(void)vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	(void)vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	(void)vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	(void)vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	(void)vmwrite(VMCS_TSC_OFFSET, 0);
	if (vmx_ctl.xsaves)
		(void)vmwrite(VMCS_XSS_EXIT_BITMAP, 0);
	(void)vmwrite(VMCS_IO_BITMAP_A, io_pa);
	(void)vmwrite(VMCS_IO_BITMAP_B, io_pa + 4096);
	(void)vmwrite(VMCS_MSR_BITMAP, msr_pa);
	if (vmx_ctl.vpid)
		(void)vmwrite(VMCS_VPID, GUEST_VPID);
	x->eptp = v->gpm->pgt.root | EPTP_MT_WB | EPTP_WALK4 |
		  (vmx_ctl.ept_ad ? EPTP_AD : 0);
	(void)vmwrite(VMCS_EPT_POINTER, x->eptp);
	(void)vmwrite(VMCS_LINK_POINTER, ~0ull);
	put_masks(x, false);
	x->flush = true;
	return 0;
}

/* The IA-32e-mode-guest entry control follows the guest's EFER.LMA
 * (26.2.4: they must agree at entry). */
static void put_efer(uint64_t efer)
{
	uint32_t e = vmx_ctl.entry & ~ENTRY_IA32E_MODE;

	(void)vmwrite(VMCS_GUEST_EFER, efer);
	(void)vmwrite(VMCS_ENTRY_CTLS, (efer & EFER_LMA) ?
		      e | ENTRY_IA32E_MODE : e);
}

/* The guest-state fields @b holds, into the current VMCS (the boot CPU's
 * state from the loader, or vcpu_sipi_state's reset state). */
static void put_guest_state(struct vcpu *v, const struct bi_guest_state *b)
{
	guest_seg(SEG_ES, b->es.selector, b->es.limit, b->es.ar, b->es.base);
	guest_seg(SEG_CS, b->cs.selector, b->cs.limit, b->cs.ar, b->cs.base);
	guest_seg(SEG_SS, b->ss.selector, b->ss.limit, b->ss.ar, b->ss.base);
	guest_seg(SEG_DS, b->ds.selector, b->ds.limit, b->ds.ar, b->ds.base);
	(void)vmwrite(VMCS_GUEST_GDTR_BASE, b->gdtr_base);
	(void)vmwrite(VMCS_GUEST_GDTR_LIMIT, b->gdtr_limit);
	(void)vmwrite(VMCS_GUEST_IDTR_BASE, b->idtr_base);
	(void)vmwrite(VMCS_GUEST_IDTR_LIMIT, b->idtr_limit);
	put_cr0(b->cr0);
	put_cr4(b->cr4);
	(void)vmwrite(VMCS_GUEST_CR3, b->cr3);
	put_efer(b->efer);
	(void)vmwrite(VMCS_GUEST_PAT, b->pat);
	(void)vmwrite(VMCS_GUEST_DR7, CPU_RESET_DR7); /* stays: MOV DR exits */
	(void)vmwrite(VMCS_GUEST_RFLAGS, b->rflags);
	(void)vmwrite(VMCS_GUEST_RIP, b->rip);
	(void)vmwrite(VMCS_GUEST_RSP, b->rsp);
	(void)vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	(void)vmwrite(VMCS_GUEST_ACTIVITY, 0);
	(void)vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	to_vmx(v)->rax = 0;		/* the launch call returns 0 */
}

/* The entry gates of vmx_asm.S: [start, end) of each. */
extern const char vmx_gate_launch[], vmx_gate_launch_end[];
extern const char vmx_gate_resume[], vmx_gate_resume_end[];
extern const char vmx_gate_abort[];

static bool in_gate(uint64_t rip, const char *start, const char *end)
{
	return rip >= (uint64_t)(uintptr_t)start &&
	       rip < (uint64_t)(uintptr_t)end;
}

/*
 * desc_host_nmi on VT-x (see desc.h): an NMI reached this CPU in VMX root
 * operation.  Whatever the core asked of this CPU (a flush, INIT, a
 * start-up IPI, a stop) it polls before every entry; an NMI after that
 * poll is kept in the CPU's host_nmi flag, which the entry gates test
 * with the guest's registers loaded.  One that interrupts a gate before
 * its VMLAUNCH/VMRESUME has run sends it to vmx_gate_abort: vmx_run()
 * returns 3 and vmx_enter() reports an NMI exit without entering.
 */
static void vmx_host_nmi(uint64_t *rip)
{
	cpu_local()->host_nmi = 1;
	if (in_gate(*rip, vmx_gate_launch, vmx_gate_launch_end) ||
	    in_gate(*rip, vmx_gate_resume, vmx_gate_resume_end))
		*rip = (uint64_t)(uintptr_t)vmx_gate_abort;
}

static int vmx_init(struct vcpu *v, const struct boot_info *bi)
{
	int rc;

	desc_host_nmi = vmx_host_nmi;
	init_host();
	rc = init_control(v, bi->log_port);
	if (rc)
		return rc;
	put_guest_state(v, &bi->guest);
	vmx_decode_guest(v);
	v->exit.reason = VEXIT_OTHER;
	return 0;
}

/* v->g -> VMCS, for the fields the core changed. */
static void write_back(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint32_t d = v->g.dirty;
	uint64_t irq;

	if (d & VG_DIRTY_RAX)
		x->rax = v->g.rax;
	if (d & VG_DIRTY_RSP)
		(void)vmwrite(VMCS_GUEST_RSP, v->g.rsp);
	if (d & VG_DIRTY_RIP) {
		(void)vmwrite(VMCS_GUEST_RIP, v->g.rip);
		/* Past the emulated instruction: no STI/MOV SS shadow left
		 * (26.3.1.5 forbids STI blocking with IF clear). */
		irq = vmread(VMCS_GUEST_INTERRUPTIBILITY);
		if (irq & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			(void)vmwrite(VMCS_GUEST_INTERRUPTIBILITY, irq &
				      ~(uint64_t)(INTERRUPTIBILITY_STI |
						  INTERRUPTIBILITY_MOV_SS));
	}
	if (d & VG_DIRTY_CR3)
		(void)vmwrite(VMCS_GUEST_CR3, v->g.cr3);
	if (d & VG_DIRTY_EFER)
		put_efer(v->g.efer);
	if (d & VG_DIRTY_DR6)
		__asm__ volatile("mov %0, %%dr6" ::"r"(v->g.dr6));
	if (d & VG_DIRTY_CR2)	/* no VMCS field: the CPU's own (27.3) */
		__asm__ volatile("mov %0, %%cr2" ::"r"(v->g.cr2));
	if ((d & VG_DIRTY_CR0) || x->masks_changed)
		put_cr0(v->g.cr0);
	if ((d & VG_DIRTY_CR4) || x->masks_changed)
		put_cr4(v->g.cr4);
	if (x->masks_changed) {
		put_masks(x, x->pins);
		/* LIDT has no exit of its own: descriptor-table exiting
		 * takes the eight SGDT ... LTR (25.1.3), which the core
		 * emulates or refuses (VEXIT_DESC_TABLE) */
		if (vmx_ctl.desc_exit)
			(void)vmwrite(VMCS_PROC_CTLS2, x->pins ?
				      vmx_ctl.proc2 | PROC2_DESC_TABLE_EXITING :
				      vmx_ctl.proc2);
		x->masks_changed = false;
	}
	v->g.dirty = 0;
}

static int vmx_enter(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	int rc;

	write_back(v);
	if (x->proc != x->proc_vmcs) {
		(void)vmwrite(VMCS_PROC_CTLS, x->proc);
		x->proc_vmcs = x->proc;
	}
	if (x->flush) {
		invept(vmx_ctl.invept_single ? INVEPT_SINGLE : INVEPT_ALL,
		       x->eptp);
		if (vmx_ctl.vpid)
			invvpid(INVVPID_SINGLE, GUEST_VPID);
		x->flush = false;
	}
	rc = vmx_run(&v->gpr, &x->rax, x->launched);
	/* From here on, an NMI is seen by the core's next poll. */
	cpu_local()->host_nmi = 0;
	if (rc == 3) {		/* withheld by a host NMI: as an NMI exit */
		v->exit.reason = VEXIT_NMI;
		v->exit.code = ~0ull;
		v->exit.insn_len = 0;
		return 0;
	}
	if (rc) {
		log_err("vmx", "%s failed: %s (VM-instruction error %llu)",
			x->launched ? "VMRESUME" : "VMLAUNCH",
			rc == 1 ? "no current VMCS" : "VMfailValid",
			(unsigned long long)(rc == 2 ? vmread(VMCS_INSN_ERROR) : 0));
		return -ENG_EINVAL;
	}
	x->launched = true;
	vmx_decode_exit(v);
	if (v->exit.code & VMX_EXIT_ENTRY_FAILED) {
		log_err("vmx", "VM entry failed: exit reason %llu, qualification "
			"0x%llx", (unsigned long long)(v->exit.code & 0xffff),
			(unsigned long long)vmread(VMCS_EXIT_QUALIFICATION));
		return -ENG_EINVAL;
	}
	return 0;
}

static void vmx_dump(const struct vcpu *v)
{
	const struct vmx_vcpu *x = to_vmx(v);

	log_raw("  exit reason 0x%llx qual 0x%llx intr 0x%llx idt-vec 0x%llx "
		"insn-error %llu\n",
		(unsigned long long)vmread(VMCS_EXIT_REASON),
		(unsigned long long)vmread(VMCS_EXIT_QUALIFICATION),
		(unsigned long long)vmread(VMCS_EXIT_INTR_INFO),
		(unsigned long long)vmread(VMCS_IDT_VECTORING_INFO),
		(unsigned long long)vmread(VMCS_INSN_ERROR));
	log_raw("  rip %04llx:%016llx rsp %016llx rflags %08llx cpl %u\n",
		(unsigned long long)vmread(VMCS_GUEST_ES_SEL + 2 * SEG_CS),
		(unsigned long long)vmread(VMCS_GUEST_RIP),
		(unsigned long long)vmread(VMCS_GUEST_RSP),
		(unsigned long long)vmread(VMCS_GUEST_RFLAGS), v->g.cpl);
	log_raw("  cr0 %016llx cr3 %016llx cr4 %016llx efer %llx\n",
		(unsigned long long)v->g.cr0,
		(unsigned long long)vmread(VMCS_GUEST_CR3),
		(unsigned long long)v->g.cr4,
		(unsigned long long)vmread(VMCS_GUEST_EFER));
	log_raw("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
		(unsigned long long)x->rax, (unsigned long long)v->gpr.rbx,
		(unsigned long long)v->gpr.rcx, (unsigned long long)v->gpr.rdx);
}

/* A hardware exception at the next entry (26.6, 24.8.3).  No error code in
 * real mode (26.2.1.3: unrestricted guest with CR0.PE clear). */
static void vmx_inject(struct vcpu *v, unsigned vector, bool has_error,
		       uint32_t error)
{
	uint32_t info = (vector & 0xffu) | (INTR_TYPE_HW_EXCEPTION << 8) |
			INTR_INFO_VALID;

	if (has_error && (v->g.cr0 & CR0_PE)) {
		info |= INTR_INFO_ERROR_VALID;
		(void)vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, error);
	}
	(void)vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

/* EPT and VPID-tagged translations, before the next entry (29.4.3). */
static void vmx_flush_tlb(struct vcpu *v)
{
	to_vmx(v)->flush = true;
}

static void vmx_intercept(struct vcpu *v, enum vintercept what, bool on)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint32_t bit;

	if (what == VINT_PINS) {
		if (x->pins != on) {
			x->pins = on;
			x->masks_changed = true;
		}
		return;
	}
	bit = what == VINT_CR3_WRITE ? PROC_CR3_LOAD_EXITING : PROC_HLT_EXITING;
	x->proc = on ? (x->proc | bit) : (x->proc & ~bit);
}

/* I/O bitmaps A and B are one 8 KiB range here: one bit per port. */
static void vmx_intercept_port(struct vcpu *v, uint16_t port)
{
	to_vmx(v)->io_bitmap[port / 8] |= (uint8_t)(1u << (port % 8));
}

/* The MSRs the bitmap intercepts that the core leaves to the backend:
 * SYSENTER_* live in the VMCS; STAR, LSTAR, CSTAR, SFMASK in the CPU (the
 * host never uses them); IA32_FEATURE_CONTROL reads "locked, VMX off";
 * the VMX capability MSRs do not exist for the guest (#GP). */
static int vmx_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	uint32_t field = 0;

	(void)v;
	switch (msr) {
	case MSR_SYSENTER_CS:	field = VMCS_GUEST_SYSENTER_CS; break;
	case MSR_SYSENTER_ESP:	field = VMCS_GUEST_SYSENTER_ESP; break;
	case MSR_SYSENTER_EIP:	field = VMCS_GUEST_SYSENTER_EIP; break;
	case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SFMASK:
		if (!write) {
			*val = rdmsr(msr);
			return 0;
		}
		if ((msr == MSR_LSTAR || msr == MSR_CSTAR) && !gva_canonical(*val, 48))
			return -ENG_EPERM;
		wrmsr(msr, msr == MSR_SFMASK ? (uint32_t)*val : *val);
		return 0;
	case MSR_FEATURE_CONTROL:
		if (write)
			return -ENG_EPERM;
		*val = FEATURE_CONTROL_LOCK;
		return 0;
	default:
		return -ENG_EPERM;
	}
	if (!write) {
		*val = vmread(field);
		return 0;
	}
	if (msr != MSR_SYSENTER_CS && !gva_canonical(*val, 48))
		return -ENG_EPERM;
	(void)vmwrite(field, msr == MSR_SYSENTER_CS ? (uint32_t)*val : *val);
	return 0;
}

/* VMX and SMX are not offered (CPUID.1:ECX[5,6]); instructions whose
 * enable control this CPU lacks would be #UD in the guest, so their
 * CPUID bits go too: RDTSCP (8000_0001 EDX[27]), INVPCID (7.0 EBX[10]),
 * XSAVES (D.1 EAX[3]), WAITPKG (7.0 ECX[5], never enabled). */
static void vmx_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_out *r)
{
	if (leaf == 1)
		r->ecx &= ~((1u << 5) | (1u << 6));
	else if (leaf == 7 && subleaf == 0) {
		if (!vmx_ctl.invpcid)
			r->ebx &= ~(1u << 10);
		r->ecx &= ~(1u << 5);
	} else if (leaf == 0xd && subleaf == 1) {
		if (!vmx_ctl.xsaves)
			r->eax &= ~(1u << 3);
	} else if (leaf == 0x80000001) {
		if (!vmx_ctl.rdtscp)
			r->edx &= ~(1u << 27);
	}
}

/*
 * The state of a CPU after INIT and a start-up IPI with @vector
 * (vcpu_sipi_state, plus FS, GS, LDTR, TR, SYSENTER, DEBUGCTL, CR2 and
 * EDX = the CPUID signature; Intel SDM Vol. 3A 9.1.1 table 9-1).
 * Unrestricted guest runs real mode as is (26.3.1.1); the VMX-fixed
 * bits (CR0.NE, CR4.VMXE) stay in the hardware and the guest reads its
 * own values through the shadows.  Any event pending for injection is
 * dropped, and the TLB is flushed at the next entry.
 */
static void vmx_sipi(struct vcpu *v, unsigned vector)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct bi_guest_state b;

	vcpu_sipi_state(&b, vector);
	put_guest_state(v, &b);
	guest_seg(SEG_FS, 0, CPU_RESET_SEG_LIMIT, CPU_RESET_AR_DATA, 0);
	guest_seg(SEG_GS, 0, CPU_RESET_SEG_LIMIT, CPU_RESET_AR_DATA, 0);
	guest_seg(SEG_LDTR, 0, CPU_RESET_SEG_LIMIT, CPU_RESET_AR_LDT, 0);
	guest_seg(SEG_TR, 0, CPU_RESET_SEG_LIMIT, CPU_RESET_AR_TSS, 0);
	(void)vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	(void)vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	(void)vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	(void)vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	(void)vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	__asm__ volatile("mov %0, %%cr2" ::"r"(0ull));
	memset(&v->gpr, 0, sizeof(v->gpr));
	v->gpr.rdx = cpuid(1).eax;	/* family, model, stepping */
	x->flush = true;
	vmx_decode_guest(v);
	v->exit.reason = VEXIT_OTHER;
}

/* An application processor, on that CPU (its host descriptor tables and
 * per-CPU record installed): VMXON and its VMCS with the boot CPU's
 * controls; the guest state comes with its first start-up IPI.  0 or a
 * negative code. */
static int vmx_init_ap(struct vcpu *v, uint16_t log_port)
{
	int rc = vmx_cpu_setup(v);

	if (rc)
		return rc;
	init_host();
	rc = init_control(v, log_port);
	if (rc)
		return rc;
	vmx_sipi(v, 0);
	return 0;
}

/* vcpu_ops.set_ldtr (LLDT, emulated by the core). */
static void vmx_set_ldtr(struct vcpu *v, uint16_t sel, uint64_t base,
			 uint32_t limit, uint16_t ar)
{
	(void)v;
	guest_seg(SEG_LDTR, sel, limit, ar, base);
}

static const uint8_t op_vmcall[] = { 0x0f, 0x01, 0xc1 };

const struct vcpu_ops vmx_vcpu_ops = {
	.name = "Intel VT-x (VMX + EPT)",
	.capture = vmx_capture,
	.gpm_format = &vmx_ept_format,
	.gpm_max_level = vmx_gpm_max_level,
	.init = vmx_init,
	.init_ap = vmx_init_ap,
	.sipi = vmx_sipi,
	.enter = vmx_enter,
	.dump = vmx_dump,
	.inject = vmx_inject,
	.flush_tlb = vmx_flush_tlb,
	.set_ldtr = vmx_set_ldtr,
	.intercept = vmx_intercept,
	.intercept_port = vmx_intercept_port,
	.msr = vmx_msr,
	.cpuid = vmx_cpuid,
	.nmi_window = vmx_nmi_unblock,
	.efer_reserved = 0,
	.cr4_reserved = CR4_VMXE,
	.hypercall_insn = op_vmcall,
	.hypercall_insn_len = sizeof(op_vmcall),
};
