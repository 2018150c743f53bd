"""test/integration/test_tamper_host.py - ciphertext tampered from the HOST
side, as a physical attacker would (issue 8 item 12), on one Shroud boot of
its own (module-scoped) with QEMU's gdbstub (scripts/qemu.py Boot(gdb=True):
the VM stopped, guest-physical memory read and written through the gdb
remote protocol in physical-memory mode).

Foreign writes from inside the guest are diverted before any tag check, so
only a write that bypasses the CPU's view (DMA, a cold-boot or bus attacker,
here QEMU itself) reaches a protected frame's ciphertext.  Each test starts
a sleeping protect-demo (16 pages: all its frames encrypted while it
sleeps), finds the guest-physical frame of one page of its buffer from
/proc/PID/pagemap (root; bits 0-54 = PFN), reads that frame from the host
(ciphertext: no marker), flips one byte in it and reads the byte back,
then has the owner recheck its data (SIGUSR1).

  test_host_flip_xts_control_computes_on_garbage   the control: an XTS
                   partition (no --integrity).  Nothing detects the flip:
                   the owner's recheck succeeds with a sha256 that differs
                   from the host's (the tampered frame decrypted to
                   garbage), tamper=0, no integrity line in the hypervisor
                   log: the flip reached the ciphertext, and only the tag
                   can catch it.
  test_host_flip_gcm_refused_and_reported   a GCM partition (--integrity).
                   The owner never computes on altered data: its first
                   access to the tampered frame fails the tag, the
                   hypervisor logs "partition I: frame 0x.. failed its
                   integrity check" for exactly that frame, injects #GP and
                   protect-demo dies of SIGSEGV (it has no handler, so it
                   never prints a recheck line at all; exit status 139 from
                   its wrapper shell), `shroudctl --json stats` counts the
                   tamper, and the VM keeps running (no FATAL, shroudctl
                   status answers, also after the owner's frames were
                   freed).

Nothing waits a fixed time: every wait polls (conftest.wait_for and the
protect_helpers), bounded; guest commands give up at once when the
hypervisor log shows FATAL.
"""
import re

import pytest

from conftest import shell_boot, wait_for
from protect_helpers import (bg_output, demo_expect, ESP, figures,
                             guest_has_programs, guest_sh as gsh, hv_stats,
                             PREFIX, recheck, start_bg, stop_bg,
                             vm_alive as _vm_alive, wait_exited, wait_sleeping)


def vm_alive(b, what):
    _vm_alive(b, what, oops=True)


def stats(b):
    return hv_stats(b)

PG = 4096
PAGES = 16
TPAGE = 5                     # the buffer page whose frame is tampered
TOFF = 0x123                  # the byte of it flipped
FLIP = 0xff
GCM_SEED, XTS_SEED = 8100, 8200
DEMO_RE = re.compile(r"^demo: pid=(\d+) addr=(0x[0-9a-f]+) len=(\d+) "
                     r"id=(-?\d+) protected=(\w+)$", re.M)
TAG_RE = r"partition (\d+): frame (0x[0-9a-f]+) failed its integrity check"
EXIT_RE = re.compile(r"^demo: exit=(\d+)$", re.M)


# ---- the hypervisor log and a shell that notices a stopped VM ---------------

# ---- the boot ---------------------------------------------------------------

@pytest.fixture(scope="module")
def hb():
    b = shell_boot("tamper_host", mode="shroud", esp=ESP, gdb=True)
    try:
        guest_has_programs(b)
        b.gdb()                 # connect now: a missing gdbstub fails here
    except BaseException:
        b.close()
        raise
    yield b
    b.close()


# ---- the attack -------------------------------------------------------------

def start_demo(b, name, seed, integrity):
    """protect-demo NAME asleep, under a shell that reports its exit status
    ('demo: exit=N'): (pid, addr, id, output)."""
    cmd = ("sh -c 'protect-demo %s--pages %d --seed %d; "
           "echo \"demo: exit=$?\"'"
           % ("--integrity " if integrity else "", PAGES, seed))
    _, out = start_bg(b, name, cmd, r"^demo: ok")
    m = DEMO_RE.search(out)
    assert m, out
    pid, addr, length, pid_id, prot = (int(m.group(1)), int(m.group(2), 16),
                                       int(m.group(3)), int(m.group(4)),
                                       m.group(5))
    assert prot == "yes" and pid_id > 0, "PROTECT was not applied:\n" + out
    assert length == PAGES * PG, out
    want = demo_expect(PAGES, seed)
    got = figures(re.search(r"^demo: chars=.*$", out, re.M).group(0))
    assert {k: got[k] for k in want} == want, out
    wait_sleeping(b, {name: pid})
    return pid, addr, pid_id, out


