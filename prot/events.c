/*
 * prot/events.c - the protection layer's state and its event ring: the
 * one struct prot_state and prot_lock (prot/prot_state.h), partition
 * events (DENIED, TAMPER, ...) and system events (KLOCK, IPI), read by
 * SHROUD_HC_EVENTS (prot/hc_protect.c; include/shroud/abi.h).
 */
#include "base/lib.h"
#include "include/shroud/abi.h"
#include "prot/protect.h"
#include "prot/prot_state.h"
#include "prot/self_check.h"

struct prot_state prot;
spinlock_t prot_lock = SPINLOCK_INIT;
static void (*shootdown_fn)(void);

void prot_set_shootdown(void (*fn)(void))
{
	shootdown_fn = fn;
}

void prot_shootdown(void)
{
	if (shootdown_fn)
		shootdown_fn();
}

void prot_unlock(void)
{
	prot_self_check();
	prot_shootdown();
	spin_unlock(&prot_lock);
}

/*
 * The ring is shared by every owner, so one owner's flood (an attacker
 * writing into a sleeping owner's page over and over) must not push the
 * others' events out: when the ring is full, an owner that holds a quarter
 * of it or more loses its own oldest event; otherwise the oldest event of
 * all goes.  Either way events_dropped (STATS) counts it.
 */
#define PROT_EVENTS_FAIR	(PROT_EVENTS / 4)

void prot_event_remove(uint32_t k)
{
	uint32_t j;

	for (j = k; j + 1 < prot.ev_n; j++)
		prot.ev[(prot.ev_head + j) % PROT_EVENTS] =
			prot.ev[(prot.ev_head + j + 1) % PROT_EVENTS];
	prot.ev_n--;
}

static void ring_make_room(uint64_t owner)
{
	uint32_t k, first = PROT_EVENTS, mine = 0;

	for (k = 0; k < prot.ev_n; k++)
		if (prot.ev[(prot.ev_head + k) % PROT_EVENTS].owner == owner) {
			if (!mine++)
				first = k;
		}
	prot_event_remove(mine >= PROT_EVENTS_FAIR ? first : 0);
	prot.ev_dropped++;
}

/* Append one event for @owner's readers (PROT_EV_SYSTEM: everyone). */
static void ring_push(uint32_t type, uint32_t part_id, uint64_t gva,
		      uint64_t info, uint64_t owner)
{
	struct prot_event_rec *e;

	if (prot.ev_n == PROT_EVENTS)
		ring_make_room(owner);
	e = &prot.ev[(prot.ev_head + prot.ev_n) % PROT_EVENTS];
	e->ev.type = type;
	e->ev.part_id = part_id;
	e->ev.seq = ++prot.ev_seq;
	e->ev.gva = gva;
	e->ev.info = info;
	e->owner = owner;
	prot.ev_n++;
}

void prot_event(uint32_t type, uint16_t part, uint64_t gva, uint64_t info)
{
	const struct partition *mp = part < PROT_PART_SLOTS ?
		part_get(&prot.mpe.parts, part) : NULL;

	/* guest ids are MPE ids + 1 */
	ring_push(type, (uint32_t)part + 1, gva, info, mp ? mp->owner : 0);
}

void prot_system_event(uint32_t type, uint64_t rip, uint64_t cr3)
{
	ring_push(type, 0, rip, cr3, PROT_EV_SYSTEM);
}

void prot_report_ipi_refused(uint64_t rip, uint64_t cr3)
{
	spin_lock(&prot_lock);
	prot_system_event(SHROUD_EV_IPI, rip, cr3);
	prot_unlock();
}
