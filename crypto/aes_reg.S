/*
 * crypto/aes_reg.S - the register-only page cipher (crypto/aes_reg.h).
 *
 * Every key this file handles lives in registers only: the 256-bit master
 * in the host's debug registers DR0-DR3, derived partition keys, their
 * round-key schedules, XTS tweaks and the GHASH key H in XMM registers and
 * caller-saved GPRs, for the length of one call.  Nothing derived from a
 * key is ever written to memory: the only stores in this file are the
 * output blocks (ciphertext or plaintext, from XMM11-XMM14) and the GCM
 * tag (from XMM11).  There is no push, no call and no stack use; every
 * register that held key material is zeroed before return.
 * scripts/check-aes-reg.sh checks those properties on the object file.
 *
 * KDF (NIST SP 800-108r1 section 4.1, counter mode, PRF = AES-256-CMAC of
 * NIST SP 800-38B keyed with the master): two 32-byte fixed inputs per
 * call, built by the caller (crypto/aem_keys.c; not secret); the two
 * 128-bit PRF outputs K(1), K(2) are the partition keys.  The AES-256
 * rounds of the PRF expand the master's schedule on the fly (FIPS 197
 * section 5.2), so its schedule is never whole, not even in registers.
 *
 * Page ciphers, one 4096-byte frame in place:
 *   aesreg_xts_frame  XTS-AES-128 (IEEE 1619-2007), data key K(1), tweak
 *                     key K(2), data unit number = dun (16 bytes LE).
 *   aesreg_gcm_frame  AES-128-GCM (NIST SP 800-38D), key K(1), IV from
 *                     the context, no AAD, 16-byte tag.
 * AES-128: its 11 round keys fit in XMM0-XMM10 beside four data blocks
 * (an AES-256 schedule would take 15 of the 16 XMM registers).
 *
 * Callers: inside arch_fpu_begin()/arch_fpu_end() (the guest's XMM state
 * is saved before and restored after), with interrupts and NMIs held off
 * (GIF = 0 in the hypervisor), so no exception frame can save a register.
 * Build AESREG_MASTER_IN_MEMORY for host tests (ring 3 cannot read debug
 * registers): the master is then read from aesreg_test_master.
 */

	.text

/* ---- the master key --------------------------------------------------- */

/* XMM0 = master[0:16], XMM1 = master[16:32]. Clobbers RAX, R11. */
.macro LOAD_MASTER
#ifdef AESREG_MASTER_IN_MEMORY
	movdqu	aesreg_test_master(%rip), %xmm0
	movdqu	aesreg_test_master+16(%rip), %xmm1
#else
	mov	%dr0, %rax
	mov	%dr1, %r11
	movq	%rax, %xmm0
	pinsrq	$1, %r11, %xmm0
	mov	%dr2, %rax
	mov	%dr3, %r11
	movq	%rax, %xmm1
	pinsrq	$1, %r11, %xmm1
	xor	%eax, %eax
	xor	%r11d, %r11d
#endif
.endm

/* ---- AES-256 with an on-the-fly schedule (the KDF's PRF) -------------- */

/* XMM0 = next even round key from XMM0 (previous even) and XMM1 (odd). */
.macro EXP256_EVEN rcon
	aeskeygenassist $\rcon, %xmm1, %xmm2
	pshufd	$0xff, %xmm2, %xmm2
	movdqa	%xmm0, %xmm3
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm0
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm0
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm0
	pxor	%xmm2, %xmm0
.endm

/* XMM1 = next odd round key from XMM1 (previous odd) and XMM0 (even). */
.macro EXP256_ODD
	aeskeygenassist $0, %xmm0, %xmm2
	pshufd	$0xaa, %xmm2, %xmm2
	movdqa	%xmm1, %xmm3
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm1
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm1
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm1
	pxor	%xmm2, %xmm1
.endm

/* Encrypt the given XMM registers (from XMM4 up) under the master with
 * AES-256. Clobbers XMM0-XMM3 (zeroed), RAX, R11. */
.macro AES256_MASTER regs:vararg
	LOAD_MASTER
	.irp r, \regs
	pxor	%xmm0, \r
	.endr
	.irp r, \regs
	aesenc	%xmm1, \r
	.endr
	.irp rc, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
	EXP256_EVEN \rc
	.irp r, \regs
	aesenc	%xmm0, \r
	.endr
	EXP256_ODD
	.irp r, \regs
	aesenc	%xmm1, \r
	.endr
	.endr
	EXP256_EVEN 0x40
	.irp r, \regs
	aesenclast %xmm0, \r
	.endr
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
.endm

