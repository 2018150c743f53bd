"""test/integration/test_smp.py - issue 11: every CPU runs under Shroud,
and owner-only plaintext holds across CPUs.  One Shroud boot with two CPUs
(QEMU -smp 2, multi-threaded TCG); each protection test has its control in
the same boot (the owner with --no-protect: the same program and memory,
no PROTECT).  The CPU start attacks (an INIT-SIPI from a kernel module to
an offlined CPU, with its control on a boot without the hypervisor) are in
test_intercepts.py.

  test_every_cpu_answers        Linux sees 2 CPUs, and on each of them
                                (taskset -c N) the hypervisor answers a
                                ring-3 hypercall; its log says both CPUs
                                run under it.
  test_mt_owner_*               `stress mt`: two threads pinned to CPU 0
                                and CPU 1 recompute the SHA-256 of one
                                protected buffer (16 pages) while root
                                scans the owner from each CPU in turn
                                (memscan, /proc/PID/mem and
                                process_vm_readv) and the host dumps RAM:
                                every pass correct, 0 markers in every
                                scan (the whole range read), at most
                                W * threads + 1 marker frames in the dump;
                                the control's scans find the markers.
  test_stale_translation_*      the attack a missing shootdown lets
                                through: a module on CPU 1 reads the
                                owner's frames through the direct map,
                                interrupts off, while the owner on CPU 0
                                evicts and faults them back: no read sees
                                plaintext; controls: --no-protect, and a
                                boot with shootdown = no (testing only),
                                where reads do see plaintext.
  test_one_cpu_variant          a 1-CPU boot: the same protection.
The shootdown race (test_race_*) is in test_smp_race.py, on its own boot.
"""
import re

import pytest

from qemu import BootError
from protect_helpers import (WS_DEFAULT, bg_output, dump_ram, figures,
                             marker_hits, memscan, programs_boot, shell,
                             start_bg, stop_bg, vm_alive)

CPUS = 2
MT_PAGES, RACE_PAGES = 16, 32


@pytest.fixture(scope="module")
def sb():
    b = programs_boot("smp", mode="shroud", cpus=CPUS)
    yield b
    b.close()


def test_every_cpu_answers(sb):
    assert "%d of %d CPUs under the hypervisor" % (CPUS, CPUS) in sb.hv.text, (
        sb.hv.tail())
    rc, out = shell(sb, "nproc; for c in 0 1; do taskset -c $c shroudctl "
                    "status || echo FAIL$c; done")
    lines = out.strip().splitlines()
    assert lines[0].strip() == str(CPUS), out
    assert out.count("Shroud hypervisor") == CPUS and "FAIL" not in out, out


def ready_fields(out):
    line = re.search(r"^stress: ready .*$", out, re.M).group(0)
    f = figures(line)
    return f["pid"], int(f["addr"], 16), f["len"], f["protected"]


def scan_from(b, cpu, pid, addr, length):
    """memscan of pid's range from CPU cpu: (hits, range_bytes) per
    method, and the output."""
    res, out = memscan(b, pid, "--range %x %d" % (addr, length), cpu=cpu)
    return {m: (f["hits"], f["range_bytes"]) for m, f in res.items()}, out


def mt_result(b, name):
    out = bg_output(b, name)
    m = re.search(r"^stress: mt .*$", out, re.M)
    assert m, "no result line from %s:\n%s" % (name, out)
    return figures(m.group(0)), out


def run_mt(b, name, extra, dump=False):
    """Two pinned threads on one buffer, scanned from each CPU (and a RAM
    dump) while they compute; stopped with SIGTERM.  (scans, dump
    frames, result fields)."""
    pid, out = start_bg(b, name, "stress mt --threads 2 --seconds 600 "
                        "--pages %d %s" % (MT_PAGES, extra), r"^stress: ready")
    pid, addr, length, prot = ready_fields(out)
    scans = []
    for cpu in (1, 0, 1, 0):
        scans.append((cpu,) + scan_from(b, cpu, pid, addr, length))
    frames = None
    if dump:
        frames = marker_hits(dump_ram(b, name))[1]
    # still computing when scanned: no result line yet
    assert "stress: mt" not in bg_output(b, name), bg_output(b, name)
    stop_bg(b, name)
    res, out = mt_result(b, name)
    return scans, frames, res, prot, length


