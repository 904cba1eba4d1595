#!/usr/bin/env python3
"""tests/test_nand_flash.py — OpenWrt's NAND images flashed as OpenWrt's nand.sh lays them out, on Debian 12's kernel
under QEMU (nandsim 256 MiB, UBI, UBIFS, ubiblock; tools/qemu-mtd/, tests/qemu_mtd.py), with the sim-nand and
sim-ab boards' failsafed built on this host:

- sim-nand (CI_UBIPART: nandsim's first partition, 24 MiB): the sysupgrade tar plain and gzip'd, a ubinized image,
  a UBIFS image and a FIT, each checked volume by volume (names, sizes, bytes; an "ubootenv" volume left alone;
  rootfs_data empty); settings carried into the new rootfs_data and restored by mount_root; every refusal (another
  board, a cut member, no kernel nor root, a bad FIT hash, a bad gzip CRC, larger than the UBI partition) with every
  volume byte-identical; the writer killed at 8 places (FAILSAFED_LONG=1: 20; FAILSAFED_CUT_AFTER_BYTES) after
  which, UBI attached again as at the next boot, no kernel sits beside a root that is not its own, and a second
  flash completes.
- sim-ab (Linksys: boot_part, raw kernelN beside UBI rootfsN, s_env; nandsim's partitions in those roles): the
  other slot written, boot_part switched with libubootenv's fw_setenv and read back, the boot counter reset; a cut
  before the switch (8 places; --long 20) leaves the old slot selected and byte-identical every time; a boot
  environment that cannot be written fails loudly and leaves the old slot selected; after a "reboot" into slot 2
  the next flash writes slot 1.
The images are made here by the real tools (GNU tar as sysupgrade-tar.sh, ubinize, mkfs.ubifs, mkimage)."""
import gzip
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from fsd import run_tests
import openwrt_images
import qemu_mtd

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(SRC, "build"))
BUILD = os.environ.get("QEMU_MTD_BUILD_DIR") or os.path.join(BIN, "qemu-mtd")
MiB = 1 << 20
LONG = os.environ.get("FAILSAFED_LONG") == "1"
LEB = 129024            # nandsim's 128 KiB PEB, 2 KiB pages, sub-pages of 512: UBI's LEB (CROSS.md)

PRELUDE = qemu_mtd.UBI_HELPERS + r'''reattach() {   # what the next boot sees: UBI attached again from the flash
	ubidetach -m "$UBIMTD" >/dev/null 2>&1
	ubiattach -m "$UBIMTD" -d 0 >/dev/null
}
reattach_as1() {   # MTDNUM: UBI on it as ubi1, as the next boot attaches it (sysupgrade leaves it attached)
	ubidetach -m "$1" >/dev/null 2>&1
	ubiattach -m "$1" -d 1 >/dev/null
}
mkdir -p /tmp/st /mnt/rom
C="--root /mnt/rom --state-dir /tmp/st --tmp-dir /tmp"
MR="--root /mnt/rom --state-dir /tmp/st"
'''


def sha(data):
    return hashlib.sha256(data).hexdigest()


