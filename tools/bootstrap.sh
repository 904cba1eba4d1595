#!/usr/bin/env bash
# tools/bootstrap.sh — install the Debian 12 packages the build, demo and tests need (idempotent, quiet when present)
#   tools/bootstrap.sh                 host build, tests, demo, and the static musl cross builds (aarch64, armhf,
#                                      mipsel: cross gcc, musl-dev:<arch>, kernel headers, qemu-user-static)
#   tools/bootstrap.sh --cross-arm64   also Debian's :arm64 libraries, for a glibc arm64 build (the QEMU board)
#   tools/bootstrap.sh --qemu          also what the three QEMU harnesses need (tools/qemu, tools/qemu-malta,
#                                      tools/qemu-mtd: qemu-system-arm, -mips, -x86 and the :arm64 libraries);
#                                      tools/test.sh asks for this: every test's packages before any test runs
#   tools/bootstrap.sh --build         only what the host build needs (tools/test.sh installs the rest while it builds)
set -euo pipefail

PACKAGES=(
	cmake make gcc pkg-config file       # build
	libev-dev libgpiod-dev libmnl-dev    # the daemon's libraries
	nettle-dev zlib1g-dev                # firmware images: SHA-256, CRC-32
	libmicrohttpd-dev                    # the recovery page
	chromium                             # the recovery page in a real browser (headless, driven over a DevTools pipe)
	libcurl4-openssl-dev                 # failsafectl recover's HTTP client
	libcmocka-dev python3                # unit and integration tests
	clang libclang-rt-14-dev             # sanitizer builds, libFuzzer
	valgrind                             # tests/test_valgrind.py: memcheck over a whole failsafe session
	iproute2 iputils-ping tcpdump telnet expect busybox-static procps util-linux   # network tests, telnet peers, benchmark
	squashfs-tools e2fsprogs mtd-utils netcat-openbsd   # storage tests: rom images, rootfs_data, JFFS2 checks, plain nc
	u-boot-tools gzip tar                # OpenWrt's images made by the real tools: FIT (mkimage -f -E), fit_check_sign, dumpimage
	fdisk                                # eMMC flashing tests: GPT disks (sfdisk)
	strace                               # test_storage: which way the firmware is written (O_DIRECT or through the cache)
	git                                  # test_docs's clean copy (git ls-files); curl below: the recovery page
	dropbear-bin openssh-client          # SSH in failsafe (dropbear, dropbearkey) and the ssh client of its tests
	isc-dhcp-client dhcpcd-base dnsmasq-base   # the DHCP server's real clients (dhclient, dhcpcd; udhcpc is busybox's), the rival server and bench peer
	avahi-daemon avahi-utils libnss-mdns dbus   # failsafe.local resolved as a laptop does (avahi-resolve, getent/Chromium through nss-mdns), in the tests' namespaces
	python3-libfdt device-tree-compiler  # tools/board-from-dtb and its tests (dtc, fdtput)
	# static musl cross builds (tools/deps/build.sh, cmake/toolchain-cross.cmake, tools/release, the cross_* tests):
	# Debian's glibc cross gcc + musl-dev:<arch> (its specs, headers, libc.a) + the kernel uAPI headers by themselves
	# (never linux-libc-dev:<arch>, which would replace the amd64 one); autotools for libmnl's git tarball
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-mipsel-linux-gnu musl-dev:arm64 musl-dev:armhf musl-dev:mipsel
	linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-mipsel-cross
	autoconf automake libtool m4 xz-utils bzip2 debian-archive-keyring
	qemu-user-static binutils           # the cross builds' unit tests under qemu-user; readelf
	qemu-system-mips cpio kmod           # the QEMU Malta harness (tools/qemu-malta/): qemu-system-mipsel, initramfs, depmod
	dpkg-dev lintian debootstrap man-db  # the Debian packages (packaging/debian/build.sh), their install test, man pages
	curl                                 # the recovery page's tests (HTTP from the PC's namespace)
)
ARCHS=(arm64 armhf mipsel)             # musl-dev:<arch>
CROSS_ARM64=(libc6-dev-arm64-cross libev-dev:arm64 libgpiod-dev:arm64 libmnl-dev:arm64
	nettle-dev:arm64 zlib1g-dev:arm64 libmicrohttpd-dev:arm64)
QEMU=(qemu-system-arm qemu-system-x86 "${CROSS_ARM64[@]}")
# The host build (cmake/, CMakeLists.txt: compilers, pkg-config's libraries, mksquashfs for the image).
BUILD=(cmake make gcc pkg-config file clang libclang-rt-14-dev libev-dev libgpiod-dev libmnl-dev
	nettle-dev zlib1g-dev libmicrohttpd-dev libcurl4-openssl-dev libcmocka-dev python3 squashfs-tools)
for a in "$@"; do
	case $a in
	--build) PACKAGES=("${BUILD[@]}") ;;
	--cross-arm64) PACKAGES+=("${CROSS_ARM64[@]}") ;;
	--qemu) PACKAGES+=("${QEMU[@]}") ;;
	-h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "bootstrap: unknown option $a (see --help)" >&2; exit 2 ;;
	esac
done

find_missing() {
	missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
}
find_missing
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "bootstrap: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
# One install at a time (the QEMU harnesses' set-ups run side by side): a second one waits, then installs what is
# still missing.
exec 8>/tmp/failsafed-bootstrap.lock
flock 8
find_missing
[ ${#missing[@]} -eq 0 ] && exit 0
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# avahi-daemon (and dbus) would start on the host and speak mDNS on its real network: the tests run their own
# copies inside network and mount namespaces. Debian's invoke-rc.d and deb-systemd-invoke ask policy-rc.d;
# where there is none, one refuses every start for the length of this install and goes away after it.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# written by failsafed tools/bootstrap.sh for one apt-get run: no service starts\nexit 101\n' \
		>/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
LOG=/tmp/failsafed-bootstrap.log
updated=0
added=0
for a in "${ARCHS[@]}"; do
	dpkg --print-foreign-architectures | grep -qx "$a" && continue
	dpkg --add-architecture "$a"
	added=1
done
if [ $added -eq 1 ]; then
	# A mirror index out of sync (bookworm-security armhf, at times) makes update exit 100 although what
	# we need arrived: success is judged by the install below.
	apt-get update -qq >>"$LOG" 2>&1 || true
	updated=1
fi
# A new machine has empty package lists: update once, then install. dpkg without an fsync per file
# (--force-unsafe-io): a new machine unpacks ~600 MB of packages, and a crash mid-install means installing again.
INSTALL=(apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-unsafe-io)
if ! "${INSTALL[@]}" "${missing[@]}" >>"$LOG" 2>&1; then
	[ $updated -eq 1 ] || apt-get update -qq >>"$LOG" 2>&1 || true
	"${INSTALL[@]}" "${missing[@]}" >>"$LOG" 2>&1 || {
		echo "bootstrap: apt-get install failed; see $LOG" >&2
		tail -20 "$LOG" >&2
		exit 1
	}
fi
