/*
 * arch/x86/svm/svm.c - AMD-V vCPU: probe, VMCB set-up and the run loop.
 * AMD APM Vol. 2, chapter 15 "Secure Virtual Machine".
 *
 * Blue pill: the loader's CPU state at the launch point becomes the guest
 * state, so the firmware continues as the guest right after the call that
 * started the hypervisor.  What VMRUN does not load from the VMCB (FS, GS,
 * TR, LDTR, KernelGSBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER) is captured
 * by VMSAVE before the host replaces the firmware's descriptor tables.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/panic.h"
#include "mm/frame.h"

#define CPUID_EXT1_ECX_SVM	(1u << 2)
#define CPUID_SVM_EDX_NP	(1u << 0)
#define CPUID_SVM_EDX_NRIPS	(1u << 3)
#define GUEST_ASID		1u

static struct svm_vcpu svm_boot_vcpu;

static int svm_probe(void)
{
	struct cpuid_regs f;

	if (!(cpuid(0x80000001).ecx & CPUID_EXT1_ECX_SVM)) {
		log_err("svm", "CPU has no SVM");
		return -1;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		log_err("svm", "SVM disabled by firmware (VM_CR.SVMDIS)");
		return -1;
	}
	f = cpuid(0x8000000a);
	if (!(f.edx & CPUID_SVM_EDX_NP)) {
		log_err("svm", "CPU has SVM but no nested paging");
		return -1;
	}
	log_info("svm", "SVM rev %u, %u ASIDs, NP yes, NRIPS %s",
		 f.eax & 0xff, f.ebx, (f.edx & CPUID_SVM_EDX_NRIPS) ? "yes" :
		 "no (instruction lengths decoded)");
	return 0;
}

static int svm_capture(struct vcpu *v, const struct boot_info *bi)
{
	struct svm_vcpu *s = &svm_boot_vcpu;

	(void)bi;
	v->arch = s;
	s->vmcb_pa = frame_alloc();
	s->host_vmcb_pa = frame_alloc();
	s->hsave_pa = frame_alloc();
	if (!s->vmcb_pa || !s->host_vmcb_pa || !s->hsave_pa)
		return -1;
	s->vmcb = hpa_ptr(s->vmcb_pa);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, s->hsave_pa);
	__asm__ volatile("vmsave %%rax" ::"a"(s->vmcb_pa) : "memory");
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

static void seg_from_bi(struct vmcb_seg *d, const struct bi_segment *s)
{
	d->selector = s->selector;
	d->attrib = s->attrib;
	d->limit = s->limit;
	d->base = s->base;
}

static void init_guest_state(struct vmcb_save *g, const struct boot_info *bi)
{
	const struct bi_guest_state *b = &bi->guest;

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
	g->dr6 = 0xffff0ff0;
	g->dr7 = 0x400;
	g->rflags = b->rflags;
	g->rip = b->rip;
	g->rsp = b->rsp;
	g->rax = 0;			/* the launch call returns 0 */
	g->g_pat = b->pat;
}

