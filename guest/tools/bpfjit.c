/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/bpfjit.c - the JIT attacker of issue 10, item 2: kernel
 * code made at run time.  Installs a seccomp filter (classic BPF that
 * allows every system call), which the kernel translates to eBPF and JIT-
 * compiles into fresh executable kernel memory, then makes system calls,
 * each of which runs the JIT image in the kernel.
 *
 *   bpfjit
 *
 * Output: "bpfjit: jit_enable=N" (/proc/sys/net/core/bpf_jit_enable),
 * then "bpfjit: filter installed", then "bpfjit: filter ran pid=P" once
 * the first system calls after it returned.  Under the kernel-integrity
 * lock the JIT image is not kernel text: the kernel's first fetch from it
 * takes #GP, an oops that kills this task before the last line.
 * Exit status 0 when the filter ran, 1 on a set-up failure.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { 1, allow };
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int jit = -1;

	if (f) {
		if (fscanf(f, "%d", &jit) != 1)
			jit = -1;
		fclose(f);
	}
	printf("bpfjit: jit_enable=%d\n", jit);
	fflush(stdout);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("bpfjit: prctl");
		return 1;
	}
	printf("bpfjit: filter installed\n");
	fflush(stdout);
	printf("bpfjit: filter ran pid=%d\n", (int)getpid());
	fflush(stdout);
	return 0;
}
