/*
 * arch/x86/svm/svm.c - the AMD-V backend: VMCB set-up, guest entry, and
 * the operations of struct vcpu_ops.  AMD APM Vol. 2, chapter 15 "Secure
 * Virtual Machine".  The meaning of each exit is in core/vexit.c; this
 * file and svm_exit.c only translate between the VMCB and struct vcpu.
 *
 * Blue pill: the loader's CPU state at the launch point becomes the guest
 * state, so the firmware continues as the guest right after the call that
 * started the hypervisor.  What VMRUN does not load from the VMCB (FS, GS,
 * TR, LDTR, KernelGSBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER) is captured
 * by VMSAVE before the host replaces the firmware's descriptor tables.
 */
#include "arch/x86/svm/svm_vcpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "base/lib.h"
#include "base/log.h"
#include "base/panic.h"
#include "arch/x86/percpu.h"
#include "mm/frame.h"
#include "mm/gpt_walk.h"

#define CPUID_SVM_EDX_NRIPS	(1u << 3)
#define GUEST_ASID		1u

static struct svm_vcpu svm_vcpus[CPUS_MAX];

/* This CPU's VMCB, host save area and VM_HSAVE_PA (15.30.4); EFER.SVME. */
static int svm_cpu_setup(struct vcpu *v)
{
	struct svm_vcpu *s = &svm_vcpus[v->id];
	struct cpuid_regs f = cpuid(0x8000000a);

	if (v->id >= CPUS_MAX)
		return -ENG_EINVAL;
	v->arch = s;
	s->nrips = !!(f.edx & CPUID_SVM_EDX_NRIPS);
	if (v->id == 0)
		log_info("svm", "SVM rev %u, %u ASIDs, NP yes, NRIPS %s",
			 f.eax & 0xff, f.ebx, s->nrips ? "yes" :
			 "no (instruction lengths decoded)");
	s->vmcb_pa = frame_alloc();
	s->host_vmcb_pa = frame_alloc();
	s->hsave_pa = frame_alloc();
	if (!s->vmcb_pa || !s->host_vmcb_pa || !s->hsave_pa)
		return -ENG_ENOMEM;
	s->vmcb = hpa_ptr(s->vmcb_pa);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, s->hsave_pa);
	return 0;
}

static int svm_capture(struct vcpu *v, const struct boot_info *bi)
{
	int rc = svm_cpu_setup(v);

	(void)bi;
	if (rc)
		return rc;
	__asm__ volatile("vmsave %%rax" ::"a"(to_svm(v)->vmcb_pa) : "memory");
	return 0;
}

/* Intercept reads and/or writes of @msr (APM Vol. 2, 15.11, Table 15-5). */
static void msrpm_set(uint8_t *pm, uint32_t msr, int rd, int wr)
{
	uint32_t base, off;

	if (msr <= 0x1fff) {
		base = 0x000;
		off = msr;
	} else if (msr >= 0xc0000000 && msr <= 0xc0001fff) {
		base = 0x800;
		off = msr - 0xc0000000;
	} else {
		ASSERT(msr >= 0xc0010000 && msr <= 0xc0011fff);
		base = 0x1000;
		off = msr - 0xc0010000;
	}
	if (rd)
		pm[base + off / 4] |= (uint8_t)(1u << ((off % 4) * 2));
	if (wr)
		pm[base + off / 4] |= (uint8_t)(2u << ((off % 4) * 2));
}

/* struct bi_segment's access rights -> the VMCB's packed 12-bit form
 * (APM Vol. 2, B-2: descriptor bits 47:40 and 55:52). */
static void seg_from_bi(struct vmcb_seg *d, const struct bi_segment *s)
{
	d->selector = s->selector;
	d->attrib = (uint16_t)((s->ar & 0xff) | ((s->ar >> 4) & 0xf00));
	d->limit = s->limit;
	d->base = s->base;
}

/* The guest-state fields @b holds, into the save area @g (the boot CPU's
 * state from the loader, or vcpu_sipi_state's reset state). */
