// SPDX-License-Identifier: GPL-2.0
/*
 * guest/kmod/shroudkm.c - ring-0 probes of the hypervisor's intercepts, for
 * test/integration/test_intercepts.py.  Loaded with busybox insmod, e.g.
 *   insmod /lib/shroudkm.ko test=apicbase base=0x1f000000
 *   insmod /lib/shroudkm.ko test=xsetbv
 *   insmod /lib/shroudkm.ko test=invd
 * init runs the one test named by test=, prints one result line (prefix
 * "shroudkm: ", read back with dmesg) and returns -EAGAIN, so the module
 * never stays loaded and insmod always reports an error: that is expected.
 *
 *   apicbase  move the local APIC's MMIO window (MSR_IA32_APICBASE) to the
 *             physical address base= (hex; the flag bits are kept); when
 *             the write succeeds, read it back and restore the old value at
 *             once.  Interrupts are off meanwhile.
 *             "shroudkm: apicbase old=0x.. try=0x.. wrmsr=RC"
 *             (+ " now=0x.. rdmsr=RC restored=RC" when the write succeeded)
 *   xsetbv    XCR0 rewritten with its own value (legal), with a feature bit
 *             CPUID 0xD.0 does not report (illegal) and without x87
 *             (illegal); each under an exception-table fixup (ok or gp);
 *             XCR0 restored at the end.
 *             "shroudkm: xsetbv xcr0=0x.. supported=0x.. bit=N"
 *             "shroudkm: xsetbv same=ok|gp unsupported=ok|gp nox87=ok|gp"
 *   invd      a known value written to a kmalloc'd buffer, INVD, read back.
 *             "shroudkm: invd done value=ok|lost"
 *   debugregs read DR0-DR3 and DR7 (the host keeps its master key in
 *             DR0-DR3), then write DR0 = 0x1234 and DR7 = 0x401 (an
 *             execute breakpoint nothing runs into), read both back and
 *             restore the old values; interrupts are off meanwhile.
 *             "shroudkm: debugregs dr0=.. dr1=.. dr2=.. dr3=.. dr7=..
 *              back0=.. back7=.."
 *   cr3read   the kernel-module attacker of issue 10: load the page-table
 *             root of process pid= into CR3 (interrupts off) and copy
 *             len= bytes from its user address addr= (hex) page by page
 *             with copy_from_user_nofault, then put CR3 back; count the
 *             secret markers in what was copied (XOR-compared, as memscan
 *             does: this module holds no marker in plaintext).
 *             "shroudkm: cr3read pages=N copied=C failed=F markers=M"
 *   physread  the stale-translation attacker of issue 11: pin the frames
 *             behind len= bytes at addr= (hex) of process pid= (at most 64
 *             pages), then, interrupts off (so this CPU takes no exit of
 *             its own), read the first bytes of each frame through the
 *             kernel's direct map over and over for ms= milliseconds and
 *             count the reads that see a marker (XOR-compared).  A CPU
 *             that kept a translation after the hypervisor took the frame
 *             out of its view would read the owner's plaintext once the
 *             owner's own CPU decrypts the frame.  A read the
 *             hypervisor answers with #GP (e.g. "no progress on a
 *             protected frame") is skipped by an exception fixup and
 *             counted as denied, so the module carries on.
 *             "shroudkm: physread pages=N reads=R hits=H denied=D"
 *   sipi      the unvirtualized-CPU attacker of issue 11: write a real-mode
 *             trampoline (it stores CPUID 0x40000000's EBX, the hypervisor
 *             signature the CPU sees, at its own page + 0xFF4, then 0xBEEF
 *             at + 0xFF0, and halts) at physical tramp= (hex, below 1 MiB,
 *             default 0x8000; Linux reserves the first MiB), then send
 *             INIT (assert, de-assert), SIPI, SIPI to APIC ID dest=
 *             (default 1; offline it first) through the local APIC's ICR,
 *             as Linux's own wakeup_secondary_cpu does, and poll the magic
 *             for up to 500 ms.  A CPU that runs the trampoline with
 *             another signature than Shroud's ("Shro" = 0x6f726853) runs
 *             outside the hypervisor, with all of physical memory.
 *             "shroudkm: sipi dest=D vector=0xVV started=yes|no magic=0x..
 *              hvsig=0x........"
 *   selfinit  an INIT IPI to this CPU itself (the "self" shorthand): on
 *             hardware it restarts the CPU, under a hypervisor that does not
 *             stop it in the middle of the hypervisor, with keys and clear
 *             frames left in RAM.  Interrupts off; if the CPU is still here
 *             10 ms later: "shroudkm: selfinit survived".
 *   stay      the module stays loaded ("shroudkm: stay loaded"), so that
 *             its code exists before a kernel lock; then
 *               echo text > /sys/module/shroudkm/parameters/poke
 *             writes one byte of kernel text (printk's first byte, its own
 *             value) through a writable alias of its page (vmap), as a
 *             rootkit or text_poke would: "shroudkm: poke text done" (the
 *             kernel-integrity lock refuses the write: #GP, no line).
 *               echo smep > .../poke   (and: echo wp > .../poke)
 *             clears CR4.SMEP (CR0.WP) with a raw MOV under an exception
 *             fixup, reads the register back and puts the bit back:
 *             "shroudkm: poke smep cleared=yes|no" (wp likewise).
 *               echo lstar > .../poke
 *             points MSR_LSTAR (the system-call entry) 4 KiB further with
 *             wrmsr_safe, reads it back and puts it back, interrupts off:
 *             "shroudkm: poke lstar changed=yes|no wrmsr=RC".
 *               echo lidt > .../poke
 *             SIDT, then LIDT of the same value under an exception fixup:
 *             "shroudkm: poke lidt done=yes|no".
 *               echo dtstore > .../poke
 *             SGDT, SIDT, SLDT and STR to memory, SLDT and STR to a 32-bit
 *             register, then LLDT of the LDT selector read (on VT-x
 *             under the lock each is an exit the hypervisor emulates):
 *             "shroudkm: poke dtstore gdt=BASE/LIMIT idt=BASE/LIMIT
 *             ldt=MEM/REG tr=MEM/REG" (hex; the same before and after
 *             the lock, or the emulation is wrong).
 */
