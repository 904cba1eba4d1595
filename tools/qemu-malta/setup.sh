#!/usr/bin/env bash
# tools/qemu-malta/setup.sh — what the QEMU Malta (mipsel) harness needs (idempotent, quiet when done):
# host packages (qemu-system-mipsel, the mipsel cross gcc and musl-dev:mipsel, kmod for depmod, cpio),
# the guest's Debian mipsel pieces (the kernel that linux-image-4kc-malta:mipsel depends on, busybox-static)
# fetched with apt-get download into DIR/cache/debs and unpacked once into DIR/cache/root (depmod run:
# the .deb ships no modules.dep), and failsafed cross-built statically with musl for BOARD=qemu_malta into
# DIR/build/failsafed (tools/deps/build.sh --cpu mipsel for its libraries, then cmake/toolchain-cross.cmake
# with FAILSAFED_TARGET=mipsel-linux-musl). No glibc goes into the guest.
# Usage: tools/qemu-malta/setup.sh [DIR] [--nand]   (default: $QEMU_MALTA_DIR, else build/qemu-malta)
#   --nand   also DIR/build-nand/failsafed: the same static musl build for BOARD=qemu_malta_nand (NAND/UBI storage on
#            nandsim: tools/qemu-malta/mkinitramfs.sh --nand, tests/test_qemu_nand_e2e.py), and Debian's mipsel
#            mtd-utils with the glibc it links unpacked into DIR/cache/nand-root (failsafed runs mtd-utils' ubiformat
#            for a ubinized image or a UBI partition that will not attach, as OpenWrt's ubi-utils are on a NAND
#            router)
#   Environment: FAILSAFED_DEPS_DIR  where the static libraries are built (default: build-deps in the checkout,
#                                    as cmake/toolchain-cross.cmake; a complete one is reused as it is)
# The first run downloads about 46 MB from the configured Debian mirror; later runs are offline.
# Prints nothing when everything is there; on failure one line plus the end of DIR/setup.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
nand=0
if [ "${1:-}" = --nand ]; then nand=1; shift; fi
if [ "${2:-}" = --nand ]; then nand=1; set -- "$1"; fi
DIR=${1:-${QEMU_MALTA_DIR:-build/qemu-malta}}
case $DIR in /*) ;; *) DIR=$SRC/$DIR ;; esac
CACHE=$DIR/cache
LOG=$DIR/setup.log
mkdir -p "$CACHE/debs"
# One setup at a time per directory (tests share it); the second waits, then finds it done.
exec 9>"$DIR/.setup.lock"
flock 9
: >"$LOG"

die() {
	echo "qemu-malta setup: $*" >&2
	[ -s "$LOG" ] && { echo "--- last lines of $LOG:" >&2; tail -15 "$LOG" >&2; }
	exit 1
}

export DEBIAN_FRONTEND=noninteractive
# apt-get update's exit status is not trusted (a foreign architecture's index out of sync makes it exit 100
# while the lists needed were fetched): success is judged by the install or download that follows.
apt_updated=0
apt_update() {
	[ $apt_updated -eq 1 ] && return 0
	apt-get update -qq >>"$LOG" 2>&1 || echo "qemu-malta setup: apt-get update exited $? (going on)" >>"$LOG"
	apt_updated=1
}

# ---- host packages ----
HOST_PACKAGES=(qemu-system-mips cmake make pkg-config cpio gzip kmod binutils python3 gcc-mipsel-linux-gnu
	musl-dev:mipsel linux-libc-dev-mipsel-cross qemu-user-static autoconf automake libtool m4 xz-utils bzip2
	debian-archive-keyring)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root (apt-get install)"
	echo "qemu-malta setup: installing ${missing[*]}" >&2
	if ! dpkg --print-foreign-architectures | grep -qx mipsel; then
		dpkg --add-architecture mipsel
		apt_update
	fi
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; then
		apt_update
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
			die "apt-get install ${missing[*]} failed"
	fi
fi

# ---- guest pieces: downloaded once, unpacked into $CACHE/root ----
ROOT=$CACHE/root
if [ ! -f "$ROOT/.complete" ]; then
	# The kernel package is the one linux-image-4kc-malta:mipsel depends on (linux-image-6.1.0-<N>-4kc-malta).
	kpkg=
	for f in "$CACHE"/debs/linux-image-[0-9]*-4kc-malta_*_mipsel.deb; do
		[ -e "$f" ] && { kpkg=${f##*/}; kpkg=${kpkg%%_*}; break; }
	done
	if [ -z "$kpkg" ]; then
		kpkg=$(apt-cache depends linux-image-4kc-malta:mipsel 2>/dev/null | grep -oE 'linux-image-[0-9][^ :]*-4kc-malta' | head -1 || true)
		if [ -z "$kpkg" ]; then
			apt_update
			kpkg=$(apt-cache depends linux-image-4kc-malta:mipsel 2>/dev/null | grep -oE 'linux-image-[0-9][^ :]*-4kc-malta' | head -1 || true)
		fi
		[ -n "$kpkg" ] || die "cannot find the Malta kernel package (apt-cache depends linux-image-4kc-malta:mipsel)"
	fi
	GUEST_PACKAGES=("$kpkg" busybox-static)
	for p in "${GUEST_PACKAGES[@]}"; do
		ls "$CACHE/debs/${p}_"*_mipsel.deb >/dev/null 2>&1 && continue
		echo "qemu-malta setup: downloading $p:mipsel" >&2
		# apt-get download writes into the current directory (_apt cannot write there: apt only warns).
		if ! (cd "$CACHE/debs" && apt-get download -qq "$p:mipsel") >>"$LOG" 2>&1; then
			apt_update
			(cd "$CACHE/debs" && apt-get download -qq "$p:mipsel") >>"$LOG" 2>&1 ||
				die "apt-get download $p:mipsel failed (no network or no package mirror?)"
		fi
	done
	rm -rf "$ROOT.tmp"
	mkdir -p "$ROOT.tmp"
	for p in "${GUEST_PACKAGES[@]}"; do
		deb=$(ls "$CACHE/debs/${p}_"*_mipsel.deb | tail -1)
		dpkg-deb -x "$deb" "$ROOT.tmp" || die "dpkg-deb -x $deb failed"
	done
	ls "$ROOT.tmp"/boot/vmlinuz-* >/dev/null 2>&1 || die "no boot/vmlinuz-* in $kpkg"
	kver=$(basename "$(ls -d "$ROOT.tmp"/lib/modules/*/ | head -1)")
	depmod -b "$ROOT.tmp" "$kver" >>"$LOG" 2>&1 || die "depmod -b $ROOT.tmp $kver failed"
	[ "$(od -An -tx1 -j18 -N2 "$ROOT.tmp/bin/busybox" | tr -d ' ')" = "0800" ] ||
		die "$ROOT.tmp/bin/busybox is not a MIPS ELF"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
	touch "$ROOT/.complete"
