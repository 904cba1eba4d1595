#!/usr/bin/env bash
# tools/qemu-malta/mkinitramfs.sh — the QEMU Malta harness's initramfs: static busybox and the static musl
# failsafed (both mipsel, no C library in the archive at all), the NIC and LED-trigger modules, and an /init
# that runs failsafed on the console and prints FSD-* markers (PID 1 never exits).
# Usage: tools/qemu-malta/mkinitramfs.sh [DIR] [--failsafed BIN] [--out FILE] [--nand] [--extra DIR]
#                                       (after tools/qemu-malta/setup.sh)
#   DIR          default: $QEMU_MALTA_DIR, else build/qemu-malta
#   --failsafed  default DIR/build/failsafed (a static mipsel ELF; anything dynamically linked is refused)
#   --out        default DIR/initramfs.cpio (uncompressed: the kernel unpacks it without decompressing under
#                TCG); staged in FILE.d, kept for a look
#   --nand       also the NAND modules (nandsim, UBI, UBIFS), loaded by /init with fsd.nand=PARTS (below), and
#                mtd-utils' UBI tools in /usr/sbin with the glibc they link (setup.sh --nand unpacks them): failsafed
#                runs ubiformat for a ubinized image and a UBI partition that will not attach, as OpenWrt's ubi-utils
#                are on a NAND router; this archive is then not free of a C library
#   --extra DIR  a test's own files, copied over everything else; with --nand or --extra the archive is made every
#                time
# Quiet and quick when the archive is newer than everything it is made of.
#
# Modules (from the kernel's modules.dep, each after what it needs): mii pcnet32 (QEMU's default NIC, an AMD
# PCnet), virtio_net and its chain (-device virtio-net-pci), ledtrig-timer (the sysfs LED's blinking).
#
# /init, by the kernel command line:
#   fsd.nic=pcnet|virtio|none   which NIC driver to load (default pcnet)
#   fsd.window=MS               failsafed --window-ms (default: the board's)
#   fsd.nand=PARTS              (an archive made with --nand) before failsafed starts: nandsim as a 256 MiB NAND with
#                               2 KiB pages and 128 KiB erase blocks (id_bytes=0x20,0xaa,0x00,0x15), split into
#                               partitions of PARTS erase blocks (nandsim.parts=PARTS, e.g. 256 = 32 MiB, the rest
#                               a last partition), UBI (nothing attached) and UBIFS; marker FSD-MTD <the /proc/mtd lines>
# Markers on the console, in order: FSD-NET <netdevs>, FSD-LEDS <LED class devices>, FSD-COMPAT <the device
# tree's compatible>, FSD-CHECK-BEGIN / failsafed --check-board's output / FSD-CHECK-END rc=N, FSD-START
# uptime=S; then failsafed itself (window, failsafe, shells); FSD-STATE name=value for each state file as soon
# as failsafe is entered; on the normal path FSD-RESULT rc=N uptime=S, FSD-STATE lines, FSD-ADDR <IPv4
# addresses left on eth0> and FSD-IDLE.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
DIR='' BIN='' OUT='' NAND=0 EXTRA=''
while [ $# -gt 0 ]; do
	case $1 in
	--failsafed) BIN=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--nand) NAND=1; shift ;;
	--extra) EXTRA=$2; shift 2 ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	-*) echo "mkinitramfs: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) DIR=$1; shift ;;
	esac
done
DIR=${DIR:-${QEMU_MALTA_DIR:-build/qemu-malta}}
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
BIN=${BIN:-$DIR/build/failsafed}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
OUT=${OUT:-$DIR/initramfs.cpio}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
ROOT=$DIR/cache/root
STAGE=$OUT.d
die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -f "$ROOT/.complete" ] || die "run tools/qemu-malta/setup.sh $DIR first"
[ -x "$BIN" ] || die "$BIN: no such executable (tools/qemu-malta/setup.sh builds it)"
if readelf -l "$BIN" 2>/dev/null | grep -q "program interpreter"; then
	die "$BIN is dynamically linked: the guest has no C library, build the static musl one"
