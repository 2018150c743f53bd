#!/usr/bin/env bash
# scripts/setup.sh - install everything Shroud needs to build, run and test,
# on a fresh Debian bookworm machine.  Idempotent: every step checks first,
# so `make test` and `make run` can call it on every invocation cheaply.
#   - apt packages (toolchains, QEMU, Bochs, OVMF, swtpm, gnu-efi, busybox, ...)
#   - a deb-src twin of the Debian entry, then mbedTLS's source package
#   - the guest kernel: Debian's linux-image package, unpacked
# Everything fetched lands in third_party/ (ignored by git).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tp="$top/third_party"
mkdir -p "$tp"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PKGS="build-essential gnu-efi qemu-system-x86 qemu-utils ovmf swtpm swtpm-tools
mtools dosfstools cpio busybox-static xz-utils file python3 python3-pytest
python3-pexpect libcmocka-dev golang-go clang llvm lld libclang-rt-14-dev libssl-dev pkg-config aeskeyfind"
# Bochs 2.7 (scripts/bochs.py): the emulator with its built-in rfb display
# library (the headless one: Debian builds no nogui), its BIOS ROMs (the
# boot uses OVMF.fd from ovmf, but Bochs wants the VGA BIOS at start).
PKGS="$PKGS bochs bochsbios vgabios"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	$SUDO apt-get update -q >/dev/null
	updated=1
}
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	apt_update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing >/dev/null
fi

# deb-src twin of the main Debian entry (PLATFORM_NOTES.md, "Packages").
src=/etc/apt/sources.list.d/debian-src.sources
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list; then
	echo "setup: adding deb-src entry $src"
	$SUDO tee "$src" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	updated=0
fi

# mbedTLS 2.28 source (compiled freestanding into the hypervisor core).
if [ ! -f "$tp/mbedtls/include/mbedtls/aes.h" ]; then
	echo "setup: fetching mbedTLS source package"
	apt_update
	rm -rf "$tp/mbedtls-src" && mkdir -p "$tp/mbedtls-src"
	(cd "$tp/mbedtls-src" && apt-get source -q --download-only mbedtls >/dev/null &&
		dpkg-source -x --no-check ./mbedtls_*.dsc unpacked >/dev/null)
	rm -rf "$tp/mbedtls" && mv "$tp/mbedtls-src/unpacked" "$tp/mbedtls"
	rm -rf "$tp/mbedtls-src"
fi

# Guest kernel: the linux-image package linux-image-amd64 depends on.
if [ ! -f "$tp/linux/vmlinuz" ]; then
	echo "setup: fetching the Debian guest kernel"
	apt_update
	dep=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
	[ -n "$dep" ] || { echo "setup: cannot resolve linux-image-amd64" >&2; exit 1; }
	rm -rf "$tp/linux-dl" && mkdir -p "$tp/linux-dl"
	(cd "$tp/linux-dl" && apt-get download -q "$dep" >/dev/null &&
		dpkg-deb -x ./*.deb x)
	mkdir -p "$tp/linux"
	cp "$tp"/linux-dl/x/boot/vmlinuz-* "$tp/linux/vmlinuz"
	echo "$dep" > "$tp/linux/VERSION"
	rm -rf "$tp/linux-dl"
fi

# Headers matching the guest kernel, for the test module guest/kmod
# (mk/kmod.mk builds it with make -C /usr/src/linux-headers-X M=...).
if [ -f "$tp/linux/VERSION" ]; then
	kver=$(sed -n 's/^linux-image-//p' "$tp/linux/VERSION")
	[ -n "$kver" ] || { echo "setup: bad $tp/linux/VERSION" >&2; exit 1; }
	hdr="linux-headers-$kver"
	if ! dpkg-query -W -f='${Status}' "$hdr" 2>/dev/null | grep -q "ok installed"; then
		echo "setup: installing $hdr"
		apt_update
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$hdr" >/dev/null
	fi
fi
exit 0
