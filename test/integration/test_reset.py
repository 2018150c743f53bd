"""test/integration/test_reset.py - a warm reset leaves neither keys nor
plaintext of protected memory in DRAM (issue 8 item 9).

A warm reset keeps DRAM: whatever the hypervisor held in clear (the owners'
working sets, its AES key schedules, the master key, the DRBG) would be
there for the next thing that boots, or for whoever reads the DIMMs.  The
hypervisor (core/vexit.c core_reset, prot/protect.c prot_wipe_for_reset)
intercepts the reset ports (0xCF9 RST_CPU, which is also q35's ACPI reset
register; keyboard controller command 0xFE; port 0x92 bit 0) and the triple
fault, zeroes every clear protected frame and every key, then resets.

Each boot here is a Boot(reset_pause=True) (scripts/qemu.py: `-action
reboot=shutdown,shutdown=pause`): the reset stops the VM instead of
rebooting it, with RAM as the reset left it, and QMP pmemsave dumps all
guest-physical RAM - which is all of the machine's RAM, the hypervisor's
reserved memory included.  In the guest a protected owner computes
(`protect-demo --busy --pages 32`: its clear working set holds markers
while it runs); once it has had some CPU time, the shell resets the
machine (`echo b > /proc/sysrq-trigger`: emergency_restart, the ACPI reset
register first, i.e. OUT 0xCF9 with bit 2) while the owner still runs.

  test_reset_wipes_keys_and_clear_frames   reset_wipe = yes (default): the
                   hypervisor logs "reset after wiping keys and clear
                   frames", the dump holds no marker, and aeskeyfind finds
                   no AES key schedule in it.
                   Since issue 9 the keys live in CPU registers, so the
                   real image has no key schedule to leave behind; the
                   two tests below use the control image with keys in RAM
                   (build/esp-keysram.img, SHROUD_KEYS_IN_RAM=1) to show
                   that the wipe itself removes keys held in memory.
  test_reset_wipes_keys_in_ram     keys-in-RAM image, reset_wipe = yes: no
                   marker, no AES key schedule.
  test_control_reset_leaves_keys   keys-in-RAM image, reset_wipe = no
                   (testing only), same steps: the hypervisor logs
                   "WITHOUT wiping", and aeskeyfind finds the hypervisor's
                   key schedules in the dump (at least one; the markers of
                   the owner's working set are counted and reported).
                   Without this the tests above would prove nothing.

Three boots (module-scoped, one per mode); each ends in its reset.  Nothing
waits a fixed time: every wait polls (CPU ticks of the owner, QMP
query-status for the pause, the hypervisor log), bounded.
"""
import os
import re

import pytest

from conftest import reserved_range, shell_boot, wait_for
from protect_helpers import (ESP, aeskeyfind, cpu_ticks, guest_has_programs,
                             marker_hits, shell, start_bg)

PAGES, SEED = 32, 9100
# CPU time the busy owner has computed before the reset (USER_HZ = 100).
BUSY_TICKS = 30
# How the guest resets the machine (SHROUD_RESET_VIA):
#   serial  a BREAK then 'b' on the console's serial line: the magic SysRq
#           reboot in the serial interrupt, which arrives while the busy
#           owner is the task on the CPU (the shell is idle): the reset
#           comes with the owner's working set in clear (default)
#   proc    the shell: echo b > /proc/sysrq-trigger (the owner is off the
#           CPU then, its working set already re-encrypted)
#   reboot  the shell: reboot -f (reboot(2), LINUX_REBOOT_CMD_RESTART)
RESET_VIA = os.environ.get("SHROUD_RESET_VIA", "serial")
RESET_SHELL = {"proc": "echo b > /proc/sysrq-trigger", "reboot": "reboot -f"}
WIPE_LINE = ("cpu 0: the guest resets the machine: reset after wiping "
             "keys and clear frames")
NOWIPE_LINE = ("cpu 0: the guest resets the machine: reset WITHOUT wiping "
               "(reset_wipe = no, testing only)")
RESET_RE = re.compile(r"[^\n]*the guest resets the machine[^\n]*|"
                      r"[^\n]*guest shutdown \(triple fault\)[^\n]*")
CONTROL_ESP = os.path.join(os.path.dirname(ESP), "esp-keysram.img")


