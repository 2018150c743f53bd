"""test/integration/test_goserver.py - issue 12: the user's own scenario in
Go.  prompt-server (guest/go/cmd/prompt-server, on the Go package
guest/go/shroud) decrypts the sealed test prompt straight into protected
memory and analyses it on every GET /data; a load loop hits /data the way
the seed's monitor_api.sh did while root scans the server the way the
seed's test_memory_simple.sh did (every readable region through
/proc/PID/mem, the Go heap and all goroutine stacks included, with the
garbage collector running: GOGC=10) and the host dumps all guest RAM.

  protected (one shared boot, in this order)
    test_server_answers_ok             /healthz and /data answer ok; the
                                       figures are the prompt's
    test_seed_scan_under_load_finds_nothing
                                       the seed-style scan ("Role and
                                       Context") and memscan (the marker
                                       prefix, through /proc/PID/mem and
                                       process_vm_readv) find 0, having read
                                       the protected range whole, while the
                                       load runs and the collector cycles
    test_dump_under_load_bounded       host dumps during the load: at most
                                       the server's clear working set
    test_dump_idle_finds_nothing       host dump with the server idle: 0
    test_server_stops_clean            SIGTERM: every /data computed the
                                       same figures (0 mismatches), exit 0
  control (protection off, last: its plaintext stays in freed RAM)
    test_control_finds_the_prompt      the same server with -no-protect: the
                                       seed scan, memscan and the dump all
                                       find the prompt
"""
import json
import re

import pytest

from conftest import wait_for
from protect_helpers import (ESP, KEY, PROMPT_TXT, SEALED, WS_DEFAULT,
                             dump_ram, figures, marker_hits, memscan,
                             programs_boot, prompt_expect, shell, start_bg,
                             stop_bg, wait_exited, wait_sleeping)

PORT, CONTROL_PORT = 8080, 8081
# The seed's needle: the first heading of the test prompt (mkprompt.py).
SEED_NEEDLE = "Role and Context"
SERVER = ("GOGC=10 prompt-server -addr 127.0.0.1:%%d -key-file %s %%s %s"
          % (KEY, SEALED))
READY = r"^prompt-server: listening on "
# Dumps taken while the load runs.
LOAD_DUMPS = 3


def go_expect():
    """prompt-server's figures for the build's test prompt: prompt-guard's
    counts (protect_helpers.prompt_expect) and FNV-1a 64 of the bytes."""
    want = prompt_expect()
    del want["sha256"]
    with open(PROMPT_TXT, "rb") as f:
        h = 0xcbf29ce484222325
        for c in f.read():
            h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    want["fnv1a"] = "%016x" % h
    return want


def get(boot, port, path):
    rc, out = shell(boot, "wget -q -O- http://127.0.0.1:%d%s" % (port, path),
                    ok=False)
    return rc, out.strip()


def server_stats(boot, port):
    rc, out = get(boot, port, "/stats")
    assert rc == 0, out
    return json.loads(out[out.index("{"):])


def start_monitor(boot, port):
    """The seed's monitor_api.sh: /data hit continuously, a new client
    process per request, in the background."""
    shell(boot, "(while :; do wget -q -O /dev/null http://127.0.0.1:%d/data;"
          " done) >/dev/null 2>&1 & echo $! > /tmp/monitor.pid" % port)
    first = server_stats(boot, port)["requests"]
    wait_for(lambda: server_stats(boot, port)["requests"] > first + 3, 120,
             "the load loop to reach the server on port %d" % port)


def stop_monitor(boot):
    _, out = shell(boot, "cat /tmp/monitor.pid")
    pid = int(out.strip())
    shell(boot, "kill %d" % pid)
    wait_exited(boot, pid, 60, "the load loop")


def seed_scan(boot, pid):
    """scan-memory-simple.sh's figures and output for pid."""
    rc, out = shell(boot, "scan-memory-simple.sh %d '%s'" % (pid, SEED_NEEDLE),
                    timeout=600, ok=False)
    assert rc in (0, 3), "the seed-style scan failed (rc=%d):\n%s" % (rc, out)
    m = re.search(r"^scan: .*$", out, re.M)
    assert m, out
    return figures(m.group(0)), out


def unread_regions(out):
    """[(start, end)] of the regions the seed-style scan could not read."""
    return [(int(a, 16), int(b, 16)) for a, b in
            re.findall(r"^\[WARN\] read \d+ of \d+ bytes of region "
                       r"([0-9a-f]+)-([0-9a-f]+)$", out, re.M)]


@pytest.fixture(scope="module")
def gb():
    b = programs_boot("goserver", mode="shroud", esp=ESP)
    rc, out = shell(b, "command -v prompt-server scan-memory-simple.sh",
                    ok=False)
    if rc != 0:
        b.close()
        pytest.fail("the guest image lacks prompt-server or "
                    "scan-memory-simple.sh (mk/guest-libgo.mk):\n" + out)
    yield b
    b.close()


