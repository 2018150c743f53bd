/*
 * arch/x86/boot/config.h - parser of \EFI\shroud\shroud.cfg.
 *
 * Format: one `key = value` per line; '#' starts a comment line; blank
 * lines, surrounding blanks, CRLF line ends and a UTF-8 BOM are accepted.
 * Keys (each at most once):
 *   kernel           required; ESP path of the Linux kernel (EFI stub), e.g. \EFI\shroud\vmlinuz
 *   initrd           optional; ESP path of the initramfs
 *   cmdline          optional; kernel command line (the loader appends initrd= and nosmp)
 *   log_level        error | warn | info | debug (default info)
 *   hv_memory_mb     MiB reserved for the hypervisor, 8..1024, multiple of 2 (default 32)
 *   log_port         I/O port of the hypervisor's 16550 UART (default 0x2f8, COM2);
 *                    0x3f8 (COM1) is refused: the guest's console owns it
 *   virtualize       yes | no (default yes); no boots the same kernel without Shroud
 *   expose_hv_memory yes | no (default no); testing only: maps the hypervisor's
 *                    memory into the guest so that isolation tests have a control
 *   reset_wipe       yes | no (default yes); no is testing only: a guest reset
 *                    leaves keys and clear frames in RAM (the reset test's control)
 *   hardened         yes | no (default no); yes appends the hardened guest
 *                    profile to the kernel command line (HARDENED_CMDLINE:
 *                    lockdown=confidentiality, shroud.hardened=1, on which
 *                    the test guest's init sets the sysctls of README.md,
 *                    and shroud.klock=1: the kernel-integrity lock too)
 *   shootdown        yes | no (default yes); no is testing only: a change
 *                    to another CPU's guest-physical view takes effect
 *                    there only at that CPU's next exit (no IPI, no
 *                    wait), the control of the SMP race test
 *   self_check       yes | no (default no); yes is for hunting bugs: after
 *                    every protection-layer operation the hypervisor checks
 *                    every CPU's view of every protected frame against the
 *                    engine's state (prot/self_check.c) and logs a
 *                    violation with the recent operations; at every guest
 *                    entry and exit it compares the host page-table
 *                    entries that map itself with their values at boot
 *                    (core/smp.c, smp_pt_watch_check)
 *   kernel_lock      yes | no (default no); yes appends shroud.klock=1, on
 *                    which the test guest's init locks the kernel
 *                    (shroudctl klock, SHROUD_HC_KLOCK) once it has booted
 * Plain C with no dependency: compiled into the loader and host unit tests.
 */
#ifndef ARCH_X86_BOOT_CONFIG_H
#define ARCH_X86_BOOT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "base/types.h"

#define CFG_PATH_MAX	256
#define CFG_CMDLINE_MAX	1024

struct shroud_cfg {
	char kernel[CFG_PATH_MAX];
	char initrd[CFG_PATH_MAX];
	char cmdline[CFG_CMDLINE_MAX];
	uint32_t log_level;		/* 0 error .. 3 debug */
	uint32_t hv_memory_mb;
	uint16_t log_port;
	uint8_t virtualize;
	uint8_t expose_hv_memory;
	uint8_t reset_wipe;
	uint8_t hardened;
	uint8_t kernel_lock;
	uint8_t shootdown;
	uint8_t self_check;
};

/* What `hardened = yes` appends to the kernel command line. */
#define HARDENED_CMDLINE	" lockdown=confidentiality shroud.hardened=1 shroud.klock=1"

struct cfg_error {
	unsigned line;			/* 1-based; 0 = whole file */
	const char *msg;		/* static text */
	char key[32];			/* offending key, may be empty */
};

#define CFG_EINVAL	(-22)

/*
 * cfg_parse - parse @len bytes at @buf into @out (defaults first).
 * Returns 0, or CFG_EINVAL with @err naming the line and the problem; @out
 * is then unspecified and must not be used.
 */
__attribute__((warn_unused_result))
int cfg_parse(const char *buf, size_t len, struct shroud_cfg *out,
	      struct cfg_error *err);

#endif /* ARCH_X86_BOOT_CONFIG_H */
