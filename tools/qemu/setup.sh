#!/usr/bin/env bash
# tools/qemu/setup.sh — everything the QEMU arm64 board needs (idempotent, quiet when done):
# host packages (tools/bootstrap.sh --qemu: qemu-system-aarch64, the aarch64 cross compiler, arm64 -dev libraries),
# the guest's Debian pieces (kernel, busybox, runtime libs) downloaded and unpacked into BUILD_DIR/cache/
# (tools/qemu-lib.sh, shared with the Malta and MTD harnesses), and failsafed cross-built for BOARD=qemu_virt.
# Usage: tools/qemu/setup.sh [BUILD_DIR] [--gpiod2] [--vlan] [--lan2]   (default: $QEMU_BUILD_DIR, else build/qemu)
#   Every build directory has its own BUILD_DIR (the tests use <build>/qemu): two build directories of one
#   checkout never share a set-up. One setup per BUILD_DIR at a time (a second one waits, then finds it done).
#   BUILD_DIR/failsafed          glibc, dynamically linked, Debian 12's libgpiod 1.6 (GPIO uAPI v1)
#   BUILD_DIR/gpiohold           static (musl): claims a GPIO line and keeps it (/init's fsd.hold=LINE)
#   --gpiod2: also BUILD_DIR/gpiod2/failsafed, fully static with musl and libgpiod 2.2.1 (GPIO uAPI v2, what
#             an OpenWrt kernel offers): tools/deps/build.sh --cpu aarch64 (in $FAILSAFED_DEPS_DIR, default
#             deps/ next to BUILD_DIR) and cmake/toolchain-cross.cmake with FAILSAFED_TARGET=aarch64-linux-musl;
#             configured again when the libraries' directory changed
#   --vlan:   also BUILD_DIR/vlan/failsafed, the same static musl build for BOARD=qemu_virt_vlan (failsafe port
#             eth0.1, VLAN 1 on the virtio-net eth0)
#   --lan2:   also BUILD_DIR/lan2/failsafed, the same static musl build for BOARD=qemu_virt_lan2 (two LAN ports,
#             eth0 and eth1, bridged into br-lan)
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
BUILD= gpiod2=0 vlan=0 lan2=0
for a in "$@"; do
	case $a in
	--gpiod2) gpiod2=1 ;;
	--vlan) vlan=1 ;;
	--lan2) lan2=1 ;;
	-*) echo "qemu setup: unknown option $a" >&2; exit 2 ;;
	*) BUILD=$a ;;
	esac
done
BUILD=${BUILD:-${QEMU_BUILD_DIR:-build/qemu}}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
NAME=qemu DIR=$BUILD
. "$SRC/tools/qemu-lib.sh"
qlib_start
qlib_host_packages

# ---- guest pieces: downloaded once, unpacked into $CACHE/root ----
# The kernel, then the run-time libraries of failsafed's dependencies (libmicrohttpd12 brings GnuTLS and what
# that needs; mkinitramfs.sh names any library still missing).
qlib_guest_root arm64 "" "$(qlib_kernel arm64 linux-image-arm64)" busybox-static libc6 libev4 libgpiod2 libmnl0 \
	libnettle8 zlib1g libmicrohttpd12 libgnutls30 libp11-kit0 libffi8 libidn2-0 libunistring2 libtasn1-6 \
	libhogweed6 libgmp10

# ---- failsafed, cross-built for the board (cmake and make only rebuild what changed) ----
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S "$SRC" -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchain-cross.cmake" -DFAILSAFED_TARGET=aarch64-linux-gnu \
		-DBOARD=qemu_virt -DFAILSAFED_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$LOG" 2>&1 ||
		die "cmake configure (aarch64 cross build) failed"
