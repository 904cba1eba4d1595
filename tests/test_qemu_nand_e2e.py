#!/usr/bin/env python3
"""tests/test_qemu_nand_e2e.py — OpenWrt NAND images flashed end to end onto a QEMU board whose storage is NAND/UBI,
from a PC on its LAN port, as a user recovering a Filogic-style router would: `failsafectl recover` and the recovery
page in a browser's way (a multipart form upload, then the page's flash form).

The board is boards/qemu_malta_nand.c: the static musl mipsel failsafed on QEMU's MIPS Malta with Debian's
4kc-malta kernel (tools/qemu-malta/ with --nand), failsafed started by the archive's /init as on a router, its
storage nandsim (256 MiB NAND, 2 KiB pages, 128 KiB erase blocks) whose first partition (32 MiB) is the board's UBI
partition; nothing is attached or formatted before failsafed runs: the NAND starts blank. (Debian's arm64 kernel has
no NAND simulator, see the board file.) The PC is a network namespace made here with the Malta's NIC as a tap in
it (192.168.1.2/24), deleted at exit even on failure; nothing touches the host's own network.

One boot, in order, each flash checked inside the guest over telnet (every UBI volume: name, type, size in erase
blocks, SHA-256 of its whole contents, against what nand.sh would have made of the image):
 1. the board powers on with `failsafectl recover FACTORY --yes` already waiting on the PC; at "press the button
    now" the console's 'f' + Enter (the Malta has no buttons) enters failsafe; recover uploads a ubinized factory
    image (kernel, rootfs, rootfs_data and a U-Boot environment volume "ubootenv"), the board checks and writes it
    onto the blank NAND (formatted as ubiformat would) and recover says "Upgrade completed";
 2. `failsafectl recover` with OpenWrt's NAND sysupgrade tar (made as scripts/sysupgrade-tar.sh makes it): kernel and
    rootfs volumes of the members' sizes with their bytes, an empty rootfs_data with the rest, ubootenv untouched;
 3. a tar for another board: recover says in one line that the board is not one the image is for and sends
    nothing; every volume byte-identical;
 4. the recovery page: the tar for another board uploaded as a browser's form is refused (422) and cannot be
    flashed (409), nothing written; then another OpenWrt tar uploaded as a browser's form (multipart, 303 to the
    page), the page shows its checks and the flash form, the form's flash is posted (settings not kept), the page
    ends with "Upgrade completed", and the volumes are the new tar's with ubootenv untouched.
Setup failures make the test FAIL with the reason (never a skip).
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
import netns  # noqa: E402  (its atexit/signal handlers delete our namespaces)
import openwrt_images  # noqa: E402
import qemu_mtd  # noqa: E402
from fsd import FAILSAFECTL, PROMPT_F, run_tests  # noqa: E402
from netns import sh  # noqa: E402
from qemu_guest import Guest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools", "qemu-malta")
DIR = os.environ.get("QEMU_MALTA_DIR") or os.path.join(
    os.environ.get("FAILSAFED_BIN_DIR") or os.path.join(ROOT, "build"), "qemu-malta")
BOARD = "failsafed,qemu-malta-nand"
TAP = "mtap0"                       # made inside the test's namespace only: it never exists on the host
UBI_PARTS = 256                     # fsd.nand=: the UBI partition is nandsim's first 256 erase blocks, 32 MiB
LEB = 129024                        # 128 KiB erase blocks, 2 KiB pages, 512-byte sub-pages: UBI's LEB
PEB = 128 << 10
MiB = 1 << 20
BOOT_TIMEOUT_S = 120.0
URL = "http://192.168.1.1"

# In the guest (copied in with mkinitramfs.sh --extra): one line per UBI volume of the attached device, and one
# for the device. A dynamic volume's data_bytes is its whole size: the SHA-256 is of everything it holds.
UBI_REPORT = r'''#!/bin/sh
# /usr/bin/ubi-report — every volume of UBI device 0 (tests/test_qemu_nand_e2e.py reads these lines)
if [ ! -e /sys/class/ubi/ubi0 ]; then echo "UBI none"; exit 0; fi
for d in /sys/class/ubi/ubi0_*; do
	[ -e "$d/name" ] || continue
	b=$(cat "$d/data_bytes")
	echo "VOL $(cat "$d/name") $(cat "$d/type") $(cat "$d/reserved_ebs") $(head -c "$b" "/dev/${d##*/}" | sha256sum | cut -c1-64)"
done
echo "UBI mtd=$(cat /sys/class/ubi/ubi0/mtd_num) leb=$(cat /sys/class/ubi/ubi0/eraseblock_size) avail=$(cat /sys/class/ubi/ubi0/avail_eraseblocks)"
'''

_setup = {}


def initrd_path():
    return os.path.join(DIR, "initramfs-nand.cpio")


def ensure_setup():
    """setup.sh --nand and mkinitramfs.sh --nand once per process; raise with their output if the host cannot."""
    if "error" in _setup:
        raise AssertionError("the Malta NAND board could not be set up (the first failure says why): "
                             + _setup["error"].splitlines()[0])
    if "done" in _setup:
        return _setup["done"]
    start = time.monotonic()
    extra = tempfile.mkdtemp(prefix="fsd-nand-extra.")
    try:
        os.makedirs(os.path.join(extra, "usr", "bin"))
        with open(os.path.join(extra, "usr", "bin", "ubi-report"), "w") as f:
            f.write(UBI_REPORT)
        os.chmod(os.path.join(extra, "usr", "bin", "ubi-report"), 0o755)
        for argv in ([os.path.join(TOOLS, "setup.sh"), DIR, "--nand"],
                     [os.path.join(TOOLS, "mkinitramfs.sh"), DIR, "--failsafed", os.path.join(DIR, "build-nand",
                      "failsafed"), "--nand", "--extra", extra, "--out", initrd_path()]):
            try:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=3000)
                ok, out = r.returncode == 0, r.stdout + r.stderr
            except (OSError, subprocess.TimeoutExpired) as e:
                ok, out = False, str(e)
            if not ok:
                _setup["error"] = ("the QEMU Malta NAND board cannot be set up on this host (%s failed): it needs "
                                   "qemu-system-mips, the mipsel cross compiler with musl-dev:mipsel, Debian's mipsel "
                                   "kernel and busybox (network access to the package mirror on the first run, root "
                                   "for apt):\n%s" % (os.path.basename(argv[0]), out.strip()))
                raise AssertionError(_setup["error"])
    finally:
        shutil.rmtree(extra, ignore_errors=True)
    _setup["done"] = time.monotonic() - start
    return _setup["done"]


class Pc:
    """A network namespace with the tap 'mtap0' at 192.168.1.2/24: the PC on the board's LAN port."""

    def __init__(self):
        self.ns = "fsd-nand-%d" % os.getpid()
        netns.add(self.ns)                 # deleted by close() or, whatever happens, at exit
        sh("ip", "-n", self.ns, "tuntap", "add", "dev", TAP, "mode", "tap")
        sh("ip", "-n", self.ns, "addr", "add", "192.168.1.2/24", "dev", TAP)
        sh("ip", "-n", self.ns, "link", "set", TAP, "up")

    def cmd(self):
        return ["ip", "netns", "exec", self.ns]

    def run(self, *argv, timeout=120):
        return subprocess.run(self.cmd() + list(argv), capture_output=True, text=True, timeout=timeout)

    def close(self):
        netns.remove(self.ns)


