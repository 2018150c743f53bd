"""test/integration/protect_helpers.py - helpers of the protected-memory
tests (test_protect*.py): the marker rule of guest/tools/marker.h, the
expected figures of protect-demo and prompt-guard computed on the host,
background guest programs driven through the shell of a shared boot, and
host-side dumps of all guest RAM (QMP stop + pmemsave + cont, so that the
dump is one instant).

The secret markers are "SHROUD-SECRET-MARKER-" + six digits.  The prefix
exists in plaintext in guest RAM only inside protected memory: no guest
binary holds it, the prompt is sealed, memscan matches XORed bytes, and
nothing here sends it to the guest.  So a dump may be searched for the
prefix alone.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import (BOOT_TIMEOUT, log_dir, qemu, shell_boot,  # noqa: F401
                      wait_for)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PREFIX = b"SHROUD-" + b"SECRET-MARKER-"
FILL = b"abcdefghijklmnopqrstuvwxyz0123456789"
PROMPT_TXT = os.path.join(TOP, "build", "guest", "prompt.txt")
SEALED = "/usr/share/shroud/prompt.sealed"
KEY = "/usr/share/shroud/prompt.key"
PRELOAD = "LD_PRELOAD=/usr/lib/shroud-malloc.so"
# The hypervisor's default clear working set (mm/ws.h WS_DEFAULT_W).
WS_DEFAULT = int(os.environ.get("SHROUD_TEST_WS", "8"))
# An ESP to boot instead of build/esp.img (e.g. one with an initramfs
# carrying the guest-lib programs before mk/guest.mk is wired).
ESP = os.environ.get("SHROUD_PROTECT_ESP", qemu.ESP_IMG)
GUEST_PROGS = ("protect-demo", "memscan", "tamper", "hcfuzz", "prompt-guard",
               "prompt-guard-dyn", "mt_test", "pbench", "xmmcheck", "remapcheck")


def demo_secret(pages, seed=0):
    """The bytes protect-demo generates (guest/tools/protect-demo.c)."""
    out = bytearray()
    for r in range(pages * 64):
        out += PREFIX + b"%06d" % ((seed + r) % 1000000) + b" "
        out += bytes(FILL[(r + j) % 36] for j in range(35)) + b"\n"
    return bytes(out)


def demo_expect(pages, seed=0):
    s = demo_secret(pages, seed)
    return {"chars": len(s), "lines": s.count(b"\n"),
            "sha256": hashlib.sha256(s).hexdigest()}


def prompt_expect():
    """prompt-guard's figures for the build's test prompt."""
    with open(PROMPT_TXT, "rb") as f:
        d = f.read()
    low = d.lower()
    fig = {"bytes": len(d), "chars": len(d.decode("utf-8")),
           "lines": d.count(b"\n"), "words": len(d.split()),
           "headings": sum(1 for ln in d.split(b"\n") if ln.startswith(b"#")),
           "sha256": hashlib.sha256(d).hexdigest()}
    for kw in ("system", "user", "must", "never"):
        fig["kw_" + kw] = low.count(kw.encode())
    assert d.count(PREFIX) >= 8, "test prompt has too few markers"
    return fig


def figures(line):
    """'k=v k=v ...' -> dict (ints where they are ints)."""
    out = {}
    for k, v in re.findall(r"(\w+)=(\S+)", line):
        out[k] = int(v) if v.isdigit() else v
    return out


def shell(boot, cmd, timeout=180, ok=True):
    rc, out = boot.sh(cmd, timeout=timeout)
    if ok:
        assert rc == 0, "guest command failed (rc=%d): %s\n%s" % (rc, cmd, out)
    return rc, out


def proc_states(boot, pids):
    """{pid: 'S (sleeping)' ... from /proc/PID/status, or 'gone'} in one
    guest command; a zombie ('Z (zombie)') has exited but is not reaped."""
    _, out = shell(boot, "for p in %s; do s=$(grep '^State:' /proc/$p/status "
                   "2>/dev/null | cut -f2); echo \"P$p=${s:-gone}\"; done"
                   % " ".join(str(p) for p in pids), ok=False)
    return {int(m.group(1)): m.group(2).strip()
            for m in re.finditer(r"^P(\d+)=(.*)$", out, re.M)}


def _exited(state):
    return state == "gone" or state.startswith("Z")


def wait_sleeping(boot, pids, timeout=120):
    """Wait until every pid ({name: pid} or a list) is asleep, 'State: S
    (sleeping)' in /proc/PID/status (pause(), nanosleep, ...)."""
    names = pids if isinstance(pids, dict) else {str(p): p for p in pids}
    seen = {}

    def asleep():
        seen.update(proc_states(boot, names.values()))
        return all(seen.get(p, "").startswith("S") for p in names.values())
    wait_for(asleep, timeout, "%s to be asleep (State: S in /proc/PID/status)"
             % ", ".join("%s (pid %d)" % kv for kv in names.items()),
             detail=lambda: seen)


