/*
 * core/console.c - the serial debug console on the hypervisor's UART.
 * Polled after every #VMEXIT (the host takes no interrupts), so a key is
 * answered at the guest's next exit.  Keys:
 *   c  exit counters      g  guest registers      m  memory
 *   p  partitions         v  every vCPU's state     h  help
 * It only ever shows state, never key bytes or protected plaintext.
 */
#include "core/core.h"
#include "core/smp.h"
#include "base/lib.h"
#include "base/log.h"
#include "prot/protect.h"
#include "drivers/uart16550.h"
#include "mm/frame.h"

static const char *const vexit_names[VEXIT_COUNT] = {
	[VEXIT_CPUID] = "cpuid", [VEXIT_HYPERCALL] = "hypercall",
	[VEXIT_MSR_READ] = "msr_read", [VEXIT_MSR_WRITE] = "msr_write",
	[VEXIT_IO] = "io", [VEXIT_NPF] = "npf", [VEXIT_CR3_WRITE] = "cr3_write", [VEXIT_HLT] = "hlt",
	[VEXIT_VIRT_INSN] = "virt_insn",
	[VEXIT_SHUTDOWN] = "shutdown", [VEXIT_INVD] = "invd",
	[VEXIT_XSETBV] = "xsetbv", [VEXIT_DR_ACCESS] = "dr", [VEXIT_CR_PIN_WRITE] = "cr0/4", [VEXIT_IDTR_WRITE] = "lidt",
	[VEXIT_INIT] = "init", [VEXIT_NMI] = "nmi", [VEXIT_DESC_TABLE] = "dtable",
	[VEXIT_OTHER] = "other",
};

void core_print_counters(const struct vcpu *v)
{
	char line[256];
	int n;
	unsigned i;

	n = snprintf(line, sizeof(line), "exits total=%llu",
		     (unsigned long long)v->exits_total);
	for (i = 0; i < VEXIT_COUNT && n > 0 && (size_t)n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu",
			      vexit_names[i], (unsigned long long)v->exits[i]);
	log_info("stats", "%s", line);
	log_info("stats", "hypercalls=%llu ipis_refused=%llu frames used=%llu "
		 "free=%llu", (unsigned long long)v->hypercalls,
		 (unsigned long long)core_ipis_refused,
		 (unsigned long long)frame_used(),
		 (unsigned long long)frame_free());
}

static void console_key(struct vcpu *v, int key)
{
	switch (key) {
	case 'c':
		core_print_counters(v);
		break;
	case 'g':
		log_raw("guest state at the last exit:\n");
		v->ops->dump(v);
		break;
	case 'p':
		prot_print();
		break;
	case 'v':
		smp_print();
		break;
	case 'm':
		log_info("stats", "frames used=%llu free=%llu",
			 (unsigned long long)frame_used(),
			 (unsigned long long)frame_free());
		break;
	case 'h':
	case '?':
		log_raw("shroud console: c = exit counters, g = guest "
			"registers, m = memory, p = partitions, v = vCPUs, "
			"h = help\n");
		break;
	default:
		break;
	}
}

void core_after_exit(struct vcpu *v)
{
	int key, budget = 8;

	while (budget-- && (key = uart_getc_nonblock(core_log_port)) >= 0)
		console_key(v, key);
}
