#!/usr/bin/env bash
# tools/bootstrap.sh — install the Debian 12 packages the build, demo and tests need (idempotent, quiet when present)
#   tools/bootstrap.sh                 host build, tests, demo
#   tools/bootstrap.sh --cross-arm64   also the aarch64 cross compiler and Debian's :arm64 libraries
set -euo pipefail

PACKAGES=(
	cmake make gcc pkg-config file       # build
	libev-dev libgpiod-dev libmnl-dev    # the daemon's libraries
	libjson-c-dev nettle-dev zlib1g-dev  # firmware images: metadata JSON, SHA-256, CRC-32
	libcmocka-dev python3                # unit and integration tests
	clang libclang-rt-14-dev             # sanitizer builds, libFuzzer
	iproute2 iputils-ping tcpdump telnet expect busybox-static procps util-linux   # network tests, telnet peers, benchmark
	squashfs-tools e2fsprogs mtd-utils netcat-openbsd   # storage tests: rom images, rootfs_data, JFFS2 checks, plain nc
)
ARCH=
case ${1:-} in
--cross-arm64)
	ARCH=arm64
	PACKAGES+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross libev-dev:arm64 libgpiod-dev:arm64 libmnl-dev:arm64
		libjson-c-dev:arm64 nettle-dev:arm64 zlib1g-dev:arm64) ;;
"") ;;
-h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "bootstrap: unknown option $1 (see --help)" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "bootstrap: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
LOG=/tmp/failsafed-bootstrap.log
updated=0
if [ -n "$ARCH" ] && ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
	dpkg --add-architecture "$ARCH"
	# A mirror index out of sync can make update exit non-zero although what we need arrived:
	# success is judged by the install below.
	apt-get update -qq >>"$LOG" 2>&1 || true
	updated=1
fi
# A new machine has empty package lists: update once, then install.
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; then
	[ $updated -eq 1 ] || apt-get update -qq >>"$LOG" 2>&1 || true
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 || {
		echo "bootstrap: apt-get install failed; see $LOG" >&2
		tail -20 "$LOG" >&2
		exit 1
	}
fi
