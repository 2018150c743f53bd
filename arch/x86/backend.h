/*
 * arch/x86/backend.h - the one table of virtualization backends.  The
 * loader and the core both walk it and take the first whose probe
 * succeeds, so they never disagree on what the CPU can run.  The loader
 * build has no vcpu_ops (it only probes): there @ops is NULL.
 */
#ifndef ARCH_X86_BACKEND_H
#define ARCH_X86_BACKEND_H

#include "base/types.h"

struct vcpu_ops;

struct vcpu_backend {
	const char *name;
	/* 0 if this CPU can run the backend; else -ENG_ENODEV and a reason
	 * (a static string) in *@why.  Reads CPUID and MSRs only. */
	int (*probe)(const char **why) __attribute__((warn_unused_result));
	const struct vcpu_ops *ops;
};

extern const struct vcpu_backend vcpu_backends[];
extern const unsigned vcpu_backend_count;

/*
 * vcpu_backend_pick - the first backend whose probe succeeds, or NULL with
 * the last reason in *@why.
 */
const struct vcpu_backend *vcpu_backend_pick(const char **why);

__attribute__((warn_unused_result))
int svm_probe(const char **why);
/* Intel VT-x with EPT (arch/x86/vmx/vmx_probe.c). */
__attribute__((warn_unused_result))
int vmx_probe(const char **why);

struct vmx_caps;
/* The VMX capability MSRs into *@c (zeros where the CPU has none): 0, or
 * -ENG_ENODEV and a reason if the CPU has no VMX at all. */
__attribute__((warn_unused_result))
int vmx_read_caps(struct vmx_caps *c, const char **why);

#endif /* ARCH_X86_BACKEND_H */
