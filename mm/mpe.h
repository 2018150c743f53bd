/*
 * mm/mpe.h - the Memory Partitioning Engine's adaptive policy: one entry
 * point, mpe_handle(), turns an event into a list of actions. The hypervisor
 * (core/ NPF and hypercall handlers, a periodic tick) and the unit tests
 * drive it the same way; mm/mpe_exec.h carries the actions out.
 *
 * EVENTS                                    ACTIONS (in execution order)
 *   NPF      nested page fault: gpa, access   MAP      map [gfn,+n) with perms
 *            R/W/X, ctx (guest CR3), user     UNMAP    remove [gfn,+n) from the guest-physical map
 *   TICK     epoch tick with accessed/dirty   DECRYPT  frames of part in range
 *            samples                                   that are encrypted
 *   CLASSIFY range + sensitivity, profile,    ENCRYPT  frames of part in range
 *            access policy, owner, cipher              not (or stale-key) enc.
 *   ANOMALY  gpa + reason from elsewhere      SPLIT    split the 2 MiB mapping
 *   CTX_SWITCH new guest CR3                  MERGE    rebuild a 2 MiB mapping
 *                                             MOVE     range changed partition
 *                                             RAISE    event for guest/console
 *                                             DROP     partition destroyed:
 *                                                      zeroize its keys
 * RULES
 *  N1 No partition at gpa: MAP rwx (plain guest memory).
 *  N2 Execute access, by any context, to a DATA, STACK or HEAP partition
 *     (NX in the nested tables makes it fault): the frame is isolated in
 *     place: it keeps its partition (owner, policy, floor, key), leaves the
 *     working set (re-encrypted), is never mapped executable again (frame
 *     metadata bit), RAISE ANOMALY.  Isolation only ever raises protection.
 *     An execute access to an isolated frame or an ISOLATED partition:
 *     RAISE ANOMALY, nothing mapped.
 *  N3 OWNER / OWNER_USER policy and the faulting context is not the owner
 *     (or, OWNER_USER, not in user mode): a write is blocked (RAISE DENIED,
 *     nothing mapped); a read gets the ciphertext mapped read-only (the
 *     frame is encrypted first if it was clear), RAISE DENIED.
 *  N3b OWNER_USER policy, the owner's own address space, not user mode
 *     (the guest kernel on the owner's page tables: a system call on a
 *     protected buffer, a module that loaded the owner's CR3): nothing is
 *     mapped, neither plaintext nor ciphertext (either would stay mapped
 *     for the owner's user mode, which would then compute on ciphertext),
 *     RAISE DENIED_KERNEL; the caller makes the access fault (#GP: a
 *     user-access copy returns -EFAULT).
 *  N4 CLEAR tier: MAP (X only for code/firmware profiles).
 *  N5 ENCRYPTED/ISOLATED tier: frame in the working set -> MAP again;
 *     otherwise insert it; if the set was full the least recently used
 *     frame is UNMAPped and ENCRYPTed first; then DECRYPT and MAP the frame.
 *  T1 Once per tick a partition is hot if it saw >= hot_threshold accesses
 *     (faults + accessed samples) in the epoch, cold if it saw none.
 *  T2 Hot for `hysteresis` consecutive ticks: one tier faster (ISOLATED ->
 *     ENCRYPTED -> CLEAR), never below part_min_tier(floor): the floor set
 *     by classification (CONFIDENTIAL and SECRET never go CLEAR).
 *  T3 Cold for `hysteresis` consecutive ticks: one tier more secure, up to
 *     part_max_tier(sens) (PUBLIC: CLEAR; INTERNAL, CONFIDENTIAL: ENCRYPTED;
 *     SECRET: ISOLATED).
 *  T4 Hysteresis: after a change a partition keeps its tier for at least
 *     min_dwell ticks, and streaks restart from zero.
 *  C1 Classification creates a partition with floor = sensitivity and
 *     tier = part_default_tier(sens); the range leaves its old partitions
 *     (UNMAP, DECRYPT with the old key, MOVE), SPLIT for 2 MiB regions cut
 *     by the range's ends, ENCRYPT under the new key unless CLEAR;
 *     partitions left without frames are destroyed (DROP).
 *  C2 Declassification (a guest releasing its range): the range leaves its
 *     partition: UNMAP, out of the working set, DECRYPT in place (or, with
 *     discard, marked clear without decrypting: the caller has wiped it),
 *     MOVE to no partition.  The partition is not destroyed here even when
 *     empty: the caller destroys it once the actions have run.
 *  S1 Context switch away from an owner: SECRET partitions' clear frames
 *     are UNMAPped and ENCRYPTed, CONFIDENTIAL ones only UNMAPped; back to
 *     the owner: read-only ciphertext mappings given to others are removed.
 *  S1b SMP: UNMAP takes a frame out of every CPU's view.  If the owner
 *     still runs on another CPU (ev->others), its clear frames stay clear
 *     and in the working set: they leave only the switching CPU's view
 *     (UNMAP with MPE_UNMAP_THIS_CPU).  MAP is always for the CPU that
 *     handled the event.
 * Storage is the caller's (struct mpe_storage); no heap. Not thread-safe:
 * the caller serializes events (one lock around mpe_handle + execution).
 */
