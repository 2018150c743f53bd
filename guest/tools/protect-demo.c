/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/protect-demo.c - protects a multi-page secret and computes
 * on it while protected (issue items 9-12).
 *
 *   protect-demo [--pages N] [--seed S] [--once | --busy | --query]
 *                [--integrity] [--sens confidential|secret] [--no-protect]
 *                [--policy owner-user|owner|any]
 *
 * --policy: the access policy (default owner-user: plaintext for the
 * owner's user mode only; owner also lets the guest kernel read it on the
 * owner's page tables, the control of the active-root tests).
 *
 * The secret is generated at run time straight into memory from
 * shroud_alloc, never into any other buffer: N pages of 64-byte records,
 * record i = marker (S + i) (marker.h), a space, 35 filler characters
 * "abc..z0..9"[(i + j) % 36], a newline.  It prints
 *   demo: pid=P addr=0x.. len=L id=I protected=yes|no
 *   demo: policy=OWNER_USER|OWNER|ANY
 *   demo: chars=C lines=L sha256=H
 *   demo: ok
 * then (default) sleeps; on SIGUSR1 it recomputes and prints
 *   demo: recheck chars=C lines=L sha256=H events=E denied=D tamper=T remap=R
 * or "demo: recheck refused (integrity failure)" when the hypervisor
 * reported a TAMPER event for its partition (it never prints a result
 * computed on altered data); SIGTERM wipes, frees and exits 0.
 * --busy recomputes in a loop (dumps taken while the owner computes);
 * --once exits after the first result.  --no-protect (or SHROUD_DISABLE=1)
 * is the control run: same memory, no PROTECT.
 * --query checks QUERY's clear-frame count (RSI) from the owner itself:
 * it touches every page and at once QUERYs its partition, then sleeps
 * 200 ms (the CPU switches away or idles: the hypervisor re-encrypts the
 * owner's working set) and QUERYs again without touching the buffer:
 *   demo: query-busy clear=K tries=T
 *   demo: query-idle clear=K
 * (K > 0 expected while busy, 0 after the sleep; up to 5 tries of touch +
 * QUERY, in case a preemption fell between the two), then frees and exits.
 * Exit status: 0, 1 on a failure (message on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "marker.h"
#include "sha256.h"
#include "shroud.h"

#define REC	64

static volatile sig_atomic_t got_usr1, got_term;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void fill(volatile char *p, size_t len, unsigned seed)
{
	static const char fil[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t r, j;

	for (r = 0; r < len / REC; r++) {
		volatile char *q = p + r * REC;

		marker_write(q, (unsigned)((seed + r) % 1000000));
		q[MARKER_LEN] = ' ';
		for (j = 0; j < REC - MARKER_LEN - 2; j++)
			q[MARKER_LEN + 1 + j] = fil[(r + j) % 36];
		q[REC - 1] = '\n';
	}
}

/* chars (bytes before the first NUL), lines, SHA-256 with the state in
 * the protected scratch page. */
static void compute(const char *p, size_t len, struct sha256 *st,
		    size_t *chars, size_t *lines, char hex[65])
{
	uint8_t d[32];
	size_t i;

	*chars = *lines = 0;
	for (i = 0; i < len && p[i]; i++)
		*lines += p[i] == '\n';
	*chars = i;
	sha256_init(st);
	sha256_update(st, p, i);
	sha256_final(st, d);
	sha256_hex(d, hex);
}

struct evcount { int total, denied, tamper, remap; };

static struct evcount count_events(int id)
{
	static struct shroud_event ev[256];
	struct evcount c = { 0, 0, 0, 0 };
	int n = shroud_events(ev, 256, 0), i;

	for (i = 0; i < n; i++) {
		if ((int)ev[i].part_id != id)
			continue;
		c.total++;
		c.denied += ev[i].type == SHROUD_EV_DENIED;
		c.tamper += ev[i].type == SHROUD_EV_TAMPER;
		c.remap += ev[i].type == SHROUD_EV_REMAP;
	}
	return c;
}

static void usage(void)
{
	fprintf(stderr, "usage: protect-demo [--pages N] [--seed S] [--once|"
		"--busy|--query] [--integrity] [--sens confidential|secret] "
		"[--no-protect] [--policy owner-user|owner|any]\n");
	exit(2);
}

/* QUERY of partition id: its clear-frame count, or -1 (message printed). */
static long long clear_frames(int id)
{
	struct shroud_part part;

	if (shroud_query(id, &part) < 0) {
		fprintf(stderr, "protect-demo: shroud_query(%d): %s\n", id,
			shroud_strerror(errno));
		return -1;
	}
	return (long long)part.clear_frames;
}

/* --query: see the header comment.  0, or 1 on a failure. */
static int query_check(volatile const char *p, size_t len, int id)
{
	struct timespec nap = { 0, 200 * 1000 * 1000 };
	long long busy = 0, idle;
	int tries = 0;
	size_t off;

	if (id <= 0) {
		fprintf(stderr, "protect-demo: --query needs a protected "
			"buffer (id=%d)\n", id);
		return 1;
	}
	while (busy == 0 && tries < 5) {
		tries++;
		for (off = 0; off < len; off += 4096)
			(void)p[off];		/* volatile: each frame faults in */
		busy = clear_frames(id);
	}
	if (busy < 0)
		return 1;
	printf("demo: query-busy clear=%lld tries=%d\n", busy, tries);
	/* Sleep: the owner leaves the CPU; nothing touches p after this. */
	while (nanosleep(&nap, &nap) < 0 && errno == EINTR)
		;
	idle = clear_frames(id);
	if (idle < 0)
		return 1;
	printf("demo: query-idle clear=%lld\n", idle);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned pages = 16, seed = 0, sens = SHROUD_SENS_SECRET;
	unsigned flags = SHROUD_ALLOC_FALLBACK, policy = SHROUD_POLICY_OWNER_USER;
	int once = 0, busy = 0, query = 0, rc = 0, i, id;
	size_t len, chars, lines;
	char hex[65];
	char *p;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pages") && i + 1 < argc)
			pages = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--once"))
			once = 1;
		else if (!strcmp(argv[i], "--busy"))
			busy = 1;
		else if (!strcmp(argv[i], "--query"))
			query = once = 1;
		else if (!strcmp(argv[i], "--integrity"))
			flags |= SHROUD_PF_INTEGRITY;
		else if (!strcmp(argv[i], "--sens") && i + 1 < argc)
			sens = !strcmp(argv[++i], "confidential") ?
			       SHROUD_SENS_CONFIDENTIAL : SHROUD_SENS_SECRET;
		else if (!strcmp(argv[i], "--no-protect"))
			setenv("SHROUD_DISABLE", "1", 1);
		else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "owner-user"))
				policy = SHROUD_POLICY_OWNER_USER;
			else if (!strcmp(argv[i], "owner"))
				policy = SHROUD_POLICY_OWNER;
			else if (!strcmp(argv[i], "any"))
				policy = SHROUD_POLICY_ANY;
			else
				usage();
		} else
			usage();
	}
	if (!pages || pages > 4096)
		usage();
	flags |= policy;
	len = (size_t)pages * 4096;
	signal(SIGUSR1, on_sig);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* One extra page: the SHA-256 state, inside the protection. */
	p = shroud_alloc(len + 4096, sens, flags);
	if (!p) {
		fprintf(stderr, "protect-demo: shroud_alloc: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	id = shroud_alloc_id(p);
	fill(p, len, seed);
	printf("demo: pid=%d addr=%p len=%zu id=%d protected=%s\n", getpid(),
	       (void *)p, len, id, id > 0 ? "yes" : "no");
	printf("demo: policy=%s\n", shroud_policy_name(policy));
	compute(p, len, (struct sha256 *)(p + len), &chars, &lines, hex);
	printf("demo: chars=%zu lines=%zu sha256=%s\n", chars, lines, hex);
	printf("demo: ok\n");
	if (query)
		rc = query_check(p, len, id);
	while (!once && !got_term) {
		if (busy) {
			compute(p, len, (struct sha256 *)(p + len), &chars,
				&lines, hex);
			continue;
		}
		pause();
		if (got_usr1) {
			struct evcount ev;

			got_usr1 = 0;
			compute(p, len, (struct sha256 *)(p + len), &chars,
				&lines, hex);
			ev = count_events(id);
			if (ev.tamper)
				printf("demo: recheck refused (integrity "
				       "failure) events=%d tamper=%d\n",
				       ev.total, ev.tamper);
			else
				printf("demo: recheck chars=%zu lines=%zu "
				       "sha256=%s events=%d denied=%d tamper=%d "
				       "remap=%d\n", chars, lines, hex,
				       ev.total, ev.denied, ev.tamper, ev.remap);
		}
	}
	if (shroud_free(p) < 0) {
		fprintf(stderr, "protect-demo: shroud_free: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	printf("demo: freed\n");
	return rc;
}
