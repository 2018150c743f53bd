#!/usr/bin/env python3
"""bench/smp.py - issue 11's figures, side by side in one run, under TCG
with 2 CPUs (multi-threaded TCG):

  boot      seconds from QEMU's start to the guest's init marker, 2 CPUs,
            under Shroud and without it (virtualize = no), interleaved;
  sha       `stress mt --threads 2`: SHA-256 passes per second of two
            threads (pinned to CPU 0 and CPU 1) over one 64 KiB buffer,
            protected and --no-protect, interleaved in one Shroud boot;
  sort      GNU sort --parallel=2 of 100000 numbers with its heap in
            protected memory (LD_PRELOAD=shroud-malloc) and without;
  shootdown the cross-CPU TLB shootdowns of a run where root on CPU 1
            reads an owner on CPU 0 (the race of test_smp.py): how many,
            their mean cost in TSC cycles (and in microseconds at the
            TSC rate the guest kernel detected), and shootdowns per
            working-set eviction.

    bench/smp.py [--runs N] [--seconds S] [--json FILE]

Figures and ratios only: nothing here passes or fails."""
import argparse
import json
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import qemu  # noqa: E402

CPUS = 2
PRELOAD = "LD_PRELOAD=/usr/lib/shroud-malloc.so"
SORT = "/opt/gnu/bin/sort"


def boot_time(mode, timeout):
    with qemu.Boot(mode=mode, cpus=CPUS) as b:
        return b.wait_init(timeout)


def sh(b, cmd, timeout=600):
    rc, out = b.sh(cmd, timeout=timeout)
    if rc != 0:
        raise SystemExit("guest command failed (%d): %s\n%s" % (rc, cmd, out))
    return out


def sha_rate(b, seconds, extra):
    out = sh(b, "stress mt --threads 2 --pages 16 --seconds %d %s | "
             "grep '^stress: mt'" % (seconds, extra), timeout=seconds + 300)
    m = re.search(r"passes=(\d+) bad=(\d+)", out)
    if not m or int(m.group(2)):
        raise SystemExit("stress mt failed:\n" + out)
    return int(m.group(1)) / seconds


def sort_secs(b, preload):
    """Seconds of one sort, timed around the guest command (busybox's date
    has no sub-second field); the round trip of an empty command is
    subtracted."""
    t0 = time.monotonic()
    sh(b, "true")
    empty = time.monotonic() - t0
    t0 = time.monotonic()
    out = sh(b, "%s %s -n --parallel=2 -S 8M /tmp/in > /tmp/out; "
             "cmp -s /tmp/out /tmp/want && echo sorted" % (preload, SORT))
    secs = time.monotonic() - t0 - empty
    if "sorted" not in out:
        raise SystemExit("sort failed:\n" + out)
    return secs


def vcpu_lines(b):
    mark = len(b.hv.text)
    b.send_hv("v")
    while b.expect_hv(r"vcpu %d apic" % (CPUS - 1), timeout=60).start() < mark:
        pass
    lines = re.findall(r"vcpu (\d+) apic \d+ \S+ exits (\d+) .*? nmis (\d+) "
                       r"shootdowns (\d+) cycles (\d+)", b.hv.text[mark:])
    return {int(c): (int(n), int(s), int(cy)) for c, _, n, s, cy in lines}


def shootdowns(b, seconds):
    pid_out = sh(b, "stress mt --threads 1 --pages 32 --seconds %d > "
                 "/tmp/race.out 2>&1 & until grep -q '^stress: ready' "
                 "/tmp/race.out; do sleep 0.1; done; cat /tmp/race.out" % (seconds + 5))
    m = re.search(r"pid=(\d+) addr=0x([0-9a-f]+) len=(\d+)", pid_out)
    if not m:
        raise SystemExit("no owner:\n" + pid_out)
    pid, addr, length = m.group(1), m.group(2), m.group(3)
    before = vcpu_lines(b)
    ev0 = stat(b, "evictions")
    sh(b, "taskset -c 1 sh -c 'end=$(($(date +%%s) + %d)); while [ $(date "
       "+%%s) -lt $end ]; do memscan --vm --range %s %s %s >/dev/null; done'"
       % (seconds, addr, length, pid), timeout=seconds + 300)
    after = vcpu_lines(b)
    ev = stat(b, "evictions") - ev0
    n = sum(after[c][1] - before[c][1] for c in after)
    cyc = sum(after[c][2] - before[c][2] for c in after)
    return n, cyc, ev