#ifndef SHROUD_MM_MPE_H
#define SHROUD_MM_MPE_H

#include "fmeta.h"
#include "part.h"
#include "part_map.h"
#include "base/types.h"

#define MPE_ACC_R	0x1u
#define MPE_ACC_W	0x2u
#define MPE_ACC_X	0x4u

enum mpe_ev_type {
	MPE_EV_NPF, MPE_EV_TICK, MPE_EV_CLASSIFY, MPE_EV_ANOMALY,
	MPE_EV_CTX_SWITCH, MPE_EV_DECLASSIFY
};

struct mpe_sample {
	uint64_t gfn;
	uint8_t accessed, dirty;
};

struct mpe_event {
	uint32_t type;			/* enum mpe_ev_type */
	uint32_t access;		/* NPF: MPE_ACC_* */
	gpa_t gpa;			/* NPF, CLASSIFY (4 KiB aligned), ANOMALY */
	uint64_t ctx;			/* NPF, CTX_SWITCH: guest CR3 */
	bool user;			/* NPF: fault from CPL 3 */
	/* NPF: the extent holding gpa if the caller looked it up already (it
	 * must be the map's current one), else NULL: one lookup per fault. */
	const struct part_extent *extent;
	const struct mpe_sample *samples;	/* TICK */
	uint32_t nsamples;
	uint64_t nframes;		/* CLASSIFY */
	struct part_attr attr;		/* CLASSIFY (tier ignored) */
	uint32_t reason;		/* ANOMALY */
	/* CLASSIFY: 0 creates a partition; id + 1 adds the range to partition
	 * id instead (its attributes win: one guest range whose frames are
	 * scattered becomes one partition).  DECLASSIFY: id + 1 of the
	 * partition the whole range must belong to. */
	uint32_t join;
	bool discard;			/* DECLASSIFY: contents dropped, not decrypted */
	/* CTX_SWITCH: the address spaces the other CPUs run now (S1b). */
	const uint64_t *others;
	uint32_t nothers;
};

enum mpe_act_type {
	MPE_ACT_MAP, MPE_ACT_UNMAP, MPE_ACT_DECRYPT, MPE_ACT_ENCRYPT,
	MPE_ACT_SPLIT, MPE_ACT_MERGE, MPE_ACT_MOVE, MPE_ACT_RAISE,
	MPE_ACT_DROP
};

enum mpe_raise {
	MPE_RAISE_ANOMALY_EXEC = 1, MPE_RAISE_ANOMALY_REPORT,
	MPE_RAISE_DENIED_WRITE, MPE_RAISE_DENIED_READ, MPE_RAISE_TIER_CHANGE,
	MPE_RAISE_INTEGRITY,
	MPE_RAISE_WIPED,	/* executor: ENCRYPT failed, frame wiped */
	MPE_RAISE_DENIED_KERNEL	/* N3b: the owner's kernel, OWNER_USER */
};