#include <linux/errno.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/special_insns.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/apic.h>
#include <linux/delay.h>
#include <linux/io.h>

static char *test = "";
module_param(test, charp, 0444);
MODULE_PARM_DESC(test, "apicbase | xsetbv | invd | debugregs | cr3read");

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "cr3read: the process whose page tables are loaded");
static char *addr = "";
module_param(addr, charp, 0444);
MODULE_PARM_DESC(addr, "cr3read: user address in that process (hex)");
static unsigned long len;
module_param(len, ulong, 0444);
MODULE_PARM_DESC(len, "cr3read: bytes to copy (at most 16 MiB)");

static char *base = "";
module_param(base, charp, 0444);
MODULE_PARM_DESC(base, "apicbase: new APIC base, a hex physical address");

static char *tramp = "8000";
module_param(tramp, charp, 0444);
MODULE_PARM_DESC(tramp, "sipi: physical address of the trampoline page (hex, < 1 MiB)");
static int dest = 1;
module_param(dest, int, 0444);
MODULE_PARM_DESC(dest, "sipi: APIC ID of the CPU to start");

#define APICBASE_FLAGS 0xfffULL

#define SIPI_MAGIC_OFF	0xff0
#define SIPI_MAGIC	0xbeef

static int test_selfinit(void)
{
	unsigned long flags;

	local_irq_save(flags);
	apic_icr_write(APIC_DEST_SELF | APIC_INT_LEVELTRIG | APIC_INT_ASSERT |
		       APIC_DM_INIT, 0);
	mdelay(10);
	local_irq_restore(flags);
	pr_info("shroudkm: selfinit survived\n");
	return 0;
}

