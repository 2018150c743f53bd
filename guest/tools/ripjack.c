/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/ripjack.c - the root attacker of issue 8 item 1: makes the
 * owner of protected memory execute inside its own protected buffer, then
 * reads the buffer as root while the owner is held at the fault.
 *
 *   ripjack [--no-mprotect] [--timeout SEC] PID ADDR [LEN]
 *   ripjack --write-fd FD PID ADDR [LEN]
 *
 * --write-fd (issue 10, "active root"): after step 1 the owner is made to
 * run write(FD, ADDR, LEN) itself, at its own `syscall` instruction (FD is
 * one of the owner's descriptors, e.g. 1: its output file), then its
 * registers are restored and it is let go; the bytes land wherever FD
 * points, for root to read at leisure.  "ripjack: injected write fd=<n>
 * rc=<r>", then "ripjack: detached".  Steps 2-5 do not run.
 *
 * Steps (the owner, PID, should be asleep, e.g. protect-demo in pause()):
 *  1. PTRACE_SEIZE + PTRACE_INTERRUPT, wait for the stop, save registers.
 *  2. Unless --no-mprotect: make the page of ADDR executable by injecting
 *     mprotect(page, 4096, its prot | PROT_EXEC) at the owner's own
 *     `syscall` instruction (the one it sleeps in).  libshroud maps the
 *     buffer RW, i.e. NX in the guest's page tables: without this the
 *     fetch faults in the guest's own paging (#PF) and never reaches the
 *     hypervisor.  "ripjack: mprotect exec rc=<n>".
 *  3. RIP = ADDR, every other general register 0 and RSP 512 bytes below
 *     the owner's (so that, where the data does run as code, a memory
 *     operand faults at once instead of writing into the owner's data,
 *     and pushes land below its red zone), PTRACE_CONT; wait for the next
 *     stop (the fetch's fault):
 *     "ripjack: stop signal=<n>" (0 if none came within --timeout, 30 s
 *     by default; the owner is then interrupted).
 *  4. Without letting the owner run a handler (the signal is never
 *     delivered): read LEN bytes at ADDR (default: to the end of the
 *     mapping that holds ADDR) with PTRACE_PEEKDATA and with pread of
 *     /proc/PID/mem, count the markers of marker.h in each:
 *       ripjack: page0 peek=<n> procmem=<m>     (the page of ADDR alone)
 *       ripjack: peek markers=<n> procmem markers=<m> read_errors=<e>
 *     read_errors counts failed PEEKDATA words plus failed pread pages.
 *  5. Put the page's protection back (injected mprotect, "ripjack:
 *     mprotect restore rc=<n>"), restore the saved registers (the owner
 *     goes back into its interrupted system call) and PTRACE_DETACH with
 *     signal 0: "ripjack: detached".
 * The marker prefix is never built in plaintext here: bytes are compared
 * after XOR (marker.h), as in memscan.
 * Exit status: 0 ran to the end, 1 failure (message on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "marker.h"

#define PG	4096ul

static pid_t pid;

static void die(const char *what)
{
	fprintf(stderr, "ripjack: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Marker prefixes in buf[0..n), compared after XOR. */
static unsigned long count_markers(const uint8_t *buf, size_t n)
{
	unsigned long hits = 0;
	size_t i, j;

	for (i = 0; i + MARKER_PREFIX_LEN <= n; i++) {
		for (j = 0; j < MARKER_PREFIX_LEN; j++)
			if ((uint8_t)(buf[i + j] ^ MARKER_XOR) != marker_prefix_x[j])
				break;
		hits += j == MARKER_PREFIX_LEN;
	}
	return hits;
}

/* The mapping of /proc/PID/maps that holds a: its end and PROT_ bits. */
static int find_map(uint64_t a, uint64_t *end, int *prot)
{
	char path[64], line[512], perms[8];
	unsigned long lo, hi;
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    a < lo || a >= hi)
			continue;
		*end = hi;
		*prot = (perms[0] == 'r' ? PROT_READ : 0) |
			(perms[1] == 'w' ? PROT_WRITE : 0) |
			(perms[2] == 'x' ? PROT_EXEC : 0);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* waitpid for the tracee; the raw status, or -1 with errno (EINTR when
 * the alarm went off). */
static int wait_stop(void)
{
	int st;

	if (waitpid(pid, &st, __WALL) < 0)
		return -1;
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		fprintf(stderr, "ripjack: pid %d ended (status 0x%x)\n",
			(int)pid, st);
		exit(1);
	}
	return st;
}

/*
 * Run one system call in the tracee at its `syscall` instruction sc_ip;
 * the tracee is in a ptrace stop.  Returns the call's result (rax).
 * The tracee is left in its syscall-exit-stop.
 */
static long inject(const struct user_regs_struct *base, uint64_t sc_ip,
		   long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct user_regs_struct r = *base;
	int st, i;

	r.rip = sc_ip;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1;	/* no restart of the interrupted call */
	r.rdi = a0;
	r.rsi = a1;
	r.rdx = a2;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0)
		die("PTRACE_SETREGS (inject)");
	for (i = 0; i < 2; i++) {	/* entry stop, then exit stop */
		do {
			if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
				die("PTRACE_SYSCALL");
			st = wait_stop();
			if (st < 0)
				die("waitpid (inject)");
			/* Anything but a syscall stop (SIGTRAP|0x80) is a
			 * signal stop: suppressed (signal 0) and go on. */
		} while (!(WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80)));
	}
	if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
		die("PTRACE_GETREGS (inject)");
	return (long)r.rax;
}

