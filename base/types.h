/*
 * base/types.h - the ground floor's types and error codes, shared by every
 * layer of the hypervisor (base, mm, crypto, arch, prot, core) and by the
 * host builds of its plain-C parts.
 * Guest-physical, host-physical and guest-virtual addresses and frame
 * numbers are one-member structs so the compiler refuses to mix them with
 * each other or with plain integers (the Xen gfn_t/mfn_t habit).
 * Error codes are returned negated, with the values of Linux errno (and of
 * SHROUD_E* in include/shroud/abi.h where both exist).
 */
#ifndef SHROUD_BASE_TYPES_H
#define SHROUD_BASE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t v; } gpa_t;	/* guest-physical address, bytes */
typedef struct { uint64_t v; } gfn_t;	/* guest frame number = GPA >> 12 */
typedef struct { uint64_t v; } hpa_t;	/* host-physical address, bytes */
typedef struct { uint64_t v; } gva_t;	/* guest-virtual address, bytes */

#define FRAME_SHIFT	12
#define FRAME_SIZE	4096u

static inline gpa_t mk_gpa(uint64_t v) { gpa_t g = { v }; return g; }
static inline gfn_t mk_gfn(uint64_t v) { gfn_t f = { v }; return f; }
static inline gfn_t gpa_to_gfn(gpa_t g) { return mk_gfn(g.v >> FRAME_SHIFT); }
static inline gpa_t gfn_to_gpa(gfn_t f) { return mk_gpa(f.v << FRAME_SHIFT); }
static inline hpa_t mk_hpa(uint64_t v) { hpa_t h = { v }; return h; }
static inline gva_t mk_gva(uint64_t v) { gva_t g = { v }; return g; }

/* Error codes (returned as -ENG_E*). */
#define ENG_EPERM	1	/* context not allowed (owner / user-mode policy) */
#define ENG_ENOENT	2	/* no such partition, extent or key */
#define ENG_EIO		5	/* entropy source failed its retries or health test */
#define ENG_EAGAIN	11	/* try again (a fault that made no progress yet) */
#define ENG_ENOMEM	12	/* out of hypervisor frames */
#define ENG_EFAULT	14	/* address outside guest RAM or not mapped */
#define ENG_E2BIG	7	/* length or range over a limit */
#define ENG_EBUSY	16	/* range overlaps an existing extent */
#define ENG_ENODEV	19	/* CPU lacks AES-NI and no fallback was selected */
#define ENG_EINVAL	22	/* malformed argument */
#define ENG_ENOTSUP	95	/* not decodable / not supported (e.g. an instruction) */
#define ENG_ENOSPC	28	/* caller-provided table full */
#define ENG_ERANGE	34	/* counter exhausted: rotate the key */
#define ENG_EBADMSG	74	/* GCM tag mismatch: frame tampered or replayed */

#define ENG_WUR	__attribute__((warn_unused_result))

#define ENG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* SHROUD_BASE_TYPES_H */
