"""test/integration/test_active_root.py - root that runs code (issue 10,
item 1): the owner made to hand its buffer to the kernel, and a kernel
module on the owner's page tables, against the owner-only-user policy
(SHROUD_POLICY_OWNER_USER, libshroud's default since issue 10) and, as the
control where the attack succeeds, the same owner under SHROUD_POLICY_OWNER
(the kernel may read the owner's memory on its behalf).

Each owner is protect-demo (16 pages, 1024 markers), asleep; one shared
Shroud boot.

  test_injected_write_*   root stops the owner with ptrace and makes it run
                          write(1, buffer, len) at its own `syscall`
                          instruction (ripjack --write-fd 1), so that the
                          kernel copies the protected buffer into the
                          owner's output file.  OWNER_USER: the system call
                          fails with EFAULT (-14), the file gets no marker;
                          OWNER (control): every marker lands in the file.
  test_kernel_module_*    a kernel module (shroudkm test=cr3read) loads the
                          owner's page-table root into CR3 and copies the
                          buffer from the owner's addresses with
                          copy_from_user_nofault.  OWNER_USER: every page
                          faults (#GP from the hypervisor, EFAULT for the
                          module), 0 markers; OWNER (control): 1024.
  test_hardened_*         the hardened guest profile (hardened = yes):
                          its sysctls and lockdown are in force, and each
                          of root's doors (ptrace attach, /proc/PID/mem,
                          insmod, /dev/mem, /proc/kcore) is shut there and
                          open in the ordinary boot (the control).
  test_klock_*            the kernel-integrity lock (kernel_lock = yes):
                          applied once, a module loaded after it never
                          runs, nor a seccomp filter the kernel JIT-compiles
                          after it (bpfjit; the controls: both run in the
                          ordinary boot), each refusal is a KLOCK event,
                          user programs (static and dynamic) still work;
                          kexec of a tiny image (kexectiny) never runs it
                          (last: the machine resets after Shroud's wipe;
                          the control, test_kexec_control_runs_new_code,
                          runs it on an unlocked boot of its own).
After each attack the owner recomputes (SIGUSR1) and must get its own
SHA-256: it never computes on ciphertext the attack left behind, and the
VM lives.  The marker count in a guest file uses the pattern
"SHROUD-SECRET-MARKE[R]-", so the prefix itself never reaches the guest.
"""
import re

import pytest

from protect_helpers import (demo_expect, figures, guest_sh as gsh,
                             hv_stats, programs_boot, recheck, start_bg,
                             vm_alive, wait_sleeping)

PAGES, MARKERS = 16, 16 * 64
KMOD = "/lib/shroudkm.ko"
FATAL_RE = re.compile(r"Oops|BUG:|Kernel panic")


@pytest.fixture(scope="module")
def ab():
    b = programs_boot("active-root", mode="shroud")
    yield b
    b.close()


def owner(b, name, policy, seed):
    """A sleeping protect-demo under policy: (pid, addr, len)."""
    pid, out = start_bg(b, name, "protect-demo --pages %d --seed %d "
                        "--policy %s" % (PAGES, seed, policy), r"^demo: ok")
    f = figures(re.search(r"^demo: pid=.*$", out, re.M).group(0))
    f.update(figures(re.search(r"^demo: policy=.*$", out, re.M).group(0)))
    assert f["protected"] == "yes" and f["policy"] == {
        "owner-user": "OWNER_USER", "owner": "OWNER"}[policy], out
    wait_sleeping(b, [pid])
    return pid, int(f["addr"], 16), int(f["len"])


def markers_in_file(b, path):
    _, out = gsh(b, "echo n=$(grep -a -o 'SHROUD-SECRET-MARKE[R]-[0-9]*' "
                 "%s | wc -l)" % path)
    return int(re.search(r"n=(\d+)", out).group(1))


def still_correct(b, name, pid, seed):
    _, line = recheck(b, name, pid)
    want = demo_expect(PAGES, seed)
    assert "sha256=%s" % want["sha256"] in line, (
        "the owner computed on something else after the attack: " + line)


def injected_write(b, name, policy, seed):
    pid, addr, n = owner(b, name, policy, seed)
    rc, out = gsh(b, "ripjack --write-fd 1 %d 0x%x %d" % (pid, addr, n))
    assert rc == 0 and "ripjack: detached" in out, out
    m = re.search(r"ripjack: injected write fd=1 rc=(-?\d+)", out)
    assert m, out
    hits = markers_in_file(b, "/tmp/%s.out" % name)
    still_correct(b, name, pid, seed)
    vm_alive(b, "after the injected write")
    return int(m.group(1)), hits


