/*
 * core/hypercall.c - hypercall table and handlers.
 */
#include "core/hypercall.h"
#include "core/cpuid.h"
#include "core/lib.h"
#include "core/protect.h"
#include "include/shroud/abi.h"

struct hc_entry {
	int64_t (*fn)(struct vcpu *v, struct hc_regs *r);
	unsigned kernel_only;
};

static int64_t hc_version(struct vcpu *v, struct hc_regs *r)
{
	(void)v;
	if (r->rbx || r->rcx || r->rdx || r->rsi)
		return -SHROUD_EINVAL;
	r->rbx = SHROUD_ABI_VERSION;
	r->rcx = SHROUD_HV_VERSION;
	r->rdx = SHROUD_ABI_MAGIC;
	return 0;
}

static const struct hc_entry hc_table[SHROUD_HC_MAX] = {
	[SHROUD_HC_VERSION] = { hc_version, 0 },
	[SHROUD_HC_PROTECT] = { prot_hc_protect, 0 },
	[SHROUD_HC_UNPROTECT] = { prot_hc_unprotect, 0 },
	[SHROUD_HC_QUERY] = { prot_hc_query, 0 },
	[SHROUD_HC_LIST] = { prot_hc_list, 0 },
	[SHROUD_HC_STATS] = { prot_hc_stats, 0 },
	[SHROUD_HC_EVENTS] = { prot_hc_events, 0 },
};

void hc_dispatch(struct vcpu *v, struct hc_regs *r)
{
	uint64_t nr = r->rax;
	int64_t rc;

	v->hypercalls++;
	if (nr >= ARRAY_SIZE(hc_table) || !hc_table[nr].fn)
		rc = -SHROUD_ENOSYS;
	else if (hc_table[nr].kernel_only && r->cpl != 0)
		rc = -SHROUD_EPERM;
	else
		rc = hc_table[nr].fn(v, r);
	r->rax = (uint64_t)rc;
}
