#!/usr/bin/env bash
# scripts/mkinitramfs.sh - build the guest's initramfs (gzip'd newc cpio):
# busybox-static with one symlink per applet, guest/rootfs/* (the /init
# script), and the guest programs given as arguments, installed in /usr/bin.
#   usage: [INITRAMFS_EXTRA="SRC:DEST ..."] mkinitramfs.sh OUT.cpio.gz PROGRAM...
# PROGRAM paths must be absolute (the script works in its staging dir).
# No root needed: cpio -R 0:0 makes every entry owned by root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1; shift
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "mkinitramfs: no $busybox (busybox-static)" >&2; exit 1; }
file -L "$busybox" 2>/dev/null | grep -q "dynamically linked" &&
	{ echo "mkinitramfs: $busybox is not static" >&2; exit 1; }

stage=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin proc sys dev tmp root etc mnt run var/log
chmod 1777 tmp
cp "$busybox" bin/busybox
# One symlink per applet, where busybox says it belongs.
for path in $(bin/busybox --list-full); do
	[ -e "$path" ] || ln -s /bin/busybox "$path"
done
cp -a "$top"/guest/rootfs/. .
for prog in "$@"; do
	install -m 0755 "$prog" usr/bin/
done
# Extra files ("SRC:DEST" pairs) with the shared libraries they need.
if [ -n "${INITRAMFS_EXTRA:-}" ]; then
	# shellcheck disable=SC2086
	"$top/scripts/initramfs-extra.sh" "$stage" $INITRAMFS_EXTRA
fi
echo "root:x:0:0:root:/root:/bin/sh" > etc/passwd
echo "root:x:0:" > etc/group
# /dev/console must exist before init runs (the kernel opens it for PID 1's
# stdio; devtmpfs is not automounted on an initramfs), but mknod needs root:
# append its newc entry by hand as a second archive (the kernel unpacks
# concatenated archives in order).
# newc header: magic, then 13 8-hex-digit fields (ino mode uid gid nlink
# mtime filesize devmajor devminor rdevmajor rdevminor namesize check).
newc_entry() {	# name mode rdevmajor rdevminor
	local name=$1 namesize=$((${#1} + 1))
	printf '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x' \
		1 "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\0' "$name"
	# pad header (110 bytes) + name to a multiple of 4
	local pad=$(( (4 - (110 + namesize) % 4) % 4 ))
	head -c "$pad" /dev/zero
}
{
	find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet
	newc_entry dev/console $((0020000 | 0600)) 5 1
	newc_entry TRAILER!!! 0 0 0
} | gzip -9 -n > "$out.tmp"
mv "$out.tmp" "$out"
