#!/usr/bin/env bash
# tools/qemu/mkinitramfs.sh — the QEMU test board's initramfs: busybox, the dynamic loader and libs, the
# cross-built failsafed and an /init that runs it on the console and prints FSD-* markers (PID 1 never exits).
# Usage: tools/qemu/mkinitramfs.sh [BUILD_DIR]   (after tools/qemu/setup.sh; writes BUILD_DIR/initramfs.cpio)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-${QEMU_BUILD_DIR:-build-qemu}}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
ROOT=$BUILD/cache/root
OUT=$BUILD/initramfs.cpio
STAGE=$BUILD/initramfs

[ -f "$ROOT/.complete" ] && [ -x "$BUILD/failsafed" ] || { echo "mkinitramfs: run tools/qemu/setup.sh first" >&2; exit 1; }
# Up to date: nothing newer than the archive among its inputs.
if [ -f "$OUT" ] && [ "$OUT" -nt "$BUILD/failsafed" ] && [ "$OUT" -nt "$0" ] && [ "$OUT" -nt "$ROOT/.complete" ]; then
	exit 0
fi

rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,lib/aarch64-linux-gnu,lib/modules,proc,sys,dev,tmp,root,etc}
cp "$ROOT/bin/busybox" "$STAGE/bin/busybox"
ln -s busybox "$STAGE/bin/sh"           # the rest of the applet links are made by /init
cp "$BUILD/failsafed" "$STAGE/usr/bin/failsafed"

# The loader, then every DT_NEEDED library, transitively (Debian's glibc searches the multiarch
# dirs without ld.so.cache, so copying them is enough).
cp -L "$ROOT/lib/ld-linux-aarch64.so.1" "$STAGE/lib/ld-linux-aarch64.so.1"
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
		cp -L "$src" "$STAGE/lib/aarch64-linux-gnu/$lib"
		todo+=("$STAGE/lib/aarch64-linux-gnu/$lib")
	done
done

# virtio-net and what it needs, loaded by /init only with fsd.net=1 on the kernel command line.
for m in failover net_failover virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_net; do
	ko=$(find "$ROOT/lib/modules" -name "$m.ko" | head -1)
	[ -n "$ko" ] && cp "$ko" "$STAGE/lib/modules/"
done

cat >"$STAGE/init" <<'INIT'
#!/bin/sh
# /init of the failsafed QEMU test board (tools/qemu/mkinitramfs.sh). PID 1: it must never exit.
# Kernel command line: fsd.window=MS (default: the board's window), fsd.net=1 (load virtio-net),
# fsd.args="..." is not supported: keep the markers below stable, tests/test_qemu_board.py reads them.
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
for a in $(cat /proc/cmdline); do
	case $a in
	fsd.window=*) window=${a#fsd.window=} ;;
	fsd.net=1) net=1 ;;
	esac
done
if [ "$net" = 1 ]; then
	for m in failover net_failover virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_net; do
		insmod /lib/modules/$m.ko || echo "FSD-WARN insmod $m failed"
	done
fi
for c in /sys/class/gpio/gpiochip*; do
	[ -e "$c/label" ] && echo "FSD-GPIOCHIP $(basename "$c") label=$(cat "$c/label") ngpio=$(cat "$c/ngpio")"
done

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
echo "FSD-IDLE"
while :; do sleep 3600; done
INIT
chmod 755 "$STAGE/init"

# Uncompressed: the kernel unpacks it without decompressing under TCG.
(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