static int test_sipi(void)
{
	/* real mode, CS = page >> 4, IP = 0: what the started CPU sees as
	 * the hypervisor leaf, then the magic word:
	 *   mov eax, 0x40000000; cpuid; mov cs:[0xFF4], ebx;
	 *   mov ax, 0xBEEF; mov cs:[0xFF0], ax; cli; hlt; jmp $-1 */
	static const u8 code[] = { 0x66, 0xb8, 0x00, 0x00, 0x00, 0x40,
				   0x0f, 0xa2,
				   0x2e, 0x66, 0x89, 0x1e, 0xf4, 0x0f,
				   0xb8, 0xef, 0xbe, 0x2e, 0xa3, 0xf0, 0x0f,
				   0xfa, 0xf4, 0xeb, 0xfd };
	unsigned long pa;
	volatile u16 *magic;
	volatile u32 *sig;
	void *page;
	int i, started = 0;

	if (kstrtoul(tramp, 16, &pa) || (pa & ~PAGE_MASK) || pa >= 0x100000) {
		pr_info("shroudkm: sipi bad tramp=%s\n", tramp);
		return -EINVAL;
	}
	page = memremap(pa, PAGE_SIZE, MEMREMAP_WB);
	if (!page) {
		pr_info("shroudkm: sipi cannot map 0x%lx\n", pa);
		return -ENOMEM;
	}
	memcpy(page, code, sizeof(code));
	magic = (volatile u16 *)((u8 *)page + SIPI_MAGIC_OFF);
	sig = (volatile u32 *)((u8 *)page + SIPI_MAGIC_OFF + 4);
	*magic = 0;
	*sig = 0;
	wbinvd();
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, dest);
	mdelay(10);
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT, dest);
	mdelay(10);
	for (i = 0; i < 2; i++) {
		apic_icr_write(APIC_DM_STARTUP | (pa >> 12), dest);
		udelay(300);
	}
	for (i = 0; i < 50 && !started; i++) {
		started = *magic == SIPI_MAGIC;
		if (!started)
			msleep(10);
	}
	pr_info("shroudkm: sipi dest=%d vector=0x%02lx started=%s magic=0x%x "
		"hvsig=0x%08x\n", dest, pa >> 12, started ? "yes" : "no",
		*magic, *sig);
	memunmap(page);
	return 0;
}

static int test_apicbase(void)
{
	unsigned long flags;
	u64 want, old = 0, try, now = 0;
	int rrc, wrc, back = -1, restored = -1;

	if (kstrtoull(base, 16, &want)) {
		pr_info("shroudkm: apicbase bad base=%s\n", base);
		return -EINVAL;
	}
	local_irq_save(flags);
	rrc = rdmsrl_safe(MSR_IA32_APICBASE, &old);
	if (rrc) {
		local_irq_restore(flags);
		pr_info("shroudkm: apicbase rdmsr=%d\n", rrc);
		return 0;
	}
	try = (want & ~APICBASE_FLAGS) | (old & APICBASE_FLAGS);
	wrc = wrmsrl_safe(MSR_IA32_APICBASE, try);
	if (!wrc) {
		back = rdmsrl_safe(MSR_IA32_APICBASE, &now);
		restored = wrmsrl_safe(MSR_IA32_APICBASE, old);
	}
	local_irq_restore(flags);
	if (wrc)
		pr_info("shroudkm: apicbase old=0x%llx try=0x%llx wrmsr=%d\n",
			old, try, wrc);
	else
		pr_info("shroudkm: apicbase old=0x%llx try=0x%llx wrmsr=%d "
			"now=0x%llx rdmsr=%d restored=%d\n",
			old, try, wrc, now, back, restored);
	return 0;
}

/* XSETBV with a fixup: 0 when it retired, 1 when it faulted (#GP). */
static int try_xsetbv(u32 index, u64 value)
{
	int fault = 1;

	asm volatile("1: xsetbv\n\t"
		     "movl $0, %[fault]\n"
		     "2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fault] "+r" (fault)
		     : "c" (index), "a" ((u32)value), "d" ((u32)(value >> 32))
		     : "memory");
	return fault;
}

static const char *gp(int fault)
{
	return fault ? "gp" : "ok";
}

static int test_xsetbv(void)
{
	u32 eax, ebx, ecx, edx;
	u64 xcr0, supported;
	int same, unsup, nox87, bit;

	if (!boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		pr_info("shroudkm: xsetbv no OSXSAVE\n");
		return 0;
	}
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	supported = ((u64)edx << 32) | eax;
	for (bit = 1; bit <= 62; bit++)
		if (!(supported & BIT_ULL(bit)))
			break;

	preempt_disable();
	xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	same = try_xsetbv(XCR_XFEATURE_ENABLED_MASK, xcr0);
	unsup = bit <= 62 ?
		try_xsetbv(XCR_XFEATURE_ENABLED_MASK, xcr0 | BIT_ULL(bit)) : -1;
	nox87 = try_xsetbv(XCR_XFEATURE_ENABLED_MASK, xcr0 & ~1ULL);
	try_xsetbv(XCR_XFEATURE_ENABLED_MASK, xcr0);	/* restore */
	preempt_enable();

	pr_info("shroudkm: xsetbv xcr0=0x%llx supported=0x%llx bit=%d\n",
		xcr0, supported, bit);
	pr_info("shroudkm: xsetbv same=%s unsupported=%s nox87=%s\n",
		gp(same), unsup < 0 ? "none" : gp(unsup), gp(nox87));
	return 0;
}