static int init_control(struct svm_vcpu *s, const struct boot_info *bi)
{
	struct vmcb_control *c = &s->vmcb->ctl;
	uint32_t port;

	s->msrpm = hpa_ptr(frame_alloc_contig(2));
	s->iopm = hpa_ptr(frame_alloc_contig(3));
	if (!s->msrpm || !s->iopm)
		return -1;
	/* EFER: keep SVME set and hidden.  HSAVE/VM_CR: SVM is not offered. */
	msrpm_set(s->msrpm, MSR_EFER, 1, 1);
	msrpm_set(s->msrpm, MSR_VM_HSAVE_PA, 1, 1);
	msrpm_set(s->msrpm, MSR_VM_CR, 1, 1);
	/* The hypervisor's UART: the guest must not see or drive it. */
	s->log_port = bi->log_port;
	for (port = bi->log_port; port < bi->log_port + 8u; port++)
		s->iopm[port / 8] |= (uint8_t)(1u << (port % 8));

	c->intercept1 = SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_MSR_PROT |
			SVM_INTERCEPT1_IOIO_PROT | SVM_INTERCEPT1_SHUTDOWN |
			SVM_INTERCEPT1_INVLPGA;
	/* VMRUN must be intercepted (15.5.1); the other SVM instructions
	 * would work on host physical memory: the guest gets #UD. */
	c->intercept2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL |
			SVM_INTERCEPT2_VMLOAD | SVM_INTERCEPT2_VMSAVE |
			SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
			SVM_INTERCEPT2_SKINIT;
	c->iopm_base_pa = (uint64_t)(uintptr_t)s->iopm;
	c->msrpm_base_pa = (uint64_t)(uintptr_t)s->msrpm;
	c->guest_asid = GUEST_ASID;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->np_control = SVM_NP_ENABLE;
	c->n_cr3 = s->ncr3;
	return 0;
}

static int svm_init(struct vcpu *v, const struct boot_info *bi)
{
	struct svm_vcpu *s = to_svm(v);

	s->nrips = !!(cpuid(0x8000000a).edx & CPUID_SVM_EDX_NRIPS);
	s->decode_warn_budget = 16;
	/* The host's own FS, GS, TR (desc_init() ran) for VMLOAD after exits. */
	__asm__ volatile("vmsave %%rax" ::"a"(s->host_vmcb_pa) : "memory");
	if (npt_build(bi, &s->npt))
		return -1;
	s->ncr3 = s->npt.root;
	if (init_control(s, bi))
		return -1;
	init_guest_state(&s->vmcb->save, bi);
	return 0;
}

static void svm_run(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	log_info("svm", "launching guest at rip 0x%llx",
		 (unsigned long long)s->vmcb->save.rip);
	for (;;) {
		s->vmcb->ctl.clean = 0;	/* every field may have changed */
		svm_vmrun(&v->gpr, s->vmcb_pa, s->host_vmcb_pa);
		s->vmcb->ctl.tlb_control = 0;
		svm_handle_exit(v);
	}
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

static void svm_guest_paging(const struct vcpu *v, uint64_t *cr0,
			     uint64_t *cr3, uint64_t *cr4, uint64_t *efer)
{
	const struct vmcb_save *g = &to_svm(v)->vmcb->save;

	*cr0 = g->cr0;
	*cr3 = g->cr3;
	*cr4 = g->cr4;
	*efer = g->efer;
}

static unsigned svm_guest_cpl(const struct vcpu *v)
{
	return to_svm(v)->vmcb->save.cpl;
}

static void set_intercept(uint32_t *vector, uint32_t bit, int on)
{
	*vector = on ? (*vector | bit) : (*vector & ~bit);
}

/* CR3 writes are intercepted only while an owner-only partition exists:
 * each one costs an exit (APM Vol. 2, 15.9). */
static void svm_intercept_cr3(struct vcpu *v, int on)
{
	set_intercept(&to_svm(v)->vmcb->ctl.intercept_cr,
		      SVM_INTERCEPT_CR3_WRITE, on);
}

static void svm_intercept_hlt(struct vcpu *v, int on)
{
	set_intercept(&to_svm(v)->vmcb->ctl.intercept1, SVM_INTERCEPT1_HLT, on);
}

const struct vcpu_ops svm_vcpu_ops = {
	.name = "AMD-V (SVM + NPT)",
	.probe = svm_probe,
	.capture = svm_capture,
	.init = svm_init,
	.run = svm_run,
	.dump = svm_dump,
	.npt_map_4k = svm_npt_map_4k,
	.npt_identity_2m = svm_npt_identity_2m,
	.guest_paging = svm_guest_paging,
	.guest_cpl = svm_guest_cpl,
	.intercept_cr3 = svm_intercept_cr3,
	.intercept_hlt = svm_intercept_hlt,
};
