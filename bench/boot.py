#!/usr/bin/env python3
"""bench/boot.py - boot-time benchmark: seconds from QEMU's start to the
guest's init marker ("shroud-guest: init reached"), under Shroud
(virtualize = yes) and without it (the same ESP, image and kernel with
virtualize = no), both under TCG, interleaved (shroud, plain, shroud, ...)
so that drift of the host affects both alike.  Prints every run, the
medians and their ratio.

    bench/boot.py [--runs N] [--direct] [--timeout S] [--json FILE]

--direct adds a third series booted with QEMU -kernel (no shroud.efi)."""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import qemu  # noqa: E402


def one_boot(mode, timeout):
    with qemu.Boot(mode=mode) as b:
        return b.wait_init(timeout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--direct", action="store_true",
                    help="also time QEMU -kernel boots (no loader)")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()

    modes = ["shroud", "plain"] + (["direct"] if a.direct else [])
    times = {m: [] for m in modes}
    print("boot benchmark: QEMU start -> guest init, TCG, %d runs each, "
          "interleaved" % a.runs)
    for i in range(a.runs):
        for m in modes:
            try:
                t = one_boot(m, a.timeout)
            except qemu.BootError as ex:
                print("run %d %-6s FAILED: %s" % (i + 1, m, ex))
                return 1
            times[m].append(t)
            print("run %d %-6s %7.2f s" % (i + 1, m, t), flush=True)
    med = {m: statistics.median(v) for m, v in times.items()}
    for m in modes:
        print("median %-6s %7.2f s  (min %.2f, max %.2f)"
              % (m, med[m], min(times[m]), max(times[m])))
    ratio = med["shroud"] / med["plain"]
    print("ratio shroud/plain %.2f" % ratio)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": times, "median": med, "ratio": ratio}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
