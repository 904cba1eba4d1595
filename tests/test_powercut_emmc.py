#!/usr/bin/env python3
"""tests/test_powercut_emmc.py — the whole QEMU killed (SIGKILL, by its PID) at 20 or more random moments while
failsafed writes OpenWrt's eMMC sysupgrade tar onto a GPT disk, and at the next boot, with the same disk, never a
kernel beside a root that is not its own.

The board is boards/sim_emmc.c's layout (GPT partitions kernel, rootfs, dtb; the overlay after the root) on a virtio
disk of Debian 12's amd64 kernel under QEMU (tools/qemu-mtd/, TCG). The disk is a host file made here with sfdisk;
QEMU opens it with cache=writethrough, so a write the guest was told is done is in the host file (failsafed syncs
every 4 MiB it writes, and the kernel's first 4 KiB last), and the kill loses exactly what a power cut loses: what
the guest had not yet been told was written. Every boot runs the same script: it reads the state the disk is in
(the kernel partition's first 4 KiB all zeros: no kernel, nothing boots; else the kernel's and the root's bytes
against image A's and image B's), writes A again if it is not A (the host never cuts that), then writes B while the
host kills QEMU after a random delay within how long that write took uncut. What is checked at each next boot:
 - the state is "A" (old kernel and root), "invalid" (no kernel: the boot loader finds nothing to boot) or "B" (new
   kernel and root), never a kernel with a root that is not its own;
 - at least 20 cuts fell inside the write (before it said it was done), and between them both "invalid" and at
   least one of the whole states were found (the cuts landed before and after the kernel was invalidated or written);
 - the uncut write's plan invalidates the kernel first and writes it last.
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
import openwrt_images  # noqa: E402
import powercut  # noqa: E402
import qemu_mtd  # noqa: E402
from fsd import run_tests  # noqa: E402

BIN = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(powercut.ROOT, "build"))
BUILD = os.environ.get("QEMU_MTD_BUILD_DIR") or os.path.join(BIN, "qemu-mtd")
FAILSAFED = os.path.join(BIN, "failsafed_sim_emmc")
BOARD = "failsafed,sim-emmc"
MiB = 1 << 20
CUTS = 20
MAX_BOOTS = 34

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
echo "STATE $(state)"
if [ "$(state)" != A ]; then
	echo "SETUP-START $(up)"
	failsafed sysupgrade -n -q $C /qmtd/a.bin >/tmp/setup.out 2>&1
	rc=$?
	echo "SETUP-END rc=$rc $(up) $(state)"
	[ $rc = 0 ] || cat /tmp/setup.out
	rm -rf /tmp/st/*
fi
sync
echo 3 >/proc/sys/vm/drop_caches
echo "WRITE-START $(up)"
failsafed sysupgrade -n $C /qmtd/b.bin >/tmp/w.out 2>&1
rc=$?
echo "WRITE-END rc=$rc $(up)"
sed 's/^/[w] /' /tmp/w.out
echo "STATE-AFTER-WRITE $(state)"
qmtd_done
'''


def squashfs(tmp, name, nbytes):
    d = os.path.join(tmp, name)
    os.makedirs(os.path.join(d, "etc"))
    with open(os.path.join(d, "etc", "banner"), "w") as f:
        f.write(name + "\n")
    with open(os.path.join(d, "blob.bin"), "wb") as f:
        f.write(random.Random(name).randbytes(nbytes))
    with open(qemu_mtd.make_squashfs(d, os.path.join(tmp, name + ".sqfs")), "rb") as f:
        return f.read()


def test_emmc_whole_qemu_killed_during_writes():
    tmp = tempfile.mkdtemp(prefix="fsd-powercut-emmc.")
    boots = []
    try:
        rnd = random.Random(int(os.environ.get("POWERCUT_SEED", "2016")))
        ka, kb = rnd.randbytes(3 * MiB + 1234), rnd.randbytes(3 * MiB - 777)
        ra, rb = squashfs(tmp, "root-a", 9 * MiB), squashfs(tmp, "root-b", 10 * MiB)
        dtb = rnd.randbytes(20 << 10)
        files = {"/qmtd/a.bin": os.path.join(tmp, "a.bin"), "/qmtd/b.bin": os.path.join(tmp, "b.bin")}
        for path, (k, r) in ((files["/qmtd/a.bin"], (ka, ra)), (files["/qmtd/b.bin"], (kb, rb))):
            with open(path, "wb") as f:
                f.write(openwrt_images.sysupgrade_tar(BOARD, kernel=k, root=r, dtb=dtb))
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
        initrd = powercut.make_initramfs(BUILD, FAILSAFED, script, files, ["virtio_pci", "virtio_blk"],
                                         "powercut_emmc")
        run_dir = os.path.dirname(initrd)
        args = ["--drive", disk]

        # boot 0: uncut, the write's length measured on the host (console lines), the plan's order checked
        b = powercut.Boot(BUILD, initrd, run_dir, 0, args)
        boots.append(b)
        out = b.finish()
        if "QMTD-DONE fails=0" not in out:
            raise AssertionError("the first (uncut) boot failed:\n%s" % out[-6000:])
        parts = re.findall(r"^PART (vda\d) (\S*)$", out, re.M)
        assert parts == [("vda1", "kernel"), ("vda2", "rootfs"), ("vda3", "dtb")], parts
        t_w0 = next(t for t, l in b.lines if l.startswith("WRITE-START"))
        t_w1 = next(t for t, l in b.lines if l.startswith("WRITE-END rc=0"))
        duration = t_w1 - t_w0
        w = "\n".join(l[4:] for _, l in b.lines if l.startswith("[w] "))
        assert "STATE-AFTER-WRITE B" in out, out[-3000:]
        steps = re.findall(r"^Step \d+/\d+: (.*)$", w, re.M)
        kernel_steps = [i for i, s in enumerate(steps) if "kernel" in s]
        assert steps and kernel_steps[0] == 0 and "zero" in steps[0] and kernel_steps[-1] == len(steps) - 1 and \
            "write the kernel" in steps[-1], ("the kernel is not invalidated first and written last", steps)
        print("  uncut write of B: %.2f s on the host's clock; steps: %s" % (duration, "; ".join(steps)), flush=True)

        # boots 1..: cut at a random moment of the write; the state read at the next boot
        cuts = []               # (delay s, state the next boot found)
        pending = None          # the delay of the cut made in the previous boot
        n = 1
        while True:
            b = powercut.Boot(BUILD, initrd, run_dir, n, args)
            boots.append(b)
            seen = b.wait_line(r"^STATE (\S+)$", 120)
            if seen is None:
                raise AssertionError("boot %d ended before it read the disk:\n%s" % (n, b.text()[-4000:]))
            state = seen[1].group(1)
            if pending is not None:
                cuts.append((pending, state))
                print("  cut %2d at %.2f s of %.2f s: next boot finds %s" % (len(cuts), pending, duration, state),
                      flush=True)
                if state.startswith("bad"):
                    b.stop()
                    raise AssertionError("after the cut at %.2f s the next boot found %s (a kernel beside a root "
                                         "not its own):\n%s" % (pending, state, b.text()[-3000:]))
            pending = None
            if len(cuts) >= CUTS or n >= MAX_BOOTS:
                out = b.finish()
                if "QMTD-DONE fails=0" not in out:
                    raise AssertionError("the last boot failed:\n%s" % out[-4000:])
                break
            started = b.wait_line(r"^WRITE-START", 300)
            if started is None:
                raise AssertionError("boot %d did not reach the write:\n%s" % (n, b.text()[-4000:]))
            delay = rnd.uniform(0.0, duration)
            time.sleep(max(0.0, started[0] + delay - time.time()))
            done_before = any(l.startswith("WRITE-END") for _, l in b.lines)
            b.kill_qemu()
            b.finish(60)
            if done_before:
                print("  boot %d: the write was done before the cut at %.2f s: not counted" % (n, delay), flush=True)
            else:
                pending = delay
            n += 1
        states = [s for _, s in cuts]
        print("  %d cuts inside the write over %d boots in %.0f s; next boots found: %s" % (
            len(cuts), len(boots), time.monotonic() - t_start,
            ", ".join("%s %d" % (s, states.count(s)) for s in sorted(set(states)))), flush=True)
        assert len(cuts) >= CUTS, ("fewer than %d cuts fell inside the write in %d boots" % (CUTS, MAX_BOOTS), cuts)
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
