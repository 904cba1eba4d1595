#!/usr/bin/env python3
"""tests/test_powercut_ab.py — the dual-firmware board (boards/sim_ab.c: Linksys-style boot_part 1/2, raw
kernelN beside UBI rootfsN, the boot counter in s_env) with the whole QEMU killed (SIGKILL, by its PID) at 20 or more
random moments of a sysupgrade: whatever boot_part the next boot reads, the slot it selects holds a whole image, and
when boot_part was not switched yet, that slot is byte for byte the one that booted before the cut.

The flash is five phram MTDs over 24 MiB of guest RAM the kernel leaves alone (memmap=24M$256M), RAM that is a host
file (run.sh --mem-file), named as sim-ab's table names nandsim's partitions (kernel1 2 MiB, rootfs1 8 MiB, kernel2,
rootfs2, s_env 256 KiB; erase blocks of 128 KiB; NOR-like, so the boot counter's records are 16 bytes apart);
tools/qemu-mtd/mtd-wbuf.sh's fixture module gives them the write-buffer size UBI wants (Linux 6.1's phram leaves it
0). The U-Boot environment (boot_part=1, made by mkenvimage) is on a virtio disk (run.sh --drive, cache=writethrough):
libubootenv takes no RAM-type MTD. Boot 0 formats both UBI partitions, writes the counter log, and writes image A
into slot 1 (sysupgrade -s, the running slot). Every later boot reads boot_part (fw_printenv)
and the selected slot (its kernel's first 4 KiB, then kernel and root bytes against A's and B's: "slotN-A"), then
writes the image the selected slot does not hold, which goes to the other slot and switches boot_part; boot 1 is
never cut and gives the write's length, later boots are cut at a uniform random moment of it (tests/powercut.py).
Checked: the selected slot is always whole ("slotN-A" or "slotN-B", never "invalid" or mixed); a cut after which
boot_part is unchanged left that slot exactly as it was; one after which it changed left the new image whole there;
both kinds were seen; the plan writes the other slot, then sets the environment, then resets the counter.
"""
import hashlib
import os
import random
import shutil
import struct
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
FAILSAFED = os.path.join(BIN, "failsafed_sim_ab")
BOARD = "failsafed,sim-ab"
MiB = 1 << 20
LONG = os.environ.get("FAILSAFED_LONG") == "1"
CUTS = 20 if LONG else 6      # the default run bounded (tools/test.sh --long: the 20)
MAX_BOOTS = 2 * CUTS + 2
APPEND = "memmap=24M$256M qmtd.skip=nandsim"

GUEST = r'''
modprobe phram || echo "QMTD-FAIL modprobe phram"
mk() { echo "NAND simulator partition $1,$2,$3,128ki" >/sys/module/phram/parameters/phram || echo "QMTD-FAIL phram $1"; }
mk 0 256Mi 2Mi; mk 1 258Mi 8Mi; mk 2 266Mi 2Mi; mk 3 268Mi 8Mi; mk 5 276Mi 256ki
insmod /qmtd/mtd_wbuf.ko || echo "QMTD-FAIL mtd_wbuf"   # UBI refuses phram's write buffer of 0
for i in 0 1 2 3 5; do eval "p$i=\$(qmtd_mtd 'NAND simulator partition $i')" || echo "QMTD-FAIL no partition $i"; done
# the U-Boot environment: libubootenv takes no RAM-type MTD, so it is on a virtio disk (what it was told is written
# is in the host file: cache=writethrough)
modprobe virtio_pci && modprobe virtio_blk || echo "QMTD-FAIL modprobe virtio_blk"
qmtd_wait_dev /dev/vda 100 || echo "QMTD-FAIL no /dev/vda"
echo "/dev/vda 0x0 0x20000" >/etc/fw_env.config
up() { cut -d' ' -f1 /proc/uptime; }
sha() { head -c "$2" "$1" 2>/dev/null | sha256sum | cut -c1-64; }
va() { cat "/sys/class/ubi/${1##*/}/$2"; }
blank() {   # DEV: its first 4 KiB all 0xff or all zeros (nothing a boot loader takes for a kernel)
	[ "$(head -c 4096 "$1" | tr -d '\377' | wc -c)" = 0 ] || [ "$(head -c 4096 "$1" | tr -d '\000' | wc -c)" = 0 ]
}
slot() {   # N: what slot N holds: A, B, invalid (no kernel), or bad-... (a kernel beside a root not its own)
	eval "k=/dev/\$p$(( 2 * ($1 - 1) ))" "u=\$p$(( 2 * ($1 - 1) + 1 ))"
	if blank "$k"; then echo invalid; return; fi
	ubidetach -m ${u#mtd} >/dev/null 2>&1
	r=/dev/null
	if ubiattach -m ${u#mtd} -d 1 >/dev/null 2>&1; then
		r=$(qmtd_ubi_vol 1 rootfs) && [ "$(va "$r" upd_marker)" = 0 ] && [ "$(va "$r" corrupted)" = 0 ] || r=/dev/null
	fi
	if [ "$(sha $k @N_KA@)" = @KA@ ]; then
		if [ "$(sha $r @N_RA@)" = @RA@ ]; then echo A; else echo bad-kernel-A-root-not-A; fi
	elif [ "$(sha $k @N_KB@)" = @KB@ ]; then
		if [ "$(sha $r @N_RB@)" = @RB@ ]; then echo B; else echo bad-kernel-B-root-not-B; fi
	else
		echo bad-kernel-of-neither
	fi
	ubidetach -d 1 >/dev/null 2>&1
}
slotsum() { eval "k=/dev/\$p$(( 2 * ($1 - 1) ))" "u=/dev/\$p$(( 2 * ($1 - 1) + 1 ))"; cat $k $u | md5sum | cut -c1-16; }
mkdir -p /tmp/st /mnt/rom
C="--root /mnt/rom --state-dir /tmp/st --tmp-dir /tmp"
if [ -e /qmtd/first ]; then   # boot 0: both UBI partitions formatted, environment and counter log, A into slot 1
	for u in $p1 $p3; do ubiformat -y -q /dev/$u || echo "QMTD-FAIL ubiformat $u"; done
	flashcp /qmtd/bootlog.bin /dev/$p5 || echo "QMTD-FAIL s_env"
	failsafed sysupgrade -n -q -s $C /qmtd/a.bin >/tmp/setup.out 2>&1 || { cat /tmp/setup.out; echo "QMTD-FAIL setup"; }
	echo "SETUP-END boot_part=$(fw_printenv -n boot_part 2>/dev/null) slot1-$(slot 1)"
	qmtd_done
fi
bp=$(fw_printenv -n boot_part 2>/dev/null) || bp=unreadable
s=none
case $bp in
1|2) s=$(slot $bp); st="slot$bp-$s:$(slotsum $bp)"
     case $s in A|B) ;; *) st="bad-$st" ;; esac ;;   # the selected slot must always boot
*) st="bad-boot_part-$bp" ;;
esac
echo "STATE $st"
if [ "$s" = A ]; then next=b; else next=a; fi
ubidetach -d 1 >/dev/null 2>&1
''' + powercut.TIMED_WRITE + r'''bp=$(fw_printenv -n boot_part 2>/dev/null)
echo "STATE-AFTER-WRITE slot$bp-$(slot $bp)"
qmtd_done
'''


