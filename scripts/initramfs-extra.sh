#!/usr/bin/env bash
# scripts/initramfs-extra.sh - copy extra files, and the shared libraries
# (and dynamic loader) that dynamic ELF files among them need, into an
# initramfs staging directory.  For mkinitramfs.sh (GUEST_EXTRA_FILES of
# mk/guest-lib.mk).
#   usage: initramfs-extra.sh STAGE SRC:DEST ...
# SRC is copied (symlinks followed) to STAGE/DEST with its mode; for each
# dynamic ELF, every library `ldd SRC` names is copied to STAGE at the same
# absolute path (e.g. /lib/x86_64-linux-gnu/libc.so.6, /lib64/ld-linux-
# x86-64.so.2).  Runs as any user; fails on a missing SRC.
set -euo pipefail
stage=$1; shift
[ -d "$stage" ] || { echo "initramfs-extra: no directory $stage" >&2; exit 1; }

copy_to() {	# src dest-abs-path
	mkdir -p "$stage$(dirname "$2")"
	cp -L --preserve=mode "$1" "$stage$2"
}

libs_of() {	# print absolute paths of the libraries a dynamic ELF needs
	file -L "$1" | grep -q "dynamically linked" || return 0
	ldd "$1" 2>/dev/null | awk '
		/=> \// { print $3; next }
		/^[ \t]*\// { print $1 }'
}

for pair in "$@"; do
	src=${pair%%:*}
	dest=${pair#*:}
	[ -e "$src" ] || { echo "initramfs-extra: missing $src" >&2; exit 1; }
	copy_to "$src" "$dest"
	for lib in $(libs_of "$src"); do
		[ -e "$stage$lib" ] || copy_to "$lib" "$lib"
	done
done
