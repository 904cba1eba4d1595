#!/usr/bin/env python3
"""tools/bench_nand.py — flashing an OpenWrt NAND sysupgrade tar: `failsafed sysupgrade` against OpenWrt's own
sequence (nand.sh's nand_do_upgrade for a tar: the integrity pass, the member lengths, ubirmvol, ubimkvol, ubiupdatevol
from mtd-utils, kernel last), on the same nandsim in the same guest run, runs alternating. Prints a table; asserts
nothing (tests/test_nand_flash.py proves what failsafed writes).

The guest is Debian 12's amd64 kernel under QEMU (TCG; tools/qemu-mtd/): nandsim 256 MiB with 2 KiB pages and 128 KiB
erase blocks, its first partition (64 MiB) the UBI partition of boards/sim_nand.c, attached before the runs as on a
running router. The image is in the guest's RAM (the initramfs), as an uploaded image is. Each run starts from the
volumes the previous one left (kernel, rootfs, rootfs_data), the page cache dropped; after each, the kernel and rootfs
volumes are compared with the tar's members, so a run that did not write counts as failed.

What OpenWrt's side does not include: sysupgrade's stage 1 (fwtool's metadata check and platform_check_image's second
integrity pass) and stage 2's switch to a RAM root; failsafed's run includes its checks (CRC-32 and SHA-256 of the
image, the deep check of the tar) and its read-back of every volume. The ratio is therefore the conservative one.
"""
import argparse
import hashlib
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import openwrt_images  # noqa: E402
import qemu_mtd  # noqa: E402

BOARD = "failsafed,sim-nand"
MiB = 1 << 20

