"""test/integration/test_keys.py - keys that no dump can find (issue 9):
a cold-boot / host attacker's raw dump of all guest-physical RAM, the
hypervisor's reserved memory included (QMP stop + pmemsave), searched for
AES key schedules with Debian's aeskeyfind and for the exact key bytes.

One boot of the real image (the master key in DR0-DR3, partition keys
derived inside each frame call) and one of the control image
(build/esp-keysram.img: the same sources built with SHROUD_KEYS_IN_RAM=1,
the master and expanded partition keys in hypervisor memory as before).
Both run the same owners: protect-demo with XTS (sleeping), with GCM
(--integrity, sleeping) and a busy one computing while the dumps are taken.

  test_keys_in_debug_registers   the host's DR0-DR3 (QEMU's `info
                                 registers`, the host side's view of the
                                 CPU) hold 256 non-zero bits: the master.
  test_guest_cannot_see_or_set   a guest kernel module reads DR0-DR3 and
                                 DR7, writes DR0 and DR7 and reads them
                                 back: it sees its own values (0, then what
                                 it wrote), never the master, and the host's
                                 DR0-DR3 still hold the master afterwards.
  test_dump_finds_no_key         sleeping and computing: aeskeyfind finds
                                 no key schedule; neither the master (whole
                                 or either half) nor any partition key of
                                 key ids 1-8, epochs 0-1 (XTS data and
                                 tweak keys, GCM key, computed on the host
                                 with OpenSSL's CMAC from the master read
                                 out of DR0-DR3 and the logged boot nonce)
                                 occurs in the dump as raw bytes.  Control
                                 of the search: the boot nonce, which lies
                                 in hypervisor memory, is found.
  test_measured_launch           the guest's TPM shows PCR 12 as the loader
                                 extended it: SHA-256 of build/core.bin,
                                 then of the boot's shroud.cfg bytes, from
                                 zero (computed here), and the firmware's
                                 event log names both events.  A changed
                                 configuration (the control boot's differs
                                 from this one only in the image) gives the
                                 same cfg digest but another PCR value.
  test_control_dump_finds_keys   the control image: aeskeyfind finds AES
                                 key schedules in the same kind of dump
                                 (the attack works when keys are in RAM).
"""
import hashlib
import os
import re
import struct
import subprocess

import pytest

from conftest import qemu, wait_for
from protect_helpers import (aeskeyfind, cpu_ticks, dump_ram_file,
                             programs_boot, shell, start_bg, wait_sleeping)
from test_intercepts import probe

CONTROL_ESP = os.path.join(qemu.BUILD, "esp-keysram.img")
NONCE_RE = re.compile(r"prot: boot nonce ([0-9a-f]{16})")
KEY_IDS, EPOCHS = range(1, 9), range(0, 2)


def owners(b):
    """The three owners; returns their pids once all are protected."""
    pids = []
    for name, cmd in (("kx", "protect-demo --pages 16 --seed 100"),
                      ("kg", "protect-demo --integrity --pages 8 --seed 200"),
                      ("kb", "protect-demo --busy --pages 8 --seed 300")):
        pid, _ = start_bg(b, name, cmd, r"^demo: ok")
        pids.append(pid)
    wait_sleeping(b, pids[:2])
    return pids


def boot_with_owners(name, esp):
    b = programs_boot(name, mode="shroud", esp=esp)
    try:
        owners(b)
    except BaseException:
        b.close()
        raise
    return b


@pytest.fixture(scope="module")
def kb():
    b = boot_with_owners("keys", qemu.ESP_IMG)
    yield b
    b.close()


@pytest.fixture(scope="module")
def kc():
    assert os.path.exists(CONTROL_ESP), "%s missing: make control-keysram" \
        % CONTROL_ESP
    b = boot_with_owners("keys-control", CONTROL_ESP)
    yield b
    b.close()


def host_debug_regs(b):
    """DR0-DR3 of the (only) CPU as QEMU sees them: the host's values,
    since VMRUN and #VMEXIT leave DR0-DR3 alone."""
    out = b.qmp("human-monitor-command",
                **{"command-line": "info registers"})
    regs = dict(re.findall(r"DR([0-3])=([0-9a-fA-F]{16})", out))
    assert sorted(regs) == ["0", "1", "2", "3"], out
    return [int(regs[str(i)], 16) for i in range(4)]


def master_of(b):
    return b"".join(struct.pack("<Q", d) for d in host_debug_regs(b))