def wait_exited(boot, pid, timeout, what):
    """Wait until pid has exited (no /proc/PID, or a zombie: its memory is
    released either way)."""
    seen = {}

    def gone():
        seen.update(proc_states(boot, [pid]))
        return _exited(seen.get(pid, "gone"))
    wait_for(gone, timeout, "%s (pid %d) to exit" % (what, pid),
             detail=lambda: seen)


def start_bg(boot, name, cmd, ready, timeout=180):
    """Start cmd in the background in the guest, output in /tmp/NAME.out;
    wait until a line matches the regex ready; return (pid, output).
    Fails at once if the program reports a failure or exits first."""
    shell(boot, "rm -f /tmp/%s.out; %s > /tmp/%s.out 2>&1 & echo $! > "
          "/tmp/%s.pid" % (name, cmd, name, name))
    last = {"out": ""}

    def is_ready():
        # The state first: a program seen dead has written all its output.
        _, out = shell(boot, "p=$(cat /tmp/%s.pid); s=$(grep '^State:' "
                       "/proc/$p/status 2>/dev/null | cut -f2); cat /tmp/%s.out;"
                       " echo PID=$p; echo \"STATE=${s:-gone}\""
                       % (name, name), ok=False)
        last["out"] = out
        if re.search(ready, out, re.M):
            return out
        if re.search(r"usage:|: allocation|failed", out):
            pytest.fail("%s failed:\n%s" % (name, out))
        st = re.search(r"^STATE=(.*)$", out, re.M)
        if "PID=" in out and st and _exited(st.group(1)):
            pytest.fail("%s exited before printing %r:\n%s"
                        % (name, ready, out))
        return None
    out = wait_for(is_ready, timeout, "%s (%s) to print a line matching %r "
                   "in /tmp/%s.out" % (name, cmd, ready, name),
                   detail=lambda: last["out"])
    return int(re.search(r"PID=(\d+)", out).group(1)), out


def bg_output(boot, name):
    return shell(boot, "cat /tmp/%s.out" % name, ok=False)[1]


def stop_bg(boot, name, timeout=120):
    """SIGTERM the background program NAME and wait until it has exited."""
    _, out = shell(boot, "p=$(cat /tmp/%s.pid); kill $p 2>/dev/null; "
                   "echo PID=$p" % name, ok=False)
    m = re.search(r"PID=(\d+)", out)
    assert m, "no pid file for %s:\n%s" % (name, out)
    wait_exited(boot, int(m.group(1)), timeout, "%s after SIGTERM" % name)


RECHECK_RE = re.compile(r"^demo: recheck[^\n]*\n", re.M)


def recheck(boot, name, pid, timeout=180):
    """SIGUSR1 to the background protect-demo NAME; wait for the complete
    'demo: recheck ...' line it prints for it; return (its whole output,
    that line)."""
    before = len(RECHECK_RE.findall(bg_output(boot, name)))
    shell(boot, "kill -USR1 %d" % pid)
    last = {"out": ""}

    def printed():
        out = last["out"] = bg_output(boot, name)
        lines = RECHECK_RE.findall(out)
        return (out, lines[-1].strip()) if len(lines) > before else None
    return wait_for(printed, timeout, "protect-demo %s (pid %d) to print "
                    "recheck line %d ('demo: recheck ...') after SIGUSR1"
                    % (name, pid, before + 1), detail=lambda: last["out"])


