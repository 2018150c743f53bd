/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/shroudctl.c - the guest's command-line view of the Shroud
 * hypervisor.  A static userspace program: it talks to the hypervisor
 * directly from ring 3 with CPUID (discovery) and VMMCALL/VMCALL (calls),
 * as include/shroud/abi.h describes; it needs no kernel driver.
 *
 *   shroudctl [--json] status    detect Shroud, print hypervisor and ABI
 *                                version (exit 0), or say that it is not
 *                                running under Shroud (exit 1)
 *   shroudctl help               list the subcommands
 *
 * Exit status: 0 success, 1 not under Shroud or the call failed, 2 usage.
 * Subcommands are rows of cmd_table[]; a new one (list, stats, events)
 * is one handler plus one row.
 *
 * Safety rule: a hypercall instruction is executed only after the CPUID
 * signature said Shroud is there.  Without a hypervisor VMMCALL raises #UD
 * (SIGILL), and under another hypervisor its meaning is unknown.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shroud/abi.h>
/* libshroud for list/stats/events; shroudctl keeps its own shroud_present(). */
#define shroud_present libshroud_present
#include "libshroud/shroud.h"
#undef shroud_present

#define EXIT_NOT_SHROUD	1
#define EXIT_USAGE	2

struct opts {
	int json;		/* machine-readable output */
};

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* Registers of one hypercall, KVM convention (abi.h): number in RAX,
 * arguments in RBX, RCX, RDX, RSI; results in RAX, RBX, RCX, RDX. */
struct hc_regs {
	uint64_t rax, rbx, rcx, rdx, rsi;
};

enum hc_insn { HC_VMMCALL, HC_VMCALL };

static struct cpuid_regs cpuid(uint32_t leaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(0));
	return r;
}

/* AMD (and Hygon) use VMMCALL, Intel uses VMCALL; the wrong one is #UD. */
static enum hc_insn hc_insn_for_cpu(void)
{
	struct cpuid_regs r = cpuid(0);
	char vendor[13];

	memcpy(vendor + 0, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';
	return strcmp(vendor, "GenuineIntel") == 0 ? HC_VMCALL : HC_VMMCALL;
}

static void hypercall(struct hc_regs *r)
{
	if (hc_insn_for_cpu() == HC_VMCALL)
		__asm__ volatile("vmcall"
				 : "+a"(r->rax), "+b"(r->rbx), "+c"(r->rcx),
				   "+d"(r->rdx), "+S"(r->rsi)
				 :
				 : "memory");
	else
		__asm__ volatile("vmmcall"
				 : "+a"(r->rax), "+b"(r->rbx), "+c"(r->rcx),
				   "+d"(r->rdx), "+S"(r->rsi)
				 :
				 : "memory");
}

/* Shroud is present when CPUID 0x40000000 carries its signature.  The
 * hypervisor-present bit (CPUID 1 ECX[31]) is not required: the leaf range
 * is what the ABI defines. */
static int shroud_present(uint32_t *max_leaf)
{
	struct cpuid_regs r = cpuid(SHROUD_CPUID_LEAF_BASE);

	if (r.ebx != SHROUD_CPUID_SIG_EBX || r.ecx != SHROUD_CPUID_SIG_ECX ||
	    r.edx != SHROUD_CPUID_SIG_EDX)
		return 0;
	if (max_leaf)
		*max_leaf = r.eax;
	return 1;
}

static int not_shroud(const struct opts *o)
{
	if (o->json)
		printf("{\"shroud\": false}\n");
	fprintf(stderr, "shroudctl: not running under Shroud\n");
	return EXIT_NOT_SHROUD;
}

#include "shroudctl-ext.c"

static int cmd_status(const struct opts *o, int argc, char **argv)
{
	struct hc_regs r = { .rax = SHROUD_HC_VERSION };
	uint32_t max_leaf = 0, abi, ver;
	int64_t ret;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "shroudctl: status takes no arguments\n");
		return EXIT_USAGE;
	}
	if (!shroud_present(&max_leaf))
		return not_shroud(o);

	hypercall(&r);
	ret = (int64_t)r.rax;
	if (ret != 0 || r.rdx != SHROUD_ABI_MAGIC) {
		fprintf(stderr,
			"shroudctl: VERSION call failed: rax=%lld rdx=0x%llx\n",
			(long long)ret, (unsigned long long)r.rdx);
		return EXIT_NOT_SHROUD;
	}
	abi = (uint32_t)r.rbx;
	ver = (uint32_t)r.rcx;
	if (o->json)
		printf("{\"shroud\": true, \"version\": \"%u.%u.%u\", "
		       "\"abi\": \"%u.%u\", \"max_leaf\": \"0x%08x\"}\n",
		       SHROUD_VERSION_MAJOR(ver), SHROUD_VERSION_MINOR(ver),
		       SHROUD_VERSION_PATCH(ver), SHROUD_ABI_VERSION_MAJOR(abi),
		       SHROUD_ABI_VERSION_MINOR(abi), max_leaf);
	else
		printf("Shroud hypervisor %u.%u.%u, ABI %u.%u\n",
		       SHROUD_VERSION_MAJOR(ver), SHROUD_VERSION_MINOR(ver),
		       SHROUD_VERSION_PATCH(ver), SHROUD_ABI_VERSION_MAJOR(abi),
		       SHROUD_ABI_VERSION_MINOR(abi));
	if (SHROUD_ABI_VERSION_MAJOR(abi) != SHROUD_ABI_MAJOR) {
		fprintf(stderr, "shroudctl: hypervisor ABI %u.x, this tool "
			"speaks %u.x\n", SHROUD_ABI_VERSION_MAJOR(abi),
			SHROUD_ABI_MAJOR);
		return EXIT_NOT_SHROUD;
	}
	return 0;
}

static int cmd_help(const struct opts *o, int argc, char **argv);

struct cmd {
	const char *name;
	int (*fn)(const struct opts *o, int argc, char **argv);
	const char *help;
};

static const struct cmd cmd_table[] = {
	{ "status", cmd_status, "detect Shroud, print hypervisor and ABI version" },
	{ "list", cmd_list, "list partitions (id, range, class, tier, clear frames)" },
	{ "stats", cmd_stats, "global protected-memory counters" },
	{ "events", cmd_events, "events of this caller's partitions [--clear]" },
	{ "klock", cmd_klock, "lock the guest kernel's text (one-way until reset)" },
	{ "help", cmd_help, "list the subcommands" },
};

#define NCMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: shroudctl [--json] <command> [args]\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %s\n", cmd_table[i].name, cmd_table[i].help);
}

static int cmd_help(const struct opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int i = 1;
	size_t c;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o.json = 1;
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "shroudctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (c = 0; c < NCMDS; c++)
		if (strcmp(argv[i], cmd_table[c].name) == 0)
			return cmd_table[c].fn(&o, argc - i - 1, argv + i + 1);
	fprintf(stderr, "shroudctl: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return EXIT_USAGE;
}