fi
cmake --build "$BUILD" --target failsafed -j2 >>"$LOG" 2>&1 || die "cross build of failsafed failed"
file_out=$(od -An -tx1 -j18 -N2 "$BUILD/failsafed" | tr -d ' ')
[ "$file_out" = "b700" ] || die "$BUILD/failsafed is not an aarch64 ELF (e_machine $file_out)"

# ---- gpiohold: a static musl helper for the guest (the busy-line test); glibc stays out of the guest ----
KH=$BUILD/kh
if [ ! -x "$BUILD/gpiohold" ] || [ "$SRC/tools/qemu/gpiohold.c" -nt "$BUILD/gpiohold" ]; then
	mkdir -p "$KH"
	for d in linux asm asm-generic; do ln -sfn "/usr/aarch64-linux-gnu/include/$d" "$KH/$d"; done
	aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs -static -Os -std=c11 -D_DEFAULT_SOURCE \
		-Wall -Wextra -Werror -isystem "$KH" -Wl,-z,max-page-size=4096 -s "$SRC/tools/qemu/gpiohold.c" \
		-o "$BUILD/gpiohold.tmp" >>"$LOG" 2>&1 || die "building gpiohold (static musl) failed"
	mv "$BUILD/gpiohold.tmp" "$BUILD/gpiohold"
fi

# ---- failsafed with libgpiod 2.2.1: static musl, nothing needed in the guest ----
# static_build DIR BOARD: configure (once) and build failsafed for BOARD in DIR, then check what it is.
static_build() {
	local b=$1 board=$2
	# Configured against another libraries' directory (moved, or made by another set-up): configure again.
	if [ -f "$b/CMakeCache.txt" ] && ! grep -qx "FAILSAFED_DEPS_DIR:[A-Z]*=$DEPS" "$b/CMakeCache.txt"; then
		rm -rf "$b"
	fi
	if [ ! -f "$b/CMakeCache.txt" ]; then
		cmake -S "$SRC" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchain-cross.cmake" \
			-DFAILSAFED_TARGET=aarch64-linux-musl -DFAILSAFED_DEPS_DIR="$DEPS" -DBOARD="$board" \
			-DFAILSAFED_TESTS=OFF -DCMAKE_BUILD_TYPE=MinSizeRel >>"$LOG" 2>&1 ||
			die "cmake configure (static musl aarch64 build of $board, libgpiod 2) failed"
	fi
	cmake --build "$b" --target failsafed -j2 >>"$LOG" 2>&1 || die "static musl build of failsafed ($board, libgpiod 2) failed"
	grep -q '^GPIOD_VERSION:INTERNAL=2\.' "$b/CMakeCache.txt" ||
		die "$b was not configured with libgpiod 2 ($(grep '^GPIOD_VERSION:' "$b/CMakeCache.txt"))"
	[ "$(od -An -tx1 -j18 -N2 "$b/failsafed" | tr -d ' ')" = "b700" ] || die "$b/failsafed is not an aarch64 ELF"
	! readelf -l "$b/failsafed" | grep -q "program interpreter" || die "$b/failsafed is not statically linked"
}
if [ $gpiod2 -eq 1 ] || [ $vlan -eq 1 ] || [ $lan2 -eq 1 ]; then
	DEPS=${FAILSAFED_DEPS_DIR:-$(dirname "$BUILD")/deps}
	case $DEPS in /*) ;; *) DEPS=$SRC/$DEPS ;; esac
	"$SRC/tools/deps/build.sh" --cpu aarch64 --dir "$DEPS" >>"$LOG" 2>&1 ||
		die "tools/deps/build.sh --cpu aarch64 --dir $DEPS failed (static musl libraries, libgpiod 2.2.1)"
	[ $gpiod2 -eq 0 ] || static_build "$BUILD/gpiod2" qemu_virt
	[ $vlan -eq 0 ] || static_build "$BUILD/vlan" qemu_virt_vlan
	[ $lan2 -eq 0 ] || static_build "$BUILD/lan2" qemu_virt_lan2
fi
