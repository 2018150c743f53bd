/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/xmmcheck.c - the guest's SSE registers survive the
 * hypervisor's AES-NI work (issue item 2: the host uses XMM only inside
 * an XSAVE/XRSTOR bracket of the guest's extended state).
 *
 *   xmmcheck [--pages N] [--rounds R] [--control]
 *
 * Protects N pages (default 64, SECRET/OWNER, W = 8), loads XMM0-XMM15
 * with distinct patterns, then touches the pages round-robin R times
 * (default 4) from assembly that uses no vector register: with N > W every
 * touch is a nested page fault in which the hypervisor decrypts one frame
 * and re-encrypts another with AES-NI.  Then it stores XMM0-XMM15 and
 * compares.  Prints
 *   xmmcheck: faults=F touches=T intact=yes|no [first bad xmmK]
 * --control overwrites XMM7 between the loads and the stores, so the
 * comparison must report intact=no (the check can fail).
 * Exit status: 0 intact (or, with --control, the clobber was seen), 1
 * otherwise or on an error, 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shroud.h"

#define PG 4096ul

static uint8_t xin[16][16] __attribute__((aligned(16)));
static uint8_t xout[16][16] __attribute__((aligned(16)));

/* Load XMM0-15, touch one byte of each page @rounds times, store XMM0-15.
 * Only general-purpose registers between the loads and the stores. */
static void touch_with_xmm_live(volatile uint8_t *base, uint64_t pages,
				uint64_t rounds, uint64_t control)
{
	__asm__ volatile(
		"movdqa 0x00(%[in]), %%xmm0\n\t"
		"movdqa 0x10(%[in]), %%xmm1\n\t"
		"movdqa 0x20(%[in]), %%xmm2\n\t"
		"movdqa 0x30(%[in]), %%xmm3\n\t"
		"movdqa 0x40(%[in]), %%xmm4\n\t"
		"movdqa 0x50(%[in]), %%xmm5\n\t"
		"movdqa 0x60(%[in]), %%xmm6\n\t"
		"movdqa 0x70(%[in]), %%xmm7\n\t"
		"movdqa 0x80(%[in]), %%xmm8\n\t"
		"movdqa 0x90(%[in]), %%xmm9\n\t"
		"movdqa 0xa0(%[in]), %%xmm10\n\t"
		"movdqa 0xb0(%[in]), %%xmm11\n\t"
		"movdqa 0xc0(%[in]), %%xmm12\n\t"
		"movdqa 0xd0(%[in]), %%xmm13\n\t"
		"movdqa 0xe0(%[in]), %%xmm14\n\t"
		"movdqa 0xf0(%[in]), %%xmm15\n"
		"1:\n\t"
		"movq %[base], %%rsi\n\t"
		"movq %[pages], %%rcx\n"
		"2:\n\t"
		"movb (%%rsi), %%al\n\t"
		"addq $4096, %%rsi\n\t"
		"decq %%rcx\n\t"
		"jnz 2b\n\t"
		"decq %[rounds]\n\t"
		"jnz 1b\n\t"
		"testq %[ctl], %[ctl]\n\t"
		"jz 3f\n\t"
		"pcmpeqb %%xmm7, %%xmm7\n"
		"3:\n\t"
		"movdqa %%xmm0, 0x00(%[out])\n\t"
		"movdqa %%xmm1, 0x10(%[out])\n\t"
		"movdqa %%xmm2, 0x20(%[out])\n\t"
		"movdqa %%xmm3, 0x30(%[out])\n\t"
		"movdqa %%xmm4, 0x40(%[out])\n\t"
		"movdqa %%xmm5, 0x50(%[out])\n\t"
		"movdqa %%xmm6, 0x60(%[out])\n\t"
		"movdqa %%xmm7, 0x70(%[out])\n\t"
		"movdqa %%xmm8, 0x80(%[out])\n\t"
		"movdqa %%xmm9, 0x90(%[out])\n\t"
		"movdqa %%xmm10, 0xa0(%[out])\n\t"
		"movdqa %%xmm11, 0xb0(%[out])\n\t"
		"movdqa %%xmm12, 0xc0(%[out])\n\t"
		"movdqa %%xmm13, 0xd0(%[out])\n\t"
		"movdqa %%xmm14, 0xe0(%[out])\n\t"
		"movdqa %%xmm15, 0xf0(%[out])\n\t"
		: [rounds] "+r"(rounds)
		: [in] "r"(xin), [out] "r"(xout), [base] "r"(base),
		  [pages] "r"(pages), [ctl] "r"(control)
		: "rax", "rcx", "rsi", "cc", "memory", "xmm0", "xmm1", "xmm2",
		  "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

int main(int argc, char **argv)
{
	uint64_t pages = 64, rounds = 4, control = 0;
	struct shroud_stats s0, s1;
	volatile uint8_t *p;
	int i, j, bad = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pages") && i + 1 < argc)
			pages = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--control"))
			control = 1;
		else {
			fprintf(stderr, "usage: xmmcheck [--pages N] [--rounds R] [--control]\n");
			return 2;
		}
	}
	if (!pages || !rounds || pages > 4096)
		return 2;
	p = shroud_alloc(pages * PG, SHROUD_SENS_SECRET, SHROUD_POLICY_OWNER);
	if (!p) {
		perror("xmmcheck: shroud_alloc");
		return 1;
	}
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			xin[i][j] = (uint8_t)(0x11 * i + 7 * j + 1);
	if (shroud_stats(&s0) < 0)
		return 1;
	touch_with_xmm_live(p, pages, rounds, control);
	if (shroud_stats(&s1) < 0)
		return 1;
	for (i = 0; i < 16 && bad < 0; i++)
		if (memcmp(xin[i], xout[i], 16))
			bad = i;
	printf("xmmcheck: faults=%llu touches=%llu intact=%s",
	       (unsigned long long)(s1.faults - s0.faults),
	       (unsigned long long)(pages * rounds), bad < 0 ? "yes" : "no");
	if (bad >= 0)
		printf(" first bad xmm%d", bad);
	printf("\n");
	shroud_free((void *)p);
	return control ? (bad == 7 ? 0 : 1) : (bad < 0 ? 0 : 1);
}
