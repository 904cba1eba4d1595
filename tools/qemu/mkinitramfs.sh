#!/usr/bin/env bash
# tools/qemu/mkinitramfs.sh — the QEMU test board's initramfs: busybox, the cross-built failsafed (with the dynamic
# loader and libs only when it is dynamically linked), gpiohold, the virtio-net and 8021q modules, and an /init that
# runs failsafed on the console and prints FSD-* markers (PID 1 never exits).
# Usage: tools/qemu/mkinitramfs.sh [BUILD_DIR] [--failsafed BIN] [--extra DIR] [--module NAME]... [--out FILE]
#   (after tools/qemu/setup.sh)
#   writes BUILD_DIR/initramfs.cpio with BUILD_DIR/failsafed, or, with --failsafed BIN (another build of
#   failsafed, e.g. the static musl one with libgpiod 2: BUILD_DIR/gpiod2/failsafed), $(dirname BIN)/initramfs.cpio
#   --extra DIR    a test's own files, copied over everything else (its DIR/init replaces this /init); the archive
#                  is then made every time
#   --module NAME  a kernel module (and what it depends on) for such a test, in load order in /lib/modules/extra.order
#   --out FILE     the archive's path instead
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD= BIN= EXTRA= OUT=
MODULES=()
while [ $# -gt 0 ]; do
	case $1 in
	--failsafed) BIN=$2; shift 2 ;;
	--extra) EXTRA=$2; shift 2 ;;
	--module) MODULES+=("$2"); shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	-*) echo "mkinitramfs: unknown option $1" >&2; exit 2 ;;
	*) BUILD=$1; shift ;;
	esac
done
BUILD=${BUILD:-${QEMU_BUILD_DIR:-build/qemu}}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
BIN=${BIN:-$BUILD/failsafed}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
ROOT=$BUILD/cache/root
OUT=${OUT:-$(dirname "$BIN")/initramfs.cpio}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
STAGE=${OUT%.cpio}
[ -z "$EXTRA" ] || [ -d "$EXTRA" ] || { echo "mkinitramfs: --extra $EXTRA: no such directory" >&2; exit 1; }