def cpu_ticks(boot, pid):
    """utime + stime of pid (clock ticks) from /proc/PID/stat."""
    _, out = shell(boot, "cat /proc/%d/stat" % pid)
    fields = out.rsplit(")", 1)[1].split()     # fields 3.. (state first)
    return int(fields[11]) + int(fields[12])


def memscan(boot, pid, extra="", cpu=None):
    """Root scan of pid (from CPU cpu, taskset, if given): {method:
    figures} for mem and vm."""
    rc, out = shell(boot, "%smemscan %s %d" % (
        "" if cpu is None else "taskset -c %d " % cpu, extra, pid), ok=False)
    assert rc in (0, 3), "memscan failed (rc=%d):\n%s" % (rc, out)
    res = {}
    for line in out.splitlines():
        if line.startswith("memscan: method="):
            f = figures(line)
            res[f["method"]] = f
    assert set(res) == {"mem", "vm"}, out
    return res, out


def mem_bytes(boot):
    m = re.match(r"(\d+)([MG])", boot.memory)
    return int(m.group(1)) << (20 if m.group(2) == "M" else 30)


def dump_ram_file(boot, name):
    """All guest-physical RAM at one instant (VM stopped during the
    pmemsave) into the file NAME.ram of the boot's logs; its path (the
    caller removes it)."""
    path = os.path.join(boot.log_dir, name + ".ram")
    boot.qmp("stop")
    try:
        boot.qmp("pmemsave", timeout=300, val=0, size=mem_bytes(boot),
                 filename=path)
    finally:
        boot.qmp("cont")
    return path


def dump_ram(boot, name):
    """dump_ram_file's bytes; the file is removed afterwards."""
    path = dump_ram_file(boot, name)
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


KEY_RE = re.compile(r"FOUND POSSIBLE (\d+)-BIT KEY AT BYTE ([0-9a-fA-F]+)"
                    r"\s+KEY: ([0-9a-fA-F]+)")


def aeskeyfind(path, timeout=900):
    """[(bits, offset, key hex)] that Debian's aeskeyfind -v finds in the
    RAM image at path (the cold-boot key search)."""
    if shutil.which("aeskeyfind") is None:
        pytest.fail("aeskeyfind is not installed (scripts/setup.sh PKGS)")
    r = subprocess.run(["aeskeyfind", "-v", "-q", path], capture_output=True,
                       timeout=timeout)
    out = r.stdout.decode("latin-1")
    assert r.returncode == 0, "aeskeyfind failed (rc=%d): %s" % (
        r.returncode, r.stderr.decode("latin-1")[-2000:])
    return [(int(b), int(o, 16), k.lower()) for b, o, k in KEY_RE.findall(out)]


def marker_hits(data):
    """(number of marker prefixes, sorted distinct 4 KiB frames holding
    one, a few sample hits with their address)."""
    offs = [m.start() for m in re.finditer(re.escape(PREFIX), data)]
    frames = sorted({o >> 12 for o in offs})
    samples = ["0x%x: %r" % (o, data[o:o + 27]) for o in offs[:4]]
    return len(offs), frames, samples


def programs_boot(name, **kw):
    """A shell boot (conftest.shell_boot) whose initramfs has the guest
    programs, for a module fixture; closed again if it has not."""
    b = shell_boot(name, **kw)
    try:
        guest_has_programs(b)
    except BaseException:
        b.close()
        raise
    return b


def guest_has_programs(boot):
    rc, out = shell(boot, "for p in %s; do command -v $p >/dev/null || "
                    "echo MISSING:$p; done; ls /usr/lib/shroud-malloc.so "
                    "/opt/gnu/bin/ls %s" % (" ".join(GUEST_PROGS), SEALED),
                    ok=False)
    assert "MISSING" not in out and rc == 0, (
        "the guest image lacks the guest-lib programs (mk/guest-lib.mk's "
        "GUEST_EXTRA_PROGS/GUEST_EXTRA_FILES are not in the initramfs):\n"
        + out)


