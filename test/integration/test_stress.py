"""test/integration/test_stress.py - several owners and several attackers at
once for a bounded time (issue 8 item 14), on one Shroud boot of its own.

The owners are guest/tools/stress.c (`stress owner`: protect-demo's data,
so the host's expected SHA-256 is protect_helpers.demo_expect):

  busy0, busy2    --busy, SECRET, AES-XTS partitions
  busy1, busy3    --busy --integrity: AES-GCM partitions
  sleeper         asleep in pause() (ripjack's target)
  control         SHROUD_DISABLE=1 --busy: the same memory unprotected

A busy owner hashes its data in a loop, compares every pass with its first
result, and drains its own events after every pass (EVENTS with
SHROUD_EVF_CLEAR), so that none of its events falls out of the
hypervisor's ring of 256 (shared by all owners); protect-demo --busy
cannot be used here, it never answers SIGUSR1.

The attackers, all at once, each a shell loop in the guest that ends after
STRESS_SECONDS (it checks the guest's clock between rounds and prints
"@end KIND rounds=N"), each round going over every owner:

  scan      memscan --range (root: /proc/PID/mem and process_vm_readv)
  write     dos procmem-writer PID GVA WRITES --writers 2 (two processes
            taking turns: every write faults again), a different page
            each round
  tamper    tamper PID GVA 16 (root, /proc/PID/mem)
  ripjack   the sleeper only: ptrace hijack of its RIP into its own
            protected buffer (a different page each round), reads while
            it is held at the fault
  hcfuzz    hcfuzz --calls HCFUZZ_CALLS --seed SEED+round (no target)

At the end (the test waits, bounded, for every "@end" line; no fixed
sleep anywhere):
  - every protected owner's recheck (SIGUSR1) has the host's SHA-256, no
    bad pass, and its events account for the attacks on it: DENIED >= its
    write and tamper runs, FOREIGN_READ >= its scans (the sleeper, which
    drains only when it wakes, >= 1 of each), ANOMALY >= 1 for the
    sleeper, no TAMPER, no WIPED (per run, not per write: the ring of 256
    events is shared by all owners and drops the oldest, so one owner
    loses events to another's; the summary shows how many reached each);
  - every scan of a protected owner read its whole range, without a
    failed read, and found 0 markers; every ripjack run found 0 markers
    with 0 read errors; every writer and hcfuzz run finished (hcfuzz:
    canary intact, no unknown answer, no failing case the quiet VM did
    not already fail before the stress);
  - the hypervisor log has no FATAL/PANIC/"guest stopped" and no ERR
    line, the VM answers `shroudctl status`, and `shroudctl --json stats`
    denials rose by at least the writes into protected owners (each
    writer run's 2 x WRITES writes fault one by one, each tamper run is
    one write; and by at least the DENIED events the owners saw),
    anomalies by at least the ripjack runs, tamper by 0.  STATS has no
    foreign-read counter: FOREIGN_READ is counted from the owners' events;
  - the control in the same boot: every scan of it finds markers, the
    writes alter its data (bad passes, SHA-256 != the host's), so the
    checks above detect what they claim.
A summary table is printed (and kept in build/test-logs/stress/
summary.txt).  SHROUD_STRESS_SECONDS, SHROUD_STRESS_WRITES,
SHROUD_STRESS_HCFUZZ_CALLS and SHROUD_STRESS_SEED change the load.
"""
import os
import random
import re
import time

import pytest

from conftest import shell_boot, wait_for
from protect_helpers import (demo_expect, ESP, figures, guest_sh as gsh,
                             hv_fatal, hv_stats, wait_sleeping)


def stats(b):
    return hv_stats(b)

PG = 4096
PAGES = 16
STRESS_SECONDS = int(os.environ.get("SHROUD_STRESS_SECONDS", "90"))
WRITES = int(os.environ.get("SHROUD_STRESS_WRITES", "25"))
HCFUZZ_CALLS = int(os.environ.get("SHROUD_STRESS_HCFUZZ_CALLS", "300"))
SEED = int(os.environ.get("SHROUD_STRESS_SEED",
                          str(random.SystemRandom().randrange(1, 1 << 30))))
FATAL_SIGNALS = (4, 7, 11)
KINDS = ("scan", "write", "tamper", "ripjack", "hcfuzz")