static void put_guest_state(struct vmcb_save *g, const struct bi_guest_state *b)
{
	seg_from_bi(&g->es, &b->es);
	seg_from_bi(&g->cs, &b->cs);
	seg_from_bi(&g->ss, &b->ss);
	seg_from_bi(&g->ds, &b->ds);
	g->gdtr.base = b->gdtr_base;
	g->gdtr.limit = b->gdtr_limit;
	g->idtr.base = b->idtr_base;
	g->idtr.limit = b->idtr_limit;
	g->cpl = 0;
	g->efer = b->efer | EFER_SVME;	/* VMRUN requires it (15.5.1) */
	g->cr0 = b->cr0;
	g->cr3 = b->cr3;
	g->cr4 = b->cr4;
	g->cr2 = 0;
	g->dr6 = CPU_RESET_DR6;
	g->dr7 = CPU_RESET_DR7;	/* and it stays so: MOV DR is emulated */
	g->rflags = b->rflags;
	g->rip = b->rip;
	g->rsp = b->rsp;
	g->rax = 0;			/* the launch call returns 0 */
	g->g_pat = b->pat;
}

static int init_control(struct vcpu *v, uint16_t log_port)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control *c = &s->vmcb->ctl;
	uint32_t port;

	s->msrpm = hpa_ptr(frame_alloc_contig(2));
	s->iopm = hpa_ptr(frame_alloc_contig(3));
	if (!s->msrpm || !s->iopm)
		return -ENG_ENOMEM;
	/* EFER: keep SVME set and hidden.  HSAVE/VM_CR: SVM is not offered. */
	msrpm_set(s->msrpm, MSR_EFER, 1, 1);
	/* APIC base writes: the guest must not move the APIC's MMIO page
	 * onto the hypervisor's memory (the host's own accesses there would
	 * then reach the APIC); reads pass through. */
	msrpm_set(s->msrpm, MSR_APIC_BASE, 0, 1);
	/* x2APIC ICR writes: IPIs to other CPUs are refused (core/vexit.c). */
	msrpm_set(s->msrpm, 0x830, 0, 1);
	/* The system-call entry MSRs live in the VMCB (VMLOAD/VMSAVE state):
	 * their writes are emulated here so that the kernel-integrity lock
	 * can pin them (core/vexit.c, prot/klock.h). */
	msrpm_set(s->msrpm, MSR_STAR, 0, 1);
	msrpm_set(s->msrpm, MSR_LSTAR, 0, 1);
	msrpm_set(s->msrpm, MSR_CSTAR, 0, 1);
	msrpm_set(s->msrpm, MSR_SFMASK, 0, 1);
	msrpm_set(s->msrpm, MSR_SYSENTER_CS, 0, 1);
	msrpm_set(s->msrpm, MSR_SYSENTER_ESP, 0, 1);
	msrpm_set(s->msrpm, MSR_SYSENTER_EIP, 0, 1);
	msrpm_set(s->msrpm, MSR_VM_HSAVE_PA, 1, 1);
	msrpm_set(s->msrpm, MSR_VM_CR, 1, 1);
	/* The hypervisor's UART: the guest must not see or drive it. */
	for (port = log_port; port < log_port + 8u; port++)
		s->iopm[port / 8] |= (uint8_t)(1u << (port % 8));

	/* INVD would discard dirty cache lines, the hypervisor's too (its
	 * page tables, keys in flight, metadata): emulated as WBINVD. */
	/* Every MOV to or from DR0-DR15 (15.9): the host's DR0-DR3 hold the
	 * master key; core/vexit.c emulates the guest's debug registers. */
	c->intercept_dr = 0xffffffffu;
	/* INIT (15.13.3) would reset this CPU under the hypervisor, keys
	 * and clear frames left in RAM: a #VMEXIT, which the core turns
	 * into a reset after the wipe.  NMI (15.13.2): the hypervisor's
	 * own IPI between CPUs (core/smp.c); the guest never gets one, so
	 * it can never be inside an NMI handler that would hold ours off. */
	c->intercept1 = SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_MSR_PROT |
			SVM_INTERCEPT1_IOIO_PROT | SVM_INTERCEPT1_SHUTDOWN |
			SVM_INTERCEPT1_INVLPGA | SVM_INTERCEPT1_INVD |
			SVM_INTERCEPT1_INIT | SVM_INTERCEPT1_NMI;
	/* VMRUN must be intercepted (15.5.1); the other SVM instructions
	 * would work on host physical memory: the guest gets #UD.  XSETBV:
	 * the guest's XCR0 stays live on the host, where the XSAVE bracket
	 * saves guest | host components: only values the CPU supports and
	 * the bracket's area covers are let through (core/vexit.c). */
	c->intercept2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL |
			SVM_INTERCEPT2_VMLOAD | SVM_INTERCEPT2_VMSAVE |
			SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
			SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_XSETBV;
	c->iopm_base_pa = (uint64_t)(uintptr_t)s->iopm;
	c->msrpm_base_pa = (uint64_t)(uintptr_t)s->msrpm;
	c->guest_asid = GUEST_ASID;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->np_control = SVM_NP_ENABLE;
	c->n_cr3 = v->gpm->pgt.root;
	return 0;
}

