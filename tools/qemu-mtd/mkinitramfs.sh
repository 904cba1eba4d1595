#!/usr/bin/env bash
# tools/qemu-mtd/mkinitramfs.sh — the initramfs of the MTD/UBI QEMU harness (amd64 guest, Debian 12 kernel).
#
# Usage: tools/qemu-mtd/mkinitramfs.sh BUILD_DIR --failsafed PATH --script GUEST_SCRIPT
#                                      [--add HOSTPATH:GUESTPATH ...] [--module NAME ...] [--out FILE]
#   BUILD_DIR     where tools/qemu-mtd/setup.sh unpacked the guest pieces (BUILD_DIR/cache/root)
#   --failsafed   a failsafed built on this host (Debian 12, dynamically linked): /usr/bin/failsafed
#   --script      the guest script: /qmtd/guest.sh, sourced by /init after /qmtd/lib.sh
#   --add         a host file or directory copied to GUESTPATH (repeatable; a directory is copied whole;
#                 ELF executables among them get their DT_NEEDED libraries too)
#   --module      a kernel module (with its modules.dep closure) put into the archive but not loaded by /init: the
#                 guest script loads it (busybox modprobe NAME), e.g. phram, virtio_blk (repeatable)
#   --out         the archive (default BUILD_DIR/initramfs.cpio); staged in FILE.d (kept for a look)
#
# Contents: busybox (applet links in /bin), every mtd-utils binary, libubootenv's fw_printenv/fw_setenv, and e2fsprogs' mke2fs (mkfs.ext4),
# e2fsck, tune2fs, dumpe2fs, resize2fs in /usr/sbin (ahead of busybox on PATH), failsafed in /usr/bin,
# the dynamic loader and every DT_NEEDED library transitively (from this host's multiarch dirs, else
# from the unpacked debs), the kernel modules below with their modules.dep closure (depmod run on the
# staged tree, so busybox modprobe works too), /qmtd/lib.sh (tools/qemu-mtd/guest-lib.sh) and /init.
#
# /init (PID 1, never exits): mounts proc, sysfs, devtmpfs, devpts, tmpfs /tmp; insmods the modules of
# /etc/qmtd/modules in order (mtdram 8 MiB NOR with 128 KiB erase blocks = mtd0; nandsim 256 MiB NAND,
# 2 KiB pages, 128 KiB erase blocks = mtd1; ubi with no mtd=, so nothing is attached); prints
# "QMTD-READY uptime=S"; runs `sh -c '. /qmtd/lib.sh; . /qmtd/guest.sh'` on the console (stdin /dev/null);
# prints "QMTD-EXIT <rc> uptime=S"; syncs and powers off with `reboot -f` (QEMU runs with -no-reboot).
# Kernel command line (run.sh --append): MODULE.PARAM=VALUE is added to that module's insmod arguments
# (the last one wins, e.g. mtdram.total_size=16384); qmtd.skip=MOD,MOD loads none of those; qmtd.debug=1
# echoes each insmod.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit "${1:-2}"; }
[ $# -ge 1 ] || usage
case $1 in -h|--help) usage 0 ;; esac
BUILD=$1; shift
fsd="" script="" out="" adds=() more_mods=()
while [ $# -gt 0 ]; do
	case $1 in
	--failsafed) fsd=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--out) out=$2; shift 2 ;;
	--module) more_mods+=("$2"); shift 2 ;;
	-h|--help) usage 0 ;;
	*) echo "mkinitramfs: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -n "$fsd" ] || die "--failsafed PATH is required"
[ -n "$script" ] || die "--script GUEST_SCRIPT is required"
[ -f "$fsd" ] && [ -x "$fsd" ] || die "$fsd: not an executable file"
[ -f "$script" ] || die "$script: no such file"
[ -d "$BUILD" ] || die "$BUILD: no such directory (run tools/qemu-mtd/setup.sh $BUILD first)"
BUILD=$(cd "$BUILD" && pwd)
ROOT=$BUILD/cache/root
[ -f "$ROOT/.complete" ] || die "run tools/qemu-mtd/setup.sh $BUILD first"
out=${out:-$BUILD/initramfs.cpio}
case $out in /*) ;; *) out=$PWD/$out ;; esac
STAGE=$out.d
KVER=$(basename "$(ls -d "$ROOT"/lib/modules/*/ | head -1)")
KMOD=lib/modules/$KVER
MULTI=x86_64-linux-gnu

# ---- what every archive shares: made once per BUILD_DIR into BUILD_DIR/initramfs-base and copied ----
# Everything but failsafed, the --add files, the --module extras and the guest script: busybox and its links, the
# programs, the libraries they need, the modules /init loads, /init and lib.sh. Made again when its inputs change
# (this script, guest-lib.sh, the unpacked guest pieces, the host's libc); an archive then costs a copy, a few
# small steps and cpio (it took ~20 s each when all of it was made every time: thousands of small processes).
BASE=$BUILD/initramfs-base
# Soft dependencies modules.dep does not list: ubifs cannot initialise its zstd compressor without the
# crypto zstd module (insmod fails "unknown symbol in module"), ext4 and jbd2 want the crc32c hash.
WANT=(mtd mtdram bch nandcore nand nandsim ubi crc16 zstd_compress zstd ubifs jffs2 mtd_blkdevs mtdblock
	overlay squashfs loop crc32c_generic mbcache jbd2 ext4)