# name: (stress owner arguments, environment, protected, busy)
OWNERS = {
    "busy0": ("--busy --seed 10000", "", True, True),
    "busy1": ("--busy --integrity --seed 20000", "", True, True),
    "busy2": ("--busy --seed 30000", "", True, True),
    "busy3": ("--busy --integrity --seed 40000", "", True, True),
    "sleeper": ("--seed 50000", "", True, False),
    "control": ("--busy --seed 60000", "SHROUD_DISABLE=1 ", False, True),
}
READY_RE = re.compile(r"^stress: ready pid=(\d+) addr=(0x[0-9a-f]+) len=(\d+) "
                      r"id=(-?\d+) protected=(\w+) chars=\d+ lines=\d+ "
                      r"sha256=(\w+)$", re.M)
RECHECK_RE = re.compile(r"^stress: recheck [^\n]*\n", re.M)

# The attackers' loop (ash).  Targets: NAME:PID:ADDR:LEN.
ATK_SH = r"""kind=$1; secs=$2; seed=$3; shift 3
end=$(( $(date +%s) + secs )); r=0
while [ $(date +%s) -lt $end ]; do
 if [ $kind = hcfuzz ]; then
  s=$((seed + r)); echo "@run hcfuzz - seed=$s"
  hcfuzz --calls CALLS --seed $s > /tmp/hcf.out 2>&1; echo "@rc=$?"
  grep -E 'FAIL|^hcfuzz: done' /tmp/hcf.out
 fi
 for t in "$@"; do
  n=${t%%:*}; t=${t#*:}; pid=${t%%:*}; t=${t#*:}; addr=${t%%:*}; len=${t#*:}
  np=$((len / 4096)); pg=$(( (r % np) * 4096 ))
  case $kind in
  scan) echo "@run scan $n"; memscan --range ${addr#0x} $len $pid;;
  write) g=$(printf 0x%x $((addr + pg + 128))); echo "@run write $n gva=$g"
   dos procmem-writer $pid $g WRITES --writers 2;;
  tamper) g=$(printf 0x%x $((addr + pg + 100))); echo "@run tamper $n"
   tamper $pid $g 16;;
  ripjack) k=$((1 + r % (np - 1))); g=$(printf 0x%x $((addr + k * 4096)))
   echo "@run ripjack $n page=$k"
   ripjack --timeout 20 $pid $g $((len - k * 4096));;
  esac
  echo "@rc=$?"
 done
 r=$((r + 1))
done
echo "@end $kind rounds=$r"
"""


# ---- the hypervisor log and a shell that notices a stopped VM ---------------

def hv_problems(b, start):
    """ERR and WARN lines of the hypervisor log after offset start."""
    return [ln.strip() for ln in b.hv.text[start:].splitlines()
            if re.search(r"\b(ERR|WARN)\b", ln)]


# ---- owners -----------------------------------------------------------------

def bg_out(b, name):
    return gsh(b, "cat /tmp/st_%s.out" % name)[1]


def start_owner(b, name):
    args, env, protected, busy = OWNERS[name]
    gsh(b, "rm -f /tmp/st_%s.out; %sstress owner --pages %d %s > "
        "/tmp/st_%s.out 2>&1 & echo $! > /tmp/st_%s.pid"
        % (name, env, PAGES, args, name, name))
    last = {"out": ""}

    def ready():
        out = last["out"] = bg_out(b, name)
        if re.search(r"usage:|stress: \w+: ", out):
            pytest.fail("owner %s failed:\n%s" % (name, out))
        return READY_RE.search(out)
    m = wait_for(ready, 120, "owner %s's ready line" % name,
                 detail=lambda: last["out"])
    seed = int(re.search(r"--seed (\d+)", args).group(1))
    want = demo_expect(PAGES, seed)["sha256"]
    o = {"name": name, "pid": int(m.group(1)), "addr": int(m.group(2), 16),
         "len": int(m.group(3)), "id": int(m.group(4)),
         "protected": m.group(5) == "yes", "sha0": m.group(6), "want": want,
         "busy": busy, "gcm": "--integrity" in args}
    assert o["protected"] == protected and (o["id"] > 0) == protected, (
        "owner %s: protected=%s id=%d, expected protected=%s:\n%s"
        % (name, m.group(5), o["id"], protected, last["out"]))
    assert o["len"] == PAGES * PG and o["sha0"] == want, (
        "owner %s computed the wrong figures at the start (want sha256 "
        "%s):\n%s" % (name, want, last["out"]))
    return o


