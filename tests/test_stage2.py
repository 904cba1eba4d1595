#!/usr/bin/env python3
"""tests/test_stage2.py — flashing the storage the running root sits on, on this host: an eMMC-like GPT disk on a loop
device, its rootfs partition holding a squashfs rom (BusyBox, the sim-emmc failsafed with its libraries) mounted and
chrooted into, failsafed in failsafe running from it with its console shell on a pty.

Everything runs in a mount and a PID namespace of the test's own (unshare -m -p -f --mount-proc): the processes
stage2 stops, the mounts it moves and lets go, are the test's. Cases:
  - the console's `sysupgrade --no-stage2`: refused with the target and what holds it (exit 44), every partition
    byte-identical, the daemon and its rom untouched;
  - the console's `sysupgrade`: handed over (exit 43), the shell told and ended, failsafed moved into RAM
    (pivot_root; the rom let go), the flash run from there, the partitions holding the new bytes, the console saying
    so, the reboot command run;
  - a write error (the rootfs partition made read-only with BLKROSET before the flash): the flash from RAM fails after
    the kernel was invalidated; failsafed stays in failsafe from RAM (its program in RAM, a new console shell from
    RAM), says what failed on the console and in `failsafed status`, shows the failed LED pattern; the partition
    made writable again from that shell, the next sysupgrade writes at once (nothing holds the storage any more).
"""
import os
import sys

if os.environ.get("FSD_STAGE2_NS") != "1":
    os.environ["FSD_STAGE2_NS"] = "1"
    os.execvp("unshare", ["unshare", "-m", "-p", "-f", "--mount-proc", "--propagation", "private", sys.executable]
              + sys.argv)

import hashlib
import pty
import random
import re
import select
import shutil
import subprocess
import tempfile
import time

from fsd import run_tests
import openwrt_images
import stage2rom

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(SRC, "build"))
FAILSAFED = os.path.join(BIN, "failsafed_sim_emmc")
BOARD = "failsafed,sim-emmc"
MiB = 1 << 20
PARTS = (("kernel", 8), ("rootfs", 48), ("dtb", 1))


