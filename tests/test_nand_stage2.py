#!/usr/bin/env python3
"""tests/test_nand_stage2.py — a NAND board's flash from RAM on a real kernel: Debian 12's amd64 kernel under QEMU
(tools/qemu-mtd/: nandsim, UBI, ubiblock, squashfs), the sim-nand failsafed built on this host.

The UBI partition ("NAND simulator partition 0", 24 MiB) holds OpenWrt's volumes (kernel, rootfs, rootfs_data) and an
ubootenv a flash must leave alone. The root is a squashfs in the rootfs volume, mounted through its ubiblock as the
board's would be, and failsafed runs from it (chrooted into it; its console the serial port), in failsafe:
  - sysupgrade --no-stage2 of an OpenWrt NAND tar is refused, exit 44, naming the volume and its mounted ubiblock;
    every volume byte-identical, the root still mounted;
  - sysupgrade of the same tar, the settings kept, hands the flash over (exit 43): the settings are saved from the
    overlay (UBIFS on rootfs_data, mounted at /overlay as mount_root leaves it) first; failsafed builds its root in
    RAM (with ubiformat and its libraries, which the plan's attach may need), moves into it, lets the old root and
    the overlay go, and the flash from RAM removes the ubiblock and the volumes and writes the new ones: kernel and
    rootfs hold the new bytes, the new rootfs_data holds the settings as sysupgrade.tgz, ubootenv is untouched;
    failsafed's program is now on the tmpfs, same PID; the reboot command ran."""
import hashlib
import os
import random
import re
import shutil
import sys
import tempfile

from fsd import run_tests
import openwrt_images
import qemu_mtd
import stage2rom

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(SRC, "build"))
BUILD = os.environ.get("QEMU_MTD_BUILD_DIR") or os.path.join(BIN, "qemu-mtd")
FAILSAFED = os.path.join(BIN, "failsafed_sim_nand")
BOARD = "failsafed,sim-nand"
MiB = 1 << 20

SCRIPT = qemu_mtd.UBI_HELPERS + r'''status() { failsafed status --state-dir /mnt/rom/tmp 2>&1; }
R=/mnt/rom
UBIMTD=$(qmtd_mtd "NAND simulator partition 0")
UBIMTD=${UBIMTD#mtd}
# the board as it left the factory: OpenWrt's volumes, the root's squashfs in rootfs
check format ubiformat -y -q /dev/mtd$UBIMTD
check attach ubiattach -m $UBIMTD -d 0
check mkvol-env ubimkvol /dev/ubi0 -N ubootenv -s 1MiB
check env ubiupdatevol "$(vol ubootenv)" /qmtd/env.bin
check mkvol-kernel ubimkvol /dev/ubi0 -N kernel -s @N_K1@
check kernel ubiupdatevol "$(vol kernel)" /qmtd/k1.bin
check mkvol-rootfs ubimkvol /dev/ubi0 -N rootfs -s @N_R1@
check rootfs ubiupdatevol "$(vol rootfs)" /qmtd/rom1.sqfs
check mkvol-data ubimkvol /dev/ubi0 -N rootfs_data -m
# the running root, as OpenWrt's preinit has it: squashfs on the rootfs volume's ubiblock
check ubiblock ubiblock -c "$(vol rootfs)"
BLK=/dev/ubiblock0_$(basename "$(vol rootfs)" | cut -d_ -f2)
mkdir -p $R
check mount-rom mount -t squashfs -o ro $BLK $R
check mount-proc mount -t proc proc $R/proc
check mount-sys mount -t sysfs sysfs $R/sys
check mount-dev mount --rbind /dev $R/dev
check mount-tmp mount -t tmpfs -o size=100m tmp $R/tmp
# the overlay as mount_root leaves it: UBIFS on rootfs_data at /overlay, a setting in its upper layer
check mount-overlay mount -t ubifs ubi0:rootfs_data $R/overlay
mkdir -p $R/overlay/upper/etc/config $R/overlay/work
echo "config interface 'kept'" >$R/overlay/upper/etc/config/network
cp /qmtd/tar2.bin $R/tmp/tar2.bin
# failsafed from the root, in failsafe, its console the serial port (a shell on it, as on a board)
chroot $R /usr/sbin/failsafed --cmdline /etc/cmdline --state-dir /tmp --sim-dir /tmp/sim --console /dev/ttyS0 \
	--no-ssh --no-http -v --reboot-cmd /sbin/fake-reboot >/tmp/daemon.log 2>&1 &
i=0
while [ ! -e $R/tmp/failsafe ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check in-failsafe test -e $R/tmp/failsafe
PID=$(status | sed -n 's/.*, pid \([0-9]*\)$/\1/p')
echo "DAEMON-PID $PID exe=$(readlink /proc/$PID/exe) on $(stat -L -c %d /proc/$PID/exe)"
check exe-on-rom test "$(stat -L -c %d /proc/$PID/exe)" != "$(stat -c %d $R/tmp)"
# refused: nothing written, nothing stopped (the overlay's UBIFS written back first: the kernel's own writeback of
# the setting above, seconds later, changed rootfs_data's bytes under a loaded host)
sync
before=$(allsha)
run refused 44 chroot $R /usr/sbin/failsafed sysupgrade -n --no-stage2 /tmp/tar2.bin
check refused-unchanged test "$(allsha)" = "$before"
check refused-still-mounted grep -q "^$BLK $R squashfs" /proc/mounts
check refused-same-daemon test -d /proc/$PID
# handed over, flashed from RAM
T0=$(cut -d' ' -f1 /proc/uptime)
run handover 43 chroot $R /usr/sbin/failsafed sysupgrade /tmp/tar2.bin
i=0
while ! status | grep -q "stage2:  \(done\|failed\)" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
T1=$(cut -d' ' -f1 /proc/uptime)
echo "STAGE2-SECONDS $T0 $T1"
status
check stage2-done status | grep -q "stage2:  done: rebooting"
check new-vols test "$(vols)" = "kernel rootfs rootfs_data ubootenv "
check new-kernel test "$(vattr kernel reserved_ebs):$(volsha kernel @N_K2@)" = "@L_K2@:@K2@"
check new-root test "$(vattr rootfs reserved_ebs):$(volsha rootfs @N_R2@)" = "@L_R2@:@R2@"
# the settings, saved before the overlay was let go, in the new rootfs_data as nand_restore_config leaves them
mkdir -p /mnt/data
check new-data-mounts mount -t ubifs -o ro ubi0:rootfs_data /mnt/data
check settings-carried sh -c "tar -xzOf /mnt/data/sysupgrade.tgz etc/config/network | grep -qx \"config interface 'kept'\""
umount /mnt/data
check env-untouched test "$(volsha ubootenv @N_ENV@)" = @ENV@
check ubiblock-gone test ! -e $BLK
check old-root-gone sh -c "! grep -q 'squashfs\|ubifs' /proc/mounts"
check same-pid test -d /proc/$PID
check exe-in-ram test "$(stat -L -c %d /proc/$PID/exe)" = "$(stat -c %d $R/tmp)"   # the program on the tmpfs now
check ram-root-ubiformat test -x $R/usr/sbin/ubiformat
check ram-root-busybox test -x $R/bin/busybox -a -L $R/bin/sh
i=0
while [ ! -e $R/tmp/rebooted ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check rebooted test -e $R/tmp/rebooted
echo "--- the daemon's log"
cat /tmp/daemon.log
qmtd_done
'''


