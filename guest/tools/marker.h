/* guest/tools/marker.h - the secret markers of the protection tests.
 *
 * A marker is MARKER_PREFIX followed by six decimal digits,
 * "SHROUD-SECRET-MARKER-000042".  The tests search guest memory (from
 * inside the guest and in host-side dumps) for the prefix, so the prefix
 * must never exist in plaintext in guest RAM outside protected memory:
 * no guest binary holds it as a literal (here it is stored XORed with
 * MARKER_XOR and decoded straight into the protected destination), the
 * prompt file in the initramfs is AES-GCM encrypted, and memscan matches
 * XORed bytes without ever building the needle.
 */
#ifndef SHROUD_TOOLS_MARKER_H
#define SHROUD_TOOLS_MARKER_H

#include <stddef.h>
#include <stdint.h>

#define MARKER_XOR	0x5a
#define MARKER_PREFIX_LEN 21	/* "SHROUD-SECRET-MARKER-" */
#define MARKER_LEN	(MARKER_PREFIX_LEN + 6)

#define X_(c) ((uint8_t)((c) ^ MARKER_XOR))
static const uint8_t marker_prefix_x[MARKER_PREFIX_LEN] = {
	X_('S'), X_('H'), X_('R'), X_('O'), X_('U'), X_('D'), X_('-'),
	X_('S'), X_('E'), X_('C'), X_('R'), X_('E'), X_('T'), X_('-'),
	X_('M'), X_('A'), X_('R'), X_('K'), X_('E'), X_('R'), X_('-'),
};
#undef X_

/* Write marker n (0..999999) at dst (MARKER_LEN bytes, no NUL). */
static inline void marker_write(volatile char *dst, unsigned n)
{
	int i;

	for (i = 0; i < MARKER_PREFIX_LEN; i++)
		dst[i] = (char)(marker_prefix_x[i] ^ MARKER_XOR);
	for (i = 5; i >= 0; i--, n /= 10)
		dst[MARKER_PREFIX_LEN + i] = (char)('0' + n % 10);
}

#endif
