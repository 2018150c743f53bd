/*
 * mm/part.h - partitions and their attributes, kept in a caller-provided
 * table indexed by partition id (id = slot index, 0..cap-1).
 *
 * Attributes (ARCHITECTURE.md "Partitions"):
 *   profile      what the memory is (firmware ... quarantine)
 *   sens         sensitivity now; floor: the classification's sensitivity,
 *                below which the policy never lets the tier go
 *   tier         CLEAR (mapped, never encrypted), ENCRYPTED (encrypted at
 *                rest, at most W frames clear), ISOLATED (encrypted, W = 1,
 *                never executable)
 *   access       ANY context, OWNER context (guest CR3, PCID bits masked),
 *                OWNER in user mode only
 *   cipher       XTS (confidentiality) or GCM (plus integrity and freshness)
 *   key id/epoch the AEM key slot (= partition id) and its current epoch
 *   counters     faults, decrypts, encrypts, evictions, denials, anomalies
 * Each partition owns a clear working set (mm/ws.h) of at most ws_cap
 * frames, storage carved from one caller array.
 */
#ifndef SHROUD_MM_PART_H
#define SHROUD_MM_PART_H

#include "base/types.h"
#include "ws.h"

enum part_profile {
	PART_PROF_FIRMWARE, PART_PROF_KERNEL_CODE, PART_PROF_CODE,
	PART_PROF_DATA, PART_PROF_STACK, PART_PROF_HEAP, PART_PROF_MMIO,
	PART_PROF_QUARANTINE, PART_PROF_COUNT
};
enum part_sens {
	PART_SENS_PUBLIC, PART_SENS_INTERNAL, PART_SENS_CONFIDENTIAL,
	PART_SENS_SECRET, PART_SENS_COUNT
};
enum part_tier {
	PART_TIER_CLEAR, PART_TIER_ENCRYPTED, PART_TIER_ISOLATED,
	PART_TIER_COUNT
};
enum part_access {
	PART_ACC_ANY, PART_ACC_OWNER, PART_ACC_OWNER_USER, PART_ACC_COUNT
};
enum part_cipher { PART_CIPHER_XTS, PART_CIPHER_GCM, PART_CIPHER_COUNT };

/* CR3 bits that name an address space (PCID and flag bits dropped). */
#define PART_OWNER_MASK	0x000ffffffffff000ull

struct part_attr {
	uint8_t profile, sens, tier, access, cipher;
	uint64_t owner;		/* guest CR3, masked with PART_OWNER_MASK */
};

struct part_counters {
	uint64_t faults, decrypts, encrypts, evictions, denials, anomalies;
	uint64_t tier_changes;
};

struct partition {
	uint16_t id;
	uint8_t used;
	uint8_t profile, sens, floor, tier, access, cipher;
	uint8_t ro_ciphertext;	/* mapped read-only as ciphertext for others */
	uint64_t owner;
	/* Key id: unique for every partition incarnation of this boot (a new
	 * partition in a reused slot never gets an old key); with the boot
	 * nonce and the epoch it names the key (crypto/aem.h). */
	uint32_t key_id, key_epoch;
	struct part_counters cnt;
	/* policy state (mm/mpe.c) */
	uint32_t epoch_accesses, hot_streak, cold_streak, last_change;
	struct ws ws;
};

struct part_table {
	struct partition *p;
	uint32_t cap;
	uint64_t *ws_storage;	/* [cap * ws_cap] */
	uint32_t ws_cap;	/* per partition, <= WS_MAX_W */
	uint32_t ws_default;	/* W for ENCRYPTED partitions */
	uint32_t key_seq;	/* last key id handed out (ids start at 1) */
};

int part_table_init(struct part_table *t, struct partition *slots,
		    uint32_t cap, uint64_t *ws_storage, uint32_t ws_cap,
		    uint32_t ws_default) ENG_WUR;
/* Validate a and take a free slot: 0 and *id, -ENG_EINVAL, -ENG_ENOSPC. */
int part_create(struct part_table *t, const struct part_attr *a,
		uint16_t *id) ENG_WUR;
struct partition *part_get(const struct part_table *t, uint16_t id);
int part_destroy(struct part_table *t, uint16_t id);
/* Lowest / highest tier the policy may choose for a sensitivity. */
enum part_tier part_min_tier(enum part_sens floor);
enum part_tier part_max_tier(enum part_sens sens);
/* Tier a new partition of this sensitivity starts in. */
enum part_tier part_default_tier(enum part_sens sens);
/* W for a tier (ISOLATED: 1). */
uint32_t part_ws_limit(const struct part_table *t, enum part_tier tier);
/* Executable profiles (code, kernel code, firmware). */
bool part_profile_exec(enum part_profile p);

#endif /* SHROUD_MM_PART_H */
