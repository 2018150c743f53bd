#!/usr/bin/env python3
r"""scripts/bochs.py - boot Shroud's ESP (or the control boot) in Bochs 2.7.

QEMU's TCG emulates SVM but not VMX; Bochs emulates both (PLATFORM_NOTES.md,
"Intel VT-x" and "More facts"):
    cpu model corei7_skylake_x   VMX with EPT, VPID, unrestricted guest
    cpu model ryzen              SVM with nested paging and NRIPS
so this runner is how the VT-x backend, and the SVM backend's nRIP path,
run at all.  A library (the integration tests put scripts/ on sys.path, as
for qemu.py) and a CLI:

    bochs.py run [--model M] [--virtualize yes|no] [--cmd CMD]
                 [--timeout T] [--until REGEX] [--append PARAMS]
                 [--set KEY=VALUE ...] [--ips N] [--clock SYNC]
                 [--cpu-opt K=V ...] [--disk vvfat|flat] [--cpus N]
                 [--log-dir DIR]
        boot once; print the guest console (COM1) and the hypervisor log
        (COM2, lines prefixed "hv| ") as they grow, then the seconds since
        Bochs started at which each boot milestone appeared (firmware
        output, "Shroud loader", the hypervisor banner, "EFI stub", the
        kernel's first line, init's marker, the command's begin/exit) and
        the command's output.  Ends at REGEX (default: the command's exit
        marker with --cmd, else init's marker) or after T seconds; Bochs
        is killed either way (it has no ACPI power-off here).
        Exit status: the command's with --cmd, 0 when REGEX appeared, 124
        on timeout, 125 when Bochs or the boot failed.

The machine (bochsrc written per boot): i440fx, OVMF.fd as the ROM image
(the 2 MiB unified build; the 4M split is QEMU's), 512 MiB (as the QEMU
runner), one CPU of the chosen model (cpus=N: N of them, see below),
the rfb display with timeout=0
(Debian's Bochs has no nogui; nobody needs to connect), `sound:
driver=dummy` (else Bochs aborts in its mixer thread), COM1 and COM2 to
files, the ESP on ata0-master: by default a vvfat directory extracted from
the boot's copy of the ESP image with mtools, or (disk="flat") the image
itself with a geometry that covers it exactly.  Bochs runs as
`bochs -q -f bochsrc -rc FILE` (FILE holds `c`: run, no debugger prompt).

cpu model ryzen gets `mwait_is_nop=1` by default (MODEL_CPU_OPTS): its
CPUID has MONITORX, Linux then implements udelay() as a timed MWAITX with
IF=0, and Bochs 2.7 never wakes the CPU from it (the guest's RIP stays
after the MWAITX while Bochs's clock runs on: debug() shows it), so
without the option the kernel stops in its first udelay, before it has
registered its console.

cpus=N (N > 1) gives Bochs `count=N`; OVMF on Bochs has no fw_cfg and so
publishes no ACPI tables, and Linux would find no MADT (nor MP tables)
and run on one CPU.  So the boot's ESP directory (vvfat only; disk="flat"
refuses cpus > 1) is rearranged: \EFI\BOOT\BOOTX64.EFI becomes
build/bochs-madt.efi (test/bochs-efi/madt.c, `make all`) and the original
BOOTX64.EFI (shroud.efi) \EFI\shroud\shroud.efi.  bochs-madt.efi counts
the CPUs with the MP services protocol, installs a MADT (local APIC
entries only, PCAT_COMPAT; no FADT, no I/O APIC entry: Linux 6.1 starts
its APs with that and keeps the interrupts on the 8259s), prints
"bochs-madt: N CPUs (APIC IDs ...), MADT installed (...)" and starts
shroud.efi.  cpus=1 boots are as before (no MADT: Linux sees no ACPI).

The boot's shroud.cfg and the guest command go exactly as in qemu.py:
qemu.make_esp / render_cfg replace cfg keys in a copy of build/esp.img,
and the command rides on the kernel command line as qemu.encode_cmd's
`shroud.cmd=<hex>`, which guest/rootfs/init decodes.

Every wait is bounded; BochsBoot.close() (also on context exit, at
interpreter exit and on SIGTERM, through qemu.py's handlers) kills Bochs's
whole process group; Bochs also gets SIGKILL if this process dies, and a
watchdog kills it after `limit` seconds whatever the caller does.  Each
boot's files (bochsrc, bochs.log, console.log, hv.log, the ESP) are in a
temp dir, removed at close unless the boot failed (then its path is
printed) or log_dir was given.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402
from qemu import BootError, Timeout  # noqa: E402,F401

BOCHS = os.environ.get("SHROUD_BOCHS", "bochs")
OVMF_FD = "/usr/share/ovmf/OVMF.fd"
VGABIOS = "/usr/share/vgabios/vgabios.bin"
MODELS = ("corei7_skylake_x", "ryzen")      # the two the project uses
DEFAULT_MODEL = "corei7_skylake_x"
# cpus > 1: the ESP boots this first (test/bochs-efi/madt.c): OVMF on Bochs
# publishes no ACPI tables, so it installs a MADT, then starts shroud.efi.
MADT_EFI = os.path.join(qemu.BUILD, "bochs-madt.efi")
MEMORY_MB = 512                  # as qemu.Boot's default -m 512M
# Bochs is slow (minutes to init): the default bound of one boot's waits.
DEFAULT_BOOT_TIMEOUT = int(os.environ.get("SHROUD_BOCHS_TIMEOUT", "900"))
POLL = 0.1                       # seconds between looks at the COM files
# Bochs's COM ports and the cfg's log_port values they serve.
COM_PORTS = {0x3f8: "com1", 0x2f8: "com2", 0x3e8: "com3", 0x2e8: "com4"}
# cpu: options a model gets unless the boot says otherwise.  ryzen has
# MONITORX, so Linux (bsp_init_amd -> use_mwaitx_delay) implements udelay()
# as MWAITX with its timer (ECX=2, EBX=cycles) and IF=0; Bochs 2.7 never
# ends that sleep, so the boot stops in the first udelay (init_8259A, right
# after "NR_IRQS: ..." and before the console is registered: no kernel line
# at all without earlyprintk).  mwait_is_nop=1 makes MWAIT/MWAITX return
# at once and delay_halt() spins on the TSC instead.  (Not for the Intel
# models: their idle loop's MWAIT wakes on interrupts, and a nop would turn
# idle time, which Bochs skips, into busy time.)
MODEL_CPU_OPTS = {"ryzen": {"mwait_is_nop": "1"}}

# Boot milestones for the CLI's timing table: (label, stream, regex).
MILESTONES = (
    ("firmware output", "console", r"\S"),
    ("Shroud loader", "console", r"Shroud loader"),
    ("hypervisor banner", "hv", r"Shroud hypervisor v"),
    ("EFI stub", "console", r"EFI stub"),
    ("kernel first line", "console", r"Linux version"),
    ("init reached", "console", re.escape(qemu.INIT_MARKER)),
    ("cmd begin", "console", r"shroud-guest: cmd begin"),
    ("cmd exit", "console", qemu.CMD_EXIT_RE),
)


class TimedStream(qemu.Stream):
    """A qemu.Stream that also remembers when each chunk arrived, so the
    time at which some text appeared can be asked afterwards."""

    def __init__(self, name, t0, echo=None):
        super().__init__(name, None, echo=echo)
        self.t0 = t0
        self.arrivals = []          # (end offset in text, seconds since t0)

    def feed(self, data):
        t = time.monotonic() - self.t0
        super().feed(data)
        with self.cond:
            self.arrivals.append((len(self.text), t))

    def time_of(self, pattern, start=0):
        """Seconds since t0 at which the first match of pattern (from
        offset start) had fully arrived, or None."""
        with self.cond:
            m = re.compile(pattern).search(self.text, start)
            if not m:
                return None
            for end, t in self.arrivals:
                if end >= m.end():
                    return t
        return None


class _Prefixed:
    """A binary 'file' that writes lines to out with a prefix (the live
    hypervisor log between console lines)."""

    def __init__(self, out, prefix):
        self.out, self.prefix, self.bol = out, prefix, True

    def write(self, data):
        text = b""
        for line in data.splitlines(keepends=True):
            if self.bol:
                text += self.prefix
            text += line
            self.bol = line.endswith(b"\n")
        self.out.write(text)

    def flush(self):
        self.out.flush()


def _mtools_env():
    return dict(os.environ, MTOOLS_SKIP_CHECK="1")


def extract_esp(img, outdir):
    """Copy every file of the FAT image img into outdir (mtools)."""
    os.makedirs(outdir, exist_ok=True)
    r = subprocess.run(["mcopy", "-s", "-n", "-m", "-i", img, "::*", outdir],
                       capture_output=True, timeout=60, env=_mtools_env())
    if r.returncode:
        raise BootError("mcopy from %s: %s" % (img, r.stderr.decode().strip()))
    return outdir


def chain_madt(espdir):
    """Make an extracted ESP directory boot bochs-madt.efi first: it
    becomes EFI/BOOT/BOOTX64.EFI, the BOOTX64.EFI that was there (Shroud's
    loader) EFI/shroud/shroud.efi, which bochs-madt.efi starts."""
    boot = os.path.join(espdir, "EFI", "BOOT", "BOOTX64.EFI")
    nxt = os.path.join(espdir, "EFI", "shroud", "shroud.efi")
    if not os.path.isfile(boot):
        raise BootError("%s: no EFI/BOOT/BOOTX64.EFI" % espdir)
    os.makedirs(os.path.dirname(nxt), exist_ok=True)
    os.replace(boot, nxt)
    shutil.copyfile(MADT_EFI, boot)


def flat_geometry(size):
    """(cylinders, heads, spt) with C*H*S*512 == size exactly (Bochs wants
    that of a flat image); mkesp.sh sizes images in whole MiB."""
    sectors, rem = divmod(size, 512)
    if rem == 0:
        for heads, spt in ((16, 63), (16, 32), (16, 16), (8, 32), (4, 16),
                           (2, 16), (1, 8), (1, 1)):
            if sectors % (heads * spt) == 0 and sectors // (heads * spt) \
                    <= 65535:
                return sectors // (heads * spt), heads, spt
    raise BootError("ESP image of %d bytes: no exact disk geometry" % size)


class BochsBoot(qemu.Boot):
    """One Bochs boot of the ESP with its temp dir and two streams:
    console (COM1: firmware, loader, kernel, init) and hv (the
    hypervisor's UART at the cfg's log_port, COM2 by default).

    model:     Bochs cpu model (corei7_skylake_x: VMX; ryzen: SVM)
    virtualize: True (default) boots shroud.efi's hypervisor; False is the
               control boot (cfg virtualize = no); a "virtualize" key in
               cfg wins over it
    cfg:       dict of shroud.cfg keys to replace
    cmd:       a shell command for init to run (output between
               "shroud-guest: cmd begin" and "... cmd exit=N")
    cmdline:   kernel command line (default: the cfg's); append: extra
               kernel parameters after it (e.g. earlyprintk=serial,...)
    timeout:   default bound of expect() / wait_init() / wait_cmd()
    limit:     hard bound of the whole boot: a watchdog kills Bochs then
               (default: timeout + 120 s)
    ips, clock, cpu_opts: Bochs's cpu ips=, clock sync= (none, slowdown,
               realtime, both) and further cpu: options (dict or
               "k=v, k=v"), over the model's MODEL_CPU_OPTS (ryzen:
               mwait_is_nop=1, without which Linux hangs in its first
               udelay; cpu_opts={"mwait_is_nop": "0"} shows it)
    disk:      "vvfat" (the ESP's files as a directory) or "flat" (the
               image itself)
    cpus:      Bochs's CPU count; > 1 (vvfat only) boots through
               build/bochs-madt.efi, which publishes a MADT for them
    log_dir:   where bochsrc / bochs.log / console.log / hv.log are kept
               (default: the temp dir; kept only if the boot failed)
    echo:      copy both streams to stdout as they grow (hv lines
               prefixed "hv| ")
    bochs_info: Bochs's info-level messages into bochs.log too
    debugger:  keep Bochs's stdin (its debugger's) open: debug() can then
               stop the emulation and run debugger commands (registers,
               disassembly) while the guest hangs, say
    """

    def __init__(self, model=DEFAULT_MODEL, virtualize=True, cfg=None,
                 cmd=None, cmdline=None, append=None, log_dir=None,
                 timeout=DEFAULT_BOOT_TIMEOUT, limit=None, ips=None,
                 clock=None, cpu_opts=None, disk="vvfat", memory=MEMORY_MB,
                 esp=qemu.ESP_IMG, echo=False, bochs_info=False,
                 debugger=False, cpus=1):
        if not re.match(r"^[a-z0-9_]+$", model or ""):
            raise ValueError("bad cpu model %r" % model)
        if disk not in ("vvfat", "flat"):
            raise ValueError(disk)
        cpus = int(cpus)
        if cpus < 1:
            raise ValueError("cpus=%d" % cpus)
        if cpus > 1 and disk != "vvfat":
            raise BootError("cpus=%d needs disk=vvfat (bochs-madt.efi goes "
                            "into the ESP directory)" % cpus)
        if cpus > 1 and not os.path.exists(MADT_EFI):
            raise BootError("%s missing (make all)" % MADT_EFI)
        super().__init__(mode="shroud" if virtualize else "plain", cfg=cfg,
                         cmd=cmd, cmdline=cmdline, log_dir=log_dir,
                         echo=echo, tpm=False, memory="%dM" % memory,
                         esp=esp)
        self.model = model
        self.append = append
        self.timeout = timeout
        self.limit = limit if limit is not None else timeout + 120
        self.ips = ips
        self.clock = clock
        if isinstance(cpu_opts, str):
            cpu_opts = dict(kv.strip().split("=", 1)
                            for kv in cpu_opts.split(",") if kv.strip())
        self.cpu_opts = dict(MODEL_CPU_OPTS.get(model, {}))
        self.cpu_opts.update(cpu_opts or {})
        self.disk = disk
        self.cpus = cpus
        self.memory_mb = int(memory)
        self.bochs_info = bochs_info
        self.debugger = debugger
        self.bochs = None
        self.cfg_used = None        # the shroud.cfg of this boot (dict)
        self.failed = False
        self._keep_logs = log_dir is not None
        self.console_path = os.path.join(self.log_dir, "console.log")
        self.hv_log_path = os.path.join(self.log_dir, "hv.log")

    # -- the machine ----------------------------------------------------------

    def _kernel_cmdline(self, base):
        if self.append:
            base = "%s %s" % (base, self.append)
        return super()._kernel_cmdline(base)

    def bochsrc(self, disk_line, hv_com):
        cpu = {"model": self.model, "count": str(self.cpus),
               "reset_on_triple_fault": "1", "ignore_bad_msrs": "1"}
        if self.ips:
            cpu["ips"] = str(int(self.ips))
        cpu.update({k: str(v) for k, v in self.cpu_opts.items()})
        q = lambda p: '"%s"' % p      # noqa: E731 (paths: our temp dirs)
        lines = [
            "# written by scripts/bochs.py for one boot",
            "config_interface: textconfig",
            'display_library: rfb, options="timeout=0"',
            "memory: guest=%d, host=%d" % (self.memory_mb, self.memory_mb),
            "romimage: file=%s" % q(OVMF_FD),
            "vgaromimage: file=%s" % q(VGABIOS),
            "cpu: " + ", ".join("%s=%s" % kv for kv in cpu.items()),
            "pci: enabled=1, chipset=i440fx",
            "boot: disk",
            disk_line,
            "com1: enabled=1, mode=file, dev=%s" % q(self.console_path),
            "%s: enabled=1, mode=file, dev=%s" % (hv_com,
                                                  q(self.hv_log_path)),
            "sound: driver=dummy",
            "speaker: enabled=0",
            "mouse: enabled=0",
            "clock: sync=%s, time0=local" % (self.clock or "none"),
            "log: %s" % q(os.path.join(self.log_dir, "bochs.log")),
            "panic: action=fatal",
            "error: action=report",
            "info: action=%s" % ("report" if self.bochs_info else "ignore"),
            "debug: action=ignore",
        ]
        return "\n".join(lines) + "\n"

    def _disk(self, esp):
        if self.disk == "flat":
            c, h, s = flat_geometry(os.path.getsize(esp))
            return ('ata0-master: type=disk, mode=flat, path="%s", '
                    'cylinders=%d, heads=%d, spt=%d' % (esp, c, h, s))
        d = extract_esp(esp, self._path("esp"))
        os.unlink(esp)
        if self.cpus > 1:
            chain_madt(d)
        return ('ata0-master: type=disk, mode=vvfat, path="%s", '
                'journal="%s"' % (d, self._path("vvfat.redolog")))

    def _start(self):
        for p in (OVMF_FD, VGABIOS):
            if not os.path.exists(p):
                raise BootError("%s missing (make setup)" % p)
        if shutil.which(BOCHS) is None:
            raise BootError("%s not found (make setup)" % BOCHS)
        esp, cfg = self._prepare_esp()
        self.cfg_used = cfg
        port = int(cfg.get("log_port", "0x2f8"), 0)
        hv_com = COM_PORTS.get(port)
        if hv_com in (None, "com1"):
            raise BootError("log_port %#x: Bochs has 16550s only at "
                            "0x2f8/0x3e8/0x2e8 besides COM1" % port)
        rc = self._path("bochsrc")
        with open(rc, "w") as f:
            f.write(self.bochsrc(self._disk(esp), hv_com))
        if self.log_dir != self.dir:
            shutil.copyfile(rc, os.path.join(self.log_dir, "bochsrc"))
        cont = self._path("bochs.rc")
        with open(cont, "w") as f:
            f.write("c\n")
        for p in (self.console_path, self.hv_log_path):
            open(p, "wb").close()
        argv = [BOCHS, "-q", "-f", rc, "-rc", cont]
        with open(os.path.join(self.log_dir, "bochs.cmd"), "w") as f:
            f.write(" ".join(argv) + "\n")
        self._stderr = open(os.path.join(self.log_dir, "bochs.out"), "wb")
        self.t_start = time.monotonic()
        self.bochs = subprocess.Popen(
            argv, cwd=self.dir,
            stdin=subprocess.PIPE if self.debugger else subprocess.DEVNULL,
            stdout=self._stderr, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=qemu._pdeathsig)
        out = sys.stdout.buffer if self.echo else None
        self.console = TimedStream("console", self.t_start, echo=out)
        self.hv = TimedStream("hv-log", self.t_start,
                              echo=_Prefixed(out, b"hv| ") if out else None)
        self.console.start_reader(self._follow(self.console_path))
        self.hv.start_reader(self._follow(self.hv_log_path))
        threading.Thread(target=self._watchdog, name="bochs-watchdog",
                         daemon=True).start()

    def _follow(self, path):
        """read() for Stream.start_reader: new bytes of a file Bochs
        writes, polled; b'' once Bochs is gone and all was read."""
        f = open(path, "rb", buffering=0)

        def read():
            while True:
                data = f.read(65536)
                if data:
                    return data
                if not self.alive():
                    data = f.read(65536)
                    if not data:
                        f.close()
                    return data
                time.sleep(POLL)
        return read

    def _watchdog(self):
        deadline = self.t_start + self.limit
        while not self._closed and self.alive():
            if time.monotonic() >= deadline:
                print("bochs.py: boot over its %ss limit, killing Bochs"
                      % self.limit, file=sys.stderr)
                self._kill()
                return
            time.sleep(0.5)

    def alive(self):
        return self.bochs is not None and self.bochs.poll() is None

    def _kill(self):
        p = self.bochs
        if p is None:
            return
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)   # its own session/group
            except OSError:
                p.kill()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def debug(self, commands, settle=3.0, timeout=60, resume=True):
        """Stop the emulation (SIGINT: Bochs's debugger takes over), run
        the debugger commands (e.g. "r", "u /10", "x /8gx 0x1000",
        "info tab"), and return what they printed; then let the guest
        run on (resume) or leave it stopped.  Needs debugger=True.  The
        output has no end marker: it is what bochs.out gained until it was
        still for settle seconds (at most timeout)."""
        if not self.debugger or not self.alive():
            raise BootError("debug(): start the boot with debugger=True "
                            "(and while Bochs runs)")
        path = os.path.join(self.log_dir, "bochs.out")
        start = os.path.getsize(path)
        os.kill(self.bochs.pid, signal.SIGINT)   # the wrapper exec'd bochs-bin
        lines = list(commands) + (["c"] if resume else [])
        self.bochs.stdin.write(("\n".join(lines) + "\n").encode())
        self.bochs.stdin.flush()
        deadline = time.monotonic() + timeout
        size, still = start, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            now = os.path.getsize(path)
            if now != size:
                size, still = now, time.monotonic()
            elif now > start and time.monotonic() - still >= settle:
                break
        with open(path, "rb") as f:
            f.seek(start)
            return f.read().decode("latin-1")

    def bochs_log(self, n=2000):
        try:
            with open(os.path.join(self.log_dir, "bochs.log"), "rb") as f:
                return f.read()[-n:].decode("latin-1")
        except OSError:
            return ""

    def close(self):
        if self._closed:
            return
        self._closed = True
        self._kill()
        # let the readers take what is left in the files
        for st in (self.console, self.hv):
            if st is None:
                continue
            deadline = time.monotonic() + 5
            with st.cond:
                while not st.eof and time.monotonic() < deadline:
                    st.cond.wait(0.2)
            st.close()
        if getattr(self, "_stderr", None):
            self._stderr.close()
        if self.bochs is not None and self.bochs.stdin:
            try:
                self.bochs.stdin.close()
            except OSError:
                pass
        if self.failed and not self._keep_logs:
            print("bochs.py: boot failed; its files are kept in %s"
                  % self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        with qemu._live_lock:
            qemu._live_boots.discard(self)

    # -- waiting ----------------------------------------------------------------

    def _where(self):
        return ("\nlogs: %s (console.log, hv.log, bochs.log, bochsrc)"
                "\n--- bochs.log tail ---\n%s"
                % (self.log_dir, self.bochs_log(1500)))

    def _expect(self, stream, pattern, timeout):
        try:
            return stream.expect(pattern, timeout, alive=self.alive)
        except BootError as e:
            self.failed = True
            raise type(e)(str(e) + self._where()) from None

    def expect(self, pattern, timeout=None):
        """Wait for pattern on the guest console (COM1)."""
        return self._expect(self.console, pattern,
                            self.timeout if timeout is None else timeout)

    def expect_hv(self, pattern, timeout=None):
        """Wait for pattern in the hypervisor log."""
        return self._expect(self.hv, pattern,
                            self.timeout if timeout is None else timeout)

    def wait_init(self, timeout=None):
        return super().wait_init(self.timeout if timeout is None
                                 else timeout)

    def wait_cmd(self, timeout=None):
        return super().wait_cmd(self.timeout if timeout is None
                                else timeout)

    def milestones(self):
        """[(label, seconds or None)] for MILESTONES, from the arrival
        times of the streams."""
        out = []
        for label, which, rx in MILESTONES:
            st = self.console if which == "console" else self.hv
            out.append((label, st.time_of(rx) if st else None))
        return out

    # -- what Bochs cannot do here ------------------------------------------

    def _no(self, *a, **k):
        raise BootError("not under Bochs (COM ports are files: no input, "
                        "no QMP, no gdbstub)")

    send = send_hv = send_break = wait_shell = sh = _no
    qmp = wait_paused = pmemsave = gdb = phys_read = phys_write = _no


# --------------------------------------------------------------------------
# CLI

def cmd_run(a):
    cfg = qemu._overrides(a.set)
    boot = BochsBoot(model=a.model, virtualize=(a.virtualize == "yes"),
                     cfg=cfg, cmd=a.cmd, cmdline=a.cmdline, append=a.append,
                     log_dir=a.log_dir, timeout=a.timeout,
                     limit=a.timeout + 30, ips=a.ips, clock=a.clock,
                     cpu_opts=dict(qemu._overrides(a.cpu_opt)),
                     disk=a.disk, echo=not a.quiet,
                     bochs_info=a.bochs_info, cpus=a.cpus)
    until = a.until or (qemu.CMD_EXIT_RE if a.cmd is not None
                        else re.escape(qemu.INIT_MARKER))
    rx = re.compile(until)
    rc = 0
    how = ""
    try:
        boot.start()
        print("bochs.py: Bochs %s%s, virtualize=%s, files in %s"
              % (a.model, " x%d CPUs" % boot.cpus if boot.cpus > 1 else "",
                 boot.cfg_used.get("virtualize"), boot.log_dir),
              file=sys.stderr)
        deadline = boot.t_start + a.timeout
        while True:
            if rx.search(boot.console.text) or rx.search(boot.hv.text):
                how = "found %r" % until
                break
            if not boot.alive():
                how = "Bochs exited (%s)" % boot.bochs.returncode
                rc = 125
                boot.failed = True
                break
            if time.monotonic() >= deadline:
                how = "timeout: no %r within %ss" % (until, a.timeout)
                rc = 124
                boot.failed = True
                break
            time.sleep(0.2)
        elapsed = boot.elapsed()
        boot._kill()
        con, hv = boot.console, boot.hv
        for st in (con, hv):           # the readers' last look
            with st.cond:
                end = time.monotonic() + 5
                while not st.eof and time.monotonic() < end:
                    st.cond.wait(0.2)
        if a.quiet:
            sys.stdout.write(con.text.replace("\r", ""))
            sys.stdout.write("".join("hv| " + line for line in
                                     hv.text.replace("\r", "")
                                     .splitlines(True)))
        print("\n\nbochs.py: %s after %.1f s (model %s, virtualize=%s)"
              % (how, elapsed, a.model, boot.cfg_used.get("virtualize")))
        for label, t in boot.milestones():
            print("  %-20s %s" % (label, "-" if t is None else "%8.1f s" % t))
        m = re.search(r"shroud-guest: cmd begin\r?\n(.*?)"
                      + qemu.CMD_EXIT_RE, con.text, re.S)
        if a.cmd is not None and m:
            print("bochs.py: command output:\n%s--- exit=%s"
                  % (m.group(1).replace("\r", ""), m.group(2)))
            if rc == 0:
                rc = int(m.group(2))
        if rc:
            print("bochs.py: files: %s\n--- bochs.log tail ---\n%s"
                  % (boot.log_dir, boot.bochs_log(1500)))
        sys.stdout.flush()
        return rc
    finally:
        boot.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run", help="boot once and time the milestones")
    r.add_argument("--model", default=DEFAULT_MODEL,
                   help="Bochs cpu model (corei7_skylake_x: VMX, "
                        "ryzen: SVM; bochs --help cpu lists them)")
    r.add_argument("--virtualize", choices=("yes", "no"), default="yes",
                   help="no: the control boot without the hypervisor")
    r.add_argument("--cmd", help="run this command in the guest")
    r.add_argument("--timeout", type=float, default=DEFAULT_BOOT_TIMEOUT,
                   help="seconds from Bochs's start until REGEX")
    r.add_argument("--until", metavar="REGEX",
                   help="stop when this appears on the console or in the "
                        "hypervisor log")
    r.add_argument("--cmdline", help="kernel command line (default: the "
                                     "cfg's)")
    r.add_argument("--append", metavar="PARAMS",
                   help="extra kernel parameters after the command line")
    r.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="replace a shroud.cfg key for this boot")
    r.add_argument("--ips", type=int, help="Bochs cpu ips=")
    r.add_argument("--clock", help="Bochs clock sync= (none, slowdown, "
                                   "realtime, both)")
    r.add_argument("--cpu-opt", action="append", metavar="KEY=VALUE",
                   help="another Bochs cpu: option (mwait_is_nop=1, ...)")
    r.add_argument("--disk", choices=("vvfat", "flat"), default="vvfat")
    r.add_argument("--cpus", type=int, default=1,
                   help="Bochs CPUs (N > 1: boots through "
                        "build/bochs-madt.efi for a MADT; vvfat only)")
    r.add_argument("--log-dir", help="keep the boot's files here")
    r.add_argument("--quiet", action="store_true",
                   help="print the logs at the end, not as they grow")
    r.add_argument("--bochs-info", action="store_true",
                   help="Bochs's info messages into bochs.log too")
    r.set_defaults(fn=cmd_run)
    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except BootError as ex:
        print("bochs.py: %s" % ex, file=sys.stderr)
        return 125
    except KeyboardInterrupt as ex:          # Ctrl-C, or SIGTERM (qemu.py)
        print("bochs.py: stopped (%s)" % (ex or "interrupt"),
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
