/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/shroud-malloc/shroud-malloc.c - an LD_PRELOAD allocator whose heap
 * lives in Shroud-protected memory (issue item 7; CryptoMalloc's idea with
 * the encryption done below the kernel instead of by SIGSEGV handlers).
 *
 *   LD_PRELOAD=/usr/lib/shroud-malloc.so program ...
 *
 * Layout: small blocks (<= SM_SMALL_MAX) come from arenas of SM_ARENA
 * bytes obtained with shroud_alloc(SECRET, OWNER); each block
 * has a 16-byte header and belongs to a power-of-two size class (16 B ..
 * 1 MiB) with a singly linked free list threaded through the freed blocks
 * (so the lists, too, are protected).  Larger blocks get their own
 * shroud_alloc mapping, returned on free.  Alignments above 16 use an
 * "aligned" header that points back at the real block.
 *
 * Threads: one mutex.  Fork: the lock is held across fork (pthread_atfork)
 * and arenas are not MADV_DONTFORK here (the child needs its heap), so
 * before fork the arenas are UNPROTECTed and after fork the parent breaks
 * copy-on-write sharing page by page and PROTECTs them again; the child
 * keeps an unprotected copy (it usually execs).  execve and friends are
 * wrapped the same way, and so are _exit/_Exit and the exit-time
 * destructor: an address space that goes away must not leave partitions
 * behind (the kernel reuses their frames).  A process killed by a signal
 * cannot do this; the hypervisor has to notice (see the report).
 * Not under Shroud, or with the hypervisor's tables full: allocations fail
 * (ENOMEM, one line on stderr) unless SHROUD_MALLOC_FALLBACK=1 asks for
 * plain mmap'd locked memory, which is then announced on stderr too.
 * No stdio and no libc allocation inside.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shroud.h"

/* Partitions are few (the hypervisor has tens, guest-wide), so arenas
 * are large and classes go up to 1 MiB: a process needs a handful. */
#define SM_ARENA	(4u << 20)		/* bytes per arena */
#define SM_MIN_SHIFT	4			/* 16-byte class */
#define SM_NCLASS	17			/* 16 B .. 1 MiB */
#define SM_SMALL_MAX	(1u << (SM_MIN_SHIFT + SM_NCLASS - 1))
#define SM_MAX_ARENAS	4096
#define HDR		16u
#define MAGIC_SMALL	0x534d4131u		/* "SMA1" */
#define MAGIC_LARGE	0x534d4c31u
#define MAGIC_ALIGN	0x534d4e31u
#define MAGIC_FREE	0x534d4631u
#define PAGE		4096ul

struct hdr {
	uint64_t size;		/* usable bytes (small: class size) or offset back (align) */
	uint32_t magic;
	uint32_t cls;		/* class index; large: mapping pages */
};
_Static_assert(sizeof(struct hdr) == HDR, "header keeps 16-byte alignment");

/* A large block's mapping starts with links, then its struct hdr. */
struct large {
	struct large *prev, *next;
	struct hdr h;
};
#define LHDR	sizeof(struct large)
_Static_assert(LHDR % 16 == 0, "large header keeps 16-byte alignment");