# The guest's script. @...@ are filled in below. OpenWrt's side follows nand.sh (read at edfwef2w2/openont, OpenWrt
# main of 2026-06: nand_do_upgrade -> nand_do_flash_file -> nand_verify_tar_file, nand_upgrade_tar,
# nand_upgrade_prepare_ubi), written here for this guest, with busybox's tar, wc, dd and hexdump as on OpenWrt.
GUEST = r'''
UBIMTD=$(qmtd_mtd "NAND simulator partition 0")
check() { qmtd_step "$@" >/tmp/step.out 2>&1 || { cat /tmp/step.out; }; }
check format ubiformat -y -q /dev/$UBIMTD
check attach ubiattach -m ${UBIMTD#mtd} -d 0
mkdir -p /tmp/st /mnt/rom
up() { cut -d' ' -f1 /proc/uptime; }
magic() { dd bs=4 count=1 2>/dev/null | hexdump -v -n 4 -e '1/1 "%02x"'; }
vol() {   # the /dev/ubi0_N of a volume, by name
	for d in /sys/class/ubi/ubi0_*; do [ "$(cat $d/name 2>/dev/null)" = "$1" ] && { echo /dev/${d##*/}; return; }; done
}
openwrt() {   # FILE: nand_do_upgrade's steps for a tar, CI_UBIPART = the board's UBI partition, kernel in UBI
	f=$1
	sync
	[ "$(magic <"$f")" = 1f8b0800 ] && return 1       # a gzip'd tar would go through zcat: not this image
	cat "$f" | tar xOf - >/dev/null || return 1         # nand_verify_tar_file
	board_dir=$(cat "$f" | tar tf - | grep -m 1 '^sysupgrade-.*/$')
	board_dir=${board_dir%/}
	kernel_length=$( (cat "$f" | tar xOf - "$board_dir/kernel" | wc -c) 2>/dev/null)
	rootfs_length=$( (cat "$f" | tar xOf - "$board_dir/root" | wc -c) 2>/dev/null)
	rootfs_type=$(cat "$f" | tar xOf - "$board_dir/root" | magic)
	[ "$rootfs_type" = 68737173 ] || return 1           # squashfs: an exact rootfs volume
	# nand_upgrade_prepare_ubi: the UBI device of the partition (attached), the three volumes out, made again
	ubirmvol /dev/ubi0 -N kernel >/dev/null 2>&1
	ubirmvol /dev/ubi0 -N rootfs >/dev/null 2>&1
	ubirmvol /dev/ubi0 -N rootfs_data >/dev/null 2>&1
	ubimkvol /dev/ubi0 -N kernel -s "$kernel_length" >/dev/null || return 1
	ubimkvol /dev/ubi0 -N rootfs -s "$rootfs_length" >/dev/null || return 1
	ubimkvol /dev/ubi0 -N rootfs_data -m >/dev/null || return 1
	cat "$f" | tar xOf - "$board_dir/root" | ubiupdatevol "$(vol rootfs)" -s "$rootfs_length" - || return 1
	cat "$f" | tar xOf - "$board_dir/kernel" | ubiupdatevol "$(vol kernel)" -s "$kernel_length" - || return 1
	sync
}
failsafed_flash() {
	failsafed sysupgrade -n -q --root /mnt/rom --state-dir /tmp/st --tmp-dir /tmp "$1" >/tmp/fsd.out 2>&1 ||
		{ cat /tmp/fsd.out; return 1; }
	rm -rf /tmp/st/*
}
written() {   # the kernel and rootfs volumes hold the tar's members
	[ "$(head -c @N_K@ "$(vol kernel)" | sha256sum | cut -c1-64)" = @K@ ] &&
		[ "$(head -c @N_R@ "$(vol rootfs)" | sha256sum | cut -c1-64)" = @R@ ]
}
i=0
while [ $i -le @ROUNDS@ ]; do   # round 0 warms up (the first writes land on never-written blocks): not counted
	# alternating, and which goes first alternates too
	if [ $((i % 2)) = 0 ]; then order="failsafed openwrt"; else order="openwrt failsafed"; fi
	for m in $order; do
		# a volume of each name changed first, so every run really writes
		[ -z "$(vol kernel)" ] || check scratch ubiupdatevol "$(vol kernel)" /qmtd/scratch.bin
		sync
		echo 3 >/proc/sys/vm/drop_caches
		t0=$(up)
		if [ $m = failsafed ]; then failsafed_flash /qmtd/image.bin; else openwrt /qmtd/image.bin; fi
		rc=$?
		t1=$(up)
		ok=bad
		[ $rc = 0 ] && written && ok=written
		echo "BENCH $m $i $t0 $t1 rc=$rc $ok"
	done
	i=$((i + 1))
done
qmtd_done
'''


def squashfs_of_random(tmp, nbytes):
    d = os.path.join(tmp, "rootfs")
    os.makedirs(os.path.join(d, "etc"))
    with open(os.path.join(d, "etc", "banner"), "w") as f:
        f.write("bench\n")
    with open(os.path.join(d, "blob.bin"), "wb") as f:   # incompressible: the squashfs is about this big
        f.write(random.Random(1).randbytes(nbytes))
    with open(qemu_mtd.make_squashfs(d, os.path.join(tmp, "rootfs.sqfs")), "rb") as f:
        return f.read()


class Failed(Exception):
    """The guest did not complete every run; the message says why (and where the log is)."""


