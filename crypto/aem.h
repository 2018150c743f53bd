/*
 * crypto/aem.h - the Adaptive Encryption Manager's key hierarchy.
 *
 * Register mode (aem_init_regs, the hypervisor's default): the master
 * lives in DR0-DR3 and each frame call derives its key in registers (NIST
 * SP 800-108 over AES-256-CMAC, crypto/aes_reg.h); nothing below exists in
 * memory. Memory mode (aem_init, the SHROUD_KEYS_IN_RAM control build and
 * the host tests):
 *   master key (256 bits, handed in at boot)
 *     -> partition key material (AEM_KEY_BYTES = 96) =
 *        HKDF-SHA256(IKM = master, salt = boot nonce,
 *                    info = "shroud/partition" || id (u32 BE) || epoch (u32 BE))
 *        (RFC 5869; bytes 0-31 XTS data key, 32-63 XTS tweak key, 64-95 GCM)
 *     -> struct aem_page_key (expanded, crypto/aem_cipher.h)
 *
 * Each partition has one key slot holding the current epoch's key and, while
 * a rotation is in progress, the previous one. aem_key_rotate() bumps the
 * epoch; frames still encrypted under the old epoch are found by the caller
 * with mpe_stale_frames() (mm/mpe.h) and re-encrypted lazily on eviction or
 * by a bounded sweep; aem_key_retire() then zeroizes the old key. Every key
 * and the master are zeroized when dropped (mbedtls_platform_zeroize).
 * Storage is the caller's (no heap). Not thread-safe: one CPU at a time.
 */
#ifndef SHROUD_CRYPTO_AEM_H
#define SHROUD_CRYPTO_AEM_H

#include <stddef.h>
#include <stdint.h>

#include "aem_cipher.h"
#include "base/types.h"

#define AEM_MASTER_BYTES	32u
#define AEM_NONCE_MAX		64u
#define AEM_INFO_LABEL		"shroud/partition"

struct aem_key_slot {
	uint32_t part_id;
	uint32_t epoch;		/* epoch of cur */
	uint8_t used;
	uint8_t has_prev;	/* key[cur ^ 1] holds epoch - 1 */
	uint8_t cur;		/* index of the current key (keys never move:
				 * mbedTLS contexts point into themselves) */
	struct aem_page_key key[2];
};

struct aem {
	uint8_t master[AEM_MASTER_BYTES];
	uint8_t nonce[AEM_NONCE_MAX];
	size_t nonce_len;
	struct aem_key_slot *slots;
	uint32_t nslots;
	uint32_t live;
	uint32_t regkeys;	/* aem_init_regs: master in DR0-DR3, none here */
};

/* Take the master key (copied; wipe yours) and the boot nonce (1..64
 * bytes), and caller storage for nslots partitions' keys. The page cipher
 * back end must already be selected (aem_cipher_select). 0, -ENG_EINVAL. */
int aem_init(struct aem *a, const uint8_t master[AEM_MASTER_BYTES],
	     const uint8_t *nonce, size_t nonce_len,
	     struct aem_key_slot *slots, uint32_t nslots) ENG_WUR;
/* Register mode (the hypervisor's default): the master is already in the
 * key registers (aesreg_master_generate, crypto/aes_reg.h) and is never
 * handed to the AEM; slots then hold only which key (part_id, epoch) the
 * frame calls derive. The REGKEY back end must be selected; nonce_len >= 8
 * (its first 8 bytes enter the KDF context). 0 or -ENG_EINVAL. */
int aem_init_regs(struct aem *a, const uint8_t *nonce, size_t nonce_len,
		  struct aem_key_slot *slots, uint32_t nslots) ENG_WUR;
/* Zeroize the master, the nonce and every slot. */
void aem_fini(struct aem *a);

/* Raw key material for (part_id, epoch). 0 or -ENG_EINVAL; -ENG_ENOTSUP
 * in register mode, where no partition key exists outside a frame call. */
int aem_derive_partition_key(const struct aem *a, uint32_t part_id,
			     uint32_t epoch,
			     uint8_t out[AEM_KEY_BYTES]) ENG_WUR;

/* Create the slot of part_id at epoch and expand its key. -ENG_EBUSY if it
 * exists, -ENG_ENOSPC if no slot is free. */
int aem_key_open(struct aem *a, uint32_t part_id, uint32_t epoch) ENG_WUR;
/* Key of part_id at epoch (current or previous), NULL if none. */
const struct aem_page_key *aem_key_get(const struct aem *a, uint32_t part_id,
				       uint32_t epoch);
/* Current epoch of part_id, or -ENG_ENOENT. */
int64_t aem_key_epoch(const struct aem *a, uint32_t part_id);
/* epoch + 1 with a fresh key; the old one stays as prev until retired.
 * -ENG_EBUSY if a previous rotation is not retired yet, -ENG_ENOENT,
 * -ENG_ERANGE at the last epoch. *new_epoch may be NULL. */
int aem_key_rotate(struct aem *a, uint32_t part_id,
		   uint32_t *new_epoch) ENG_WUR;
/* Zeroize the previous key (the caller has re-encrypted every frame that
 * used it). -ENG_ENOENT if there is none. */
int aem_key_retire(struct aem *a, uint32_t part_id) ENG_WUR;
/* Zeroize both keys and free the slot. */
int aem_key_close(struct aem *a, uint32_t part_id);

#endif /* SHROUD_CRYPTO_AEM_H */