[ -f "$ROOT/.complete" ] && [ -x "$BIN" ] && [ -x "$BUILD/gpiohold" ] || { echo "mkinitramfs: run tools/qemu/setup.sh first ($BIN)" >&2; exit 1; }
# Up to date: nothing newer than the archive among its inputs.
if [ -z "$EXTRA" ] && [ ${#MODULES[@]} -eq 0 ] && [ -f "$OUT" ] && [ "$OUT" -nt "$BIN" ] && [ "$OUT" -nt "$0" ] && [ "$OUT" -nt "$ROOT/.complete" ] &&
	[ "$OUT" -nt "$BUILD/gpiohold" ]; then
	exit 0
fi

rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,lib/modules,proc,sys,dev,tmp,root,etc}
cp "$ROOT/bin/busybox" "$STAGE/bin/busybox"    # busybox-static: no loader, no libc
ln -s busybox "$STAGE/bin/sh"           # the rest of the applet links are made by /init
cp "$BIN" "$STAGE/usr/bin/failsafed"
cp "$BUILD/gpiohold" "$STAGE/usr/bin/gpiohold" # static (musl)

# A dynamically linked failsafed: the loader, then every DT_NEEDED library, transitively (Debian's glibc
# searches the multiarch dirs without ld.so.cache, so copying them is enough). A static one needs neither.
if readelf -l "$BIN" | grep -q "program interpreter"; then
	cp -L "$ROOT/lib/ld-linux-aarch64.so.1" "$STAGE/lib/ld-linux-aarch64.so.1"
fi
find_lib() {
	local d
	for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
		[ -e "$ROOT/$d/$1" ] && { echo "$ROOT/$d/$1"; return 0; }
	done
	return 1
}
todo=("$STAGE/usr/bin/failsafed")
while [ ${#todo[@]} -gt 0 ]; do
	f=${todo[0]}
	todo=("${todo[@]:1}")
	for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "$STAGE/lib/aarch64-linux-gnu/$lib" ] && continue
		src=$(find_lib "$lib") || { echo "mkinitramfs: $lib (needed by $(basename "$f")) not in $ROOT" >&2; exit 1; }
		mkdir -p "$STAGE/lib/aarch64-linux-gnu"
		cp -L "$src" "$STAGE/lib/aarch64-linux-gnu/$lib"
		todo+=("$STAGE/lib/aarch64-linux-gnu/$lib")
	done
done

# Kernel modules, each group with what it depends on first (the .deb has no modules.dep: modinfo reads each .ko),
# listed in load order in /lib/modules/GROUP.order: "net" (virtio-net, loaded with fsd.net=1), "vlan" (8021q, for
# boards/qemu_virt_vlan.c's eth0.1, loaded with fsd.vlan=1) and "bridge" (for boards/qemu_virt_lan2.c's br-lan,
# loaded with fsd.bridge=1).
KO_DIR=$(ls -d "$ROOT"/lib/modules/*/kernel | head -1)
add_module() {   # add_module GROUP NAME: NAME's dependencies, then NAME, once each
	local group=$1 name=$2 ko dep
	grep -qx "$name" "$STAGE/lib/modules/$group.order" 2>/dev/null && return 0
	ko=$(find "$KO_DIR" -name "$name.ko" | head -1)
	[ -n "$ko" ] || { echo "mkinitramfs: no module $name.ko in $KO_DIR" >&2; exit 1; }
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do add_module "$group" "$dep"; done
	cp "$ko" "$STAGE/lib/modules/"
	echo "$name" >>"$STAGE/lib/modules/$group.order"
}
for m in virtio_pci virtio_net; do add_module net "$m"; done
add_module vlan 8021q
add_module bridge bridge
for m in "${MODULES[@]}"; do add_module extra "$m"; done

cat >"$STAGE/init" <<'INIT'
#!/bin/sh
# /init of the failsafed QEMU test board (tools/qemu/mkinitramfs.sh). PID 1: it must never exit.
# Kernel command line: fsd.window=MS (default: the board's window), fsd.net=1 (load virtio-net), fsd.vlan=1 (load
# 8021q), fsd.bridge=1 (load bridge), fsd.hold=LINE (gpiohold claims that line of the PL061 before failsafed starts: the busy-line case).
# fsd.args="..." is not supported: keep the markers below stable, tests/test_qemu_board*.py and test_qemu_lan.py
# read them. After failsafed exited (the normal path), a shell runs on the console.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec 0<>/dev/console 1>&0 2>&0     # in case the kernel found no /dev/console in the archive
mkdir -p /dev/pts
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp

window=
net=0
vlan=0
bridge=0
hold=
for a in $(cat /proc/cmdline); do
	case $a in
	fsd.window=*) window=${a#fsd.window=} ;;
	fsd.net=1) net=1 ;;
	fsd.vlan=1) vlan=1 ;;
	fsd.bridge=1) bridge=1 ;;
	fsd.hold=*) hold=${a#fsd.hold=} ;;
	esac
done
load() {
	for m in $(cat /lib/modules/$1.order); do
		insmod /lib/modules/$m.ko || echo "FSD-WARN insmod $m failed"
	done
}
[ "$net" = 1 ] && load net
[ "$vlan" = 1 ] && load vlan
[ "$bridge" = 1 ] && load bridge
# What of a C library is in this root: glibc's loader and libc, musl's loader (a static build needs none).
echo "FSD-LIBC $(find / -xdev \( -name 'ld-linux*' -o -name 'libc.so*' -o -name 'ld-musl*' \) | sort | tr '\n' ' ')"
for c in /sys/class/gpio/gpiochip*; do
	[ -e "$c/label" ] && echo "FSD-GPIOCHIP $(basename "$c") label=$(cat "$c/label") ngpio=$(cat "$c/ngpio")"
done
# The character devices and their device-tree nodes (what a board's .chip = "/pl061@9030000" resolves through).
base=$(readlink -f /sys/firmware/devicetree/base)
for c in /sys/bus/gpio/devices/gpiochip*; do
	[ -e "$c" ] || continue
	node=$(readlink -f "$c/of_node" 2>/dev/null || true)
	echo "FSD-GPIODEV $(basename "$c") dt=${node#"$base"}"
done
echo "FSD-GPIOAPI $(/usr/bin/failsafed --check-board | sed -n 's/^ *gpio *//p')"

# The busy line: another process holds the PL061 line before failsafed asks for it.
holder=
if [ -n "$hold" ]; then
	for c in /sys/bus/gpio/devices/gpiochip*; do
		[ "$(readlink -f "$c/of_node" 2>/dev/null)" = "$base/pl061@9030000" ] && chip=/dev/$(basename "$c")
	done
	gpiohold "$chip" "$hold" >/tmp/gpiohold.out 2>&1 &
	holder=$!
	while kill -0 $holder 2>/dev/null && ! grep -q holding /tmp/gpiohold.out; do sleep 0.02; done
	echo "FSD-HOLD $(cat /tmp/gpiohold.out)"
fi

show_state() {
	for f in failsafe failsafe_button debug_level; do
		[ -e /tmp/$f ] && echo "FSD-STATE $f=$(cat /tmp/$f)"
	done
}
# failsafed stays up in failsafe: report the state files as soon as they are written.
( while [ ! -e /tmp/failsafe ]; do sleep 0.05; done; sleep 0.1; show_state ) &
watcher=$!

echo "FSD-START uptime=$(cut -d' ' -f1 /proc/uptime)"
/usr/bin/failsafed --cmdline /proc/cmdline --state-dir /tmp ${window:+--window-ms $window} \
	--console /dev/ttyAMA0 --shell /bin/sh -v </dev/null
rc=$?
kill $watcher 2>/dev/null
echo "FSD-RESULT rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
show_state
[ -n "$holder" ] && kill $holder
echo "FSD-IDLE"
# The boot would continue here; a shell on the console instead (the normal path's state can be looked at).
while :; do PS1='normal-path # ' setsid cttyhack sh; sleep 0.2; done
INIT
chmod 755 "$STAGE/init"

# A test's own files last: they win (cp -a keeps its links and modes).
[ -z "$EXTRA" ] || cp -a "$EXTRA/." "$STAGE/"

# Uncompressed: the kernel unpacks it without decompressing under TCG.
(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