@pytest.fixture(scope="module")
def server(gb):
    """The protected server: {pid, addr, len, out}."""
    pid, out = start_bg(gb, "gosrv", SERVER % (PORT, ""), READY)
    m = re.search(r"^prompt-server: pid=(\d+) addr=0x([0-9a-f]+) len=(\d+) "
                  r"protected=(\w+) policy=(\S+)", out, re.M)
    assert m, out
    return {"pid": pid, "addr": int(m.group(2), 16), "len": int(m.group(3)),
            "protected": m.group(4), "policy": m.group(5), "out": out}


# ---- protected --------------------------------------------------------------

def test_server_answers_ok(gb, server):
    assert server["protected"] == "yes", server["out"]
    assert server["policy"] == "owner-user", server["out"]
    assert get(gb, PORT, "/healthz") == (0, "ok")
    assert get(gb, PORT, "/data") == (0, "ok")
    got = figures(re.search(r"^prompt-server: bytes=.*$", server["out"],
                            re.M).group(0))
    want = go_expect()
    assert {k: got.get(k) for k in want} == want, server["out"]
    st = server_stats(gb, PORT)
    assert st["protected"] is True and st["mismatches"] == 0, st


def test_seed_scan_under_load_finds_nothing(gb, server):
    pid, lo, n = server["pid"], server["addr"], server["len"]
    start_monitor(gb, PORT)
    before = server_stats(gb, PORT)
    res, out = seed_scan(gb, pid)
    mres, mout = memscan(gb, pid, "--range %x %d" % (lo, n))
    after = server_stats(gb, PORT)
    print("seed-style scan under load: %s; memscan mem %s vm %s; /data "
          "requests during the scans: %d, GC cycles: %d"
          % (res, mres["mem"], mres["vm"],
             after["requests"] - before["requests"],
             after["gc_cycles"] - before["gc_cycles"]))
    # The load ran and the collector cycled while root read.
    assert after["requests"] > before["requests"], (before, after)
    assert after["gc_cycles"] > before["gc_cycles"], (before, after)
    assert res["regions"] > 0 and res["bytes"] >= n, out
    # The scan read the protected buffer's region: "0 hits" means
    # something only if it did.
    assert not [r for r in unread_regions(out) if r[0] <= lo < r[1]], (
        "the seed-style scan could not read the protected buffer:\n" + out)
    assert res["hits"] == 0, (
        "root found the prompt in the server with the seed's scan:\n" + out)
    for method in ("mem", "vm"):
        assert mres[method]["hits"] == 0, (
            "root found prompt markers through %s:\n%s" % (method, mout))
        assert mres[method]["range_errors"] == 0, mout
        assert mres[method]["range_bytes"] == n, mout


def test_dump_under_load_bounded(gb, server):
    # The monitor of the previous test still runs; the server owns one
    # partition whose clear working set is WS_DEFAULT frames.
    worst = 0
    for i in range(LOAD_DUMPS):
        before = server_stats(gb, PORT)["requests"]
        wait_for(lambda: server_stats(gb, PORT)["requests"] > before + 3, 120,
                 "more /data requests before dump %d" % i)
        n, frames, samples = marker_hits(dump_ram(gb, "load%d" % i))
        print("dump %d under load: %d markers in %d frames %s"
              % (i, n, len(frames), samples))
        worst = max(worst, len(frames))
        # the working set, plus the frame being decrypted at the stop
        assert len(frames) <= WS_DEFAULT + 1, (n, frames, samples)
    print("most marker frames in clear at a dump under load: %d" % worst)


def test_dump_idle_finds_nothing(gb, server):
    stop_monitor(gb)
    wait_sleeping(gb, {"prompt-server": server["pid"]})
    n, frames, samples = marker_hits(dump_ram(gb, "idle"))
    assert n == 0, "dump with the server idle: %d markers in %d frames: %s" % (
        n, len(frames), samples)


def test_server_stops_clean(gb, server):
    st = server_stats(gb, PORT)
    assert st["requests"] > 10 and st["mismatches"] == 0, st
    stop_bg(gb, "gosrv")
    _, out = shell(gb, "cat /tmp/gosrv.out")
    m = re.search(r"^prompt-server: stopped after (\d+) requests, "
                  r"(\d+) mismatches$", out, re.M)
    assert m and int(m.group(2)) == 0, out


# ---- control (protection off) -------------------------------------------------

def test_control_finds_the_prompt(gb):
    pid, out = start_bg(gb, "gosrv_ctl", SERVER % (CONTROL_PORT, "-no-protect"),
                        READY)
    assert "protected=no" in out, out
    try:
        start_monitor(gb, CONTROL_PORT)
        res, sout = seed_scan(gb, pid)
        mres, mout = memscan(gb, pid)
        n, frames, _ = marker_hits(dump_ram(gb, "control"))
        print("control: seed-style scan %s; memscan mem %d vm %d hits; dump "
              "%d markers in %d frames" % (res, mres["mem"]["hits"],
                                           mres["vm"]["hits"], n, len(frames)))
        assert res["hits"] >= 1, sout
        assert mres["mem"]["hits"] > 0 and mres["vm"]["hits"] > 0, mout
        assert n > 0, "the control dump found no marker"
        stop_monitor(gb)
    finally:
        stop_bg(gb, "gosrv_ctl")