def test_mt_owner_correct_and_unreadable(sb):
    scans, frames, res, prot, length = run_mt(sb, "mt", "", dump=True)
    assert prot == "yes", res
    assert res["bad"] == 0 and res["passes"] > 0, res
    assert sorted(int(c) for c in str(res["cpus"]).split(",")) == [0, 1], (
        "the threads did not run on both CPUs: %s" % res)
    for cpu, r, out in scans:
        for method, (hits, rbytes) in r.items():
            assert hits == 0, "root on CPU %d found %d markers (%s):\n%s" % (
                cpu, hits, method, out)
            assert rbytes >= length, (
                "the scan did not read the whole range:\n" + out)
    # One partition, two threads computing: at most its clear working set
    # per running thread (plus one frame in flight) at the dump's instant.
    assert len(frames) <= WS_DEFAULT * 2 + 1, frames
    vm_alive(sb, "after the multi-threaded owner")


def test_mt_owner_control_scans_find_markers(sb):
    scans, _, res, prot, _ = run_mt(sb, "mtc", "--no-protect")
    assert prot == "no" and res["bad"] == 0, res
    assert any(h > 0 for _, r, _ in scans for h, _ in r.values()), (
        "the control's scans found nothing: the protected run proves "
        "nothing\n%s" % scans)


KMOD = "/lib/shroudkm.ko"
PHYSREAD_RUNS, PHYSREAD_MS = 5, 2000


def module_hash(b):
    rc, out = shell(b, "sha256sum %s" % KMOD, ok=False)
    assert rc == 0, out
    return out.split()[0]


def physread_race(b, name, extra, stop_at_hit=False, altered_ok=None):
    """Owner on CPU 0 thrashing its working set; a module on CPU 1 reads
    the owner's frames through the direct map with interrupts off
    (shroudkm test=physread), PHYSREAD_RUNS times, or (stop_at_hit) until
    a run sees plaintext: (hits, reads, owner result, protected)."""
    pid, out = start_bg(b, name, "stress mt --threads 1 --seconds 600 "
                        "--pages %d %s" % (RACE_PAGES, extra),
                        r"^stress: ready")
    pid, addr, length, prot = ready_fields(out)
    hits = reads = 0
    for _ in range(PHYSREAD_RUNS):
        rc, out = shell(b, "dmesg -c >/dev/null; taskset -c 1 insmod %s "
                        "test=physread pid=%d addr=%x len=%d read_ms=%d; "
                        "dmesg | grep 'shroudkm: physread'"
                        % (KMOD, pid, addr, min(length, 64 * 4096),
                           PHYSREAD_MS), ok=False)
        m = re.findall(r"physread pages=(\d+) reads=(\d+) hits=(\d+)", out)
        if not m and altered_ok and (module_hash(b) != altered_ok or
                                     "wrong symbol version" in out):
            # the module's own file was altered in the guest's memory, or
            # (the file's hash unchanged) the kernel's copy of it, which
            # its symbol-version check found (shootdown = no): the run
            # cannot go on, and says so
            stop_bg(b, name)
            return -1, reads, {"altered": out}, prot
        assert m and int(m[-1][0]) > 0, out
        reads += int(m[-1][1])
        hits += int(m[-1][2])
        if stop_at_hit and hits:
            break
    stop_bg(b, name)
    res, _ = mt_result(b, name)
    return hits, reads, res, prot


