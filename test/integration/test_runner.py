"""test/integration/test_runner.py - the runner's own logic, no boot:
shroud.cfg rewriting (what the per-boot ESP images rely on) and the guest
command encoding that guest/rootfs/init decodes."""
import os
import subprocess

import pytest

import qemu

BASE = """# comment = not a key
kernel = \\EFI\\shroud\\vmlinuz
cmdline = console=ttyS0 panic=-1

virtualize = yes
"""


def test_render_cfg_replaces_and_appends():
    out = qemu.render_cfg(BASE, {"virtualize": "no",
                                 "expose_hv_memory": "yes"})
    items = qemu.parse_cfg(out)
    assert items == [("kernel", "\\EFI\\shroud\\vmlinuz"),
                     ("cmdline", "console=ttyS0 panic=-1"),
                     ("virtualize", "no"), ("expose_hv_memory", "yes")]
    assert "# comment = not a key" in out


def test_cmd_encoding_decodes_with_busybox(tmp_path):
    """The exact decoding pipeline of guest/rootfs/init, run by the host's
    busybox sh: quotes, $, %, backslashes and newlines survive."""
    cmd = "echo 'a \"b\" $X %s 100%' \\\\n; printf x\nexit 3"
    hexed = qemu.encode_cmd(cmd).split("=", 1)[1]
    script = ('cmdhex=%s; cmd=$(printf \'%%b\' "$(echo "$cmdhex" | '
              'sed \'s/../\\\\x&/g\')"); printf %%s "$cmd"' % hexed)
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        pytest.skip("no busybox")
    out = subprocess.run([busybox, "sh", "-c", script], capture_output=True,
                         timeout=10).stdout.decode()
    assert out == cmd


def test_cmdline_length_is_bounded():
    b = qemu.Boot(mode="direct", cmd="x" * 1000)
    try:
        with pytest.raises(qemu.BootError):
            b._kernel_cmdline("console=ttyS0")
    finally:
        b.close()


def test_esp_has_the_layout_and_config():
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    ls = subprocess.run(["mdir", "-i", qemu.ESP_IMG, "-b", "-/", "::/EFI"],
                        capture_output=True, timeout=30, env=env,
                        check=True).stdout.decode().upper()
    for f in ("/EFI/BOOT/BOOTX64.EFI", "/EFI/SHROUD/VMLINUZ",
              "/EFI/SHROUD/INITRD.IMG", "/EFI/SHROUD/SHROUD.CFG"):
        assert f in ls, ls
    cfg = dict(qemu.parse_cfg(qemu.read_cfg(qemu.ESP_IMG)))
    assert cfg["kernel"] == "\\EFI\\shroud\\vmlinuz"
    assert cfg["virtualize"] == "yes" and cfg["expose_hv_memory"] == "no"
    assert cfg["log_port"] == "0x2f8"