def sh(*argv, check=True, input=None):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120, input=input)
    if check and r.returncode != 0:
        raise AssertionError("%s: rc %d: %s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


def make_rom(tmp, banner):
    return stage2rom.make_rom(tmp, banner, FAILSAFED)


class Board:
    """The disk, the rom mounted from it, failsafed chrooted into the rom on a pty console."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="fsd-stage2.")
        self.img = os.path.join(self.tmp, "disk.img")
        with open(self.img, "wb") as f:
            f.truncate(64 * MiB)
        sh("sfdisk", "-q", self.img, input="label: gpt\n" + "".join('size=%dMiB, name="%s"\n' % (mb, n)
                                                                     for n, mb in PARTS))
        self.dev = sh("losetup", "-f", "--show", "-P", self.img).stdout.strip()
        self.name = os.path.basename(self.dev)
        for _ in range(20):
            if os.path.exists(self.dev + "p2"):
                break
            time.sleep(0.05)
        else:
            sh("partx", "-a", self.dev)
        if not os.path.exists(self.dev + "p2"):
            raise AssertionError("no partition nodes for %s" % self.dev)
        self.part = {n: "%sp%d" % (self.dev, i + 1) for i, (n, _) in enumerate(PARTS)}
        self.daemon = None
        self.master = None
        self.out = b""

    def write_part(self, name, data):
        with open(self.part[name], "r+b") as f:
            f.write(data)

    def read_part(self, name, n):
        with open(self.part[name], "rb") as f:
            return f.read(n)

    def sha(self, name):
        with open(self.part[name], "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def boot(self, kernel, rom):
        """The kernel and the rom on the disk, the rom mounted and failsafed started from it (failsafe=)."""
        self.write_part("kernel", kernel)
        self.write_part("rootfs", rom)
        self.rom = os.path.join(self.tmp, "root")
        os.makedirs(self.rom)
        sh("mount", "-t", "squashfs", "-o", "ro", self.part["rootfs"], self.rom)
        sh("mount", "-t", "proc", "proc", os.path.join(self.rom, "proc"))
        sh("mount", "-t", "sysfs", "sysfs", os.path.join(self.rom, "sys"))
        sh("mount", "--rbind", "/dev", os.path.join(self.rom, "dev"))
        sh("mount", "-t", "tmpfs", "-o", "size=200m", "tmp", os.path.join(self.rom, "tmp"))
        self.master, slave = pty.openpty()
        tty = os.ttyname(slave)
        os.close(slave)
        argv = ["chroot", self.rom, "/usr/sbin/failsafed", "--cmdline", "/etc/cmdline", "--state-dir", "/tmp",
                "--sim-dir", "/tmp/sim", "--console", tty, "--no-ssh", "--no-http", "-v",
                "--reboot-cmd", "/sbin/fake-reboot",
                "--rootfs-data", "rootdisk:PARTLABEL=rootfs@" + self.name,
                "--firmware", "PARTLABEL=rootfs@" + self.name]
        self.log = open(os.path.join(self.tmp, "daemon.log"), "wb")
        self.daemon = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        self.expect("- failsafe -", 15)
        self.expect("#", 10)

    # ---- console ----
    def read(self, timeout_s=0.05):
        end = time.monotonic() + timeout_s
        while True:
            r, _, _ = select.select([self.master], [], [], max(end - time.monotonic(), 0))
            if not r:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.out += chunk

    def expect(self, text, timeout_s=10, after=0):
        end = time.monotonic() + timeout_s
        while True:
            pos = self.out.find(text.encode(), after)
            if pos >= 0:
                return pos + len(text)
            if time.monotonic() > end:
                raise AssertionError("console never showed %r in %d s:\n%s\n--- daemon's log:\n%s" % (
                    text, timeout_s, self.out.decode(errors="replace")[-6000:], self.daemon_log()[-6000:]))
            self.read(0.1)

    def type(self, line):
        os.write(self.master, (line + "\n").encode())

    def run(self, command, timeout_s=60):
        """command on the console shell; its output and exit status (marks around them)."""
        tag = "%08x" % random.getrandbits(32)
        start = len(self.out)
        self.type("%s; printf 'RC-%%s=%%s\\n' %s $?" % (command, tag))   # its echo has no "RC-tag="
        end = self.expect("RC-%s=" % tag, timeout_s, start)
        self.expect("\n", 5, end)
        rc = int(re.match(rb"(\d+)", self.out[end:]).group(1))
        return rc, self.out[start:end].decode(errors="replace")

    def daemon_log(self):
        with open(os.path.join(self.tmp, "daemon.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def status(self):
        r = subprocess.run([FAILSAFED, "status", "--state-dir", os.path.join(self.rom, "tmp")],
                           capture_output=True, text=True, timeout=10)
        return r.stdout + r.stderr

    def daemon_pid(self):
        m = re.search(r"pid (\d+)", self.status())
        return int(m.group(1)) if m else None

    def mounts(self):
        with open("/proc/self/mountinfo") as f:
            return f.read()

    def close(self):
        if os.environ.get("SHOW_CONSOLE"):
            print(self.out.decode(errors="replace"), "\n--- daemon's log:\n", self.daemon_log())
        for p in os.listdir("/proc"):
            if p.isdigit() and int(p) != os.getpid():
                try:
                    os.kill(int(p), 9)
                except OSError:
                    pass
        if self.daemon:
            try:
                self.daemon.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for _ in range(8):
            below = [l.split()[4] for l in self.mounts().splitlines() if l.split()[4].startswith(self.tmp)]
            if not below:
                break
            for mp in sorted(below, key=len, reverse=True):
                subprocess.run(["umount", "-l", mp], capture_output=True)
        sh("blockdev", "--setrw", self.part["rootfs"], check=False)
        sh("losetup", "-d", self.dev, check=False)
        if os.environ.get("KEEP_STAGE2_DIR"):
            print("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def image(b, kernel, root):
    path = os.path.join(b.rom, "tmp", "img.bin")
    with open(path, "wb") as f:
        f.write(openwrt_images.sysupgrade_tar(BOARD, kernel=kernel, root=root))
    return "/tmp/img.bin"


def test_refused_without_stage2_then_flashed_from_ram():
    b = Board()
    try:
        rnd = random.Random(20)
        k1, k2 = rnd.randbytes(3 * MiB + 5), rnd.randbytes(2 * MiB + 11)
        r1, r2 = make_rom(b.tmp, "one"), make_rom(b.tmp, "two")
        b.boot(k1, r1)
        pid = b.daemon_pid()
        img = image(b, k2, r2)
        before = {n: b.sha(n) for n in b.part}
        # refused: nothing written, nothing stopped
        rc, out = b.run("sysupgrade -n --no-stage2 --disk %s %s" % (b.name, img))
        assert rc == 44, out
        assert re.search(r"partition rootfs is in use: %sp2 is mounted at / \(squashfs\)" % b.name, out), out
        assert "nothing written" in out, out
        assert {n: b.sha(n) for n in b.part} == before
        assert b.daemon_pid() == pid
        # -T says a flash would go through RAM
        rc, out = b.run("sysupgrade -n -T --disk %s %s" % (b.name, img))
        assert rc == 0 and "failsafed would write it from RAM" in out, out
        # handed over: the shell is told and ends, the daemon moves, the flash runs from RAM
        start = len(b.out)
        b.type("sysupgrade -n --disk %s %s" % (b.name, img))
        b.expect("failsafed took it over", 30, start)
        b.expect("this shell ends", 10, start)
        t0 = time.monotonic()
        b.expect("flashed from RAM and read back", 60, start)
        t_flash = time.monotonic() - t0
        for _ in range(100):
            if os.path.exists(os.path.join(b.rom, "tmp", "rebooted")):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the reboot command never ran:\n" + b.out.decode(errors="replace")[-3000:])
        assert b.read_part("kernel", len(k2)) == k2
        assert b.read_part("rootfs", len(r2)) == r2
        new_pid = b.daemon_pid()
        assert new_pid == pid, "the same daemon process goes on (exec, not a new one): %s %s" % (pid, new_pid)
        mounts = b.mounts()
        assert " squashfs %s " % b.part["rootfs"] not in mounts, mounts
        st = b.status()
        assert "stage2:  done: rebooting" in st, st
        con = b.out[start:].decode(errors="replace")
        for want in ("Plan (emmc-tar", "Step 2/4: write the root", "Written and read back"):
            assert want in con, (want, con)
        print("  handed over to flashed and read back from RAM: %.1f s (%.1f MiB)" % (t_flash, (len(k2) + len(r2)) / MiB))
    finally:
        b.close()


def test_write_error_stays_in_failsafe_from_ram():
    b = Board()
    try:
        rnd = random.Random(21)
        k1, k2 = rnd.randbytes(2 * MiB), rnd.randbytes(2 * MiB + 3)
        r1, r2 = make_rom(b.tmp, "one"), make_rom(b.tmp, "two")
        b.boot(k1, r1)
        img = image(b, k2, r2)
        sh("blockdev", "--setro", b.part["rootfs"])   # the kernel refuses writes to it (BLKROSET)
        start = len(b.out)
        b.type("sysupgrade -n --disk %s %s" % (b.name, img))
        b.expect("failsafed took it over", 30, start)
        b.expect("failed: the flash from RAM ended with exit code 1", 60, start)
        con = b.out[start:].decode(errors="replace")
        assert "the old firmware is already partly gone" in con, con
        st = b.status()
        assert "stage2:  failed:" in st and "failsafe" in st, st
        assert "LEDs:    boot 1000/200" in st, st     # the failed pattern, on the one LED this board has
        assert b.read_part("kernel", 4096) == bytes(4096), "the kernel was invalidated before the root failed"
        # failsafe goes on from RAM: a new console shell, the daemon's program in RAM, the rom let go
        b.type("")
        rc, out = b.run("echo $((6*7)); cat /etc/banner 2>&1; ls /old 2>&1")
        assert "42" in out and "/old: No such file" in out, out
        assert "one" not in out.split("42", 1)[1], ("the rom is no longer there", out)
        rc, out = b.run("readlink /proc/$(pidof failsafed)/exe; grep -c squashfs /proc/mounts; true")
        assert rc == 0 and "/usr/sbin/failsafed" in out and "\n0" in out.replace("\r", ""), out
        assert " squashfs %s " % b.part["rootfs"] not in b.mounts()
        # the user repairs and flashes again: nothing holds the storage now, it is written at once
        sh("blockdev", "--setrw", b.part["rootfs"])
        rc, out = b.run("sysupgrade -n --disk %s %s" % (b.name, img), 120)
        assert rc == 0 and "Upgrade completed" in out and "handing the flash" not in out, out
        assert b.read_part("kernel", len(k2)) == k2 and b.read_part("rootfs", len(r2)) == r2
    finally:
        b.close()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (loop devices, mount and PID namespaces)")
        sys.exit(1)
    run_tests([test_refused_without_stage2_then_flashed_from_ram, test_write_error_stays_in_failsafe_from_ram])