EXTRA=(block2mtd)                       # in the archive for tests, not loaded by /init
declare -A PARAMS=([mtdram]="total_size=8192 erase_size=128" [nandsim]="id_bytes=0x20,0xaa,0x00,0x15")
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
	[ -n "$p" ] || die "module $n is not in $ROOT/$KMOD (built in?)"
	deps=$(grep -m1 "^$p:" "$ROOT/$KMOD/modules.dep" | cut -d: -f2)
	for d in $(echo "$deps" | tr ' ' '\n' | tac); do
		d=${d##*/}
		d=${d%.ko}
		add_mod "${d//-/_}"
	done
	seen[$n]=1
	order+=("$n")
}
find_lib() {
	local d
	for d in /lib/$MULTI /usr/lib/$MULTI "$ROOT/lib/$MULTI" "$ROOT/usr/lib/$MULTI"; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
# need_libs ELF...: the loader's libraries each needs into $STAGE/lib/$MULTI, transitively (present ones skipped;
# Debian's glibc searches the multiarch dirs without ld.so.cache: copying them there is enough)
need_libs() {
	local todo=("$@") f lib src
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$STAGE/lib/$MULTI/$lib" ] && continue
			src=$(find_lib "$lib") || die "$lib (needed by ${f#"$STAGE"}) is neither on this host nor in $ROOT"
			cp -L "$src" "$STAGE/lib/$MULTI/$lib"
			todo+=("$STAGE/lib/$MULTI/$lib")
		done
	done
}
# copy_mods NAME...: those modules' files into $STAGE
copy_mods() {
	local m p
	for m in "$@"; do
		p=${path_of[$m]}
		mkdir -p "$STAGE/$KMOD/$(dirname "$p")"
		cp "$ROOT/$KMOD/$p" "$STAGE/$KMOD/$p"
	done
}
make_base() {
	local STAGE=$1 a p l m mtd_deb elves=()
	rm -rf "$STAGE"
	mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,lib/$MULTI,lib64,proc,sys,dev,tmp,root,mnt,etc/qmtd,qmtd,"$KMOD"}
	# ---- busybox and its applet links (made here, so PID 1 spends no TCG time on them) ----
	cp "$ROOT/bin/busybox" "$STAGE/bin/busybox"
	for a in $("$STAGE/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$STAGE/bin/$a"
	done

	# ---- programs ----
	mtd_deb=$(ls "$BUILD"/cache/debs/mtd-utils_*_amd64.deb | tail -1)
	for p in $(dpkg-deb -c "$mtd_deb" | awk '$1 ~ /^-/ && $6 ~ /^\.\/usr\/s?bin\// { sub(/^\.\//, "", $6); print $6 }'); do
		cp "$ROOT/$p" "$STAGE/usr/sbin/"
		elves+=("$STAGE/usr/sbin/$(basename "$p")")
	done
	for p in mke2fs e2fsck tune2fs dumpe2fs resize2fs; do
		cp "$ROOT/sbin/$p" "$STAGE/usr/sbin/$p"
		elves+=("$STAGE/usr/sbin/$p")
	done
	for l in mkfs.ext2 mkfs.ext3 mkfs.ext4; do ln -s mke2fs "$STAGE/usr/sbin/$l"; done
	for l in fsck.ext2 fsck.ext3 fsck.ext4; do ln -s e2fsck "$STAGE/usr/sbin/$l"; done
	# libubootenv's fw_printenv and fw_setenv
	for p in fw_printenv fw_setenv; do
		[ -e "$ROOT/usr/bin/$p" ] || continue
		cp -L "$ROOT/usr/bin/$p" "$STAGE/usr/sbin/$p"
		elves+=("$STAGE/usr/sbin/$p")
	done
	cp -L /lib64/ld-linux-x86-64.so.2 "$STAGE/lib/$MULTI/ld-linux-x86-64.so.2"
	ln -s ../lib/$MULTI/ld-linux-x86-64.so.2 "$STAGE/lib64/ld-linux-x86-64.so.2"
	need_libs "${elves[@]}"
	# kernel modules: each wanted one after its modules.dep closure, in load order; /init loads them
	order=() seen=()
	for m in "${WANT[@]}"; do add_mod "$m"; done
	: >"$STAGE/etc/qmtd/modules"
	for m in "${order[@]}"; do
		echo "$m /$KMOD/${path_of[$m]} ${PARAMS[$m]:-}" >>"$STAGE/etc/qmtd/modules"
	done
	copy_mods "${order[@]}"
	order=()
	for m in "${EXTRA[@]}"; do add_mod "$m"; done
	copy_mods "${order[@]}"
	cp "$ROOT/$KMOD"/modules.{order,builtin,builtin.modinfo} "$STAGE/$KMOD/" 2>/dev/null || true
	depmod -b "$STAGE" "$KVER" || die "depmod on the staged tree failed"
	cp "$HERE/guest-lib.sh" "$STAGE/qmtd/lib.sh"
	cat >"$STAGE/init" <<'INIT'
#!/bin/sh
# /init of the failsafed MTD/UBI QEMU harness (tools/qemu-mtd/mkinitramfs.sh). PID 1: it never exits.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
read -r cmdline </proc/cmdline
skip=, debug=0
for a in $cmdline; do
	case $a in
	qmtd.skip=*) skip=",${a#qmtd.skip=}," ;;
	qmtd.debug=1) debug=1 ;;
	esac
