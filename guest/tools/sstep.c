/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/sstep.c - the guest's debugging facilities under Shroud's
 * debug-register emulation (issue 9: the host's DR0-DR3 hold the master
 * key, every MOV DR of the guest is intercepted and emulated).
 *
 *   sstep [--steps N]
 *
 * A child stops itself under PTRACE_TRACEME; the parent
 *  1. single-steps it N times (default 2000; the kernel's #DB handler
 *     reads DR6 to see the single-step bit, so this works only if DR6 is
 *     the hardware's): every step must end in a SIGTRAP stop;
 *  2. sets a hardware execute breakpoint on the child's function target()
 *     through the debug registers (PTRACE_POKEUSER of u_debugreg[0] and
 *     [7]) and lets the child run into it.
 * Output:
 *   sstep: steps=N traps=T rip_moves=M
 *   sstep: hwbp set=0|-1 fired=yes|no child_exit=E
 * Under Shroud the breakpoint is recorded but never armed (fired=no);
 * without Shroud it fires (fired=yes).
 * Exit status: 0 ran to the end, 1 failure (message on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void target(void)
{
	sink++;
	__asm__ volatile("" ::: "memory");
}

static void child(void)
{
	unsigned long i;

	if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
		_exit(10);
	raise(SIGSTOP);
	for (i = 0; i < 100000; i++)	/* stepped through */
		sink += i;
	raise(SIGSTOP);			/* the parent sets the breakpoint */
	target();
	_exit(0);
}

static int wait_child(pid_t pid, int *st)
{
	while (waitpid(pid, st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long steps = 2000, traps = 0, moves = 0, i;
	struct user_regs_struct r;
	unsigned long last = 0;
	int st, set, fired = 0;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--steps") && i + 1 < argc)
			steps = atol(argv[++i]);
		else {
			fprintf(stderr, "usage: sstep [--steps N]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid = fork();
	if (pid < 0) {
		perror("sstep: fork");
		return 1;
	}
	if (!pid)
		child();
	if (wait_child(pid, &st) || !WIFSTOPPED(st)) {
		fprintf(stderr, "sstep: the child did not stop\n");
		return 1;
	}
	for (i = 0; i < steps; i++) {
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0 ||
		    wait_child(pid, &st)) {
			perror("sstep: PTRACE_SINGLESTEP");
			return 1;
		}
		if (!WIFSTOPPED(st))
			break;
		if (WSTOPSIG(st) == SIGTRAP)
			traps++;
		if (ptrace(PTRACE_GETREGS, pid, 0, &r) == 0) {
			moves += r.rip != last;
			last = r.rip;
		}
	}
	printf("sstep: steps=%ld traps=%ld rip_moves=%ld\n", steps, traps,
	       moves);
	/* Run to the second SIGSTOP, then arm DR0/DR7 and go on. */
	if (ptrace(PTRACE_CONT, pid, 0, 0) < 0 || wait_child(pid, &st) ||
	    !WIFSTOPPED(st)) {
		fprintf(stderr, "sstep: the child did not reach its second "
			"stop\n");
		return 1;
	}
	set = (int)ptrace(PTRACE_POKEUSER, pid,
			  offsetof(struct user, u_debugreg[0]),
			  (void *)(uintptr_t)target);
	if (!set)
		set = (int)ptrace(PTRACE_POKEUSER, pid,
				  offsetof(struct user, u_debugreg[7]),
				  (void *)1ul);	/* L0, execute, 1 byte */
	if (ptrace(PTRACE_CONT, pid, 0, 0) < 0) {
		perror("sstep: PTRACE_CONT");
		return 1;
	}
	for (;;) {
		if (wait_child(pid, &st))
			return 1;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (WSTOPSIG(st) == SIGTRAP &&
		    ptrace(PTRACE_GETREGS, pid, 0, &r) == 0 &&
		    r.rip == (uintptr_t)target)
			fired = 1;
		if (ptrace(PTRACE_POKEUSER, pid,
			   offsetof(struct user, u_debugreg[7]), 0) < 0 ||
		    ptrace(PTRACE_CONT, pid, 0, 0) < 0)
			break;
	}
	printf("sstep: hwbp set=%d fired=%s child_exit=%d\n", set,
	       fired ? "yes" : "no", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