/*
 * KDF: XMM8 = K(1) = CMAC(master, fixed input at 0(%rdi)), XMM9 = K(2) =
 * CMAC(master, fixed input at 32(%rdi)); each input is two whole blocks,
 * so CMAC's last block takes subkey K1 (SP 800-38B section 6.2).
 * Clobbers XMM0-XMM7 (zeroed), RAX, RDX, R11 (zeroed).
 */
.macro KDF
	pxor	%xmm4, %xmm4			/* L = AES(master, 0) */
	movdqu	0(%rdi), %xmm5			/* first blocks of both inputs */
	movdqu	32(%rdi), %xmm6
	AES256_MASTER %xmm4, %xmm5, %xmm6
	/* K1 = L doubled in GF(2^128), big-endian bit order (SP 800-38B
	 * section 6.1): through RAX (high half) and RDX (low half). */
	movq	%xmm4, %rax
	pextrq	$1, %xmm4, %rdx
	bswap	%rax
	bswap	%rdx
	mov	%rax, %r11
	sar	$63, %r11
	and	$0x87, %r11d
	shld	$1, %rdx, %rax
	add	%rdx, %rdx
	xor	%r11, %rdx
	bswap	%rax
	bswap	%rdx
	movq	%rax, %xmm7
	pinsrq	$1, %rdx, %xmm7
	xor	%eax, %eax
	xor	%edx, %edx
	xor	%r11d, %r11d
	movdqu	16(%rdi), %xmm4			/* C1 ^ M2 ^ K1, both inputs */
	pxor	%xmm5, %xmm4
	pxor	%xmm7, %xmm4
	movdqu	48(%rdi), %xmm5
	pxor	%xmm6, %xmm5
	pxor	%xmm7, %xmm5
	pxor	%xmm6, %xmm6
	pxor	%xmm7, %xmm7
	AES256_MASTER %xmm4, %xmm5
	movdqa	%xmm4, %xmm8
	movdqa	%xmm5, %xmm9
#ifdef AESREG_CHECK_CONTROL
	movdqu	%xmm8, 64(%rdi)		/* the control's deliberate key spill */
#endif
	pxor	%xmm4, %xmm4
	pxor	%xmm5, %xmm5
.endm

/* ---- AES-128 ---------------------------------------------------------- */

/* next = FIPS 197 AES-128 round key after prev (may be the same
 * register). Clobbers XMM11, XMM12. */
.macro EXP128 prev, next, rcon
	aeskeygenassist $\rcon, \prev, %xmm11
	pshufd	$0xff, %xmm11, %xmm11
	movdqa	\prev, %xmm12
	movdqa	\prev, \next
	pslldq	$4, %xmm12
	pxor	%xmm12, \next
	pslldq	$4, %xmm12
	pxor	%xmm12, \next
	pslldq	$4, %xmm12
	pxor	%xmm12, \next
	pxor	%xmm11, \next
.endm

/* XMM0..XMM10 = AES-128 schedule of the key in XMM8. XMM11, XMM12
 * clobbered. */
.macro EXPAND128_FROM_XMM8
	movdqa	%xmm8, %xmm0
	EXP128	%xmm0, %xmm1, 0x01
	EXP128	%xmm1, %xmm2, 0x02
	EXP128	%xmm2, %xmm3, 0x04
	EXP128	%xmm3, %xmm4, 0x08
	EXP128	%xmm4, %xmm5, 0x10
	EXP128	%xmm5, %xmm6, 0x20
	EXP128	%xmm6, %xmm7, 0x40
	EXP128	%xmm7, %xmm8, 0x80
	EXP128	%xmm8, %xmm9, 0x1b
	EXP128	%xmm9, %xmm10, 0x36
	pxor	%xmm11, %xmm11
	pxor	%xmm12, %xmm12
.endm

/* Ten rounds of the expanded key XMM0..XMM10 over the given registers. */
.macro AES128_ENC regs:vararg
	.irp r, \regs
	pxor	%xmm0, \r
	.endr
	.irp k, %xmm1, %xmm2, %xmm3, %xmm4, %xmm5, %xmm6, %xmm7, %xmm8, %xmm9
	.irp r, \regs
	aesenc	\k, \r
	.endr
	.endr
	.irp r, \regs
	aesenclast %xmm10, \r
	.endr