# Issue 11's open VM-reset bug (test_smp_race.py) once struck here in CI:
# the VM ended during this race.  Reported as a known failure, like there;
# the confidentiality assertions stay strict whenever the race completes.
KNOWN_RESET = "issue 11: the VM reset during a shootdown race"


def test_stale_translation_attack_reads_nothing(sb):
    try:
        hits, reads, res, prot = physread_race(sb, "phys", "")
    except BootError as e:
        pytest.xfail("%s:\n%s" % (KNOWN_RESET, e))
    assert prot == "yes" and reads > 0, res
    assert hits == 0, "%d of %d reads on CPU 1 saw plaintext" % (hits, reads)
    # (on a failure: the counters that tell a dropped frame (remaps) from
    # a wiped one, and the kernel's page migrations)
    assert res["bad"] == 0 and res["passes"] > 0, (res, shell(
        sb, "shroudctl stats; grep -E 'pgmigrate|compact_(stall|success)' "
        "/proc/vmstat", ok=False)[1])
    vm_alive(sb, "after the stale-translation attack")


def test_stale_translation_attack_control_unprotected(sb):
    if not sb.alive():
        pytest.xfail("%s (earlier in this boot)" % KNOWN_RESET)
    hits, reads, res, prot = physread_race(sb, "physc", "--no-protect")
    assert prot == "no" and hits > 0, (hits, reads, res)


def test_stale_translation_attack_control_without_shootdown():
    """The attack's real control: the same run on a boot whose other CPUs
    keep stale translations until their next exit (shootdown = no,
    testing only).  Plaintext reaches the reader, so the 0 above is the
    shootdown's doing.  It stops at the first run that sees plaintext:
    without shootdowns the guest's own memory is not safe either (a CI run
    once found the module file's page cache altered, "wrong symbol
    version", on a later run; another before its first run; here, runs
    whose file hash was unchanged failed that check: the kernel's own
    copy of the module was altered), so the
    control does no more than it must, and a module file whose SHA-256
    changed under it (taken before the owner starts) counts as what it is:
    the guest's memory altered without shootdowns, where the protected
    boot's same module runs every time."""
    b = programs_boot("smp-noshootdown", mode="shroud", cpus=CPUS,
                      cfg={"shootdown": "no"})
    try:
        assert "shootdown = no" in b.hv.text, b.hv.tail()
        h0 = module_hash(b)
        hits, reads, res, prot = physread_race(b, "physn", "",
                                               stop_at_hit=True,
                                               altered_ok=h0)
        if hits < 0:
            print("shootdown = no: %s changed in the guest's memory "
                  "before a run saw plaintext:\n%s" % (KMOD, res["altered"]))
            return
        assert prot == "yes" and reads > 0, res
        assert hits > 0, (
            "without shootdowns no read on CPU 1 saw plaintext (%d reads): "
            "the attack does not exercise them" % reads)
    finally:
        b.close()


def test_one_cpu_variant():
    """The suite runs with 2 CPUs; one boot keeps the 1-CPU machine
    covered: no AP, the same protection (a protected owner computes
    right and root's scan finds nothing)."""
    b = programs_boot("smp-one", mode="shroud", cpus=1)
    try:
        assert "1 CPU(s)" in b.hv.text and "smp:" not in b.hv.text, (
            b.hv.tail())
        rc, out = shell(b, "nproc; shroudctl status")
        assert out.strip().splitlines()[0] == "1", out
        assert "Shroud hypervisor" in out, out
        pid, out = start_bg(b, "one", "stress mt --threads 1 --seconds 600 "
                            "--pages %d" % MT_PAGES, r"^stress: ready")
        pid, addr, length, prot = ready_fields(out)
        assert prot == "yes", out
        r, sout = scan_from(b, 0, pid, addr, length)
        for method, (hits, rbytes) in r.items():
            assert hits == 0 and rbytes >= length, sout
        stop_bg(b, "one")
        res, _ = mt_result(b, "one")
        assert res["bad"] == 0 and res["passes"] > 0, res
    finally:
        b.close()