def owner_recheck(b, o, timeout=120):
    """SIGUSR1 to owner o; its new recheck line as figures."""
    before = len(RECHECK_RE.findall(bg_out(b, o["name"])))
    gsh(b, "kill -USR1 %d" % o["pid"])
    last = {"out": ""}

    def printed():
        out = last["out"] = bg_out(b, o["name"])
        lines = RECHECK_RE.findall(out)
        return lines[-1].strip() if len(lines) > before else None
    line = wait_for(printed, timeout, "owner %s (pid %d) to print recheck "
                    "line %d after SIGUSR1"
                    % (o["name"], o["pid"], before + 1),
                    detail=lambda: last["out"])
    return line, figures(line)


def stop_owner(b, o, timeout=120):
    gsh(b, "kill %d" % o["pid"])
    last = {"out": ""}

    def freed():
        out = last["out"] = bg_out(b, o["name"])
        return "stress: freed" in out
    wait_for(freed, timeout, "owner %s (pid %d) to free and exit after "
             "SIGTERM" % (o["name"], o["pid"]), detail=lambda: last["out"])


# ---- attackers --------------------------------------------------------------

def start_attackers(b, owners):
    script = ATK_SH.replace("CALLS", str(HCFUZZ_CALLS)).replace(
        "WRITES", str(WRITES))
    rc, out = gsh(b, "cat > /tmp/atk.sh <<'ATK_EOF'\n%sATK_EOF\n"
                  "chmod +x /tmp/atk.sh; sh -n /tmp/atk.sh && echo ATK_OK"
                  % script)
    assert rc == 0 and "ATK_OK" in out, out

    def tg(names):
        return " ".join("%s:%d:0x%x:%d" % (n, owners[n]["pid"],
                                           owners[n]["addr"], owners[n]["len"])
                        for n in names)
    every = list(OWNERS)
    targets = {"scan": tg(every), "write": tg(every), "tamper": tg(every),
               "ripjack": tg(["sleeper"]), "hcfuzz": ""}
    cmds = " ".join("rm -f /tmp/atk_%s.out; sh /tmp/atk.sh %s %d %d %s > "
                     "/tmp/atk_%s.out 2>&1 &" % (k, k, STRESS_SECONDS, SEED,
                                                 targets[k], k)
                     for k in KINDS)
    rc, out = gsh(b, cmds + " echo STARTED")
    assert rc == 0 and "STARTED" in out, out


def wait_attackers(b):
    """Poll until every attacker loop printed its @end line; return
    {kind: output}."""
    last = {"out": ""}

    def ended():
        _, out = gsh(b, "for k in %s; do echo \"$k: $(grep -c '^@run' "
                     "/tmp/atk_$k.out) $(grep '^@end' /tmp/atk_$k.out)\"; "
                     "done" % " ".join(KINDS))
        last["out"] = out
        return out.count("@end ") == len(KINDS)
    wait_for(ended, STRESS_SECONDS + 240, "every attacker loop to print its "
             "'@end' line (they run %d s)" % STRESS_SECONDS, interval=2.0,
             detail=lambda: last["out"])
    return {k: gsh(b, "cat /tmp/atk_%s.out" % k, timeout=300)[1]
            for k in KINDS}


def runs(out):
    """[(kind, target, header line, body lines, rc)] of a scan, write,
    tamper or ripjack loop's output."""
    res, cur = [], None
    for ln in out.splitlines():
        m = re.match(r"^@run (\w+) (\S+)", ln)
        if m:
            cur = [m.group(1), m.group(2), ln, [], None]
            continue
        m = re.match(r"^@rc=(\d+)$", ln)
        if m and cur is not None:
            cur[4] = int(m.group(1))
            res.append(tuple(cur))
            cur = None
        elif cur is not None:
            cur[3].append(ln)
    return res


def hcfuzz_runs(out):
    """[(seed, rc, [FAIL case names], done figures or None)]."""
    res = []
    for block in re.split(r"(?m)^(?=@run hcfuzz )", out):
        m = re.match(r"@run hcfuzz - seed=(\d+)\n@rc=(\d+)\n", block)
        if not m:
            continue
        fails = re.findall(r"^hcfuzz: case (\S+) .* FAIL$", block, re.M)
        done = re.search(r"^hcfuzz: done .*$", block, re.M)
        res.append((int(m.group(1)), int(m.group(2)), fails,
                    figures(done.group(0)) if done else None))
    return res


def memscan_figs(body):
    return {f["method"]: f for f in
            (figures(ln) for ln in body if ln.startswith("memscan: method="))}