def test_injected_write_owner_user_gets_efault(ab):
    rc, hits = injected_write(ab, "ar_wu", "owner-user", 31000)
    assert hits == 0, "%d markers reached the owner's file" % hits
    assert rc == -14, "write() of OWNER_USER memory returned %d, not " \
        "-EFAULT" % rc


def test_injected_write_control_owner_leaks(ab):
    rc, hits = injected_write(ab, "ar_wo", "owner", 32000)
    assert rc == PAGES * 4096, rc
    assert hits == MARKERS, "the control leaked %d of %d markers" % (
        hits, MARKERS)


def cr3read(b, name, policy, seed):
    pid, addr, n = owner(b, name, policy, seed)
    rc, out = gsh(b, "dmesg -c >/dev/null; insmod %s test=cr3read pid=%d "
                  "addr=%x len=%d; echo insmod_rc=$?; echo loaded=$(grep -c "
                  "'^shroudkm ' /proc/modules); dmesg" % (KMOD, pid, addr, n))
    assert rc == 0 and "loaded=0" in out, out
    assert not FATAL_RE.search(out), "the guest kernel died:\n" + out
    lines = re.findall(r"shroudkm: cr3read (.*)$", out, re.M)
    assert lines, out
    f = dict(re.findall(r"(\w+)=(\S+)", lines[-1]))
    still_correct(b, name, pid, seed)
    vm_alive(b, "after the module's read")
    return {k: int(v) for k, v in f.items()}, out


def test_kernel_module_owner_user_reads_nothing(ab):
    f, out = cr3read(ab, "ar_ku", "owner-user", 33000)
    assert f["pages"] == PAGES, out
    assert f["markers"] == 0, out
    assert f["failed"] == PAGES and f["copied"] == 0, out


def test_kernel_module_control_owner_reads_all(ab):
    f, out = cr3read(ab, "ar_ko", "owner", 34000)
    assert f["copied"] == PAGES * 4096, out
    assert f["markers"] == MARKERS, out


# ---- the hardened guest profile (shroud.cfg hardened = yes) ----------------
#
# One more boot, with the profile: the init script reports each sysctl it
# set, and lockdown comes from the command line.  Each of root's doors is
# tried in both boots: open in the ordinary one (the control: the attack
# has a way in), shut in the hardened one, whose owner still computes.

HARDENED_SYSCTLS = ("kernel.yama.ptrace_scope=3", "kernel.kexec_load_disabled=1",
                    "kernel.modules_disabled=1", "kernel.kptr_restrict=2",
                    "kernel.unprivileged_bpf_disabled=1")


@pytest.fixture(scope="module")
def hb():
    b = programs_boot("active-root-hardened", mode="shroud",
                      cfg={"hardened": "yes"})
    yield b
    b.close()


def test_hardened_profile_applied(hb):
    text = hb.console.text
    for kv in HARDENED_SYSCTLS:
        assert "shroud-guest: hardened %s" % kv in text, hb.console.tail()
    assert "hardened lockdown=none integrity [confidentiality]" in text, \
        hb.console.tail()
    assert "lockdown=confidentiality" in text      # the command line
    assert "shroud-guest: klock exit=0" in text    # with the lock


# door: (command, regex its output matches when the door is open)
DOORS = {
    "ptrace": ("ripjack --write-fd 1 {pid} 0x{addr:x} {len}",
               r"ripjack: injected write fd=1"),
    "procmem": ("dd if=/proc/{pid}/mem bs=4096 skip=$((0x{addr:x} / 4096)) "
                "count=1 2>/dev/null | wc -c", r"^\s*4096\s*$"),
    "insmod": ("insmod /lib/shroudkm.ko test=invd; dmesg | tail -n 5",
               r"shroudkm: invd done"),
    "devmem": ("dd if=/dev/mem bs=4096 count=1 2>/dev/null | wc -c",
               r"^\s*4096\s*$"),
    "kcore": ("dd if=/proc/kcore bs=4096 count=1 2>/dev/null | wc -c",
              r"^\s*4096\s*$"),
}


def try_door(b, name, door, seed):
    pid, addr, n = owner(b, name, "owner-user", seed)
    cmd, open_re = DOORS[door]
    _, out = gsh(b, cmd.format(pid=pid, addr=addr, len=n))
    return re.search(open_re, out, re.M) is not None, out, pid