static void svm_flush_tlb(struct vcpu *v)
{
	to_svm(v)->vmcb->ctl.tlb_control = SVM_TLB_FLUSH_ALL;
}

static int svm_init(struct vcpu *v, const struct boot_info *bi)
{
	struct svm_vcpu *s = to_svm(v);
	int rc;

	/* The host's own FS, GS (this CPU's record), TR for VMLOAD after
	 * exits: desc_init() and cpu_local_install() ran. */
	__asm__ volatile("vmsave %%rax" ::"a"(s->host_vmcb_pa) : "memory");
	rc = init_control(v, bi->log_port);
	if (rc)
		return rc;
	put_guest_state(&s->vmcb->save, &bi->guest);
	svm_decode_exit(v);	/* v->g from the initial state */
	v->exit.reason = VEXIT_OTHER;
	return 0;
}

static void seg_set(struct vmcb_seg *d, uint16_t sel, uint16_t attrib,
		    uint32_t limit, uint64_t base)
{
	d->selector = sel;
	d->attrib = attrib;
	d->limit = limit;
	d->base = base;
}

/*
 * The state after INIT and a start-up IPI with @vector (Intel SDM Vol. 3A
 * 9.1.1 table 9-1 and 8.4.4.1; AMD APM Vol. 2, 14.1.3 table 14-1): real
 * mode at @vector:0000, caches as after reset, every other register as
 * INIT leaves it.  Under nested paging the guest runs real mode natively
 * (15.19 "Paged Real Mode" is not needed).
 */
static void svm_sipi(struct vcpu *v, unsigned vector)
{
	struct vmcb *m = to_svm(v)->vmcb;
	struct vmcb_save *g = &m->save;
	struct bi_guest_state b;

	vcpu_sipi_state(&b, vector);
	memset(g, 0, sizeof(*g));
	put_guest_state(g, &b);
	seg_set(&g->fs, 0, CPU_RESET_AR_DATA, CPU_RESET_SEG_LIMIT, 0);
	seg_set(&g->gs, 0, CPU_RESET_AR_DATA, CPU_RESET_SEG_LIMIT, 0);
	seg_set(&g->ldtr, 0, CPU_RESET_AR_LDT, CPU_RESET_SEG_LIMIT, 0);
	seg_set(&g->tr, 0, CPU_RESET_AR_TSS, CPU_RESET_SEG_LIMIT, 0);
	m->ctl.event_inj = 0;
	m->ctl.int_shadow = 0;
	m->ctl.vintr = 0;
	m->ctl.tlb_control = SVM_TLB_FLUSH_ALL;
	memset(&v->gpr, 0, sizeof(v->gpr));
	v->gpr.rdx = cpuid(1).eax;	/* family, model, stepping */
	svm_decode_exit(v);
	v->exit.reason = VEXIT_OTHER;
}

/* An application processor: its VMCB with the same intercepts as the
 * boot CPU's; the guest state comes with its first start-up IPI. */