/* Registers back as they were at the interrupt (a call the injection
 * ended is restarted as the kernel would have), then PTRACE_DETACH. */
static void restore_and_detach(const struct user_regs_struct *saved,
			       int injected)
{
	struct user_regs_struct r = *saved;

	if ((long long)saved->orig_rax >= 0 && injected) {
		/* Restoring at a syscall-exit stop: no signal delivery will
		 * restart the interrupted call, so do what the kernel's
		 * restart does (no handler ran). */
		long e = -(long)saved->rax;

		if (e == 512 || e == 513 || e == 514) {	/* ERESTART* */
			r.rax = saved->orig_rax;
			r.rip -= 2;
		} else if (e == 516) {			/* RESTART_BLOCK */
			r.rax = SYS_restart_syscall;
			r.rip -= 2;
		}
	}
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0)
		die("PTRACE_SETREGS (restore)");
	if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0)
		die("PTRACE_DETACH");
	printf("ripjack: detached\n");
}

/* The owner's `syscall` instruction it is stopped after, or 0. */
static uint64_t syscall_ip(const struct user_regs_struct *saved)
{
	long w;

	errno = 0;
	w = ptrace(PTRACE_PEEKTEXT, pid, (void *)(saved->rip - 2), 0);
	if (errno || (long long)saved->orig_rax < 0 || (w & 0xffff) != 0x050f) {
		fprintf(stderr, "ripjack: pid %d is not stopped in a system "
			"call (rip-2: 0x%lx)\n", (int)pid, w & 0xffff);
		return 0;
	}
	return saved->rip - 2;
}

