/*
 * arch/x86/vmx/vmx_exit.c - decode a VM exit from the VMCS into the
 * vendor-neutral record (struct vexit, struct vcpu_guest); the meaning of
 * each exit is in core/vexit.c.  Basic exit reasons: Intel SDM Vol. 3D
 * appendix C; exit qualifications: Vol. 3C 28.2.1 (tables 28-3 CR access,
 * 28-4 MOV DR, 28-5 I/O, 28-7 EPT violation); instruction length: 28.2.5.
 */
#include "arch/x86/vmx/vmx_vcpu.h"
#include "arch/x86/cpu.h"

#define EPT_QUAL_WRITE		(1ull << 1)
#define EPT_QUAL_FETCH		(1ull << 2)
#define CR_QUAL_TYPE(q)		(((q) >> 4) & 3u)	/* 0 MOV to CR */
#define CR_QUAL_TYPE_CLTS	2u
#define CR_QUAL_TYPE_LMSW	3u
#define INTR_INFO_UNDEFINED12	(1u << 12)	/* NMI unblocking via IRET */

void vmx_decode_guest(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint64_t cs_ar = vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS);
	uint64_t ss_ar = vmread(VMCS_GUEST_ES_AR + 2 * SEG_SS);
	uint64_t cr2, dr6;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	v->g.rax = x->rax;
	v->g.rsp = vmread(VMCS_GUEST_RSP);
	v->g.rip = vmread(VMCS_GUEST_RIP);
	v->g.rflags = vmread(VMCS_GUEST_RFLAGS);
	/* The guest's view: its own bits, and the shadow where masked. */
	v->g.cr0 = (vmread(VMCS_GUEST_CR0) & ~x->cr0_mask) |
		   (vmread(VMCS_CR0_SHADOW) & x->cr0_mask);
	v->g.cr4 = (vmread(VMCS_GUEST_CR4) & ~x->cr4_mask) |
		   (vmread(VMCS_CR4_SHADOW) & x->cr4_mask);
	v->g.cr2 = cr2;
	v->g.cr3 = vmread(VMCS_GUEST_CR3);
	v->g.dr6 = dr6;
	v->g.efer = vmread(VMCS_GUEST_EFER);
	v->g.cs_base = vmread(VMCS_GUEST_ES_BASE + 2 * SEG_CS);
	v->g.cpl = VMX_AR_DPL((uint32_t)ss_ar);	/* 24.4.1: CPL is SS.DPL */
	v->g.cs_long = (v->g.efer & EFER_LMA) && (cs_ar & VMX_AR_L);
	v->g.dirty = 0;
}

static enum vexit_reason reason_of(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_CPUID:		return VEXIT_CPUID;
	case VMX_EXIT_VMCALL:		return VEXIT_HYPERCALL;
	case VMX_EXIT_IO:		return VEXIT_IO;
	case VMX_EXIT_EPT_VIOLATION:	return VEXIT_NPF;
	case VMX_EXIT_HLT:		return VEXIT_HLT;
	case VMX_EXIT_TRIPLE_FAULT:	return VEXIT_SHUTDOWN;
	case VMX_EXIT_INIT:		return VEXIT_INIT;
	case VMX_EXIT_INVD:		return VEXIT_INVD;
	case VMX_EXIT_XSETBV:		return VEXIT_XSETBV;
	case VMX_EXIT_DR_ACCESS:	return VEXIT_DR_ACCESS;
	case VMX_EXIT_RDMSR:		return VEXIT_MSR_READ;
	case VMX_EXIT_WRMSR:		return VEXIT_MSR_WRITE;
	case VMX_EXIT_GETSEC: case VMX_EXIT_INVEPT: case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
		return VEXIT_VIRT_INSN;
	default:
		if (basic >= VMX_EXIT_VMCLEAR && basic <= VMX_EXIT_VMXON)
			return VEXIT_VIRT_INSN;
		return VEXIT_OTHER;
	}
}

/* Exits caused by an instruction: the VM-exit instruction length is
 * valid (28.2.5). */
static bool insn_exit(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_CPUID: case VMX_EXIT_VMCALL: case VMX_EXIT_IO:
	case VMX_EXIT_HLT: case VMX_EXIT_INVD: case VMX_EXIT_XSETBV:
	case VMX_EXIT_DR_ACCESS: case VMX_EXIT_CR_ACCESS:
	case VMX_EXIT_RDMSR: case VMX_EXIT_WRMSR:
	case VMX_EXIT_GDTR_IDTR: case VMX_EXIT_LDTR_TR:
		return true;
	default:
		return false;
	}
}

/* The VM-exit instruction-information field of exits 46 and 47 (Intel
 * SDM Vol. 3C 28.2.5, tables 28-10 and 28-11). */
#define II_SCALE(i)		((i) & 3u)
#define II_REG1(i)		(((i) >> 3) & 0xfu)
#define II_ADDR_SIZE(i)		(((i) >> 7) & 7u)	/* 0: 16, 1: 32, 2: 64 */
#define II_REG_OPERAND		(1u << 10)		/* exit 47 only */
#define II_SEG(i)		(((i) >> 15) & 7u)
#define II_INDEX(i)		(((i) >> 18) & 0xfu)
#define II_NO_INDEX		(1u << 22)
#define II_BASE(i)		(((i) >> 23) & 0xfu)
#define II_NO_BASE		(1u << 27)
#define II_IDENTITY(i)		(((i) >> 28) & 3u)

/* A descriptor-table exit into u.dt: the operand's linear address
 * (segment base + base + index * scale + displacement, at the address
 * size; in 64-bit mode only FS and GS have a base, 3.3.7.1) or its
 * register, and the registers the core's emulation reads. */
