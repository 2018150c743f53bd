"""test/integration/test_shroud.py - the guest under Shroud (one shared
boot, the `shroud` fixture): the hypervisor's log, the guest's init,
shroudctl from ring 3, the debug console, and isolation of the
hypervisor's memory.  Tests run in file order; the intrusive /dev/mem read
of the hypervisor's range comes last so that a guest killed by it cannot
hide the other results."""
import re

from conftest import (CANARY, HV_BANNER_RE, HV_CPU_RE, HV_MEM_RE,
                      abi_header_version, dev_mem_scan, reserved_range)

VERSION_RE = r"Shroud hypervisor (\d+)\.(\d+)\.(\d+), ABI (\d+)\.(\d+)"


def test_hv_banner(shroud):
    m = re.search(HV_BANNER_RE, shroud.hv.text)
    assert m, "no banner in the hypervisor log:\n" + shroud.hv.tail()
    assert re.search(HV_CPU_RE, shroud.hv.text), "no 'cpu:' line"


def test_hv_host_mappings_are_wx_free(shroud):
    # The core walks its own page tables after the launch and panics on a
    # mapping both writable and executable; this line says the walk ran.
    assert "mem: host page tables: W^X holds" in shroud.hv.text, shroud.hv.tail()


def test_hv_reserved_memory_line(shroud):
    m = re.search(HV_MEM_RE, shroud.hv.text)
    assert m, "no 'mem: reserved' line:\n" + shroud.hv.tail()
    start, end, mib = int(m.group(1), 16), int(m.group(2), 16), int(m.group(3))
    assert start < end and start % 4096 == 0 and end % 4096 == 0
    assert (end - start) >> 20 == mib


def test_guest_reaches_init(shroud):
    assert "shroud-guest: init reached" in shroud.console.text
    rc, out = shroud.sh("cat /proc/1/comm; uname -r")
    assert rc == 0 and out.startswith("init\n"), out


def test_init_ran_shroudctl_status(shroud):
    text = shroud.console.text
    assert re.search(VERSION_RE, text), "init's shroudctl status printed no version"
    assert "shroud-guest: status exit=0" in text


def test_shroudctl_status_ring3(shroud):
    """shroudctl runs as an ordinary process (CPL 3): CPUID + VMMCALL."""
    rc, out = shroud.sh("shroudctl status")
    assert rc == 0, out
    m = re.search(VERSION_RE, out)
    assert m, out
    banner = re.search(HV_BANNER_RE, shroud.hv.text)
    assert banner, shroud.hv.tail()
    # the versions the hypercall returns are the ones the hypervisor logs
    assert "%s.%s.%s" % m.group(1, 2, 3) == banner.group(1), out
    assert m.group(4, 5) == banner.group(2, 3), out
    # and the ABI major is the one shroudctl was built for
    assert m.group(4) == abi_header_version()[0], out


def test_shroudctl_json_and_usage(shroud):
    rc, out = shroud.sh("shroudctl --json status")
    assert rc == 0 and '"shroud": true' in out, out
    rc, out = shroud.sh("shroudctl bogus")
    assert rc == 2, out


def _counters(shroud):
    """Press 'c' on COM2; the console answers at the next #VMEXIT, which
    shroudctl's CPUID/VMMCALL provide.  Returns {name: count}."""
    shroud.hv.pos = len(shroud.hv.text)
    shroud.send_hv("c")
    rc, out = shroud.sh("shroudctl status")
    assert rc == 0, out
    m = shroud.expect_hv(r"exits total=\d+[^\r\n]*", 60)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(0))}


def test_debug_console_exit_counters(shroud):
    first = _counters(shroud)
    assert first["total"] > 0 and first["cpuid"] > 0, first
    assert first["hypercall"] >= 1, first     # init's shroudctl status
    second = _counters(shroud)
    # the shroudctl status between the two presses made a VMMCALL
    assert second["hypercall"] > first["hypercall"], (first, second)
    assert second["total"] > first["total"], (first, second)
    shroud.send_hv("h")
    shroud.sh("shroudctl status")
    shroud.expect_hv(r"shroud console: c = exit counters", 60)


def test_control_dev_mem_reads_firmware_memory(shroud):
    """The control for the isolation test: the same dd read of /dev/mem
    returns real bytes from the other reserved ranges, the firmware's own
    (OVMF keeps firmware volumes there, "_FVH" signatures).  STRICT_DEVMEM
    refuses RAM and busy ranges (ACPI tables), and some reserved ranges
    fault (EFAULT); the check needs one range read whole with a hit."""
    hv_start, _ = reserved_range(shroud)
    rc, iomem = shroud.sh("cat /proc/iomem")
    seen = []
    for m in re.finditer(r"^([0-9a-f]+)-([0-9a-f]+) : Reserved$", iomem, re.M):
        start, end = int(m.group(1), 16), int(m.group(2), 16) + 1
        if start < 1 << 20 or end > 1 << 32 or start == hv_start:
            continue
        got, hits, out = dev_mem_scan(shroud, start, end, "_FVH")
        seen.append((hex(start), hex(end), got, hits))
        if got == end - start and hits >= 1:
            return
    assert False, "no reserved range read back firmware bytes: %s\n%s" % (
        seen, iomem)


def test_hv_memory_not_readable_by_guest(shroud):
    """Root in the guest reads the hypervisor's reserved range through
    /dev/mem: none of the hypervisor's bytes (its canary) may come back.
    Its control is test_controls.py::test_exposed_hv_memory_shows_canary."""
    start, end = reserved_range(shroud)
    rc, iomem = shroud.sh("cat /proc/iomem")
    assert re.search(r"^%08x-%08x : Reserved$" % (start, end - 1), iomem,
                     re.M), "the range is not reserved in the guest:\n" + iomem
    got, hits, out = dev_mem_scan(shroud, start, end, CANARY)
    assert got == end - start, "the read itself failed:\n" + out + iomem
    assert hits == 0, "the guest read the hypervisor's canary:\n" + out
    # Not just the canary: the whole range reads as one repeated byte
    # (hexdump folds identical lines into '*': first line, '*', end).
    assert int(re.search(r"dump_lines=(\d+)", out).group(1)) <= 3, out
    # The guest survived the read.
    rc, out = shroud.sh("echo alive")
    assert rc == 0 and "alive" in out