class NandBoard(Guest):
    """One boot of the Malta NAND board in the PC's namespace (its NIC the tap there)."""

    def __init__(self, pc):
        ensure_setup()
        rundir = tempfile.mkdtemp(prefix="fsd-nand-e2e.")
        argv = pc.cmd() + [os.path.join(TOOLS, "run.sh"), "--dir", DIR, "--run", rundir, "--tap", TAP,
                           "--initrd", initrd_path(), "--append", "fsd.nand=%d" % UBI_PARTS]
        super().__init__(argv, rundir)


# Debian's telnet driven by expect: log in, run one command, print its output between markers. The command is
# in Tcl braces (no substitution); busybox ash asks the terminal for the cursor position (ESC [ 6 n) after its
# prompt; the end marker is computed by the shell, so the echoed command line never matches it.
TELNET = r'''
set timeout 120
log_user 1
spawn -noecho telnet 192.168.1.1
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "NO-BANNER"; exit 2 }
    eof { puts "NO-CONNECTION"; exit 2 }
}
expect {
    -re {[#$] (\033\[6n)?$} {}
    timeout { puts "NO-PROMPT"; exit 3 }
}
send {echo OUT-$((20+1)); COMMAND; echo OUT-$((40+2))}
send "\r"
expect {
    "OUT-42" {}
    timeout { puts "NO-END"; exit 4 }
}
expect -re {[#$] (\033\[6n)?$}
send "exit\r"
expect eof
'''


