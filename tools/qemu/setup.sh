#!/usr/bin/env bash
# tools/qemu/setup.sh — everything the QEMU arm64 board needs (idempotent, quiet when done):
# host packages (qemu-system-aarch64, the aarch64 cross compiler, arm64 -dev libraries),
# the guest's Debian pieces (kernel, busybox, runtime libs) downloaded and unpacked into
# build-qemu/cache/, and failsafed cross-built for BOARD=qemu_virt into build-qemu/.
# Usage: tools/qemu/setup.sh [BUILD_DIR]   (default: build-qemu, or $QEMU_BUILD_DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
BUILD=${1:-${QEMU_BUILD_DIR:-build-qemu}}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
CACHE=$BUILD/cache
LOG=$BUILD/setup.log
mkdir -p "$CACHE/debs"
: >"$LOG"

die() {
	echo "qemu setup: $*" >&2
	[ -s "$LOG" ] && { echo "--- last lines of $LOG:" >&2; tail -15 "$LOG" >&2; }
	exit 1
}

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() {
	[ $apt_updated -eq 1 ] && return 0
	apt-get update -qq >>"$LOG" 2>&1 || die "apt-get update failed (no network or no package mirror?)"
	apt_updated=1
}

# ---- host packages ----
HOST_PACKAGES=(cmake make pkg-config cpio gzip python3 qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	libev-dev:arm64 libgpiod-dev:arm64 libmnl-dev:arm64 libjson-c-dev:arm64 nettle-dev:arm64 zlib1g-dev:arm64)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root (apt-get install, dpkg --add-architecture arm64)"
	echo "qemu setup: installing ${missing[*]}" >&2
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		apt_update
	fi
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; then
		apt_update
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
			die "apt-get install ${missing[*]} failed"
	fi
fi

# ---- guest pieces: downloaded once, unpacked into $CACHE/root ----
# The kernel package is the one linux-image-arm64:arm64 depends on (linux-image-6.1.0-<N>-arm64).
ROOT=$CACHE/root
# The run-time libraries of failsafed's dependencies; the unpacked root is redone when this list changes.
GUEST_LIBS=(busybox-static libc6 libev4 libgpiod2 libmnl0 libjson-c5 libnettle8 zlib1g)
if [ "$(cat "$ROOT/.complete" 2>/dev/null)" != "${GUEST_LIBS[*]}" ]; then
	kpkg=$(ls "$CACHE/debs" | grep -oE '^linux-image-[0-9][^_]*-arm64' | head -1 || true)
	if [ -z "$kpkg" ]; then
		kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | grep -oE 'linux-image-[0-9][^ :]*-arm64' | head -1 || true)
		if [ -z "$kpkg" ]; then
			apt_update
			kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | grep -oE 'linux-image-[0-9][^ :]*-arm64' | head -1 || true)
		fi
		[ -n "$kpkg" ] || die "cannot find the arm64 kernel package (apt-cache depends linux-image-arm64:arm64)"
	fi
	GUEST_PACKAGES=("$kpkg" "${GUEST_LIBS[@]}")
	for p in "${GUEST_PACKAGES[@]}"; do
		ls "$CACHE/debs/${p}_"*_arm64.deb >/dev/null 2>&1 && continue
		echo "qemu setup: downloading $p:arm64" >&2
		# apt-get download writes into the current directory; _apt cannot write into root's
		# directories, which only makes apt warn (the download then runs unsandboxed).
		if ! (cd "$CACHE/debs" && apt-get download -qq "$p:arm64") >>"$LOG" 2>&1; then
			apt_update
			(cd "$CACHE/debs" && apt-get download -qq "$p:arm64") >>"$LOG" 2>&1 ||
				die "apt-get download $p:arm64 failed (no network or no package mirror?)"
		fi
	done
	rm -rf "$ROOT.tmp"
	mkdir -p "$ROOT.tmp"
	for p in "${GUEST_PACKAGES[@]}"; do
		deb=$(ls "$CACHE/debs/${p}_"*_arm64.deb | tail -1)
		dpkg-deb -x "$deb" "$ROOT.tmp" || die "dpkg-deb -x $deb failed"
	done
	ls "$ROOT.tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "no boot/vmlinuz-* in $kpkg"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
	echo "${GUEST_LIBS[*]}" >"$ROOT/.complete"
fi

# ---- failsafed, cross-built for the board (cmake and make only rebuild what changed) ----
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S "$SRC" -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchain-aarch64.cmake" \
		-DBOARD=qemu_virt -DFAILSAFED_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$LOG" 2>&1 ||
		die "cmake configure (aarch64 cross build) failed"
fi
cmake --build "$BUILD" --target failsafed -j2 >>"$LOG" 2>&1 || die "cross build of failsafed failed"
file_out=$(od -An -tx1 -j18 -N2 "$BUILD/failsafed" | tr -d ' ')
[ "$file_out" = "b700" ] || die "$BUILD/failsafed is not an aarch64 ELF (e_machine $file_out)"
