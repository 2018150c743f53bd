"""test/integration/test_pti.py - a guest kernel with page-table isolation
(PTI: Linux's default on Intel CPUs affected by Meltdown, forced here with
`pti=on` on QEMU's AMD model).  Such a kernel runs every process on two
page-table roots, 4 KiB apart, and writes CR3 at each kernel entry and
exit.  Shroud names an owner by its root; PROTECT recognises the user root
of a PTI pair (the two tables' user halves agree) and names the owner by
the pair, so that its own kernel entries are not switches away.  One
Shroud boot with `pti=on`:

  test_pti_is_on              the kernel reports PTI enabled (else the rest
                              proves nothing about PTI)
  test_pti_busy_owner_keeps_its_frames
                              `stress mt` on 4 pages (6 frames with its
                              hash state, W = 8) for 5 s: every pass right,
                              and fewer nested page faults than passes (one
                              owner-away eviction per kernel entry would
                              fault its frames in again on every pass;
                              measured before the fix: 2.4 to 30 per pass)
  test_pti_scan_finds_nothing root's memscan of the computing owner: 0
                              markers (the pair names one process, no
                              other); control: the same owner with
                              --no-protect, where the scan finds them
  test_pti_injected_write_*   root makes the owner's kernel write the
                              buffer to a file (ripjack --write-fd, as in
                              test_active_root.py): under OWNER_USER the
                              owner's kernel root is not its user mode,
                              EFAULT and 0 markers; control: OWNER, every
                              marker in the file
"""
import re

import pytest

import qemu
from protect_helpers import (figures, guest_sh as gsh, hv_stats, memscan,
                             programs_boot, start_bg, stop_bg, vm_alive)
from test_active_root import MARKERS, PAGES, injected_write

STRESS_PAGES, STRESS_SECONDS = 4, 5


@pytest.fixture(scope="module")
def pb():
    b = programs_boot("pti", mode="shroud",
                      cmdline=qemu.DEFAULT_CMDLINE + " pti=on")
    yield b
    b.close()


def test_pti_is_on(pb):
    _, out = gsh(pb, "dmesg | grep -i 'page tables isolation'")
    assert "isolation: enabled" in out, out


def stress_result(out):
    m = re.search(r"^stress: mt .*$", out, re.M)
    assert m, out
    return figures(m.group(0))


def test_pti_busy_owner_keeps_its_frames(pb):
    before = hv_stats(pb)["faults"]
    rc, out = gsh(pb, "stress mt --threads 1 --seconds %d --pages %d"
                  % (STRESS_SECONDS, STRESS_PAGES), timeout=120)
    faults = hv_stats(pb)["faults"] - before
    res = stress_result(out)
    print("PTI owner: %d passes, %d nested page faults" % (res["passes"],
                                                            faults))
    assert rc == 0 and res["bad"] == 0 and res["passes"] > 0, out
    assert "(with its PTI user twin)" in pb.hv.text, pb.hv.tail()
    assert faults < res["passes"], (
        "%d nested page faults for %d passes: the owner's kernel entries "
        "evict its frames" % (faults, res["passes"]))


def scan_running(b, name, extra):
    pid, out = start_bg(b, name, "stress mt --threads 1 --seconds 120 "
                        "--pages %d %s" % (STRESS_PAGES, extra),
                        r"^stress: ready")
    f = figures(re.search(r"^stress: ready .*$", out, re.M).group(0))
    res, sout = memscan(b, pid, "--range %s %d" % (f["addr"][2:], f["len"]))
    stop_bg(b, name)
    return f, res, sout


def test_pti_scan_finds_nothing(pb):
    f, res, out = scan_running(pb, "pti_scan", "")
    assert f["protected"] == "yes", f
    for method in ("mem", "vm"):
        assert res[method]["hits"] == 0, out
        assert res[method]["range_bytes"] == f["len"], out
    vm_alive(pb, "after the scan")


def test_pti_scan_control_finds_markers(pb):
    f, res, out = scan_running(pb, "pti_scanc", "--no-protect")
    assert f["protected"] == "no", f
    assert all(res[m]["hits"] > 0 for m in ("mem", "vm")), out


def test_pti_injected_write_owner_user_gets_efault(pb):
    rc, hits = injected_write(pb, "pti_wu", "owner-user", 41000)
    assert hits == 0, "%d markers reached the owner's file" % hits
    assert rc == -14, rc


def test_pti_injected_write_control_owner_leaks(pb):
    rc, hits = injected_write(pb, "pti_wo", "owner", 42000)
    assert rc == PAGES * 4096 and hits == MARKERS, (rc, hits)