def cmac(key, msg, tmp):
    """AES-256-CMAC (SP 800-38B) with OpenSSL's command line."""
    with open(tmp, "wb") as f:
        f.write(msg)
    out = subprocess.run(["openssl", "mac", "-cipher", "AES-256-CBC",
                          "-macopt", "hexkey:" + key.hex(), "-in", tmp,
                          "CMAC"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return bytes.fromhex(out.stdout.strip())


def kdf_input(i, label, part, epoch, nonce8, bits):
    """crypto/aes_reg.h's SP 800-108 fixed input."""
    return (bytes([i]) + label + b"\0" + struct.pack(">II", part, epoch) +
            nonce8 + struct.pack(">I", bits))


def partition_keys(master, nonce8, tmp):
    """Every partition key the hypervisor would derive for KEY_IDS x
    EPOCHS: {description: 16 bytes}."""
    keys = {}
    for part in KEY_IDS:
        for ep in EPOCHS:
            for label, bits, n in ((b"shroud-xts", 256, 2),
                                   (b"shroud-gcm", 128, 1)):
                for i in range(1, n + 1):
                    k = cmac(master, kdf_input(i, label, part, ep, nonce8,
                                               bits), tmp)
                    keys["%s id %d epoch %d K(%d)" % (label.decode(), part,
                                                      ep, i)] = k
    return keys


def test_keys_in_debug_registers(kb):
    drs = host_debug_regs(kb)
    assert all(drs), "a debug register is zero: %s" % [hex(d) for d in drs]
    assert len(set(drs)) == 4, [hex(d) for d in drs]
    assert "keys in registers" in kb.hv.text, kb.hv.tail()


def test_guest_cannot_see_or_set(kb):
    before = host_debug_regs(kb)
    f, out = probe(kb, "test=debugregs")
    seen = [int(f["dr%d" % i], 16) for i in range(4)]
    assert not set(seen) & set(before), "the guest read the master:\n" + out
    assert int(f["back0"], 16) == 0x1234, out
    assert int(f["back7"], 16) & 0x401 == 0x401, out
    assert host_debug_regs(kb) == before, "the guest changed DR0-DR3"
    _, out = shell(kb, "echo alive")
    assert "alive" in out


@pytest.mark.parametrize("phase", ["sleeping", "computing"])
def test_dump_finds_no_key(kb, phase, tmp_path):
    master = master_of(kb)
    m = NONCE_RE.search(kb.hv.text)
    assert m, "no boot nonce in the hypervisor log"
    nonce8 = bytes.fromhex(m.group(1))
    keys = partition_keys(master, nonce8, str(tmp_path / "msg"))
    if phase == "computing":
        # The busy owner has computed a while (0.2 s of CPU time) just
        # before the dump, so frames and keys are in use.
        _, out = shell(kb, "cat /tmp/kb.pid")
        pid = int(out.strip())
        t0 = cpu_ticks(kb, pid)
        wait_for(lambda: cpu_ticks(kb, pid) >= t0 + 20, 120,
                 "the busy owner (pid %d) to compute 20 ticks" % pid)
    path = dump_ram_file(kb, "keys-" + phase)
    try:
        found = aeskeyfind(path)
        with open(path, "rb") as fd:
            data = fd.read()
    finally:
        os.unlink(path)
    assert data.find(nonce8) >= 0, \
        "the search control failed: the boot nonce is not in the dump"
    hits = [n for n, k in keys.items() if data.find(k) >= 0]
    for what, k in (("master", master), ("master[0:16]", master[:16]),
                    ("master[16:32]", master[16:])):
        if data.find(k) >= 0:
            hits.append(what)
    print("keys: %s dump of %d MiB: aeskeyfind %d key(s); raw search of %d "
          "partition keys and the master: %d hit(s); nonce found" % (
              phase, len(data) >> 20, len(found), len(keys), len(hits)))
    assert not found, "aeskeyfind found %d key(s) in the %s dump: %s" % (
        len(found), phase, found[:4])
    assert not hits, "key bytes in the %s dump: %s" % (phase, hits)


def expected_pcr12(b):
    """PCR 12 after the loader's two extensions, from zero."""
    with open(os.path.join(qemu.BUILD, "core.bin"), "rb") as f:
        core = f.read()
    cfg = subprocess.run(["mtype", "-i", os.path.join(b.dir, "esp.img"),
                          qemu.CFG_PATH], capture_output=True, check=True,
                         timeout=60).stdout
    pcr = bytes(32)
    for data in (core, cfg):
        pcr = hashlib.sha256(pcr + hashlib.sha256(data).digest()).digest()
    return pcr


def guest_pcr12(b):
    _, out = shell(b, "cat /sys/class/tpm/tpm0/pcr-sha256/12")
    m = re.search(r"^([0-9A-Fa-f]{64})\s*$", out, re.M)
    assert m, out
    return bytes.fromhex(m.group(1))


def test_measured_launch(kb):
    want = expected_pcr12(kb)
    assert guest_pcr12(kb) == want, "PCR 12 is not core.bin then shroud.cfg"
    log = "/sys/kernel/security/tpm0/binary_bios_measurements"
    counts = {}
    for ev in ("Shroud hypervisor core", "Shroud shroud.cfg"):
        _, out = shell(kb, "mount -t securityfs none /sys/kernel/security "
                       "2>/dev/null; echo n=$(grep -a -o '%s' %s | wc -l)"
                       % (ev, log), ok=False)
        m = re.search(r"n=(\d+)", out)
        assert m, out
        counts[ev] = int(m.group(1))
    assert counts == {"Shroud hypervisor core": 1,
                      "Shroud shroud.cfg": 1}, counts
    assert "measured core" in kb.console.text, kb.console.tail()


def test_control_dump_finds_keys(kc):
    assert "IN MEMORY" in kc.hv.text, kc.hv.tail()
    path = dump_ram_file(kc, "keys-control")
    try:
        found = aeskeyfind(path)
    finally:
        os.unlink(path)
    print("keys: control (keys in RAM) dump: aeskeyfind %d key(s), %s"
          % (len(found), sorted({bits for bits, _, _ in found})))
    assert found, "aeskeyfind found no key with keys in RAM: the search " \
        "cannot tell"
