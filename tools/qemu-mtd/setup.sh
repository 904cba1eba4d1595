#!/usr/bin/env bash
# tools/qemu-mtd/setup.sh — what the MTD/UBI QEMU harness needs (idempotent, quiet when done):
# host packages (qemu-system-x86_64, cpio, kmod for depmod, busybox-static, squashfs-tools for the
# tests' mksquashfs, binutils for readelf), and the guest's Debian amd64 pieces (the kernel that
# linux-image-amd64 depends on, busybox-static, mtd-utils, e2fsprogs, libubootenv-tool) fetched with apt-get download into
# BUILD_DIR/cache/debs, unpacked once into BUILD_DIR/cache/root, depmod run, the kernel's ELF vmlinux
# extracted from the bzImage (boot/vmlinux-<ver>: QEMU boots it through PVH, skipping the ~4 s in-guest xz
# decompression under TCG), BUILD_DIR/cache/root/.complete marks it done. Nothing is built here: the
# failsafed binary (a host build) is handed to mkinitramfs.sh.
# Usage: tools/qemu-mtd/setup.sh [BUILD_DIR]   (default: build-qemu-mtd, or $QEMU_MTD_BUILD_DIR)
# Prints nothing when everything is there; on failure one line plus the end of BUILD_DIR/setup.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
BUILD=${1:-${QEMU_MTD_BUILD_DIR:-build-qemu-mtd}}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
CACHE=$BUILD/cache
LOG=$BUILD/setup.log
mkdir -p "$CACHE/debs"
# One setup at a time per build dir (tests in parallel share it); the second waits, then finds it done.
exec 9>"$BUILD/.setup.lock"
flock 9
: >"$LOG"

die() {
	echo "qemu-mtd setup: $*" >&2
	[ -s "$LOG" ] && { echo "--- last lines of $LOG:" >&2; tail -15 "$LOG" >&2; }
	exit 1
}

export DEBIAN_FRONTEND=noninteractive
# apt-get update's exit status is not trusted (a foreign architecture's index out of sync makes it exit
# 100 while the lists needed were fetched): success is judged by the install or download that follows.
apt_updated=0
apt_update() {
	[ $apt_updated -eq 1 ] && return 0
	apt-get update -qq >>"$LOG" 2>&1 || echo "qemu-mtd setup: apt-get update exited $? (going on)" >>"$LOG"
	apt_updated=1
}

# ---- host packages ----
HOST_PACKAGES=(qemu-system-x86 cpio gzip xz-utils kmod busybox-static squashfs-tools binutils python3)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root (apt-get install)"
	echo "qemu-mtd setup: installing ${missing[*]}" >&2
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; then
		apt_update
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
			die "apt-get install ${missing[*]} failed"
	fi
fi

# ---- guest pieces: downloaded once, unpacked into $CACHE/root ----
ROOT=$CACHE/root
# (fw_printenv/fw_setenv came later: a cache without them is made again)
if [ ! -f "$ROOT/.complete" ] || [ ! -e "$ROOT/usr/bin/fw_printenv" ]; then
	# The kernel package is the one linux-image-amd64 depends on (linux-image-6.1.0-<N>-amd64).
	kpkg=$(ls "$CACHE/debs" | grep -oE '^linux-image-[0-9][^_]*-amd64' | head -1 || true)
	if [ -z "$kpkg" ]; then
		kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | grep -oE 'linux-image-[0-9][^ :]*-amd64' | head -1 || true)
		if [ -z "$kpkg" ]; then
			apt_update
			kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | grep -oE 'linux-image-[0-9][^ :]*-amd64' | head -1 || true)
		fi
		[ -n "$kpkg" ] || die "cannot find the amd64 kernel package (apt-cache depends linux-image-amd64)"
	fi
	# libubootenv: the fw_printenv/fw_setenv that dual-firmware flashing switches slots with (Debian's
	# libubootenv-tool conflicts with u-boot-tools on the host: it is only unpacked for the guest)
	GUEST_PACKAGES=("$kpkg" busybox-static mtd-utils e2fsprogs libubootenv-tool libubootenv0.1)
	for p in "${GUEST_PACKAGES[@]}"; do
		ls "$CACHE/debs/${p}_"*_amd64.deb >/dev/null 2>&1 && continue
		echo "qemu-mtd setup: downloading $p" >&2
		# apt-get download writes into the current directory (_apt cannot write there: apt only warns).
		if ! (cd "$CACHE/debs" && apt-get download -qq "$p:amd64") >>"$LOG" 2>&1; then
			apt_update
			(cd "$CACHE/debs" && apt-get download -qq "$p:amd64") >>"$LOG" 2>&1 ||
				die "apt-get download $p:amd64 failed (no network or no package mirror?)"
		fi
	done
	rm -rf "$ROOT.tmp"
	mkdir -p "$ROOT.tmp"
	for p in "${GUEST_PACKAGES[@]}"; do
		deb=$(ls "$CACHE/debs/${p}_"*_amd64.deb | tail -1)
		dpkg-deb -x "$deb" "$ROOT.tmp" || die "dpkg-deb -x $deb failed"
	done
	ls "$ROOT.tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "no boot/vmlinuz-* in $kpkg"
	kver=$(basename "$(ls -d "$ROOT.tmp"/lib/modules/*/ | head -1)")
	depmod -b "$ROOT.tmp" "$kver" >>"$LOG" 2>&1 || die "depmod -b $ROOT.tmp $kver failed"
	# The bzImage decompresses its xz payload itself, which takes ~4 s under TCG. The payload is an ELF
	# vmlinux with a PVH entry note: QEMU boots that directly (-kernel vmlinux), so extract it once here.
	# run.sh falls back to the bzImage when there is no boot/vmlinux-*.
	bz=$ROOT.tmp/boot/vmlinuz-$kver
	for off in $(LC_ALL=C grep -abo $'\xfd''7zXZ' "$bz" | cut -d: -f1); do
		tail -c +$((off + 1)) "$bz" | xz -dc >"$ROOT.tmp/boot/vmlinux.tmp" 2>/dev/null || true
		if [ "$(head -c4 "$ROOT.tmp/boot/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] &&
			readelf -n "$ROOT.tmp/boot/vmlinux.tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
			mv "$ROOT.tmp/boot/vmlinux.tmp" "$ROOT.tmp/boot/vmlinux-$kver"
			break
		fi
	done
	rm -f "$ROOT.tmp/boot/vmlinux.tmp"
	[ -f "$ROOT.tmp/boot/vmlinux-$kver" ] || echo "qemu-mtd setup: no PVH vmlinux in $bz (booting the bzImage, ~4 s slower)" >>"$LOG"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
	touch "$ROOT/.complete"
fi
exit 0
