#!/usr/bin/env python3
"""tests/test_powercut_emmc.py — the whole QEMU killed (SIGKILL, by its PID) at 20 or more random moments while
failsafed writes OpenWrt's eMMC sysupgrade tar onto a GPT disk, and at the next boot, with the same disk, never a
kernel beside a root that is not its own.

The board is boards/sim_emmc.c's layout (GPT partitions kernel, rootfs, dtb; the overlay after the root) on a virtio
disk of Debian 12's amd64 kernel under QEMU (tools/qemu-mtd/, TCG). The disk is a host file made here with sfdisk;
QEMU opens it with cache=writethrough, so a write the guest was told is done is in the host file (failsafed syncs
every 4 MiB it writes, and the kernel's first 4 KiB last), and the kill loses exactly what a power cut loses: what
the guest had not yet been told was written. Boot 0 writes image A; every later boot runs the same script: it
reads the state the disk is in (the kernel partition's first 4 KiB all zeros: no kernel, nothing boots; else the
kernel's and the root's bytes against image A's and image B's), checks the image it does not hold (sysupgrade -T:
TCG translates the code once per boot, so the timed write runs alike in every boot), then writes it with its output
on the console. Boot 1 is never cut: from its first "Step" line to its end is the write's length; every later boot
is killed at a uniform random moment of that length after its own first "Step" line (tests/powercut.py). Checked:
 - the state is "A" (old kernel and root), "invalid" (no kernel: the boot loader finds nothing to boot) or "B" (new
   kernel and root), never a kernel with a root that is not its own;
 - at least 6 cuts (FAILSAFED_LONG=1: 20) fell inside a write (before it said it was done), and between them both
   "invalid" and at least one of the whole states were found;
 - the uncut write's plan invalidates the kernel first and writes it last (the overlay wiped before it).
"""
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import powercut  # noqa: E402
import qemu_mtd  # noqa: E402
from fsd import run_tests  # noqa: E402

BIN = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(powercut.ROOT, "build"))
BUILD = os.environ.get("QEMU_MTD_BUILD_DIR") or os.path.join(BIN, "qemu-mtd")
FAILSAFED = os.path.join(BIN, "failsafed_sim_emmc")
BOARD = "failsafed,sim-emmc"
MiB = 1 << 20
CUTS = 20 if os.environ.get("FAILSAFED_LONG") == "1" else 6   # bounded by default; --long: 20
MAX_BOOTS = 2 * CUTS + 2

GUEST = r'''
modprobe virtio_pci && modprobe virtio_blk || echo "QMTD-FAIL modprobe virtio_blk"
qmtd_wait_dev /dev/vda3 100 || echo "QMTD-FAIL no /dev/vda3"
for n in 1 2 3; do echo "PART vda$n $(sed -n 's/^PARTNAME=//p' /sys/class/block/vda$n/uevent)"; done
K=/dev/vda1 R=/dev/vda2
sha() { head -c "$2" "$1" | sha256sum | cut -c1-64; }
state() {   # what a boot loader finds: no kernel header, or a kernel and the root beside it
	if [ "$(head -c 4096 $K | tr -d '\000' | wc -c)" = 0 ]; then echo invalid; return; fi
	if [ "$(sha $K @N_KA@)" = @KA@ ]; then
		if [ "$(sha $R @N_RA@)" = @RA@ ]; then echo A; else echo bad-kernel-A-root-not-A; fi
	elif [ "$(sha $K @N_KB@)" = @KB@ ]; then
		if [ "$(sha $R @N_RB@)" = @RB@ ]; then echo B; else echo bad-kernel-B-root-not-B; fi
	else
		echo bad-kernel-of-neither
	fi
}
up() { cut -d' ' -f1 /proc/uptime; }
mkdir -p /tmp/st /mnt/rom
C="--root /mnt/rom --state-dir /tmp/st --tmp-dir /tmp --disk vda --rootfs-data rootdisk:PARTLABEL=rootfs@vda"
C="$C --firmware PARTLABEL=rootfs@vda"
s=$(state)
echo "STATE $s"
if [ -e /qmtd/first ]; then   # boot 0: A written, nothing more
	failsafed sysupgrade -n -q $C /qmtd/a.bin >/tmp/setup.out 2>&1 || { cat /tmp/setup.out; echo "QMTD-FAIL setup"; }
	echo "SETUP-END $(state)"
	qmtd_done
fi
if [ "$s" = A ]; then next=b; else next=a; fi   # the image the disk does not hold (none: A)
''' + powercut.TIMED_WRITE + r'''echo "STATE-AFTER-WRITE $(state)"
qmtd_done
'''


