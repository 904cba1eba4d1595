#!/usr/bin/env bash
# tools/qemu-mtd/mtd-wbuf.sh — build mtd_wbuf.ko (tools/qemu-mtd/mtd_wbuf/) for the harness's guest kernel and print
# its path. The guest kernel's phram leaves an MTD's write-buffer size 0, which UBI refuses; the module sets it to
# the write unit (tests/test_powercut_nand.py: UBI on phram over RAM that is a host file, so it outlives QEMU).
# Usage: tools/qemu-mtd/mtd-wbuf.sh BUILD_DIR   (after tools/qemu-mtd/setup.sh BUILD_DIR)
# The first run fetches the kernel's headers and kbuild (apt-get download, the same version as the guest's kernel
# package) into BUILD_DIR/cache/debs and unpacks them into BUILD_DIR/cache/headers; later runs are offline and print
# the cached module unless its source changed. Needs make and gcc (Debian's kernel is built with gcc 12, as bookworm's).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)/mtd_wbuf
CACHE=$BUILD/cache
LOG=$BUILD/mtd-wbuf.log
die() { echo "mtd-wbuf: $*" >&2; [ -s "$LOG" ] && tail -15 "$LOG" >&2; exit 1; }
kdir=$(ls -d "$CACHE"/root/lib/modules/*/ 2>/dev/null | head -1) || true
[ -n "$kdir" ] || die "no guest kernel in $CACHE/root (run tools/qemu-mtd/setup.sh $1 first)"
KVER=$(basename "$kdir")                         # 6.1.0-57-amd64
OUT=$CACHE/mtd_wbuf/$KVER
if [ -f "$OUT/mtd_wbuf.ko" ] && [ "$OUT/mtd_wbuf.ko" -nt "$SRC/mtd_wbuf.c" ]; then
	echo "$OUT/mtd_wbuf.ko"
	exit 0
fi
exec 9>"$CACHE/.mtd-wbuf.lock"
flock 9
: >"$LOG"
img=$(ls "$CACHE"/debs/linux-image-"$KVER"_*_amd64.deb 2>/dev/null | tail -1) || true
[ -n "$img" ] || die "no linux-image-$KVER deb in $CACHE/debs"
ver=$(basename "$img" | cut -d_ -f2 | sed 's/%3a/:/')   # 6.1.192-3
series=$(echo "$KVER" | cut -d. -f1,2)                   # 6.1
HDR=$CACHE/headers
for p in "linux-headers-$KVER" "linux-headers-${KVER%-amd64}-common" "linux-kbuild-$series"; do
	if ! ls "$CACHE/debs/${p}_"*.deb >/dev/null 2>&1; then
		(cd "$CACHE/debs" && apt-get download -qq "$p=$ver") >>"$LOG" 2>&1 ||
			die "apt-get download $p=$ver failed (no network or no package mirror?)"
	fi
	[ -e "$HDR/.$p" ] && continue
	dpkg-deb -x "$(ls "$CACHE/debs/${p}_"*.deb | tail -1)" "$HDR" || die "dpkg-deb -x $p failed"
	touch "$HDR/.$p"
done
K=$HDR/usr/src/linux-headers-$KVER
# Its Makefile includes the common tree by an absolute /usr/src path: the unpacked one instead.
sed -i "s|^include /usr/src/|include $HDR/usr/src/|" "$K/Makefile"
command -v make >/dev/null && command -v gcc >/dev/null || die "make and gcc are needed (tools/bootstrap.sh)"
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$SRC/mtd_wbuf.c" "$SRC/Kbuild" "$OUT/"
make -C "$K" M="$OUT" modules >>"$LOG" 2>&1 || die "building mtd_wbuf.ko failed"
echo "$OUT/mtd_wbuf.ko"
