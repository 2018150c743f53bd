#!/usr/bin/env python3
"""scripts/qemu.py - boot Shroud (or the control guest) in QEMU under TCG.

A library for the integration tests and the boot benchmark, and a CLI:

    qemu.py run [--cmd CMD] [--no-shroud | --direct] [--set KEY=VALUE ...]
                [--gdb SOCKET] [--reset-pause]
        interactive: the guest console (COM1) on this terminal (Ctrl-A x
        quits QEMU), the hypervisor log (COM2) in build/hv.log, its debug
        console keys through the FIFO build/hv-console (echo c > ...).  With
        --cmd, run CMD in the guest, print its output, power off and exit
        with CMD's exit status.  --gdb SOCKET: QEMU's gdbstub on that unix
        socket too (target remote SOCKET).  --reset-pause: a guest reset
        (or power-off) pauses the VM with its RAM kept instead of ending
        QEMU (then Ctrl-A c gives QEMU's monitor, e.g. pmemsave).
    qemu.py esp OUT.img [--set KEY=VALUE ...]
        write a copy of build/esp.img whose shroud.cfg has KEY replaced.

The machine: q35, TCG, -cpu EPYC,+svm,+npt, 512 MiB, one CPU, no NIC (else
OVMF tries network boot for minutes), no display; OVMF_CODE_4M read-only
plus a per-boot copy of OVMF_VARS_4M; a per-boot swtpm (TPM 2.0, CRB);
the ESP image on virtio-blk (bootindex 0: OVMF boots \\EFI\\BOOT\\BOOTX64.EFI
from it as removable media, no shell); COM1 = guest console on QEMU's
stdio; COM2 = the hypervisor's UART on a unix socket (read into hv.log,
writable for the debug-console keys); QMP on a unix socket.

Guest command passing: `shroud.cmd=<hex of the command>` on the kernel
command line; guest/rootfs/init decodes and runs it, printing
"shroud-guest: cmd begin" / "shroud-guest: cmd exit=N", then powers off.

Host-side access to guest-physical memory (a physical attacker's view):
Boot(gdb=True) adds QEMU's gdbstub on a unix socket (-gdb unix:PATH,
server=on,wait=off); boot.gdb() is a minimal gdb remote-protocol client
(class Gdb) in physical-memory mode (Qqemu.PhyMemMode:1, QEMU >= 4.1);
boot.phys_read(addr, n) / boot.phys_write(addr, data) stop the VM around
the access and let it run again.  Without gdb=True nothing changes.

A warm reset seen from the host: Boot(reset_pause=True) adds
`-action reboot=shutdown,shutdown=pause` (QEMU >= 6.0): a reset (or a
power-off) the guest or the hypervisor asks for stops the VM instead of
rebooting or ending QEMU, with RAM as the reset left it; boot.wait_paused()
polls QMP query-status for that stop (bounded) and boot.pmemsave(path)
dumps all guest-physical RAM then (QMP pmemsave; the VM stays stopped: a
VM stopped by a shutdown cannot be continued).  Without reset_pause=True
nothing changes (-no-reboot: a reset ends QEMU).

Every wait is bounded; Boot.close() (also on context exit, at interpreter
exit and on SIGTERM) kills QEMU and swtpm and removes the temp dir; the
children also get SIGKILL from the kernel if this process dies
(PR_SET_PDEATHSIG).
"""
import argparse
import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
ESP_IMG = os.path.join(BUILD, "esp.img")
KERNEL = os.path.join(TOP, "third_party", "linux", "vmlinuz")
INITRAMFS = os.path.join(BUILD, "initramfs.cpio.gz")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
QEMU = os.environ.get("SHROUD_QEMU", "qemu-system-x86_64")
# TCG's threading with more than one CPU: multi (one QEMU thread per vCPU,
# the default) or single, a developer's knob for issue 11's reset hunt
# (every vCPU on one QEMU thread, taking turns).
TCG_THREAD = os.environ.get("SHROUD_TCG_THREAD", "multi")
CFG_PATH = "::/EFI/shroud/shroud.cfg"

# Console markers printed by guest/rootfs/init.
INIT_MARKER = "shroud-guest: init reached"
SHELL_MARKER = "shroud-guest: shell"
PROMPT = "shroud-guest# "
CMD_EXIT_RE = r"shroud-guest: cmd exit=(\d+)"
DEFAULT_CMDLINE = "console=ttyS0,115200 panic=-1 init_on_free=1"
# The loader keeps at most 1023 characters of cmdline (config.h) and appends
# initrd= and nosmp to it: keep ours well below.
MAX_CMDLINE = 900

HV_PORT_DEFAULT = 0x2f8       # COM2
DEFAULT_BOOT_TIMEOUT = 240   # seconds, QEMU start to guest init


