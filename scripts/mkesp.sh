#!/usr/bin/env bash
# scripts/mkesp.sh - build the EFI system partition image that QEMU boots:
# a whole-disk FAT filesystem (no partition table; OVMF mounts it as
# removable media and boots \EFI\BOOT\BOOTX64.EFI with no shell, no
# startup.nsh).  mtools only: no root, no loop mounts.
#   usage: mkesp.sh OUT.img SHROUD.EFI VMLINUZ INITRD [SHROUD.CFG]
# Without SHROUD.CFG the default configuration below is written; the QEMU
# runner (scripts/qemu.py) reads it back and replaces single keys per boot.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 OUT.img SHROUD.EFI VMLINUZ INITRD [SHROUD.CFG]" >&2; exit 2; }
out=$1 efi=$2 kernel=$3 initrd=$4 cfg=${5:-}
for f in "$efi" "$kernel" "$initrd" $cfg; do
	[ -f "$f" ] || { echo "mkesp: missing $f" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$cfg" ]; then
	cfg=$tmp/shroud.cfg
	cat > "$cfg" <<'CFG'
# shroud.cfg - read by shroud.efi's loader.  One `key = value` per line.
kernel = \EFI\shroud\vmlinuz
initrd = \EFI\shroud\initrd.img
cmdline = console=ttyS0,115200 panic=-1 init_on_free=1
# error | warn | info | debug
log_level = info
# memory the hypervisor reserves for itself, MiB
hv_memory_mb = 32
# the hypervisor's own 16550 UART (COM2); COM1 belongs to the guest
log_port = 0x2f8
# no: boot the same kernel without the hypervisor (the control boot)
virtualize = yes
# testing only: yes maps the hypervisor's memory into the guest
expose_hv_memory = no
CFG
fi

# Size: the payload plus 8 MiB of slack, at least 32 MiB (FAT16 or FAT32).
bytes=$(( $(stat -c %s "$efi") + $(stat -c %s "$kernel") + $(stat -c %s "$initrd") ))
mib=$(( bytes / 1048576 + 8 ))
[ "$mib" -ge 32 ] || mib=32
img=$tmp/esp.img
mkfs.fat -C -n SHROUDESP "$img" $((mib * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$img" ::/EFI ::/EFI/BOOT ::/EFI/shroud
mcopy -i "$img" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$img" "$kernel" ::/EFI/shroud/vmlinuz
mcopy -i "$img" "$initrd" ::/EFI/shroud/initrd.img
mcopy -i "$img" "$cfg" ::/EFI/shroud/shroud.cfg
mv "$img" "$out"
