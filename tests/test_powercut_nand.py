#!/usr/bin/env python3
"""tests/test_powercut_nand.py — the whole QEMU killed (SIGKILL, by its PID) at 20 or more random moments while
failsafed writes OpenWrt's NAND sysupgrade tar into UBI, and at the next boot, with the same flash, UBI attached
again: never a kernel volume beside a rootfs volume that is not its own.

The flash must outlive QEMU, so it is not nandsim (its pages are the guest kernel's memory, gone with QEMU) but
phram: an MTD over 64 MiB of the guest's RAM that the kernel leaves alone (memmap=64M$256M), and that RAM is a host
file (run.sh --mem-file: memory-backend-file, share=on), so every byte the guest stored is in the file the moment it
is stored, also when QEMU dies by SIGKILL. phram is named "NAND simulator partition 0", the UBI partition of
boards/sim_nand.c (nandsim is left out: qmtd.skip), erase blocks of 128 KiB; Linux 6.1's phram leaves the MTD's
write-buffer size 0, which UBI refuses, so a fixture module sets it to the write unit (tools/qemu-mtd/mtd-wbuf.sh
builds it against the guest kernel's headers: downloaded once). What it does not model: NAND's pages
and the half-programmed page of a real cut (phram writes bytes; UBI's own cut handling on NAND is the kernel's,
tested there); what it does model is every ordering question of the write: which volume is removed, made and
written when, and what UBI finds at the next attach.

Boot 0 formats UBI and writes image A; every later boot runs the same script: attach UBI as the next boot would,
print the state (no kernel volume, an empty, half-updated or corrupted one: "invalid", nothing boots; else the
kernel's and the root's bytes against image A's and B's), check the image it does not hold (sysupgrade -T: TCG
translates the code once per boot, so the timed write runs alike in every boot), then write it with its output on
the console. Boot 1 is never cut: from its first "Step" line to its end is the write's length; every later boot is
killed at a uniform random moment of that length after its own first "Step" line (tests/powercut.py). Checked:
 - the state is "A", "B" or "invalid", never a kernel beside a root that is not its own; UBI attaches every time;
 - at least 6 cuts (FAILSAFED_LONG=1: 20) fell inside a write, and both "invalid" and a whole state were found;
 - the uncut write's plan removes the kernel volume first and writes it last.
"""
import hashlib
import os
import random
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
FAILSAFED = os.path.join(BIN, "failsafed_sim_nand")
BOARD = "failsafed,sim-nand"
MiB = 1 << 20
LONG = os.environ.get("FAILSAFED_LONG") == "1"
CUTS = 20 if LONG else 6      # the default run bounded (tools/test.sh --long: the 20)
MAX_BOOTS = 2 * CUTS + 2
APPEND = "memmap=64M$256M qmtd.skip=nandsim"

GUEST = r'''
modprobe phram || echo "QMTD-FAIL modprobe phram"
echo "NAND simulator partition 0,256Mi,64Mi,128ki" >/sys/module/phram/parameters/phram ||
	echo "QMTD-FAIL phram"
M=$(qmtd_mtd "NAND simulator partition 0") || echo "QMTD-FAIL no phram MTD"
qmtd_wait_dev /dev/$M
insmod /qmtd/mtd_wbuf.ko mtd_index=${M#mtd} || echo "QMTD-FAIL mtd_wbuf"   # UBI refuses phram's write buffer of 0
up() { cut -d' ' -f1 /proc/uptime; }
sha() { head -c "$2" "$1" 2>/dev/null | sha256sum | cut -c1-64; }
vol() { qmtd_ubi_vol 0 "$1"; }
va() { cat "/sys/class/ubi/${1##*/}/$2"; }
blank() {   # VOLUME: its first 4 KiB all 0xff or all zeros (nothing a boot loader takes for a kernel)
	[ "$(head -c 4096 "$1" | tr -d '\377' | wc -c)" = 0 ] || [ "$(head -c 4096 "$1" | tr -d '\000' | wc -c)" = 0 ]
}
usable() {   # VOLUME: whole (no update marker, not corrupted)
	[ -n "$1" ] && [ "$(va "$1" upd_marker)" = 0 ] && [ "$(va "$1" corrupted)" = 0 ]
}
state() {   # what the boot loader finds: no kernel to boot, or a kernel and the root beside it
	k=$(vol kernel)
	if ! usable "$k" || blank "$k"; then echo invalid; return; fi
	r=$(vol rootfs)
	usable "$r" || r=/dev/null
	if [ "$(sha $k @N_KA@)" = @KA@ ]; then
		if [ "$(sha $r @N_RA@)" = @RA@ ]; then echo A; else echo bad-kernel-A-root-not-A; fi
	elif [ "$(sha $k @N_KB@)" = @KB@ ]; then
		if [ "$(sha $r @N_RB@)" = @RB@ ]; then echo B; else echo bad-kernel-B-root-not-B; fi
	else
		echo bad-kernel-of-neither
	fi
}
if ! ubiattach -m ${M#mtd} -d 0 >/tmp/attach.out 2>&1; then
	echo "ATTACH failed: $(tail -1 /tmp/attach.out)"
	[ -e /qmtd/first ] || { dmesg | tail -20; echo "QMTD-FAIL attach after a cut"; }
	ubiformat -y -q /dev/$M && ubiattach -m ${M#mtd} -d 0 >/dev/null || echo "QMTD-FAIL format"
fi
qmtd_wait_dev /dev/ubi0
s=$(state)
echo "STATE $s"
mkdir -p /tmp/st /mnt/rom
C="--root /mnt/rom --state-dir /tmp/st --tmp-dir /tmp"
if [ -e /qmtd/first ]; then   # boot 0: UBI formatted above, A written, nothing more
	failsafed sysupgrade -n -q $C /qmtd/a.bin >/tmp/setup.out 2>&1 || { cat /tmp/setup.out; echo "QMTD-FAIL setup"; }
	echo "SETUP-END $(state)"
	qmtd_done
fi
if [ "$s" = A ]; then next=b; else next=a; fi
''' + powercut.TIMED_WRITE + r'''echo "STATE-AFTER-WRITE $(state)"
qmtd_done
'''


