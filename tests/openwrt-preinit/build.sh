#!/usr/bin/env bash
# tests/openwrt-preinit/build.sh — the preinit test guest's initramfs: this OpenWrt stand-in as /harness, with
# BusyBox, Debian's arm64 dropbear (failsafed's SSH; glibc and its libraries beside it), the init here as /init,
# and the modules to mount the image (virtio_blk, squashfs, overlay): tools/qemu/mkinitramfs.sh --extra.
# Usage: tests/openwrt-preinit/build.sh QEMU_BUILD_DIR OUT.cpio   (after tools/qemu/setup.sh QEMU_BUILD_DIR)
# The dropbear packages are downloaded once (apt-get download) into QEMU_BUILD_DIR/cache/debs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 QEMU_BUILD_DIR OUT.cpio" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
OUT=$2
CACHE=$BUILD/cache
ROOT=$CACHE/root
[ -f "$ROOT/.complete" ] || { echo "preinit harness: run tools/qemu/setup.sh $BUILD first" >&2; exit 1; }

# dropbear as OpenWrt installs it (/usr/sbin/dropbear, /usr/bin/dropbearkey), with what it links
DEBS=(dropbear-bin libcrypt1 libtomcrypt1 libtommath1)
DROPBEAR=$CACHE/preinit-dropbear
if [ "$(cat "$DROPBEAR/.complete" 2>/dev/null)" != "${DEBS[*]}" ]; then
	for p in "${DEBS[@]}"; do
		ls "$CACHE/debs/${p}_"*_arm64.deb >/dev/null 2>&1 && continue
		if ! (cd "$CACHE/debs" && apt-get download -qq "$p:arm64") >/dev/null 2>&1; then
			apt-get update -qq >/dev/null 2>&1 || true
			(cd "$CACHE/debs" && apt-get download -qq "$p:arm64") ||
				{ echo "preinit harness: apt-get download $p:arm64 failed (no package mirror?)" >&2; exit 1; }
		fi
	done
	rm -rf "$DROPBEAR"
	mkdir -p "$DROPBEAR"
	for p in "${DEBS[@]}"; do
		dpkg-deb -x "$(ls "$CACHE/debs/${p}_"*_arm64.deb | tail -1)" "$DROPBEAR"
	done
	echo "${DEBS[*]}" >"$DROPBEAR/.complete"
fi

EXTRA=${OUT%.cpio}.extra
H=$EXTRA/harness
rm -rf "$EXTRA"
mkdir -p "$H"/{bin,sbin,usr/sbin,usr/bin,lib/aarch64-linux-gnu,etc,root,proc,sys,dev,tmp}
cp -a "$HERE"/etc "$HERE"/lib "$HERE"/sbin "$HERE"/bin "$H/"
cp "$HERE/init" "$EXTRA/init"
cp "$ROOT/bin/busybox" "$H/bin/busybox"
cp "$DROPBEAR/usr/sbin/dropbear" "$H/usr/sbin/dropbear"
cp "$DROPBEAR/usr/bin/dropbearkey" "$H/usr/bin/dropbearkey"
cp -L "$ROOT/lib/ld-linux-aarch64.so.1" "$H/lib/"
find_lib() {
	local d
	for d in "$DROPBEAR" "$ROOT"; do
		for s in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
			[ -e "$d/$s/$1" ] && { echo "$d/$s/$1"; return 0; }
		done
	done
	return 1
}
todo=("$H/usr/sbin/dropbear" "$H/usr/bin/dropbearkey")
while [ ${#todo[@]} -gt 0 ]; do
	f=${todo[0]}
	todo=("${todo[@]:1}")
	for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "$H/lib/aarch64-linux-gnu/$lib" ] && continue
		src=$(find_lib "$lib") || { echo "preinit harness: $lib (needed by $(basename "$f")) not found" >&2; exit 1; }
		cp -L "$src" "$H/lib/aarch64-linux-gnu/$lib"
		todo+=("$H/lib/aarch64-linux-gnu/$lib")
	done
done
# root without a password, as OpenWrt's failsafe has it (dropbear -B takes a blank one)
printf 'root::0:0:root:/root:/bin/sh\n' >"$H/etc/passwd"
printf 'root:x:0:\n' >"$H/etc/group"

"$SRC/tools/qemu/mkinitramfs.sh" "$BUILD" --extra "$EXTRA" --module virtio_blk --module squashfs --module overlay \
	--out "$OUT"