def reset_run(name, cfg, esp=ESP):
    """Boot (reset_pause), start the busy owner, let it compute, reset the
    machine from the guest while it runs, wait for the pause, dump RAM and
    look at it.  Returns a dict of what was seen."""
    b = shell_boot(name, mode="shroud", esp=esp, cfg=cfg, reset_pause=True)
    try:
        guest_has_programs(b)
        pid, out = start_bg(b, "busy", "protect-demo --busy --pages %d "
                            "--seed %d" % (PAGES, SEED), r"^demo: ok")
        assert "protected=yes" in out, out
        t0 = cpu_ticks(b, pid)
        ticks = wait_for(lambda: (lambda t: t if t >= t0 + BUSY_TICKS
                                  else None)(cpu_ticks(b, pid)), 120,
                         "the busy owner (pid %d) to reach %d clock ticks of "
                         "CPU time" % (pid, t0 + BUSY_TICKS))
        _, st = shell(b, "grep '^State:' /proc/%d/status" % pid)
        assert "R (running)" in st, ("the owner is not running before the "
                                     "reset: %s" % st)
        if RESET_VIA == "serial":
            b.send_break()
            b.send("b")
        elif RESET_VIA in RESET_SHELL:
            b.send(RESET_SHELL[RESET_VIA] + "\n")
        else:
            pytest.fail("SHROUD_RESET_VIA=%r: serial, proc or reboot"
                        % RESET_VIA)
        status = b.wait_paused(120)
        m = b.expect_hv(RESET_RE, 30)
        reset_line = m.group(0).strip()
        lo, hi = reserved_range(b)
        path = os.path.join(b.log_dir, "reset.ram")
        b.pmemsave(path)
        try:
            with open(path, "rb") as f:
                data = f.read()
            n, frames, samples = marker_hits(data)
            keys = aeskeyfind(path)
        finally:
            os.unlink(path)
        res = {"status": status, "reset_line": reset_line,
               "via": RESET_VIA, "size": len(data),
               "want_size": b.memory, "markers": n, "frames": frames,
               "samples": samples, "keys": keys, "hv_range": (lo, hi),
               "ticks": ticks - t0,
               "frames_in_hv": [f for f in frames if lo <= f << 12 < hi],
               "keys_in_hv": [k for k in keys if lo <= k[1] < hi]}
        with open(os.path.join(b.log_dir, "reset-findings.txt"), "w") as f:
            f.write(describe(res) + "\n")
        return res
    finally:
        b.close()


def describe(r):
    lo, hi = r["hv_range"]
    return ("reset via %s: VM %s after it (owner ran %d ticks); "
            "hypervisor: %r; "
            "dump %d bytes: %d markers in %d frames (%d in the hypervisor's "
            "[0x%x-0x%x)), first %s; aeskeyfind: %d keys (%d in the "
            "hypervisor's memory): %s"
            % (r["via"], r["status"], r["ticks"], r["reset_line"],
               r["size"],
               r["markers"], len(r["frames"]), len(r["frames_in_hv"]), lo,
               hi, r["samples"], len(r["keys"]), len(r["keys_in_hv"]),
               ["%d-bit at 0x%x" % (bits, off)
                for bits, off, _ in r["keys"]]))


@pytest.fixture(scope="module")
def wiped():
    return reset_run("reset-wipe", {})


@pytest.fixture(scope="module")
def wiped_ram():
    return reset_run("reset-wipe-keysram", {}, esp=CONTROL_ESP)


@pytest.fixture(scope="module")
def control():
    return reset_run("reset-nowipe-keysram", {"reset_wipe": "no"},
                     esp=CONTROL_ESP)


def _common(r):
    msg = describe(r)
    assert r["status"] == "shutdown", msg
    assert r["size"] == 512 << 20, msg
    return msg


def test_reset_wipes_keys_and_clear_frames(wiped):
    msg = _common(wiped)
    print(msg)
    assert WIPE_LINE in wiped["reset_line"], msg
    assert wiped["markers"] == 0, (
        "plaintext of the protected owner survived the reset: " + msg)
    assert wiped["keys"] == [], (
        "AES key schedules survived the reset: " + msg)


def test_reset_wipes_keys_in_ram(wiped_ram):
    msg = _common(wiped_ram)
    print(msg)
    assert WIPE_LINE in wiped_ram["reset_line"], msg
    assert wiped_ram["markers"] == 0, msg
    assert wiped_ram["keys"] == [], (
        "AES key schedules in RAM survived the reset: " + msg)


def test_control_reset_leaves_keys(control):
    msg = _common(control)
    print(msg)
    assert NOWIPE_LINE in control["reset_line"], msg
    # The control must find what the wipe removes, or the test above
    # proves nothing.
    assert len(control["keys"]) >= 1, (
        "the control (reset_wipe = no) finds no AES key schedule in the "
        "dump: the wipe test proves nothing: " + msg)
