/*
 * arch/x86/svm/svm_exit.c - #VMEXIT dispatch: one small handler per exit
 * code (AMD APM Vol. 2, Appendix C).  A guest's mistake is answered with
 * an injected exception or an error code; only a state the hypervisor
 * cannot continue from stops the guest, with the reason logged.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/insn.h"
#include "core/core.h"
#include "core/cpuid.h"
#include "core/gmem.h"
#include "core/hypercall.h"
#include "core/log.h"
#include "core/protect.h"
#include "mm/gpt_walk.h"

#define VEC_UD	6
#define VEC_GP	13

static const uint8_t op_cpuid[] = { 0x0f, 0xa2 };
static const uint8_t op_vmmcall[] = { 0x0f, 0x01, 0xd9 };
static const uint8_t op_rdmsr[] = { 0x0f, 0x32 };
static const uint8_t op_wrmsr[] = { 0x0f, 0x30 };

void svm_inject_exception(struct vcpu *v, unsigned vector, int has_error,
			  uint32_t error)
{
	uint64_t e = vector | SVM_EVTINJ_TYPE_EXCEPTION | SVM_EVTINJ_VALID;

	if (has_error)
		e |= SVM_EVTINJ_VALID_ERR | ((uint64_t)error << 32);
	to_svm(v)->vmcb->ctl.event_inj = e;
}

static struct gpt_walk guest_walker(const struct vmcb_save *g)
{
	struct gpt_walk w = { g->cr0, g->cr3, g->cr4, g->efer, gmem_read, 0 };

	return w;
}

/*
 * Advance RIP past the intercepted instruction @opc.  With NRIPS the CPU
 * tells the next RIP; without it (QEMU TCG) the instruction is fetched
 * through the guest's page tables and its prefixes counted.
 */
static void advance_rip(struct vcpu *v, const uint8_t *opc, unsigned len)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_save *g = &s->vmcb->save;
	struct gpt_walk w;
	uint8_t bytes[INSN_MAX_LEN];
	unsigned n = 0;
	int lm = (g->efer & EFER_LMA) && (g->cs.attrib & (1u << 9));

	if (s->nrips && s->vmcb->ctl.next_rip) {
		g->rip = s->vmcb->ctl.next_rip;
		return;
	}
	w = guest_walker(g);
	if (!gpt_read(&w, g->cs.base + g->rip, bytes, len + 5))
		n = insn_len_expected(bytes, len + 5, opc, len, lm);
	else if (!gpt_read(&w, g->cs.base + g->rip, bytes, len))
		n = insn_len_expected(bytes, len, opc, len, lm);
	if (!n) {
		if (log_ratelimit(&s->decode_warn_budget))
			log_warn("svm", "cannot decode at rip 0x%llx, assuming "
				 "%u bytes", (unsigned long long)g->rip, len);
		n = len;
	}
	g->rip += n;
}

static void exit_cpuid(struct vcpu *v)
{
	struct vmcb_save *g = &to_svm(v)->vmcb->save;
	uint32_t leaf = (uint32_t)g->rax, sub = (uint32_t)v->gpr.rcx;
	struct cpuid_regs h = cpuid_count(leaf, sub);
	struct cpuid_out r = { h.eax, h.ebx, h.ecx, h.edx };

	v->exits[VEXIT_CPUID]++;
	cpuid_guest_view(leaf, sub, &r);
	g->rax = r.eax;
	v->gpr.rbx = r.ebx;
	v->gpr.rcx = r.ecx;
	v->gpr.rdx = r.edx;
	advance_rip(v, op_cpuid, sizeof(op_cpuid));
}

static void exit_vmmcall(struct vcpu *v)
{
	struct vmcb_save *g = &to_svm(v)->vmcb->save;
	struct hc_regs r = { g->rax, v->gpr.rbx, v->gpr.rcx, v->gpr.rdx,
			     v->gpr.rsi, g->cpl };

	v->exits[VEXIT_HYPERCALL]++;
	hc_dispatch(v, &r);
	g->rax = r.rax;
	v->gpr.rbx = r.rbx;
	v->gpr.rcx = r.rcx;
	v->gpr.rdx = r.rdx;
	v->gpr.rsi = r.rsi;
	advance_rip(v, op_vmmcall, sizeof(op_vmmcall));
}

/* EFER bits a guest may write; SVME is ours (hidden, always set). */
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_NXE | EFER_FFXSR | EFER_TCE)

