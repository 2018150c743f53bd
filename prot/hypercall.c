/*
 * prot/hypercall.c - the hypercall table (ABI in include/shroud/abi.h).
 * Every call runs under prot_lock; a malformed call is refused with a code.
 */
#include "prot/hypercall.h"
#include "base/lib.h"
#include "base/spinlock.h"
#include "base/version.h"
#include "include/shroud/abi.h"
#include "prot/hc_protect.h"
#include "prot/klock.h"
#include "prot/prot_state.h"

struct hc_entry {
	int64_t (*fn)(const struct prot_view *pv, struct hc_regs *r);
	unsigned kernel_only;
};

static int64_t hc_version(const struct prot_view *pv, struct hc_regs *r)
{
	(void)pv;
	if (r->rbx || r->rcx || r->rdx || r->rsi)
		return -SHROUD_EINVAL;
	r->rbx = SHROUD_ABI_VERSION;
	r->rcx = SHROUD_HV_VERSION;
	r->rdx = SHROUD_ABI_MAGIC;
	return 0;
}

static int (*guard_ipis_fn)(void);

void hc_set_guard_ipis(int (*fn)(void))
{
	guard_ipis_fn = fn;
}

static int64_t hc_guard_ipis(const struct prot_view *pv, struct hc_regs *r)
{
	(void)pv;
	if (r->rbx || r->rcx || r->rdx || r->rsi)
		return -SHROUD_EINVAL;
	return guard_ipis_fn ? guard_ipis_fn() : -SHROUD_ENOSYS;
}

static const struct hc_entry hc_table[SHROUD_HC_MAX] = {
	[SHROUD_HC_VERSION] = { hc_version, 0 },
	[SHROUD_HC_PROTECT] = { prot_hc_protect, 0 },
	[SHROUD_HC_UNPROTECT] = { prot_hc_unprotect, 0 },
	[SHROUD_HC_QUERY] = { prot_hc_query, 0 },
	[SHROUD_HC_LIST] = { prot_hc_list, 0 },
	[SHROUD_HC_STATS] = { prot_hc_stats, 0 },
	[SHROUD_HC_EVENTS] = { prot_hc_events, 0 },
	[SHROUD_HC_KLOCK] = { prot_hc_klock, 0 },
	[SHROUD_HC_GUARD_IPIS] = { hc_guard_ipis, 0 },
};

void hc_dispatch(const struct prot_view *pv, struct hc_regs *r)
{
	uint64_t nr = r->rax;
	int64_t rc;

	if (nr >= ARRAY_SIZE(hc_table) || !hc_table[nr].fn)
		rc = -SHROUD_ENOSYS;
	else if (hc_table[nr].kernel_only && pv->cpl != 0)
		rc = -SHROUD_EPERM;
	else if (nr != SHROUD_HC_VERSION && nr != SHROUD_HC_GUARD_IPIS &&
		 (!prot.enabled || !pv->cpu))
		rc = -SHROUD_ENODEV;
	else {
		spin_lock(&prot_lock);
		rc = hc_table[nr].fn(pv, r);
		prot_unlock();
	}
	r->rax = (uint64_t)rc;
}
