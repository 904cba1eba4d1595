#!/usr/bin/env bash
# tools/qemu-mtd/setup.sh — what the MTD/UBI QEMU harness needs (idempotent, quiet when done):
# host packages (tools/bootstrap.sh --qemu: qemu-system-x86_64, cpio, kmod for depmod, busybox-static,
# squashfs-tools for the tests' mksquashfs, binutils for readelf), and the guest's Debian amd64 pieces (the kernel
# that linux-image-amd64 depends on, busybox-static, mtd-utils, e2fsprogs, libubootenv-tool: fw_printenv/fw_setenv) fetched with apt-get download into
# BUILD_DIR/cache/debs and unpacked once into BUILD_DIR/cache/root by tools/qemu-lib.sh (shared with the arm64 and
# Malta harnesses); depmod run, the kernel's ELF vmlinux extracted from the bzImage (boot/vmlinux-<ver>: QEMU boots
# it through PVH, skipping the ~4 s in-guest xz decompression under TCG). Nothing is built here: the failsafed
# binary (a host build) is handed to mkinitramfs.sh.
# Usage: tools/qemu-mtd/setup.sh [BUILD_DIR]   (default: $QEMU_MTD_BUILD_DIR, else build/qemu-mtd; the tests use
#                                               <build>/qemu-mtd: every build directory has its own)
# Prints nothing when everything is there; on failure one line plus the end of BUILD_DIR/setup.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
DIR=${1:-${QEMU_MTD_BUILD_DIR:-build/qemu-mtd}}
case $DIR in /*) ;; *) DIR=$SRC/$DIR ;; esac
NAME=qemu-mtd
. "$SRC/tools/qemu-lib.sh"
qlib_start
qlib_host_packages

# ---- guest pieces: downloaded once, unpacked into $CACHE/root ----
mtd_root() {   # ROOT.tmp: modules.dep, and the PVH vmlinux out of the bzImage
	local kver bz off
	kver=$(basename "$(ls -d "$1"/lib/modules/*/ | head -1)")
	depmod -b "$1" "$kver" >>"$LOG" 2>&1 || die "depmod -b $1 $kver failed"
	# The bzImage decompresses its xz payload itself, which takes ~4 s under TCG. The payload is an ELF
	# vmlinux with a PVH entry note: QEMU boots that directly (-kernel vmlinux), so extract it once here.
	# run.sh falls back to the bzImage when there is no boot/vmlinux-*.
	bz=$1/boot/vmlinuz-$kver
	for off in $(LC_ALL=C grep -abo $'\xfd''7zXZ' "$bz" | cut -d: -f1); do
		tail -c +$((off + 1)) "$bz" | xz -dc >"$1/boot/vmlinux.tmp" 2>/dev/null || true
		if [ "$(head -c4 "$1/boot/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] &&
			readelf -n "$1/boot/vmlinux.tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
			mv "$1/boot/vmlinux.tmp" "$1/boot/vmlinux-$kver"
			break
		fi
	done
	rm -f "$1/boot/vmlinux.tmp"
	[ -f "$1/boot/vmlinux-$kver" ] || echo "qemu-mtd setup: no PVH vmlinux in $bz (booting the bzImage, ~4 s slower)" >>"$LOG"
}
# libubootenv: the fw_printenv/fw_setenv that dual-firmware flashing switches slots with (Debian's libubootenv-tool
# conflicts with u-boot-tools on the host: it is only unpacked for the guest)
qlib_guest_root amd64 mtd_root "$(qlib_kernel amd64 linux-image-amd64)" busybox-static mtd-utils e2fsprogs \
	libubootenv-tool libubootenv0.1
exit 0
