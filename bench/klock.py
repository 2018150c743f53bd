#!/usr/bin/env python3
"""bench/klock.py - the cost of the kernel-integrity lock (issue 10): boots
with the lock (shroud.cfg kernel_lock = yes: init locks once booted) and
without it, interleaved (unlocked, locked, unlocked, ...), under TCG; in
each boot the same in-guest workload:
  - seconds from QEMU's start to the guest's shell (the locked boot's
    includes the lock itself, taken by init);
  - 200 fork+exec of /bin/true (every new user text page takes an
    execute fault under the lock: W^X), in ms;
  - pbench --quick (first access of protected pages, sort in protected
    memory).
Prints every run, the medians and the ratios locked/unlocked.

    bench/klock.py [--runs N] [--timeout S]"""
import argparse
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import qemu  # noqa: E402

EXEC_LOOP = ("a=$(cut -d' ' -f1 /proc/uptime); i=0; while [ $i -lt 200 ]; "
             "do /bin/true; i=$((i + 1)); done; b=$(cut -d' ' -f1 "
             "/proc/uptime); echo uptimes=$a,$b")


def one_run(locked, timeout):
    cfg = {"kernel_lock": "yes"} if locked else {}
    with qemu.Boot(mode="shroud", cfg=cfg) as b:
        b.wait_init(timeout)
        b.wait_shell(120)
        t = b.elapsed()
        if locked and "klock exit=0" not in b.console.text:
            raise qemu.BootError("the locked boot did not lock")
        _, out = b.sh(EXEC_LOOP, timeout=600)
        m = re.search(r"uptimes=([\d.]+),([\d.]+)", out)
        exec_ms = (float(m.group(2)) - float(m.group(1))) * 1000
        _, out = b.sh("pbench --quick", timeout=600)
        def fig(pattern):
            m = re.search(pattern, out)
            return float(m.group(1)) if m else None
        return {"shell_s": t, "exec_ms": exec_ms,
                "fa_plain_ns": fig(r"first-access plain pages=\d+ ns=([\d.]+)"),
                "fa_shroud_ns": fig(r"first-access shroud ws=\d+ ns=([\d.]+)"),
                "sort_plain_ms": fig(r"sort plain kib=\d+ ms=([\d.]+)"),
                "sort_shroud_ms": fig(r"sort shroud ws=8\S* ms=([\d.]+)")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=240)
    a = ap.parse_args()
    res = {False: [], True: []}
    print("kernel-lock benchmark: TCG, %d runs each, interleaved" % a.runs)
    for i in range(a.runs):
        for locked in (False, True):
            try:
                r = one_run(locked, a.timeout)
            except (qemu.BootError, AttributeError) as ex:
                print("run %d %s FAILED: %s" % (i + 1, "locked" if locked
                                                 else "unlocked", ex))
                return 1
            res[locked].append(r)
            print("run %d %-8s %s" % (i + 1, "locked" if locked else
                                      "unlocked", r), flush=True)
    for key in ("shell_s", "exec_ms", "fa_plain_ns", "fa_shroud_ns",
                "sort_plain_ms", "sort_shroud_ms"):
        vals = {k: [r[key] for r in v if r[key] is not None]
                for k, v in res.items()}
        if not vals[False] or not vals[True]:
            continue
        m0, m1 = statistics.median(vals[False]), statistics.median(vals[True])
        print("median %-14s unlocked %10.2f  locked %10.2f  ratio %.2f"
              % (key, m0, m1, m1 / m0 if m0 else float("nan")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
