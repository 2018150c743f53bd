#!/usr/bin/env python3
"""scripts/check-aes-reg.py OBJ [--expect-fail]

Checks, on the disassembly of the register-only cipher's object file
(crypto/aes_reg.S as built for the hypervisor), that no key can reach
memory by construction:
  - the only instructions with a memory destination are MOVDQU stores from
    XMM11-XMM14 (the output blocks and the GCM tag; round keys live in
    XMM0-XMM10, the tweak/IV staging register is XMM15, GPRs carry tweaks
    and subkeys);
  - no PUSH, CALL, ENTER, no use of RSP or RBP (no stack at all), and no
    MOV to a debug register outside aesreg_master_generate/_clear;
  - the master is read from DR0-DR3, not from memory (no aesreg_test_master
    symbol in the hypervisor build).
--expect-fail inverts the verdict (used on a deliberately bad object, the
control: a check that passes everything proves nothing).
"""
import re
import subprocess
import sys

ALLOWED_STORE_SRC = {"%xmm11", "%xmm12", "%xmm13", "%xmm14"}
DR_WRITERS = {"aesreg_master_generate", "aesreg_master_clear"}


def operands(text):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def check(obj):
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj],
                         check=True, capture_output=True, text=True).stdout
    syms = subprocess.run(["nm", obj], check=True, capture_output=True,
                          text=True).stdout
    bad, fn, n = [], "?", 0
    if "aesreg_test_master" in syms:
        bad.append("master read from memory (aesreg_test_master referenced)")
    for line in dis.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:", line)
        if m:
            fn = m.group(1)
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        n += 1
        mnem, ops = m.group(1), operands(m.group(2).split("#")[0])
        where = f"{fn}: {mnem} {','.join(ops)}"
        if mnem.startswith(("push", "call", "enter", "leave")):
            bad.append("stack use: " + where)
        if any(r in o for o in ops for r in ("%rsp", "%rbp", "%esp", "%ebp")):
            bad.append("stack register: " + where)
        if ops and "(" in ops[-1]:
            src = ops[0] if len(ops) > 1 else ""
            if not (mnem == "movdqu" and src in ALLOWED_STORE_SRC):
                bad.append("store: " + where)
        if mnem == "mov" and ops and ops[-1].startswith("%db") and \
                fn not in DR_WRITERS:
            bad.append("debug-register write: " + where)
    if n < 100:
        bad.append(f"only {n} instructions disassembled: wrong object?")
    return bad, n


def main():
    obj = sys.argv[1]
    expect_fail = "--expect-fail" in sys.argv[2:]
    bad, n = check(obj)
    if expect_fail:
        if not bad:
            print(f"check-aes-reg: {obj}: the bad object was NOT caught")
            return 1
        print(f"check-aes-reg: control caught: {bad[0]}")
        return 0
    if bad:
        print(f"check-aes-reg: {obj}: {len(bad)} violation(s):")
        for b in bad[:20]:
            print("  " + b)
        return 1
    print(f"check-aes-reg: {obj}: {n} instructions, no key store, no stack")
    return 0


if __name__ == "__main__":
    sys.exit(main())
