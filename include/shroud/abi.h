/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * include/shroud/abi.h - the Shroud hypercall ABI, shared by the hypervisor
 * and guest software (libshroud, shroudctl, test tools).  Permissively
 * licensed so that guest programs of any license may include it.  This is
 * the only Shroud header the guest side includes: fixed-width types only.
 *
 * Discovery (the convention of KVM, Xen and Hyper-V; AMD APM Vol. 3, CPUID
 * Fn4000_00xx "reserved for hypervisor use"):
 *   CPUID 0x40000000: EAX = highest Shroud leaf (SHROUD_CPUID_MAX_LEAF),
 *                     EBX:ECX:EDX = "ShroudHVisor" (12 ASCII bytes).
 *   CPUID 0x40000001: EAX = SHROUD_ABI_VERSION, EBX = hypervisor version,
 *                     ECX = EDX = 0 (reserved).
 *   CPUID 0x1 ECX bit 31 ("hypervisor present") is set.
 *
 * Call (KVM's register convention): VMMCALL on AMD, VMCALL on Intel.
 *   IN   RAX = call number (SHROUD_HC_*)
 *   IN   RBX, RCX, RDX, RSI = arguments 0..3 (unused ones must be zero)
 *   OUT  RAX = 0 or a positive value on success, -SHROUD_E* on failure
 *   OUT  RBX, RCX, RDX, RSI = extra results where a call documents them
 *        (unchanged otherwise); all other registers are preserved.
 * Calls are permitted from any privilege level unless documented otherwise;
 * arguments are validated one by one and a malformed call is refused with an
 * error code, never with a fault of the caller or of the hypervisor.
 */
#ifndef SHROUD_ABI_H
#define SHROUD_ABI_H

#include <stdint.h>

#define SHROUD_CPUID_LEAF_BASE	0x40000000u
#define SHROUD_CPUID_LEAF_VERSION 0x40000001u
#define SHROUD_CPUID_MAX_LEAF	SHROUD_CPUID_LEAF_VERSION
/* Signature as returned in EBX, ECX, EDX (little-endian bytes). */
#define SHROUD_CPUID_SIGNATURE	"ShroudHVisor"
#define SHROUD_CPUID_SIG_EBX	0x6f726853u	/* "Shro" */
#define SHROUD_CPUID_SIG_ECX	0x56486475u	/* "udHV" */
#define SHROUD_CPUID_SIG_EDX	0x726f7369u	/* "isor" */

/* ABI version: major changes break callers, minor ones only add calls. */
#define SHROUD_ABI_MAJOR	1u
#define SHROUD_ABI_MINOR	4u	/* 1.1: calls 1-6 (protected memory);
					 * 1.2: SHROUD_EV_WIPED, QUERY's RBX/RSI
					 * for the owner only;
					 * 1.3: SHROUD_HC_KLOCK;
					 * 1.4: SHROUD_HC_GUARD_IPIS, system
					 * events (EV_KLOCK, EV_IPI) */
#define SHROUD_ABI_VERSION	((SHROUD_ABI_MAJOR << 16) | SHROUD_ABI_MINOR)
#define SHROUD_ABI_VERSION_MAJOR(v) (((uint32_t)(v) >> 16) & 0xffffu)
#define SHROUD_ABI_VERSION_MINOR(v) ((uint32_t)(v) & 0xffffu)

/* Hypervisor version: major << 16 | minor << 8 | patch. */
#define SHROUD_VERSION_MAJOR(v)	(((uint32_t)(v) >> 16) & 0xffu)
#define SHROUD_VERSION_MINOR(v)	(((uint32_t)(v) >> 8) & 0xffu)
#define SHROUD_VERSION_PATCH(v)	((uint32_t)(v) & 0xffu)

/* Magic returned by SHROUD_HC_VERSION in RDX, so that a caller can tell a
 * Shroud answer from an unrelated hypervisor that happens to accept the
 * call number: ASCII "SHROUDv1" read as a little-endian uint64_t. */
#define SHROUD_ABI_MAGIC	0x317644554f524853ull

/*
 * SHROUD_HC_VERSION - identify the hypervisor.
 *   IN   RBX = RCX = RDX = RSI = 0
 *   OUT  RAX = 0
 *   OUT  RBX = SHROUD_ABI_VERSION
 *   OUT  RCX = hypervisor version (major << 16 | minor << 8 | patch)
 *   OUT  RDX = SHROUD_ABI_MAGIC
 *   Errors: -SHROUD_EINVAL if a reserved argument is non-zero.
 *   Any privilege level may call it.
 */
#define SHROUD_HC_VERSION	0u

/* Sensitivity classes (RDX of SHROUD_HC_PROTECT), lowest to highest. */
#define SHROUD_SENS_PUBLIC	0u
#define SHROUD_SENS_INTERNAL	1u
#define SHROUD_SENS_CONFIDENTIAL 2u	/* owner-only; unmapped while the owner is away */
#define SHROUD_SENS_SECRET	3u	/* owner-only; re-encrypted while the owner is away */

/* Access policy, bits 1:0 of the flags (RSI of SHROUD_HC_PROTECT). */
#define SHROUD_POLICY_ANY	0u	/* any context sees plaintext (encryption at rest in RAM) */
#define SHROUD_POLICY_OWNER	1u	/* the owner address space, user and kernel mode */
#define SHROUD_POLICY_OWNER_USER 2u	/* the owner address space, user mode only */
#define SHROUD_POLICY_MASK	3u
/* What the guest kernel gets when it touches OWNER_USER memory on the
 * owner's own page tables (a system call given a protected buffer, a
 * module that loaded the owner's CR3): #GP, which a user-access copy turns
 * into -EFAULT (read(2), write(2), ... fail with EFAULT; elsewhere in the
 * kernel it is an oops of that task); never plaintext, never ciphertext
 * (the owner's user mode would then read it), never a stopped VM; a
 * DENIED event names the partition.  Other contexts get the ciphertext
 * (reads) or have their writes diverted, as under OWNER. A frame its
 * owner no longer maps (the owner's exit frees it) is released as for
 * any other context. */
/* Flags (RSI of SHROUD_HC_PROTECT). */
#define SHROUD_PF_INTEGRITY	(1u << 8)	/* AES-128-GCM per frame (tag checked); default XTS-AES-128 */
/* Bits 23:16: the partition's clear working set W, in frames (1..
 * SHROUD_WS_MAX); 0 = the hypervisor's default (8). */
#define SHROUD_PF_WS_SHIFT	16u
#define SHROUD_PF_WS_MASK	(0xffu << SHROUD_PF_WS_SHIFT)
#define SHROUD_PF_WS(w)		(((uint32_t)(w) << SHROUD_PF_WS_SHIFT) & SHROUD_PF_WS_MASK)
#define SHROUD_WS_MAX		16u
#define SHROUD_PF_VALID		(SHROUD_POLICY_MASK | SHROUD_PF_INTEGRITY | SHROUD_PF_WS_MASK)

#define SHROUD_PAGE_SIZE	4096u
#define SHROUD_PROTECT_MAX_LEN	(16u << 20)	/* bytes per partition */

/*
 * SHROUD_HC_PROTECT - encrypt a range of the caller's memory in place and
 * make it a partition owned by the caller's address space (its page-table
 * root).  The range stays usable: the owner's accesses decrypt frames on
 * demand into a small clear working set.
 *   IN   RBX = GVA of the range, 4 KiB aligned, in the caller's user half
 *   IN   RCX = length in bytes, a non-zero multiple of 4 KiB,
 *              at most SHROUD_PROTECT_MAX_LEN
 *   IN   RDX = sensitivity (SHROUD_SENS_*)
 *   IN   RSI = policy | flags (SHROUD_POLICY_*, SHROUD_PF_*)
 *   OUT  RAX = partition id (> 0) or an error:
 *        -SHROUD_EINVAL  unaligned, zero length, unknown sensitivity/flags,
 *                        W over SHROUD_WS_MAX
 *        -SHROUD_E2BIG   longer than SHROUD_PROTECT_MAX_LEN
 *        -SHROUD_EFAULT  a page is not mapped (prefault it) or not RAM
 *        -SHROUD_EACCES  a kernel address or a supervisor-only page
 *        -SHROUD_EBUSY   overlaps a partition, or a frame is mapped twice
 *                        (in the range or elsewhere in the caller)
 *        -SHROUD_ENOSPC  hypervisor tables full, or the caller already
 *                        holds 16 partitions
 *   Callers must pin the range (mlock) and keep it out of fork/COW, swap,
 *   THP and core dumps (libshroud does): a changed GVA->GPA mapping of a
 *   protected page is detected and reported (SHROUD_EV_REMAP), not followed.
 */
#define SHROUD_HC_PROTECT	1u

/*
 * SHROUD_HC_UNPROTECT - return a partition's frames to ordinary memory,
 * decrypted in place.  Owner only.
 *   IN   RBX = partition id
 *   OUT  RAX = 0, -SHROUD_ENOENT (no such partition), -SHROUD_EPERM (not
 *        the owner), -SHROUD_EIO (a frame failed its integrity check: the
 *        partition is dropped and those frames are zeroed, never handed
 *        back altered)
 */
#define SHROUD_HC_UNPROTECT	2u

/*
 * SHROUD_HC_QUERY - describe one partition.
 *   IN   RBX = partition id
 *   OUT  RAX = 0, -SHROUD_ENOENT, or -SHROUD_EINVAL (RCX, RDX, RSI not 0)
 *   OUT  RBX = GVA of the range (0 unless the caller is the owner),
 *        RCX = length in bytes,
 *   OUT  RDX = sensitivity | policy << 8 | tier << 16 | (owner == caller) << 24
 *              | integrity << 25   (tier: SHROUD_TIER_*)
 *   OUT  RSI = frames currently in clear (0 unless the caller is the owner:
 *        the count follows the owner's access pattern)
 * Any caller may ask; only the owner (its page-table root) gets the
 * address and the clear-frame count.
 */
#define SHROUD_HC_QUERY		3u
#define SHROUD_TIER_CLEAR	0u
#define SHROUD_TIER_ENCRYPTED	1u
#define SHROUD_TIER_ISOLATED	2u

/*
 * SHROUD_HC_LIST - iterate over partition ids.
 *   IN   RBX = cursor: 0 to start, else the last id returned
 *   OUT  RAX = the smallest id greater than the cursor, or -SHROUD_ENOENT
 */
#define SHROUD_HC_LIST		4u

/* SHROUD_HC_STATS output (all counters since boot). */
struct shroud_stats {
	uint32_t size;			/* OUT: bytes written */
	uint32_t partitions;		/* OUT: live partitions */
	uint64_t faults;		/* OUT: nested page faults on protected frames */
	uint64_t decryptions;		/* OUT: frames decrypted */
	uint64_t encryptions;		/* OUT: frames encrypted */
	uint64_t evictions;		/* OUT: working-set evictions */
	uint64_t denials;		/* OUT: accesses refused (foreign writes, policy) */
	uint64_t tamper;		/* OUT: integrity-tag failures */
	uint64_t anomalies;		/* OUT: execution in data frames */
	uint64_t remaps;		/* OUT: changed GVA->GPA mappings seen */
	uint64_t protected_frames;	/* OUT: frames in partitions */
	uint64_t clear_frames;		/* OUT: frames currently in clear */
	uint64_t foreign_reads;		/* OUT: reads by other contexts (ABI 1.2) */
	uint64_t events_dropped;	/* OUT: events lost to a full ring (ABI 1.2) */
	uint64_t klock_text_frames;	/* OUT: kernel-text frames locked, 0 when
					 * unlocked (ABI 1.3) */
	uint64_t klock_refused;		/* OUT: kernel fetches and text writes the
					 * lock refused (ABI 1.3; their RIP and
					 * CR3 go to the hypervisor's log only:
					 * to every caller they would leak the
					 * kernel's layout) */
};

/*
 * SHROUD_HC_STATS - global counters.
 *   IN   RBX = GVA of a struct shroud_stats (writable, not protected)
 *   IN   RCX = its size in bytes (>= 8; fewer bytes are written if smaller)
 *   OUT  RAX = bytes written, -SHROUD_EFAULT, -SHROUD_EINVAL
 */
#define SHROUD_HC_STATS		5u

/* One event (SHROUD_HC_EVENTS). */
struct shroud_event {
	uint32_t type;			/* OUT: SHROUD_EV_* */
	uint32_t part_id;		/* OUT: partition concerned */
	uint64_t seq;			/* OUT: increasing sequence number */
	uint64_t gva;			/* OUT: page concerned (owner's GVA), or 0 */
	uint64_t info;			/* OUT: type-specific: the other context's
					 *      page-table root, the new GPA, ... */
};
#define SHROUD_EV_DENIED	1u	/* another context's write was refused */
#define SHROUD_EV_TAMPER	2u	/* a frame failed its integrity check */
#define SHROUD_EV_ANOMALY	3u	/* instruction fetch from a protected data frame */
#define SHROUD_EV_REMAP		4u	/* the owner's GVA now maps another GPA */
#define SHROUD_EV_FOREIGN_READ	5u	/* another context read ciphertext */
#define SHROUD_EV_WIPED		6u	/* a clear frame could not be re-encrypted:
					 * wiped (its contents are lost, never
					 * left clear); ABI 1.2 */
/* System events (ABI 1.4): not of a partition (part_id 0), seen by every
 * caller; gva = the guest RIP and info = the guest CR3 of the refused
 * instruction for CPL 0 callers, both 0 for the others (a kernel RIP
 * would leak the kernel's layout).  A CPL 3 caller's EVF_CLEAR leaves
 * them in the ring. */
#define SHROUD_EV_KLOCK		7u	/* the kernel-integrity lock refused a
					 * kernel fetch, a text write, a pinned
					 * register or MSR write, or LIDT */
#define SHROUD_EV_IPI		8u	/* an IPI that could reach another CPU
					 * was refused (SHROUD_HC_GUARD_IPIS) */

/*
 * SHROUD_HC_EVENTS - read (and optionally clear) the events of the
 * caller's partitions; CPL 0 callers see all events.
 *   IN   RBX = GVA of struct shroud_event[RCX] (writable, not protected)
 *   IN   RCX = capacity in entries (<= 256)
 *   IN   RDX = SHROUD_EVF_CLEAR to remove the returned events
 *   OUT  RAX = number of events written, -SHROUD_EFAULT (any page of the
 *        whole RCX-entry buffer not writable for the caller: checked before
 *        anything is written, even with no event to report), -SHROUD_EINVAL
 */
#define SHROUD_HC_EVENTS	6u
#define SHROUD_EVF_CLEAR	1u

/*
 * SHROUD_HC_KLOCK - the kernel-integrity lock (ABI 1.3), one-way until
 * reset: the frames the kernel half of the caller's page tables maps
 * executable become the only ones the guest kernel may execute, and they
 * become read-only; user-mode code still runs (W^X per frame).  A refused
 * kernel fetch or kernel-text write is #GP in the guest (an oops of that
 * task) and a hypervisor log line with the guest RIP and CR3.  Any CPL
 * may lock (it only takes rights away).
 *   IN   no arguments (RBX = RCX = RDX = RSI = 0)
 *   OUT  RAX = kernel-text frames locked, -SHROUD_EBUSY (already locked),
 *        -SHROUD_EFAULT (the page walk failed), -SHROUD_ENOSPC,
 *        -SHROUD_EINVAL
 */
#define SHROUD_HC_KLOCK		7u

/*
 * SHROUD_HC_GUARD_IPIS - from now on the guest's local APIC sends no
 * inter-processor interrupt that could reach another CPU (ABI 1.4),
 * one-way until reset.  Only the boot CPU is virtualized: a CPU that
 * INIT/SIPI (or an NMI into a planted handler) started would run outside
 * the hypervisor with all of physical memory.  Such an ICR write is then
 * dropped (the target never sees it; the hypervisor logs and counts it);
 * IPIs to the caller's own CPU pass.  Shroud's loader calls it when the
 * firmware's ExitBootServices has returned (the firmware's own AP
 * wake-ups are done by then), before any code of the kernel proper runs;
 * any CPL may call it (it only takes a capability away).
 *   IN   no arguments (RBX = RCX = RDX = RSI = 0)
 *   OUT  RAX = 0, -SHROUD_EBUSY (already guarded), -SHROUD_EINVAL
 */
#define SHROUD_HC_GUARD_IPIS	8u

#define SHROUD_HC_MAX		9u	/* one past the highest call number */

/* Error codes, returned negated in RAX.  Values follow Linux errno so that
 * libshroud can hand them to errno unchanged. */
#define SHROUD_EPERM		1	/* caller not allowed (privilege, owner) */
#define SHROUD_ENOENT		2	/* no such partition */
#define SHROUD_EFAULT		14	/* a guest address does not translate */
#define SHROUD_EBUSY		16	/* range overlaps an existing partition */
#define SHROUD_EINVAL		22	/* malformed argument */
#define SHROUD_ENOSPC		28	/* hypervisor tables full */
#define SHROUD_ENOSYS		38	/* unknown call number */
#define SHROUD_E2BIG		7	/* length over the limit */
#define SHROUD_ENODEV		19	/* protected memory unavailable (no AES-NI) */
#define SHROUD_EIO		5	/* integrity check failed */
#define SHROUD_EACCES		13	/* kernel address or supervisor page */

#endif /* SHROUD_ABI_H */
