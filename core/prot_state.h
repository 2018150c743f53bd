/*
 * core/prot_state.h - the protection layer's state, private to
 * core/protect.c, core/prot_init.c and core/hc_protect.c.
 *
 * Guest-visible partition ids are MPE partition ids + 1 (0 is never a
 * partition).  struct prot_part keeps what the engines do not: the owner's
 * GVA range and, page by page, the guest frame it mapped at PROTECT time.
 */
#ifndef CORE_PROT_STATE_H
#define CORE_PROT_STATE_H

#include "core/vcpu.h"
#include "include/shroud/abi.h"
#include "aem.h"
#include "mpe.h"
#include "mpe_exec.h"

#define PROT_MAX_PARTS	32u			/* guest partitions */
#define PROT_PART_SLOTS	(PROT_MAX_PARTS + 1)	/* + the MPE quarantine */
#define PROT_EXT_CAP	8192u			/* extents: scattered frames */
#define PROT_WS_CAP	16u			/* largest working set W */
#define PROT_PAGES_MAX	(SHROUD_PROTECT_MAX_LEN >> 12)
#define PROT_EVENTS	256u
#define PROT_ACTIONS	(2 * PROT_PAGES_MAX + 2 * PROT_PART_SLOTS * PROT_WS_CAP + 64)

struct prot_part {
	uint64_t gva, len;	/* the owner's range */
	uint64_t owner;		/* CR3, PCID bits masked */
	uint64_t *gfns;		/* [len >> 12]: frame of each page */
	uint8_t used, sens, policy, integrity;
};

struct prot_event_rec {
	struct shroud_event ev;
	uint64_t owner;		/* who may read it */
};

struct prot_stats {
	uint64_t faults, denials, foreign_reads, tamper, anomalies, remaps;
	uint64_t evictions_gone;	/* of partitions already destroyed */
};

struct prot_state {
	int enabled;
	struct vcpu *v;
	struct mpe mpe;
	struct mpe_exec exec;
	struct aem aem;
	struct prot_part part[PROT_PART_SLOTS];	/* indexed by MPE id */
	struct prot_event_rec ev[PROT_EVENTS];
	uint32_t ev_head, ev_n;
	uint64_t ev_seq, ev_dropped;
	struct prot_stats st;
	uint64_t sink_hpa;	/* scratch frame for diverted foreign writes */
	uint64_t diverted_gpa;	/* GPA mapped to the sink now, 0 if none */
	uint64_t fault_ctx;	/* CR3 of the context being handled */
	uint64_t last_npf_rip, npf_gpa[2];	/* last two GPAs at that RIP */
	uint32_t npf_repeat;
	uint32_t cr3_switches;
	int denied_write, tampered;
};

extern struct prot_state prot;

/* Wire the executor to the MPE, the AEM and the NPT callbacks. */
void prot_exec_setup(struct vcpu *v);
/* Feed one event to the MPE and execute its actions. */
int prot_run(struct mpe_event *ev);
/* Queue a guest-visible event for partition @part (MPE id). */
void prot_event(uint32_t type, uint16_t part, uint64_t gva, uint64_t info);
#define GFN_LOST	(~0ull)	/* page given up by its owner (REMAP, exit) */

/* Wipe page @page of partition @id and return its frame to ordinary
 * memory (the owner let go of it); forgets the partition once empty. */
void prot_drop_frame(uint16_t id, uint64_t page);
/* Destroy partition @id's engine state and key if it has no frame left. */
void prot_forget(uint16_t id);
/* Turn CR3 interception on while any owner-only partition exists. */
void prot_update_intercepts(void);

#endif /* CORE_PROT_STATE_H */