def test_nand_whole_qemu_killed_during_writes():
    tmp = tempfile.mkdtemp(prefix="fsd-powercut-nand.")
    boots = []
    try:
        rnd = random.Random(int(os.environ.get("POWERCUT_SEED", "1616")))
        (ka, ra), (kb, rb), files = powercut.image_pair(tmp, rnd, BOARD, (2 * MiB + 1234, 2 * MiB - 777),
                                                        (6 * MiB, 7 * MiB))
        files["/qmtd/first"] = os.path.join(tmp, "first")
        open(files["/qmtd/first"], "w").close()
        script = GUEST
        for k, v in {"KA": hashlib.sha256(ka).hexdigest(), "RA": hashlib.sha256(ra).hexdigest(),
                     "KB": hashlib.sha256(kb).hexdigest(), "RB": hashlib.sha256(rb).hexdigest(),
                     "N_KA": len(ka), "N_RA": len(ra), "N_KB": len(kb), "N_RB": len(rb)}.items():
            script = script.replace("@%s@" % k, str(v))
        t_start = time.monotonic()
        qemu_mtd.setup(BUILD)
        r = subprocess.run([os.path.join(powercut.TOOLS, "mtd-wbuf.sh"), BUILD], capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0, ("tools/qemu-mtd/mtd-wbuf.sh failed", r.stdout + r.stderr)
        files["/qmtd/mtd_wbuf.ko"] = r.stdout.strip()
        first = powercut.make_initramfs(BUILD, FAILSAFED, script, files, ["phram"], "powercut_nand0")
        del files["/qmtd/first"]
        initrd = powercut.make_initramfs(BUILD, FAILSAFED, script, files, ["phram"], "powercut_nand")
        ram = os.path.join(tmp, "ram.img")      # the guest's RAM, phram's 64 MiB at 256 MiB in it

        def check_steps(steps):
            kernel_steps = [i for i, s in enumerate(steps) if "kernel" in s]
            assert steps and kernel_steps and "remove" in steps[kernel_steps[0]] and \
                not any("write" in s for s in steps[:kernel_steps[0]]) and kernel_steps[-1] == len(steps) - 1 and \
                "write the kernel" in steps[-1], ("the kernel volume is not removed first and written last", steps)

        cuts, duration, _ = powercut.cut_loop(BUILD, first, initrd, os.path.dirname(initrd),
                                              ["--mem", "512", "--mem-file", ram], APPEND, CUTS, MAX_BOOTS, rnd,
                                              check_steps, boots)
        assert "SETUP-END A" in boots[0].text(), boots[0].text()[-3000:]
        states = [c[-1] for c in cuts]
        print("  %d cuts inside a write over %d boots in %.0f s; next boots found: %s" % (
            len(cuts), len(boots), time.monotonic() - t_start,
            ", ".join("%s %d" % (s, states.count(s)) for s in sorted(set(states)))), flush=True)
        assert len(cuts) >= CUTS, ("fewer than %d cuts fell inside a write in %d boots" % (CUTS, MAX_BOOTS), cuts)
        # coverage of the write's states needs the long run's 20 cuts: 6 may all land while the kernel is invalid
        # (most of the write); every cut's safety is checked above in any case
        if LONG:
            assert "invalid" in states and ({"A", "B"} & set(states)), ("the cuts all landed alike", cuts)
    finally:
        for b in boots:
            b.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (the QEMU harness installs packages on a new machine)")
        sys.exit(1)
    run_tests([test_nand_whole_qemu_killed_during_writes])
