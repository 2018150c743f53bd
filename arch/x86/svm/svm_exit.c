/*
 * arch/x86/svm/svm_exit.c - decode a #VMEXIT from the VMCB into the
 * vendor-neutral record (struct vexit, struct vcpu_guest); the meaning of
 * each exit is in core/vexit.c.  Exit codes: AMD APM Vol. 2, Appendix C;
 * EXITINFO1/2 per intercept: 15.8.1 (CRx), 15.10.2 (IOIO), 15.11 (MSR),
 * 15.25.6 (nested page fault error code).
 */
#include "arch/x86/svm/svm_vcpu.h"
#include "arch/x86/cpu.h"

/* Nested page fault error code (EXITINFO1), APM Vol. 2, 15.25.6. */
#define NPF_ERR_WRITE	(1ull << 1)
#define NPF_ERR_FETCH	(1ull << 4)
/* Long-mode code segment: the L bit in the VMCB's packed attributes. */
#define VMCB_ATTR_L	(1u << 9)

static void decode_guest(struct vcpu *v, const struct vmcb_save *g)
{
	v->g.rax = g->rax;
	v->g.rsp = g->rsp;
	v->g.rip = g->rip;
	v->g.rflags = g->rflags;
	v->g.cr0 = g->cr0;
	v->g.cr2 = g->cr2;
	v->g.dr6 = g->dr6;
	v->g.cr3 = g->cr3;
	v->g.cr4 = g->cr4;
	v->g.efer = g->efer & ~EFER_SVME;
	v->g.cs_base = g->cs.base;
	v->g.cpl = g->cpl;
	v->g.cs_long = (g->efer & EFER_LMA) && (g->cs.attrib & VMCB_ATTR_L);
	v->g.dirty = 0;
}

static enum vexit_reason reason_of(uint64_t code)
{
	switch (code) {
	case SVM_EXIT_CPUID:	return VEXIT_CPUID;
	case SVM_EXIT_VMMCALL:	return VEXIT_HYPERCALL;
	case SVM_EXIT_IOIO:	return VEXIT_IO;
	case SVM_EXIT_NPF:	return VEXIT_NPF;
	case SVM_EXIT_CR3_WRITE: return VEXIT_CR3_WRITE;
	case SVM_EXIT_WRITE_CR0: case SVM_EXIT_WRITE_CR4:
		return VEXIT_CR_PIN_WRITE;
	case SVM_EXIT_IDTR_WRITE: return VEXIT_IDTR_WRITE;
	case SVM_EXIT_HLT:	return VEXIT_HLT;
	case SVM_EXIT_SHUTDOWN:	return VEXIT_SHUTDOWN;
	case SVM_EXIT_INIT:	return VEXIT_INIT;
	case SVM_EXIT_NMI:	return VEXIT_NMI;
	case SVM_EXIT_INVD:	return VEXIT_INVD;
	case SVM_EXIT_XSETBV:	return VEXIT_XSETBV;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI: case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		return VEXIT_VIRT_INSN;
	default:
		/* 0x20-0x2f read DR0-DR15, 0x30-0x3f write (Appendix C). */
		if (code >= SVM_EXIT_READ_DR0 && code <= SVM_EXIT_WRITE_DR0 + 15)
			return VEXIT_DR_ACCESS;
		return VEXIT_OTHER;
	}
}

void svm_decode_exit(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control *c = &s->vmcb->ctl;
	struct vexit *x = &v->exit;
	uint64_t info = c->exit_info1;

	decode_guest(v, &s->vmcb->save);
	/* An exit during event delivery: deliver the event again (15.7.2). */
	if (c->exit_int_info & SVM_EVTINJ_VALID)
		c->event_inj = c->exit_int_info;
	x->code = c->exit_code;
	x->reason = reason_of(c->exit_code);
	x->insn_len = 0;
	if (s->nrips && c->next_rip > v->g.rip && c->next_rip - v->g.rip <= 15)
		x->insn_len = (unsigned)(c->next_rip - v->g.rip);
	switch (x->reason) {
	case VEXIT_IO:
		x->u.io.port = (uint16_t)(info >> SVM_IOIO_PORT_SHIFT);
		x->u.io.size = (uint8_t)((info & SVM_IOIO_SIZE_MASK) >>
					 SVM_IOIO_SIZE_SHIFT);
		x->u.io.in = !!(info & SVM_IOIO_TYPE_IN);
		x->u.io.string = !!(info & SVM_IOIO_STR);
		/* EXITINFO2 is the next RIP, with or without NRIPS. */
		x->insn_len = (unsigned)(c->exit_info2 - v->g.rip);
		break;
	case VEXIT_NPF:
		x->u.npf.gpa = mk_gpa(c->exit_info2);
		x->u.npf.info = info;
		x->u.npf.access = (info & NPF_ERR_FETCH) ? VACC_X :
				  (info & NPF_ERR_WRITE) ? VACC_W : VACC_R;
		break;
	case VEXIT_DR_ACCESS:
		/* The GPR comes from the instruction (core/vexit.c): EXITINFO1
		 * names it only with decode assists, which TCG lacks. */
		x->u.dr.dr = (unsigned)(c->exit_code & 0xf);
		x->u.dr.write = c->exit_code >= SVM_EXIT_WRITE_DR0;
		break;
	case VEXIT_CR_PIN_WRITE:
		x->u.cr.cr = (unsigned)(c->exit_code - SVM_EXIT_WRITE_CR0);
		x->u.cr.gpr = (info & (1ull << 63)) ? (int)(info & 0xf) : -1;
		break;
	case VEXIT_CR3_WRITE:
		/* With decode assists EXITINFO1 names the GPR (15.8.1). */
		x->u.cr.gpr = (info & (1ull << 63)) ? (int)(info & 0xf) : -1;
		break;
	default:
		if (c->exit_code == SVM_EXIT_MSR)
			x->reason = info == 1 ? VEXIT_MSR_WRITE : VEXIT_MSR_READ;
		break;
	}
}