int main(int argc, char **argv)
{
	struct user_regs_struct saved, r;
	struct sigaction sa;
	int i, st, prot = 0, do_mprotect = 1, timeout = 30, fd, stopsig;
	uint64_t addr = 0, len = 0, end = 0, page, sc_ip = 0, off;
	unsigned long errs = 0, peek_hits, mem_hits, p0_peek, p0_mem;
	uint8_t *pk, *pm;
	char path[64];
	int nargs = 0, write_fd = -1;
	long w;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-mprotect"))
			do_mprotect = 0;
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--write-fd") && i + 1 < argc)
			write_fd = atoi(argv[++i]);
		else if (argv[i][0] == '-')
			goto usage;
		else if (nargs == 0)
			pid = (pid_t)atoi(argv[i]), nargs++;
		else if (nargs == 1)
			addr = strtoull(argv[i], NULL, 0), nargs++;
		else if (nargs == 2)
			len = strtoull(argv[i], NULL, 0), nargs++;
		else
			goto usage;
	}
	if (nargs < 2 || pid <= 0 || !addr || timeout <= 0)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = addr & ~(PG - 1);
	if (find_map(addr, &end, &prot) < 0) {
		fprintf(stderr, "ripjack: 0x%llx is not mapped in pid %d\n",
			(unsigned long long)addr, (int)pid);
		return 1;
	}
	if (!len)
		len = end - addr;

	/* 1. Stop the owner. */
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)PTRACE_O_TRACESYSGOOD) < 0)
		die("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
		die("PTRACE_INTERRUPT");
	if ((st = wait_stop()) < 0)
		die("waitpid (interrupt)");
	if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0)
		die("PTRACE_GETREGS");
	printf("ripjack: attached pid=%d rip=0x%llx orig_rax=%lld rax=%lld "
	       "map_end=0x%llx prot=%d\n", (int)pid,
	       (unsigned long long)saved.rip, (long long)saved.orig_rax,
	       (long long)saved.rax, (unsigned long long)end, prot);

	/* The owner writes its own buffer out (--write-fd). */
	if (write_fd >= 0) {
		long rc;

		sc_ip = syscall_ip(&saved);
		if (!sc_ip) {
			ptrace(PTRACE_DETACH, pid, 0, 0);
			return 1;
		}
		rc = inject(&saved, sc_ip, SYS_write, (uint64_t)write_fd, addr,
			    len);
		printf("ripjack: injected write fd=%d rc=%ld\n", write_fd, rc);
		restore_and_detach(&saved, 1);
		return 0;
	}

	/* 2. Make the page executable with the owner's own syscall. */
	if (do_mprotect) {
		long rc;

		sc_ip = syscall_ip(&saved);
		if (!sc_ip) {
			fprintf(stderr, "ripjack: use --no-mprotect\n");
			ptrace(PTRACE_DETACH, pid, 0, 0);
			return 1;
		}
		rc = inject(&saved, sc_ip, SYS_mprotect, page, PG,
			    (uint64_t)(prot | PROT_EXEC));
		printf("ripjack: mprotect exec page=0x%llx rc=%ld\n",
		       (unsigned long long)page, rc);
	}

	/* 3. RIP into the protected buffer. */
	memset(&r, 0, sizeof(r));
	r.cs = saved.cs;
	r.ss = saved.ss;
	r.ds = saved.ds;
	r.es = saved.es;
	r.fs = saved.fs;
	r.gs = saved.gs;
	r.fs_base = saved.fs_base;
	r.gs_base = saved.gs_base;
	r.eflags = saved.eflags;
	r.rsp = (saved.rsp - 512) & ~15ull;	/* below the red zone */
	r.rip = addr;
	r.orig_rax = (uint64_t)-1;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0)
		die("PTRACE_SETREGS (rip)");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waitpid gets EINTR */
	sigaction(SIGALRM, &sa, NULL);
	if (ptrace(PTRACE_CONT, pid, 0, 0) < 0)
		die("PTRACE_CONT");
	alarm((unsigned)timeout);
	for (;;) {
		st = wait_stop();
		if (st < 0 && errno == EINTR) {
			printf("ripjack: no stop within %d s, interrupting\n",
			       timeout);
			if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
				die("PTRACE_INTERRUPT (timeout)");
			if ((st = wait_stop()) < 0)
				die("waitpid (timeout)");
			stopsig = 0;
			break;
		}
		if (st < 0)
			die("waitpid (fault)");
		stopsig = WSTOPSIG(st);
		if (stopsig == SIGTRAP && (st >> 16)) {
			/* a ptrace event stop: not the fault, go on */
			if (ptrace(PTRACE_CONT, pid, 0, 0) < 0)
				die("PTRACE_CONT (event)");
			continue;
		}
		break;
	}
	alarm(0);
	if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
		die("PTRACE_GETREGS (fault)");
	printf("ripjack: stop signal=%d rip=0x%llx\n", stopsig,
	       (unsigned long long)r.rip);

	/* 4. Read the buffer while the owner sits at the fault. */
	pk = calloc(1, len + 8);
	pm = calloc(1, len + PG);
	if (!pk || !pm)
		die("calloc");
	for (off = 0; off < len; off += sizeof(long)) {
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + off), 0);
		if (errno) {
			errs++;
			continue;
		}
		memcpy(pk + off, &w, sizeof(w));
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	for (off = 0; off < len;) {
		uint64_t n = PG - ((addr + off) & (PG - 1));
		ssize_t got;

		if (n > len - off)
			n = len - off;
		got = pread(fd, pm + off, n, (off_t)(addr + off));
		if (got != (ssize_t)n)
			errs++;
		off += n;
	}
	close(fd);
	peek_hits = count_markers(pk, len);
	mem_hits = count_markers(pm, len);
	off = PG - (addr & (PG - 1));
	if (off > len)
		off = len;
	p0_peek = count_markers(pk, off);
	p0_mem = count_markers(pm, off);
	explicit_bzero(pk, len);
	explicit_bzero(pm, len);
	free(pk);
	free(pm);
	printf("ripjack: page0 peek=%lu procmem=%lu\n", p0_peek, p0_mem);
	printf("ripjack: peek markers=%lu procmem markers=%lu read_errors=%lu "
	       "len=%llu\n", peek_hits, mem_hits, errs,
	       (unsigned long long)len);

	/* 5. Put everything back and let go. */
	if (do_mprotect) {
		long rc = inject(&saved, sc_ip, SYS_mprotect, page, PG,
				 (uint64_t)prot);

		printf("ripjack: mprotect restore rc=%ld\n", rc);
	}
	restore_and_detach(&saved, do_mprotect);
	return 0;
usage:
	fprintf(stderr, "usage: ripjack [--no-mprotect] [--timeout SEC] PID "
		"ADDR [LEN]\n       ripjack --write-fd FD PID ADDR [LEN]\n");
	return 2;
}
