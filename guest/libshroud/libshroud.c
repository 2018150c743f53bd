/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/libshroud/libshroud.c - the implementation of shroud.h: discovery
 * (CPUID), the raw hypercall (VMMCALL on AMD, VMCALL on Intel), errno-style
 * wrappers of calls 1-6, and shroud_alloc/shroud_free with the table of
 * live allocations.
 *
 * The table lives in mmap'd memory and the library never calls malloc:
 * shroud-malloc.so (an allocator) is built on it.  One mutex guards the
 * table; hypercalls themselves need no lock.
 *
 * Safety rule (as in shroudctl): VMMCALL/VMCALL is executed only after
 * CPUID leaf 0x40000000 carried Shroud's signature; elsewhere it is #UD.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shroud.h"

#define PAGE		4096ul
#define MAX_IDS		8	/* partitions per allocation: 8 x 16 MiB */

struct alloc_ent {
	uintptr_t base;		/* page-aligned start; 0 = free slot */
	size_t len;		/* bytes, multiple of PAGE */
	unsigned flags;
	unsigned sens;
	int nids;
	int ids[MAX_IDS];	/* 0 where unprotected (control run, fallback) */
};

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct alloc_ent *tab;	/* mmap'd, tab_cap entries */
static size_t tab_cap;

/* Discovery state: 0 unknown, 1 present, -1 absent. */
static volatile int present_state;
static volatile int use_vmcall;
static volatile int disable_state;	/* 0 unknown, 1 disabled, -1 enabled */

/* ---- discovery and the raw call ---------------------------------------- */

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

static int detect(void)
{
	uint32_t r[4];

	if (present_state)
		return present_state > 0;
	cpuid(0, r);
	/* "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel" */
	use_vmcall = r[1] == 0x756e6547u && r[3] == 0x49656e69u &&
		     r[2] == 0x6c65746eu;
	cpuid(SHROUD_CPUID_LEAF_BASE, r);
	present_state = (r[1] == SHROUD_CPUID_SIG_EBX &&
			 r[2] == SHROUD_CPUID_SIG_ECX &&
			 r[3] == SHROUD_CPUID_SIG_EDX) ? 1 : -1;
	return present_state > 0;
}

int64_t shroud_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			 uint64_t a3, uint64_t out[3])
{
	uint64_t rax = nr, rbx = a0, rcx = a1, rdx = a2, rsi = a3;

	if (!detect())
		return -SHROUD_ENODEV;
	if (use_vmcall)
		__asm__ volatile("vmcall"
				 : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx),
				   "+S"(rsi) : : "memory");
	else
		__asm__ volatile("vmmcall"
				 : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx),
				   "+S"(rsi) : : "memory");
	if (out) {
		out[0] = rbx;
		out[1] = rcx;
		out[2] = rdx;
	}
	return (int64_t)rax;
}

int shroud_info(struct shroud_info *info)
{
	uint64_t out[3];
	int64_t rc = shroud_hypercall(SHROUD_HC_VERSION, 0, 0, 0, 0, out);

	if (rc != 0 || out[2] != SHROUD_ABI_MAGIC) {
		errno = ENODEV;
		return -1;
	}
	info->abi = (uint32_t)out[0];
	info->version = (uint32_t)out[1];
	info->protect = SHROUD_ABI_VERSION_MAJOR(info->abi) == 1 &&
			SHROUD_ABI_VERSION_MINOR(info->abi) >= 1;
	return 0;
}

int shroud_present(void)
{
	struct shroud_info i;

	return shroud_info(&i) == 0;
}

/* SHROUD_DISABLE=1 (any value but "" and "0"): control runs. */
static int disabled(void)
{
	if (!disable_state) {
		const char *e = getenv("SHROUD_DISABLE");

		disable_state = (e && *e && strcmp(e, "0") != 0) ? 1 : -1;
	}
	return disable_state > 0;
}

/* RAX of calls 1-6 -> value or -1/errno; ENOSYS (ABI 1.0) means ENODEV. */
static int64_t ret_errno(int64_t rc)
{
	if (rc >= 0)
		return rc;
	errno = (rc == -SHROUD_ENOSYS) ? ENODEV : (int)-rc;
	return -1;
}

/* ---- calls 1-6 ---------------------------------------------------------- */