.endm

/* Decryption with the equivalent inverse cipher: XMM1..XMM9 must hold
 * AESIMC of the encryption round keys (FIPS 197 section 5.3.5). */
.macro AES128_DEC regs:vararg
	.irp r, \regs
	pxor	%xmm10, \r
	.endr
	.irp k, %xmm9, %xmm8, %xmm7, %xmm6, %xmm5, %xmm4, %xmm3, %xmm2, %xmm1
	.irp r, \regs
	aesdec	\k, \r
	.endr
	.endr
	.irp r, \regs
	aesdeclast %xmm0, \r
	.endr
.endm

.macro ZERO_XMM_ALL
	.irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	pxor	%xmm\r, %xmm\r
	.endr
.endm

.macro ZERO_GPRS
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
.endm

/* ---- XTS -------------------------------------------------------------- */

/* (R8 low, R9 high) *= alpha in GF(2^128), little-endian (IEEE 1619
 * section 5.2). Clobbers RAX. */
/* Four output blocks from XMM11-XMM14 to (%rdx), which moves on: the
 * only stores of the page cipher (scripts/check-aes-reg.py). */
.macro STORE4
	movdqu	%xmm11, 0(%rdx)
	movdqu	%xmm12, 16(%rdx)
	movdqu	%xmm13, 32(%rdx)
	movdqu	%xmm14, 48(%rdx)
	add	$64, %rdx
.endm

.macro TWEAK_NEXT
	mov	%r9, %rax
	sar	$63, %rax
	and	$0x87, %eax
	shld	$1, %r8, %r9
	add	%r8, %r8
	xor	%rax, %r8
.endm

/* reg ^= T; T *= alpha. XMM15 is the staging register. */
.macro TWEAK_XOR reg
	movq	%r8, %xmm15
	pinsrq	$1, %r9, %xmm15
	pxor	%xmm15, \reg
	TWEAK_NEXT
.endm

/* The 64 groups of four blocks at (%rdx): each block XORed with its tweak,
 * through the cipher (AES128_ENC or AES128_DEC), XORed again and stored.
 * The group's first tweak is kept in R10:R11 to go through the tweaks a
 * second time. Clobbers XMM11-XMM15, RAX, RDX, RSI, R8-R11. */
.macro XTS_LOOP name, cipher
.Lxts_\name\()_loop:
	mov	%r8, %r10
	mov	%r9, %r11
	movdqu	0(%rdx), %xmm11
	movdqu	16(%rdx), %xmm12
	movdqu	32(%rdx), %xmm13
	movdqu	48(%rdx), %xmm14
	TWEAK_XOR %xmm11
	TWEAK_XOR %xmm12
	TWEAK_XOR %xmm13
	TWEAK_XOR %xmm14
	\cipher %xmm11, %xmm12, %xmm13, %xmm14
	mov	%r10, %r8
	mov	%r11, %r9
	TWEAK_XOR %xmm11
	TWEAK_XOR %xmm12
	TWEAK_XOR %xmm13
	TWEAK_XOR %xmm14
	STORE4
	dec	%esi
	jnz	.Lxts_\name\()_loop
.endm

/*
 * int aesreg_xts_frame(const struct aesreg_ctx *c  RDI,
 *                      uint64_t dun                  RSI,
 *                      void *frame                   RDX,
 *                      int enc                       ECX);
 * Returns 0.
 */
	.globl	aesreg_xts_frame
	.type	aesreg_xts_frame, @function
aesreg_xts_frame:
	mov	%rdx, %r10			/* frame; RDX is KDF scratch */
	KDF
	mov	%r10, %rdx
	/* T = AES-128(K(2), dun): on-the-fly schedule in XMM0. */
	movdqa	%xmm9, %xmm0
	movq	%rsi, %xmm4
	pxor	%xmm0, %xmm4
	.irp rc, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b
	EXP128	%xmm0, %xmm0, \rc
	aesenc	%xmm0, %xmm4
	.endr
	EXP128	%xmm0, %xmm0, 0x36
	aesenclast %xmm0, %xmm4
	movq	%xmm4, %r8
	pextrq	$1, %xmm4, %r9
	pxor	%xmm4, %xmm4
	pxor	%xmm9, %xmm9
	EXPAND128_FROM_XMM8
	mov	$64, %esi			/* 64 groups of 4 blocks */
	test	%ecx, %ecx
	jz	.Lxts_dec_setup

	XTS_LOOP enc, AES128_ENC
	jmp	.Lxts_out

