/*
 * arch/x86/backend.c - the backend table (see backend.h).  Compiled into
 * the core and, with SHROUD_LOADER, into the UEFI loader (probes only).
 */
#include "arch/x86/backend.h"
#include "arch/x86/vcpu.h"

#ifdef SHROUD_LOADER
#define BACKEND_OPS(o)	((const struct vcpu_ops *)0)
#else
extern const struct vcpu_ops svm_vcpu_ops;
extern const struct vcpu_ops vmx_vcpu_ops;
#define BACKEND_OPS(o)	(&(o))
#endif

const struct vcpu_backend vcpu_backends[] = {
	{ "AMD-V (SVM + NPT)", svm_probe, BACKEND_OPS(svm_vcpu_ops) },
	{ "Intel VT-x (VMX + EPT)", vmx_probe, BACKEND_OPS(vmx_vcpu_ops) },
};
const unsigned vcpu_backend_count =
	sizeof(vcpu_backends) / sizeof(vcpu_backends[0]);

const struct vcpu_backend *vcpu_backend_pick(const char **why)
{
	unsigned i;

	*why = "no backend";
	for (i = 0; i < vcpu_backend_count; i++)
		if (!vcpu_backends[i].probe(why))
			return &vcpu_backends[i];
	return 0;
}
