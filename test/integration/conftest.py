"""test/integration/conftest.py - fixtures that boot the real image in QEMU
(TCG) through scripts/qemu.py.

Boots are expensive (15-60 s each under TCG), so they are module-scoped
and shared: one Shroud boot with an interactive shell serves most tests,
and a handful of control boots prove that the checks can fail.  Every boot
is bounded (BOOT_TIMEOUT) and closed by its fixture; scripts/qemu.py also
kills QEMU and swtpm at exit, on SIGTERM, and when this process dies.
Logs of each boot stay in build/test-logs/<name>/ (console.log, hv.log,
qemu.log, qemu.cmd).
"""
import os
import re
import shutil
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "scripts"))

import qemu  # noqa: E402,F401  (also for the test modules)

BOOT_TIMEOUT = int(os.environ.get("SHROUD_BOOT_TIMEOUT", "240"))
LOG_ROOT = os.path.join(TOP, "build", "test-logs")

# The hypervisor's log lines (core/).
HV_BANNER_RE = r"Shroud hypervisor v(\d+\.\d+\.\d+) \(ABI (\d+)\.(\d+)\)"
HV_CPU_RE = r"cpu: [^\r\n]+"
HV_MEM_RE = (r"mem: reserved \[(0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\) "
             r"(\d+) MiB")
CANARY = "SHROUD-HV-CANARY"


def wait_for(predicate, timeout, what, interval=0.2, detail=None):
    """Poll predicate() until it returns something true; return that.
    Fails the test after timeout seconds with a message naming what was
    waited for (and detail(), or the last value, for the state seen).
    The interval only paces the polling: every wait ends on its state."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() >= deadline:
            seen = detail() if detail is not None else got
            pytest.fail("timed out after %ss waiting for %s; last seen:\n%s"
                        % (timeout, what, seen))
        time.sleep(interval)


def abi_header_version():
    """(major, minor) from include/shroud/abi.h, the guest's build."""
    with open(os.path.join(TOP, "include", "shroud", "abi.h")) as f:
        text = f.read()
    return tuple(re.search(r"#define SHROUD_ABI_%s\s+(\d+)u" % k,
                           text).group(1) for k in ("MAJOR", "MINOR"))


def log_dir(name):
    d = os.path.join(LOG_ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def start_boot(name, **kw):
    """Start a boot or fail with the reason; return the Boot."""
    for path in (qemu.ESP_IMG, qemu.KERNEL, qemu.INITRAMFS):
        if kw.get("mode") != "direct" or path != qemu.ESP_IMG:
            assert os.path.exists(path), "%s missing: run make" % path
    b = qemu.Boot(log_dir=log_dir(name), **kw)
    b.start()
    return b


def shell_boot(name, **kw):
    """A boot that ends in init's interactive shell, ready for b.sh()."""
    b = start_boot(name, **kw)
    try:
        b.wait_init(BOOT_TIMEOUT)
        b.wait_shell(120)
    except BaseException:
        b.close()
        raise
    return b


def reserved_range(boot):
    """(start, end) of the hypervisor's reserved memory, from its log."""
    m = re.search(HV_MEM_RE, boot.hv.text)
    assert m, "no 'mem: reserved' line in the hypervisor log"
    return int(m.group(1), 16), int(m.group(2), 16)


def dev_mem_scan(boot, start, end, needle, timeout=300):
    """Read [start, end) through /dev/mem in the guest (dd, bs=4096);
    return (bytes read, number of lines of the dump holding needle, the
    shell's output, which also has the line count of `hexdump -C` and its
    first lines)."""
    assert start % 4096 == 0 and end % 4096 == 0 and end > start
    skip, count = start // 4096, (end - start) // 4096
    rc, out = boot.sh(
        "dd if=/dev/mem of=/tmp/range.bin bs=4096 skip=%d count=%d "
        "2>/tmp/dd.err; echo dd_rc=$?; cat /tmp/dd.err; "
        "echo bytes=$(wc -c < /tmp/range.bin); "
        "echo hits=$(grep -a -c %s /tmp/range.bin); "
        "echo dump_lines=$(hexdump -C /tmp/range.bin | wc -l); "
        "hexdump -C /tmp/range.bin | head -n 4; rm -f /tmp/range.bin"
        % (skip, count, needle), timeout=timeout)
    assert rc == 0, out
    got = int(re.search(r"bytes=(\d+)", out).group(1))
    hits = int(re.search(r"hits=(\d+)", out).group(1))
    return got, hits, out


@pytest.fixture(scope="session")
def shroud(request):
    """One Shroud boot (virtualize = yes) with the guest's shell, shared by
    every test that only looks (test_shroud.py runs its intrusive checks
    last)."""
    b = shell_boot("shroud", mode="shroud")
    yield b
    b.close()