def lebs(data):
    return -(-len(data) // LEB)


def squashfs(tmp, name, banner, pad_bytes=0):
    d = os.path.join(tmp, name)
    for rel, text in {"etc/banner": banner + "\n", "etc/config/system": "config system\n\toption hostname 'OpenWrt'\n",
                      "etc/sysupgrade.conf": "/etc/keepme\n"}.items():
        os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
    for sub in ("overlay", "rom"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    if pad_bytes:
        with open(os.path.join(d, "pad.bin"), "wb") as f:
            f.write(random.Random(name).randbytes(pad_bytes))
    with open(qemu_mtd.make_squashfs(d, os.path.join(tmp, name + ".sqfs")), "rb") as f:
        return f.read()


def write(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def fit_image(tmp, kernel):
    kfile = write(tmp, "fitk.bin", kernel)
    dts = write(tmp, "t.dts", b"/dts-v1/; / { compatible = \"failsafed,sim-nand\"; };\n")
    dtb = os.path.join(tmp, "t.dtb")
    subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", dtb, dts], check=True, capture_output=True)
    its = write(tmp, "fit.its", ("""/dts-v1/;
/ { description = "test"; #address-cells = <1>;
  images { kernel-1 { data = /incbin/("%s"); type = "kernel"; arch = "x86_64"; os = "linux"; compression = "none";
             load = <0x1000000>; entry = <0x1000000>; hash-1 { algo = "crc32"; }; hash-2 { algo = "sha1"; }; };
           fdt-1 { data = /incbin/("%s"); type = "flat_dt"; arch = "x86_64"; compression = "none";
             hash-1 { algo = "sha256"; }; }; };
  configurations { default = "config-1"; config-1 { kernel = "kernel-1"; fdt = "fdt-1"; }; }; };
""" % (kfile, dtb)).encode())
    out = os.path.join(tmp, "image.itb")
    subprocess.run(["mkimage", "-q", "-f", its, "-E", "-B", "0x1000", out], check=True, capture_output=True)
    with open(out, "rb") as f:
        return f.read()


def ubinized(tmp, volumes):
    return openwrt_images.ubinized(volumes, peb=128 << 10, page=2048, subpage=512)


def ubifs_image(tmp, banner):
    d = os.path.join(tmp, "ubifs.src")
    os.makedirs(os.path.join(d, "etc"), exist_ok=True)
    with open(os.path.join(d, "etc", "banner"), "w") as f:
        f.write(banner + "\n")
    out = os.path.join(tmp, "root.ubifs")
    subprocess.run(["mkfs.ubifs", "-r", d, "-m", "2048", "-e", str(LEB), "-c", "400", "-o", out], check=True,
                   capture_output=True)
    with open(out, "rb") as f:
        return f.read()


def guest(name, board, script, files, parts, timeout_s=900):
    """Run SCRIPT with BOARD's failsafed; nandsim split into PARTS (erase blocks each, the rest a last partition)."""
    fsd = os.path.join(BIN, "failsafed_" + board)
    rc, log = qemu_mtd.run_guest(BUILD, fsd, PRELUDE + script, extra_files=files, timeout_s=timeout_s, name=name,
                                 append="nandsim.parts=" + ",".join(map(str, parts)))[:2]
    fails = [l for l in log.splitlines() if l.startswith("QMTD-FAIL")]
    assert rc == 0 and not fails, "guest %s: rc=%s, failed: %s\n--- serial log (end) ---\n%s" % (
        name, rc, fails, "\n".join(log.splitlines()[-120:]))
    return log


def out(log, step):
    return "\n".join(l[len(step) + 3:] for l in log.splitlines() if l.startswith("[%s] " % step))


BOARD = "failsafed,sim-nand"


def cut_places(places):
    """The 20 sorted cut places (FAILSAFED_LONG=1), or 8 of them spread over the write, the last two kept (the
    default run: each cut is a whole flash and a UBI attach under TCG)."""
    return places if LONG else [places[i] for i in (0, 3, 6, 9, 12, 15, 18, 19)]


def test_nand_images_volumes_settings_refusals_and_cuts():
    tmp = tempfile.mkdtemp(prefix="fsd-nand.")
    try:
        rnd = random.Random(16)
        k1, k2 = rnd.randbytes(512 * 1024 + 7), rnd.randbytes(700 * 1024 + 3)
        r1, r2 = squashfs(tmp, "r1", "one", 1 * MiB), squashfs(tmp, "r2", "two", 2 * MiB)
        env = rnd.randbytes(64 * 1024)
        tar = lambda k, r, **kw: openwrt_images.sysupgrade_tar(BOARD, kernel=k, root=r, **kw)
        files = {
            "/qmtd/tar1.bin": write(tmp, "tar1.bin", tar(k1, r1)),
            "/qmtd/tar2.bin": write(tmp, "tar2.bin", tar(k2, r2)),
            "/qmtd/tar2gz.bin": write(tmp, "tar2gz.bin", tar(k2, r2, gz=True)),
            "/qmtd/env.bin": write(tmp, "env.bin", env),
        }
        fit = fit_image(tmp, k2)
        files["/qmtd/fit.bin"] = write(tmp, "fit.bin", openwrt_images.with_metadata(fit, [BOARD]))
        ubi = ubinized(tmp, [("kernel", k1), ("rootfs", r1), ("rootfs_data", None)])
        files["/qmtd/ubi.bin"] = write(tmp, "ubi.bin", openwrt_images.with_metadata(ubi, [BOARD]))
        ufs = ubifs_image(tmp, "ubifs root")
        files["/qmtd/ubifs.bin"] = write(tmp, "ubifs.bin", openwrt_images.with_metadata(ufs, [BOARD]))
        # refusals
        files["/qmtd/other.bin"] = write(tmp, "other.bin", openwrt_images.sysupgrade_tar(
            "acme,other", kernel=k2, root=r2, boards=[BOARD]))
        bare = openwrt_images.sysupgrade_tar(BOARD, kernel=k2, root=r2, metadata=False)
        files["/qmtd/cutmember.bin"] = write(tmp, "cutmember.bin", openwrt_images.with_metadata(
            bare[:2048 + 512 + len(k2) // 2], [BOARD]))   # the kernel member cut off in the middle
        files["/qmtd/empty.bin"] = write(tmp, "empty.bin", openwrt_images.sysupgrade_tar(BOARD))
        badfit = bytearray(fit)
        badfit[fit.index(k2[:64]) + 1000] ^= 1   # in the kernel's external data: its hashes no longer match
        files["/qmtd/badfit.bin"] = write(tmp, "badfit.bin", openwrt_images.with_metadata(bytes(badfit), [BOARD]))
        gz = bytearray(gzip.compress(bare, mtime=0))
        gz[-6] ^= 1                   # the gzip trailer's CRC-32
        files["/qmtd/badgz.bin"] = write(tmp, "badgz.bin", openwrt_images.with_metadata(bytes(gz), [BOARD]))
        files["/qmtd/big.bin"] = write(tmp, "big.bin", tar(k2, rnd.randbytes(26 * MiB)))   # the UBI device: 24 MiB
        total = len(r2) + len(k2)
        cuts = cut_places(sorted(rnd.randrange(1, total) for _ in range(19)) + [total - 1])
        S = {"K1": sha(k1), "R1": sha(r1), "K2": sha(k2), "R2": sha(r2), "N_K1": len(k1), "N_R1": len(r1),
             "N_K2": len(k2), "N_R2": len(r2), "ENV": sha(env), "FIT": sha(fit), "N_FIT": len(fit),
             "UFS": sha(ufs), "N_UFS": len(ufs), "CUTS": " ".join(map(str, cuts)), "N_ENV": len(env),
             "L_K1": lebs(k1), "L_R1": lebs(r1), "L_K2": lebs(k2), "L_R2": lebs(r2), "L_FIT": lebs(fit)}
        script = r'''
UBIMTD=$(qmtd_mtd "NAND simulator partition 0")   # the board's "ubi": nandsim.parts=192, 24 MiB
UBIMTD=${UBIMTD#mtd}
check format ubiformat -y -q /dev/mtd$UBIMTD
check attach ubiattach -m $UBIMTD -d 0
check mkvol-env ubimkvol /dev/ubi0 -N ubootenv -s 1MiB
check env ubiupdatevol "$(vol ubootenv)" /qmtd/env.bin
# 1. the OpenWrt tar: kernel, rootfs, an empty rootfs_data; ubootenv left alone
run tar1 0 failsafed sysupgrade -n $C /qmtd/tar1.bin
check tar1-vols test "$(vols)" = "kernel rootfs rootfs_data ubootenv "
# nand.sh's volumes: dynamic, of the member's size in LEBs, the member's bytes first
check tar1-kernel test "$(vattr kernel type):$(vattr kernel reserved_ebs):$(volsha kernel @N_K1@)" = "dynamic:@L_K1@:@K1@"
check tar1-root test "$(vattr rootfs type):$(vattr rootfs reserved_ebs):$(volsha rootfs @N_R1@)" = "dynamic:@L_R1@:@R1@"
check tar1-data-empty erased rootfs_data $((4 * 129024))
check tar1-env test "$(volsha ubootenv @N_ENV@)" = @ENV@
# 2. settings carried: mount_root on the new root, a setting, then the gzip'd tar keeps it
check ubiblock ubiblock -c "$(vol rootfs)"
check mount-rom mount -t squashfs -o ro /dev/ubiblock0_$(basename "$(vol rootfs)" | cut -d_ -f2) /mnt/rom
run mount1 0 failsafed mount_root $MR
echo kept >/mnt/rom/etc/keepme
# the running root as failsafe's sysupgrade sees it once the rom is let go (stage2's copy in RAM): its keep lists
mkdir -p /tmp/root && cp -a /mnt/rom/rom/etc /tmp/root/
while grep -q " /mnt/rom" /proc/mounts; do umount -l /mnt/rom; done
sync
check ubiblock-gone ubiblock -r "$(vol rootfs)"
run tar2gz 0 failsafed sysupgrade --root /tmp/root --state-dir /tmp/st --tmp-dir /tmp /qmtd/tar2gz.bin
check tar2-kernel test "$(vattr kernel reserved_ebs):$(volsha kernel @N_K2@)" = "@L_K2@:@K2@"
check tar2-root test "$(vattr rootfs reserved_ebs):$(volsha rootfs @N_R2@)" = "@L_R2@:@R2@"
check tar2-env test "$(volsha ubootenv @N_ENV@)" = @ENV@
reattach
check ubiblock-2 ubiblock -c "$(vol rootfs)"
check mount-rom-2 mount -t squashfs -o ro /dev/ubiblock0_$(basename "$(vol rootfs)" | cut -d_ -f2) /mnt/rom
run mount2 0 failsafed mount_root $MR
check settings-kept grep -qx kept /mnt/rom/etc/keepme
check new-root grep -qx two /mnt/rom/etc/banner
while grep -q " /mnt/rom" /proc/mounts; do umount -l /mnt/rom; done
sync
check ubiblock-gone-2 ubiblock -r "$(vol rootfs)"
# 3. refusals: every volume as it was
before=$(allsha)
run other 35 failsafed sysupgrade -n $C /qmtd/other.bin
run cutmember 27 failsafed sysupgrade -n $C /qmtd/cutmember.bin
run empty 27 failsafed sysupgrade -n $C /qmtd/empty.bin
run badfit 29 failsafed sysupgrade -n $C /qmtd/badfit.bin
run badfit-forced 29 failsafed sysupgrade -n -F $C /qmtd/badfit.bin
run badgz 28 failsafed sysupgrade -n $C /qmtd/badgz.bin
run big 6 failsafed sysupgrade -n $C /qmtd/big.bin
check refusals-unchanged test "$(allsha)" = "$before"
check refusals-vols test "$(vols)" = "kernel rootfs rootfs_data ubootenv "
# 4. a FIT: the fit volume of its length, rootfs_data the rest
run fit 0 failsafed sysupgrade -n $C /qmtd/fit.bin
check fit-vols test "$(vols)" = "fit rootfs_data ubootenv "
check fit-bytes test "$(vattr fit reserved_ebs):$(volsha fit @N_FIT@)" = "@L_FIT@:@FIT@"
check fit-data-rest test "$(cat /sys/class/ubi/ubi0/avail_eraseblocks)" = 0   # rootfs_data took the rest
# 5. UBIFS: the rootfs volume takes all the space, no rootfs_data
run ubifs 0 failsafed sysupgrade -n $C /qmtd/ubifs.bin
check ubifs-vols test "$(vols)" = "fit rootfs ubootenv "
check ubifs-bytes test "$(volsha rootfs @N_UFS@)" = @UFS@
check ubifs-all-space test "$(cat /sys/class/ubi/ubi0/avail_eraseblocks)" = 0
# 6. power cuts in a tar flash: at the next boot, never a kernel beside a root that is not its own
for at in @CUTS@; do
	failsafed sysupgrade -n -q $C /qmtd/tar1.bin >/tmp/old.out 2>&1 || { echo "QMTD-FAIL old-flash"; cat /tmp/old.out; }
	FAILSAFED_CUT_AFTER_BYTES=$at failsafed sysupgrade -n -q $C /qmtd/tar2.bin >/tmp/cut.out 2>&1
	rc=$?
	reattach
	state=bad
	# no kernel the boot loader would take: no volume, an interrupted update (upd_marker), nothing written yet
	if [ -z "$(vol kernel 2>/dev/null)" ] || [ "$(vattr kernel upd_marker)" = 1 ] || erased kernel 4096; then
		state=invalid
	elif [ "$(volsha kernel @N_K2@)" = @K2@ ]; then
		[ "$(volsha rootfs @N_R2@)" = @R2@ ] && state=new
	elif [ "$(volsha kernel @N_K1@)" = @K1@ ]; then
		[ "$(volsha rootfs @N_R1@)" = @R1@ ] && state=old
	fi
	echo "CUT $at rc=$rc $state"
	[ "$state" = bad ] && { QMTD_FAILS=$((QMTD_FAILS + 1)); vols; }
	rm -f /tmp/failsafed-* /tmp/sysupgrade.tgz 2>/dev/null
done
run after-cuts 0 failsafed sysupgrade -n $C /qmtd/tar2.bin
check after-cuts-bytes test "$(volsha kernel @N_K2@):$(volsha rootfs @N_R2@)" = "@K2@:@R2@"
# 7. a ubinized image: the whole UBI device replaced (ubiformat), its own volumes
run ubi 0 failsafed sysupgrade -n $C /qmtd/ubi.bin
reattach
check ubi-vols test "$(vols)" = "kernel rootfs rootfs_data "
check ubi-kernel test "$(volsha kernel @N_K1@)" = @K1@
check ubi-root test "$(volsha rootfs @N_R1@)" = @R1@
qmtd_done
'''
        for k, v in S.items():
            script = script.replace("@%s@" % k, str(v))
        log = guest("nand_flash", "sim_nand", script, files, [192])
        t1 = out(log, "tar1")
        assert "Plan (nand-tar" in t1 and "remove UBI volume kernel on NAND simulator partition 0" in t1 and "Upgrade completed" in t1, t1
        assert t1.index("make UBI volume rootfs_data") < t1.index("write the root") < t1.index("write the kernel"), t1
        assert "settings carried to the next boot" in out(log, "tar2gz"), out(log, "tar2gz")
        assert "settings saved by sysupgrade restored" in out(log, "mount2"), out(log, "mount2")
        for step, text in (("other", "is for another board"), ("cutmember", "cut short"), ("badfit", "hash"),
                           ("badgz", "CRC"), ("big", "larger than the firmware partition")):
            assert text.lower() in out(log, step).lower(), (step, out(log, step))
        assert "-F does not override" in out(log, "badfit-forced") or "never written" in out(log, "badfit-forced"), \
            out(log, "badfit-forced")
        states = re.findall(r"^CUT (\d+) rc=(\d+) (\w+)$", log, re.M)
        assert len(states) == len(cuts) and all(s[2] != "bad" for s in states), states
        assert all(s[1] == "137" for s in states), ("every writer was cut", states)
        assert {"invalid", "new"} <= {s[2] for s in states}, states
        print("power cuts:", " ".join("%s:%s" % (s[0], s[2]) for s in states))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


AB = "failsafed,sim-ab"


def bootlog(counts, stride=2048):
    """The Linksys boot counter log as U-Boot leaves it: one record per boot, each in its own page."""
    out = b""
    for c in counts:
        rec = struct.pack("<III", 0x20110811, c, 0x20110811 + c)
        out += rec + b"\xff" * (stride - len(rec))
    return out


def uboot_env(tmp, lines):
    """The U-Boot environment U-Boot would have saved in u_env (128 KiB, CRC-32 first), made by mkenvimage."""
    txt = write(tmp, "uenv.txt", ("\n".join(lines) + "\n").encode())
    path = os.path.join(tmp, "uenv.bin")
    subprocess.run(["mkenvimage", "-s", "0x20000", "-o", path, txt], check=True, capture_output=True)
    return path


def test_dual_firmware_other_slot_then_switch():
    tmp = tempfile.mkdtemp(prefix="fsd-ab.")
    try:
        rnd = random.Random(17)
        k1, k2 = rnd.randbytes(600 * 1024 + 1), rnd.randbytes(800 * 1024 + 5)
        r1, r2 = squashfs(tmp, "a1", "slot-a", MiB), squashfs(tmp, "a2", "slot-b", MiB)
        files = {"/qmtd/one.bin": write(tmp, "one.bin", openwrt_images.sysupgrade_tar(AB, kernel=k1, root=r1)),
                 "/qmtd/two.bin": write(tmp, "two.bin", openwrt_images.sysupgrade_tar(AB, kernel=k2, root=r2)),
                 "/qmtd/bootlog.bin": write(tmp, "bootlog.bin", bootlog([1, 2, 3])),
                 "/qmtd/uenv.bin": uboot_env(tmp, ["boot_part=1", "bootcmd=run nandboot", "bootdelay=1"])}
        S = {"K1": sha(k1), "R1": sha(r1), "K2": sha(k2), "R2": sha(r2), "N_K1": len(k1), "N_K2": len(k2),
             "N_R1": len(r1), "N_R2": len(r2)}
        before_switch = 4096 + len(r2) + len(k2)   # the kernel invalidated, root and kernel written
        abcuts = cut_places(sorted(rnd.randrange(1, before_switch) for _ in range(19)) + [before_switch - 1])
        S["ABCUTS"] = " ".join(map(str, abcuts))
        script = r'''
M=$((1024 * 1024))
# Linksys' partitions as nandsim.parts=32,128,32,128,1,2 makes them (sim-ab's table): kernel1 4 MiB, rootfs1 16 MiB,
# kernel2, rootfs2, u_env 128 KiB, s_env 256 KiB; slot 1 runs (boot_part=1)
k1=$(qmtd_mtd "NAND simulator partition 0")
r1=$(qmtd_mtd "NAND simulator partition 1")
k2=$(qmtd_mtd "NAND simulator partition 2")
r2=$(qmtd_mtd "NAND simulator partition 3")
ue=$(qmtd_mtd "NAND simulator partition 4")
se=$(qmtd_mtd "NAND simulator partition 5")
check slot1-ubi ubiformat -y -q /dev/$r1
echo "/dev/$ue 0x0 0x20000 0x20000" >/etc/fw_env.config
check bootlog nandwrite -q -p /dev/$se /qmtd/bootlog.bin
check uenv nandwrite -q -p /dev/$ue /qmtd/uenv.bin
check env-read test "$(fw_printenv -n boot_part)" = 1
slot1=$(sha /dev/$k1 $((4 * M)))$(sha /dev/$r1 $((16 * M)))
# the first flash: slot 2, then boot_part 2
run flash1 0 failsafed sysupgrade -n $C /qmtd/two.bin
check bp2 test "$(fw_printenv -n boot_part)" = 2
check bootcmd2 test "$(fw_printenv -n bootcmd)" = "run altnandboot"
check recovery test "$(fw_printenv -n auto_recovery)" = yes
check k2-bytes test "$(sha /dev/$k2 @N_K2@)" = @K2@
check r2-attach reattach_as1 ${r2#mtd}
check r2-root test "$(head -c @N_R2@ "$(qmtd_ubi_vol 1 rootfs)" | sha256sum | cut -c1-64)" = @R2@
check r2-detach ubidetach -d 1
check slot1-untouched test "$(sha /dev/$k1 $((4 * M)))$(sha /dev/$r1 $((16 * M)))" = "$slot1"
# the counter: a { magic, 0, magic } record after the three boots
check counter-reset test "$(dd if=/dev/$se bs=2048 skip=3 count=1 2>/dev/null | head -c 12 | od -An -tx4 | tr -s ' ')" = " 20110811 00000000 20110811"
# cuts before the switch (8 places; --long 20): slot 1 still selected and byte-identical every time
run switch-back 0 fw_setenv boot_part 1 bootcmd "run nandboot"
slot1=$(sha /dev/$k1 $((4 * M)))$(sha /dev/$r1 $((16 * M)))
for at in @ABCUTS@; do
	FAILSAFED_CUT_AFTER_BYTES=$at failsafed sysupgrade -n -q $C /qmtd/two.bin >/tmp/cut.out 2>&1
	rc=$?
	state=old-slot
	[ "$(fw_printenv -n boot_part):$(fw_printenv -n bootcmd)" = "1:run nandboot" ] || state=switched
	[ "$(sha /dev/$k1 $((4 * M)))$(sha /dev/$r1 $((16 * M)))" = "$slot1" ] || state=slot1-changed
	echo "CUT $at rc=$rc $state"
	[ "$state" = old-slot ] || QMTD_FAILS=$((QMTD_FAILS + 1))
done
# an environment that cannot be written: loud, and slot 1 still selected
# (a copy of it on a filesystem mounted read-only: fw_printenv reads it, fw_setenv cannot write it)
cp /etc/fw_env.config /tmp/fw_env.good
mkdir -p /tmp/roenv && mount -t tmpfs tmpfs /tmp/roenv && dd if=/dev/$ue of=/tmp/roenv/env bs=128k count=1 2>/dev/null
mount -o remount,ro /tmp/roenv
echo "/tmp/roenv/env 0x0 0x20000" >/etc/fw_env.config
check ro-env-reads test "$(fw_printenv -n boot_part)" = 1
run env-broken 1 failsafed sysupgrade -n $C /qmtd/two.bin
check ro-env-unchanged test "$(fw_printenv -n boot_part)" = 1
cp /tmp/fw_env.good /etc/fw_env.config
umount /tmp/roenv
check env-broken-keeps-slot test "$(fw_printenv -n boot_part)" = 1
# "reboot" into slot 2 (boot_part=2): the next flash writes slot 1
run switch-2 0 fw_setenv boot_part 2
run flash2 0 failsafed sysupgrade -n $C /qmtd/one.bin
check bp1 test "$(fw_printenv -n boot_part)" = 1
check bootcmd1 test "$(fw_printenv -n bootcmd)" = "run nandboot"
check k1-bytes test "$(sha /dev/$k1 @N_K1@)" = @K1@
check r1-attach reattach_as1 ${r1#mtd}
check r1-root test "$(head -c @N_R1@ "$(qmtd_ubi_vol 1 rootfs)" | sha256sum | cut -c1-64)" = @R1@
qmtd_done
'''
        for k, v in S.items():
            script = script.replace("@%s@" % k, str(v))
        log = guest("ab_flash", "sim_ab", script, files, [32, 128, 32, 128, 1, 2])
        f1 = out(log, "flash1")
        assert "slot 1 runs now" in f1 and "writing slot 2" in f1, f1
        assert "zero the first 4096 bytes of MTD partition NAND simulator partition 2" in f1, f1
        assert f1.index("write the kernel") < f1.index("set the boot environment: boot_part=2") < \
            f1.index("reset the boot counter in MTD partition NAND simulator partition 5"), f1
        assert "the boot environment now names the new slot" in f1, f1
        cuts = re.findall(r"^CUT (\d+) rc=(\d+) ([\w-]+)$", log, re.M)
        assert len(cuts) == len(abcuts) and all(c[1] == "137" and c[2] == "old-slot" for c in cuts), cuts
        eb = out(log, "env-broken")
        assert "fw_setenv" in eb and "the running slot is untouched and still selected" in eb, eb
        f2 = out(log, "flash2")
        assert "slot 2 runs now (boot_part=2)" in f2 and "writing slot 1" in f2, f2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (the QEMU harness installs packages on a new machine)")
        sys.exit(1)
    run_tests([test_nand_images_volumes_settings_refusals_and_cuts, test_dual_firmware_other_slot_then_switch])