static void decode_desc_table(struct vcpu *v, uint32_t basic, uint64_t q)
{
	struct vexit *x = &v->exit;
	uint32_t ii = (uint32_t)vmread(VMCS_EXIT_INSN_INFO);
	unsigned seg = II_SEG(ii), asz = II_ADDR_SIZE(ii);
	uint64_t ea = q;

	x->u.dt.op = II_IDENTITY(ii) + (basic == VMX_EXIT_LDTR_TR ? 4u : 0u);
	x->u.dt.mem = !(basic == VMX_EXIT_LDTR_TR && (ii & II_REG_OPERAND));
	x->u.dt.gpr = II_REG1(ii);
	if (!(ii & II_NO_BASE))
		ea += *vcpu_gpr(v, II_BASE(ii));
	if (!(ii & II_NO_INDEX))
		ea += *vcpu_gpr(v, II_INDEX(ii)) << II_SCALE(ii);
	if (asz == 0)
		ea &= 0xffffu;
	else if (asz == 1)
		ea &= 0xffffffffu;
	if (!v->g.cs_long || seg == SEG_FS || seg == SEG_GS)
		ea += vmread(VMCS_GUEST_ES_BASE + 2 * seg);
	x->u.dt.gva = v->g.cs_long ? ea : (uint32_t)ea;
	x->u.dt.table_base = vmread(x->u.dt.op == VDT_SIDT ?
				    VMCS_GUEST_IDTR_BASE : VMCS_GUEST_GDTR_BASE);
	x->u.dt.table_limit = (uint16_t)vmread(x->u.dt.op == VDT_SIDT ?
					       VMCS_GUEST_IDTR_LIMIT :
					       VMCS_GUEST_GDTR_LIMIT);
	x->u.dt.sel = (uint16_t)vmread(x->u.dt.op == VDT_STR ?
				       VMCS_GUEST_TR_SEL : VMCS_GUEST_LDTR_SEL);
	x->u.dt.gdtr_base = vmread(VMCS_GUEST_GDTR_BASE);
	x->u.dt.gdtr_limit = (uint16_t)vmread(VMCS_GUEST_GDTR_LIMIT);
	/* LIDT is the one all backends report alike */
	x->reason = x->u.dt.op == 3u ? VEXIT_IDTR_WRITE : VEXIT_DESC_TABLE;
}

void vmx_decode_exit(struct vcpu *v)
{
	struct vexit *x = &v->exit;
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	uint32_t basic = reason & 0xffffu;
	uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	uint32_t intr;
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned len;

	vmx_decode_guest(v);
	/* An exit during event delivery: deliver the event again (28.2.4,
	 * 26.6.1; the same fields, bit 12 is not an entry bit). */
	if (idt & INTR_INFO_VALID) {
		(void)vmwrite(VMCS_ENTRY_INTR_INFO, idt & ~INTR_INFO_UNDEFINED12);
		if (idt & INTR_INFO_ERROR_VALID)
			(void)vmwrite(VMCS_ENTRY_EXCEPTION_ERROR,
				      vmread(VMCS_IDT_VECTORING_ERROR));
		(void)vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
	}
	x->code = reason;
	x->reason = (reason & VMX_EXIT_ENTRY_FAILED) ? VEXIT_OTHER :
		    reason_of(basic);
	len = insn_exit(basic) ? (unsigned)vmread(VMCS_EXIT_INSN_LEN) : 0;
	x->insn_len = len <= 15 ? len : 0;
	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI:
		intr = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
		if ((intr & INTR_INFO_VALID) &&
		    INTR_INFO_TYPE(intr) == INTR_TYPE_NMI)
			x->reason = VEXIT_NMI;
		break;
	case VMX_EXIT_IO:
		x->u.io.port = (uint16_t)(q >> 16);
		x->u.io.size = (uint8_t)((q & 7u) + 1u);
		x->u.io.in = !!(q & (1u << 3));
		x->u.io.string = !!(q & (1u << 4));
		break;
	case VMX_EXIT_EPT_VIOLATION:
		x->u.npf.gpa = mk_gpa(vmread(VMCS_GUEST_PHYS_ADDR));
		x->u.npf.info = q;
		x->u.npf.access = (q & EPT_QUAL_FETCH) ? VACC_X :
				  (q & EPT_QUAL_WRITE) ? VACC_W : VACC_R;
		break;
	case VMX_EXIT_DR_ACCESS:
		x->u.dr.dr = (unsigned)(q & 7u);
		x->u.dr.write = !(q & (1u << 4));	/* 0: MOV to DR */
		break;
	case VMX_EXIT_GDTR_IDTR:
	case VMX_EXIT_LDTR_TR:
		decode_desc_table(v, basic, q);
		break;
	case VMX_EXIT_CR_ACCESS:
		x->u.cr.cr = (unsigned)(q & 0xfu);
		x->u.cr.gpr = (int)((q >> 8) & 0xfu);
		if (CR_QUAL_TYPE(q) == CR_QUAL_TYPE_CLTS ||
		    CR_QUAL_TYPE(q) == CR_QUAL_TYPE_LMSW) {
			/* The core decodes CLTS itself (no GPR). */
			x->u.cr.cr = 0;
			x->u.cr.gpr = -1;
			x->reason = VEXIT_CR_PIN_WRITE;
		} else if (CR_QUAL_TYPE(q) != 0)
			x->reason = VEXIT_OTHER;	/* MOV from CR: not asked */
		else if (x->u.cr.cr == 3)
			x->reason = VEXIT_CR3_WRITE;
		else if (x->u.cr.cr == 0 || x->u.cr.cr == 4)
			x->reason = VEXIT_CR_PIN_WRITE;
		else
			x->reason = VEXIT_OTHER;
		break;
	default:
		break;
	}
}
