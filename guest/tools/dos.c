/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/dos.c - guest-triggered denial of service against protected
 * frames (issue 8 item 6): the attacks must end in an error, a signal or
 * an event for the process concerned, never in a stopped VM.
 *
 *   dos procmem [--pages N] [--writes W] [--writers K]
 *   dos procmem-child [--pages N]
 *   dos procmem-writer PID GVA COUNT [--writers K]
 *   dos exec [--control] [--rwx]
 *
 * procmem-child: the owner.  shroud_alloc(N pages, SECRET, default
 * policy), fills them with the pattern p[i] = (i * 7 + i / 4096 + 0x5a)
 * & 0xff, hashes them, prints
 *   dos: child ready PID=<pid> addr=0x<gva> pages=N id=I sha256=H
 * and waits (sigsuspend) for SIGUSR1; then it hashes again and prints
 *   dos: child intact=1|0 sha256=H denied=D
 * (D: DENIED events of its partition, -1 if EVENTS failed), frees and
 * exits 0 if intact.
 * SIGTERM frees and exits 3.
 *
 * procmem-writer: K processes (default 2) each open /proc/PID/mem and
 * write 8 bytes at GVA COUNT times, alternately with pwrite and with
 * lseek + write.  With K > 1 they take turns, passing a token around a
 * ring of pipes after each write, so that the CPU switches address space
 * between any two writes of the same kernel instruction to the same frame
 * (each switch undoes the diversion of the previous write: every write
 * faults again); K = 1 yields the CPU after each write.  Each prints
 *   dos: writer[k] ok=N err=E errno=X
 * then the first one prints
 *   dos: writer total ok=N err=E
 *   dos: writer done
 *
 * procmem: both in one: forks the owner (procmem-child), waits for its
 * ready line (on a pipe), runs the writers (default W=200, K=2) against
 * it, signals it with SIGUSR1 and prints its result; exit 0 if intact.
 *
 * exec: shroud_alloc's one page (or, with --control, a plain mmap page)
 * gets a `ret` (0xc3), mprotect(PROT_READ|PROT_EXEC) (--rwx: with
 * PROT_WRITE too), and is called, with a handler for SIGSEGV, SIGILL and
 * SIGBUS.  Prints
 *   dos: exec page=protected|plain addr=0x.. id=I
 * then either "dos: exec signal=<n>" (the handler) or "dos: exec
 * returned", then "dos: exec end".  Exit status 0 either way.
 *
 * Exit status: 0, 1 on a failure (message on stderr), 2 usage, 3 killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sha256.h"
#include "shroud.h"

#define PG		4096ul
#define MAX_WRITERS	16

static void usage(void)
{
	fprintf(stderr, "usage: dos procmem [--pages N] [--writes W] "
		"[--writers K]\n"
		"       dos procmem-child [--pages N]\n"
		"       dos procmem-writer PID GVA COUNT [--writers K]\n"
		"       dos exec [--control] [--rwx]\n");
	exit(2);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end)
		usage();
	return v;
}

/* ---- procmem: the owner ------------------------------------------------ */

static volatile sig_atomic_t got_usr1, got_term;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void fill(volatile uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 7 + i / PG + 0x5a) & 0xff);
}

static void hash(const uint8_t *p, size_t len, char hex[65])
{
	struct sha256 st;
	uint8_t d[32];

	sha256_init(&st);
	sha256_update(&st, p, len);
	sha256_final(&st, d);
	sha256_hex(d, hex);
}

/* DENIED events of partition id, or -1 (message on stderr).  The buffer
 * is written first: the hypervisor copies only into pages the guest's
 * page tables map writable (after fork a copy-on-write page is not). */