#define INVD_PATTERN 0x5348524f55444b4dULL	/* "SHROUDKM" */

static int test_invd(void)
{
	u64 *buf = kmalloc(64, GFP_KERNEL);
	u64 got;

	if (!buf)
		return -ENOMEM;
	WRITE_ONCE(*buf, INVD_PATTERN);
	asm volatile("invd" ::: "memory");
	got = READ_ONCE(*buf);
	kfree(buf);
	pr_info("shroudkm: invd done value=%s\n",
		got == INVD_PATTERN ? "ok" : "lost");
	return 0;
}

static int test_debugregs(void)
{
	unsigned long flags, d0, d1, d2, d3, d7, b0, b7;

	local_irq_save(flags);
	get_debugreg(d0, 0);
	get_debugreg(d1, 1);
	get_debugreg(d2, 2);
	get_debugreg(d3, 3);
	get_debugreg(d7, 7);
	set_debugreg(0x1234UL, 0);
	set_debugreg(0x401UL, 7);
	get_debugreg(b0, 0);
	get_debugreg(b7, 7);
	set_debugreg(d7, 7);
	set_debugreg(d0, 0);
	local_irq_restore(flags);
	pr_info("shroudkm: debugregs dr0=0x%lx dr1=0x%lx dr2=0x%lx dr3=0x%lx "
		"dr7=0x%lx back0=0x%lx back7=0x%lx\n", d0, d1, d2, d3, d7, b0,
		b7);
	return 0;
}

/* The marker prefix "SHROUD-SECRET-MARKER-", each byte XOR 0x5a (the rule
 * of guest/tools/marker.h). */
static const u8 marker_x[21] = {
	0x09, 0x12, 0x08, 0x15, 0x0f, 0x1e, 0x77, 0x09, 0x1f, 0x19, 0x08,
	0x1f, 0x0e, 0x77, 0x17, 0x1b, 0x08, 0x11, 0x1f, 0x08, 0x77,
};

static unsigned long count_markers(const u8 *p, unsigned long n)
{
	unsigned long i, hits = 0;
	int j;

	for (i = 0; i + sizeof(marker_x) <= n; i++) {
		for (j = 0; j < (int)sizeof(marker_x); j++)
			if ((p[i + j] ^ 0x5a) != marker_x[j])
				break;
		if (j == (int)sizeof(marker_x))
			hits++;
	}
	return hits;
}

static int test_cr3read(void)
{
	unsigned long flags, old, root, off, copied = 0, failed = 0, pages = 0;
	struct task_struct *t;
	struct mm_struct *mm;
	u64 ua;
	u8 *buf;

	if (kstrtoull(addr, 16, &ua) || !len || len > (16UL << 20)) {
		pr_info("shroudkm: cr3read bad addr=%s len=%lu\n", addr, len);
		return -EINVAL;
	}
	rcu_read_lock();
	t = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t) {
		pr_info("shroudkm: cr3read no pid=%d\n", pid);
		return -ESRCH;
	}
	mm = get_task_mm(t);
	put_task_struct(t);
	if (!mm)
		return -ESRCH;
	buf = vzalloc(len);
	if (!buf) {
		mmput(mm);
		return -ENOMEM;
	}
	root = __pa(mm->pgd);
	local_irq_save(flags);
	old = __read_cr3();
	native_write_cr3(root);
	for (off = 0; off < len; off += PAGE_SIZE, pages++) {
		unsigned long n = min(PAGE_SIZE, len - off);

		if (copy_from_user_nofault(buf + off,
					   (const void __user *)(ua + off), n))
			failed++;
		else
			copied += n;
	}
	native_write_cr3(old);
	local_irq_restore(flags);
	mmput(mm);
	pr_info("shroudkm: cr3read pages=%lu copied=%lu failed=%lu "
		"markers=%lu\n", pages, copied, failed,
		count_markers(buf, len));
	vfree(buf);
	return 0;
}

static int read_ms = 2000;
module_param(read_ms, int, 0444);
MODULE_PARM_DESC(read_ms, "physread: how long to read, interrupts off");

#define PHYSREAD_PAGES	64

/* One byte at @p, or false if the read faulted (#GP, #PF: the fixup
 * skips the load). */