fi
[ "$(od -An -tx1 -j18 -N2 "$BIN" | tr -d ' ')" = "0800" ] || die "$BIN is not a MIPS ELF"
[ -z "$EXTRA" ] || [ -d "$EXTRA" ] || die "--extra $EXTRA: no such directory"
# Up to date: nothing newer than the archive among its inputs.
if [ $NAND -eq 0 ] && [ -z "$EXTRA" ] && [ -f "$OUT" ] && [ "$OUT" -nt "$BIN" ] && [ "$OUT" -nt "$0" ] && [ "$OUT" -nt "$ROOT/.complete" ]; then
	exit 0
fi

KVER=$(basename "$(ls -d "$ROOT"/lib/modules/*/ | head -1)")
KMOD=lib/modules/$KVER
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc/malta,"$KMOD"}

# ---- busybox with its applet links (made here: PID 1 then spends no TCG time on --install) ----
cp "$ROOT/bin/busybox" "$STAGE/bin/busybox"
applets=$(qemu-mipsel-static "$ROOT/bin/busybox" --list) || die "qemu-mipsel-static busybox --list failed"
for a in $applets; do
	[ "$a" = busybox ] || ln -s busybox "$STAGE/bin/$a"
done
cp "$BIN" "$STAGE/usr/bin/failsafed"

