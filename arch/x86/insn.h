/*
 * arch/x86/insn.h - instruction length for intercepted instructions when
 * the CPU gives no next RIP (no NRIPS: QEMU's TCG).  The opcode of an
 * intercepted instruction is known; what varies is the prefixes in front
 * of it (legacy prefixes, REX in 64-bit mode).  AMD APM Vol. 3, 1.2
 * "Instruction Prefixes".  Plain C, host-testable.
 */
#ifndef ARCH_X86_INSN_H
#define ARCH_X86_INSN_H

#include <stdbool.h>
#include <stdint.h>

#define INSN_MAX_LEN	15u

/*
 * insn_len_expected - length of the instruction in @bytes[0..@n) if, after
 * its prefixes, it is @opc[0..@opc_len).  @long_mode: REX bytes (0x40-0x4f)
 * are prefixes.  Returns the length, or 0 if the bytes are not that
 * instruction (the caller falls back and reports it).
 */
unsigned insn_len_expected(const uint8_t *bytes, unsigned n,
			   const uint8_t *opc, unsigned opc_len,
			   int long_mode);

/*
 * insn_decode_mov_to_cr - decode MOV CRn, reg (0F 22 /r; APM Vol. 3,
 * "MOV (CRn)") for CR write intercepts without decode assists.  Returns the
 * instruction length and sets *@cr and *@gpr (0 = RAX ... 15 = R15, the
 * ModRM order), or 0 if @bytes is not such an instruction.
 */
unsigned insn_decode_mov_to_cr(const uint8_t *bytes, unsigned n,
			       int long_mode, unsigned *cr, unsigned *gpr);

/*
 * insn_decode_mov_dr - decode MOV reg, DRn (0F 21 /r) and MOV DRn, reg
 * (0F 23 /r) (Intel SDM Vol. 2B "MOV-Move to/from Debug Registers"; AMD
 * APM Vol. 3 "MOV (DRn)"). Returns the instruction length and sets *@dr
 * (REX.R extends it: 8..15 are #UD), *@gpr and *@write, or 0 if @bytes is
 * not such an instruction.
 */
unsigned insn_decode_mov_dr(const uint8_t *bytes, unsigned n, int long_mode,
			    unsigned *dr, unsigned *gpr, bool *write);

/* A 32-bit store to memory, decoded (insn_decode_mov_store). */
struct insn_store {
	unsigned len;			/* instruction length */
	bool imm;			/* source is @value (C7 /0) */
	unsigned gpr;			/* else source GPR 0..15, low 32 bits */
	uint32_t value;			/* the immediate */
};

/*
 * insn_decode_mov_store - decode a 32-bit MOV to memory, the forms a
 * kernel uses for MMIO registers (Linux's apic_write, writel): MOV r/m32,
 * r32 (89 /r) and MOV r/m32, imm32 (C7 /0), with a memory operand of any
 * ModRM/SIB/displacement form (RIP-relative included), an optional REX
 * (REX.W refused: a 64-bit store) and segment prefixes (Intel SDM Vol. 2A
 * 2.1-2.2, Vol. 2B "MOV"; AMD APM Vol. 3, 1.2-1.4).  Operand-size (66),
 * address-size (67), LOCK and REP prefixes, register destinations and
 * every other opcode are refused.  Returns the length (also in @out->len),
 * or 0 if @bytes[0..@n) is not such a store.  The destination address is
 * not computed: the caller knows it from the fault.
 */
unsigned insn_decode_mov_store(const uint8_t *bytes, unsigned n,
			       int long_mode, struct insn_store *out);

#endif /* ARCH_X86_INSN_H */