def sha(data):
    return hashlib.sha256(data).hexdigest()


def lebs(data):
    return -(-len(data) // 129024)


def test_nand_tar_from_ram():
    tmp = tempfile.mkdtemp(prefix="fsd-nand-stage2.")
    try:
        rnd = random.Random(43)
        k1, k2 = rnd.randbytes(600 * 1024 + 7), rnd.randbytes(900 * 1024 + 1)
        ubiformat = shutil.which("ubiformat") or "/usr/sbin/ubiformat"
        rom1 = stage2rom.make_rom(tmp, "one", FAILSAFED, programs=[ubiformat])
        rom2 = stage2rom.make_rom(tmp, "two", FAILSAFED, programs=[ubiformat])
        env = rnd.randbytes(64 * 1024)
        files = {}
        for name, data in (("k1.bin", k1), ("rom1.sqfs", rom1), ("env.bin", env),
                           ("tar2.bin", openwrt_images.sysupgrade_tar(BOARD, kernel=k2, root=rom2))):
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(data)
            files["/qmtd/" + name] = path
        subst = {"N_K1": len(k1), "N_R1": len(rom1), "N_K2": len(k2), "N_R2": len(rom2), "K2": sha(k2),
                 "R2": sha(rom2), "L_K2": lebs(k2), "L_R2": lebs(rom2), "ENV": sha(env), "N_ENV": len(env)}
        script = SCRIPT
        for k, v in subst.items():
            script = script.replace("@%s@" % k, str(v))
        res = qemu_mtd.run_guest(BUILD, os.path.join(BIN, "failsafed"), script, extra_files=files, timeout_s=600,
                                 name="nand_stage2", append="nandsim.parts=192")
        rc, log = res[0], res[1]
        fails = [l for l in log.splitlines() if l.startswith("QMTD-FAIL")]
        assert rc == 0 and not fails, "rc=%s, failed: %s\n--- serial log (end) ---\n%s" % (
            rc, fails, "\n".join(log.splitlines()[-150:]))
        refused = "\n".join(l for l in log.splitlines() if l.startswith("[refused] "))
        assert re.search(r"UBI volume rootfs on NAND simulator partition 0 is in use: ubiblock0_\d+ is mounted at / "
                         r"\(squashfs\)", refused), refused
        handover = "\n".join(l for l in log.splitlines() if l.startswith("[handover] "))
        assert "failsafed took it over" in handover, handover
        for want in ("config path", "the shells end now", "this shell ends", "running from RAM", "Step 3/",
                     "the kept settings into UBI volume rootfs_data", "Written and read back",
                     "flashed from RAM and read back"):
            assert want in log, (want, log[-4000:])
        m = re.search(r"STAGE2-SECONDS ([\d.]+) ([\d.]+)", log)
        print("  refused, then handed over and flashed from RAM: %.1f s in the guest (TCG)"
              % (float(m.group(2)) - float(m.group(1))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (the QEMU harness installs packages on a new machine)")
        sys.exit(1)
    run_tests([test_nand_tar_from_ram])
