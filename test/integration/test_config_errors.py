"""test/integration/test_config_errors.py - a malformed shroud.cfg, or one
naming a kernel that is not on the ESP, stops the loader with a message
naming the file and the line, before anything is virtualized: no
hypervisor banner, no Linux.  The control is every other boot of this
suite, where the same ESP with a well-formed cfg does start both."""
import re
import time

import pytest

from conftest import HV_BANNER_RE, start_boot

CFG = r"\\EFI\\shroud\\shroud.cfg"

CASES = [
    # (name, cfg overrides, expected loader message)
    ("unknown-key", {"kernl": r"\EFI\shroud\vmlinuz"},
     CFG + r" line \d+: unknown key: kernl"),
    ("bad-value", {"hv_memory_mb": "7"},
     CFG + r" line \d+: hv_memory_mb must be an even"),
    ("missing-kernel", {"kernel": r"\EFI\shroud\no-such-kernel"},
     CFG + r": kernel \\EFI\\shroud\\no-such-kernel not found"),
]


@pytest.mark.parametrize("name,cfg,message", CASES, ids=[c[0] for c in CASES])
def test_bad_config_stops_before_virtualizing(name, cfg, message):
    b = start_boot("cfg-" + name, mode="shroud", cfg=cfg)
    try:
        b.expect(r"shroud: " + message, 120)
        # Give a wrongly started hypervisor or kernel time to show itself.
        deadline = time.time() + 10
        while time.time() < deadline and b.alive():
            time.sleep(0.5)
        assert not re.search(HV_BANNER_RE, b.hv.text), (
            "the hypervisor started despite a bad shroud.cfg:\n" + b.hv.tail())
        assert "shroud: running under the hypervisor" not in b.console.text
        assert "init reached" not in b.console.text
    finally:
        b.close()