def measure(harness_dir, failsafed, mib=32, runs=5, echo=False):
    """Both methods, `runs` times each (alternating, after one uncounted warm-up round), in one guest. Returns a dict:
    failsafed, openwrt (lists of seconds), image_bytes, kernel_bytes, root_bytes, guest_s (the whole guest run)."""
    tmp = tempfile.mkdtemp(prefix="fsd-bench-nand.")
    try:
        rnd = random.Random(2)
        kernel = rnd.randbytes(4 * MiB - 4096)
        root = squashfs_of_random(tmp, mib * MiB - len(kernel) - 256 * 1024)
        image = openwrt_images.sysupgrade_tar(BOARD, kernel=kernel, root=root)
        files = {}
        for name, data in (("image.bin", image), ("scratch.bin", rnd.randbytes(256 * 1024))):
            files["/qmtd/" + name] = os.path.join(tmp, name)
            with open(files["/qmtd/" + name], "wb") as f:
                f.write(data)
        script = GUEST
        for k, v in {"K": hashlib.sha256(kernel).hexdigest(), "R": hashlib.sha256(root).hexdigest(),
                     "N_K": len(kernel), "N_R": len(root), "ROUNDS": runs}.items():
            script = script.replace("@%s@" % k, str(v))
        start = time.monotonic()
        res = qemu_mtd.run_guest(harness_dir, failsafed, script, extra_files=files, timeout_s=3600,
                                 name="bench_nand_tar", append="nandsim.parts=512", echo=echo)
        rows = re.findall(r"^BENCH (\w+) (\d+) ([\d.]+) ([\d.]+) rc=(\d+) (\w+)$", res.log, re.M)
        times = {"failsafed": [], "openwrt": []}
        bad = []
        for m, i, t0, t1, rc, ok in rows:
            if i == "0":
                continue
            if ok != "written":
                bad.append("%s run %s: rc=%s, volumes not the tar's" % (m, i, rc))
            times[m].append(float(t1) - float(t0))
        if res.rc is None or bad or any(len(v) != runs for v in times.values()):
            raise Failed("the guest did not complete every run (%s; log %s)"
                         % ("; ".join(bad) or "exit %s" % res.rc, res.log_path))
        return dict(times, image_bytes=len(image), kernel_bytes=len(kernel), root_bytes=len(root),
                    guest_s=time.monotonic() - start)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


TARGET = 1.2   # issue 16: within 1.2x of OpenWrt's own sequence


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failsafed", default=os.path.join(ROOT, "build", "failsafed_sim_nand"),
                    help="failsafed built for boards/sim_nand.c on this host (default build/failsafed_sim_nand)")
    ap.add_argument("--harness-dir", default=os.environ.get("QEMU_MTD_BUILD_DIR",
                                                            os.path.join(ROOT, "build", "qemu-mtd")),
                    help="tools/qemu-mtd/ build directory (default build/qemu-mtd)")
    ap.add_argument("--mib", type=int, default=32,
                    help="the tar's size (default 32 MiB: a 4 MiB kernel, the rest root)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each, alternating (default 5; median)")
    ap.add_argument("--echo", action="store_true", help="show the guest's console")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    try:
        m = measure(a.harness_dir, a.failsafed, a.mib, a.runs, a.echo)
    except Failed as e:
        print("bench_nand: %s" % e)
        return 1
    f, o = statistics.median(m["failsafed"]), statistics.median(m["openwrt"])
    print("NAND flashing, %.1f MiB OpenWrt sysupgrade tar (kernel %.1f MiB, squashfs root %.1f MiB) onto nandsim "
          "(2 KiB pages, 128 KiB blocks, UBI on 64 MiB), amd64 guest under TCG; median of %d alternating runs each"
          % (m["image_bytes"] / MiB, m["kernel_bytes"] / MiB, m["root_bytes"] / MiB, a.runs))
    print("| %-48s | %8s | %-40s |" % ("method", "median s", "runs (s)"))
    print("|%s|%s|%s|" % ("-" * 50, "-" * 10, "-" * 42))
    for name, key in (("failsafed sysupgrade (verify, write, read back)", "failsafed"),
                      ("OpenWrt nand.sh sequence (mtd-utils)", "openwrt")):
        print("| %-48s | %8.2f | %-40s |" % (name, statistics.median(m[key]), " ".join("%.2f" % t for t in m[key])))
    print("| %-48s | %7.2fx | %-40s |" % ("ratio failsafed / OpenWrt (target: within %.1fx)" % TARGET, f / o,
                                            "the guest's whole run: %.0f s" % m["guest_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