int shroud_protect(void *addr, size_t len, unsigned sensitivity,
		   unsigned flags)
{
	if (disabled())
		return 0;
	return (int)ret_errno(shroud_hypercall(SHROUD_HC_PROTECT,
					       (uintptr_t)addr, len,
					       sensitivity, flags, NULL));
}

int shroud_protect_ws(void *addr, size_t len, unsigned sensitivity,
		      unsigned flags, unsigned ws, unsigned *ws_used)
{
	int id;

	*ws_used = ws;
	if (!ws || disabled())
		goto plain;
	id = shroud_protect(addr, len, sensitivity, flags | SHROUD_PF_WS(ws));
	if (id >= 0 || errno != EINVAL)
		return id;
plain:
	*ws_used = 0;
	return shroud_protect(addr, len, sensitivity, flags);
}

int shroud_unprotect(int id)
{
	return (int)ret_errno(shroud_hypercall(SHROUD_HC_UNPROTECT,
					       (uint64_t)(unsigned)id, 0, 0, 0,
					       NULL));
}

int shroud_query(int id, struct shroud_part *p)
{
	uint64_t rax, rbx = (uint64_t)(unsigned)id, rcx = 0, rdx = 0,
		 rsi = 0;

	if (!detect()) {
		errno = ENODEV;
		return -1;
	}
	/* QUERY returns four results (RBX, RCX, RDX, RSI): inline call. */
	rax = SHROUD_HC_QUERY;
	if (use_vmcall)
		__asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx),
				 "+d"(rdx), "+S"(rsi) : : "memory");
	else
		__asm__ volatile("vmmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx),
				 "+d"(rdx), "+S"(rsi) : : "memory");
	if (ret_errno((int64_t)rax) < 0)
		return -1;
	memset(p, 0, sizeof(*p));
	p->id = (uint32_t)id;
	p->gva = rbx;
	p->len = rcx;
	p->sensitivity = (uint32_t)(rdx & 0xff);
	p->policy = (uint32_t)((rdx >> 8) & 0xff);
	p->tier = (uint32_t)((rdx >> 16) & 0xff);
	p->mine = (int)((rdx >> 24) & 1);
	p->integrity = (int)((rdx >> 25) & 1);
	p->clear_frames = rsi;
	return 0;
}

int shroud_list(int cursor)
{
	int64_t rc = shroud_hypercall(SHROUD_HC_LIST, (uint64_t)(unsigned)cursor,
				      0, 0, 0, NULL);

	if (rc == -SHROUD_ENOENT)
		return 0;
	return (int)ret_errno(rc);
}

long shroud_klock(void)
{
	return (long)ret_errno(shroud_hypercall(SHROUD_HC_KLOCK, 0, 0, 0, 0,
						NULL));
}

int shroud_stats(struct shroud_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	if (ret_errno(shroud_hypercall(SHROUD_HC_STATS, (uintptr_t)st,
				       sizeof(*st), 0, 0, NULL)) < 0)
		return -1;
	return 0;
}

int shroud_events(struct shroud_event *ev, unsigned cap, unsigned flags)
{
	if (cap > 256) {
		errno = EINVAL;
		return -1;
	}
	/* The hypervisor writes only into pages the caller has mapped
	 * writable; a copy-on-write page still shared after fork() is not
	 * yet: writing it first makes it the caller's own. */
	if (ev && cap)
		memset(ev, 0, (size_t)cap * sizeof(*ev));
	return (int)ret_errno(shroud_hypercall(SHROUD_HC_EVENTS, (uintptr_t)ev,
					       cap, flags, 0, NULL));
}

/* ---- the allocation table ----------------------------------------------- */

/* A free slot, growing the table; caller holds tab_lock.  NULL: ENOMEM. */
static struct alloc_ent *slot_new(void)
{
	size_t i, ncap;
	struct alloc_ent *n;

	for (i = 0; i < tab_cap; i++)
		if (!tab[i].base)
			return &tab[i];
	ncap = tab_cap ? tab_cap * 2 : PAGE / sizeof(*tab);
	n = mmap(NULL, ncap * sizeof(*n), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		return NULL;
	if (tab) {
		memcpy(n, tab, tab_cap * sizeof(*n));
		munmap(tab, tab_cap * sizeof(*n));
	}
	tab = n;
	i = tab_cap;
	tab_cap = ncap;
	return &tab[i];
}

static struct alloc_ent *slot_find(uintptr_t base)
{
	size_t i;