# ---- a guest that the hypervisor might have stopped -------------------------
# The attack tests (test_dos, test_isolation, test_stress, test_tamper_host,
# test_intercepts) run commands in a guest whose hypervisor an attack could
# stop: these helpers give up at once when the hypervisor log shows FATAL,
# and fail with its report instead of waiting out a timeout.

FATAL_RE = re.compile(r"FATAL|PANIC|guest stopped")
OOPS_RE = re.compile(r"Kernel panic|Oops|BUG: | \[#\d+\]")   # oops: [#1]


def hv_fatal(b):
    """'' or the hypervisor's FATAL report: prot/warn lines before it and
    the text after it (waits, bounded, for its dump to end)."""
    if b.hv is None or not FATAL_RE.search(b.hv.text):
        return ""
    deadline = time.monotonic() + 10
    while (not re.search(r"FATAL: cpu \d+ halted", b.hv.text)
           and time.monotonic() < deadline and b.alive()):
        with b.hv.cond:
            b.hv.cond.wait(0.2)
    text = b.hv.text
    at = FATAL_RE.search(text).start()
    before = [ln for ln in text[:at].splitlines()
              if "prot" in ln or "warn" in ln.lower()][-8:]
    return "\n".join(before) + "\n" + text[at:at + 4000]


def assert_no_fatal(b, what):
    rep = hv_fatal(b)
    assert not rep, "%s: the hypervisor stopped the VM:\n%s" % (what, rep)


def guest_sh(b, cmd, timeout=120, on_fail=None):
    """b.sh(cmd), but fails at once (with the hypervisor's lines and the end
    of the console) when the hypervisor log shows FATAL or QEMU is gone: a
    stopped guest never answers.  on_fail() runs before such a failure."""
    def alive():
        return b.alive() and not (b.hv is not None and
                                  FATAL_RE.search(b.hv.text))

    rep = hv_fatal(b)
    assert not rep, "VM stopped before %r:\n%s" % (cmd[:200], rep)
    b.send("echo @@SH_BEG''IN@@; ( %s\n); echo \"@@SH_RC=$?@@\"\n" % cmd)
    try:
        b.console.expect(r"@@SH_BEGIN@@\r?\n", timeout, alive=alive)
        start = b.console.pos
        m = b.console.expect(r"@@SH_RC=(\d+)@@", timeout, alive=alive)
        out = b.console.text[start:m.start()].replace("\r", "")
        b.console.expect(re.escape(qemu.PROMPT), 30, alive=alive)
    except qemu.BootError as e:
        if on_fail:
            on_fail()
        rep = hv_fatal(b)
        pytest.fail("guest command %r did not finish (%s)\n%s\nconsole:\n%s"
                    % (cmd[:200], "the hypervisor stopped the VM" if rep
                       else "no answer", rep or str(e)[-2000:],
                       b.console.tail(2000)))
    return int(m.group(1)), out


def vm_alive(b, what, oops=False, sh=guest_sh):
    """The VM still runs: no FATAL in the hypervisor log; under Shroud
    `shroudctl status` (CPUID + VMMCALL) returns 0; a later command runs;
    with oops=True, no kernel oops or panic on the console either."""
    assert_no_fatal(b, what)
    if b.mode == "shroud":
        rc, out = sh(b, "shroudctl status", timeout=60)
        assert rc == 0 and "Shroud hypervisor" in out, (
            "%s: shroudctl status rc=%d:\n%s" % (what, rc, out))
    rc, out = sh(b, "echo alive-$((6 * 7))", timeout=60)
    assert rc == 0 and "alive-42" in out, out
    if oops:
        m = OOPS_RE.search(b.console.text)
        assert not m, "%s: the guest kernel reported:\n%s" % (
            what, b.console.text[max(0, m.start() - 300):m.start() + 1500])
    assert_no_fatal(b, what)


def hv_stats(b, sh=guest_sh):
    """`shroudctl --json stats` as a dict."""
    rc, out = sh(b, "shroudctl --json stats")
    assert rc == 0, out
    return json.loads(out[out.index("{"):out.rindex("}") + 1])
