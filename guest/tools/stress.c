/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/stress.c - the owner of the stress test (issue 8 item 14,
 * test/integration/test_stress.py): protected data that is checked all
 * the time while attackers run, and an account of every event the
 * hypervisor reported to its owner.
 *
 *   stress owner [--pages N] [--seed S] [--busy] [--integrity]
 *                [--no-protect]
 *   stress mt [--pages N] [--seed S] [--threads T] [--seconds S]
 *             [--no-protect]
 *
 * The data is protect-demo's (same generator, straight into memory from
 * shroud_alloc: N pages of 64-byte records, record i = marker (S + i) of
 * marker.h, a space, 35 filler characters, a newline), so the host's
 * expected SHA-256 is the same (protect_helpers.demo_expect).  It prints
 *   stress: ready pid=P addr=0x.. len=L id=I protected=yes|no
 *           chars=C lines=L sha256=H
 * (one line) and then
 *   --busy   recomputes the SHA-256 in a loop; each pass is compared with
 *            the first one (a pass that differs counts as bad), and after
 *            each pass the owner drains its events (SHROUD_EVF_CLEAR),
 *            so that the hypervisor's ring of 256 events, shared by all
 *            owners, never drops one of them;
 *   default  sleeps in pause() (a target for ripjack); it drains its
 *            events only when it wakes (those the ring dropped meanwhile
 *            are lost to it).
 * On SIGUSR1 it recomputes, drains its events and prints
 *   stress: recheck passes=P bad=B sha256=H events=E denied=D foreign=F
 *           tamper=T anomaly=A remap=R wiped=W other=O evfail=X
 * (one line; counts since the start; other: events of another partition
 * id; evfail: failed EVENTS calls), or "stress: recheck refused
 * (integrity failure) ..." once a TAMPER event was seen (it never reports
 * a result computed on altered data).  SIGTERM frees and exits 0.
 * mt: the multi-threaded owner of issue 11: the same data, one partition,
 * T threads (default 2), thread i pinned to CPU i mod the CPUs online,
 * each recomputing the SHA-256 of the whole buffer in a loop for S seconds
 * (default 20), its state in its own protected page.  It prints the ready
 * line, then at the end
 *   stress: mt threads=T passes=P bad=B cpus=C0,C1,... sha256=H
 *           [moved=M bad_thread=I bad_page=K bad_zeros=Z bad_chars=C
 *           bad_pfn=F ready_pfn=R ...]
 * (cpus: the CPU each thread last ran on, from sched_getcpu; for each
 * thread with a bad pass, of its first one: the first page that differs
 * from the data written (-1: none, the hash state went wrong), its zero
 * bytes (4096: wiped), the characters hashed, the frame behind it then
 * and at the ready line (/proc/self/pagemap); moved: the pages whose
 * frame changed since the ready line).
 * --no-protect (or SHROUD_DISABLE=1) is the control: same memory, no
 * PROTECT.  Exit status: 0, 1 on a failure (message on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sched.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void usage(void)
{
	fprintf(stderr, "usage: stress mt [--pages N] [--seed S] [--threads T] "
		"[--seconds S] [--no-protect]\n");
	fprintf(stderr, "usage: stress owner [--pages N] [--seed S] [--busy] "
		"[--integrity] [--no-protect]\n");
	exit(2);
}

/* Record @r of protect-demo's generator (guest/tools/protect-demo.c
 * fill()) with @seed, REC bytes at @q. */
static void write_record(volatile char *q, unsigned seed, size_t r)
{
	static const char fil[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t j;

	marker_write(q, (unsigned)((seed + r) % 1000000));
	q[MARKER_LEN] = ' ';
	for (j = 0; j < REC - MARKER_LEN - 2; j++)
		q[MARKER_LEN + 1 + j] = fil[(r + j) % 36];
	q[REC - 1] = '\n';
}

static void fill(volatile char *p, size_t len, unsigned seed)
{
	size_t r;

	for (r = 0; r < len / REC; r++)
		write_record(p + r * REC, seed, r);
}

/* chars (bytes before the first NUL), lines, SHA-256; the hash state in
 * the protected scratch page st. */
static void compute(const char *p, size_t len, struct sha256 *st,
		    size_t *chars, size_t *lines, char hex[65])
{
	uint8_t d[32];
	size_t i;

	*lines = 0;
	for (i = 0; i < len && p[i]; i++)
		*lines += p[i] == '\n';
	*chars = i;
	sha256_init(st);
	sha256_update(st, p, i);
	sha256_final(st, d);
	sha256_hex(d, hex);
}

struct evcount {
	unsigned long total, denied, foreign, tamper, anomaly, remap, wiped;
	unsigned long other, fail;
};

static struct shroud_event evbuf[256];

/* Add the caller's events to c; with clear, remove them from the ring
 * (all of them: repeat while a call returns a full buffer). */
static void drain(struct evcount *c, int id, int clear)
{
	int n, i, rounds = 0;

	do {
		n = shroud_events(evbuf, 256, clear ? SHROUD_EVF_CLEAR : 0);
		if (n < 0) {
			c->fail++;
			return;
		}
		for (i = 0; i < n; i++) {
			const struct shroud_event *e = &evbuf[i];

			if ((int)e->part_id != id) {
				c->other++;
				continue;
			}
			c->total++;
			c->denied += e->type == SHROUD_EV_DENIED;
			c->foreign += e->type == SHROUD_EV_FOREIGN_READ;
			c->tamper += e->type == SHROUD_EV_TAMPER;
			c->anomaly += e->type == SHROUD_EV_ANOMALY;
			c->remap += e->type == SHROUD_EV_REMAP;
			c->wiped += e->type == SHROUD_EV_WIPED;
		}
	} while (clear && n == 256 && ++rounds < 64);
}

static int owner_main(int argc, char **argv)
{
	unsigned pages = 16, seed = 0;
	unsigned flags = SHROUD_POLICY_OWNER | SHROUD_ALLOC_FALLBACK;
	unsigned long passes = 0, bad = 0;
	struct evcount ev;
	size_t len, chars, lines;
	char hex0[65], hex[65];
	int busy = 0, i, id;
	struct sha256 *st;
	char *p;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--pages") && i + 1 < argc)
			pages = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--busy"))
			busy = 1;
		else if (!strcmp(argv[i], "--integrity"))
			flags |= SHROUD_PF_INTEGRITY;
		else if (!strcmp(argv[i], "--no-protect"))
			setenv("SHROUD_DISABLE", "1", 1);
		else
			usage();
	}
	if (!pages || pages > 4096)
		usage();
	len = (size_t)pages * 4096;
	signal(SIGUSR1, on_sig);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* One extra page: the SHA-256 state, inside the protection. */
	p = shroud_alloc(len + 4096, SHROUD_SENS_SECRET, flags);
	if (!p) {
		fprintf(stderr, "stress: shroud_alloc: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	st = (struct sha256 *)(p + len);
	id = shroud_alloc_id(p);
	memset(&ev, 0, sizeof(ev));
	fill(p, len, seed);
	compute(p, len, st, &chars, &lines, hex0);
	printf("stress: ready pid=%d addr=%p len=%zu id=%d protected=%s "
	       "chars=%zu lines=%zu sha256=%s\n", getpid(), (void *)p, len,
	       id, id > 0 ? "yes" : "no", chars, lines, hex0);
	while (!got_term) {
		if (busy) {
			compute(p, len, st, &chars, &lines, hex);
			passes++;
			bad += strcmp(hex, hex0) != 0;
			if (id > 0)
				drain(&ev, id, 1);
		} else {
			pause();
		}
		if (!got_usr1)
			continue;
		got_usr1 = 0;
		compute(p, len, st, &chars, &lines, hex);
		passes++;
		bad += strcmp(hex, hex0) != 0;
		if (id > 0)
			drain(&ev, id, 1);
		if (ev.tamper)
			printf("stress: recheck refused (integrity failure) "
			       "events=%lu tamper=%lu\n", ev.total, ev.tamper);
		else
			printf("stress: recheck passes=%lu bad=%lu sha256=%s "
			       "events=%lu denied=%lu foreign=%lu tamper=%lu "
			       "anomaly=%lu remap=%lu wiped=%lu other=%lu "
			       "evfail=%lu\n", passes, bad, hex, ev.total,
			       ev.denied, ev.foreign, ev.tamper, ev.anomaly,
			       ev.remap, ev.wiped, ev.other, ev.fail);
	}
	if (shroud_free(p) < 0) {
		fprintf(stderr, "stress: shroud_free: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	printf("stress: freed\n");
	return 0;
}

#define MT_MAX	16

struct mt_thread {
	pthread_t t;
	unsigned idx, ncpu;
	const char *p;
	size_t len;
	struct sha256 *st;		/* in the protected buffer */
	const char *want;
	double seconds;
	unsigned long passes, bad;
	int cpu;
	long bad_page;			/* first bad pass: first page that */
	unsigned bad_zeros;		/* differs, its zero bytes, chars, */
	size_t bad_chars;		/* its frame then and at ready */
	uint64_t bad_pfn, ready_pfn;
	unsigned seed;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The frame behind the page at @va (/proc/self/pagemap: bits 0-54 the
 * PFN when bit 63 says present; 0 without CAP_SYS_ADMIN), or 0. */
static uint64_t pfn_of(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)va / 4096 * 8)) !=
	    (ssize_t)sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) ? e & ((1ull << 55) - 1) : 0;
}

static uint64_t *ready_pfns;	/* each page's frame at the ready line */

/* The first bad pass: which page of p differs from what fill() wrote,
 * and how many of its bytes are zero (4096: wiped; about 16: ciphertext
 * or other data), so that a failure tells what went wrong.  The expected
 * record is built on the stack, one at a time, and wiped. */
static void diagnose(struct mt_thread *m, size_t chars)
{
	char rec[REC];
	size_t r, j, off = m->len;

	for (r = 0; r < m->len / REC && off == m->len; r++) {
		write_record(rec, m->seed, r);
		for (j = 0; j < REC; j++)
			if (m->p[r * REC + j] != rec[j]) {
				off = r * REC + j;
				break;
			}
	}
	explicit_bzero(rec, sizeof(rec));
	m->bad_chars = chars;
	if (off == m->len)
		return;		/* the data is right: the hash state went wrong */
	m->bad_page = (long)(off / 4096);
	m->bad_pfn = pfn_of(m->p + (off & ~4095ul));
	m->ready_pfn = ready_pfns ? ready_pfns[off / 4096] : 0;
	for (j = 0; j < 4096; j++)
		m->bad_zeros += m->p[(off & ~4095ul) + j] == 0;
}

static void *mt_run(void *arg)
{
	struct mt_thread *m = arg;
	cpu_set_t set;
	size_t chars, lines;
	char hex[65];
	double end = now_s() + m->seconds;

	CPU_ZERO(&set);
	CPU_SET(m->idx % m->ncpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "stress: thread %u: cannot pin to CPU %u\n",
			m->idx, m->idx % m->ncpu);
	do {
		compute(m->p, m->len, m->st, &chars, &lines, hex);
		m->passes++;
		if (strcmp(hex, m->want) && !m->bad++)
			diagnose(m, chars);
		m->cpu = sched_getcpu();
	} while (now_s() < end && !got_term);
	return NULL;
}

static int mt_main(int argc, char **argv)
{
	unsigned pages = 16, seed = 0, threads = 2, i;
	unsigned flags = SHROUD_POLICY_OWNER_USER | SHROUD_ALLOC_FALLBACK;
	static struct mt_thread th[MT_MAX];
	double seconds = 20;
	unsigned long passes = 0, bad = 0;
	size_t len, chars, lines;
	char hex0[65];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int id, a;
	char *p;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--pages") && a + 1 < argc)
			pages = (unsigned)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = (unsigned)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--threads") && a + 1 < argc)
			threads = (unsigned)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--seconds") && a + 1 < argc)
			seconds = strtod(argv[++a], NULL);
		else if (!strcmp(argv[a], "--no-protect"))
			setenv("SHROUD_DISABLE", "1", 1);
		else
			usage();
	}
	if (!pages || pages > 4096 || !threads || threads > MT_MAX ||
	    !(seconds > 0))
		usage();
	if (ncpu < 1)
		ncpu = 1;
	len = (size_t)pages * 4096;
	signal(SIGTERM, on_sig);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* one page per thread for its SHA-256 state, inside the protection */
	p = shroud_alloc(len + (size_t)(threads + 1) * 4096, SHROUD_SENS_SECRET,
			 flags);
	if (!p) {
		fprintf(stderr, "stress: shroud_alloc: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	id = shroud_alloc_id(p);
	fill(p, len, seed);
	compute(p, len, (struct sha256 *)(p + len), &chars, &lines, hex0);
	ready_pfns = calloc(pages, sizeof(*ready_pfns));
	for (i = 0; ready_pfns && i < pages; i++)
		ready_pfns[i] = pfn_of(p + (size_t)i * 4096);
	printf("stress: ready pid=%d addr=%p len=%zu id=%d protected=%s "
	       "chars=%zu lines=%zu sha256=%s\n", getpid(), (void *)p, len,
	       id, id > 0 ? "yes" : "no", chars, lines, hex0);
	for (i = 0; i < threads; i++) {
		th[i] = (struct mt_thread){ .idx = i, .ncpu = (unsigned)ncpu,
			.p = p, .len = len, .want = hex0, .seconds = seconds,
			.st = (struct sha256 *)(p + len + (i + 1) * 4096ul),
			.cpu = -1, .bad_page = -1, .seed = seed };
		if (pthread_create(&th[i].t, NULL, mt_run, &th[i])) {
			fprintf(stderr, "stress: pthread_create failed\n");
			return 1;
		}
	}
	printf("stress: mt threads=%u", threads);
	for (i = 0; i < threads; i++) {
		pthread_join(th[i].t, NULL);
		passes += th[i].passes;
		bad += th[i].bad;
	}
	printf(" passes=%lu bad=%lu cpus=", passes, bad);
	for (i = 0; i < threads; i++)
		printf("%s%d", i ? "," : "", th[i].cpu);
	printf(" sha256=%s", hex0);
	if (bad && ready_pfns) {	/* pages whose frame changed since ready */
		unsigned moved = 0;

		for (i = 0; i < pages; i++)
			moved += pfn_of(p + (size_t)i * 4096) != ready_pfns[i];
		printf(" moved=%u", moved);
	}
	for (i = 0; i < threads; i++)	/* the first bad pass of a thread */
		if (th[i].bad)
			printf(" bad_thread=%u bad_page=%ld bad_zeros=%u "
			       "bad_chars=%zu bad_pfn=0x%llx ready_pfn=0x%llx",
			       i, th[i].bad_page, th[i].bad_zeros,
			       th[i].bad_chars,
			       (unsigned long long)th[i].bad_pfn,
			       (unsigned long long)th[i].ready_pfn);
	printf("\n");
	if (shroud_free(p) < 0) {
		fprintf(stderr, "stress: shroud_free: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "mt"))
		return mt_main(argc - 2, argv + 2);
	if (argc < 2 || strcmp(argv[1], "owner"))
		usage();
	return owner_main(argc - 2, argv + 2);
}
