"""tests/storagefix.py — a scratch router for storage tests: a squashfs rom, an ext4 rootfs_data and a firmware
partition on loop devices this process makes, in a mount namespace of its own; everything detached on exit.

Import it first in a test: it re-executes the test under `unshare -m --propagation private`, so no mount
reaches the host, and registers the loop devices it attaches so they are detached even on failure."""
import atexit
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile

if os.environ.get("FSD_PRIVATE_MOUNTS") != "1":
    os.environ["FSD_PRIVATE_MOUNTS"] = "1"
    os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv)

FAILSAFED = os.environ.get("FAILSAFED", "build/failsafed")
FAILSAFECTL = os.environ.get("FAILSAFECTL", "build/failsafectl")
SRC = os.environ.get("FAILSAFED_SRC_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

_loops = []
_dirs = []


def sh(*argv, check=True, input=None):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120, input=input)
    if check and r.returncode != 0:
        raise RuntimeError("%s: rc %d: %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
    return r


def _mounts_below(d):
    """Mount points at or below d, deepest first (stacked mounts appear once per layer)."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == d or mp.startswith(d + "/"):
                out.append(mp)
    return sorted(out, key=len, reverse=True)


def _cleanup():
    for d in reversed(_dirs):
        for _ in range(32):
            below = _mounts_below(d)
            if not below:
                break
            for mp in below:
                subprocess.run(["umount", "-l", mp], capture_output=True)
    for dev in _loops:
        subprocess.run(["losetup", "-d", dev], capture_output=True)
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda s, f: (_cleanup(), os._exit(128 + s)))


def sha256_file(path, limit=None):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = limit
        while True:
            chunk = f.read(1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
                if not left:
                    break
    return h.hexdigest()


def make_image(payload_path, out_path, boards=("failsafed,sim",), version="1.2.3", extra=()):
    """An OpenWrt sysupgrade image made by the test's own, independent encoder (tests/fwimage_ref.py)."""
    argv = [sys.executable, os.path.join(SRC, "tests", "fwimage_ref.py"), "--version", version]
    for b in boards:
        argv += ["--board", b]
    sh(*(argv + list(extra) + [payload_path, "-o", out_path]))
    return out_path


class Router:
    """rom (squashfs, mounted read-only at root), rootfs_data (ext4) and firmware (zeros) on loop devices."""

    def __init__(self, data_mb=32, firmware_mb=16, rom_files=None, data_fs="ext4"):
        self.dir = tempfile.mkdtemp(prefix="fsd-storage.")
        _dirs.append(self.dir)
        self.root = os.path.join(self.dir, "root")
        self.state = os.path.join(self.dir, "state")
        self.ram = os.path.join(self.dir, "ram")
        for d in (self.root, self.state, self.ram):
            os.mkdir(d)
        sh("mount", "-t", "tmpfs", "-o", "size=96m", "ram", self.ram)   # the board's RAM for received images
        src = os.path.join(self.dir, "romsrc")
        files = {"etc/config/network": "config interface 'lan'\n\toption ipaddr '192.168.1.1'\n",
                 "etc/config/system": "config system\n\toption hostname 'OpenWrt'\n",
                 "etc/passwd": "root:x:0:0:root:/root:/bin/ash\n",
                 "etc/banner": "rom\n"}
        files.update(rom_files or {})
        for rel, text in files.items():
            os.makedirs(os.path.join(src, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(src, rel), "w") as f:
                f.write(text)
        for d in ("overlay", "rom", "tmp", "proc"):
            os.makedirs(os.path.join(src, d), exist_ok=True)
        self.rom_img = os.path.join(self.dir, "rom.sqfs")
        sh("mksquashfs", src, self.rom_img, "-quiet", "-noappend", "-all-root")
        self.rom_sha = sha256_file(self.rom_img)
        self.data_img = os.path.join(self.dir, "data.img")
        self.fw_img = os.path.join(self.dir, "firmware.img")
        with open(self.data_img, "wb") as f:
            f.truncate(data_mb << 20)
        if data_fs:
            sh("mkfs." + data_fs, "-q", "-F", self.data_img)
        with open(self.fw_img, "wb") as f:
            f.truncate(firmware_mb << 20)
        self.rom = self.attach(self.rom_img, read_only=True)
        self.data = self.attach(self.data_img)
        self.fw = self.attach(self.fw_img)
        self.mount_rom()

    def attach(self, path, read_only=False):
        dev = sh(*(["losetup", "-f", "--show"] + (["-r"] if read_only else []) + [path])).stdout.strip()
        _loops.append(dev)
        return dev

    def mount_rom(self):
        sh("mount", "-r", self.rom, self.root)

    def reboot(self):
        """What a reboot leaves: nothing mounted on the root but rom (the overlay is stacked on rom's mount)."""
        while subprocess.run(["mountpoint", "-q", self.root]).returncode == 0:
            sh("umount", "-R", self.root)
        self.mount_rom()

    def applet(self, name, *args, stdin=None, env=None, data=None, firmware=None):
        argv = [FAILSAFED, name, "--root", self.root, "--rootfs-data", data or self.data,
                "--firmware", firmware or self.fw, "--state-dir", self.state]
        if name == "sysupgrade":
            argv += ["--tmp-dir", self.ram]
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=120, input=stdin, env=e)

    def read(self, rel):
        path = os.path.join(self.root, rel)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read()

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def fw_sha(self, limit=None):
        return sha256_file(self.fw, limit)

    def scratch(self, name):
        return os.path.join(self.dir, name)
