/* guest/tools/sha256.h - a small SHA-256 (FIPS 180-4) whose whole state is
 * in a caller-provided struct, so that a program hashing protected data can
 * keep the state (which holds up to 63 bytes of the message) inside its
 * protected buffer.  Used by protect-demo, prompt-guard and the tests. */
#ifndef SHROUD_TOOLS_SHA256_H
#define SHROUD_TOOLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];	/* partial block */
	uint32_t w[64];		/* message schedule (kept here, not on the stack) */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the 32-byte digest and wipes the state. */
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* Lower-case hex of a digest into out[65]. */
void sha256_hex(const uint8_t d[32], char out[65]);

#endif
