#!/usr/bin/env bash
# tools/qemu/setup.sh — everything the QEMU arm64 board needs (idempotent, quiet when done):
# host packages (qemu-system-aarch64, the aarch64 cross compiler, arm64 -dev libraries),
# the guest's Debian pieces (kernel, busybox, runtime libs) downloaded and unpacked into
# build-qemu/cache/, and failsafed cross-built for BOARD=qemu_virt into build-qemu/.
# Usage: tools/qemu/setup.sh [BUILD_DIR] [--gpiod2] [--vlan] [--lan2]   (default: build-qemu, or $QEMU_BUILD_DIR)
#   BUILD_DIR/failsafed          glibc, dynamically linked, Debian 12's libgpiod 1.6 (GPIO uAPI v1)
#   BUILD_DIR/gpiohold           static (musl): claims a GPIO line and keeps it (/init's fsd.hold=LINE)
#   --gpiod2: also BUILD_DIR/gpiod2/failsafed, fully static with musl and libgpiod 2.2.1 (GPIO uAPI v2, what
#             an OpenWrt kernel offers): tools/deps/build.sh --cpu aarch64 (in $FAILSAFED_DEPS_DIR, default
#             build-deps) and cmake/toolchain-cross.cmake with FAILSAFED_TARGET=aarch64-linux-musl
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
BUILD=${BUILD:-${QEMU_BUILD_DIR:-build-qemu}}
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
HOST_PACKAGES=(cmake make pkg-config cpio gzip python3 kmod qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross musl-dev:arm64
	libev-dev:arm64 libgpiod-dev:arm64 libmnl-dev:arm64 libjson-c-dev:arm64 nettle-dev:arm64 zlib1g-dev:arm64
	libmicrohttpd-dev:arm64)
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
# libmicrohttpd12 brings GnuTLS and what that needs (mkinitramfs.sh names any library still missing).
GUEST_LIBS=(busybox-static libc6 libev4 libgpiod2 libmnl0 libjson-c5 libnettle8 zlib1g
	libmicrohttpd12 libgnutls30 libp11-kit0 libffi8 libidn2-0 libunistring2 libtasn1-6 libhogweed6 libgmp10)
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
	DEPS=${FAILSAFED_DEPS_DIR:-$SRC/build-deps}
	case $DEPS in /*) ;; *) DEPS=$SRC/$DEPS ;; esac
	"$SRC/tools/deps/build.sh" --cpu aarch64 --dir "$DEPS" >>"$LOG" 2>&1 ||
		die "tools/deps/build.sh --cpu aarch64 --dir $DEPS failed (static musl libraries, libgpiod 2.2.1)"
	[ $gpiod2 -eq 0 ] || static_build "$BUILD/gpiod2" qemu_virt
	[ $vlan -eq 0 ] || static_build "$BUILD/vlan" qemu_virt_vlan
	[ $lan2 -eq 0 ] || static_build "$BUILD/lan2" qemu_virt_lan2
fi
