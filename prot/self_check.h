/*
 * prot/self_check.h - the protection layer's self-check (shroud.cfg
 * self_check = yes): every view of every owner-only frame against the
 * engine's state after each operation under prot_lock (rules in
 * prot/self_check.c).  Testing only.
 */
#ifndef PROT_SELF_CHECK_H
#define PROT_SELF_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "mpe.h"

struct prot_cpu;

/* Set once at bring-up (boot_info.self_check), before any guest entry. */
extern bool prot_self_check_on;

/* Record one prot_run (its event, first actions, result) in the ring the
 * first violation prints.  prot_lock held. */
void prot_trace_run(const struct prot_cpu *c, const struct mpe_event *ev,
		    const struct mpe_action *a, uint32_t n, int rc);
/* Check rules V1-V4 for every owner-only partition; log violations.
 * prot_lock held (prot_unlock calls it). */
void prot_self_check(void);
/* Violations found since boot. */
uint64_t prot_self_check_violations(void);

#endif /* PROT_SELF_CHECK_H */