def ripjack_figs(body):
    text = "\n".join(body)
    f = {"detached": bool(re.search(r"^ripjack: detached$", text, re.M))}
    m = re.search(r"^ripjack: stop signal=(\d+)", text, re.M)
    f["signal"] = int(m.group(1)) if m else None
    m = re.search(r"^ripjack: peek markers=(\d+) procmem markers=(\d+) "
                  r"read_errors=(\d+) len=(\d+)$", text, re.M)
    f["peek"], f["procmem"], f["errors"] = (
        tuple(int(x) for x in m.groups()[:3]) if m else (None,) * 3)
    return f


# ---- the boot ---------------------------------------------------------------

@pytest.fixture(scope="module")
def sb():
    b = shell_boot("stress", mode="shroud", esp=ESP)
    try:
        rc, out = gsh(b, "for p in stress memscan dos tamper hcfuzz ripjack "
                      "shroudctl; do command -v $p >/dev/null || echo "
                      "MISSING:$p; done; shroudctl status")
        assert rc == 0 and "MISSING" not in out, (
            "the guest image lacks a program of the stress test "
            "(mk/guest-lib.mk's GUEST_EXTRA_PROGS):\n" + out)
    except BaseException:
        b.close()
        raise
    yield b
    b.close()


# ---- the test ---------------------------------------------------------------

