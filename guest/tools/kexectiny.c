/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/kexectiny.c - the kexec attacker of issue 10, item 6: replace
 * the running kernel with other code through kexec_load(2) and
 * reboot(LINUX_REBOOT_CMD_KEXEC), as kexec-tools does, with the smallest
 * image there is: 64-bit code that prints "kexec-tiny: ran" on COM1 (port
 * 0x3F8, which Linux has set up) and halts.  It is loaded at physical
 * 16 MiB (one segment); the kernel's relocate_kernel copies it there and
 * jumps to it in long mode with an identity map.
 *
 *   kexectiny
 *
 * Prints "kexectiny: loaded" before the jump; on success the next line on
 * the console is the image's "kexec-tiny: ran" and the machine halts.
 * Under the kernel-integrity lock relocate_kernel runs from a copy in a
 * control page, which is not kernel text: its first fetch is refused with
 * the IDT already invalidated, the CPU triple-faults and Shroud resets
 * the machine after its wipe.  Exit status 1 when kexec_load or reboot
 * fails (e.g. kexec_load_disabled, lockdown).
 */
#define _GNU_SOURCE
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEST	0x1000000ul	/* 16 MiB */

/* lea rsi,[rip+16]; mov dx,0x3f8; 1: lodsb; test al,al; jz 2f; out dx,al;
 * jmp 1b; 2: cli; 3: hlt; jmp 3b; then the message */
static const unsigned char code[] = {
	0x48, 0x8d, 0x35, 0x10, 0x00, 0x00, 0x00,
	0x66, 0xba, 0xf8, 0x03,
	0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8,
	0xfa, 0xf4, 0xeb, 0xfd,
	'k', 'e', 'x', 'e', 'c', '-', 't', 'i', 'n', 'y', ':', ' ',
	'r', 'a', 'n', '\r', '\n', 0,
};

int main(void)
{
	static unsigned char page[4096];
	struct kexec_segment seg = { page, sizeof(page), (void *)DEST,
				     sizeof(page) };

	memcpy(page, code, sizeof(code));
	if (syscall(SYS_kexec_load, DEST, 1ul, &seg, KEXEC_ARCH_DEFAULT)) {
		perror("kexectiny: kexec_load");
		return 1;
	}
	printf("kexectiny: loaded\n");
	fflush(stdout);
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	perror("kexectiny: reboot");
	return 1;
}
