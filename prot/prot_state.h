/*
 * prot/prot_state.h - the protection layer's state, private to prot/.
 *
 * Global (shared by all CPUs, under prot_lock): struct prot_state - the
 * MPE (partition map, partitions, frame metadata, working sets), the AEM
 * (keys), the guest partitions' GVA ranges and frames, the event ring and
 * the counters.
 * Per CPU (struct prot_cpu, touched by its own CPU only): the executor and
 * its action list, the hypercall scratch buffers, the fault-progress
 * state, the diverted-write sink, and the outcome flags of the event being
 * run.
 *
 * Guest-visible partition ids are MPE partition ids + 1 (0 is never a
 * partition).  struct prot_part keeps only what the MPE's struct partition
 * does not: the owner's GVA range and, page by page, the guest frame it
 * mapped at PROTECT time; sensitivity, policy, owner and cipher are the
 * partition's own (part_get()).
 */
#ifndef PROT_PROT_STATE_H
#define PROT_PROT_STATE_H

#include "base/spinlock.h"
#include "include/shroud/abi.h"
#include "aem.h"
#include "mpe.h"
#include "mm/gpmap.h"
#include "prot/mpe_exec.h"
#include "prot/protect.h"

#define PROT_MAX_PARTS	32u			/* guest partitions */
#define PROT_MAX_PER_OWNER 16u		/* of them, one address space's */
#define PROT_PART_SLOTS	(PROT_MAX_PARTS + 1)	/* + the MPE quarantine */
#define PROT_EXT_CAP	8192u			/* extents: scattered frames */
#define PROT_WS_CAP	16u			/* largest working set W */
#define PROT_PAGES_MAX	(SHROUD_PROTECT_MAX_LEN >> 12)
#define PROT_EVENTS	256u
#define PROT_ACTIONS	(2 * PROT_PAGES_MAX + 2 * PROT_PART_SLOTS * PROT_WS_CAP + 64)

struct prot_part {
	uint64_t gva, len;	/* the owner's range */
	uint64_t *gfns;		/* [len >> 12]: frame of each page */
	uint8_t used;
	uint8_t pti_twin;	/* owner = a PTI pair's kernel root (PROTECT
				 * verified the user root as its twin) */
};

struct prot_event_rec {
	struct shroud_event ev;
	uint64_t owner;		/* who may read it; PROT_EV_SYSTEM: anyone */
};
#define PROT_EV_SYSTEM	(~0ull)	/* no page-table root is all ones */

struct prot_stats {
	uint64_t faults, denials, foreign_reads, tamper, anomalies, remaps;
	uint64_t evictions_gone;	/* of partitions already destroyed */
};

struct prot_state {
	int enabled;
	struct mpe mpe;
	struct aem aem;
	struct prot_part part[PROT_PART_SLOTS];	/* indexed by MPE id */
	struct prot_event_rec ev[PROT_EVENTS];
	uint32_t ev_head, ev_n;
	uint64_t ev_seq, ev_dropped;
	struct prot_stats st;
	uint64_t frames_encrypted_gone, frames_decrypted_gone;
	uint32_t cr3_switches;
	bool want_cr3, want_hlt;	/* intercepts (prot_intercepts) */
	uint64_t ram_top;		/* end of guest RAM (boot_info) */
	struct prot_cpu *cpus[BI_CPUS_MAX];	/* by CPU index; NULL: none */
	uint32_t ncpus;			/* highest index + 1 */
};

/* Outcome flags of one prot_run(), set by the executor's RAISE callback. */
struct prot_run_flags {
	bool denied_write, tampered, exec_denied, kernel_denied;
};

struct prot_cpu {
	uint32_t id;
	struct gpmap *gpm;		/* this CPU's guest-physical map */
	struct mpe_exec exec;		/* ops.ctx = this struct */
	struct mpe_action *list;	/* [PROT_ACTIONS] */
	uint64_t *page_gfn, *page_sorted;	/* [PROT_PAGES_MAX]: PROTECT */
	hpa_t sink;			/* scratch frame for diverted writes */
	uint64_t diverted_gpa;		/* GPA mapped to the sink now, 0 if none */
	uint64_t fault_ctx;		/* CR3 of the context being handled */
	uint64_t last_npf_rip, npf_gpa[2];	/* last two GPAs at that RIP */
	uint64_t last_npf_seq;		/* exit_seq of the last NPF */
	uint32_t npf_repeat;
	struct prot_run_flags flags;
};

extern struct prot_state prot;
extern spinlock_t prot_lock;

/* Make every change this CPU made to other CPUs' views take effect there
 * (the hook core/smp.c gave prot_set_shootdown; nothing with one CPU). */
void prot_shootdown(void);
/* Release prot_lock, after the shootdowns its holder still owes. */
void prot_unlock(void);
/* Apply @rights (0: not present) to frame @gfn in every CPU's view; the
 * shootdown follows at prot_unlock() or before the frame is touched. */
int prot_map_all(uint64_t gfn, unsigned rights);

/*
 * The owner identity of address space @cr3 (a CR3 value, PCID and bit 63
 * included): its page-table root (PART_OWNER_MASK).  A kernel with
 * page-table isolation (PTI) runs each process on two roots, an 8 KiB
 * aligned pair: the kernel's at the even page, the user's at the odd one
 * (CR3 bit 12 set in user mode; Linux arch/x86/mm/pti.c).  The user root
 * of a pair that PROTECT verified (prot_part.pti_twin) names the same
 * owner as its kernel root; every other root names itself.  Callers hold
 * prot_lock.
 */
#define PROT_PTI_USER_BIT	0x1000ull
uint64_t prot_owner_id(uint64_t cr3);

/* Feed one event to the MPE and execute its actions on CPU @c. */
int prot_run(struct prot_cpu *c, struct mpe_event *ev) ENG_WUR;
/* Remove event @k (0 = the oldest) of the ring, keeping the others' order. */
void prot_event_remove(uint32_t k);
/* Queue a guest-visible event for partition @part (MPE id). */
void prot_event(uint32_t type, uint16_t part, uint64_t gva, uint64_t info);
/* A system event (SHROUD_EV_KLOCK, SHROUD_EV_IPI; abi.h): for every
 * caller, @rip and @cr3 for CPL 0 callers only.  Caller holds prot_lock. */
void prot_system_event(uint32_t type, uint64_t rip, uint64_t cr3);
#define GFN_LOST	(~0ull)	/* page given up by its owner (REMAP, exit) */

/* Wipe page @page of partition @id and return its frame to ordinary
 * memory (the owner let go of it); forgets the partition once empty. */
void prot_drop_frame(struct prot_cpu *c, uint16_t id, uint64_t page);
/* Destroy partition @id's engine state and key if it has no frame left. */
void prot_forget(uint16_t id);
/* Recompute whether CR3 writes must be intercepted (any owner-only
 * partition exists). */
void prot_update_intercepts(void);
/* The MPE partition behind live guest partition @id (MPE id), or NULL. */
const struct partition *prot_mpe_part(uint16_t id);
/* Wire @c's executor to the MPE, the AEM and @c's guest-physical map. */
void prot_exec_setup(struct prot_cpu *c);

#endif /* PROT_PROT_STATE_H */