def test_ab_whole_qemu_killed_during_writes():
    tmp = tempfile.mkdtemp(prefix="fsd-powercut-ab.")
    boots = []
    try:
        rnd = random.Random(int(os.environ.get("POWERCUT_SEED", "1617")))
        (ka, ra), (kb, rb), files = powercut.image_pair(tmp, rnd, BOARD, (1 * MiB + 1234, 1 * MiB - 777),
                                                        (3 * MiB, 4 * MiB))
        files.update({"/qmtd/first": os.path.join(tmp, "first"), "/qmtd/bootlog.bin": os.path.join(tmp, "bootlog.bin")})
        open(files["/qmtd/first"], "w").close()
        with open(os.path.join(tmp, "uenv.txt"), "w") as f:
            f.write("boot_part=1\nbootcmd=run nandboot\nbootdelay=1\n")
        env = os.path.join(tmp, "env.img")   # the environment's disk: mkenvimage's 128 KiB, then zeros to 1 MiB
        subprocess.run(["mkenvimage", "-s", "0x20000", "-o", env, os.path.join(tmp, "uenv.txt")], check=True,
                       capture_output=True)
        with open(env, "r+b") as f:
            f.truncate(MiB)
        with open(files["/qmtd/bootlog.bin"], "wb") as f:   # U-Boot's boot counter records, 16 bytes apart (NOR)
            for c in (1, 2, 3):
                f.write(struct.pack("<III", 0x20110811, c, 0x20110811 + c) + b"\xff" * 4)
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
        first = powercut.make_initramfs(BUILD, FAILSAFED, script, files, ["phram", "virtio_pci", "virtio_blk"],
                                       "powercut_ab0")
        del files["/qmtd/first"]
        initrd = powercut.make_initramfs(BUILD, FAILSAFED, script, files, ["phram", "virtio_pci", "virtio_blk"],
                                         "powercut_ab")
        ram = os.path.join(tmp, "ram.img")

        def check_steps(steps):
            env = [i for i, s in enumerate(steps) if "environment" in s or "boot_part" in s]
            writes = [i for i, s in enumerate(steps) if s.startswith("write ")]
            assert env and writes and max(writes) < env[0] and "partition 2" in steps[writes[-1]], \
                ("the other slot is not written before the switch", steps)

        cuts, duration, steps = powercut.cut_loop(BUILD, first, initrd, os.path.dirname(initrd),
                                                  ["--mem", "512", "--mem-file", ram, "--drive", env], APPEND, CUTS,
                                                  MAX_BOOTS, rnd, check_steps, boots)
        assert "SETUP-END boot_part=1 slot1-A" in boots[0].text(), boots[0].text()[-3000:]
        kept = switched = 0
        for delay, what, said, before, after in cuts:
            slot0, slot1 = before.split("-", 1)[0], after.split("-", 1)[0]
            if slot0 == slot1:   # not switched: the old slot exactly as it was (its image and every byte)
                assert before == after, ("a cut before the switch changed the selected slot", delay, said, before,
                                         after)
                kept += 1
            else:                # switched: the new image whole in the new slot
                assert after.split("-", 1)[1].split(":")[0] == what, (
                    "the switch came before the new slot was whole", delay, said, before, after)
                switched += 1
        print("  %d cuts inside a write over %d boots in %.0f s: %d left the old slot selected and unchanged, %d found "
              "the switch made and the new slot whole" % (len(cuts), len(boots), time.monotonic() - t_start, kept,
                                                          switched), flush=True)
        assert len(cuts) >= CUTS, ("fewer than %d cuts fell inside a write in %d boots" % (CUTS, MAX_BOOTS), cuts)
        if LONG:   # 6 cuts may all come after the switch on a fast write; each cut's outcome is checked above
            assert kept, ("no cut came before the switch", cuts)
    finally:
        for b in boots:
            b.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (the QEMU harness installs packages on a new machine)")
        sys.exit(1)
    run_tests([test_ab_whole_qemu_killed_during_writes])