static int wrmsr_efer(struct vmcb_save *g, uint64_t val)
{
	if (val & ~(EFER_GUEST_BITS | EFER_LMA))
		return -1;
	/* Toggling LME with paging on is #GP (APM Vol. 2, 14.6.1). */
	if ((g->cr0 & CR0_PG) && ((val ^ g->efer) & EFER_LME))
		return -1;
	g->efer = (val & EFER_GUEST_BITS) | (g->efer & EFER_LMA) | EFER_SVME;
	return 0;
}

static void exit_msr(struct vcpu *v)
{
	struct vmcb *m = to_svm(v)->vmcb;
	uint32_t msr = (uint32_t)v->gpr.rcx;
	int write = m->ctl.exit_info1 == 1, fault = 0;
	uint64_t val = (m->save.rax & 0xffffffffull) | (v->gpr.rdx << 32);

	v->exits[write ? VEXIT_MSR_WRITE : VEXIT_MSR_READ]++;
	if (msr == MSR_EFER && write)
		fault = wrmsr_efer(&m->save, val);
	else if (msr == MSR_EFER)
		val = m->save.efer & ~EFER_SVME;
	else if (msr == MSR_VM_CR && !write)
		val = VM_CR_LOCK | VM_CR_SVMDIS;	/* "SVM disabled" */
	else
		fault = 1;	/* VM_HSAVE_PA, VM_CR writes: no SVM here */
	if (fault) {
		svm_inject_exception(v, VEC_GP, 1, 0);
		return;
	}
	if (!write) {
		m->save.rax = (uint32_t)val;
		v->gpr.rdx = val >> 32;
	}
	advance_rip(v, write ? op_wrmsr : op_rdmsr, 2);
}

/*
 * Only the hypervisor's UART is intercepted.  The firmware may already have
 * found a UART at that port before the launch, so the port answers as an
 * idle UART with nothing connected: LSR says "transmitter empty, no data"
 * (0x60), every other register reads 0 (which fails Linux's 8250 probe, its
 * IER read-back test), and writes are dropped.
 */
static void exit_ioio(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *m = s->vmcb;
	uint64_t info = m->ctl.exit_info1;
	unsigned size = (unsigned)((info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT);
	unsigned port = (unsigned)(info >> SVM_IOIO_PORT_SHIFT);
	static uint32_t str_budget = 4;

	v->exits[VEXIT_IO]++;
	if (info & SVM_IOIO_STR) {
		if (log_ratelimit(&str_budget))
			log_warn("svm", "string I/O to port 0x%x ignored", port);
	} else if (info & SVM_IOIO_TYPE_IN) {
		uint64_t mask = size >= 4 ? 0xffffffffull : size == 2 ? 0xffff : 0xff;
		uint64_t val = (port - s->log_port == 5) ? 0x60 : 0;

		m->save.rax = (m->save.rax & ~mask) | val;
	}
	m->save.rip = m->ctl.exit_info2;	/* next RIP (15.10.2) */
}

static uint64_t *gpr_slot(struct vcpu *v, unsigned gpr)
{
	struct vmcb_save *g = &to_svm(v)->vmcb->save;
	uint64_t *regs[16] = {
		&g->rax, &v->gpr.rcx, &v->gpr.rdx, &v->gpr.rbx, &g->rsp,
		&v->gpr.rbp, &v->gpr.rsi, &v->gpr.rdi, &v->gpr.r8, &v->gpr.r9,
		&v->gpr.r10, &v->gpr.r11, &v->gpr.r12, &v->gpr.r13,
		&v->gpr.r14, &v->gpr.r15,
	};

	return regs[gpr & 15];
}

/* MOV CR3: with decode assists EXITINFO1 names the GPR (15.8.1); without
 * them (QEMU TCG) the instruction is fetched and decoded. */
static int cr3_source(struct vcpu *v, unsigned *gpr, unsigned *len)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_save *g = &s->vmcb->save;
	struct gpt_walk w = guest_walker(g);
	uint8_t b[INSN_MAX_LEN];
	unsigned cr, n, lm = (g->efer & EFER_LMA) && (g->cs.attrib & (1u << 9));

	if (s->vmcb->ctl.exit_info1 & (1ull << 63)) {
		*gpr = (unsigned)(s->vmcb->ctl.exit_info1 & 0xf);
		*len = 0;
		return 0;
	}
	for (n = INSN_MAX_LEN; n >= 3; n--)
		if (!gpt_read(&w, g->cs.base + g->rip, b, n))
			break;
	*len = n < 3 ? 0 : insn_decode_mov_to_cr(b, n, (int)lm, &cr, gpr);
	return (*len && cr == 3) ? 0 : -1;
}

