"""test/integration/test_controls.py - control boots that prove the checks
of test_shroud.py can fail: the hypervisor's memory deliberately exposed
(the canary must then be found), and the same guest image without Shroud
(shroudctl status must then fail), once through the loader (virtualize =
no) and once with no shroud.efi at all (QEMU -kernel)."""
import re

import pytest

from conftest import (BOOT_TIMEOUT, CANARY, HV_BANNER_RE, dev_mem_scan,
                      reserved_range, shell_boot, start_boot)

NOT_SHROUD = "shroudctl: not running under Shroud"


def test_exposed_hv_memory_shows_canary():
    b = shell_boot("exposed", mode="shroud", cfg={"expose_hv_memory": "yes"})
    try:
        start, end = reserved_range(b)
        got, hits, out = dev_mem_scan(b, start, end, CANARY)
        assert got == end - start, out
        assert hits >= 1, ("the canary is not visible even with "
                           "expose_hv_memory = yes: the isolation test "
                           "proves nothing\n" + out)
    finally:
        b.close()


@pytest.mark.parametrize("mode", ["plain", "direct"])
def test_without_shroud_status_fails(mode):
    b = start_boot("no-shroud-" + mode, mode=mode,
                   cmd="shroudctl status; echo status_rc=$?")
    try:
        b.wait_init(BOOT_TIMEOUT)
        rc, out = b.wait_cmd(120)
        assert rc == 0, out
        assert NOT_SHROUD in out, out
        assert "status_rc=1" in out, out
        assert b.wait_exit(60) == 0       # init powered off
        # the control really ran without the hypervisor
        assert not re.search(HV_BANNER_RE, b.hv.text), b.hv.tail()
    finally:
        b.close()