.Lxts_dec_setup:
	.irp k, 1, 2, 3, 4, 5, 6, 7, 8, 9
	aesimc	%xmm\k, %xmm\k
	.endr
	XTS_LOOP dec, AES128_DEC

.Lxts_out:
	ZERO_XMM_ALL
	ZERO_GPRS
	ret
	.size	aesreg_xts_frame, . - aesreg_xts_frame

/* ---- GCM -------------------------------------------------------------- */

/* XMM12 = XMM12 * H in GF(2^128), reflected form, where XMM14 holds H
 * premultiplied by x^-1 (see gf_mul/gacc_reduce in crypto/aes_kern.c for
 * the derivation). Clobbers XMM0-XMM3. */
.macro GF_MUL
	movdqa	%xmm12, %xmm0
	pclmulqdq $0x00, %xmm14, %xmm0		/* lo */
	movdqa	%xmm12, %xmm1
	pclmulqdq $0x11, %xmm14, %xmm1		/* hi */
	movdqa	%xmm12, %xmm2
	pclmulqdq $0x01, %xmm14, %xmm2
	pclmulqdq $0x10, %xmm14, %xmm12
	pxor	%xmm12, %xmm2			/* mid */
	movdqa	%xmm2, %xmm3
	pslldq	$8, %xmm3
	pxor	%xmm3, %xmm0
	psrldq	$8, %xmm2
	pxor	%xmm2, %xmm1
	pshufd	$0x4e, %xmm0, %xmm3		/* fold the low 64 bits */
	pclmulqdq $0x00, .Lgf_fold(%rip), %xmm0
	pxor	%xmm3, %xmm0
	pshufd	$0x4e, %xmm0, %xmm3		/* and the next 64 */
	pclmulqdq $0x00, .Lgf_fold(%rip), %xmm0
	pxor	%xmm0, %xmm1
	pxor	%xmm3, %xmm1
	movdqa	%xmm1, %xmm12
.endm

/* dst = src * x^-1 in the reflected form: one bit left, folding bit
 * 127 with the polynomial (gf_mul_xinv in crypto/aes_kern.c). Clobbers
 * XMM0, XMM1. */
.macro XINV src, dst
	movdqa	\src, \dst
	pshufd	$0xff, \dst, %xmm0
	psrad	$31, %xmm0
	movdqa	\dst, %xmm1
	psrlq	$63, %xmm1
	pslldq	$8, %xmm1
	psllq	$1, \dst
	por	%xmm1, \dst
	pand	.Lgf_xinv(%rip), %xmm0
	pxor	%xmm0, \dst
.endm

/* H and E(K, J0) with the schedule in XMM0..XMM10, then the schedule
 * zeroed: XMM4..XMM7 = H^1..H^4 premultiplied by x^-1 (reflected), XMM14
 * = H^1 x^-1 again (for GF_MUL), XMM15 = E(K, J0). */
.macro GCM_H_EJ0
	pxor	%xmm11, %xmm11
	movdqu	64(%rdi), %xmm12		/* IV || 0 */
	mov	$0x01000000, %eax		/* BE32(1) */
	pinsrd	$3, %eax, %xmm12
	AES128_ENC %xmm11, %xmm12
	.irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
	pxor	%xmm\r, %xmm\r
	.endr
	movdqa	%xmm12, %xmm15
	pshufb	.Lbswap128(%rip), %xmm11	/* h = H, reflected */
	movdqa	%xmm11, %xmm12
	XINV	%xmm11, %xmm14
	movdqa	%xmm14, %xmm4
	GF_MUL					/* h^2 */
	XINV	%xmm12, %xmm5
	GF_MUL					/* h^3 */
	XINV	%xmm12, %xmm6
	GF_MUL					/* h^4 */
	XINV	%xmm12, %xmm7
	.irp r, 0, 1, 2, 3, 11, 12
	pxor	%xmm\r, %xmm\r
	.endr
.endm

/* Accumulate d * h (h in the x^-1 form) into lo XMM8, hi XMM9, mid XMM10
 * (gacc_mul in crypto/aes_kern.c). d is clobbered; so are XMM0-XMM2. */
