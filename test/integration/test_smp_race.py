"""test/integration/test_smp_race.py - issue 11's shootdown race, on its
own 2-CPU Shroud boot (a VM the known failure below ends takes no other
test with it; test_smp.py has the rest of the SMP tests).

  test_race_control_*           the owner with --no-protect: root's reads
                                from CPU 1 find the markers.
  test_race_attacker_*          the owner (one thread, CPU 0, 32 pages
                                against W = 8, so its frames are evicted
                                and faulted back all the time) and root on
                                CPU 1 reading its range (process_vm_readv)
                                in a tight loop for a bounded time: no read
                                finds a plaintext marker (strict); every
                                owner pass correct and the VM alive, or the
                                known failure below.
SHROUD_RACE_SECONDS sets the race's length (default 20), for hunting the
known failure with longer races.
"""
import os
import re

import pytest

from qemu import BootError
from protect_helpers import programs_boot, shell, start_bg, stop_bg, vm_alive
from test_smp import CPUS, RACE_PAGES, mt_result, ready_fields

RACE_SECONDS = int(os.environ.get("SHROUD_RACE_SECONDS", "20"))


@pytest.fixture(scope="module")
def rb():
    """The race tests' own boot: a VM that the known failure below ends
    takes no other test with it."""
    # self_check: after every protection operation the hypervisor checks
    # every CPU's view of the owner's 34 frames against the engine's
    # state, and watches its own page tables (prot/self_check.c,
    # core/smp.c); a violation is logged as "check:" / "host page-table"
    b = programs_boot("smp-race", mode="shroud", cpus=CPUS,
                      cfg={"self_check": "yes"})
    yield b
    b.close()


def test_race_control_reads_find_markers(rb):
    hits, reads, res, prot = race(rb, "racec", "--no-protect")
    assert prot == "no" and reads > 0, res
    assert hits > 0, "the control's reads found nothing"


def race(b, name, extra):
    """Owner on CPU 0 thrashing its working set, root reading its range
    from CPU 1 in a loop for RACE_SECONDS: (total hits, reads, result)."""
    pid, out = start_bg(b, name, "stress mt --threads 1 --seconds 600 "
                        "--pages %d %s" % (RACE_PAGES, extra),
                        r"^stress: ready")
    pid, addr, length, prot = ready_fields(out)
    # memscan exits 3 when it found a marker: h counts such reads
    rc, out = shell(b, "taskset -c 1 sh -c 'n=0; h=0; end=$(($(date +%%s) + "
                    "%d)); while [ $(date +%%s) -lt $end ]; do memscan --vm "
                    "--range %x %d %d >/dev/null; [ $? -eq 3 ] && h=$((h + 1));"
                    " n=$((n + 1)); done; echo race reads=$n hits=$h'"
                    % (RACE_SECONDS, addr, length, pid),
                    timeout=RACE_SECONDS + 240, ok=False)
    m = re.search(r"^race reads=(\d+) hits=(\d+)", out, re.M)
    assert m, out
    stop_bg(b, name)
    res, _ = mt_result(b, name)
    # what a failure needs to be understood: the hypervisor's counters
    res["stats"] = shell(b, "shroudctl stats", ok=False)[1]
    return int(m.group(2)), int(m.group(1)), res, prot


# Issue 11's open bug: in about one race in ten here (and in CI) the owner
# is left reading ciphertext-like data in its first page for the rest of
# the run, without faulting, or the VM resets during the race.  No read
# has found plaintext in any such run.  Its cause is not found; the
# README's limits list it.  The confidentiality assertions stay strict;
# the owner's integrity and the VM's survival are reported as a known
# failure with the evidence (stress mt's moved/bad_pfn fields, the
# hypervisor's counters and log), not hidden.
KNOWN_RACE_BUG = "issue 11: owner data altered / VM reset in the shootdown race"


def test_race_attacker_reads_while_owner_evicts(rb):
    try:
        hits, reads, res, prot = race(rb, "race", "")
    except BootError as e:
        pytest.xfail("%s: the VM ended during the race:\n%s"
                     % (KNOWN_RACE_BUG, e))
    assert prot == "yes", res
    assert reads > 0, "the attacker never read"
    assert hits == 0, "%d of %d reads from CPU 1 found plaintext" % (
        hits, reads)
    assert res["passes"] > 0, res
    if res["bad"]:
        pytest.xfail("%s: %s\n%s" % (KNOWN_RACE_BUG, res, rb.hv.tail()))
    assert str(res["cpus"]) == "0", res
    vm_alive(rb, "after the shootdown race")
    # the owner was right: so must the hypervisor's own checks have been
    assert "self_check = yes" in rb.hv.text, "the self-check was not on"
    bad = [l for l in rb.hv.text.splitlines()
           if "check:" in l and "watching" not in l or
           "host page-table entry" in l]
    assert not bad, "self-check violations:\n" + "\n".join(bad)
