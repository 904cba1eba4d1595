#!/usr/bin/env bash
# tools/qemu-setup.sh — set up the three QEMU harnesses of one build directory at once (the ctest fixtures qemu_setup*)
#
# Usage: tools/qemu-setup.sh BUILD_DIR [--base | --static]
#   BUILD_DIR/qemu        tools/qemu/setup.sh --gpiod2 --vlan --lan2 and the four initramfs (glibc, gpiod2, vlan, lan2 builds)
#   BUILD_DIR/qemu-malta  tools/qemu-malta/setup.sh and its initramfs
#   BUILD_DIR/qemu-mtd    tools/qemu-mtd/setup.sh (its initramfs is made per test run)
#   --base    only what needs no static musl library: the arm64 board's glibc build, the MTD guest (ctest:
#             qemu_setup, which runs while cross_deps builds the libraries)
#   --static  only what does: the gpiod2, vlan and lan2 builds, the Malta (ctest: qemu_setup_static, after cross_deps)
# The parts run side by side (downloads, unpacking and the cross builds overlap); the static musl builds take their
# libraries from $FAILSAFED_DEPS_DIR (default BUILD_DIR/deps, cross_deps's). Everything stays in BUILD_DIR: another
# build directory of the same checkout has its own. Idempotent: seconds when everything is up to date.
# Prints one line with the time each took; on failure, which one failed and why (its setup.sh's message).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
PARTS="arm64 arm64_static malta mtd"
case $# in
1) ;;
2) case $2 in
   --base) PARTS="arm64 mtd" ;;
   --static) PARTS="arm64_static malta" ;;
   *) echo "usage: tools/qemu-setup.sh BUILD_DIR [--base | --static]" >&2; exit 2 ;;
   esac ;;
*) echo "usage: tools/qemu-setup.sh BUILD_DIR [--base | --static]" >&2; exit 2 ;;
esac
B=$(mkdir -p "$1" && cd "$1" && pwd)
export FAILSAFED_DEPS_DIR=${FAILSAFED_DEPS_DIR:-$B/deps}
OUT=$(mktemp -d /tmp/fsd-qemu-setup.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

arm64() {
	tools/qemu/setup.sh "$B/qemu"
	tools/qemu/mkinitramfs.sh "$B/qemu"
}
arm64_static() {   # setup.sh does the glibc part too (quick when done; one setup.sh per directory at a time)
	tools/qemu/setup.sh "$B/qemu" --gpiod2 --vlan --lan2
	tools/qemu/mkinitramfs.sh "$B/qemu" --failsafed "$B/qemu/gpiod2/failsafed"
	tools/qemu/mkinitramfs.sh "$B/qemu" --failsafed "$B/qemu/vlan/failsafed"
	tools/qemu/mkinitramfs.sh "$B/qemu" --failsafed "$B/qemu/lan2/failsafed"
}
malta() {
	tools/qemu-malta/setup.sh "$B/qemu-malta"
	tools/qemu-malta/mkinitramfs.sh "$B/qemu-malta"
}
mtd() {
	tools/qemu-mtd/setup.sh "$B/qemu-mtd"
}
# timed NAME: run the function NAME, its output in $OUT/NAME, its status and seconds in $OUT/NAME.rc
timed() {
	local t0=$SECONDS rc=0
	"$1" >"$OUT/$1" 2>&1 || rc=$?
	echo "$rc $((SECONDS - t0))" >"$OUT/$1.rc"
}
t0=$SECONDS
pids=()
for h in $PARTS; do
	timed "$h" &
	pids+=($!)
done
wait "${pids[@]}"
failed=0 line=
for h in $PARTS; do
	read -r rc s <"$OUT/$h.rc"
	line+=" $h ${s} s,"
	if [ "$rc" -ne 0 ]; then
		failed=1
		echo "qemu-setup: the $h harness failed (exit $rc):" >&2
		sed 's/^/   /' "$OUT/$h" >&2
	fi
done
echo "qemu-setup: ${line%,} (all: $((SECONDS - t0)) s) in $B"
exit $failed
