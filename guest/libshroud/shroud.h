/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/libshroud/shroud.h - libshroud, the guest library of the Shroud
 * hypervisor: protected memory for ordinary Linux processes.  It wraps the
 * hypercalls of <shroud/abi.h> (PROTECT, UNPROTECT, QUERY, LIST, STATS,
 * EVENTS) and prepares memory the way the ABI asks: page-aligned, mlock'd,
 * kept out of fork (MADV_DONTFORK), core dumps (MADV_DONTDUMP) and THP
 * (MADV_NOHUGEPAGE), prefaulted, then protected.  See libshroud(3).
 *
 * Errors: functions return -1 (or NULL) and set errno; the values are
 * Linux errno values (the ABI's SHROUD_E* are the same numbers).  ENODEV
 * means "not running under Shroud" or "protected memory not offered"
 * (ABI older than 1.1, or the hypervisor answered ENOSYS).
 * Thread-safe.  Link with -lshroud (static or shared); pkg-config libshroud.
 */
#ifndef SHROUD_H
#define SHROUD_H

#include <stddef.h>
#include <stdint.h>

#include <shroud/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Library flags of shroud_alloc(), above the ABI's PROTECT flags. */
#define SHROUD_ALLOC_FALLBACK	(1u << 30)	/* no Shroud: plain locked memory, not ENODEV */
#define SHROUD_ALLOC_NOWIPE	(1u << 29)	/* shroud_free does not zero (caller did) */
#define SHROUD_ALLOC_KEEP	(1u << 28)	/* at exit only UNPROTECT, no wipe (an allocator's heap) */
#define SHROUD_ALLOC_LIBMASK	(SHROUD_ALLOC_FALLBACK | SHROUD_ALLOC_NOWIPE | \
				 SHROUD_ALLOC_KEEP)

/* The working set W of a partition: SHROUD_PF_WS(w) in the flags (abi.h,
 * 1..SHROUD_WS_MAX frames, 0 = the hypervisor's default). */

/* The usual choice: owner-only, re-encrypted while the owner is away, and
 * plaintext for the owner's user mode only (issue 10): the guest kernel
 * never reads the bytes, not even on the owner's behalf, so a system call
 * on a buffer under this policy fails with EFAULT (see abi.h). Programs
 * that hand protected bytes to system calls use SHROUD_POLICY_OWNER. */
#define SHROUD_DEFAULT_SENS	SHROUD_SENS_SECRET
#define SHROUD_DEFAULT_FLAGS	SHROUD_POLICY_OWNER_USER

/* Identity of the hypervisor (SHROUD_HC_VERSION). */
struct shroud_info {
	uint32_t abi;		/* SHROUD_ABI_VERSION of the hypervisor */
	uint32_t version;	/* major << 16 | minor << 8 | patch */
	int protect;		/* 1 if PROTECT & co. are offered (ABI >= 1.1) */
};

/* One partition (SHROUD_HC_QUERY), decoded. */
struct shroud_part {
	uint32_t id;
	uint64_t gva;		/* start of the range (owner's address) */
	uint64_t len;		/* bytes */
	uint32_t sensitivity;	/* SHROUD_SENS_* */
	uint32_t policy;	/* SHROUD_POLICY_* */
	uint32_t tier;		/* SHROUD_TIER_* */
	int mine;		/* the caller's address space owns it */
	int integrity;		/* AES-GCM per frame */
	uint64_t clear_frames;	/* frames in clear right now */
};

/* 1 if running under Shroud (CPUID signature and VERSION magic), else 0.
 * Never executes VMMCALL/VMCALL without the CPUID signature. */
int shroud_present(void);
/* Fill *info.  0, or -1 with errno ENODEV (not under Shroud). */
int shroud_info(struct shroud_info *info);

/* Allocate len bytes (rounded up to 4 KiB pages) of protected memory:
 * mmap, MADV_DONTFORK/DONTDUMP/NOHUGEPAGE, mlock, prefault, PROTECT with
 * sensitivity (SHROUD_SENS_*) and flags (SHROUD_POLICY_* | SHROUD_PF_* |
 * SHROUD_ALLOC_*).  Ranges over SHROUD_PROTECT_MAX_LEN become several
 * partitions.  Returns a page-aligned pointer, zero-filled, or NULL with
 * errno: ENODEV (no Shroud, no SHROUD_ALLOC_FALLBACK), ENOMEM, EINVAL,
 * or a PROTECT error (EBUSY, ENOSPC, EFAULT, EACCES).
 * SHROUD_DISABLE=1 in the environment skips PROTECT (control runs): the
 * memory is prepared the same way but not protected. */
