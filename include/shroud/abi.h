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
 *   OUT  RBX, RCX, RDX = extra results where a call documents them;
 *        all other registers are preserved.
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
#define SHROUD_ABI_MINOR	0u
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

#define SHROUD_HC_MAX		1u	/* one past the highest call number */

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

#endif /* SHROUD_ABI_H */
