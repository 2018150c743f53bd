/*
 * core/smp.h - every CPU under the hypervisor: the per-CPU records, the
 * start of the application processors, the guest's INIT and start-up
 * IPIs (emulated: the hardware never delivers one the guest asked for),
 * and the hypervisor's own IPI between CPUs, used for TLB shootdowns of
 * the guest-physical maps.
 *
 * Each CPU has its own guest-physical map (struct pcpu.gpm: "its view").
 * A change to another CPU's view takes effect there only after a
 * shootdown: the changer marks the CPU (core_gpm_flush, the maps' flush
 * callback), then smp_shootdown() sends it an NMI (the SVM NMI intercept
 * turns it into a #VMEXIT; the guest never receives NMIs, so it can
 * neither mask nor delay ours) and waits until the CPU acknowledged: it
 * then is outside the guest and flushes its TLB before its next entry.
 * A CPU acknowledges at every #VMEXIT, before every entry, while it spins
 * on a lock (spin_wait_hook) and while it is parked, so the wait ends even
 * when the two CPUs wait for each other's locks.
 *
 * Lock order (outermost first): prot_lock, then the frame allocator's and
 * the log's (leaves).  No lock is held across a guest entry.  The per-CPU
 * mailboxes are lock-free (one writer per field, atomic generation
 * counters).
 */
#ifndef CORE_SMP_H
#define CORE_SMP_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/boot/bootinfo.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vcpu.h"
#include "mm/gpmap.h"

enum pcpu_state {
	PCPU_ABSENT,		/* not started (or failed to start) */
	PCPU_WAIT_SIPI,		/* parked in the hypervisor, as after INIT */
	PCPU_RUNNING,		/* runs the guest */
};

struct pcpu {
	struct vcpu vcpu;
	struct gpmap gpm;		/* this CPU's view */
	uint32_t index, apic_id;
	void *stack_top;
	volatile uint32_t state;	/* enum pcpu_state */
	volatile uint32_t started;	/* the AP reached core_ap_main */
	volatile uint32_t init_req;	/* an emulated INIT is pending */
	volatile uint32_t sipi;		/* 0x100 | vector: a start-up IPI */
	volatile uint64_t flush_req;	/* shootdown generation asked ... */
	volatile uint64_t flush_done;	/* ... and acknowledged */
	uint64_t apic_guard_gpa;	/* its guarded xAPIC page */
	uint32_t pending_mask;		/* CPUs whose views it changed */
	uint64_t nmis, shootdowns, inits, sipis, shootdowns_skipped;
	uint64_t shootdown_cycles;	/* TSC cycles in smp_shootdown */
};

extern struct pcpu core_cpus[CPUS_MAX];
extern uint32_t core_ncpus;		/* records in use (1 + APs) */
/* All CPUs the firmware reported came under the hypervisor. */
extern bool core_all_cpus_virtualized;

/* This CPU's record (after its cpu_local is installed). */
static inline struct pcpu *this_pcpu(void)
{
	return (struct pcpu *)cpu_local()->owner;
}

/* Build every CPU's view (boot CPU, core init): identity over [0, top)
 * in @ops's format with its largest leaves, the hypervisor's region and
 * the AP start-up pages not present.  One view only (no SMP) when the
 * backend cannot start application processors (no init_ap). */
void smp_build_views(const struct vcpu_ops *ops, uint64_t top,
		     const struct boot_info *bi);
/* The maps' flush callback: @ctx is the struct pcpu of the view. */
void core_gpm_flush(void *ctx);
/* Shoot down every view this CPU changed (pending_mask): returns when
 * each of those CPUs has acknowledged.  Any context. */
void smp_shootdown(void);
/* Acknowledge shootdowns aimed at this CPU (host mode: the TLB is flushed
 * at the next entry).  Called wherever this CPU waits. */
void smp_poll(void);
/* Before each guest entry: acknowledge shootdowns; true if an emulated
 * INIT is pending or the CPU waits for a start-up IPI: the caller then
 * lets the protection layer see the CPU go idle and calls smp_park(). */
bool smp_before_entry(struct pcpu *p);
/* Wait as after INIT until a start-up IPI, then give the vCPU the SIPI
 * state (the backend's sipi()). */
void smp_park(struct pcpu *p);
/* First steps of an AP in core_ap_main: the boot CPU's host CR4 and EFER,
 * the master key (halts if none comes), its descriptor tables and its
 * per-CPU record. */
void smp_ap_early(struct pcpu *p);

/* Start the APs (boot CPU, once, host mode, no lock held): each runs
 * core_ap_main and parks, as after INIT.  Logs what it did. */
void smp_start_aps(const struct boot_info *bi);
/* The guest's ICR write, classified (arch/x86/apic.h): emulate INIT or a
 * start-up IPI to the CPU with APIC ID @dest, or to all but this one
 * (@others).  False if no such CPU runs under the hypervisor. */
bool smp_emulate_init(uint32_t dest, bool others);
bool smp_emulate_sipi(uint32_t dest, bool others, unsigned vector);
/* A #VMEXIT for an NMI (a kick): take the NMI, which is still pending,
 * in the host. */
void smp_nmi_taken(void);
/* Stop every other CPU (vcpu_stop, panic): they halt at their next
 * poll point. */
void smp_stop_others(void);
/* Testing only (shroud.cfg self_check): record the host page-table
 * entries that map the hypervisor's text, IDT, this stack and the CPU
 * records (boot CPU, after the core's own mappings are final), and
 * compare them (log a change) at a point named @where.  A check before
 * arming compares nothing. */
void smp_pt_watch_arm(void);
void smp_pt_watch_check(const char *where);
/* One line per vCPU (the debug console's 'v', fatal stops). */
void smp_print(void);

#endif /* CORE_SMP_H */