void *shroud_alloc(size_t len, unsigned sensitivity, unsigned flags);
/* Wipe (unless SHROUD_ALLOC_NOWIPE), UNPROTECT, munlock, munmap memory
 * from shroud_alloc.  0, or -1 with errno EINVAL (not from shroud_alloc)
 * or EIO (a frame failed its integrity check: the hypervisor zeroed it;
 * the memory is released anyway). */
int shroud_free(void *p);
/* Bytes usable at p (a shroud_alloc pointer), or 0. */
size_t shroud_alloc_size(const void *p);
/* Partition id of the first partition of p, 0 if unprotected, -1/EINVAL. */
int shroud_alloc_id(const void *p);

/* Drop the protection of allocation p, keeping mapping and contents
 * (before fork or exec, see shroud-malloc).  0, or -1/EINVAL. */
int shroud_release(void *p);
/* Protect a released allocation again: each page is written first so
 * that it is this address space's own frame (copy-on-write broken), then
 * PROTECTed with its original sensitivity and flags.  0 or -1/errno. */
int shroud_reprotect(void *p);

/* PROTECT an existing range of the caller (page-aligned; the caller pins
 * it).  Returns the partition id (> 0), 0 if SHROUD_DISABLE=1, or -1 with
 * errno EINVAL, E2BIG, EFAULT, EACCES, EBUSY, ENOSPC, ENODEV. */
int shroud_protect(void *addr, size_t len, unsigned sensitivity,
		   unsigned flags);
/* As shroud_protect with a working set of ws frames (SHROUD_PF_WS);
 * *ws_used = ws, or 0 if the hypervisor refused it (EINVAL: an older
 * hypervisor without the field) and the call was retried with its
 * default. */
int shroud_protect_ws(void *addr, size_t len, unsigned sensitivity,
		      unsigned flags, unsigned ws, unsigned *ws_used);
/* UNPROTECT partition id.  0, or -1 with errno ENOENT, EPERM, EIO, ENODEV. */
int shroud_unprotect(int id);
/* Describe partition id.  0, or -1 with errno ENOENT, ENODEV. */
int shroud_query(int id, struct shroud_part *out);
/* Next partition id after cursor (0 = first).  The id (> 0), 0 at the
 * end, or -1 with errno ENODEV. */
int shroud_list(int cursor);
/* Global counters.  0, or -1 with errno ENODEV, EFAULT, EINVAL. */
int shroud_stats(struct shroud_stats *st);
/* Up to cap (<= 256) events of the caller's partitions into ev;
 * SHROUD_EVF_CLEAR in flags removes them.  Count, or -1 with errno. */
int shroud_events(struct shroud_event *ev, unsigned cap, unsigned flags);

/* Lock the guest kernel's text (SHROUD_HC_KLOCK, one-way until reset):
 * the number of kernel-text frames locked, or -1 with errno EBUSY (already
 * locked), EFAULT, ENOSPC, ENOSYS (an older hypervisor), ENODEV. */
long shroud_klock(void);

/* Names: "SECRET", "OWNER", "ENCRYPTED", "TAMPER" ...; "?" if unknown. */
const char *shroud_sens_name(unsigned sensitivity);
const char *shroud_policy_name(unsigned policy);
const char *shroud_tier_name(unsigned tier);
const char *shroud_event_name(unsigned type);
/* Message for an errno value in Shroud's terms ("range overlaps a
 * partition" for EBUSY, ...). */
const char *shroud_strerror(int err);

/* Raw call (tests, fuzzers): nr and four arguments; out[0..2] receive
 * RBX, RCX, RDX (out may be NULL).  Returns RAX as signed, or
 * -SHROUD_ENODEV without a call when not under Shroud. */
int64_t shroud_hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
			 uint64_t a2, uint64_t a3, uint64_t out[3]);

#ifdef __cplusplus
}
#endif
#endif /* SHROUD_H */