static int denied_events(int id)
{
	static struct shroud_event ev[256];
	int n, i, c = 0;

	memset(ev, 0, sizeof(ev));
	n = shroud_events(ev, 256, 0);
	if (n < 0) {
		fprintf(stderr, "dos: shroud_events: %s\n",
			shroud_strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		c += (int)ev[i].part_id == id && ev[i].type == SHROUD_EV_DENIED;
	return c;
}

/* The owner.  ready_fd >= 0: also write the GVA there (procmem). */
static int child_main(unsigned long pages, int ready_fd)
{
	struct sigaction sa;
	sigset_t block, old;
	size_t len = pages * PG;
	char want[65], got[65];
	uint8_t *p;
	int id, intact;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);

	p = shroud_alloc(len, SHROUD_SENS_SECRET, SHROUD_DEFAULT_FLAGS);
	if (!p) {
		fprintf(stderr, "dos: shroud_alloc: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	id = shroud_alloc_id(p);
	fill(p, len);
	hash(p, len, want);
	printf("dos: child ready PID=%d addr=0x%" PRIxPTR " pages=%lu id=%d "
	       "sha256=%s\n", (int)getpid(), (uintptr_t)p, pages, id, want);
	fflush(stdout);
	if (ready_fd >= 0) {
		uint64_t gva = (uintptr_t)p;

		if (write(ready_fd, &gva, sizeof(gva)) != sizeof(gva))
			return 1;
		close(ready_fd);
	}
	while (!got_usr1 && !got_term)
		sigsuspend(&old);
	if (got_term) {
		shroud_free(p);
		return 3;
	}
	hash(p, len, got);
	intact = !strcmp(want, got);
	printf("dos: child intact=%d sha256=%s denied=%d\n", intact, got,
	       denied_events(id));
	fflush(stdout);
	if (shroud_free(p))
		fprintf(stderr, "dos: shroud_free: %s\n", shroud_strerror(errno));
	return intact ? 0 : 1;
}

/* ---- procmem: the writers ---------------------------------------------- */

struct wres { unsigned long ok, err; int last_errno; };

/* The token ring of the writers: writer i waits for the token on
 * ring[i], writes once, passes it on to ring[(i + 1) % k].  A blocking
 * read per write: the CPU switches address space between any two
 * writes (with k > 1), which undoes the previous write's diversion. */
static int ring[MAX_WRITERS][2];

static struct wres write_loop(pid_t pid, uint64_t gva, unsigned long count,
			      unsigned long me, unsigned long k)
{
	static const char junk[8] = "DOS!DOS!";
	struct wres r = { 0, 0, 0 };
	char path[64], t = 't';
	unsigned long i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDWR);
	if (fd < 0)
		r.last_errno = errno;
	for (i = 0; i < count; i++) {
		ssize_t n = -1;

		if (k > 1 && (me || i) && read(ring[me][0], &t, 1) != 1)
			break;		/* a writer died: stop too */
		if (fd < 0)
			n = -1;
		else if (i & 1)
			n = lseek(fd, (off_t)gva, SEEK_SET) == (off_t)-1 ? -1 :
			    write(fd, junk, sizeof(junk));
		else
			n = pwrite(fd, junk, sizeof(junk), (off_t)gva);
		if (n == (ssize_t)sizeof(junk))
			r.ok++;
		else if (n < 0 && fd >= 0)
			r.last_errno = errno;
		if (k == 1)
			sched_yield();
		else if ((me != k - 1 || i + 1 < count) &&	/* 0 is done */
			 write(ring[(me + 1) % k][1], &t, 1) != 1)
			break;
	}
	r.err = count - r.ok;	/* failed, and not made */
	if (fd >= 0)
		close(fd);
	return r;
}

static int writers_main(pid_t pid, uint64_t gva, unsigned long count,
			unsigned long k)
{
	int res[MAX_WRITERS][2];
	pid_t kids[MAX_WRITERS];
	struct wres tot = { 0, 0, 0 }, r;
	unsigned long i, j;

	if (k < 1 || k > MAX_WRITERS)
		usage();
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < k; i++)
		if (pipe(ring[i]) || pipe(res[i])) {
			perror("dos: pipe");
			return 1;
		}
	fflush(stdout);
	for (i = 1; i < k; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			perror("dos: fork");
			return 1;
		}
		if (kids[i] == 0) {
			for (j = 0; j < k; j++) {	/* only its own ends */
				if (j != i)
					close(ring[j][0]);
				if (j != (i + 1) % k)
					close(ring[j][1]);
			}
			r = write_loop(pid, gva, count, i, k);
			printf("dos: writer[%lu] ok=%lu err=%lu errno=%d\n", i,
			       r.ok, r.err, r.last_errno);
			fflush(stdout);
			if (write(res[i][1], &r, sizeof(r)) != sizeof(r))
				_exit(1);
			_exit(0);
		}
		close(res[i][1]);
	}
	for (j = 0; j < k; j++) {
		if (j != 0)
			close(ring[j][0]);
		if (j != 1 % k)
			close(ring[j][1]);
	}
	r = write_loop(pid, gva, count, 0, k);
	printf("dos: writer[0] ok=%lu err=%lu errno=%d\n", r.ok, r.err,
	       r.last_errno);
	close(ring[0][0]);
	close(ring[1 % k][1]);
	tot = r;
	for (i = 1; i < k; i++) {
		if (read(res[i][0], &r, sizeof(r)) == sizeof(r)) {
			tot.ok += r.ok;
			tot.err += r.err;
		} else {
			tot.err += count;
		}
		close(res[i][0]);
		waitpid(kids[i], NULL, 0);
	}
	printf("dos: writer total ok=%lu err=%lu\n", tot.ok, tot.err);
	printf("dos: writer done\n");
	fflush(stdout);
	return 0;
}