struct arena {
	char *base;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *free_list[SM_NCLASS];
static struct arena arenas[SM_MAX_ARENAS];
static int narenas;
static struct large *large_list;
static char *bump, *bump_end;
static int inited, finalized, warned;

static void note(const char *msg)
{
	ssize_t r = write(2, msg, strlen(msg));

	(void)r;
}

static void *plain_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* SHROUD_MALLOC_FALLBACK=1: serve unprotected memory when the heap cannot
 * be protected (not under Shroud, hypervisor tables full).  Off by
 * default: then such an allocation fails (ENOMEM), with one line on
 * stderr, and no secret silently lands in plaintext. */
static int fallback_allowed(void)
{
	const char *v = getenv("SHROUD_MALLOC_FALLBACK");

	return v && v[0] == '1' && !v[1];
}

/* Protected memory of len bytes, or plain memory after finalization. */
static void *get_mem(size_t len)
{
	int fb = fallback_allowed();
	void *p;

	if (finalized)
		return plain_map(len);
	p = shroud_alloc(len, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER |
			 (fb ? SHROUD_ALLOC_FALLBACK : 0) | SHROUD_ALLOC_KEEP);
	if (!p && (errno == ENOSPC || errno == ENODEV)) {
		int why = errno;

		if (!fb) {
			if (!warned++)
				note(why == ENOSPC ?
				     "shroud-malloc: hypervisor tables full: "
				     "allocation refused (SHROUD_MALLOC_FALLBACK=1 "
				     "serves unprotected memory)\n" :
				     "shroud-malloc: not under Shroud: allocation "
				     "refused (SHROUD_MALLOC_FALLBACK=1 serves "
				     "unprotected memory)\n");
			errno = ENOMEM;
			return NULL;
		}
		if (!warned++)
			note("shroud-malloc: WARNING: hypervisor tables full: "
			     "heap NOT protected (SHROUD_MALLOC_FALLBACK=1)\n");
		return plain_map(len);
	}
	/* The child of a fork needs its heap (libshroud set DONTFORK). */
	if (p)
		madvise(p, len, MADV_DOFORK);
	if (p && !warned && shroud_alloc_id(p) <= 0) {
		warned = 1;	/* libshroud's fallback: not under Shroud */
		note("shroud-malloc: WARNING: not under Shroud: heap NOT "
		     "protected (SHROUD_MALLOC_FALLBACK=1)\n");
	}
	return p;
}

static void put_mem(void *p, size_t len)
{
	if (shroud_free(p) < 0)		/* plain memory (after finalization) */
		munmap(p, len);
}

static int new_arena(void)
{
	char *p;

	if (narenas >= SM_MAX_ARENAS)
		return -1;
	p = get_mem(SM_ARENA);
	if (!p)
		return -1;
	arenas[narenas++].base = p;
	bump = p;
	bump_end = p + SM_ARENA;
	return 0;
}

static int class_of(size_t n)
{
	int c = 0;

	while (((size_t)1 << (c + SM_MIN_SHIFT)) < n)
		c++;
	return c;
}

static void *small_alloc(size_t n)
{
	int c = class_of(n);
	size_t sz = (size_t)1 << (c + SM_MIN_SHIFT);
	struct hdr *h;

	if (free_list[c]) {
		void *p = free_list[c];

		free_list[c] = *(void **)p;
		h = (struct hdr *)p - 1;
	} else {
		if (bump + HDR + sz > bump_end && new_arena() < 0)
			return NULL;
		h = (struct hdr *)bump;
		bump += HDR + sz;
	}
	h->size = sz;
	h->magic = MAGIC_SMALL;
	h->cls = (uint32_t)c;
	return h + 1;
}

static void *large_alloc(size_t n)
{
	size_t len;
	struct large *l;

	if (n > ((size_t)1 << 40))
		return NULL;
	len = (n + LHDR + PAGE - 1) & ~(PAGE - 1);
	l = get_mem(len);
	if (!l)
		return NULL;
	l->prev = NULL;
	l->next = large_list;
	if (large_list)
		large_list->prev = l;
	large_list = l;
	l->h.size = len - LHDR;
	l->h.magic = MAGIC_LARGE;
	l->h.cls = (uint32_t)(len / PAGE);
	return &l->h + 1;
}

static void large_free(struct hdr *h)
{
	struct large *l = (struct large *)((char *)h - offsetof(struct large, h));

	if (l->prev)
		l->prev->next = l->next;
	else
		large_list = l->next;
	if (l->next)
		l->next->prev = l->prev;
	h->magic = MAGIC_FREE;
	put_mem(l, (size_t)h->cls * PAGE);
}

static void *alloc_locked(size_t n)
{
	if (!n)
		n = 1;
	return n <= SM_SMALL_MAX ? small_alloc(n) : large_alloc(n);
}

/* The block's own header (skipping an aligned header). */
static struct hdr *block_of(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;

	if (h->magic == MAGIC_ALIGN)
		h = (struct hdr *)((char *)p - h->size) - 1;
	return h;
}

static void free_locked(void *p)
{
	struct hdr *h = block_of(p);
	void *u = h + 1;

	if (h->magic == MAGIC_SMALL) {
		h->magic = MAGIC_FREE;
		*(void **)u = free_list[h->cls];
		free_list[h->cls] = u;
	} else if (h->magic == MAGIC_LARGE) {
		large_free(h);
	} else if (h->magic == MAGIC_FREE) {
		note("shroud-malloc: double free\n");
		abort();
	} else {
		note("shroud-malloc: free of a pointer it did not allocate\n");
		abort();
	}
}

/* Usable bytes from p to the end of its block. */
static size_t usable(void *p)
{
	struct hdr *h = block_of(p);

	return h->size - (size_t)((char *)p - (char *)(h + 1));
}

static void *aligned_locked(size_t align, size_t n)
{
	char *raw, *p;
	struct hdr *a;

	if (align <= HDR)
		return alloc_locked(n);
	if (n > SIZE_MAX - align - HDR)
		return NULL;
	raw = alloc_locked(n + align + HDR);
	if (!raw)
		return NULL;
	p = (char *)(((uintptr_t)raw + HDR + align - 1) & ~(uintptr_t)(align - 1));
	a = (struct hdr *)p - 1;
	a->size = (uint64_t)(p - raw);
	a->magic = MAGIC_ALIGN;
	a->cls = 0;
	return p;
}

/* ---- the public allocator --------------------------------------------- */

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

static void init_locked(void)
{
	if (inited)
		return;
	inited = 1;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

void *malloc(size_t n)
{
	void *p;

	pthread_mutex_lock(&lock);
	init_locked();
	p = alloc_locked(n);
	pthread_mutex_unlock(&lock);
	if (!p)
		errno = ENOMEM;
	return p;
}

void free(void *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&lock);
	free_locked(p);
	pthread_mutex_unlock(&lock);
}

void *calloc(size_t a, size_t b)
{
	size_t n;
	void *p;

	if (__builtin_mul_overflow(a, b, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	/* Not malloc()+memset(): GCC would turn that back into calloc(). */
	pthread_mutex_lock(&lock);
	init_locked();
	p = alloc_locked(n);
	pthread_mutex_unlock(&lock);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	memset(p, 0, n);
	return p;
}

void *realloc(void *old, size_t n)
{
	size_t have;
	void *p;

	if (!old)
		return malloc(n);
	if (!n) {
		free(old);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	have = usable(old);
	pthread_mutex_unlock(&lock);
	if (n <= have)
		return old;
	p = malloc(n);
	if (!p)
		return NULL;
	memcpy(p, old, have);
	free(old);
	return p;
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	pthread_mutex_lock(&lock);
	init_locked();
	p = aligned_locked(align, n);
	pthread_mutex_unlock(&lock);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	void *p = NULL;
	int rc;

	if (!align || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	rc = posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align,
			    n);
	if (rc) {
		errno = rc;
		return NULL;
	}
	return p;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}

void *valloc(size_t n)
{
	return aligned_alloc(PAGE, n);
}

void *pvalloc(size_t n)
{
	return aligned_alloc(PAGE, (n + PAGE - 1) & ~(PAGE - 1));
}

size_t malloc_usable_size(void *p)
{
	size_t n;

	if (!p)
		return 0;
	pthread_mutex_lock(&lock);
	n = usable(p);
	pthread_mutex_unlock(&lock);
	return n;
}

/* ---- fork, exec, exit --------------------------------------------------- */

/* Drop (release) or restore (reprotect) the protection of the whole
 * heap: every arena and large block.  Caller holds lock. */
static void heap_protection(int on)
{
	struct large *l;
	int i;

	if (finalized)
		return;
	for (i = 0; i < narenas; i++)
		(void)(on ? shroud_reprotect(arenas[i].base) :
			    shroud_release(arenas[i].base));
	for (l = large_list; l; l = l->next)
		(void)(on ? shroud_reprotect(l) : shroud_release(l));
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
	heap_protection(0);
}

static void atfork_parent(void)
{
	heap_protection(1);
	pthread_mutex_unlock(&lock);
}

static void atfork_child(void)
{
	/* The child keeps a plain copy and owns no partitions (it usually
	 * execs); what it allocates from now on is protected again. */
	pthread_mutex_init(&lock, NULL);
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvp_fn)(const char *, char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);

#define AROUND_EXEC(call)						\
	do {								\
		int rc_, err_;						\
		pthread_mutex_lock(&lock);				\
		heap_protection(0);					\
		pthread_mutex_unlock(&lock);				\
		rc_ = (call);						\
		err_ = errno;						\
		pthread_mutex_lock(&lock);				\
		heap_protection(1);					\
		pthread_mutex_unlock(&lock);				\
		errno = err_;						\
		return rc_;						\
	} while (0)

int execve(const char *f, char *const a[], char *const e[])
{
	execve_fn real = (execve_fn)dlsym(RTLD_NEXT, "execve");

	AROUND_EXEC(real(f, a, e));
}

int execv(const char *f, char *const a[])
{
	execvp_fn real = (execvp_fn)dlsym(RTLD_NEXT, "execv");

	AROUND_EXEC(real(f, a));
}

int execvp(const char *f, char *const a[])
{
	execvp_fn real = (execvp_fn)dlsym(RTLD_NEXT, "execvp");

	AROUND_EXEC(real(f, a));
}

int execvpe(const char *f, char *const a[], char *const e[])
{
	execvpe_fn real = (execvpe_fn)dlsym(RTLD_NEXT, "execvpe");

	AROUND_EXEC(real(f, a, e));
}

/* _exit and _Exit skip the destructors (dash, and every forked child,
 * leave through _exit): drop the heap's protection here too, then end the
 * process with the system call.  _exit may run in a signal handler that
 * interrupted malloc: the lock is tried for a while, then skipped (the
 * partitions must not outlive the address space). */
static __attribute__((noreturn)) void exit_now(int status)
{
	int i, locked = 0;

	for (i = 0; i < 1000 && !(locked = !pthread_mutex_trylock(&lock)); i++)
		sched_yield();
	heap_protection(0);
	finalized = 1;
	if (locked)
		pthread_mutex_unlock(&lock);
	for (;;)
		syscall(SYS_exit_group, status);
}

void _exit(int status)
{
	exit_now(status);
}

void _Exit(int status)
{
	exit_now(status);
}

/* At exit: the heap's protection is dropped (not wiped: stdio flushes
 * its heap buffers after the destructors run), so that no partition
 * outlives the address space; the guest kernel should zero freed pages
 * (init_on_free=1).  Allocations from here on are plain memory. */
__attribute__((destructor)) static void sm_finalize(void)
{
	pthread_mutex_lock(&lock);
	heap_protection(0);
	finalized = 1;
	pthread_mutex_unlock(&lock);
}