static bool read_byte_nofault(const volatile u8 *p, u8 *v)
{
	unsigned int b = 0, bad;

	asm volatile("xor %1, %1\n"
		     "1: movzbl (%2), %0\n"
		     "   jmp 3f\n"
		     "2: mov $1, %1\n"
		     "3:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : "=&r"(b), "=&r"(bad) : "r"(p) : "memory");
	*v = (u8)b;
	return !bad;
}

static int test_physread(void)
{
	struct page *pg[PHYSREAD_PAGES];
	unsigned long flags, reads = 0, hits = 0, denied = 0;
	long n, got = 0, i;
	struct task_struct *t;
	struct mm_struct *mm;
	ktime_t end;
	u64 ua;

	if (kstrtoull(addr, 16, &ua) || (ua & ~PAGE_MASK) || !len ||
	    len > PHYSREAD_PAGES * PAGE_SIZE || read_ms < 1 || read_ms > 5000) {
		pr_info("shroudkm: physread bad addr=%s len=%lu\n", addr, len);
		return -EINVAL;
	}
	n = (long)((len + PAGE_SIZE - 1) >> PAGE_SHIFT);
	rcu_read_lock();
	t = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t)
		return -ESRCH;
	mm = get_task_mm(t);
	put_task_struct(t);
	if (!mm)
		return -ESRCH;
	mmap_read_lock(mm);
	got = get_user_pages_remote(mm, (unsigned long)ua, (unsigned long)n, 0,
				    pg, NULL, NULL);
	mmap_read_unlock(mm);
	mmput(mm);
	if (got <= 0) {
		pr_info("shroudkm: physread pages=0 reads=0 hits=0\n");
		return -EFAULT;
	}
	local_irq_save(flags);
	end = ktime_add_ms(ktime_get(), read_ms);
	while (ktime_before(ktime_get(), end)) {
		for (i = 0; i < got; i++) {
			const volatile u8 *p = page_address(pg[i]);
			int j;
			u8 c;

			for (j = 0; j < (int)sizeof(marker_x); j++) {
				if (!read_byte_nofault(p + j, &c)) {
					denied++;
					break;
				}
				if ((c ^ 0x5a) != marker_x[j])
					break;
			}
			hits += j == (int)sizeof(marker_x);
			reads++;
		}
	}
	local_irq_restore(flags);
	for (i = 0; i < got; i++)
		put_page(pg[i]);
	pr_info("shroudkm: physread pages=%ld reads=%lu hits=%lu denied=%lu\n",
		got, reads, hits, denied);
	return 0;
}

/* Clear @bit of CR0 (@cr == 0) or CR4 with a raw MOV that may fault (the
 * fixup skips it), read the register back, put the bit back; whether it
 * was cleared. Interrupts off. */
static bool clear_cr_bit(int cr, unsigned long bit)
{
	unsigned long flags, old, now;

	local_irq_save(flags);
	if (cr == 0) {
		old = read_cr0();
		asm volatile("1: mov %0, %%cr0\n2:\n" _ASM_EXTABLE(1b, 2b)
			     : : "r"(old & ~bit) : "memory");
		now = read_cr0();
		asm volatile("mov %0, %%cr0" : : "r"(old) : "memory");
	} else {
		old = __read_cr4();
		asm volatile("1: mov %0, %%cr4\n2:\n" _ASM_EXTABLE(1b, 2b)
			     : : "r"(old & ~bit) : "memory");
		now = __read_cr4();
		asm volatile("mov %0, %%cr4" : : "r"(old) : "memory");
	}
	local_irq_restore(flags);
	return (old & bit) && !(now & bit);
}

