/*
 * mm/types.h - basic types and error codes shared by the engines (mm/ policy
 * code and crypto/ AEM) and by the hypervisor core that calls them.
 * Guest-physical addresses and frame numbers are one-member structs so the
 * compiler refuses to mix them with host addresses or plain integers
 * (the Xen gfn_t habit). Error codes are returned negated, with the values of
 * Linux errno (and of SHROUD_E* in include/shroud/abi.h where both exist).
 */
#ifndef SHROUD_MM_TYPES_H
#define SHROUD_MM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t v; } gpa_t;	/* guest-physical address, bytes */
typedef struct { uint64_t v; } gfn_t;	/* guest frame number = GPA >> 12 */

#define FRAME_SHIFT	12
#define FRAME_SIZE	4096u

static inline gpa_t mk_gpa(uint64_t v) { gpa_t g = { v }; return g; }
static inline gfn_t mk_gfn(uint64_t v) { gfn_t f = { v }; return f; }
static inline gfn_t gpa_to_gfn(gpa_t g) { return mk_gfn(g.v >> FRAME_SHIFT); }
static inline gpa_t gfn_to_gpa(gfn_t f) { return mk_gpa(f.v << FRAME_SHIFT); }

/* Error codes (returned as -ENG_E*). */
#define ENG_EPERM	1	/* context not allowed (owner / user-mode policy) */
#define ENG_ENOENT	2	/* no such partition, extent or key */
#define ENG_EIO		5	/* entropy source failed its retries or health test */
#define ENG_E2BIG	7	/* length or range over a limit */
#define ENG_EBUSY	16	/* range overlaps an existing extent */
#define ENG_ENODEV	19	/* CPU lacks AES-NI and no fallback was selected */
#define ENG_EINVAL	22	/* malformed argument */
#define ENG_ENOSPC	28	/* caller-provided table full */
#define ENG_ERANGE	34	/* counter exhausted: rotate the key */
#define ENG_EBADMSG	74	/* GCM tag mismatch: frame tampered or replayed */

#define ENG_WUR	__attribute__((warn_unused_result))

#define ENG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* SHROUD_MM_TYPES_H */