static int svm_init_ap(struct vcpu *v, uint16_t log_port)
{
	struct svm_vcpu *s;
	int rc = svm_cpu_setup(v);

	if (rc)
		return rc;
	s = to_svm(v);
	__asm__ volatile("vmsave %%rax" ::"a"(s->host_vmcb_pa) : "memory");
	rc = init_control(v, log_port);
	if (rc)
		return rc;
	svm_sipi(v, 0);
	return 0;
}

/* v->g -> VMCB, for the fields the core changed. */
static void write_back(struct vcpu *v)
{
	struct vmcb_save *g = &to_svm(v)->vmcb->save;
	uint32_t d = v->g.dirty;

	if (d & VG_DIRTY_RAX)
		g->rax = v->g.rax;
	if (d & VG_DIRTY_RSP)
		g->rsp = v->g.rsp;
	if (d & VG_DIRTY_RIP)
		g->rip = v->g.rip;
	if (d & VG_DIRTY_CR3)
		g->cr3 = v->g.cr3;
	if (d & VG_DIRTY_EFER)
		g->efer = v->g.efer | EFER_SVME;
	if (d & VG_DIRTY_DR6)
		g->dr6 = v->g.dr6;
	if (d & VG_DIRTY_CR0)
		g->cr0 = v->g.cr0;
	if (d & VG_DIRTY_CR4)
		g->cr4 = v->g.cr4;
	if (d & VG_DIRTY_CR2)
		g->cr2 = v->g.cr2;
	v->g.dirty = 0;
}

static int svm_enter(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	write_back(v);
	s->vmcb->ctl.clean = 0;	/* every field may have changed */
	svm_vmrun(&v->gpr, s->vmcb_pa, s->host_vmcb_pa);
	s->vmcb->ctl.tlb_control = 0;
	svm_decode_exit(v);
	return s->vmcb->ctl.exit_code == SVM_EXIT_INVALID ? -ENG_EINVAL : 0;
}

static void svm_dump(const struct vcpu *v)
{
	const struct vmcb *m = to_svm(v)->vmcb;
	const struct vmcb_save *g = &m->save;

	log_raw("  exit 0x%llx info1 0x%llx info2 0x%llx intinfo 0x%llx\n",
		(unsigned long long)m->ctl.exit_code,
		(unsigned long long)m->ctl.exit_info1,
		(unsigned long long)m->ctl.exit_info2,
		(unsigned long long)m->ctl.exit_int_info);
	log_raw("  rip %04x:%016llx rsp %016llx rflags %08llx cpl %u\n",
		g->cs.selector, (unsigned long long)g->rip,
		(unsigned long long)g->rsp, (unsigned long long)g->rflags,
		g->cpl);
	log_raw("  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n",
		(unsigned long long)g->cr0, (unsigned long long)g->cr2,
		(unsigned long long)g->cr3, (unsigned long long)g->cr4,
		(unsigned long long)g->efer);
	log_raw("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
		(unsigned long long)g->rax, (unsigned long long)v->gpr.rbx,
		(unsigned long long)v->gpr.rcx, (unsigned long long)v->gpr.rdx);
}

/* APM Vol. 2, 15.20 "Event Injection". */
static void svm_inject(struct vcpu *v, unsigned vector, bool has_error,
		       uint32_t error)
{
	uint64_t e = vector | SVM_EVTINJ_TYPE_EXCEPTION | SVM_EVTINJ_VALID;

	if (has_error)
		e |= SVM_EVTINJ_VALID_ERR | ((uint64_t)error << 32);
	to_svm(v)->vmcb->ctl.event_inj = e;
}

static void set_bit32(uint32_t *vector, uint32_t bit, bool on)
{
	*vector = on ? (*vector | bit) : (*vector & ~bit);
}

