/*
 * arch/x86/fpu.c - the bracket around host use of XMM/YMM registers
 * (AES-NI, VAES).  The host's code is built with -mno-sse, so the only
 * vector state in the registers is the guest's; arch_fpu_begin() saves it
 * with XSAVE under the host's XCR0 (x87, SSE, AVX where present) and
 * arch_fpu_end() restores all of it and then the guest's XCR0.  Without XSAVE, FXSAVE
 * covers x87/SSE.  Intel SDM Vol. 1, 13 "Managing State Using the XSAVE
 * Feature Set"; AMD APM Vol. 2, 11.5.
 * The save area and the nesting depth are per CPU (struct fpu_state, one
 * per vCPU, bound with fpu_bind()); no host interrupts.  Brackets nest (a
 * depth count): the protection layer opens one around a whole fault, so
 * the decrypt and the eviction's encrypt inside it share one XSAVE/XRSTOR
 * pair.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/fpu.h"
#include "arch/x86/percpu.h"
#include "base/log.h"
#include "base/panic.h"

static uint64_t host_xcr0;	/* the same on every CPU */
static int have_xsave;
/* This CPU's save area: its struct cpu_local (arch/x86/percpu.h). */
void fpu_bind(struct fpu_state *st)
{
	struct cpu_local *l = cpu_local();

	ASSERT(!l->fpu || !l->fpu->depth);
	l->fpu = st;
}

static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" ::"a"((uint32_t)v), "d"((uint32_t)(v >> 32)),
			 "c"(0));
}

void fpu_init(void)
{
	struct cpuid_regs l1 = cpuid(1), d;

	write_cr4(read_cr4() | CR4_OSFXSR);
	if (!(l1.ecx & (1u << 26))) {
		log_info("fpu", "no XSAVE: FXSAVE bracket");
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	d = cpuid_count(0xd, 0);
	host_xcr0 = ((uint64_t)d.edx << 32 | d.eax) & 0x7;	/* x87 SSE AVX */
	if (d.ecx > FPU_AREA_MAX)
		panic("XSAVE area of %u bytes exceeds %u", d.ecx,
		      FPU_AREA_MAX);
	have_xsave = 1;
	log_info("fpu", "XSAVE bracket, host XCR0 0x%llx, area %u bytes",
		 (unsigned long long)host_xcr0, d.ecx);
}

/* Save under guest XCR0 | host XCR0, so that XRSTOR puts back every
 * component the host may touch (even one the guest has not enabled) and
 * no host vector state, round keys included, survives into the guest. */
void arch_fpu_begin(void)
{
	struct fpu_state *f = cpu_local()->fpu;

	ASSERT(f && f->depth < 8);
	if (f->depth++)
		return;
	if (!have_xsave) {
		__asm__ volatile("fxsave64 %0" : "=m"(f->area));
		return;
	}
	f->guest_xcr0 = xgetbv0();
	f->bracket_xcr0 = f->guest_xcr0 | host_xcr0;	/* only ever adds bits */
	if (f->bracket_xcr0 != f->guest_xcr0)
		xsetbv0(f->bracket_xcr0);
	__asm__ volatile("xsave64 %0"
			 : "=m"(f->area)
			 : "a"((uint32_t)f->bracket_xcr0),
			   "d"((uint32_t)(f->bracket_xcr0 >> 32))
			 : "memory");
}

void arch_fpu_end(void)
{
	struct fpu_state *f = cpu_local()->fpu;

	ASSERT(f && f->depth > 0);
	if (--f->depth)
		return;
	if (!have_xsave) {
		__asm__ volatile("fxrstor64 %0" ::"m"(f->area));
	} else {
		__asm__ volatile("xrstor64 %0" ::"m"(f->area),
				 "a"((uint32_t)f->bracket_xcr0),
				 "d"((uint32_t)(f->bracket_xcr0 >> 32))
				 : "memory");
		if (f->bracket_xcr0 != f->guest_xcr0)
			xsetbv0(f->guest_xcr0);
	}
}
