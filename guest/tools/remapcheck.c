/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/remapcheck.c - a kernel copy path moves a protected page
 * (issue item 4): the hypervisor reports it, and libshroud's madvise
 * prevents it.
 *
 *   remapcheck [--dontfork]
 *
 * Protects 4 ordinary anonymous pages with the raw PROTECT call (no
 * MADV_DONTFORK), forks a child that only waits to be killed (so the page
 * stays shared however late the parent runs), and writes page 0: the
 * copy-on-write fault gives the parent a new frame, so its GVA now maps
 * another GPA than the protected one.  STATS (which checks the owner's
 * mappings) and EVENTS must then show one REMAP.  --dontfork first applies
 * MADV_DONTFORK as shroud_alloc() does: the child gets no mapping, no copy
 * happens, and no REMAP may be reported.  Prints
 *   remapcheck: mode=cow|dontfork remaps=R remap_events=E data=ok|bad
 * Exit status: 0 when the figures match the mode, 1 otherwise, 2 usage.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shroud.h"

#define PAGES	4
#define PG	4096ul

int main(int argc, char **argv)
{
	int dontfork = argc == 2 && !strcmp(argv[1], "--dontfork");
	struct shroud_event ev[64];
	struct shroud_stats s0, s1;
	unsigned char *p;
	int id, n, i, remap_ev = 0, ok = 1;
	pid_t child;

	if (argc > 2 || (argc == 2 && !dontfork)) {
		fprintf(stderr, "usage: remapcheck [--dontfork]\n");
		return 2;
	}
	p = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED || mlock(p, PAGES * PG))
		return 1;
	if (dontfork)
		madvise(p, PAGES * PG, MADV_DONTFORK);
	for (i = 0; i < PAGES; i++)
		memset(p + i * PG, 'a' + i, PG);
	id = shroud_protect(p, PAGES * PG, SHROUD_SENS_SECRET,
			    SHROUD_POLICY_OWNER);
	if (id < 0 || shroud_stats(&s0) < 0) {
		perror("remapcheck: protect");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("remapcheck: fork");
		return 1;
	}
	if (child == 0) {
		for (;;)		/* until the parent's SIGKILL */
			pause();
	}
	p[0] = 'A';			/* copy-on-write unless DONTFORK */
	if (shroud_stats(&s1) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return 1;
	}
	n = shroud_events(ev, 64, SHROUD_EVF_CLEAR);
	for (i = 0; i < n; i++)
		if (ev[i].type == SHROUD_EV_REMAP && (int)ev[i].part_id == id)
			remap_ev++;
	for (i = 1; i < PAGES; i++)	/* pages that did not move */
		if (p[i * PG] != 'a' + i || p[i * PG + PG - 1] != 'a' + i)
			ok = 0;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("remapcheck: mode=%s remaps=%llu remap_events=%d data=%s\n",
	       dontfork ? "dontfork" : "cow",
	       (unsigned long long)(s1.remaps - s0.remaps), remap_ev,
	       ok ? "ok" : "bad");
	shroud_unprotect(id);
	if (!ok)
		return 1;
	if (dontfork)
		return (s1.remaps == s0.remaps && remap_ev == 0) ? 0 : 1;
	return (s1.remaps - s0.remaps == 1 && remap_ev == 1) ? 0 : 1;
}