static int procmem_main(unsigned long pages, unsigned long writes,
			unsigned long k)
{
	uint64_t gva;
	int fd[2], st = 0;
	pid_t child;

	if (pipe(fd))
		return 1;
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("dos: fork");
		return 1;
	}
	if (child == 0) {
		close(fd[0]);
		_exit(child_main(pages, fd[1]));
	}
	close(fd[1]);
	if (read(fd[0], &gva, sizeof(gva)) != sizeof(gva)) {
		fprintf(stderr, "dos: the owner did not get ready\n");
		waitpid(child, &st, 0);
		return 1;
	}
	close(fd[0]);
	printf("dos: parent writes pid=%d gva=0x%" PRIx64 " writes=%lu "
	       "writers=%lu\n", (int)child, gva, writes, k);
	fflush(stdout);
	writers_main(child, gva, writes, k);
	kill(child, SIGUSR1);
	if (waitpid(child, &st, 0) < 0)
		return 1;
	printf("dos: child exit=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
	       WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* ---- exec ------------------------------------------------------------- */

static sigjmp_buf exec_jmp;
static volatile uint8_t *volatile exec_page;

static void on_fault(int sig)
{
	char line[40];
	int n = snprintf(line, sizeof(line), "dos: exec signal=%d\n", sig);

	if (write(1, line, (size_t)n) < 0)
		_exit(1);
	siglongjmp(exec_jmp, sig);
}

/* Call the page; "dos: exec returned", or the handler's line. */
static void __attribute__((noinline)) try_call(void)
{
	if (!sigsetjmp(exec_jmp, 1)) {
		((void (*)(void))(uintptr_t)exec_page)();
		printf("dos: exec returned\n");
		fflush(stdout);
	}
}

static int exec_main(int control, int rwx)
{
	struct sigaction sa;
	volatile uint8_t *p;
	int id = 0, prot = PROT_READ | PROT_EXEC | (rwx ? PROT_WRITE : 0);

	if (control) {
		void *m = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		p = m == MAP_FAILED ? NULL : m;
	} else {
		p = shroud_alloc(PG, SHROUD_SENS_SECRET, SHROUD_DEFAULT_FLAGS);
		if (p)
			id = shroud_alloc_id((void *)p);
	}
	if (!p) {
		fprintf(stderr, "dos: exec allocation: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	p[0] = 0xc3;			/* ret */
	if (mprotect((void *)p, PG, prot)) {
		perror("dos: mprotect");
		return 1;
	}
	printf("dos: exec page=%s addr=0x%" PRIxPTR " id=%d prot=%s\n",
	       control ? "plain" : "protected", (uintptr_t)p, id,
	       rwx ? "rwx" : "rx");
	fflush(stdout);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	exec_page = p;
	try_call();
	signal(SIGSEGV, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	if (control) {
		munmap((void *)p, PG);
	} else {
		mprotect((void *)p, PG, PROT_READ | PROT_WRITE);
		if (shroud_free((void *)p))
			fprintf(stderr, "dos: shroud_free: %s\n",
				shroud_strerror(errno));
	}
	printf("dos: exec end\n");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long pages = 4, writes = 200, k = 2;
	int i, control = 0, rwx = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "procmem-writer")) {
		if (argc != 5 && argc != 7)
			usage();
		if (argc == 7) {
			if (strcmp(argv[5], "--writers"))
				usage();
			k = num(argv[6]);
		}
		return writers_main((pid_t)num(argv[2]), num(argv[3]),
				    num(argv[4]), k);
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--pages") && i + 1 < argc)
			pages = num(argv[++i]);
		else if (!strcmp(argv[i], "--writes") && i + 1 < argc)
			writes = num(argv[++i]);
		else if (!strcmp(argv[i], "--writers") && i + 1 < argc)
			k = num(argv[++i]);
		else if (!strcmp(argv[i], "--control"))
			control = 1;
		else if (!strcmp(argv[i], "--rwx"))
			rwx = 1;
		else
			usage();
	}
	if (pages < 1 || pages > 256)
		usage();
	if (!strcmp(argv[1], "procmem"))
		return procmem_main(pages, writes, k);
	if (!strcmp(argv[1], "procmem-child"))
		return child_main(pages, -1);
	if (!strcmp(argv[1], "exec"))
		return exec_main(control, rwx);
	usage();
	return 2;
}
