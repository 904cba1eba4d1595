#!/usr/bin/env python3
"""tests/test_emmc_flash.py — OpenWrt's eMMC images on a GPT disk as OpenWrt lays them out (emmc.sh), on loop devices
in a mount namespace of the test's own: the sysupgrade tar (plain and gzip'd) and a FIT, each partition byte for byte;
the settings carried raw after the root and restored by mount_root (fstools' rootdisk); refusals with every partition
unchanged; and power cuts at 20 places of a write (the writer killed there, FAILSAFED_CUT_AFTER_BYTES), after each of
which no kernel boots beside a root that is not its own, and a second flash completes.

The disk is named on every command line (--disk, PARTLABEL=...@disk), so no other disk's partitions are looked at."""
import gzip
import hashlib
import os
import random
import subprocess
import tempfile

import storagefix  # noqa: F401  (first: re-executes under unshare -m; loop devices and mounts stay ours)
from storagefix import sh
from fsd import run_tests
import openwrt_images

BIN = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(storagefix.SRC, "build"))
FAILSAFED = os.path.join(BIN, "failsafed_sim_emmc")
BOARD = "failsafed,sim-emmc"
MiB = 1 << 20
PARTS = (("kernel", 16), ("rootfs", 64), ("dtb", 1))


class Disk:
    """A GPT disk image on a loop device: partitions by name; the kernel names them from the GPT, or failsafed reads
    the GPT itself (partx-added partitions carry no PARTNAME)."""

    def __init__(self, parts=PARTS, size_mb=96):
        self.dir = tempfile.mkdtemp(prefix="fsd-emmc.")
        storagefix._dirs.append(self.dir)
        self.img = os.path.join(self.dir, "disk.img")
        with open(self.img, "wb") as f:
            f.truncate(size_mb * MiB)
        table = "label: gpt\n" + "".join('size=%dMiB, name="%s"\n' % (mb, name) for name, mb in parts)
        sh("sfdisk", "-q", self.img, input=table)
        self.dev = sh("losetup", "-f", "--show", "-P", self.img).stdout.strip()
        storagefix._loops.append(self.dev)
        self.name = os.path.basename(self.dev)
        if not os.path.exists(self.dev + "p1"):
            sh("partx", "-a", self.dev)
        self.part = {name: "%sp%d" % (self.dev, i + 1) for i, (name, _) in enumerate(parts)}
        for d in ("root", "state", "ram"):
            os.mkdir(os.path.join(self.dir, d))
        sh("mount", "-t", "tmpfs", "-o", "size=200m", "ram", os.path.join(self.dir, "ram"))

    def read(self, name, n, at=0):
        with open(self.part[name], "rb") as f:
            f.seek(at)
            return f.read(n)

    def sha(self, name):
        with open(self.part[name], "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def shas(self):
        return {name: self.sha(name) for name in self.part}

    def applet(self, name, *args, env=None, check=None):
        argv = [FAILSAFED, name, "--root", os.path.join(self.dir, "root"), "--state-dir", os.path.join(self.dir, "state"),
                "--rootfs-data", "rootdisk:PARTLABEL=rootfs@" + self.name,
                "--firmware", "PARTLABEL=rootfs@" + self.name]
        if name == "sysupgrade":
            argv += ["--disk", self.name, "--tmp-dir", os.path.join(self.dir, "ram")]
        e = dict(os.environ)
        e.update(env or {})
        res = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=120, env=e)
        if check is not None:
            assert res.returncode == check, (argv + list(args), res)
        return res

    def scratch(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path


def unmount_all(path):
    """What a reboot does to the root: every layer mounted on it goes."""
    while subprocess.run(["mountpoint", "-q", path]).returncode == 0:
        sh("umount", "-R", path)


def squashfs(disk, name, banner, pad_mb=0):
    """A real squashfs root (the rootdisk overlay is found after it); pad_mb of random files make it larger."""
    src = os.path.join(disk.dir, name + ".src")
    os.makedirs(os.path.join(src, "etc", "config"))
    with open(os.path.join(src, "etc", "banner"), "w") as f:
        f.write(banner + "\n")
    with open(os.path.join(src, "etc", "config", "system"), "w") as f:
        f.write("config system\n\toption hostname 'OpenWrt'\n")
    if pad_mb:
        with open(os.path.join(src, "pad.bin"), "wb") as f:
            f.write(random.Random(name).randbytes(pad_mb * MiB))
    out = os.path.join(disk.dir, name + ".sqfs")
    sh("mksquashfs", src, out, "-quiet", "-noappend", "-all-root", "-comp", "gzip")
    with open(out, "rb") as f:
        return f.read()


def tar_image(disk, name, kernel, root, dtb=None, gz=False):
    return disk.scratch(name, openwrt_images.sysupgrade_tar(BOARD, kernel=kernel, root=root, dtb=dtb, gz=gz))


def align(n, a):
    return (n + a - 1) // a * a


def test_tar_plain_and_gzipped():
    """emmc_upgrade_tar: kernel, root, dtb each where they belong; -n zeroes the overlay's start after the root."""
    disk = Disk()
    rnd = random.Random(1)
    kernel, dtb = rnd.randbytes(3 * MiB + 17), rnd.randbytes(20000)
    root = squashfs(disk, "r1", "one", pad_mb=5)
    for gz in (False, True):
        disk.scratch("junk", b"\x5a" * 8192)
        sh("dd", "if=" + os.path.join(disk.dir, "junk"), "of=" + disk.part["rootfs"], "bs=4096", "count=2",
           "seek=%d" % (align(len(root), 65536) // 4096), "conv=notrunc", "status=none")
        img = tar_image(disk, "img%d.bin" % gz, kernel, root, dtb, gz=gz)
        res = disk.applet("sysupgrade", "-n", img, check=0)
        out = res.stdout
        assert "Plan (emmc-tar" in out and "Upgrade completed" in out, res
        assert out.index("zero 4096 bytes at 0 of partition kernel") < out.index("write the root") < \
            out.index("write the kernel"), out
        assert disk.read("kernel", len(kernel)) == kernel and disk.read("rootfs", len(root)) == root
        assert disk.read("dtb", len(dtb)) == dtb
        assert disk.read("rootfs", 4096, align(len(root), 65536)) == bytes(4096), "the old overlay is wiped"


def test_fit():
    """emmc_upgrade_fit: the FIT (fwtool trailer left out) onto the kernel partition."""
    disk = Disk()
    its = os.path.join(disk.dir, "fit.its")
    kfile = disk.scratch("k.bin", random.Random(2).randbytes(2 * MiB))
    dts = disk.scratch("t.dts", b"/dts-v1/; / { compatible = \"failsafed,sim-emmc\"; };\n")
    sh("dtc", "-I", "dts", "-O", "dtb", "-o", os.path.join(disk.dir, "t.dtb"), dts)
    with open(its, "w") as f:
        f.write("""/dts-v1/;
/ { description = "test"; #address-cells = <1>;
  images { kernel-1 { data = /incbin/("%s"); type = "kernel"; arch = "arm64"; os = "linux"; compression = "none";
             load = <0x44000000>; entry = <0x44000000>; hash-1 { algo = "crc32"; }; hash-2 { algo = "sha1"; }; };
           fdt-1 { data = /incbin/("%s"); type = "flat_dt"; arch = "arm64"; compression = "none";
             hash-1 { algo = "sha256"; }; }; };
  configurations { default = "config-1"; config-1 { kernel = "kernel-1"; fdt = "fdt-1"; }; }; };
""" % (kfile, os.path.join(disk.dir, "t.dtb")))
    fit = os.path.join(disk.dir, "image.itb")
    sh("mkimage", "-q", "-f", its, "-E", "-B", "0x1000", fit)
    with open(fit, "rb") as f:
        fit_bytes = f.read()
    img = disk.scratch("fit.bin", openwrt_images.with_metadata(fit_bytes, [BOARD]))
    res = disk.applet("sysupgrade", "-n", img, check=0)
    assert "Plan (emmc-fit" in res.stdout, res
    assert disk.read("kernel", len(fit_bytes)) == fit_bytes


def test_settings_carried_and_restored():
    """Settings kept: the archive raw after the new root (emmc_copy_config); mount_root makes the overlay a filesystem
    again and restores them (fstools' rootdisk)."""
    disk = Disk()
    rnd = random.Random(3)
    k1, k2 = rnd.randbytes(MiB), rnd.randbytes(MiB + 5)
    r1, r2 = squashfs(disk, "r1", "one"), squashfs(disk, "r2", "two", pad_mb=2)
    disk.applet("sysupgrade", "-n", tar_image(disk, "one.bin", k1, r1), check=0)
    root = os.path.join(disk.dir, "root")
    sh("mount", "-r", disk.part["rootfs"], root)   # the rom: the squashfs on its partition
    res = disk.applet("mount_root")
    assert res.returncode == 4 and "not formatted" in res.stderr, res
    disk.applet("firstboot", "-y", check=0)
    disk.applet("mount_root", check=0)
    with open(os.path.join(root, "etc", "config", "network"), "w") as f:
        f.write("kept\n")
    unmount_all(root)   # a rehearsal cannot rewrite a mounted rom: sysupgrade looks at rootfs_data itself
    res = disk.applet("sysupgrade", tar_image(disk, "two.bin", k2, r2), check=0)
    assert "config path" in res.stdout and "settings carried to the next boot" in res.stdout, res
    at = align(len(r2), 65536)
    assert disk.read("rootfs", 3, at) == b"\x1f\x8b\x08", ("the archive raw after the root", at, res.stdout)
    sh("mount", "-r", disk.part["rootfs"], root)   # the next boot
    res = disk.applet("mount_root", check=0)
    assert "settings saved by sysupgrade restored" in res.stdout, res
    with open(os.path.join(root, "etc", "config", "network")) as f:
        assert f.read() == "kept\n"
    with open(os.path.join(root, "etc", "banner")) as f:
        assert f.read() == "two\n"
    unmount_all(root)


def test_refusals_change_nothing():
    disk = Disk()
    rnd = random.Random(4)
    before = disk.shas()
    big = tar_image(disk, "big.bin", rnd.randbytes(MiB), rnd.randbytes(70 * MiB))
    res = disk.applet("sysupgrade", big)
    assert res.returncode == 6 and "do not fit partition rootfs" in res.stderr and "nothing written" in res.stderr, res
    res = disk.applet("sysupgrade", "-T", tar_image(disk, "ok.bin", rnd.randbytes(MiB), squashfs(disk, "r", "x")),
                      check=0)
    assert "-T: nothing written" in res.stdout and "Plan (emmc-tar" in res.stdout, res
    other = Disk(parts=(("boot", 16), ("rootfs", 64)))
    res = other.applet("sysupgrade", tar_image(other, "k.bin", rnd.randbytes(MiB), squashfs(other, "r", "x")))
    assert res.returncode == 3 and "no partition kernel" in res.stderr, res
    assert disk.shas() == before


def test_power_cut_never_pairs_a_kernel_with_another_root():
    """The writer killed at 20 places (seeded): the kernel partition then starts with the old kernel (and the old root
    is whole), with zeros (nothing boots), or with the new kernel (and kernel and root are whole and new); never a
    kernel beside a root that is not its own. A second flash then completes."""
    disk = Disk()
    rnd = random.Random(5)
    k_old, k_new = rnd.randbytes(4 * MiB), rnd.randbytes(6 * MiB + 3)
    r_old, r_new = squashfs(disk, "old", "old", pad_mb=6), squashfs(disk, "new", "new", pad_mb=20)
    old_img, new_img = tar_image(disk, "old.bin", k_old, r_old), tar_image(disk, "new.bin", k_new, r_new)
    total = 4096 + len(r_new) + len(k_new) + 4096
    # 19 seeded places, and the last bytes (the new kernel whole, the overlay's start not yet wiped)
    points = sorted(rnd.randrange(1, total) for _ in range(19)) + [total - 1]
    seen = {"old": 0, "invalid": 0, "new": 0}
    for cut in points:
        disk.applet("sysupgrade", "-n", old_img, check=0)
        sh("sh", "-c", "rm -rf %s/*" % os.path.join(disk.dir, "ram"))
        res = disk.applet("sysupgrade", "-n", new_img, env={"FAILSAFED_CUT_AFTER_BYTES": str(cut)})
        assert res.returncode == -9, ("the writer should die at byte %d" % cut, res)
        head = disk.read("kernel", 4096)
        if head == k_old[:4096]:
            state = "old"
            assert disk.read("kernel", len(k_old)) == k_old and disk.read("rootfs", len(r_old)) == r_old, cut
        elif head == bytes(4096):
            state = "invalid"
        elif head == k_new[:4096]:
            state = "new"
            assert disk.read("kernel", len(k_new)) == k_new, ("cut at %d: a new kernel header on a partial kernel" % cut)
            assert disk.read("rootfs", len(r_new)) == r_new, ("cut at %d: the new kernel beside a partial root" % cut)
        else:
            raise AssertionError("cut at %d: the kernel partition starts with neither kernel nor zeros" % cut)
        seen[state] += 1
        print("cut at %9d of %d: %s" % (cut, total, state))
    assert seen["invalid"] >= 1 and seen["new"] >= 1 and seen["new"] + seen["invalid"] == 20, seen
    sh("sh", "-c", "rm -rf %s/*" % os.path.join(disk.dir, "ram"))
    disk.applet("sysupgrade", "-n", new_img, check=0)
    assert disk.read("kernel", len(k_new)) == k_new and disk.read("rootfs", len(r_new)) == r_new


run_tests([test_tar_plain_and_gzipped, test_fit, test_settings_carried_and_restored, test_refusals_change_nothing,
           test_power_cut_never_pairs_a_kernel_with_another_root])