def test_stress_owners_and_attackers(sb):
    t_start = time.monotonic()
    b = sb
    # The quiet VM's hcfuzz verdicts: the stress must not add failures.
    rc, out = gsh(b, "hcfuzz --calls %d --seed %d 2>&1 | grep -E "
                  "'FAIL|^hcfuzz: done'" % (HCFUZZ_CALLS, SEED), timeout=300)
    base_fails = set(re.findall(r"^hcfuzz: case (\S+) .* FAIL$", out, re.M))
    assert re.search(r"^hcfuzz: done .*unknown=0 canary=intact$", out, re.M), (
        "hcfuzz failed on the quiet VM:\n" + out)

    owners = {n: start_owner(b, n) for n in OWNERS}
    wait_sleeping(b, {"sleeper": owners["sleeper"]["pid"]})
    print("seed %d, %d s of attacks; owners: %s" % (
        SEED, STRESS_SECONDS, ", ".join(
            "%s pid=%d addr=0x%x id=%d" % (n, o["pid"], o["addr"], o["id"])
            for n, o in owners.items())))
    st0 = stats(b)
    log0 = len(b.hv.text)

    t_atk = time.monotonic()
    start_attackers(b, owners)
    outs = wait_attackers(b)
    atk_wall = time.monotonic() - t_atk

    problems = []
    prot_names = [n for n in OWNERS if OWNERS[n][2]]
    count = {n: dict.fromkeys(KINDS, 0) for n in OWNERS}
    writes = dict.fromkeys(OWNERS, 0)
    ctrl_hits = []
    scan_total = prot_hits = 0
    for kind in ("scan", "write", "tamper", "ripjack"):
        for k, target, head, body, rc in runs(outs[kind]):
            assert k == kind and target in owners, head
            o = owners[target]
            count[target][kind] += 1
            text = "\n".join(body)
            if kind == "scan":
                scan_total += 1
                f = memscan_figs(body)
                if set(f) != {"mem", "vm"}:
                    problems.append("scan of %s: no result (rc=%s):\n%s"
                                    % (target, rc, text))
                    continue
                if not o["protected"]:
                    ctrl_hits.append(min(f[m]["hits"] for m in f))
                    continue
                for m in ("mem", "vm"):
                    g = f[m]
                    prot_hits += g["hits"]
                    if (g["hits"] or g["range_errors"]
                            or g["range_bytes"] != o["len"]):
                        problems.append(
                            "scan of %s (%s): hits=%d range_bytes=%d "
                            "range_errors=%d (want 0, %d, 0)"
                            % (target, m, g["hits"], g["range_bytes"],
                               g["range_errors"], o["len"]))
            elif kind == "write":
                m = re.search(r"^dos: writer total ok=(\d+) err=(\d+)$",
                              text, re.M)
                if not (m and "dos: writer done" in text and rc == 0):
                    problems.append("writer on %s did not finish (rc=%s):"
                                    "\n%s" % (target, rc, text))
                    continue
                writes[target] += int(m.group(1))
            elif kind == "tamper":
                if not re.search(r"^tamper: pid=\d+ .* wrote=16 ", text, re.M):
                    problems.append("tamper on %s did not write (rc=%s):\n%s"
                                    % (target, rc, text))
            else:
                f = ripjack_figs(body)
                if not (f["detached"] and f["signal"] in FATAL_SIGNALS
                        and f["peek"] == 0 and f["procmem"] == 0
                        and f["errors"] == 0):
                    problems.append("ripjack on %s: %s (want detached, a "
                                    "fatal stop signal, 0 markers, 0 read "
                                    "errors):\n%s" % (target, f, text))
    hcf = hcfuzz_runs(outs["hcfuzz"])
    for seed, rc, fails, done in hcf:
        new = set(fails) - base_fails
        if (done is None or done.get("canary") != "intact"
                or done.get("unknown") != 0 or new):
            problems.append("hcfuzz seed %d: rc=%d done=%s new failures %s"
                            % (seed, rc, done, sorted(new)))
    hcf_fails = sorted({c for _, _, fails, _ in hcf for c in fails})

    # The end: every owner rechecks, the VM lives, the counters moved.
    rech = {n: owner_recheck(b, o) for n, o in owners.items()}
    assert not hv_fatal(b), hv_fatal(b)
    rc, out = gsh(b, "shroudctl status", timeout=60)
    assert rc == 0 and "Shroud hypervisor" in out, (
        "shroudctl status rc=%d after the stress:\n%s" % (rc, out))
    st1 = stats(b)
    hv_lines = hv_problems(b, log0)
    d = {k: st1[k] - st0[k] for k in ("denials", "tamper", "anomalies",
                                      "faults", "remaps")}

    ev_sum = dict.fromkeys(("denied", "foreign", "anomaly", "tamper",
                            "wiped", "remap"), 0)
    for n in prot_names:
        o, (line, f) = owners[n], rech[n]
        c = count[n]
        if "refused" in line or f.get("sha256") != o["want"] or f["bad"]:
            problems.append("owner %s corrupted: %s (want sha256 %s)"
                            % (n, line, o["want"]))
            continue
        for k in ev_sum:
            ev_sum[k] += f[k]
        want_denied = c["write"] + c["tamper"] if o["busy"] else 1
        want_foreign = c["scan"] if o["busy"] else 1
        if c["write"] + c["tamper"] and f["denied"] < want_denied:
            problems.append("owner %s: %d DENIED events for %d write and "
                            "%d tamper runs: %s" % (n, f["denied"],
                                                    c["write"], c["tamper"],
                                                    line))
        if c["scan"] and f["foreign"] < want_foreign:
            problems.append("owner %s: %d FOREIGN_READ events for %d scans: "
                            "%s" % (n, f["foreign"], c["scan"], line))
        if c["ripjack"] and f["anomaly"] < 1:
            problems.append("owner %s: no ANOMALY event after %d ripjack "
                            "runs: %s" % (n, c["ripjack"], line))
        if f["tamper"] or f["wiped"] or f["evfail"]:
            problems.append("owner %s: tamper/wiped/evfail events: %s"
                            % (n, line))
        if o["busy"] and f["passes"] < 2:
            problems.append("owner %s did not compute during the stress: %s"
                            % (n, line))
    # Two writers taking turns: every write of a run faults (an address
    # space switch between any two undoes the diversion), so each one is
    # a denial; each tamper run is one write.
    want_denials = sum(writes[n] + count[n]["tamper"] for n in prot_names)
    if d["denials"] < max(want_denials, ev_sum["denied"]):
        problems.append("stats denials rose by %d, fewer than the %d writes "
                        "(writer and tamper) into protected owners or the %d "
                        "DENIED events the owners saw"
                        % (d["denials"], want_denials, ev_sum["denied"]))
    rj = sum(count[n]["ripjack"] for n in OWNERS)
    if d["anomalies"] < rj:
        problems.append("stats anomalies rose by %d after %d ripjack runs "
                        "(one instruction fetch from protected data each)"
                        % (d["anomalies"], rj))
    if d["tamper"]:
        problems.append("stats tamper rose by %d (integrity failures while "
                        "nothing could write ciphertext)" % d["tamper"])
    errs = [ln for ln in hv_lines if re.search(r"\bERR\b", ln)]
    if errs:
        problems.append("hypervisor ERR lines during the stress:\n"
                        + "\n".join(errs[:20]))

    # The control: the same attacks find and alter unprotected data.
    co, (cline, cf) = owners["control"], rech["control"]
    cc = count["control"]
    ctrl = []
    if not ctrl_hits or min(ctrl_hits) == 0:
        ctrl.append("memscan did not find the control's markers in every "
                    "scan (%s): the 0-hit check proves nothing" % ctrl_hits)
    if not cc["write"] or writes["control"] == 0:
        ctrl.append("no write reached the control (%d runs)" % cc["write"])
    if cf.get("sha256") == co["want"] or not cf.get("bad"):
        ctrl.append("the writes did not alter the control's data (%s): the "
                    "sha256 check proves nothing" % cline)

    for n in OWNERS:
        stop_owner(b, owners[n])
    assert not hv_fatal(b), hv_fatal(b)

    # The summary.
    rows = ["%-8s %-11s %5s %5s %6s %7s %6s %7s %7s %7s %6s %4s %s" % (
        "owner", "kind", "scans", "write", "tamper", "ripjack", "writes",
        "denied", "foreign", "anomaly", "passes", "bad", "sha256")]
    for n in OWNERS:
        o, (line, f) = owners[n], rech[n]
        kind = ("busy-" + ("gcm" if o["gcm"] else "xts") if o["busy"]
                else "sleep-xts")
        if not o["protected"]:
            kind = "control-off"
        ok = "ok" if f.get("sha256") == o["want"] else "CHANGED"
        rows.append("%-8s %-11s %5d %5d %6d %7d %6d %7s %7s %7s %6s %4s %s" % (
            n, kind, count[n]["scan"], count[n]["write"], count[n]["tamper"],
            count[n]["ripjack"], writes[n] + count[n]["tamper"],
            f.get("denied", "-"), f.get("foreign", "-"),
            f.get("anomaly", "-"), f.get("passes", "-"), f.get("bad", "-"),
            ok))
    corrupted = sum(1 for n in prot_names
                    if rech[n][1].get("sha256") != owners[n]["want"]
                    or rech[n][1].get("bad"))
    rows.append("attacks: %d scans, %d writer runs (%d writes), %d tamper, "
                "%d ripjack, %d hcfuzz runs x %d calls (failing cases, as "
                "on the quiet VM: %s)" % (
                    scan_total, sum(c["write"] for c in count.values()),
                    sum(writes.values()),
                    sum(c["tamper"] for c in count.values()), rj, len(hcf),
                    HCFUZZ_CALLS, ", ".join(hcf_fails) or "none"))
    rows.append("stats: denials +%d (writes into protected owners: %d), "
                "anomalies +%d, tamper +%d, faults +%d, remaps +%d; owners' "
                "events: denied %d, foreign reads %d (not in STATS), "
                "anomaly %d" % (d["denials"], want_denials, d["anomalies"],
                                d["tamper"], d["faults"], d["remaps"],
                                ev_sum["denied"], ev_sum["foreign"],
                                ev_sum["anomaly"]))
    lost = ["%s %d of %d" % (n, rech[n][1]["denied"],
                             writes[n] + count[n]["tamper"])
            for n in prot_names if rech[n][1].get("denied", 0)
            < writes[n] + count[n]["tamper"]]
    if lost:
        rows.append("DENIED events that reached their owner, where fewer "
                    "than the writes (the ring of 256 events is shared and "
                    "drops the oldest): " + ", ".join(lost))
    rows.append("corrupted=%d (of %d protected owners), VM stops=0, memscan "
                "hits on protected owners=%d; control: min hits %s, bad "
                "passes %s" % (corrupted, len(prot_names), prot_hits,
                    min(ctrl_hits) if ctrl_hits else "-", cf.get("bad")))
    rows.append("seed %d; attacks %.0f s (loops of %d s); test %.0f s" % (
        SEED, atk_wall, STRESS_SECONDS, time.monotonic() - t_start))
    if hv_lines:
        rows.append("hypervisor WARN/ERR lines during the stress (%d):"
                    % len(hv_lines))
        rows += ["  " + ln for ln in hv_lines[:20]]
    summary = "\n".join(rows)
    print(summary)
    with open(os.path.join(b.log_dir, "summary.txt"), "w") as f:
        f.write(summary + "\n")
        for kind in KINDS:
            f.write("\n==== %s ====\n%s" % (kind, outs[kind]))

    assert not problems, "\n".join(problems[:30]) + "\n\n" + summary
    assert not ctrl, "\n".join(ctrl) + "\n\n" + summary
    for n in prot_names:
        assert sum(count[n].values()) > 0, "owner %s was never attacked" % n
