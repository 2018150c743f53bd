/*
 * prot/hc_protect.h - the protected-memory hypercall handlers, private to
 * prot/ (dispatched by prot/hypercall.c; ABI, registers and error codes in
 * include/shroud/abi.h).  Each is called with prot_lock held and returns
 * RAX (0, a positive value or -SHROUD_E*); extra results go into @r.
 */
#ifndef PROT_HC_PROTECT_H
#define PROT_HC_PROTECT_H

#include <stdint.h>
#include "prot/hypercall.h"

__attribute__((warn_unused_result))
int64_t prot_hc_protect(const struct prot_view *pv, struct hc_regs *r);
__attribute__((warn_unused_result))
int64_t prot_hc_unprotect(const struct prot_view *pv, struct hc_regs *r);
__attribute__((warn_unused_result))
int64_t prot_hc_query(const struct prot_view *pv, struct hc_regs *r);
__attribute__((warn_unused_result))
int64_t prot_hc_list(const struct prot_view *pv, struct hc_regs *r);
__attribute__((warn_unused_result))
int64_t prot_hc_stats(const struct prot_view *pv, struct hc_regs *r);
__attribute__((warn_unused_result))
int64_t prot_hc_events(const struct prot_view *pv, struct hc_regs *r);

#endif /* PROT_HC_PROTECT_H */
