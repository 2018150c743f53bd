"""test/integration/test_isolation.py - isolation only raises protection
(issue 8 item 1), on one Shroud boot of its own (module-scoped).

The attack (guest/tools/ripjack.c): root stops the sleeping owner of a
protected buffer with ptrace, makes one page of the buffer executable in
the owner's page tables (an injected mprotect: libshroud maps it NX, and
an NX fetch never reaches the hypervisor), points the owner's RIP into
that page and lets it run.  The instruction fetch from protected data is
an anomaly.  Before b786fa3 the hypervisor moved the frame into its
quarantine partition, which has ANY access, so root's next read
(PTRACE_PEEKDATA, /proc/PID/mem) got it decrypted.  Since then the frame
is isolated in place (same partition, owner, floor and key; re-encrypted;
never executable) and the fetch gets #GP: the owner stops with SIGSEGV.
ripjack reads the buffer while the owner is held at that stop (its signal
is never delivered), then restores everything and detaches.

  test_hijacked_owner_fetch_leaves_no_plaintext   protected protect-demo:
                   a fatal stop signal (SIGSEGV expected), 0 markers in
                   both reads, 0 read errors (ciphertext, not failures),
                   no FATAL in the hypervisor log, the VM answers, the
                   owner's data is intact (its recheck's sha256 = the
                   host's) and the anomaly was counted.
  test_control_hijacked_unprotected_owner_leaks   the same on a demo run
                   with SHROUD_DISABLE=1 (protected=no): ripjack finds
                   every marker of the pages it reads.

Nothing waits a fixed time: every wait polls, bounded; the guest commands
of the attack give up at once when the hypervisor log shows FATAL.
"""
import re

import pytest

from conftest import shell_boot
from protect_helpers import (demo_expect, ESP, figures, guest_has_programs,
                             guest_sh as gsh, hv_fatal, hv_stats, recheck,
                             shell, start_bg, stop_bg, vm_alive, wait_sleeping)


def stats(b):
    return hv_stats(b)

PG = 4096
PAGES = 16
SKIP = 3                      # ripjack's RIP: the buffer start + SKIP pages
PROT_SEED, CTRL_SEED = 4100, 4200
FATAL_SIGNALS = {4: "SIGILL", 7: "SIGBUS", 11: "SIGSEGV"}
DEMO_RE = re.compile(r"^demo: pid=(\d+) addr=(0x[0-9a-f]+) len=(\d+) "
                     r"id=(-?\d+) protected=(\w+)$", re.M)


# ---- the hypervisor log and a shell that notices a stopped VM ---------------

# ---- the boot ---------------------------------------------------------------

@pytest.fixture(scope="module")
def ib():
    b = shell_boot("isolation", mode="shroud", esp=ESP)
    try:
        guest_has_programs(b)
        rc, out = shell(b, "command -v ripjack", ok=False)
        assert rc == 0, ("no ripjack in the guest image (mk/guest-lib.mk's "
                         "GUEST_EXTRA_PROGS):\n" + out)
    except BaseException:
        b.close()
        raise
    yield b
    b.close()


# ---- the attack -------------------------------------------------------------

def start_demo(b, name, seed, env=""):
    """protect-demo NAME asleep: (pid, addr, len, id, protected, output)."""
    pid, out = start_bg(b, name, "%sprotect-demo --pages %d --seed %d"
                        % (env, PAGES, seed), r"^demo: ok")
    m = DEMO_RE.search(out)
    assert m, out
    assert int(m.group(1)) == pid, out
    want = demo_expect(PAGES, seed)
    got = figures(re.search(r"^demo: chars=.*$", out, re.M).group(0))
    assert {k: got[k] for k in want} == want, out
    wait_sleeping(b, {name: pid})
    return (pid, int(m.group(2), 16), int(m.group(3)), int(m.group(4)),
            m.group(5), out)