def test_emmc_whole_qemu_killed_during_writes():
    tmp = tempfile.mkdtemp(prefix="fsd-powercut-emmc.")
    boots = []
    try:
        rnd = random.Random(int(os.environ.get("POWERCUT_SEED", "2016")))
        dtb = rnd.randbytes(20 << 10)
        (ka, ra), (kb, rb), files = powercut.image_pair(tmp, rnd, BOARD, (2 * MiB + 1234, 2 * MiB - 777),
                                                        (5 * MiB, 6 * MiB), dtb=dtb)
        disk = os.path.join(tmp, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(96 * MiB)
        subprocess.run(["sfdisk", "-q", disk], input="label: gpt\nsize=16MiB, name=\"kernel\"\n"
                       "size=64MiB, name=\"rootfs\"\nsize=1MiB, name=\"dtb\"\n", text=True, check=True)
        script = GUEST
        for k, v in {"KA": hashlib.sha256(ka).hexdigest(), "RA": hashlib.sha256(ra).hexdigest(),
                     "KB": hashlib.sha256(kb).hexdigest(), "RB": hashlib.sha256(rb).hexdigest(),
                     "N_KA": len(ka), "N_RA": len(ra), "N_KB": len(kb), "N_RB": len(rb)}.items():
            script = script.replace("@%s@" % k, str(v))
        t_start = time.monotonic()
        open(os.path.join(tmp, "first"), "w").close()
        files0 = dict(files, **{"/qmtd/first": os.path.join(tmp, "first")})
        first = powercut.make_initramfs(BUILD, FAILSAFED, script, files0,
                                        ["virtio_pci", "virtio_blk"], "powercut_emmc0")
        initrd = powercut.make_initramfs(BUILD, FAILSAFED, script, files, ["virtio_pci", "virtio_blk"],
                                         "powercut_emmc")

        def check_steps(steps):
            kernel_steps = [i for i, s in enumerate(steps) if "kernel" in s]
            assert steps and kernel_steps[0] == 0 and "zero" in steps[0] and kernel_steps[-1] == len(steps) - 1 \
                and "write the kernel" in steps[-1], ("the kernel is not invalidated first and written last", steps)

        cuts, duration, _ = powercut.cut_loop(BUILD, first, initrd, os.path.dirname(initrd), ["--drive", disk], "",
                                              CUTS, MAX_BOOTS, rnd, check_steps, boots)
        assert "SETUP-END A" in boots[0].text(), boots[0].text()[-3000:]
        parts = re.findall(r"^PART (vda\d) (\S*)$", boots[1].text(), re.M)
        assert parts == [("vda1", "kernel"), ("vda2", "rootfs"), ("vda3", "dtb")], parts
        states = [c[-1] for c in cuts]
        print("  %d cuts inside the write over %d boots in %.0f s; next boots found: %s" % (
            len(cuts), len(boots), time.monotonic() - t_start,
            ", ".join("%s %d" % (s, states.count(s)) for s in sorted(set(states)))), flush=True)
        assert len(cuts) >= CUTS, ("fewer than %d cuts fell inside the write in %d boots" % (CUTS, MAX_BOOTS), cuts)
        # coverage of the write's states needs the long run's 20 cuts; every cut's safety is checked in any case
        if os.environ.get("FAILSAFED_LONG") == "1":
            assert "invalid" in states and ({"A", "B"} & set(states)), ("the cuts all landed alike", cuts)
    finally:
        for b in boots:
            b.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (the QEMU harness installs packages on a new machine)")
        sys.exit(1)
    run_tests([test_emmc_whole_qemu_killed_during_writes])