def stat(b, key):
    out = sh(b, "shroudctl stats")
    return int(re.search(r"^%s (\d+)" % key, out, re.M).group(1))


def tsc_mhz(b):
    out = sh(b, "dmesg | grep -m1 -o 'tsc: Detected [0-9.]* MHz' || true")
    m = re.search(r"Detected ([0-9.]+) MHz", out)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    res = {"cpus": CPUS}

    boots = {"shroud": [], "plain": []}
    for _ in range(a.runs):
        for mode in ("shroud", "plain"):
            boots[mode].append(boot_time(mode, a.timeout))
    res["boot_s"] = {m: statistics.median(v) for m, v in boots.items()}
    print("boot to init, %d CPUs: shroud %s s, plain %s s (medians of %d: "
          "%.1f vs %.1f, ratio %.2f)" % (
              CPUS, boots["shroud"], boots["plain"], a.runs,
              res["boot_s"]["shroud"], res["boot_s"]["plain"],
              res["boot_s"]["shroud"] / res["boot_s"]["plain"]))

    with qemu.Boot(mode="shroud", cpus=CPUS) as b:
        b.wait_init(a.timeout)
        b.wait_shell(120)
        sh(b, "seq 1 100000 | %s -R > /tmp/in; %s -n /tmp/in > /tmp/want"
           % (SORT, SORT))
        sha = {"protected": [], "plain": []}
        srt = {"protected": [], "plain": []}
        for _ in range(a.runs):
            sha["protected"].append(sha_rate(b, a.seconds, ""))
            sha["plain"].append(sha_rate(b, a.seconds, "--no-protect"))
            srt["protected"].append(sort_secs(b, PRELOAD))
            srt["plain"].append(sort_secs(b, ""))
        res["sha_passes_per_s"] = {k: statistics.median(v) for k, v in sha.items()}
        res["sort_s"] = {k: statistics.median(v) for k, v in srt.items()}
        print("SHA-256, 2 threads on 2 CPUs, 64 KiB: protected %.1f/s, "
              "unprotected %.1f/s (ratio %.2f)" % (
                  res["sha_passes_per_s"]["protected"],
                  res["sha_passes_per_s"]["plain"],
                  res["sha_passes_per_s"]["protected"] /
                  res["sha_passes_per_s"]["plain"]))
        print("sort --parallel=2 of 100000 numbers: protected heap %.2f s, "
              "plain %.2f s (ratio %.2f)" % (
                  res["sort_s"]["protected"], res["sort_s"]["plain"],
                  res["sort_s"]["protected"] / res["sort_s"]["plain"]))
        n, cyc, ev = shootdowns(b, a.seconds)
        mhz = tsc_mhz(b)
        mean = cyc / n if n else 0.0
        res["shootdown"] = {"count": n, "mean_cycles": mean,
                            "tsc_mhz": mhz, "evictions": ev,
                            "per_eviction": n / ev if ev else None}
        print("shootdowns in %d s of the race: %d, mean %.0f TSC cycles%s; "
              "%d evictions, %.2f shootdowns per eviction" % (
                  a.seconds, n, mean,
                  " (%.1f us at %.0f MHz)" % (mean / mhz, mhz) if mhz else "",
                  ev, n / ev if ev else 0.0))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    t0 = time.time()
    main()
    print("bench/smp.py: %.0f s" % (time.time() - t0))
