/*
 * crypto/aes_reg.h - the register-only page cipher (crypto/aes_reg.S):
 * keys that never touch memory.
 *
 * The 256-bit master key lives in the host's debug registers DR0-DR3 (the
 * guest's own debug-register accesses are intercepted and emulated, see
 * core/vexit.c). Each call derives its partition key from the master with
 * NIST SP 800-108r1 counter mode over AES-256-CMAC (SP 800-38B), expands
 * the AES-128 round keys into XMM0-XMM10 and processes one 4096-byte frame;
 * no key, key schedule, tweak or GHASH key is stored to memory, the stack
 * included (scripts/check-aes-reg.sh checks the object code).
 *
 * KDF fixed input (two per call, 32 bytes each, not secret):
 *   [0]      i, the counter (r = 8 bits): 1, 2
 *   [1..10]  Label: "shroud-xts" or "shroud-gcm"
 *   [11]     0x00
 *   [12..27] Context: partition id (BE32) || key epoch (BE32) || the first
 *            8 bytes of the boot nonce
 *   [28..31] [L]_32: 256 (XTS: K(1) data key, K(2) tweak key) or 128 (GCM:
 *            K(1); the second PRF output is computed and discarded)
 *
 * Callers: the dispatcher (crypto/aem_cipher.c), between arch_fpu_begin()
 * and arch_fpu_end(), on a CPU with AES-NI, PCLMULQDQ and SSE4.1, in the
 * hypervisor with GIF = 0.
 */
#ifndef SHROUD_CRYPTO_AES_REG_H
#define SHROUD_CRYPTO_AES_REG_H

#include <stdint.h>

#define AESREG_KDF_INPUT_BYTES	32u
#define AESREG_LABEL_XTS	"shroud-xts"
#define AESREG_LABEL_GCM	"shroud-gcm"
#define AESREG_LABEL_BYTES	10u

/* What one call needs besides the master: the two KDF fixed inputs at
 * offsets 0 and 32 and, for GCM, the IV block (IV || 0, 16 bytes) at 64
 * (the assembly uses these offsets). No key material. */
struct aesreg_ctx {
	uint8_t kdf_in[2][AESREG_KDF_INPUT_BYTES];
	uint8_t iv_block[16];
};

/* Build both KDF inputs for (label, part_id, epoch, nonce8). */
void aesreg_ctx_init(struct aesreg_ctx *c, const char label[AESREG_LABEL_BYTES],
		     uint32_t part_id, uint32_t epoch, const uint8_t nonce8[8],
		     uint32_t out_bits);

/* One frame in place (4096 bytes, any alignment). XTS: dun is the data
 * unit number (the guest frame number); returns 0. GCM: the IV is
 * c->iv_block[0..11]; encrypt writes tag and returns 0; decrypt returns 1
 * (frame untouched) when tag does not match, else 0. */
int aesreg_xts_frame(const struct aesreg_ctx *c, uint64_t dun, void *frame,
		     int enc);
int aesreg_gcm_frame(const struct aesreg_ctx *c, void *frame,
		     uint8_t tag[16], int enc);

/* Fill DR0-DR3 with a fresh master from RDSEED/RDRAND through registers
 * only (host builds: aesreg_test_master). 0, or -1 (zeroed) if the CPU
 * gives no healthy word. Boot CPU, before the first guest entry. */
int aesreg_master_generate(void);
/* Zero DR0-DR3 (the key is gone for good). */
void aesreg_master_clear(void);
#if !(defined(SHROUD_HV) && SHROUD_HV)
/* Host builds (AESREG_MASTER_IN_MEMORY): the "registers" are this array,
 * so tests can set a master and compare with the mbedTLS reference. */
extern uint8_t aesreg_test_master[32];
#endif

#endif /* SHROUD_CRYPTO_AES_REG_H */