done
while read -r name path params; do
	case $skip in *",$name,"*) continue ;; esac
	for a in $cmdline; do
		case $a in "$name".*=*) params="$params ${a#"$name".}" ;; esac
	done
	[ "$debug" = 1 ] && echo "QMTD-INSMOD $name $params"
	# shellcheck disable=SC2086
	insmod "$path" $params || echo "QMTD-WARN insmod $name $params failed"
done </etc/qmtd/modules
# devtmpfs makes the nodes from the kernel's own threads: give them a moment to appear (the MTDs /proc/mtd lists
# already: none waited for in vain when qmtd.skip left nandsim out).
for n in $(sed -n 's,^\(mtd[0-9]*\):.*,/dev/\1,p' /proc/mtd) /dev/ubi_ctrl; do
	i=0
	while [ ! -e "$n" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
done
cd /
echo "QMTD-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
sh -c '. /qmtd/lib.sh; . /qmtd/guest.sh' </dev/null
rc=$?
echo "QMTD-EXIT $rc uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
reboot -f
while :; do sleep 3600; done
INIT
	chmod 755 "$STAGE/init"
}
base_key() {
	{
		sha256sum "$HERE/mkinitramfs.sh" "$HERE/guest-lib.sh" | cut -d' ' -f1
		cat "$ROOT/.complete"
		ls "$BUILD/cache/debs"
		dpkg-query -W -f='${Package} ${Version}\n' libc6 2>/dev/null || true
	} | sha256sum | cut -c1-16
}
exec 8>"$BUILD/initramfs-base.lock"   # two archives made at once in one BUILD_DIR take turns at the base
flock 8
key=$(base_key)
if [ ! -d "$BASE" ] || [ "$(cat "$BASE.key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$BASE" "$BASE.key"
	make_base "$BASE.tmp"
	mv "$BASE.tmp" "$BASE"
	echo "$key" >"$BASE.key"
fi
rm -rf "$STAGE"
cp -a "$BASE" "$STAGE"
exec 8>&-

# ---- this archive's own: failsafed, the --add files, the --module extras, the guest script ----
cp "$fsd" "$STAGE/usr/bin/failsafed"
elves=("$STAGE/usr/bin/failsafed")
# ---- extra files ----
for a in "${adds[@]+"${adds[@]}"}"; do
	src=${a%%:*} dst=${a#*:}
	[ "$src" != "$a" ] && [ -n "$dst" ] || die "--add $a: expected HOSTPATH:GUESTPATH"
	[ -e "$src" ] || die "--add $a: $src does not exist"
	case $dst in /*) ;; *) die "--add $a: GUESTPATH must be absolute" ;; esac
	mkdir -p "$STAGE$(dirname "$dst")"
	rm -rf "${STAGE:?}$dst"
	cp -a "$src" "$STAGE$dst"
	while IFS= read -r f; do
		[ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && elves+=("$f")
	done < <(find "$STAGE$dst" -type f -perm -u+x)
done

need_libs "${elves[@]}"
# --module: each with what it needs, in the archive only (not loaded by /init)
if [ ${#more_mods[@]} -gt 0 ]; then
	seen=() order=()
	while read -r m _; do seen[$m]=1; done <"$STAGE/etc/qmtd/modules"   # in the base already, with EXTRA
	for m in "${EXTRA[@]}"; do seen[$m]=1; done
	for m in "${more_mods[@]}"; do add_mod "$m"; done
	if [ ${#order[@]} -gt 0 ]; then
		copy_mods "${order[@]}"
		depmod -b "$STAGE" "$KVER" || die "depmod on the staged tree failed"
	fi
fi
cp "$script" "$STAGE/qmtd/guest.sh"
chmod 755 "$STAGE/qmtd/guest.sh"

# Not compressed: QEMU loads the file into guest RAM as it is, and the kernel unpacks it without inflating 8 MB
# under TCG (measured: QMTD-READY 1-3 s sooner per boot than with gzip -1, and 1 s less here)
(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