@pytest.mark.parametrize("door", sorted(DOORS))
def test_hardened_door_shut(ab, hb, door):
    seed = 35000 + 100 * sorted(DOORS).index(door)
    opened, out, _ = try_door(ab, "door_%s_c" % door, door, seed)
    assert opened, "control: the %s door is not open without the " \
        "profile:\n%s" % (door, out)
    opened, out, pid = try_door(hb, "door_%s" % door, door, seed + 50)
    assert not opened, "the %s door is open in the hardened guest:\n%s" % (
        door, out)
    still_correct(hb, "door_%s" % door, pid, seed + 50)
    vm_alive(hb, "after the %s attempt" % door)


# ---- the kernel-integrity lock (shroud.cfg kernel_lock = yes) ---------------
#
# A third boot: init locks the kernel once it has booted (shroudctl klock,
# SHROUD_HC_KLOCK).  A new module is refused (its code never runs; the
# control: the same insmod in the ordinary boot runs it); user programs,
# static and dynamic, keep running and computing correctly.

@pytest.fixture(scope="module")
def lb():
    b = programs_boot("active-root-klock", mode="shroud",
                      cfg={"kernel_lock": "yes"})
    yield b
    b.close()


def test_klock_applied(lb):
    m = re.search(r"kernel locked: (\d+) kernel-text frames", lb.console.text)
    assert m and int(m.group(1)) >= 256, lb.console.tail()
    assert "shroud-guest: klock exit=0" in lb.console.text
    assert "kernel locked from cr3" in lb.hv.text, lb.hv.tail()
    assert hv_stats(lb)["klock_text_frames"] == int(m.group(1))
    rc, out = gsh(lb, "shroudctl klock")
    assert rc != 0 and "already locked" in out, \
        "a second lock was accepted:\n" + out


def test_klock_user_programs_run(lb):
    pid, _, _ = owner(lb, "kl_demo", "owner-user", 36000)
    still_correct(lb, "kl_demo", pid, 36000)
    rc, out = gsh(lb, "printf 'b\\na\\n' | /opt/gnu/bin/sort | tr '\\n' ,")
    assert rc == 0 and "a,b," in out, out
    vm_alive(lb, "user programs under the lock")


def klock_events(b):
    """The SHROUD_EV_KLOCK system events `shroudctl events` (CPL 3) sees:
    [(gva, info)]; the kernel RIP and CR3 are withheld (0) from it."""
    rc, out = gsh(b, "shroudctl events")
    assert rc == 0, out
    return [(int(g, 16), int(i, 16)) for g, i in
            re.findall(r"^\d+ KLOCK part=0 gva=(0x[0-9a-f]+) "
                       r"info=(0x[0-9a-f]+)$", out, re.M)]


def test_klock_new_module_refused(ab, lb):
    rc, out = gsh(ab, "dmesg -c >/dev/null; insmod %s test=invd; dmesg"
                  % KMOD)
    assert "shroudkm: invd done" in out, "control: the module did not " \
        "run without the lock:\n" + out
    before = lb.hv.text.count("kernel execution outside its text")
    refused = hv_stats(lb)["klock_refused"]
    events = len(klock_events(lb))
    rc, out = gsh(lb, "dmesg -c >/dev/null; insmod %s test=invd; echo "
                  "insmod_rc=$?; dmesg" % KMOD)
    assert "shroudkm: invd done" not in out, \
        "a module loaded after the lock ran its code:\n" + out
    assert lb.hv.text.count("kernel execution outside its text") > before, \
        lb.hv.tail()
    assert hv_stats(lb)["klock_refused"] > refused
    # Shroud's own report: an event every caller sees, without the RIP.
    now = klock_events(lb)
    assert len(now) > events, "no KLOCK event for the refused fetch"
    assert all(e == (0, 0) for e in now), now
    vm_alive(lb, "after the refused module")


def test_klock_bpf_jit_refused(ab, lb):
    """Kernel code made at run time: a seccomp filter the kernel JIT-
    compiles (bpfjit).  Unlocked (the control) the filter runs on every
    system call; under the lock the JIT image never runs: the write of it
    into executable memory, or the first fetch from it, is refused (#GP,
    an oops that kills bpfjit), a KLOCK event, and the VM lives."""
    rc, out = gsh(ab, "bpfjit; echo bpfjit_rc=$?")
    assert "bpfjit: jit_enable=1" in out, out
    assert "bpfjit: filter ran" in out and "bpfjit_rc=0" in out, \
        "control: the unlocked kernel did not run the JIT filter:\n" + out
    refused = hv_stats(lb)["klock_refused"]
    events = len(klock_events(lb))
    rc, out = gsh(lb, "bpfjit; echo bpfjit_rc=$?")
    assert "bpfjit: jit_enable=1" in out, out
    assert "bpfjit: filter ran" not in out, \
        "a JIT image made after the lock ran in the kernel:\n" + out
    assert "bpfjit_rc=0" not in out, out
    assert hv_stats(lb)["klock_refused"] > refused, lb.hv.tail()
    assert len(klock_events(lb)) > events
    vm_alive(lb, "after the refused JIT filter")