/* UNMAP perms: the frames leave only the view of the CPU that handled the
 * event (S1b); without it, every CPU's view. */
#define MPE_UNMAP_THIS_CPU	0x80u

struct mpe_action {
	uint8_t type;		/* enum mpe_act_type */
	uint8_t perms;		/* MAP: MPE_ACC_* allowed */
	uint16_t part;		/* partition acted for (MOVE: source or NONE) */
	uint16_t part_to;	/* MOVE: destination; RAISE: new tier */
	uint16_t rsvd;
	uint32_t code;		/* RAISE: enum mpe_raise */
	uint64_t gfn;		/* first frame (SPLIT/MERGE: 2 MiB aligned) */
	uint64_t nframes;
};

/* An action list needs at most this many entries for any one event except
 * TICK and CLASSIFY, which stop adding work (and report -ENG_ENOSPC for
 * CLASSIFY, with nothing changed) when the list cannot hold it. */
#define MPE_ACT_MIN	16u

struct mpe_config {
	uint32_t ws_default;	/* W, default WS_DEFAULT_W */
	uint32_t hot_threshold;	/* accesses per tick, default 32 */
	uint32_t hysteresis;	/* consecutive ticks, default 3 */
	uint32_t min_dwell;	/* ticks between changes, default 8 */
};

struct mpe_storage {
	struct part_extent *ext;	uint32_t ext_cap;
	struct partition *parts;	uint32_t part_cap;
	uint64_t *ws;			uint32_t ws_cap;  /* [part_cap*ws_cap] */
	uint32_t *fm_dir;		uint64_t fm_dir_len;
	struct fmeta *fm_pool;		uint32_t fm_pool_chunks;
};

struct mpe {
	struct part_map map;
	struct part_table parts;
	struct fmeta_table fm;
	struct mpe_config cfg;
	uint32_t tick;
	uint16_t quarantine;	/* partition id of the quarantine */
};

/* cfg may be NULL (defaults). Creates the quarantine partition. 0 or
 * -ENG_EINVAL/-ENG_ENOSPC. */
int mpe_init(struct mpe *m, const struct mpe_storage *st,
	     const struct mpe_config *cfg) ENG_WUR;
/* Feed one event; actions go to out[0..*n). 0 or a negative code (then
 * *n actions already emitted, and the state they describe, stand). */
int mpe_handle(struct mpe *m, const struct mpe_event *ev,
	       struct mpe_action *out, uint32_t cap, uint32_t *n) ENG_WUR;
/* Cross-module invariants: map canonical; every extent's partition exists;
 * working sets within W, only of ENCRYPTED/ISOLATED partitions, of frames
 * of that partition, with metadata in state clear; CLEAR partitions have no
 * encrypted frame; tiers never below the floor. 0 or a negative rule id. */
int mpe_check(const struct mpe *m) ENG_WUR;
/* Frames of part encrypted under the previous key epoch, from *cursor
 * (a gfn; start at 0), up to cap of them. Returns the count; *cursor moves
 * past the last frame looked at (UINT64_MAX when done). */
uint32_t mpe_stale_frames(const struct mpe *m, uint16_t part, gfn_t *out,
			  uint32_t cap, uint64_t *cursor);
/* Undo the bookkeeping of a DECRYPT that failed (tag mismatch): the frame
 * leaves the working set and stays encrypted. */
void mpe_decrypt_failed(struct mpe *m, uint16_t part, gfn_t gfn);
/* Carry out a DROP: destroy part if it still has no frame. 0, -ENG_EBUSY. */
int mpe_part_drop(struct mpe *m, uint16_t part) ENG_WUR;

#endif /* SHROUD_MM_MPE_H */