fi

# ---- failsafed: static musl, mipsel, BOARD=qemu_malta (cmake and make only redo what changed) ----
DEPS=${FAILSAFED_DEPS_DIR:-$SRC/build-deps}
case $DEPS in /*) ;; *) DEPS=$SRC/$DEPS ;; esac
"$SRC/tools/deps/build.sh" --cpu mipsel --dir "$DEPS" --jobs 2 >>"$LOG" 2>&1 ||
	die "tools/deps/build.sh --cpu mipsel --dir $DEPS failed (static musl libraries)"
B=$DIR/build
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
# --nand: the same for BOARD=qemu_malta_nand, in its own build directory; mtd-utils and its libraries unpacked.
if [ $nand -eq 1 ]; then
	NROOT=$CACHE/nand-root
	NAND_PACKAGES=(mtd-utils libc6 libgcc-s1)    # the UBI tools link only libc (mkfs.ubifs, not taken, more)
	if [ "$(cat "$NROOT/.complete" 2>/dev/null)" != "${NAND_PACKAGES[*]}" ]; then
		for p in "${NAND_PACKAGES[@]}"; do
			ls "$CACHE/debs/${p}_"*_mipsel.deb >/dev/null 2>&1 && continue
			echo "qemu-malta setup: downloading $p:mipsel" >&2
			if ! (cd "$CACHE/debs" && apt-get download -qq "$p:mipsel") >>"$LOG" 2>&1; then
				apt_update
				(cd "$CACHE/debs" && apt-get download -qq "$p:mipsel") >>"$LOG" 2>&1 ||
					die "apt-get download $p:mipsel failed (no network or no package mirror?)"
			fi
		done
		rm -rf "$NROOT.tmp"
		mkdir -p "$NROOT.tmp"
		for p in "${NAND_PACKAGES[@]}"; do
			deb=$(ls "$CACHE/debs/${p}_"*_mipsel.deb | tail -1)
			dpkg-deb -x "$deb" "$NROOT.tmp" || die "dpkg-deb -x $deb failed"
		done
		[ -x "$NROOT.tmp/usr/sbin/ubiformat" ] || die "no usr/sbin/ubiformat in mtd-utils:mipsel"
		rm -rf "$NROOT"
		mv "$NROOT.tmp" "$NROOT"
		echo "${NAND_PACKAGES[*]}" >"$NROOT/.complete"
	fi
	B=$DIR/build-nand
	if [ ! -f "$B/CMakeCache.txt" ]; then
		cmake -S "$SRC" -B "$B" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchain-cross.cmake" \
			-DFAILSAFED_TARGET=mipsel-linux-musl -DFAILSAFED_DEPS_DIR="$DEPS" -DBOARD=qemu_malta_nand \
			-DFAILSAFED_TESTS=OFF -DCMAKE_BUILD_TYPE=MinSizeRel >>"$LOG" 2>&1 ||
			die "cmake configure (static musl mipsel build, BOARD=qemu_malta_nand) failed"
	fi
	cmake --build "$B" --target failsafed -j2 >>"$LOG" 2>&1 ||
		die "static musl mipsel build of failsafed (BOARD=qemu_malta_nand) failed"
	[ "$(od -An -tx1 -j18 -N2 "$B/failsafed" | tr -d ' ')" = "0800" ] || die "$B/failsafed is not a MIPS ELF"
	! readelf -l "$B/failsafed" | grep -q "program interpreter" || die "$B/failsafed is not statically linked"
fi
exit 0