static void exit_cr3_write(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_save *g = &s->vmcb->save;
	unsigned gpr, len;
	uint64_t val;

	v->exits[VEXIT_CR3_WRITE]++;
	if (cr3_source(v, &gpr, &len))
		vcpu_stop(v, "cannot decode the CR3 write");
	val = *gpr_slot(v, gpr);
	if ((g->cr4 & (1ull << 17)) && (val & (1ull << 63)))
		val &= ~(1ull << 63);	/* PCID "no flush": we flush anyway */
	if (val & 0x7ff0000000000000ull) {	/* MBZ bits 62:52 */
		svm_inject_exception(v, VEC_GP, 1, 0);
		return;
	}
	g->cr3 = val;
	s->vmcb->ctl.tlb_control = SVM_TLB_FLUSH_ALL;
	if (s->nrips && s->vmcb->ctl.next_rip)
		g->rip = s->vmcb->ctl.next_rip;
	else
		g->rip += len;
	prot_cr3_write(v, val);
}

static void exit_svm_insn(struct vcpu *v)
{
	v->exits[VEXIT_SVM_INSN]++;
	svm_inject_exception(v, VEC_UD, 0, 0);	/* SVM is hidden */
}

static void exit_npf(struct vcpu *v)
{
	struct vmcb *m = to_svm(v)->vmcb;
	int rc;

	v->exits[VEXIT_NPF]++;
	rc = prot_npf(v, m->ctl.exit_info2, m->ctl.exit_info1, m->save.rip);
	if (rc > 0)
		return;
	if (rc == -2 && m->save.cpl == 3) {
		/* Integrity failure: the owner gets #GP, never altered data. */
		svm_inject_exception(v, VEC_GP, 1, 0);
		return;
	}
	if (rc < 0)
		vcpu_stop(v, rc == -2 ? "protected frame failed its integrity "
			  "check under the guest kernel" :
			  "no progress on a protected frame");
	log_err("svm", "nested page fault: gpa 0x%llx error 0x%llx",
		(unsigned long long)m->ctl.exit_info2,
		(unsigned long long)m->ctl.exit_info1);
	vcpu_stop(v, "nested page fault outside the guest-physical map");
}

void svm_handle_exit(struct vcpu *v)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->ctl;

	v->exits_total++;
	if (v->exits_total <= 64)
		log_debug("exit", "#%llu code 0x%llx rip 0x%llx",
			  (unsigned long long)v->exits_total,
			  (unsigned long long)c->exit_code,
			  (unsigned long long)to_svm(v)->vmcb->save.rip);
	/* An exit during event delivery: deliver the event again (15.7.2). */
	if (c->exit_int_info & SVM_EVTINJ_VALID)
		c->event_inj = c->exit_int_info;
	switch (c->exit_code) {
	case SVM_EXIT_CPUID:
		exit_cpuid(v);
		break;
	case SVM_EXIT_VMMCALL:
		exit_vmmcall(v);
		break;
	case SVM_EXIT_MSR:
		exit_msr(v);
		break;
	case SVM_EXIT_IOIO:
		exit_ioio(v);
		break;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI: case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		exit_svm_insn(v);
		break;
	case SVM_EXIT_NPF:
		exit_npf(v);
		break;
	case SVM_EXIT_CR3_WRITE:
		exit_cr3_write(v);
		break;
	case SVM_EXIT_HLT:
		/* RIP stays on the HLT: with the intercept now off the guest
		 * executes it natively and sleeps until its next interrupt. */
		v->exits[VEXIT_HLT]++;
		prot_idle(v);
		v->ops->intercept_hlt(v, 0);
		break;
	case SVM_EXIT_SHUTDOWN:
		v->exits[VEXIT_SHUTDOWN]++;
		vcpu_stop(v, "guest shutdown (triple fault)");
	default:
		v->exits[VEXIT_OTHER]++;
		log_err("svm", "unexpected #VMEXIT code 0x%llx",
			(unsigned long long)c->exit_code);
		vcpu_stop(v, "unexpected #VMEXIT");
	}
	core_after_exit(v);
}