def guest_frame(b, pid, va):
    """The guest-physical address of the frame behind pid's page va, from
    /proc/PID/pagemap (busybox dd + od: one 8-byte entry per page)."""
    rc, out = gsh(b, "dd if=/proc/%d/pagemap bs=8 skip=%d count=1 "
                  "2>/dev/null | od -An -tx8" % (pid, va // PG))
    words = re.findall(r"\b[0-9a-f]{16}\b", out)
    assert rc == 0 and len(words) == 1, "pagemap read failed:\n" + out
    e = int(words[0], 16)
    assert e >> 63 & 1, "page 0x%x of pid %d not present: %#x" % (va, pid, e)
    pfn = e & ((1 << 55) - 1)
    assert pfn, "pagemap shows no PFN (not root?): %#x" % e
    return pfn << 12


def host_flip(b, gpa, off):
    """With the VM stopped: read the frame at gpa, flip byte off (XOR FLIP),
    read it back.  Returns (frame before, frame after)."""
    g = b.gdb()
    with g.paused():
        before = g.read(gpa, PG)
        g.write(gpa + off, bytes([before[off] ^ FLIP]))
        byte = g.read(gpa + off, 1)
        after = g.read(gpa, PG)
    assert g.running, "the VM was not let run again after the access"
    print("host: frame 0x%x byte 0x%x: 0x%02x -> 0x%02x (read back 0x%02x)"
          % (gpa, off, before[off], before[off] ^ FLIP, byte[0]))
    assert byte[0] == before[off] ^ FLIP, (
        "the write did not change guest RAM: 0x%02x read back, 0x%02x "
        "written" % (byte[0], before[off] ^ FLIP))
    diff = [i for i in range(PG) if before[i] != after[i]]
    assert diff == [off], "bytes changed: %s" % diff[:16]
    return before, after


def tamper_frame(b, pid, addr):
    """Flip a byte of the frame of buffer page TPAGE from the host; its
    guest-physical address."""
    gpa = guest_frame(b, pid, addr + TPAGE * PG)
    before, _ = host_flip(b, gpa, TOFF)
    # The owner sleeps: the host sees ciphertext, not its records.
    assert PREFIX not in before, (
        "frame 0x%x holds plaintext while its owner sleeps: %r"
        % (gpa, before[:128]))
    return gpa


# ---- the tests ------------------------------------------------------------

def test_host_flip_xts_control_computes_on_garbage(hb):
    st0 = stats(hb)
    pid, addr, pid_id, _ = start_demo(hb, "xts", XTS_SEED, integrity=False)
    tags0 = len(re.findall(TAG_RE, hb.hv.text))
    gpa = tamper_frame(hb, pid, addr)
    out, line = recheck(hb, "xts", pid)
    print(line)
    f = figures(line)
    want = demo_expect(PAGES, XTS_SEED)
    assert "refused" not in line and "sha256" in f, (
        "an XTS partition cannot detect the flip, yet: %s" % line)
    assert f["sha256"] != want["sha256"], (
        "the owner's data is intact after a host-side flip in frame 0x%x: "
        "the flip did not reach the ciphertext (%s)" % (gpa, line))
    assert f["tamper"] == 0, line
    st1 = stats(hb)
    print("xts: sha256 %s (host's %s), chars %d (host's %d), tamper %d -> %d"
          % (f["sha256"][:16], want["sha256"][:16], f["chars"],
             want["chars"], st0["tamper"], st1["tamper"]))
    assert st1["tamper"] == st0["tamper"], (st0, st1)
    assert len(re.findall(TAG_RE, hb.hv.text)) == tags0, hb.hv.tail()
    vm_alive(hb, "after the XTS flip")
    stop_bg(hb, "xts")
    vm_alive(hb, "after the XTS owner exited")


def test_host_flip_gcm_refused_and_reported(hb):
    st0 = stats(hb)
    pid, addr, pid_id, _ = start_demo(hb, "gcm", GCM_SEED, integrity=True)
    hv_pos = len(hb.hv.text)
    gpa = tamper_frame(hb, pid, addr)
    rc, _ = gsh(hb, "kill -USR1 %d" % pid)
    assert rc == 0
    # The owner's first access to the frame fails the tag: #GP, SIGSEGV.
    wait_exited(hb, pid, 180, "protect-demo --integrity after the flip")
    out = wait_for(lambda: (lambda o: o if EXIT_RE.search(o) else None)(
        bg_output(hb, "gcm")), 60, "the wrapper's 'demo: exit=N'",
        detail=lambda: bg_output(hb, "gcm"))
    print(out.strip())
    code = int(EXIT_RE.search(out).group(1))
    assert "demo: recheck chars=" not in out, (
        "the owner computed on altered data:\n" + out)
    assert "demo: recheck" not in out and code == 128 + 11, (
        "want: protect-demo killed by SIGSEGV (the injected #GP) before "
        "any recheck line; got exit=%d:\n%s" % (code, out))

    m = hb.expect_hv(TAG_RE, 30)
    print(m.group(0))
    logged = [(int(p), int(a, 16))
              for p, a in re.findall(TAG_RE, hb.hv.text[hv_pos:])]
    assert (pid_id, gpa) in logged, (
        "no integrity failure logged for partition %d frame 0x%x: %s"
        % (pid_id, gpa, logged))
    st1 = stats(hb)
    print("gcm: tamper %d -> %d" % (st0["tamper"], st1["tamper"]))
    assert st1["tamper"] >= st0["tamper"] + 1, (st0, st1)
    _, kern = gsh(hb, "dmesg | grep 'protect-demo\\[%d\\]' | tail -n 3"
                  % pid)
    print(kern.strip())
    vm_alive(hb, "after the GCM tag failure")
    # The owner is gone and the kernel has freed its pages (init_on_free):
    # what the host sees in the tampered frame now (information only: the
    # frame may already be someone else's).
    now = hb.phys_read(gpa, PG)
    print("gcm: frame 0x%x after the owner's death: %s" % (
        gpa, "all zero" if not any(now) else
        "%d non-zero bytes, marker %s" % (sum(1 for x in now if x),
                                          "present" if PREFIX in now
                                          else "absent")))
    assert PREFIX not in now, (
        "the tampered frame holds the dead owner's plaintext:\n%r"
        % now[:256])
    assert not re.search(r"FATAL|guest stopped", hb.hv.text), hb.hv.tail()
