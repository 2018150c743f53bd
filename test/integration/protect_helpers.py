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
import os
import re
import time

import pytest

from conftest import BOOT_TIMEOUT, log_dir, qemu  # noqa: F401

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


def start_bg(boot, name, cmd, ready, timeout=180):
    """Start cmd in the background in the guest, output in /tmp/NAME.out;
    wait until a line matches the regex ready; return (pid, output)."""
    shell(boot, "rm -f /tmp/%s.out; %s > /tmp/%s.out 2>&1 & echo $! > "
          "/tmp/%s.pid" % (name, cmd, name, name))
    deadline = time.monotonic() + timeout
    while True:
        _, out = shell(boot, "cat /tmp/%s.out; echo PID=$(cat /tmp/%s.pid)"
                       % (name, name), ok=False)
        if re.search(ready, out, re.M):
            return int(re.search(r"PID=(\d+)", out).group(1)), out
        if "PID=" in out and time.monotonic() > deadline:
            pytest.fail("%s not ready within %ss:\n%s" % (name, timeout, out))
        if re.search(r"usage:|: allocation|failed", out):
            pytest.fail("%s failed:\n%s" % (name, out))
        time.sleep(2)


def bg_output(boot, name):
    return shell(boot, "cat /tmp/%s.out" % name, ok=False)[1]


def stop_bg(boot, name):
    shell(boot, "kill $(cat /tmp/%s.pid) 2>/dev/null; sleep 1; true" % name,
          ok=False)


def memscan(boot, pid, extra=""):
    """Root scan of pid: {method: figures} for mem and vm."""
    rc, out = shell(boot, "memscan %s %d" % (extra, pid), ok=False)
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


def dump_ram(boot, name):
    """All guest-physical RAM at one instant (VM stopped during the
    pmemsave); returns the bytes.  The file is removed afterwards."""
    path = os.path.join(boot.log_dir, name + ".ram")
    boot.qmp("stop")
    try:
        boot.qmp("pmemsave", timeout=300, val=0, size=mem_bytes(boot),
                 filename=path)
    finally:
        boot.qmp("cont")
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


def marker_hits(data):
    """(number of marker prefixes, sorted distinct 4 KiB frames holding
    one, a few sample hits with their address)."""
    offs = [m.start() for m in re.finditer(re.escape(PREFIX), data)]
    frames = sorted({o >> 12 for o in offs})
    samples = ["0x%x: %r" % (o, data[o:o + 27]) for o in offs[:4]]
    return len(offs), frames, samples


def guest_has_programs(boot):
    rc, out = shell(boot, "for p in %s; do command -v $p >/dev/null || "
                    "echo MISSING:$p; done; ls /usr/lib/shroud-malloc.so "
                    "/opt/gnu/bin/ls %s" % (" ".join(GUEST_PROGS), SEALED),
                    ok=False)
    assert "MISSING" not in out and rc == 0, (
        "the guest image lacks the guest-lib programs (mk/guest-lib.mk's "
        "GUEST_EXTRA_PROGS/GUEST_EXTRA_FILES are not in the initramfs):\n"
        + out)
