/*
 * arch/x86/insn.c - prefix-aware length of a known instruction.
 */
#include "arch/x86/insn.h"

static int is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return 1;
	default:
		return 0;
	}
}

unsigned insn_len_expected(const uint8_t *bytes, unsigned n,
			   const uint8_t *opc, unsigned opc_len,
			   int long_mode)
{
	unsigned i = 0, j;

	if (n > INSN_MAX_LEN)
		n = INSN_MAX_LEN;
	while (i < n && is_legacy_prefix(bytes[i]))
		i++;
	/* REX must immediately precede the opcode (APM Vol. 3, 1.2.7). */
	if (long_mode && i < n && (bytes[i] & 0xf0) == 0x40)
		i++;
	if (i + opc_len > n)
		return 0;
	for (j = 0; j < opc_len; j++)
		if (bytes[i + j] != opc[j])
			return 0;
	return i + opc_len;
}

/* 0F op /r with the register form implied (mod is ignored, treated as
 * 11b): *reg from ModRM.reg + REX.R, *gpr from ModRM.rm + REX.B. */
static unsigned decode_mov_ctl(const uint8_t *bytes, unsigned n,
			       int long_mode, uint8_t op, unsigned *reg,
			       unsigned *gpr)
{
	unsigned i = 0, rex = 0;
	uint8_t modrm;

	if (n > INSN_MAX_LEN)
		n = INSN_MAX_LEN;
	while (i < n && is_legacy_prefix(bytes[i]))
		i++;
	if (long_mode && i < n && (bytes[i] & 0xf0) == 0x40)
		rex = bytes[i++];
	if (i + 3 > n || bytes[i] != 0x0f || bytes[i + 1] != op)
		return 0;
	modrm = bytes[i + 2];
	*reg = ((modrm >> 3) & 7) | ((rex & 0x4) ? 8u : 0u);
	*gpr = (modrm & 7) | ((rex & 0x1) ? 8u : 0u);
	return i + 3;
}

unsigned insn_decode_mov_to_cr(const uint8_t *bytes, unsigned n,
			       int long_mode, unsigned *cr, unsigned *gpr)
{
	return decode_mov_ctl(bytes, n, long_mode, 0x22, cr, gpr);
}

unsigned insn_decode_mov_dr(const uint8_t *bytes, unsigned n, int long_mode,
			    unsigned *dr, unsigned *gpr, bool *write)
{
	unsigned len = decode_mov_ctl(bytes, n, long_mode, 0x23, dr, gpr);

	*write = len != 0;
	return len ? len : decode_mov_ctl(bytes, n, long_mode, 0x21, dr, gpr);
}

static int is_segment_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x64 || b == 0x65;
}

unsigned insn_decode_mov_store(const uint8_t *bytes, unsigned n,
			       int long_mode, struct insn_store *out)
{
	unsigned i = 0, rex = 0, mod, rm, len;
	uint8_t op, modrm;

	if (n > INSN_MAX_LEN)
		n = INSN_MAX_LEN;
	while (i < n && is_segment_prefix(bytes[i]))
		i++;
	if (long_mode && i < n && (bytes[i] & 0xf0) == 0x40)
		rex = bytes[i++];
	if ((rex & 0x8) || i + 2 > n)
		return 0;
	op = bytes[i];
	modrm = bytes[i + 1];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3 || (op != 0x89 && op != 0xc7) ||
	    (op == 0xc7 && ((modrm >> 3) & 7) != 0))
		return 0;
	len = i + 2;
	if (rm == 4) {				/* SIB */
		if (len >= n)
			return 0;
		if (mod == 0 && (bytes[len] & 7) == 5)
			len += 4;		/* no base: disp32 */
		len++;
	} else if (mod == 0 && rm == 5) {
		len += 4;			/* disp32 (RIP-relative in 64-bit) */
	}
	len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	out->imm = op == 0xc7;
	out->gpr = ((modrm >> 3) & 7) | ((rex & 0x4) ? 8u : 0u);
	out->value = 0;
	if (out->imm) {
		if (len + 4 > n)
			return 0;
		out->value = (uint32_t)bytes[len] | (uint32_t)bytes[len + 1] << 8 |
			     (uint32_t)bytes[len + 2] << 16 |
			     (uint32_t)bytes[len + 3] << 24;
		out->gpr = 0;
		len += 4;
	}
	if (len > n)
		return 0;
	out->len = len;
	return len;
}