	for (i = 0; base && i < tab_cap; i++)
		if (tab[i].base == base)
			return &tab[i];
	return NULL;
}

/* Undo the PROTECTs of e (wiping first unless NOWIPE); -EIO if any frame
 * failed its integrity check, else 0. */
static int release_ids(struct alloc_ent *e, int wipe)
{
	int i, err = 0;

	if (wipe && e->nids && !(e->flags & SHROUD_ALLOC_NOWIPE))
		explicit_bzero((void *)e->base, e->len);
	for (i = 0; i < e->nids; i++)
		if (e->ids[i] > 0 && shroud_unprotect(e->ids[i]) < 0 &&
		    errno == EIO)
			err = -EIO;
	e->nids = 0;
	return err;
}

/* mmap + madvise + mlock + prefault; NULL on failure (errno). */
static void *prepare(size_t len)
{
	volatile char *p;
	size_t off;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Order matters: no huge page may be faulted in before NOHUGEPAGE. */
	madvise((void *)p, len, MADV_NOHUGEPAGE);
	madvise((void *)p, len, MADV_DONTFORK);
	madvise((void *)p, len, MADV_DONTDUMP);
	/* mlock may fail without CAP_IPC_LOCK over RLIMIT_MEMLOCK: the range
	 * is still usable, only swap could then move it (REMAP event). */
	(void)mlock((void *)p, len);
	/* Write each page: a private frame, never the shared zero page (a
	 * frame mapped twice is refused with EBUSY). */
	for (off = 0; off < len; off += PAGE)
		p[off] = 0;
	return (void *)p;
}

/* PROTECT [p, p+len) in chunks of SHROUD_PROTECT_MAX_LEN into e->ids. */
static int protect_all(struct alloc_ent *e, unsigned sens, unsigned flags)
{
	size_t off, chunk;
	int id;

	for (off = 0; off < e->len; off += chunk) {
		chunk = e->len - off;
		if (chunk > SHROUD_PROTECT_MAX_LEN)
			chunk = SHROUD_PROTECT_MAX_LEN;
		id = shroud_protect((void *)(e->base + off), chunk, sens,
				    flags & ~SHROUD_ALLOC_LIBMASK);
		if (id < 0)
			return -1;
		e->ids[e->nids++] = id;
	}
	return 0;
}

void *shroud_alloc(size_t len, unsigned sens, unsigned flags)
{
	struct alloc_ent *e;
	void *p;
	int err;

	if (!len || len > (size_t)MAX_IDS * SHROUD_PROTECT_MAX_LEN) {
		errno = len ? E2BIG : EINVAL;
		return NULL;
	}
	len = (len + PAGE - 1) & ~(PAGE - 1);
	p = prepare(len);
	if (!p)
		return NULL;
	pthread_mutex_lock(&tab_lock);
	e = slot_new();
	if (!e) {
		pthread_mutex_unlock(&tab_lock);
		munmap(p, len);
		errno = ENOMEM;
		return NULL;
	}
	e->base = (uintptr_t)p;
	e->len = len;
	e->flags = flags;
	e->sens = sens;
	e->nids = 0;
	/* The lock is held across PROTECT: slot_new may move the table. */
	if (protect_all(e, sens, flags) == 0 ||
	    (errno == ENODEV && (flags & SHROUD_ALLOC_FALLBACK) && !e->nids)) {
		pthread_mutex_unlock(&tab_lock);
		return p;	/* protected, or plain locked memory */
	}
	err = errno;
	(void)release_ids(e, 1);
	e->base = 0;
	pthread_mutex_unlock(&tab_lock);
	munlock(p, len);
	munmap(p, len);
	errno = err;
	return NULL;
}

int shroud_free(void *p)
{
	struct alloc_ent *e;
	uintptr_t base;
	size_t len;
	int rc;

	if (!p)
		return 0;
	pthread_mutex_lock(&tab_lock);
	e = slot_find((uintptr_t)p);
	if (!e) {
		pthread_mutex_unlock(&tab_lock);
		errno = EINVAL;
		return -1;
	}
	if (!e->nids && !(e->flags & SHROUD_ALLOC_NOWIPE))
		explicit_bzero((void *)e->base, e->len);
	rc = release_ids(e, 1);
	base = e->base;
	len = e->len;
	e->base = 0;
	pthread_mutex_unlock(&tab_lock);
	munlock((void *)base, len);
	munmap((void *)base, len);
	if (rc) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int shroud_release(void *p)
{
	struct alloc_ent *e;

	pthread_mutex_lock(&tab_lock);
	e = slot_find((uintptr_t)p);
	if (e)
		(void)release_ids(e, 0);
	pthread_mutex_unlock(&tab_lock);
	if (!e)
		errno = EINVAL;
	return e ? 0 : -1;
}

int shroud_reprotect(void *p)
{
	struct alloc_ent *e;
	size_t off;
	int rc = -1;

	pthread_mutex_lock(&tab_lock);
	e = slot_find((uintptr_t)p);
	if (!e) {
		errno = EINVAL;
	} else if (e->nids) {
		rc = 0;
	} else {
		for (off = 0; off < e->len; off += PAGE) {
			volatile char *b = (volatile char *)(e->base + off);

			*b = *b;
		}
		rc = protect_all(e, e->sens, e->flags);
		if (rc < 0 && errno == ENODEV && (e->flags & SHROUD_ALLOC_FALLBACK))
			rc = 0;
	}
	pthread_mutex_unlock(&tab_lock);
	return rc;
}

size_t shroud_alloc_size(const void *p)
{
	struct alloc_ent *e;
	size_t n;

	pthread_mutex_lock(&tab_lock);
	e = slot_find((uintptr_t)p);
	n = e ? e->len : 0;
	pthread_mutex_unlock(&tab_lock);
	return n;
}

int shroud_alloc_id(const void *p)
{
	struct alloc_ent *e;
	int id;

	pthread_mutex_lock(&tab_lock);
	e = slot_find((uintptr_t)p);
	id = !e ? -1 : e->nids ? e->ids[0] : 0;
	pthread_mutex_unlock(&tab_lock);
	if (id < 0)
		errno = EINVAL;
	return id;
}

/* At exit, partitions still live are wiped and given back: an address
 * space that goes away must not leave frames the kernel will reuse
 * encrypted and owned by nobody.  Priority 101: after other destructors
 * (shroud-malloc finalizes its heap first). */
__attribute__((destructor(101))) static void shroud_release_all(void)
{
	size_t i;

	pthread_mutex_lock(&tab_lock);
	for (i = 0; i < tab_cap; i++)
		if (tab[i].base && tab[i].nids)
			(void)release_ids(&tab[i],
					  !(tab[i].flags & SHROUD_ALLOC_KEEP));
	pthread_mutex_unlock(&tab_lock);
}

/* ---- names and messages --------------------------------------------------- */

const char *shroud_sens_name(unsigned s)
{
	static const char *const n[] = { "PUBLIC", "INTERNAL", "CONFIDENTIAL",
					 "SECRET" };

	return s < 4 ? n[s] : "?";
}

const char *shroud_policy_name(unsigned p)
{
	static const char *const n[] = { "ANY", "OWNER", "OWNER_USER" };

	return p < 3 ? n[p] : "?";
}

const char *shroud_tier_name(unsigned t)
{
	static const char *const n[] = { "CLEAR", "ENCRYPTED", "ISOLATED" };

	return t < 3 ? n[t] : "?";
}

const char *shroud_event_name(unsigned t)
{
	static const char *const n[] = { "?", "DENIED", "TAMPER", "ANOMALY",
					 "REMAP", "FOREIGN_READ", "WIPED",
					 "KLOCK", "IPI" };

	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

const char *shroud_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case EPERM: return "not allowed (privilege, or not the owner)";
	case ENOENT: return "no such partition";
	case EIO: return "integrity check failed (frames zeroed)";
	case E2BIG: return "range longer than the partition limit";
	case EFAULT: return "address not mapped (prefault it) or not RAM";
	case EACCES: return "kernel address or supervisor-only page";
	case EBUSY: return "range overlaps a partition or a frame is shared";
	case EINVAL: return "malformed argument";
	case ENOSPC: return "hypervisor tables full";
	case ENODEV: return "not running under Shroud (or no protected memory)";
	case ENOMEM: return "out of memory";
	default: return strerror(err);
	}
}