def guest_run(b, pc, command):
    """COMMAND run on the board over telnet from the PC; its output."""
    assert "{" not in command and "}" not in command, command
    r = pc.run("expect", "-c", TELNET.replace("COMMAND", command), timeout=180)
    out = r.stdout.replace("\r", "")
    m = re.search(r"\nOUT-21\n(.*?)OUT-42\n", out, re.S)
    if r.returncode != 0 or not m:
        b.fail("telnet %r failed (rc %d):\n%s%s" % (command, r.returncode, out, r.stderr))
    return m.group(1)


def report(b, pc):
    """{volume name: (type, LEBs, sha256)} and the device line, as the guest's ubi-report reads them."""
    out = guest_run(b, pc, "ubi-report")
    vols = {}
    for m in re.finditer(r"^VOL (\S+) (\S+) (\d+) ([0-9a-f]{64})$", out, re.M):
        vols[m.group(1)] = (m.group(2), int(m.group(3)), m.group(4))
    dev = re.search(r"^UBI (.*)$", out, re.M)
    if not dev:
        b.fail("no UBI line from ubi-report:\n%s" % out)
    return vols, dev.group(1)


def lebs(n):
    return -(-n // LEB)


def vol(data, n_lebs=None):
    """What a dynamic volume holding data reads as: data, then 0xff to its end ((type, LEBs, sha256))."""
    n = n_lebs if n_lebs is not None else lebs(len(data))
    return ("dynamic", n, hashlib.sha256(data + b"\xff" * (n * LEB - len(data))).hexdigest())


def squashfs(tmp, name, banner, pad_bytes):
    d = os.path.join(tmp, name)
    os.makedirs(os.path.join(d, "etc"))
    with open(os.path.join(d, "etc", "banner"), "w") as f:
        f.write(banner + "\n")
    with open(os.path.join(d, "pad.bin"), "wb") as f:
        f.write(random.Random(name).randbytes(pad_bytes))
    with open(qemu_mtd.make_squashfs(d, os.path.join(tmp, name + ".sqfs")), "rb") as f:
        return f.read()


def write(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def recover(pc, *args, timeout=600):
    """failsafectl recover in the PC's namespace: (exit status, output)."""
    r = pc.run(FAILSAFECTL, "recover", *args, timeout=timeout)
    return r.returncode, (r.stdout + r.stderr)


def curl(pc, *args, json_accept=True, timeout=300):
    """(HTTP status, body) of one curl in the PC's namespace."""
    argv = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", str(timeout)]
    if json_accept:
        argv += ["-H", "Accept: application/json"]
    r = pc.run(*(argv + list(args)), timeout=timeout + 10)
    body, _, code = r.stdout.rpartition("\n")
    assert r.returncode == 0, (args, r.returncode, r.stderr)
    return int(code), body


def wait_done(b, pc, timeout_s=600):
    """Poll the page's /status until the flash ended; its JSON text."""
    end = time.monotonic() + timeout_s
    while True:
        code, body = curl(pc, URL + "/status")
        if code == 200 and re.search(r'"phase": ?"(done|failed)"', body):
            return body
        if time.monotonic() > end:
            b.fail("the page's flash did not end in %d s: %s" % (timeout_s, body))
        time.sleep(1)


def check_volumes(b, pc, want, what):
    vols, dev = report(b, pc)
    if vols != want:
        b.fail("%s: the UBI volumes are\n  %s\nnot\n  %s" % (what, sorted(vols.items()), sorted(want.items())))
    return vols, dev


def test_nand_board_recover_and_page():
    tmp = tempfile.mkdtemp(prefix="fsd-nand-img.")
    pc = Pc()
    b = rec = None
    try:
        t_setup = ensure_setup()
        print("  setup + initramfs: %.1f s" % t_setup, flush=True)
        rnd = random.Random(1616)
        env = rnd.randbytes(64 << 10)
        k1, k2, k3 = rnd.randbytes(600 << 10), rnd.randbytes(900 << 10), rnd.randbytes(700 << 10)
        r1, r2, r3 = (squashfs(tmp, "r1", "factory", 1 * MiB), squashfs(tmp, "r2", "second", 2 * MiB),
                      squashfs(tmp, "r3", "third", 1 * MiB + 12345))
        factory = write(tmp, "factory.bin", openwrt_images.with_metadata(openwrt_images.ubinized(
            [("ubootenv", env), ("kernel", k1), ("rootfs", r1), ("rootfs_data", None)], peb=PEB, page=2048,
            subpage=512), [BOARD]))
        tar2 = write(tmp, "openwrt-nand-sysupgrade.bin", openwrt_images.sysupgrade_tar(BOARD, kernel=k2, root=r2))
        tar3 = write(tmp, "openwrt-nand-sysupgrade-3.bin", openwrt_images.sysupgrade_tar(BOARD, kernel=k3, root=r3))
        other = write(tmp, "openwrt-other-sysupgrade.bin", openwrt_images.sysupgrade_tar(
            "acme,other-router", kernel=k3, root=r3))

        # 1. power on with recover waiting; 'f' + Enter when it says so; the factory image onto the blank NAND
        rec = subprocess.Popen(pc.cmd() + [FAILSAFECTL, "recover", factory, "--yes", "--plain", "--timeout", "300"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        b = NandBoard(pc)
        t_prompt = b.expect(PROMPT_F, BOOT_TIMEOUT_S)
        print("  QEMU start to the prompt: %.1f s" % (t_prompt - b.started), flush=True)
        mtd = b.marker("FSD-MTD") or ""
        if '"NAND simulator partition 0"' not in mtd or "mtd0: 02000000 00020000" not in mtd:
            b.fail("nandsim's first partition is not the 32 MiB mtd0 with 128 KiB erase blocks: %s" % mtd)
        if "FSD-WARN" in b.text():
            b.fail("a module did not load")
        lines = []
        t_press = None
        for line in rec.stdout:
            lines.append(line.rstrip("\n"))
            if t_press is None and "press the button now" in line:
                t_press = time.time()
                b.write("f\r")
            if "Upgrade completed" in line:
                break
        # the rest through the same file object: communicate() reads the pipe's fd and would lose what the line
        # iterator had already buffered (once, failsafectl's last lines, "Upgrade completed" among them, were lost
        # so when the loop stopped at its exit); EOF comes when failsafectl exits (--timeout 300 bounds it)
        rest = rec.stdout.read()
        rec.wait(timeout=120)
        out1 = "\n".join(lines) + "\n" + rest
        if rec.returncode != 0 or "Upgrade completed" not in out1:
            b.fail("recover of the factory image (rc %s):\n%s" % (rec.returncode, out1))
        b.expect("- failsafe -", 5)
        print("  1. recover, blank NAND: 'f' + Enter at \"press the button now\", \"Upgrade completed\" %.1f s "
              "later (ubinized factory image, %d KiB)" % (time.time() - t_press, os.path.getsize(factory) >> 10),
              flush=True)
        for want in ("format          ok       a ubinized image (UBI#", "the board checked it: accept"):
            if want not in out1:
                b.fail("recover did not say %r:\n%s" % (want, out1))
        vols, dev = check_volumes(b, pc, {"ubootenv": vol(env), "kernel": vol(k1), "rootfs": vol(r1),
                                          "rootfs_data": vol(b"", 9)}, "after the factory image")
        if not dev.startswith("mtd=0 leb=%d " % LEB):
            b.fail("UBI is not on nandsim's first partition with LEBs of %d bytes: %s" % (LEB, dev))
        # what the volumes may take: the LEBs they hold and those still free (UBI keeps the rest for itself and
        # for bad blocks: 20 per 1024 erase blocks of the whole NAND, CONFIG_MTD_UBI_BEB_LIMIT)
        total_lebs = sum(v[1] for v in vols.values()) + int(dev.rsplit("avail=", 1)[1])
        print("  volumes: %s; %s" % (" ".join("%s:%d" % (n, v[1]) for n, v in sorted(vols.items())), dev),
              flush=True)

        # 2. OpenWrt's NAND sysupgrade tar through recover (the board in failsafe: --address)
        t0 = time.monotonic()
        rc, out2 = recover(pc, tar2, "--yes", "--plain", "--address", "192.168.1.1", "--reset-settings")
        if rc != 0 or "Upgrade completed" not in out2:
            b.fail("recover of the NAND tar (rc %d):\n%s" % (rc, out2))
        print("  2. recover, OpenWrt NAND tar (%d KiB): \"Upgrade completed\" in %.1f s"
              % (os.path.getsize(tar2) >> 10, time.monotonic() - t0), flush=True)
        want2 = {"ubootenv": vol(env), "kernel": vol(k2), "rootfs": vol(r2),
                 "rootfs_data": vol(b"", total_lebs - 1 - lebs(len(k2)) - lebs(len(r2)))}
        _, dev = check_volumes(b, pc, want2, "after the NAND tar through recover")
        if not dev.endswith("avail=0"):
            b.fail("rootfs_data did not take the rest of the UBI device: %s" % dev)
        board_log = b.text()
        for want in ("Plan (nand-tar", "remove UBI volume kernel on NAND simulator partition 0"):
            if want not in board_log and want not in out2:
                b.fail("neither the board nor recover showed %r" % want)

        # 3. a tar for another board: one line, nothing sent, nothing written
        rc, out3 = recover(pc, other, "--yes", "--plain", "--address", "192.168.1.1")
        refusal = [l for l in out3.splitlines() if "not sending it; nothing was written" in l]
        if rc != 5 or len(refusal) != 1 or "acme,other-router" not in refusal[0] or "uploading" in out3:
            b.fail("recover of another board's tar (rc %d):\n%s" % (rc, out3))
        print("  3. recover, another board's tar: exit 5, \"%s\"" % refusal[0].strip(), flush=True)
        check_volumes(b, pc, want2, "after recover refused another board's tar")

        # 4. the page: another board's tar refused, then a tar from the browser's form, flashed from the page
        code, body = curl(pc, "-F", "firmware=@" + other, URL + "/upload")
        if code != 422 or '"flashable": false' not in body.replace('":false', '": false'):
            b.fail("the page took another board's tar (%d): %s" % (code, body))
        code, body = curl(pc, "-X", "POST", URL + "/flash")
        if code != 409:
            b.fail("the page flashed a refused image (%d): %s" % (code, body))
        check_volumes(b, pc, want2, "after the page refused another board's tar")
        t0 = time.monotonic()
        code, body = curl(pc, "-F", "firmware=@" + tar3, URL + "/upload", json_accept=False)
        if code != 303:
            b.fail("the browser's form upload was answered %d, not 303 to the page: %s" % (code, body))
        code, page = curl(pc, URL + "/", json_accept=False)
        sha3 = hashlib.sha256(openwrt_images.sysupgrade_tar(BOARD, kernel=k3, root=r3, metadata=False)).hexdigest()
        if code != 200 or 'id="flash"' not in page or sha3 not in page:
            b.fail("the page does not show the uploaded tar (SHA-256 %s) and its flash form:\n%s" % (sha3, page))
        code, body = curl(pc, "-L", "-d", "keep=0", URL + "/flash", json_accept=False)
        if code != 200 or not ("Writing the firmware" in body or "Upgrade completed" in body):
            b.fail("the page's flash form was answered %d:\n%s" % (code, body))
        status = wait_done(b, pc)
        code, page = curl(pc, URL + "/", json_accept=False)
        if '"phase": "done"' not in status.replace('":"', '": "') or "Upgrade completed" not in page:
            b.fail("the page did not end with \"Upgrade completed\":\n%s\n%s" % (status, page))
        print("  4. the page: another board's tar refused (422, flash 409); the OpenWrt tar uploaded as a form and "
              "flashed from the page: \"Upgrade completed\" %.1f s after the upload began" % (time.monotonic() - t0),
              flush=True)
        want3 = {"ubootenv": vol(env), "kernel": vol(k3), "rootfs": vol(r3),
                 "rootfs_data": vol(b"", total_lebs - 1 - lebs(len(k3)) - lebs(len(r3)))}
        check_volumes(b, pc, want3, "after the page's flash")
        print("  volumes after each flash: names, types, sizes in LEBs and SHA-256 of every byte as nand.sh makes "
              "them; ubootenv byte-identical throughout", flush=True)
        if b.proc.poll() is not None:
            b.fail("QEMU ended")
    finally:
        if rec and rec.poll() is None:
            rec.kill()
            rec.wait()
        if b:
            b.stop()
        pc.close()
        shutil.rmtree(tmp, ignore_errors=True)


TESTS = [test_nand_board_recover_and_page]

if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (network namespaces, a tap; the harness installs packages on a new machine)")
        sys.exit(1)
    run_tests(TESTS)