.macro GACC d, h
	movdqa	\d, %xmm0
	pclmulqdq $0x00, \h, %xmm0
	pxor	%xmm0, %xmm8
	movdqa	\d, %xmm1
	pclmulqdq $0x11, \h, %xmm1
	pxor	%xmm1, %xmm9
	movdqa	\d, %xmm2
	pclmulqdq $0x01, \h, %xmm2
	pxor	%xmm2, %xmm10
	pclmulqdq $0x10, \h, \d
	pxor	\d, %xmm10
.endm

/* XMM12 = (lo + z^64 mid + z^128 hi) / z^128 mod the polynomial (the
 * accumulators XMM8-XMM10 are consumed; gacc_reduce). Clobbers XMM3. */
.macro GREDUCE
	movdqa	%xmm10, %xmm3
	pslldq	$8, %xmm3
	pxor	%xmm3, %xmm8
	psrldq	$8, %xmm10
	pxor	%xmm10, %xmm9
	pshufd	$0x4e, %xmm8, %xmm3
	pclmulqdq $0x00, .Lgf_fold(%rip), %xmm8
	pxor	%xmm3, %xmm8
	pshufd	$0x4e, %xmm8, %xmm3
	pclmulqdq $0x00, .Lgf_fold(%rip), %xmm8
	pxor	%xmm8, %xmm9
	pxor	%xmm3, %xmm9
	movdqa	%xmm9, %xmm12
.endm

/* XMM11 = GCM tag over the 4096 ciphertext bytes at (%rsi), four blocks
 * per reduction: S' = (S + C0) h^4 + C1 h^3 + C2 h^2 + C3 h, with H^1..H^4
 * in XMM4..XMM7 and E(K, J0) in XMM15. Clobbers XMM0-XMM3, XMM8-XMM13,
 * RAX. */
.macro GCM_GHASH
	pxor	%xmm12, %xmm12			/* S */
	movdqa	.Lbswap128(%rip), %xmm13
	xor	%eax, %eax
1:	pxor	%xmm8, %xmm8
	pxor	%xmm9, %xmm9
	pxor	%xmm10, %xmm10
	movdqu	(%rsi,%rax), %xmm11
	pshufb	%xmm13, %xmm11
	pxor	%xmm12, %xmm11
	GACC	%xmm11, %xmm7
	movdqu	16(%rsi,%rax), %xmm11
	pshufb	%xmm13, %xmm11
	GACC	%xmm11, %xmm6
	movdqu	32(%rsi,%rax), %xmm11
	pshufb	%xmm13, %xmm11
	GACC	%xmm11, %xmm5
	movdqu	48(%rsi,%rax), %xmm11
	pshufb	%xmm13, %xmm11
	GACC	%xmm11, %xmm4
	GREDUCE
	add	$64, %rax
	cmp	$4096, %eax
	jne	1b
	pxor	.Lgcm_lens(%rip), %xmm12	/* len(A) = 0, len(C) = 2^15 */
	GF_MUL
	pshufb	%xmm13, %xmm12
	pxor	%xmm15, %xmm12
	movdqa	%xmm12, %xmm11
	pxor	%xmm12, %xmm12
.endm

/* CTR over the 4096 bytes at (%rsi), counter blocks inc32(J0) on, with the
 * schedule in XMM0..XMM10. Clobbers XMM11-XMM15, RAX, RCX, RDX, R11. */
.macro GCM_CTR
	mov	$2, %eax			/* first counter after J0 */
	mov	$64, %ecx
	mov	%rsi, %rdx
2:	.irp r, %xmm11, %xmm12, %xmm13, %xmm14
	movdqu	64(%rdi), \r
	mov	%eax, %r11d
	bswap	%r11d
	pinsrd	$3, %r11d, \r
	inc	%eax
	.endr
	AES128_ENC %xmm11, %xmm12, %xmm13, %xmm14
	movdqu	0(%rdx), %xmm15
	pxor	%xmm15, %xmm11
	movdqu	16(%rdx), %xmm15
	pxor	%xmm15, %xmm12
	movdqu	32(%rdx), %xmm15
	pxor	%xmm15, %xmm13
	movdqu	48(%rdx), %xmm15
	pxor	%xmm15, %xmm14
	STORE4
	dec	%ecx
	jnz	2b
.endm