/* poke=text|smep|wp: see the header. */
static int poke_set(const char *val, const struct kernel_param *kp)
{
	volatile u8 *p = (volatile u8 *)(unsigned long)&_printk, *q;
	struct page *pg;
	unsigned long flags;
	void *alias;
	u8 b;

	(void)kp;
	if (sysfs_streq(val, "lidt")) {
		struct desc_ptr idt;
		int done = 0;

		local_irq_save(flags);
		asm volatile("sidt %0" : "=m"(idt));
		asm volatile("1: lidt %1\n\tmovl $1, %0\n2:\n"
			     _ASM_EXTABLE(1b, 2b)
			     : "+r"(done) : "m"(idt) : "memory");
		local_irq_restore(flags);
		pr_info("shroudkm: poke lidt done=%s\n", done ? "yes" : "no");
		return 0;
	}
	if (sysfs_streq(val, "dtstore")) {
		struct desc_ptr g, i;
		u16 ldt_m = 0xffff, tr_m = 0xffff;
		unsigned long ldt_r = ~0ul, tr_r = ~0ul;

		local_irq_save(flags);
		asm volatile("sgdt %0" : "=m"(g));
		asm volatile("sidt %0" : "=m"(i));
		asm volatile("sldt %0" : "=m"(ldt_m));
		asm volatile("str %0" : "=m"(tr_m));
		asm volatile("sldt %k0" : "+r"(ldt_r));
		asm volatile("str %k0" : "+r"(tr_r));
		asm volatile("lldt %w0" : : "r"(ldt_m));
		local_irq_restore(flags);
		pr_info("shroudkm: poke dtstore gdt=%lx/%x idt=%lx/%x ldt=%x/%lx "
			"tr=%x/%lx\n", g.address, g.size, i.address, i.size,
			ldt_m, ldt_r, tr_m, tr_r);
		return 0;
	}
	if (sysfs_streq(val, "lstar")) {
		u64 old, now = 0;
		int rc;

		local_irq_save(flags);
		rdmsrl(MSR_LSTAR, old);
		rc = wrmsrl_safe(MSR_LSTAR, old + 0x1000);
		rdmsrl(MSR_LSTAR, now);
		if (now != old)
			wrmsrl(MSR_LSTAR, old);
		local_irq_restore(flags);
		pr_info("shroudkm: poke lstar changed=%s wrmsr=%d\n",
			now != old ? "yes" : "no", rc);
		return 0;
	}
	if (sysfs_streq(val, "smep") || sysfs_streq(val, "wp")) {
		bool smep = sysfs_streq(val, "smep");

		pr_info("shroudkm: poke %s cleared=%s\n", smep ? "smep" : "wp",
			clear_cr_bit(smep ? 4 : 0, smep ? X86_CR4_SMEP :
				     X86_CR0_WP) ? "yes" : "no");
		return 0;
	}
	if (!sysfs_streq(val, "text"))
		return -EINVAL;
	/* A writable alias of printk's page, as text_poke makes one: the
	 * guest's own page tables allow the write; only the hypervisor's
	 * map can refuse it. */
	pg = pfn_to_page(__pa_symbol(&_printk) >> PAGE_SHIFT);
	alias = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);
	if (!alias)
		return -ENOMEM;
	q = (volatile u8 *)alias + offset_in_page(p);
	local_irq_save(flags);
	b = *q;
	*q = b;
	local_irq_restore(flags);
	vunmap(alias);
	pr_info("shroudkm: poke text done at %px\n", p);
	return 0;
}

static const struct kernel_param_ops poke_ops = { .set = poke_set };
module_param_cb(poke, &poke_ops, NULL, 0200);
MODULE_PARM_DESC(poke, "stay: 'text' patches a byte of kernel text, 'smep' and 'wp' clear CR4.SMEP / CR0.WP");

/* Not __init: a module's init section is freed by a workqueue some time
 * after it loads (do_free_init), and a kernel locked in between
 * (shroudctl klock) still counts those frames as its text, so the free's
 * clearing of them is refused (#GP, an oops in the kworker).  With no
 * init section this test module leaves nothing to free. */
static int shroudkm_init(void)
{
	int rc;

	if (!strcmp(test, "apicbase"))
		rc = test_apicbase();
	else if (!strcmp(test, "xsetbv"))
		rc = test_xsetbv();
	else if (!strcmp(test, "invd"))
		rc = test_invd();
	else if (!strcmp(test, "debugregs"))
		rc = test_debugregs();
	else if (!strcmp(test, "cr3read"))
		rc = test_cr3read();
	else if (!strcmp(test, "sipi"))
		rc = test_sipi();
	else if (!strcmp(test, "physread"))
		rc = test_physread();
	else if (!strcmp(test, "selfinit"))
		rc = test_selfinit();
	else if (!strcmp(test, "stay")) {
		pr_info("shroudkm: stay loaded\n");
		return 0;		/* the one test that stays */
	}
	else {
		pr_info("shroudkm: unknown test=%s\n", test);
		return -EINVAL;
	}
	return rc ? rc : -EAGAIN;	/* never stay loaded */
}
module_init(shroudkm_init);

static void __exit shroudkm_exit(void)
{
}
module_exit(shroudkm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Shroud intercept probes (a test; never stays loaded)");