/* CR3 writes cost an exit each (APM Vol. 2, 15.9); HLT likewise. */
static void svm_intercept(struct vcpu *v, enum vintercept what, bool on)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->ctl;

	if (what == VINT_CR3_WRITE)
		set_bit32(&c->intercept_cr, SVM_INTERCEPT_CR3_WRITE, on);
	else if (what == VINT_PINS) {
		set_bit32(&c->intercept_cr, SVM_INTERCEPT_CR0_WRITE |
			  SVM_INTERCEPT_CR4_WRITE, on);
		set_bit32(&c->intercept1, SVM_INTERCEPT1_IDTR_WRITE, on);
	}
	else
		set_bit32(&c->intercept1, SVM_INTERCEPT1_HLT, on);
}

/* I/O permission map: one bit per port (APM Vol. 2, 15.10.1). */
static void svm_intercept_port(struct vcpu *v, uint16_t port)
{
	uint8_t *iopm = to_svm(v)->iopm;

	iopm[port / 8] |= (uint8_t)(1u << (port % 8));
}

/* The AMD MSRs the MSR permission map intercepts besides EFER: SVM is not
 * offered to the guest, so VM_CR reads "disabled, locked" and VM_HSAVE_PA
 * and VM_CR writes are #GP (APM Vol. 2, 15.30). */
/* The VMCB field holding a system-call entry MSR, or NULL. */
static uint64_t *syscall_msr_field(struct vcpu *v, uint32_t msr)
{
	struct vmcb_save *g = &to_svm(v)->vmcb->save;

	switch (msr) {
	case MSR_STAR:		return &g->star;
	case MSR_LSTAR:		return &g->lstar;
	case MSR_CSTAR:		return &g->cstar;
	case MSR_SFMASK:	return &g->sfmask;
	case MSR_SYSENTER_CS:	return &g->sysenter_cs;
	case MSR_SYSENTER_ESP:	return &g->sysenter_esp;
	case MSR_SYSENTER_EIP:	return &g->sysenter_eip;
	default:		return NULL;
	}
}

static int svm_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	uint64_t *f = syscall_msr_field(v, msr);

	if (f) {
		/* LSTAR, CSTAR, SYSENTER_ESP/EIP hold addresses: a
		 * non-canonical one is #GP (APM Vol. 2, 6.1.1). */
		if (write && (msr == MSR_LSTAR || msr == MSR_CSTAR ||
			      msr == MSR_SYSENTER_ESP || msr == MSR_SYSENTER_EIP) &&
		    !gva_canonical(*val, 48))
			return -ENG_EPERM;
		if (write)
			*f = msr == MSR_SYSENTER_CS ? (uint32_t)*val : *val;
		else
			*val = *f;
		return 0;
	}
	if (msr == MSR_VM_CR && !write) {
		*val = VM_CR_LOCK | VM_CR_SVMDIS;
		return 0;
	}
	return -ENG_EPERM;
}

/* SVM is not offered to the guest: CPUID Fn8000_0001 ECX[2] (SVM) clear
 * and leaf 8000_000A (SVM features) zero (APM Vol. 3, appendix E). */
static void svm_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_out *r)
{
	(void)subleaf;
	if (leaf == 0x80000001)
		r->ecx &= ~(1u << 2);
	else if (leaf == 0x8000000a)
		r->eax = r->ebx = r->ecx = r->edx = 0;
}

static const uint8_t op_vmmcall[] = { 0x0f, 0x01, 0xd9 };

const struct vcpu_ops svm_vcpu_ops = {
	.name = "AMD-V (SVM + NPT)",
	.capture = svm_capture,
	.gpm_format = &svm_npt_format,
	.gpm_max_level = svm_npt_max_level,
	.init = svm_init,
	.init_ap = svm_init_ap,
	.sipi = svm_sipi,
	.enter = svm_enter,
	.dump = svm_dump,
	.inject = svm_inject,
	.flush_tlb = svm_flush_tlb,
	.intercept = svm_intercept,
	.intercept_port = svm_intercept_port,
	.msr = svm_msr,
	.cpuid = svm_cpuid,
	.nmi_window = smp_nmi_window,
	.host_gif = true,
	.efer_reserved = EFER_SVME,
	.hypercall_insn = op_vmmcall,
	.hypercall_insn_len = sizeof(op_vmmcall),
};