/*
 * int aesreg_gcm_frame(const struct aesreg_ctx *c  RDI,
 *                      void *frame                   RSI,
 *                      uint8_t tag[16]               RDX,
 *                      int enc                       ECX);
 * Encrypt: writes the tag, returns 0. Decrypt: checks the tag first;
 * returns 1 and leaves the frame untouched if it does not match, else
 * decrypts and returns 0.
 */
	.globl	aesreg_gcm_frame
	.type	aesreg_gcm_frame, @function
aesreg_gcm_frame:
	mov	%rdx, %r8			/* tag */
	mov	%ecx, %r9d			/* enc */
	KDF
	pxor	%xmm9, %xmm9			/* K(2) unused */
	EXPAND128_FROM_XMM8
	test	%r9d, %r9d
	jz	.Lgcm_dec
	GCM_CTR
	GCM_H_EJ0
	GCM_GHASH
	movdqu	%xmm11, (%r8)
	xor	%r10d, %r10d
	jmp	.Lgcm_out

.Lgcm_dec:
	GCM_H_EJ0
	GCM_GHASH
	movdqu	(%r8), %xmm12
	pxor	%xmm12, %xmm11
	xor	%r10d, %r10d
	ptest	%xmm11, %xmm11
	setnz	%r10b
	jnz	.Lgcm_out			/* tag mismatch: frame untouched */
	ZERO_XMM_ALL
	KDF
	pxor	%xmm9, %xmm9
	EXPAND128_FROM_XMM8
	GCM_CTR

.Lgcm_out:
	ZERO_XMM_ALL
	movd	%r10d, %xmm0			/* the result, across ZERO_GPRS */
	ZERO_GPRS
	movd	%xmm0, %eax
	pxor	%xmm0, %xmm0
	ret
	.size	aesreg_gcm_frame, . - aesreg_gcm_frame

/* ---- the master key's life ------------------------------------------- */

/* Where the master goes: DR0-DR3, or the test array in host builds. */
.macro STORE_MASTER_WORD n
#ifdef AESREG_MASTER_IN_MEMORY
	mov	%rax, aesreg_test_master+8*\n(%rip)
#else
	mov	%rax, %dr\n
#endif
.endm

/*
 * int aesreg_master_generate(void);
 * Fill DR0-DR3 with 256 fresh bits from RDSEED (falling back to RDRAND,
 * 10 tries per word; Intel SDM Vol. 1 section 7.3.17), through RAX only.
 * Each word must differ from the previous one and be neither 0 nor ~0.
 * Returns 0, or -1 (DR0-DR3 zeroed) when the CPU gives no good word.
 */
	.globl	aesreg_master_generate
	.type	aesreg_master_generate, @function
aesreg_master_generate:
	xor	%r9d, %r9d			/* previous word */
	.irp dr, 0, 1, 2, 3
	mov	$10, %ecx
1:	rdseed	%rax
	jc	2f
	rdrand	%rax
	jc	2f
	dec	%ecx
	jnz	1b
	jmp	.Lgen_fail
2:	cmp	%r9, %rax
	je	.Lgen_fail
	test	%rax, %rax
	jz	.Lgen_fail
	cmp	$-1, %rax
	je	.Lgen_fail
	mov	%rax, %r9
	STORE_MASTER_WORD \dr
	.endr
	xor	%eax, %eax
	xor	%r9d, %r9d
	ret
.Lgen_fail:
	xor	%eax, %eax
	xor	%r9d, %r9d
	STORE_MASTER_WORD 0
	STORE_MASTER_WORD 1
	STORE_MASTER_WORD 2
	STORE_MASTER_WORD 3
	mov	$-1, %eax
	ret
	.size	aesreg_master_generate, . - aesreg_master_generate

/* void aesreg_master_clear(void): zero DR0-DR3. */
	.globl	aesreg_master_clear
	.type	aesreg_master_clear, @function
aesreg_master_clear:
	xor	%eax, %eax
	STORE_MASTER_WORD 0
	STORE_MASTER_WORD 1
	STORE_MASTER_WORD 2
	STORE_MASTER_WORD 3
	ret
	.size	aesreg_master_clear, . - aesreg_master_clear

	.section .rodata
	.balign	16
.Lbswap128:
	.byte	15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
.Lgf_fold:
	.quad	0xc200000000000000, 0
.Lgf_xinv:
	.quad	1, 0xc200000000000000
.Lgcm_lens:
	.quad	32768, 0

	.section .note.GNU-stack, "", @progbits
