/*
 * arch/x86/boot/measure.h - measured launch (issue 9): before anything is
 * virtualized, the loader extends SHROUD_PCR with the SHA-256 (and every
 * other active bank's hash) of the hypervisor core image it is about to
 * start and of the shroud.cfg bytes it read, in that order, each with an
 * EV_IPL event-log entry naming it, through EFI_TCG2_PROTOCOL's
 * HashLogExtendEvent (TCG EFI Protocol Specification, section 6.6), as
 * Linux's EFI stub does for its initrd.
 *
 * PCR 12: no component of Shroud's boot chain uses it (PCRs 0-7 are the
 * firmware's, the firmware also measures shroud.efi itself into PCR 4 when
 * it loads it; Linux's stub extends PCR 9 later; systemd-stub, which would
 * use 12, is not part of this chain).
 *
 * No TPM (no EFI_TCG2_PROTOCOL, or TPMPresentFlag clear) is not an error:
 * the launch is then not measured, the loader says so, and the hypervisor
 * runs with an ephemeral master key. A TPM that refuses an extension is an
 * error: the loader stops before virtualizing (a measured launch that
 * silently measured nothing would be worse than none).
 */
#ifndef ARCH_X86_BOOT_MEASURE_H
#define ARCH_X86_BOOT_MEASURE_H

#include <efi.h>
#include "arch/x86/boot/tcg2.h"

#define SHROUD_PCR	12u

/* The firmware's TCG2 protocol with a TPM behind it, or NULL. */
TCG2_PROTOCOL *tcg2_find(void);

/* Extend SHROUD_PCR with data[0..len) and log desc (ASCII) as its event.
 * EFI_SUCCESS or the firmware's error. Boot services only. */
EFI_STATUS measure_extend(TCG2_PROTOCOL *t, const void *data, UINT64 len,
			  const char *desc);

#endif /* ARCH_X86_BOOT_MEASURE_H */