class BootError(Exception):
    """QEMU, swtpm or the guest did not do what was expected."""


class Timeout(BootError):
    pass


# --------------------------------------------------------------------------
# Child processes: die with us, and are all killed at exit.

_live_boots = set()
_live_lock = threading.Lock()
# CPUs of a test boot that does not ask ($SHROUD_CPUS, else 1: the SMP
# tests ask for 2 themselves; see README "Current limits" for why the rest
# of the suite stays at 1), and of `qemu.py run` / `make run` (2).
DEFAULT_CPUS = int(os.environ.get("SHROUD_CPUS", "1"))
RUN_CPUS = int(os.environ.get("SHROUD_CPUS", "2"))


def _pdeathsig():
    """preexec_fn: SIGKILL the child when the parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)        # PR_SET_PDEATHSIG
    except Exception:
        pass


def _close_all():
    with _live_lock:
        boots = list(_live_boots)
    for b in boots:
        b.close()


atexit.register(_close_all)


def _on_sigterm(signum, frame):
    """Kill our children first, then stop like Ctrl-C would (pytest ends
    the session on KeyboardInterrupt and still runs the teardowns)."""
    _close_all()
    signal.signal(signum, signal.SIG_DFL)
    raise KeyboardInterrupt("signal %d" % signum)


if threading.current_thread() is threading.main_thread():
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)


# --------------------------------------------------------------------------
# Expect-style output streams.

class Stream:
    """Bytes from a child (a pipe or a socket), kept in memory and in a log
    file, searched with regular expressions from a moving cursor.
    Text is decoded as latin-1 so that every byte maps to one character."""

    def __init__(self, name, logpath=None, echo=None):
        self.name = name
        self.text = ""
        self.pos = 0
        self.eof = False
        self.cond = threading.Condition()
        self.log = open(logpath, "ab", buffering=0) if logpath else None
        self.echo = echo            # a binary file to copy output to

    def feed(self, data):
        if self.log:
            self.log.write(data)
        if self.echo:
            try:
                self.echo.write(data)
                self.echo.flush()
            except Exception:
                pass
        with self.cond:
            self.text += data.decode("latin-1")
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.eof = True
            self.cond.notify_all()
        if self.log:
            self.log.close()
            self.log = None

    def start_reader(self, read):
        """Run read() -> bytes ('' at EOF) in a daemon thread."""
        def loop():
            try:
                while True:
                    data = read()
                    if not data:
                        break
                    self.feed(data)
            except (OSError, ValueError):
                pass
            finally:
                with self.cond:
                    self.eof = True
                    self.cond.notify_all()
        t = threading.Thread(target=loop, name="reader-" + self.name,
                             daemon=True)
        t.start()
        return t

    def expect(self, pattern, timeout, alive=None):
        """Wait for pattern after the cursor; move the cursor past it and
        return the match.  Raises Timeout, or BootError at EOF."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if self.eof or (alive is not None and not alive()):
                    raise BootError("%s: ended before %r\n--- tail ---\n%s"
                                    % (self.name, rx.pattern, self.tail()))
                if left <= 0:
                    raise Timeout("%s: no %r within %ss\n--- tail ---\n%s"
                                  % (self.name, rx.pattern, timeout,
                                     self.tail()))
                self.cond.wait(min(left, 0.5))

    def search(self, pattern, start=0):
        with self.cond:
            return re.search(pattern, self.text[start:])

    def tail(self, n=3000):
        return self.text[-n:]


# --------------------------------------------------------------------------
# ESP image and configuration.

def parse_cfg(text):
    """shroud.cfg text -> ordered list of (key, value) (comments dropped)."""
    items = []
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):     # comment lines only
            continue
        if "=" not in line:
            raise BootError("shroud.cfg: bad line %r" % line)
        k, v = line.split("=", 1)
        items.append((k.strip(), v.strip()))
    return items


