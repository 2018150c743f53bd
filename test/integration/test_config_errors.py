"""test/integration/test_config_errors.py - a malformed shroud.cfg, or one
naming a kernel that is not on the ESP, stops the loader with a message
naming the file and the line, before anything is virtualized: no
hypervisor banner, no Linux.  The control is every other boot of this
suite, where the same ESP with a well-formed cfg does start both."""
import re

import pytest

from conftest import HV_BANNER_RE, start_boot, wait_for

CFG = r"\\EFI\\shroud\\shroud.cfg"

# OVMF's boot manager, once the loader image has returned an error.
FW_RETURN_RE = re.compile(r"BdsDxe: failed to start Boot[0-9A-Fa-f]+")

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
        m = b.expect(r"shroud: " + message, 120)
        # The loader must return to the firmware, which says so (OVMF:
        # "BdsDxe: failed to start Boot0001 ...") and moves on (its shell):
        # from then on nothing of the loader runs.  A wrongly started
        # hypervisor or kernel ends the wait too, and the asserts below
        # report it; so does QEMU ending.
        after = m.end()
        wait_for(lambda: (FW_RETURN_RE.search(b.console.text, after)
                          or re.search(HV_BANNER_RE, b.hv.text)
                          or "init reached" in b.console.text
                          or not b.alive()), 120,
                 "the firmware's report that the loader returned (%r) after "
                 "the loader's message" % FW_RETURN_RE.pattern,
                 detail=lambda: b.console.tail(1500))
        assert not re.search(HV_BANNER_RE, b.hv.text), (
            "the hypervisor started despite a bad shroud.cfg:\n" + b.hv.tail())
        assert "shroud: running under the hypervisor" not in b.console.text
        assert "init reached" not in b.console.text
    finally:
        b.close()