# ---- modules: each wanted one after its modules.dep closure, in load order ----
declare -A path_of seen
while IFS=: read -r p _; do
	n=${p##*/}
	n=${n%.ko}
	path_of[${n//-/_}]=$p
done <"$ROOT/$KMOD/modules.dep"
order=()
add_mod() {
	local n=$1 p deps d
	[ -n "${seen[$n]:-}" ] && return 0
	p=${path_of[$n]:-}
	[ -n "$p" ] || die "module $n is not in $ROOT/$KMOD (built in, or renamed?)"
	deps=$(grep -m1 "^$p:" "$ROOT/$KMOD/modules.dep" | cut -d: -f2)
	for d in $(echo "$deps" | tr ' ' '\n' | tac); do
		d=${d##*/}
		d=${d%.ko}
		add_mod "${d//-/_}"
	done
	seen[$n]=1
	order+=("$n")
}
# list NAME MODULE...: /etc/malta/NAME lists the modules (with what they need) in load order.
list() {
	local name=$1 m
	shift
	order=()
	seen=()
	for m in "$@"; do add_mod "$m"; done
	: >"$STAGE/etc/malta/$name"
	for m in "${order[@]}"; do
		echo "$m /$KMOD/${path_of[$m]}" >>"$STAGE/etc/malta/$name"
		mkdir -p "$STAGE/$KMOD/$(dirname "${path_of[$m]}")"
		cp "$ROOT/$KMOD/${path_of[$m]}" "$STAGE/$KMOD/${path_of[$m]}"
	done
}
list nic-pcnet pcnet32
# virtio_pci pulls in its modern and legacy halves; failover/net_failover come with virtio_net.
list nic-virtio virtio_pci virtio_net
list leds ledtrig_timer
if [ $NAND -eq 1 ]; then
	NROOT=$DIR/cache/nand-root
	[ -f "$NROOT/.complete" ] || die "run tools/qemu-malta/setup.sh $DIR --nand first (mtd-utils for the guest)"
	# the UBI tools, then the loader and every DT_NEEDED library, transitively, from the unpacked packages
	tools=(ubiformat ubiattach ubidetach ubimkvol ubirmvol ubirsvol ubiupdatevol ubinfo mtdinfo flash_erase nandwrite)
	todo=()
	for t in "${tools[@]}"; do
		cp "$NROOT/usr/sbin/$t" "$STAGE/usr/sbin/$t"
		todo+=("$STAGE/usr/sbin/$t")
	done
	mkdir -p "$STAGE/lib/mipsel-linux-gnu"
	interp=$(readelf -l "$NROOT/usr/sbin/ubiformat" | sed -n 's/.*program interpreter: \(.*\)]/\1/p')
	cp -L "$NROOT$interp" "$STAGE$interp"
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$STAGE/lib/mipsel-linux-gnu/$lib" ] || [ -e "$STAGE/lib/$lib" ] && continue
			src=
			for d in lib/mipsel-linux-gnu usr/lib/mipsel-linux-gnu lib; do
				[ -e "$NROOT/$d/$lib" ] && { src=$NROOT/$d/$lib; break; }
			done
			[ -n "$src" ] || die "$lib (needed by ${f##*/}) is not in $NROOT"
			cp -L "$src" "$STAGE/lib/mipsel-linux-gnu/$lib"
			todo+=("$STAGE/lib/mipsel-linux-gnu/$lib")
		done
	done
	# UBIFS sets up its zlib and zstd compressors through the crypto modules, which modules.dep does not list.
	list nand ubi crc16 deflate zstd ubifs
	list nandsim nandsim
fi

cat >"$STAGE/init" <<'INIT'
#!/bin/sh
# /init of the failsafed QEMU Malta harness (tools/qemu-malta/mkinitramfs.sh). PID 1: it must never exit.
# Keep the FSD-* markers stable: tests/test_qemu_malta.py reads them.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec 0<>/dev/console 1>&0 2>&0
mkdir -p /dev/pts
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp

nic=pcnet
window=
nand=
for a in $(cat /proc/cmdline); do
	case $a in
	fsd.nic=*) nic=${a#fsd.nic=} ;;
	fsd.window=*) window=${a#fsd.window=} ;;
	fsd.nand=*) nand=${a#fsd.nand=} ;;
	esac
done
load() {
	[ -f "/etc/malta/$1" ] || { echo "FSD-WARN no module list $1"; return; }
	while read -r name path; do
		insmod "$path" || echo "FSD-WARN insmod $name failed"
	done <"/etc/malta/$1"
}
[ "$nic" = none ] || load "nic-$nic"
load leds
if [ -n "$nand" ]; then
	load nand
	[ -f /etc/malta/nandsim ] || echo "FSD-WARN no module list nandsim (an archive without --nand)"
	while read -r name path; do
		case $name in
		nandsim) set -- id_bytes=0x20,0xaa,0x00,0x15 "parts=$nand" ;;
		*) set -- ;;
		esac
		insmod "$path" "$@" || echo "FSD-WARN insmod $name $* failed"
	done </etc/malta/nandsim
	echo "FSD-MTD $(sed 1d /proc/mtd | tr '\n' ' ')"
fi
# A NIC appears from the driver's probe; give it a moment.
i=0
while [ "$nic" != none ] && [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "FSD-NET $(ls /sys/class/net | tr '\n' ' ')"
# The keyboard's LEDs (the board's boot LED) appear from atkbd's probe, which a loaded host delays: the same wait.
i=0
while [ ! -e /sys/class/leds/input0::scrolllock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "FSD-LEDS $(ls /sys/class/leds | tr '\n' ' ')"
echo "FSD-COMPAT $(tr '\0' ' ' </proc/device-tree/compatible 2>/dev/null)"
echo "FSD-CHECK-BEGIN"
/usr/bin/failsafed --check-board 2>&1
echo "FSD-CHECK-END rc=$?"

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
	--console /dev/ttyS0 --shell /bin/sh --no-ssh -v </dev/null
rc=$?
kill $watcher 2>/dev/null
echo "FSD-RESULT rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
show_state
echo "FSD-ADDR $(ip -4 -o addr show dev eth0 2>/dev/null | awk '{ print $4 }' | tr '\n' ' ')"
echo "FSD-IDLE"
while :; do sleep 3600; done
INIT
chmod 755 "$STAGE/init"
# A test's own files last: they win (cp -a keeps its links and modes).
[ -z "$EXTRA" ] || cp -a "$EXTRA/." "$STAGE/"

(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
