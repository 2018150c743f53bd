/*
 * mm/mpe_exec.h - carries out the MPE's actions (mm/mpe.h): the crypto ones
 * here, with the AEM keys and the frame metadata; the nested-paging ones
 * (MAP, UNMAP, SPLIT, MERGE, MOVE) and RAISE through the caller's
 * callbacks. The hypervisor passes its guest-physical map and its event queue;
 * tests and benchmarks pass a fake memory. Shared so both run the same path.
 *
 * ENCRYPT a frame: skipped if already encrypted under the partition's
 * current epoch; re-keyed (decrypt old epoch, encrypt new) if under the
 * previous one; GCM partitions take the next per-frame counter and store
 * the tag in the frame's metadata; a frame whose counter is used up moves
 * the partition to a new epoch (fresh key, the frame's counter restarts). DECRYPT: skipped if clear; GCM tags are
 * verified, a mismatch leaves the frame encrypted, takes it out of the
 * working set, RAISEs MPE_RAISE_INTEGRITY and stops the list (-ENG_EBADMSG).
 * Partition keys are opened in the AEM on first use (epoch = key_epoch).
 */
#ifndef SHROUD_MM_MPE_EXEC_H
#define SHROUD_MM_MPE_EXEC_H

#include "aem.h"
#include "mpe.h"

struct mpe_exec_ops {
	/* The 4 KiB of guest frame gfn, writable, or NULL (no such frame). */
	void *(*frame)(void *ctx, gfn_t gfn);
	/* MAP/UNMAP/SPLIT/MERGE/MOVE; NULL to ignore. 0 or negative. */
	int (*map)(void *ctx, const struct mpe_action *a) ENG_WUR;
	/* RAISE; NULL to ignore. */
	void (*raise)(void *ctx, const struct mpe_action *a);
	void *ctx;
};

struct mpe_exec {
	struct mpe *m;
	struct aem *aem;
	struct mpe_exec_ops ops;
	uint64_t frames_encrypted, frames_decrypted;
	bool rekeying;		/* inside a counter-exhaustion re-key */
};

/* Run n actions in order.  After the first error (returned) only the
 * protective actions still run (UNMAP, ENCRYPT, RAISE, DROP, SPLIT): the
 * list either completes or leaves its partitions at least as protected as
 * before; a frame an ENCRYPT could not encrypt is wiped and RAISEd
 * (MPE_RAISE_WIPED), never left clear. */
int mpe_exec_run(struct mpe_exec *x, const struct mpe_action *a,
		 uint32_t n) ENG_WUR;
/* mpe_handle() into a stack list of MPE_EXEC_LIST actions, then run them. */
#define MPE_EXEC_LIST 64u
int mpe_exec_event(struct mpe_exec *x, const struct mpe_event *ev) ENG_WUR;
/* Rotate part's key (AEM epoch + 1, partition key_epoch + 1). Frames under
 * the old key are reported by mpe_stale_frames() and re-keyed by
 * mpe_exec_sweep() or on their next eviction. */
int mpe_exec_rotate(struct mpe_exec *x, uint16_t part) ENG_WUR;
/* Re-key up to budget stale frames of part; when none is left, retire the
 * old key (zeroized). Returns the number of stale frames still left (0 =
 * done) or a negative code. */
int64_t mpe_exec_sweep(struct mpe_exec *x, uint16_t part,
		       uint32_t budget) ENG_WUR;

/*
 * mpe_exec_tag_ok - does frame gfn of GCM partition part still hold the
 * ciphertext this executor wrote (its tag verifies)?  Decrypts a copy in
 * @scratch (4 KiB, wiped afterwards), never the frame.  1 yes, 0 no (the
 * frame was written behind the hypervisor's back: DMA, a physical
 * writer), negative if that cannot be told (not GCM, not encrypted, no
 * key).  Inside the caller's XMM bracket.
 */
int mpe_exec_tag_ok(struct mpe_exec *x, uint16_t part, gfn_t gfn,
		    void *scratch) ENG_WUR;

#endif /* SHROUD_MM_MPE_EXEC_H */
