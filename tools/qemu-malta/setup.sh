#!/usr/bin/env bash
# tools/qemu-malta/setup.sh — what the QEMU Malta (mipsel) harness needs (idempotent, quiet when done):
# host packages (tools/bootstrap.sh --qemu: qemu-system-mipsel, the mipsel cross gcc and musl-dev:mipsel, kmod for
# depmod, cpio), the guest's Debian mipsel pieces (the kernel that linux-image-4kc-malta:mipsel depends on,
# busybox-static) fetched with apt-get download into DIR/cache/debs and unpacked once into DIR/cache/root (depmod
# run: the .deb ships no modules.dep) by tools/qemu-lib.sh (shared with the arm64 and MTD harnesses), and failsafed
# cross-built statically with musl for BOARD=qemu_malta into DIR/build/failsafed (tools/deps/build.sh --cpu mipsel
# for its libraries, then cmake/toolchain-cross.cmake with FAILSAFED_TARGET=mipsel-linux-musl). No glibc goes into
# the guest.
# Usage: tools/qemu-malta/setup.sh [DIR]   (default: $QEMU_MALTA_DIR, else build/qemu-malta; the tests use
#                                           <build>/qemu-malta: every build directory has its own)
#   Environment: FAILSAFED_DEPS_DIR  where the static libraries are built (default: deps/ next to DIR, i.e.
#                                    <build>/deps; a complete one is reused as it is)
# The first run downloads about 46 MB from the configured Debian mirror; later runs are offline.
# Prints nothing when everything is there; on failure one line plus the end of DIR/setup.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
DIR=${1:-${QEMU_MALTA_DIR:-build/qemu-malta}}
case $DIR in /*) ;; *) DIR=$SRC/$DIR ;; esac
NAME=qemu-malta
. "$SRC/tools/qemu-lib.sh"
qlib_start
qlib_host_packages

# ---- guest pieces: downloaded once, unpacked into $CACHE/root ----
malta_root() {   # the .deb has no modules.dep; the busybox must be the mipsel one
	local kver
	kver=$(basename "$(ls -d "$1"/lib/modules/*/ | head -1)")
	depmod -b "$1" "$kver" >>"$LOG" 2>&1 || die "depmod -b $1 $kver failed"
	[ "$(od -An -tx1 -j18 -N2 "$1/bin/busybox" | tr -d ' ')" = "0800" ] || die "$1/bin/busybox is not a MIPS ELF"
}
qlib_guest_root mipsel malta_root "$(qlib_kernel mipsel linux-image-4kc-malta)" busybox-static

# ---- failsafed: static musl, mipsel, BOARD=qemu_malta (cmake and make only redo what changed) ----
DEPS=${FAILSAFED_DEPS_DIR:-$(dirname "$DIR")/deps}
case $DEPS in /*) ;; *) DEPS=$SRC/$DEPS ;; esac
"$SRC/tools/deps/build.sh" --cpu mipsel --dir "$DEPS" --jobs 2 >>"$LOG" 2>&1 ||
	die "tools/deps/build.sh --cpu mipsel --dir $DEPS failed (static musl libraries)"
B=$DIR/build
# Configured against another libraries' directory (moved, or made by another set-up): configure again.
if [ -f "$B/CMakeCache.txt" ] && ! grep -qx "FAILSAFED_DEPS_DIR:[A-Z]*=$DEPS" "$B/CMakeCache.txt"; then
	rm -rf "$B"
fi
if [ ! -f "$B/CMakeCache.txt" ]; then
	cmake -S "$SRC" -B "$B" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchain-cross.cmake" \
		-DFAILSAFED_TARGET=mipsel-linux-musl -DFAILSAFED_DEPS_DIR="$DEPS" -DBOARD=qemu_malta \
		-DFAILSAFED_TESTS=OFF -DCMAKE_BUILD_TYPE=MinSizeRel >>"$LOG" 2>&1 ||
		die "cmake configure (static musl mipsel build) failed"
fi
cmake --build "$B" --target failsafed -j2 >>"$LOG" 2>&1 || die "static musl mipsel build of failsafed failed"
# ELF32, little endian, EM_MIPS (8), no program interpreter: a static mipsel binary.
if [ "$(od -An -tx1 -j4 -N2 "$B/failsafed" | tr -d ' ')" != "0101" ] ||
	[ "$(od -An -tx1 -j18 -N2 "$B/failsafed" | tr -d ' ')" != "0800" ]; then
	die "$B/failsafed is not a 32-bit little-endian MIPS ELF"
fi
! readelf -l "$B/failsafed" | grep -q "program interpreter" || die "$B/failsafed is not statically linked"
exit 0
