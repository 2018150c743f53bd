/*
 * arch/x86/cpu.h - thin wrappers over x86-64 system instructions (CPUID,
 * MSRs, control registers, descriptor tables, port I/O).  Used by the
 * loader and the hypervisor core; nothing outside arch/ and drivers/ may
 * include it (mm/ and crypto/ stay free of inline assembly).
 * Source: AMD APM Vol. 2 (System Programming) and Vol. 3 (CPUID).
 */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include <stdint.h>

/* MSRs (AMD APM Vol. 2, appendix A). */
#define MSR_EFER		0xc0000080u
#define MSR_STAR		0xc0000081u
#define MSR_LSTAR		0xc0000082u
#define MSR_CSTAR		0xc0000083u
#define MSR_SFMASK		0xc0000084u
#define MSR_SYSENTER_CS		0x00000174u
#define MSR_SYSENTER_ESP	0x00000175u
#define MSR_SYSENTER_EIP	0x00000176u
#define MSR_FS_BASE		0xc0000100u
#define MSR_GS_BASE		0xc0000101u
#define MSR_KERNEL_GS_BASE	0xc0000102u
#define MSR_PAT			0x00000277u
#define MSR_APIC_BASE		0x0000001bu

#define EFER_SCE		(1ull << 0)
#define EFER_LME		(1ull << 8)
#define EFER_LMA		(1ull << 10)
#define EFER_NXE		(1ull << 11)
#define EFER_LMSLE		(1ull << 13)
#define EFER_FFXSR		(1ull << 14)
#define EFER_TCE		(1ull << 15)


#define CR0_PG			(1ull << 31)
#define CR0_MP			(1ull << 1)
#define CR0_EM			(1ull << 2)
#define CR0_TS			(1ull << 3)
#define CR0_WP			(1ull << 16)
#define CR4_TSD			(1ull << 2)
#define CR4_PGE			(1ull << 7)
#define CR4_PCE			(1ull << 8)
#define CR4_UMIP		(1ull << 11)
#define CR4_SMEP		(1ull << 20)
#define CR4_SMAP		(1ull << 21)
#define CR4_DE			(1ull << 3)
#define CR4_PAE			(1ull << 5)
#define CR4_OSFXSR		(1ull << 9)
#define CR4_OSXSAVE		(1ull << 18)
#define CR4_LA57		(1ull << 12)

#define RFLAGS_IF		(1ull << 9)
#define RFLAGS_AC		(1ull << 18)

/*
 * Register values after INIT (Intel SDM Vol. 3A 9.1.1 table 9-1; AMD APM
 * Vol. 2, 14.1.3 table 14-1): caches off (CD, NW) with ET, the power-up
 * PAT (WB, WT, UC-, UC, twice), RFLAGS with only its reserved bit 1,
 * 64 KiB real-mode segments with the access rights the CPU gives them.
 */
#define CPU_RESET_CR0		0x60000010ull
#define CPU_RESET_PAT		0x0007040600070406ull
#define CPU_RESET_RFLAGS	0x2ull
#define CPU_RESET_DR6		0xffff0ff0ull
#define CPU_RESET_DR7		0x400ull
#define CPU_RESET_SEG_LIMIT	0xffffu
#define CPU_RESET_AR_CODE	0x9bu	/* present, code, readable, accessed */
#define CPU_RESET_AR_DATA	0x93u	/* present, data, writable, accessed */
#define CPU_RESET_AR_LDT	0x82u	/* present, LDT */
#define CPU_RESET_AR_TSS	0x8bu	/* present, busy 32-bit TSS */

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32))
			 : "memory");
}

#define DEFINE_READ_CR(n)                                                  \
	static inline uint64_t read_cr##n(void)                            \
	{                                                                  \
		uint64_t v;                                                \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
#undef DEFINE_READ_CR

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

/* The time-stamp counter (AMD APM Vol. 3, RDTSC). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

/* Pseudo-descriptor as stored by SGDT/SIDT (AMD APM Vol. 2, 4.6.2). */
struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline struct desc_ptr read_gdtr(void)
{
	struct desc_ptr d;

	__asm__ volatile("sgdt %0" : "=m"(d));
	return d;
}

static inline struct desc_ptr read_idtr(void)
{
	struct desc_ptr d;

	__asm__ volatile("sidt %0" : "=m"(d));
	return d;
}

#define DEFINE_READ_SEG(n)                                                 \
	static inline uint16_t read_##n(void)                              \
	{                                                                  \
		uint16_t v;                                                \
		__asm__ volatile("mov %%" #n ", %0" : "=r"(v));            \
		return v;                                                  \
	}
DEFINE_READ_SEG(cs)
DEFINE_READ_SEG(ss)
DEFINE_READ_SEG(ds)
DEFINE_READ_SEG(es)
DEFINE_READ_SEG(fs)
DEFINE_READ_SEG(gs)
#undef DEFINE_READ_SEG

static inline uint16_t read_tr(void)
{
	uint16_t v;

	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

static inline uint16_t read_ldtr(void)
{
	uint16_t v;

	__asm__ volatile("sldt %0" : "=r"(v));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif /* ARCH_X86_CPU_H */