def read_cfg(esp):
    if not os.path.exists(esp):
        raise BootError("no ESP image %s (run make)" % esp)
    out = subprocess.run(["mtype", "-i", esp, CFG_PATH],
                         capture_output=True, timeout=30,
                         env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    if out.returncode:
        raise BootError("%s: cannot read %s: %s" % (
            esp, CFG_PATH, out.stderr.decode().strip()))
    return out.stdout.decode()


def render_cfg(base_text, overrides):
    """Replace keys of the base cfg (keeping its comments and order);
    append keys it lacks."""
    done = set()
    lines = []
    for line in base_text.splitlines():
        body = line.strip()
        if "=" in body and not body.startswith("#"):
            k = body.split("=", 1)[0].strip()
            if k in overrides:
                line = "%s = %s" % (k, overrides[k])
                done.add(k)
        lines.append(line)
    for k, v in overrides.items():
        if k not in done:
            lines.append("%s = %s" % (k, v))
    return "\n".join(lines) + "\n"


def make_esp(out, overrides, base=ESP_IMG):
    """Copy base ESP to out with shroud.cfg keys replaced."""
    if not os.path.exists(base):
        raise BootError("no ESP image %s (run make)" % base)
    shutil.copyfile(base, out)
    if overrides:
        cfg = render_cfg(read_cfg(base), overrides)
        tmp = out + ".cfg"
        with open(tmp, "w") as f:
            f.write(cfg)
        subprocess.run(["mcopy", "-o", "-i", out, tmp, CFG_PATH], check=True,
                       timeout=30, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        os.unlink(tmp)
    return out


def encode_cmd(cmd):
    return "shroud.cmd=" + cmd.encode().hex()


# --------------------------------------------------------------------------
# QEMU's gdbstub: guest-physical memory from the host.

class GdbError(BootError):
    pass


class Gdb:
    """A minimal client of the gdb remote protocol for QEMU's gdbstub,
    only what a host-side memory attacker needs: stop the VM (^C), read
    ('m addr,len') and write ('M addr,len:hex') guest-PHYSICAL memory
    (after 'Qqemu.PhyMemMode:1'), let it run ('c').

    Packets are '$data#xx' (xx: the sum of the data bytes mod 256, two hex
    digits), each answered by '+' (or '-': send again).  QEMU stops the
    VM when a client connects and when it receives any byte while the VM
    runs (0x03 by convention), and reports each stop with a 'T..' stop
    reply; while the VM runs it processes no packets.  So every access is
    halt() ... resume() (paused() is both, around a with block); the
    client keeps the run state it left the VM in (running after
    connect()).  Every wait is bounded by timeout."""

    CHUNK = 1024            # bytes per m/M packet (QEMU: 4096-byte packets)

    def __init__(self, path, timeout=30):
        self.path = path
        self.timeout = timeout
        self.sock = None
        self.buf = b""
        self.running = None
        self.stops = []         # stop replies seen ('T02thread:...;')

    # -- connection ----------------------------------------------------------

    def connect(self, was_running=True):
        """Connect and switch to physical-memory mode.  was_running:
        whether the VM ran before (then QEMU stops it on the connection and
        sends a stop reply, which is awaited, and the VM runs again when
        connect returns; else it stays stopped)."""
        deadline = time.monotonic() + self.timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                break
            except OSError as e:
                s.close()
                if time.monotonic() > deadline:
                    raise GdbError("gdbstub %s: %s" % (self.path, e))
                time.sleep(0.05)
        s.settimeout(self.timeout)
        self.sock = s
        if was_running:
            self._wait_stop()
        self.running = False
        self.command("qSupported")               # any answer will do
        r = self.command("Qqemu.PhyMemMode:1")
        if r != "OK":
            raise GdbError("Qqemu.PhyMemMode:1 refused (%r): QEMU >= 4.1 "
                           "needed" % r)
        if was_running:
            self.resume()
        return self

    def close(self):
        if self.sock is not None:
            try:
                if self.running is False:
                    self.resume()
            except (OSError, BootError):
                pass
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    # -- bytes and packets -------------------------------------------------

    def _recv(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise GdbError("gdbstub: no answer within %ss" % self.timeout)
        if not data:
            raise GdbError("gdbstub: connection closed")
        self.buf += data

    @staticmethod
    def _frame(data):
        return b"$%s#%02x" % (data, sum(data) & 0xff)

    def _read_packet(self):
        """The next '$...#xx' packet's data (acked); '+'/'-' before it are
        dropped."""
        while True:
            i = self.buf.find(b"$")
            if i >= 0:
                j = self.buf.find(b"#", i)
                if j >= 0 and len(self.buf) >= j + 3:
                    data = self.buf[i + 1:j]
                    cs = self.buf[j + 1:j + 3]
                    self.buf = self.buf[j + 3:]
                    if int(cs, 16) != sum(data) & 0xff:
                        self.sock.sendall(b"-")
                        continue
                    self.sock.sendall(b"+")
                    return data.decode("latin-1")
            self._recv()

    def _wait_ack(self):
        """'+' or '-' for the packet just sent (True: acked)."""
        while True:
            for k, ch in enumerate(self.buf):
                if ch in b"+-":
                    self.buf = self.buf[k + 1:]
                    return ch == ord("+")
                if ch == ord("$"):      # a packet first (a stop reply)
                    self._stash_packet()
                    break
            else:
                self.buf = b""
                self._recv()

    def _stash_packet(self):
        p = self._read_packet()
        if p[:1] in ("T", "S"):
            self.stops.append(p)
            self.running = False

    def _send(self, data):
        raw = self._frame(data.encode("latin-1"))
        for _ in range(5):
            self.sock.sendall(raw)
            if self._wait_ack():
                return
        raise GdbError("gdbstub: packet %r not acknowledged" % data[:40])

    def command(self, data):
        """Send one packet (the VM stopped) and return its answer."""
        if self.running:
            raise GdbError("gdbstub: %r while the VM runs (halt() first)"
                           % data[:40])
        self._send(data)
        return self._read_packet()

    def _wait_stop(self):
        while True:
            p = self._read_packet()
            if p[:1] in ("T", "S"):
                self.stops.append(p)
                self.running = False
                return p

    # -- run state ------------------------------------------------------------

    def halt(self):
        """Stop the VM (^C); returns its stop reply ('' if it was
        stopped already)."""
        if self.running is False:
            return ""
        self.sock.sendall(b"\x03")
        return self._wait_stop()

    def resume(self):
        """Let the VM run ('c': acked, no answer until the next stop)."""
        if self.running:
            return
        self._send("c")
        self.running = True

    class _Paused:
        def __init__(self, g):
            self.g = g

        def __enter__(self):
            self.was = self.g.running
            self.g.halt()
            return self.g

        def __exit__(self, *exc):
            if self.was:
                self.g.resume()
            return False

    def paused(self):
        """with gdb.paused(): ... - the VM stopped inside the block (one
        instant for several accesses), running again after it if it ran
        before."""
        return Gdb._Paused(self)

    # -- guest-physical memory (VM stopped) ----------------------------------

    def read(self, addr, n):
        out = b""
        while len(out) < n:
            k = min(self.CHUNK, n - len(out))
            r = self.command("m%x,%x" % (addr + len(out), k))
            if not r or r[0] == "E" and len(r) == 3:
                raise GdbError("read of %d bytes at 0x%x: %r"
                               % (k, addr + len(out), r))
            out += bytes.fromhex(r)
        return out

    def write(self, addr, data):
        data = bytes(data)
        for o in range(0, len(data), self.CHUNK):
            part = data[o:o + self.CHUNK]
            r = self.command("M%x,%x:%s" % (addr + o, len(part), part.hex()))
            if r != "OK":
                raise GdbError("write of %d bytes at 0x%x: %r"
                               % (len(part), addr + o, r))


# --------------------------------------------------------------------------
# One boot.

class Boot:
    """One QEMU boot with its swtpm, temp dir and streams.

    mode:     "shroud"  ESP with shroud.efi (cfg virtualize = yes)
              "plain"   same ESP, cfg virtualize = no (loader boots the
                        kernel without the hypervisor)
              "direct"  no ESP, no shroud.efi: OVMF boots the kernel given
                        with -kernel/-initrd/-append (loader-independent
                        control)
    cfg:      dict of shroud.cfg keys to replace (e.g. expose_hv_memory)
    cmd:      a shell command for init to run, then power off
    cmdline:  kernel command line (default: the cfg's, or DEFAULT_CMDLINE)
    log_dir:  where console.log / hv.log / qemu.log are kept (default: the
              temp dir, removed at close)
    interactive: console on this process's terminal (CLI run)
    gdb:      True (a socket in the temp dir) or a path: QEMU's gdbstub on
              that unix socket, for gdb() / phys_read() / phys_write()
    reset_pause: a reset or power-off pauses the VM, RAM kept (see the
              module's docstring; wait_paused(), pmemsave())
    cpus:     QEMU's -smp (default: $SHROUD_CPUS, else 1), with
              multi-threaded TCG when more than one; every CPU runs under
              the hypervisor
    """

    def __init__(self, mode="shroud", cfg=None, cmd=None, cmdline=None,
                 log_dir=None, interactive=False, echo=False, tpm=True,
                 memory="512M", esp=ESP_IMG, hv_log=None, extra_args=(),
                 gdb=False, reset_pause=False, cpus=None):
        if mode not in ("shroud", "plain", "direct"):
            raise ValueError(mode)
        self.mode = mode
        self.cfg = dict(cfg or {})
        self.cmd = cmd
        self.cmdline = cmdline
        self.interactive = interactive
        self.echo = echo
        self.tpm = tpm
        self.memory = memory
        self.cpus = int(cpus if cpus is not None else DEFAULT_CPUS)
        self.esp_base = esp
        self.extra_args = list(extra_args)
        self.dir = tempfile.mkdtemp(prefix="shroud-")
        self.log_dir = log_dir or self.dir
        os.makedirs(self.log_dir, exist_ok=True)
        self.hv_log_path = hv_log or os.path.join(self.log_dir, "hv.log")
        self.qemu = None
        self.swtpm = None
        self.hv_sock = None
        self.console = None
        self.hv = None
        self.t_start = None
        self._closed = False
        self._qmp = None
        self.gdb_path = (None if not gdb else
                         gdb if isinstance(gdb, str) else
                         os.path.join(self.dir, "gdb.sock"))
        self._gdb = None
        self.reset_pause = bool(reset_pause)

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        with _live_lock:
            _live_boots.add(self)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _path(self, name):
        return os.path.join(self.dir, name)

    def _kernel_cmdline(self, base):
        parts = [base]
        if self.cmd is not None:
            parts.append(encode_cmd(self.cmd))
        line = " ".join(p for p in parts if p)
        if len(line) > MAX_CMDLINE:
            raise BootError("kernel command line over %d characters (the "
                            "guest command is hex-encoded: keep it under "
                            "~%d bytes, or use the shell)"
                            % (MAX_CMDLINE, (MAX_CMDLINE - len(base)) // 2 - 6))
        return line

    def _prepare_esp(self):
        over = dict(self.cfg)
        over.setdefault("virtualize", "yes" if self.mode == "shroud" else "no")
        base = dict(parse_cfg(read_cfg(self.esp_base)))
        cmdline = self.cmdline or base.get("cmdline") or DEFAULT_CMDLINE
        over["cmdline"] = self._kernel_cmdline(cmdline)
        base.update(over)
        return make_esp(self._path("esp.img"), over, base=self.esp_base), base

    def _start_swtpm(self):
        state = self._path("tpm")
        os.makedirs(state)
        sock = os.path.join(state, "sock")
        self.swtpm = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
             "--ctrl", "type=unixio,path=" + sock, "--terminate",
             "--log", "file=" + os.path.join(self.log_dir, "swtpm.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT, preexec_fn=_pdeathsig)
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            if self.swtpm.poll() is not None:
                raise BootError("swtpm exited (%s)" % self.swtpm.returncode)
            if time.monotonic() > deadline:
                raise Timeout("swtpm socket did not appear")
            time.sleep(0.02)
        return ["-chardev", "socket,id=chrtpm,path=" + sock,
                "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                "-device", "tpm-crb,tpmdev=tpm0"]

    def qemu_args(self):
        vars_copy = self._path("OVMF_VARS_4M.fd")
        shutil.copyfile(OVMF_VARS, vars_copy)
        hv_sock = self._path("hv.sock")
        con = ("stdio,id=con0,mux=on,signal=off" if self.interactive
               else "stdio,id=con0,signal=off")
        hv_port = HV_PORT_DEFAULT
        if self.mode == "direct":
            cmdline = self._kernel_cmdline(self.cmdline or DEFAULT_CMDLINE)
            boot = ["-kernel", KERNEL, "-initrd", INITRAMFS,
                    "-append", cmdline]
        else:
            esp, cfg = self._prepare_esp()
            hv_port = int(cfg.get("log_port", "0x2f8"), 0)
            boot = ["-drive", "if=none,id=esp,format=raw,snapshot=on,file="
                    + esp,
                    "-device", "virtio-blk-pci,drive=esp,bootindex=0"]
        # The hypervisor's UART: COM2 by default; at another port (the
        # cfg's log_port) a 16550 that the firmware does not know about.
        if hv_port == HV_PORT_DEFAULT:
            hv_uart = ["-serial", "chardev:hv0"]
        else:
            hv_uart = ["-device",
                       "isa-serial,chardev=hv0,iobase=0x%x,irq=3" % hv_port]
        args = [QEMU, "-machine", "q35", "-accel",
                "tcg,thread=" + TCG_THREAD if self.cpus > 1 else "tcg",
                "-cpu", "EPYC,+svm,+npt", "-m", self.memory, "-smp", str(self.cpus),
                "-nodefaults", "-nic", "none", "-display", "none",
                "-vga", "none", "-no-reboot",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file="
                + OVMF_CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy,
                "-chardev", con, "-serial", "chardev:con0",
                "-chardev", "socket,id=hv0,path=%s,server=on,wait=on"
                % hv_sock] + hv_uart + [
                "-qmp", "unix:%s,server=on,wait=off" % self._path("qmp.sock")]
        if self.interactive:
            args += ["-mon", "chardev=con0,mode=readline"]
        if self.gdb_path:
            args += ["-gdb", "unix:%s,server=on,wait=off" % self.gdb_path]
        if self.reset_pause:
            args += ["-action", "reboot=shutdown,shutdown=pause"]
        # SHROUD_QEMU_DEBUG=cpu_reset,int: QEMU's -d log in the boot's logs
        if os.environ.get("SHROUD_QEMU_DEBUG"):
            args += ["-d", os.environ["SHROUD_QEMU_DEBUG"], "-D",
                     os.path.join(self.log_dir, "qemu-debug.log")]
        return args + boot + self.extra_args

    def _connect_hv(self):
        path = self._path("hv.sock")
        deadline = time.monotonic() + 20
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return s
            except OSError:
                s.close()
                if self.qemu.poll() is not None:
                    raise BootError("QEMU exited (%s): %s" % (
                        self.qemu.returncode, self.qemu_stderr()))
                if time.monotonic() > deadline:
                    raise Timeout("QEMU did not open %s" % path)
                time.sleep(0.02)

    def _start(self):
        args = []
        if self.tpm:
            args = self._start_swtpm()
        argv = self.qemu_args() + args
        with open(os.path.join(self.log_dir, "qemu.cmd"), "w") as f:
            f.write(" ".join(argv) + "\n")
        self._stderr = open(os.path.join(self.log_dir, "qemu.log"), "wb")
        self.t_start = time.monotonic()
        if self.interactive:
            self.qemu = subprocess.Popen(argv, stderr=self._stderr,
                                         preexec_fn=_pdeathsig)
        else:
            self.qemu = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=self._stderr,
                                         preexec_fn=_pdeathsig)
            echo = sys.stdout.buffer if self.echo else None
            self.console = Stream("console",
                                  os.path.join(self.log_dir, "console.log"),
                                  echo=echo)
            out = self.qemu.stdout
            self.console.start_reader(lambda: os.read(out.fileno(), 65536))
        self.hv_sock = self._connect_hv()
        self.hv = Stream("hv-log", self.hv_log_path)
        sock = self.hv_sock
        self.hv.start_reader(lambda: sock.recv(65536))

    def alive(self):
        return self.qemu is not None and self.qemu.poll() is None

    def qemu_stderr(self):
        try:
            with open(os.path.join(self.log_dir, "qemu.log"), "rb") as f:
                return f.read()[-2000:].decode("latin-1")
        except OSError:
            return ""

    def elapsed(self):
        return time.monotonic() - self.t_start

    def wait_exit(self, timeout):
        try:
            return self.qemu.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Timeout("QEMU still running after %ss" % timeout)

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._gdb is not None and self._gdb.sock is not None:
            try:
                self._gdb.sock.close()
            except OSError:
                pass
        for p in (self.qemu, self.swtpm):
            if p is None:
                continue
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        for s in (self.hv_sock, self._qmp):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
        if self.qemu is not None:
            for f in (self.qemu.stdin, self.qemu.stdout):
                if f:
                    try:
                        f.close()
                    except OSError:
                        pass
        for st in (self.console, self.hv):
            if st is not None:
                st.close()
        if getattr(self, "_stderr", None):
            self._stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        with _live_lock:
            _live_boots.discard(self)

    # -- console, hypervisor log --------------------------------------------

    def expect(self, pattern, timeout=DEFAULT_BOOT_TIMEOUT):
        """Wait for pattern on the guest console (COM1).  When the VM ends
        first, the error carries the hypervisor log's tail too (a reset or
        a halted hypervisor is explained there, not on the console)."""
        try:
            return self.console.expect(pattern, timeout, alive=self.alive)
        except BootError as e:
            if self.hv is None or isinstance(e, Timeout):
                raise
            raise BootError("%s\n--- hypervisor log tail ---\n%s"
                            % (e, self.hv.tail())) from None

    def expect_hv(self, pattern, timeout=60):
        """Wait for pattern in the hypervisor log (COM2)."""
        return self.hv.expect(pattern, timeout, alive=self.alive)

    def send(self, data):
        """Type on the guest console."""
        if isinstance(data, str):
            data = data.encode()
        self.qemu.stdin.write(data)
        self.qemu.stdin.flush()

    def send_break(self):
        """A BREAK on the guest console's serial line (QMP
        chardev-send-break): with Linux's console on ttyS0, a character
        sent within 5 s after it is a magic SysRq key, handled in the
        serial interrupt, whatever task the CPU runs then."""
        self.qmp("chardev-send-break", id="con0")

    def send_hv(self, data):
        """Type on the hypervisor's debug console (COM2)."""
        if isinstance(data, str):
            data = data.encode()
        self.hv_sock.sendall(data)

    def wait_init(self, timeout=DEFAULT_BOOT_TIMEOUT):
        """Wait for init's marker; return seconds since QEMU started."""
        self.expect(re.escape(INIT_MARKER), timeout)
        return self.elapsed()

    def wait_cmd(self, timeout=DEFAULT_BOOT_TIMEOUT):
        """For a boot with cmd: wait for its end, return (rc, output)."""
        self.expect(r"shroud-guest: cmd begin\r?\n", timeout)
        start = self.console.pos
        m = self.expect(CMD_EXIT_RE, timeout)
        out = self.console.text[start:m.start()].replace("\r", "")
        return int(m.group(1)), out

    def wait_shell(self, timeout=DEFAULT_BOOT_TIMEOUT):
        """For a boot without cmd: wait for the shell, make it quiet."""
        self.expect(re.escape(SHELL_MARKER), timeout)
        self.expect(re.escape(PROMPT), 60)
        self.send("stty -echo; PS2=''\n")
        self.expect(re.escape(PROMPT), 60)

    def sh(self, cmd, timeout=120):
        """Run cmd in the guest's interactive shell; return (rc, output).
        The markers are split by quotes so the echoed line never matches."""
        self.send("echo @@SH_BEG''IN@@; ( %s\n); echo \"@@SH_RC=$?@@\"\n"
                  % cmd)
        self.expect(r"@@SH_BEGIN@@\r?\n", timeout)
        start = self.console.pos
        m = self.expect(r"@@SH_RC=(\d+)@@", timeout)
        out = self.console.text[start:m.start()].replace("\r", "")
        self.expect(re.escape(PROMPT), 30)
        return int(m.group(1)), out

    # -- QMP -------------------------------------------------------------------

    def qmp(self, execute, timeout=60, **arguments):
        """One QMP command; returns its "return" value."""
        if self._qmp is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(self._path("qmp.sock"))
            self._qmp = s
            self._qmp_buf = b""
            self._qmp_read()                     # greeting
            self._qmp_send("qmp_capabilities", {})
        self._qmp.settimeout(timeout)
        return self._qmp_send(execute, arguments)

    def _qmp_read(self):
        while b"\n" not in self._qmp_buf:
            data = self._qmp.recv(65536)
            if not data:
                raise BootError("QMP closed")
            self._qmp_buf += data
        line, self._qmp_buf = self._qmp_buf.split(b"\n", 1)
        return json.loads(line)

    def _qmp_send(self, execute, arguments):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self._qmp.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._qmp_read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise BootError("QMP %s: %s" % (execute, r["error"]))
            # events are skipped

    # -- a reset that pauses (Boot(reset_pause=True)) ---------------------------

    PAUSED_STATES = ("shutdown", "paused", "guest-panicked",
                     "internal-error")

    def wait_paused(self, timeout=120, interval=0.1):
        """For a Boot(reset_pause=True): poll QMP query-status until the VM
        has stopped (a reset or power-off: status "shutdown"); return the
        status.  Raises BootError if QEMU exits first, Timeout after
        timeout seconds (the hypervisor log's tail in the message)."""
        if not self.reset_pause:
            raise BootError("wait_paused: start the Boot with "
                            "reset_pause=True (else a reset ends QEMU)")
        deadline = time.monotonic() + timeout
        last = None
        while True:
            if not self.alive():
                raise BootError("QEMU exited (%s) instead of pausing: %s"
                                % (self.qemu.returncode, self.qemu_stderr()))
            try:
                last = self.qmp("query-status", timeout=10)
            except (OSError, ValueError) as e:
                last = {"error": str(e)}
            if (isinstance(last, dict) and not last.get("running", True)
                    and last.get("status") in self.PAUSED_STATES):
                return last["status"]
            if time.monotonic() >= deadline:
                raise Timeout("VM not paused within %ss (query-status: %r)"
                              "\n--- hypervisor log tail ---\n%s"
                              % (timeout, last, self.hv.tail(2000)
                                 if self.hv else ""))
            time.sleep(interval)

    def pmemsave(self, path, size=None, timeout=300):
        """All guest-physical RAM (size bytes from 0; default the boot's
        memory) into path through QMP pmemsave, the VM already stopped
        (wait_paused); it is left as it is."""
        if size is None:
            m = re.match(r"(\d+)([MG])$", self.memory)
            if not m:
                raise BootError("pmemsave: memory %r: give size" % self.memory)
            size = int(m.group(1)) << (20 if m.group(2) == "M" else 30)
        self.qmp("pmemsave", timeout=timeout, val=0, size=size,
                 filename=os.path.abspath(path))
        return path

    # -- gdbstub: guest-physical memory from the host -------------------------

    def gdb(self, timeout=30):
        """The connected Gdb client of a Boot(gdb=...) (one per boot; the
        VM runs again after the connection)."""
        if not self.gdb_path:
            raise BootError("no gdbstub: start the Boot with gdb=True")
        if self._gdb is None:
            was = True
            if self._qmp is not None or os.path.exists(
                    self._path("qmp.sock")):
                try:
                    was = self.qmp("query-status").get("running", True)
                except (OSError, BootError):
                    pass
            self._gdb = Gdb(self.gdb_path, timeout).connect(was_running=was)
        return self._gdb

    def phys_read(self, addr, n):
        """n bytes of guest-physical memory at addr, the VM stopped for the
        read."""
        g = self.gdb()
        with g.paused():
            return g.read(addr, n)

    def phys_write(self, addr, data):
        """Write bytes at guest-physical addr, the VM stopped meanwhile."""
        g = self.gdb()
        with g.paused():
            g.write(addr, data)


# --------------------------------------------------------------------------
# CLI

def _overrides(pairs):
    out = {}
    for p in pairs or ():
        if "=" not in p:
            raise SystemExit("--set wants KEY=VALUE, got %r" % p)
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _key_fifo(boot, path):
    """A FIFO whose bytes go to the hypervisor's debug console (the runner
    holds COM2's only socket connection)."""
    if os.path.exists(path):
        os.unlink(path)
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR)   # O_RDWR: never EOF when writers leave

    def relay():
        try:
            while boot.alive():
                data = os.read(fd, 256)
                if data:
                    boot.send_hv(data)
        except OSError:
            pass
    threading.Thread(target=relay, name="hv-keys", daemon=True).start()
    return path


def cmd_run(a):
    mode = "direct" if a.direct else "plain" if a.no_shroud else "shroud"
    hv_log = os.path.join(BUILD, "hv.log")
    os.makedirs(BUILD, exist_ok=True)
    if os.path.exists(hv_log):
        os.unlink(hv_log)
    gdb = False
    if getattr(a, "gdb", None):
        gdb = os.path.abspath(a.gdb)
        if os.path.exists(gdb):
            os.unlink(gdb)
        print("qemu.py: gdbstub on %s (gdb: target remote %s; "
              "maint packet Qqemu.PhyMemMode:1 for physical memory)"
              % (gdb, gdb), file=sys.stderr)
    if a.cmd is None:
        boot = Boot(mode=mode, cfg=_overrides(a.set), cmdline=a.cmdline,
                    interactive=True, hv_log=hv_log, gdb=gdb,
                    reset_pause=getattr(a, "reset_pause", False),
                    cpus=a.cpus)
        print("qemu.py: guest console follows (Ctrl-A x quits); "
              "hypervisor log: %s" % hv_log, file=sys.stderr)
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        keys = os.path.join(BUILD, "hv-console")
        try:
            boot.start()
            _key_fifo(boot, keys)
            print("qemu.py: hypervisor debug console: echo c > %s  "
                  "(h = help)" % keys, file=sys.stderr)
            return boot.qemu.wait()
        finally:
            signal.signal(signal.SIGINT, old)
            boot.close()
            if os.path.exists(keys):
                os.unlink(keys)
    with Boot(mode=mode, cfg=_overrides(a.set), cmd=a.cmd,
              cmdline=a.cmdline, echo=True, hv_log=hv_log, gdb=gdb,
              reset_pause=getattr(a, "reset_pause", False),
              cpus=a.cpus) as boot:
        rc, _ = boot.wait_cmd(a.timeout)
        try:
            boot.wait_exit(60)
        except Timeout:
            print("qemu.py: guest did not power off", file=sys.stderr)
        print("\nqemu.py: guest command exit status %d; hypervisor log: %s"
              % (rc, hv_log), file=sys.stderr)
        return rc


def cmd_esp(a):
    make_esp(a.out, _overrides(a.set))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run", help="boot, interactive or one command")
    r.add_argument("--cmd", help="run this command in the guest, power off")
    r.add_argument("--no-shroud", action="store_true",
                   help="control boot: cfg virtualize = no")
    r.add_argument("--direct", action="store_true",
                   help="control boot: QEMU -kernel, no shroud.efi at all")
    r.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="replace a shroud.cfg key for this boot")
    r.add_argument("--cmdline", help="kernel command line")
    r.add_argument("--timeout", type=float, default=DEFAULT_BOOT_TIMEOUT,
                   help="seconds until the command must have finished")
    r.add_argument("--gdb", metavar="SOCKET",
                   help="also start QEMU's gdbstub on this unix socket")
    r.add_argument("--reset-pause", action="store_true",
                   help="a guest reset or power-off pauses the VM (RAM "
                        "kept) instead of ending QEMU")
    r.add_argument("--cpus", type=int, default=RUN_CPUS,
                   help="QEMU -smp (default $SHROUD_CPUS, else 2; every CPU "
                        "runs under the hypervisor)")
    r.set_defaults(fn=cmd_run)
    e = sub.add_parser("esp", help="copy the ESP with a changed shroud.cfg")
    e.add_argument("out")
    e.add_argument("--set", action="append", metavar="KEY=VALUE")
    e.set_defaults(fn=cmd_esp)
    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except BootError as ex:
        print("qemu.py: %s" % ex, file=sys.stderr)
        return 125


if __name__ == "__main__":
    sys.exit(main())