def ripjack(b, pid, addr, length):
    """Run ripjack on pid at addr; (figures, its output)."""
    rc, out = gsh(b, "ripjack %d 0x%x %d" % (pid, addr, length), timeout=600)
    print(out)
    assert rc == 0 and re.search(r"^ripjack: detached$", out, re.M), (
        "ripjack did not run to the end (rc=%d):\n%s" % (rc, out))
    f = {}
    m = re.search(r"^ripjack: mprotect exec page=0x[0-9a-f]+ rc=(-?\d+)$",
                  out, re.M)
    f["mprotect"] = int(m.group(1)) if m else None
    m = re.search(r"^ripjack: stop signal=(\d+)", out, re.M)
    f["signal"] = int(m.group(1)) if m else None
    m = re.search(r"^ripjack: page0 peek=(\d+) procmem=(\d+)$", out, re.M)
    f["page0"] = (int(m.group(1)), int(m.group(2))) if m else None
    m = re.search(r"^ripjack: peek markers=(\d+) procmem markers=(\d+) "
                  r"read_errors=(\d+) len=(\d+)$", out, re.M)
    assert m and f["signal"] is not None and f["mprotect"] is not None, out
    f["peek"], f["procmem"], f["errors"], f["len"] = map(int, m.groups())
    return f, out


def owner_recheck(b, name, pid, seed):
    out, line = recheck(b, name, pid)
    print(line)
    return line, "sha256=%s " % demo_expect(PAGES, seed)["sha256"] in line


def test_hijacked_owner_fetch_leaves_no_plaintext(ib):
    st0 = stats(ib)
    pid, addr, length, pid_id, prot, out = start_demo(ib, "iso", PROT_SEED)
    assert prot == "yes" and pid_id > 0, (
        "PROTECT was not applied:\n" + out)
    at = addr + SKIP * PG
    f, rout = ripjack(ib, pid, at, length - SKIP * PG)
    sig = FATAL_SIGNALS.get(f["signal"], "signal %d" % f["signal"])
    print("ripjack on the protected owner: stop %s, markers peek=%d "
          "procmem=%d (page of RIP: %s), read_errors=%d"
          % (sig, f["peek"], f["procmem"], f["page0"], f["errors"]))
    assert f["mprotect"] == 0, "the page was not made executable:\n" + rout
    assert f["peek"] == 0 and f["procmem"] == 0, (
        "root read the owner's plaintext after the hijacked fetch (the "
        "frame left the owner's protection): %s\n%s\n%s"
        % (f, rout, hv_fatal(ib)))
    assert f["errors"] == 0, (
        "ripjack's reads failed (0 markers must come from ciphertext, not "
        "from errors):\n" + rout)
    assert f["signal"] in FATAL_SIGNALS, (
        "the fetch from protected data did not fault (%s):\n%s"
        % (sig, rout))
    vm_alive(ib, "after the hijacked fetch")

    line, intact = owner_recheck(ib, "iso", pid, PROT_SEED)
    assert intact and "refused" not in line, (
        "the owner's data is not intact after the attack: %s (want sha256 "
        "%s)" % (line, demo_expect(PAGES, PROT_SEED)["sha256"]))
    st1 = stats(ib)
    print("anomalies %d -> %d" % (st0["anomalies"], st1["anomalies"]))
    assert st1["anomalies"] >= max(1, st0["anomalies"] + 1), (
        "the fetch from protected data was not counted as an anomaly: "
        "%s -> %s" % (st0, st1))
    stop_bg(ib, "iso")
    vm_alive(ib, "after the owner exited")


def test_control_hijacked_unprotected_owner_leaks(ib):
    pid, addr, length, pid_id, prot, out = start_demo(
        ib, "plain", CTRL_SEED, env="SHROUD_DISABLE=1 ")
    assert prot == "no" and pid_id <= 0, (
        "SHROUD_DISABLE=1 did not turn PROTECT off:\n" + out)
    f, rout = ripjack(ib, pid, addr + SKIP * PG, length - SKIP * PG)
    want = (PAGES - SKIP) * PG // 64        # one marker per 64-byte record
    print("ripjack on the unprotected owner: stop signal %d, markers "
          "peek=%d procmem=%d of %d" % (f["signal"], f["peek"],
                                         f["procmem"], want))
    assert f["errors"] == 0, rout
    assert f["peek"] > 0 and f["procmem"] > 0, (
        "the attack found no plaintext without protection:\n" + rout)
    assert f["peek"] == want and f["procmem"] == want, rout
    assert f["signal"] in FATAL_SIGNALS, rout
    vm_alive(ib, "after the control hijack")
    line, intact = owner_recheck(ib, "plain", pid, CTRL_SEED)
    assert intact, "ripjack itself altered the owner's data: " + line
    stop_bg(ib, "plain")