def poke(b, what):
    _, out = gsh(b, "dmesg -c >/dev/null; echo %s > /sys/module/shroudkm/"
                 "parameters/poke; dmesg | tail -n 3" % what)
    return out


def test_klock_kernel_text_write_and_pins_refused(ab):
    """Last test of the ordinary boot (it locks it): a module loaded before
    the lock clears CR4.SMEP and CR0.WP with raw MOVs, moves MSR_LSTAR
    (each put back at once) and patches one byte of kernel text through a
    writable alias.  Before the lock all four work (the control); after it
    each is refused (#GP; the CR and MSR writes under an exception fixup)
    and logged; the VM lives."""
    rc, out = gsh(ab, "insmod %s test=stay; echo insmod_rc=$?" % KMOD)
    assert "insmod_rc=0" in out, out
    for what in ("smep", "wp"):
        out = poke(ab, what)
        assert "shroudkm: poke %s cleared=yes" % what in out, \
            "control: the unlocked kernel kept %s:\n%s" % (what, out)
    out = poke(ab, "lstar")
    assert "shroudkm: poke lstar changed=yes wrmsr=0" in out, \
        "control: the unlocked kernel kept LSTAR:\n" + out
    out = poke(ab, "lidt")
    assert "shroudkm: poke lidt done=yes" in out, \
        "control: the unlocked kernel could not LIDT:\n" + out
    out = poke(ab, "text")
    assert "shroudkm: poke text done" in out, "control: the unlocked " \
        "kernel refused the patch:\n" + out
    rc, out = gsh(ab, "shroudctl klock")
    assert rc == 0 and "kernel locked" in out, out
    for what, log in (("smep", "CR4.SMEP/SMAP/UMIP cleared (pinned)"),
                      ("wp", "CR0.WP cleared (pinned)")):
        before = ab.hv.text.count(log)
        out = poke(ab, what)
        assert "shroudkm: poke %s cleared=no" % what in out, \
            "%s was cleared under the lock:\n%s" % (what, out)
        assert ab.hv.text.count(log) > before, ab.hv.tail()
    before = ab.hv.text.count("system-call entry MSR rewritten")
    out = poke(ab, "lstar")
    assert "shroudkm: poke lstar changed=no" in out, \
        "LSTAR was moved under the lock:\n" + out
    assert ab.hv.text.count("system-call entry MSR rewritten") > before
    before = ab.hv.text.count("LIDT (IDTR pinned)")
    out = poke(ab, "lidt")
    assert "shroudkm: poke lidt done=no" in out, \
        "LIDT ran under the lock:\n" + out
    assert ab.hv.text.count("LIDT (IDTR pinned)") > before
    before = ab.hv.text.count("write to kernel text")
    out = poke(ab, "text")
    assert "shroudkm: poke text done" not in out, \
        "kernel text was patched under the lock:\n" + out
    assert ab.hv.text.count("write to kernel text") > before, ab.hv.tail()
    vm_alive(ab, "after the refused pin changes and kernel-text write")


def kexec_tiny(b):
    """Start kexectiny (it never returns to the shell): the console from
    its "loaded" line on."""
    mark = b.console.pos
    b.send("kexectiny\n")
    b.expect(r"kexectiny: loaded", 120)
    return mark


def test_kexec_control_runs_new_code():
    """kexec of a tiny image on an unlocked kernel under Shroud (a boot of
    its own: the image replaces the kernel): it runs."""
    b = programs_boot("active-root-kexec", mode="shroud")
    try:
        mark = kexec_tiny(b)
        b.expect(r"kexec-tiny: ran", 120)
        assert "kexec-tiny: ran" in b.console.text[mark:]
    finally:
        b.close()


def test_klock_kexec_refused(lb):
    """Last test of the locked boot (it ends it): the same kexec under the
    lock never runs the new image.  machine_kexec's LIDT (the IDT
    invalidated before the jump) and its fetch from the copied
    relocate_kernel are refused; the kernel oopses and panics, and its
    reset goes through Shroud's wipe."""
    refused = lb.hv.text.count("kernel lock:")
    mark = kexec_tiny(lb)
    lb.expect_hv(r"reset after wiping keys and clear frames", 180)
    lb.qemu.wait(timeout=120)
    assert "kexec-tiny: ran" not in lb.console.text[mark:], (
        "the kexec'd image ran under the lock:\n" + lb.console.text[mark:])
    assert lb.hv.text.count("kernel lock:") > refused, lb.hv.tail()
