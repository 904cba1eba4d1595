#!/usr/bin/env python3
"""tests/test_mtd_ubi.py — mount_root, firstboot and sysupgrade on real flash: a NOR MTD partition with JFFS2
(rootfs_data inside the firmware partition, settings carried across the flash) and a NAND UBI volume with
UBIFS (an interrupted write, a busy volume), each with a bad image refused, on Debian 12's kernel under QEMU
(tools/qemu-mtd/, tests/qemu_mtd.py). The host-built failsafed runs in the guest; the images are made here
by `failsafectl mkimage`, one by the test's independent encoder (tests/fwimage_ref.py)."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

from fsd import run_tests
import openwrt_images
import qemu_mtd

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAILSAFED = os.path.abspath(os.environ.get("FAILSAFED", os.path.join(SRC, "build", "failsafed")))
FAILSAFECTL = os.path.abspath(os.environ.get("FAILSAFECTL", os.path.join(SRC, "build", "failsafectl")))
BUILD = os.environ.get("QEMU_MTD_BUILD_DIR") or os.path.join(
    os.environ.get("FAILSAFED_BIN_DIR", os.path.join(SRC, "build")), "qemu-mtd")

# Shared by both guests: run NAME WANT_RC CMD... keeps the output in /tmp/out.NAME, prints it prefixed
# "[NAME] ", and counts a failure when the exit code is not WANT_RC.
PRELUDE = r'''
run() {
	_n=$1 _w=$2
	shift 2
	"$@" >/tmp/out.$_n 2>&1
	_rc=$?
	sed "s/^/[$_n] /" /tmp/out.$_n
	if [ $_rc -eq "$_w" ]; then
		echo "QMTD-OK $_n"
	else
		echo "QMTD-FAIL $_n rc=$_rc want=$_w"
		QMTD_FAILS=$((QMTD_FAILS + 1))
	fi
}
check() {   # NAME CMD...: quiet unless CMD fails
	_n=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "QMTD-OK $_n"
	else
		echo "QMTD-FAIL $_n"
		cat /tmp/check.out
		QMTD_FAILS=$((QMTD_FAILS + 1))
	fi
}
sha() { head -c "$2" "$1" | sha256sum | cut -c1-64; }
reboot_sim() {   # what a reboot does to mounts and caches: all of /mnt/rom goes, caches dropped
	while grep -q " /mnt/rom" /proc/mounts; do umount -l /mnt/rom || break; done
	sync
	echo 3 >/proc/sys/vm/drop_caches
}
mkdir -p /tmp/st /mnt/rom
'''


def _rom(tmp, name, banner, extra=None):
    d = os.path.join(tmp, name)
    files = {"etc/banner": banner + "\n",
             "etc/config/system": "config system\n\toption hostname 'OpenWrt'\n",
             # only text in a file of the guest's root: this test sends no packet and sets no address
             "etc/config/network": "config interface 'lan'\n\toption ipaddr '192.168.1.1'\n",
             "etc/passwd": "root:x:0:0:root:/root:/bin/ash\n",
             "etc/sysupgrade.conf": "/etc/keepme\n"}
    files.update(extra or {})
    for rel, text in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    for sub in ("root", "overlay", "rom"):   # as OpenWrt's root has them: mount points of mount_root
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    return qemu_mtd.make_squashfs(d, os.path.join(tmp, name + ".sqfs"))


def _mkimage(payload, out, boards=("sim",)):
    argv = [FAILSAFECTL, "mkimage", "--version", "test-" + os.path.basename(out)]
    for b in boards:
        argv += ["--board", b]
    subprocess.run(argv + [payload, "-o", out], check=True, capture_output=True)
    return out


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _flipped(src, out, at):
    data = bytearray(open(src, "rb").read())
    data[at] ^= 0x01
    with open(out, "wb") as f:
        f.write(data)
    return out


def _guest(name, script, files, append=""):
    res = qemu_mtd.run_guest(BUILD, FAILSAFED, PRELUDE + script, extra_files=files, timeout_s=400, name=name,
                             append=append)
    rc, log, t = res.rc, res.log, res.timings
    print("  guest %s: initramfs %.1f s, QEMU start to QMTD-READY %s, whole run %.1f s"
          % (name, t["initramfs"], "%.1f s" % t["ready"] if "ready" in t else "never", t["run"]), flush=True)
    fails = [l for l in log.splitlines() if l.startswith("QMTD-FAIL")]
    if rc != 0 or fails:
        # One line: the guest's exit (None: no QMTD-EXIT, the log's last line says why) and its failed steps; then
        # the console's last lines (all of it stays in BUILD/runs/NAME/serial.log).
        last = [l for l in log.splitlines() if l.strip()][-40:]
        why = "guest %s: exit %s, failed steps: %s (the console's last line: %r)" % (
            name, rc, ", ".join(fails) or "none", last[-1] if last else "")
        raise AssertionError("%s\n--- the console's last %d lines (all: %s):\n%s" % (
            why, len(last), os.path.join(BUILD, "runs", name, "serial.log"), "\n".join(last)))
    return log


def _out(log, step):
    """The output of one `run` step, without its prefix."""
    return "\n".join(l[len(step) + 3:] for l in log.splitlines() if l.startswith("[%s] " % step))


def test_nor_jffs2_rootfs_data_inside_firmware():
    tmp = tempfile.mkdtemp(prefix="fsd-mtd.")
    try:
        rom1 = _rom(tmp, "rom1", "rom one")
        rom2 = _rom(tmp, "rom2", "rom two")
        img1 = _mkimage(rom1, os.path.join(tmp, "img1.bin"))
        img2 = _mkimage(rom2, os.path.join(tmp, "img2.bin"))
        bad = _flipped(img2, os.path.join(tmp, "bad.bin"), 1000)
        other = _mkimage(rom2, os.path.join(tmp, "other.bin"), boards=("acme,other-router",))
        n1, n2 = os.path.getsize(rom1), os.path.getsize(rom2)
        s1, s2 = _sha(rom1), _sha(rom2)
        script = r'''
C="--root /mnt/rom --firmware mtd:firmware --rootfs-data mtd:rootfs_data --state-dir /tmp/st --tmp-dir /tmp"
M="--root /mnt/rom --firmware mtd:firmware --rootfs-data mtd:rootfs_data --state-dir /tmp/st"
# OpenWrt's NOR split: "firmware" (8 MiB) holds the squashfs; "rootfs_data" is its second half.
fw=$(qmtd_mtdpart_add mtd0 firmware 0 0x800000)
rd=$(qmtd_mtdpart_add mtd0 rootfs_data 0x400000 0x400000)
echo "firmware=$fw rootfs_data=$rd"
dd if=/dev/urandom of=/dev/$fw bs=128k count=64 2>/dev/null   # whatever was there before
run mount-missing 3 failsafed mount_root --root /mnt/rom --rootfs-data mtd:no_such_part --state-dir /tmp/st
run flash1 0 failsafed sysupgrade -n $C /qmtd/img1.bin
check fw1 test "$(sha /dev/$fw @N1@)" = @S1@
check data-erased test "$(sha /dev/$rd 4194304)" = "$(head -c 4194304 /dev/zero | tr '\0' '\377' | sha256sum | cut -c1-64)"
before=$(sha /dev/$fw 8388608)
run bad 13 failsafed sysupgrade $C /qmtd/bad.bin
run other-board 32 failsafed sysupgrade $C /qmtd/other.bin
run test-only 0 failsafed sysupgrade -T $C /qmtd/img2.bin
check unchanged-after-refusals test "$(sha /dev/$fw 8388608)" = "$before"
check mount-rom1 mount -t squashfs -o ro /dev/mtdblock${fw#mtd} /mnt/rom
run mount1 0 failsafed mount_root $M
check overlay-jffs2 grep -q "^/dev/mtdblock${rd#mtd} /mnt/rom/overlay jffs2 rw" /proc/mounts
run mount-again 0 failsafed mount_root $M
echo "	option hostname 'nor-test'" >>/mnt/rom/etc/config/system
echo kept >/mnt/rom/etc/keepme
echo scratch >/mnt/rom/root/scratch
run firstboot-no 7 sh -c "echo n | failsafed firstboot $M"
check config-after-no grep -q nor-test /mnt/rom/etc/config/system
sync
run flash2 0 failsafed sysupgrade $C /qmtd/img2.bin
check data-now-read-only grep -q "^/dev/mtdblock${rd#mtd} /mnt/rom/overlay jffs2 ro" /proc/mounts
reboot_sim
check fw2 test "$(sha /dev/$fw @N2@)" = @S2@
check mount-rom2 mount -t squashfs -o ro /dev/mtdblock${fw#mtd} /mnt/rom
check rom2-banner grep -qx "rom two" /mnt/rom/etc/banner
run mount2 0 failsafed mount_root $M
check settings-kept grep -q nor-test /mnt/rom/etc/config/system
check sysupgrade-conf-kept grep -qx kept /mnt/rom/etc/keepme
check scratch-gone test ! -e /mnt/rom/root/scratch
check new-rom-under grep -qx "rom two" /mnt/rom/etc/banner
check carried-archive-gone test ! -e /mnt/rom/overlay/sysupgrade.tgz
run firstboot-yes 0 failsafed firstboot -y $M
check reset-to-rom sh -c "! grep -q nor-test /mnt/rom/etc/config/system"
check rom-hostname grep -q "hostname 'OpenWrt'" /mnt/rom/etc/config/system
reboot_sim
run firstboot-unmounted 0 failsafed firstboot -y $M
check mount-rom2-again mount -t squashfs -o ro /dev/mtdblock${fw#mtd} /mnt/rom
run mount3 0 failsafed mount_root $M
check clean-overlay sh -c "ls -lA /mnt/rom/overlay/upper; test -z \"\$(ls -A /mnt/rom/overlay/upper)\""
check fw-never-written-by-firstboot test "$(sha /dev/$fw @N2@)" = @S2@
qmtd_done
'''.replace("@N1@", str(n1)).replace("@S1@", s1).replace("@N2@", str(n2)).replace("@S2@", s2)
        log = _guest("mtd_nor", script, {"/qmtd/img1.bin": img1, "/qmtd/img2.bin": img2,
                                         "/qmtd/bad.bin": bad, "/qmtd/other.bin": other})
        assert "no rootfs_data: no MTD partition named \"no_such_part\"" in _out(log, "mount-missing"), log
        f1 = _out(log, "flash1")
        for text in ("Image check passed", "SHA-256 of the payload: " + s1, "Verified: /dev/mtd", "Settings reset (-n)",
                     "Upgrade completed"):
            assert text in f1, (text, f1)
        assert "bad-crc" in _out(log, "bad") or "CRC" in _out(log, "bad"), _out(log, "bad")
        assert "is never written" in _out(log, "bad"), _out(log, "bad")
        assert "-F writes it" in _out(log, "other-board"), _out(log, "other-board")
        assert "-T: nothing written" in _out(log, "test-only"), _out(log, "test-only")
        assert "jffs2" in _out(log, "mount1"), _out(log, "mount1")
        assert "already mounted" in _out(log, "mount-again"), _out(log, "mount-again")
        f2 = _out(log, "flash2")
        for text in ("Saving config files...", "Config files carried to the next boot", "Upgrade completed",
                     "reboot now"):
            assert text in f2, (text, f2)
        assert "settings saved by sysupgrade restored" in _out(log, "mount2"), _out(log, "mount2")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_nand_ubi_ubifs_interrupted_and_busy():
    tmp = tempfile.mkdtemp(prefix="fsd-ubi.")
    try:
        rom1 = _rom(tmp, "rom1", "rom one")
        # A large payload (random bytes after the squashfs) makes the write last long enough to be cut.
        rom2 = _rom(tmp, "rom2", "rom two")
        big = os.path.join(tmp, "big.payload")
        with open(big, "wb") as f:
            f.write(open(rom2, "rb").read())
            f.write(os.urandom(20 << 20))
        img1 = _mkimage(rom1, os.path.join(tmp, "img1.bin"))
        ref = os.path.join(tmp, "ref.bin")   # the independent encoder's image
        subprocess.run([sys.executable, os.path.join(SRC, "tests", "fwimage_ref.py"), "--board", "failsafed,sim",
                        "--version", "ref", rom2, "-o", ref], check=True, capture_output=True)
        bigimg = _mkimage(big, os.path.join(tmp, "big.bin"))
        bad = os.path.join(tmp, "truncated.bin")
        with open(bad, "wb") as f:
            f.write(open(img1, "rb").read()[:-7])
        nand = os.path.join(tmp, "nand.bin")
        with open(nand, "wb") as f:
            f.write(openwrt_images.sysupgrade_tar("failsafed,sim", kernel=os.urandom(1 << 20),
                                                  root=open(rom1, "rb").read()))
        n1, n2 = os.path.getsize(rom1), os.path.getsize(rom2)
        s1, s2 = _sha(rom1), _sha(rom2)
        script = r'''
C="--root /mnt/rom --firmware ubi:firmware --rootfs-data ubi:rootfs_data --state-dir /tmp/st --tmp-dir /tmp"
M="--root /mnt/rom --firmware ubi:firmware --rootfs-data ubi:rootfs_data --state-dir /tmp/st"
nand=$(qmtd_mtd "NAND simulator partition 0")
check attach qmtd_ubi_attach $nand 0
check mkvol-firmware ubimkvol /dev/ubi0 -N firmware -s 32MiB
check mkvol-data ubimkvol /dev/ubi0 -N rootfs_data -s 48MiB
fwv=$(qmtd_ubi_vol 0 firmware)
run flash1 0 failsafed sysupgrade -n $C /qmtd/img1.bin
check fw1 test "$(sha $fwv @N1@)" = @S1@
before=$(sha $fwv 33554432)
run truncated 11 failsafed sysupgrade $C /qmtd/truncated.bin
check unchanged-after-refusal test "$(sha $fwv 33554432)" = "$before"
# OpenWrt's NAND tar onto the one volume this board writes: refused, -F or not (exit 26), the volume as it was
run nand-tar 26 failsafed sysupgrade -F $C /qmtd/nand.bin
check unchanged-after-nand-tar test "$(sha $fwv 33554432)" = "$before"
check ubiblock ubiblock -c $fwv
check mount-rom1 mount -t squashfs -o ro /dev/ubiblock0_${fwv##*_} /mnt/rom
run mount-empty 0 failsafed mount_root $M
check overlay-ubifs grep -q " /mnt/rom/overlay ubifs rw" /proc/mounts
echo "	option hostname 'nand-test'" >>/mnt/rom/etc/config/system
run firstboot-no 7 sh -c "echo n | failsafed firstboot $M"
check config-after-no grep -q nand-test /mnt/rom/etc/config/system
run busy 1 failsafed sysupgrade $C /qmtd/ref.bin
check unchanged-while-busy test "$(sha $fwv 33554432)" = "$before"
reboot_sim
check ubiblock-remove ubiblock -r $fwv
# Settings saved from rootfs_data mounted read-only (mount_root not run), restored after the write.
run flash2 0 failsafed sysupgrade $C /qmtd/ref.bin
check fw2 test "$(sha $fwv @N2@)" = @S2@
check ubiblock-2 ubiblock -c $fwv
check mount-rom2 mount -t squashfs -o ro /dev/ubiblock0_${fwv##*_} /mnt/rom
run mount2 0 failsafed mount_root $M
check settings-kept grep -q nand-test /mnt/rom/etc/config/system
check rom2-banner grep -qx "rom two" /mnt/rom/etc/banner
reboot_sim
check ubiblock-remove-2 ubiblock -r $fwv
# Cut off part way through the write: the volume is left marked as updating, and a second run succeeds.
failsafed sysupgrade $C /qmtd/big.bin >/tmp/out.cut 2>&1 &
pid=$!
i=0
while ! grep -q "writing *[0-9]*%" /tmp/out.cut && [ $i -lt 3000 ]; do i=$((i + 1)); done
kill -9 $pid
wait $pid
sed "s/^/[cut] /" /tmp/out.cut
check cut-mid-write sh -c "grep -q 'writing' /tmp/out.cut && ! grep -q 'Upgrade completed' /tmp/out.cut"
check upd-marker-set test "$(cat /sys/class/ubi/${fwv#/dev/}/upd_marker)" = 1
run after-cut 0 failsafed sysupgrade $C /qmtd/ref.bin
check upd-marker-clear test "$(cat /sys/class/ubi/${fwv#/dev/}/upd_marker)" = 0
check fw3 test "$(sha $fwv @N2@)" = @S2@
check ubiblock-3 ubiblock -c $fwv
check mount-rom3 mount -t squashfs -o ro /dev/ubiblock0_${fwv##*_} /mnt/rom
run mount3 0 failsafed mount_root $M
check settings-survive-cut grep -q nand-test /mnt/rom/etc/config/system
run firstboot-yes 0 failsafed firstboot -y $M
check reset-to-rom sh -c "! grep -q nand-test /mnt/rom/etc/config/system"
qmtd_done
'''.replace("@N1@", str(n1)).replace("@S1@", s1).replace("@N2@", str(n2)).replace("@S2@", s2)
        # Slower NAND programming (nandsim's simulated delays) so the write lasts long enough to be cut.
        log = _guest("mtd_nand", script, {"/qmtd/img1.bin": img1, "/qmtd/ref.bin": ref, "/qmtd/big.bin": bigimg,
                                          "/qmtd/truncated.bin": bad, "/qmtd/nand.bin": nand},
                     append="nandsim.do_delays=1 nandsim.programm_delay=100 nandsim.erase_delay=1")
        assert "Upgrade completed" in _out(log, "flash1"), _out(log, "flash1")
        assert "is never written" in _out(log, "truncated"), _out(log, "truncated")
        assert "sysupgrade tar (sysupgrade-failsafed_sim/" in _out(log, "nand-tar") and \
            "ubi firmware, which takes a squashfs, a UBIFS" in _out(log, "nand-tar"), _out(log, "nand-tar")
        assert "ubifs" in _out(log, "mount-empty"), _out(log, "mount-empty")
        busy = _out(log, "busy")
        assert "busy" in busy.lower() and "Upgrade completed" not in busy, busy
        f2 = _out(log, "flash2")
        for text in ("Saving config files...", "Config files restored into the new overlay", "Upgrade completed"):
            assert text in f2, (text, f2)
        assert re.search(r"writing +\d+%", _out(log, "cut")), _out(log, "cut")
        assert "Upgrade completed" in _out(log, "after-cut"), _out(log, "after-cut")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (the QEMU harness installs packages on a new machine)")
        sys.exit(1)
    run_tests([test_nor_jffs2_rootfs_data_inside_firmware, test_nand_ubi_ubifs_interrupted_and_busy])
