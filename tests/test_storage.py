"""tests/test_storage.py — mount_root, firstboot and sysupgrade on real block devices (loop devices made here),
in a mount namespace of the test's own: the overlay, factory reset, verified flashing, every refusal."""
import errno
import mmap
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import gzip

import storagefix  # noqa: F401  (re-executes under unshare -m first)
from storagefix import Router, make_image, sha256_file, sh
from fsd import run_tests
import openwrt_images


def payload(r, name="payload.bin", size=3 << 20, seed=1):
    path = r.scratch(name)
    with open(path, "wb") as f:
        f.write(os.urandom(size) if seed is None else bytes((i * 131 + seed) & 0xff for i in range(size)))
    return path


def test_mount_root_overlay_and_remount():
    r = Router()
    res = r.applet("mount_root")
    assert res.returncode == 0, res
    assert "overlay on %s" % r.root in res.stdout, res.stdout
    r.write("etc/config/network", "changed\n")
    assert r.read("etc/config/network") == "changed\n"
    assert open(os.path.join(r.root, "overlay/upper/etc/config/network")).read() == "changed\n"
    assert r.read("rom/etc/config/network").startswith("config interface"), "rom shows rom"
    again = r.applet("mount_root")
    assert again.returncode == 0 and "already mounted" in again.stdout and "nothing changed" in again.stdout, again
    r.reboot()
    assert r.read("etc/config/network").startswith("config interface"), "after a reboot: rom until mount_root"
    assert r.applet("mount_root").returncode == 0
    assert r.read("etc/config/network") == "changed\n", "the change survived in rootfs_data"
    r.reboot()
    assert sha256_file(r.rom_img) == r.rom_sha and sha256_file(r.rom) == r.rom_sha, "rom never written"


def test_mount_root_clear_errors():
    r = Router()
    cases = [
        ({"data": "/dev/nonexistent-fsd"}, 3, "no rootfs_data: /dev/nonexistent-fsd"),
        ({"data": "mtd:rootfs_data"}, 3, "no rootfs_data:"),
        ({"data": "ubi:rootfs_data"}, 3, "no rootfs_data:"),
    ]
    zero = r.attach(r.scratch("zero.img")) if open(r.scratch("zero.img"), "wb").truncate(8 << 20) or True else None
    cases.append(({"data": zero}, 4, "is not formatted; firstboot prepares it"))
    marked_img = r.scratch("marked.img")
    with open(marked_img, "wb") as f:
        f.write(b"\xde\xad\xc0\xde" + bytes(8 << 20))
    cases.append(({"data": r.attach(marked_img)}, 4, "marked for formatting"))
    jffs2_img = r.scratch("jffs2.img")
    with open(jffs2_img, "wb") as f:
        f.write(b"\x85\x19\x03\x20" + bytes(8 << 20))
    cases.append(({"data": r.attach(jffs2_img)}, 5, "holds jffs2, which this kernel does not support"))
    cases.append(({"data": r.attach(r.data_img, read_only=True)}, 6, "read-only medium"))
    for kw, rc, text in cases:
        res = r.applet("mount_root", data=kw["data"])
        assert res.returncode == rc and text in res.stderr, (kw, rc, text, res)
        assert len(res.stderr.strip().splitlines()) == 1, "one line: %r" % res.stderr
    assert not r.applet("mount_root", "--bogus").returncode == 0


def test_firstboot():
    r = Router()
    assert r.applet("mount_root").returncode == 0
    r.write("etc/config/network", "changed\n")
    r.write("etc/new-file", "x\n")
    res = r.applet("firstboot", stdin="n\n")
    assert res.returncode == 7 and "Are you sure? [N/y]" in res.stdout and "nothing changed" in res.stdout, res
    assert r.read("etc/config/network") == "changed\n"
    res = r.applet("firstboot", stdin="\n")
    assert res.returncode == 7, "Enter alone is no"
    res = r.applet("firstboot", stdin="y\n")
    assert res.returncode == 0 and "shows rom again" in res.stdout, res
    assert r.read("etc/config/network").startswith("config interface") and r.read("etc/new-file") is None
    assert os.listdir(os.path.join(r.root, "overlay/upper")) == []
    # unmounted: the volume is prepared, the next mount starts clean
    r.write("etc/config/network", "again\n")
    r.reboot()
    res = r.applet("firstboot", "-y")
    assert res.returncode == 0 and "prepared" in res.stdout, res
    assert r.applet("mount_root").returncode == 0
    assert r.read("etc/config/network").startswith("config interface")
    # -r reboots through the system's reboot
    bindir = r.scratch("bin")
    os.mkdir(bindir)
    marker = r.scratch("rebooted")
    with open(os.path.join(bindir, "reboot"), "w") as f:
        f.write("#!/bin/sh\ntouch %s\n" % marker)
    os.chmod(os.path.join(bindir, "reboot"), 0o755)
    res = r.applet("firstboot", "-y", "-r", env={"PATH": bindir + ":" + os.environ["PATH"]})
    assert res.returncode == 0 and os.path.exists(marker), res
    r.reboot()
    assert sha256_file(r.rom) == r.rom_sha and r.fw_sha() == sha256_file(r.fw_img) and \
        open(r.fw_img, "rb").read(1 << 20) == bytes(1 << 20), "firstboot never writes rom or firmware"


def test_sysupgrade_writes_verifies_and_keeps_settings():
    r = Router()
    body = payload(r)
    img = make_image(body, r.scratch("good.img"))
    assert r.applet("mount_root").returncode == 0
    r.write("etc/config/network", "kept\n")
    r.write("etc/sysupgrade.conf", "/etc/extra.conf\n")
    r.write("etc/extra.conf", "extra\n")
    res = r.applet("sysupgrade", img)
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("Supported devices: failsafed,sim", "SHA-256 of the payload: " + sha256_file(body),
                 "Saving config files...", "Image check passed", "Verified:", "Upgrade completed"):
        assert line in out, (line, out)
    assert out.index("SHA-256 of the payload") < out.index("Writing"), "the hash is shown before writing"
    assert r.fw_sha(os.path.getsize(body)) == sha256_file(body)
    assert r.read("etc/config/network") == "kept\n" and r.read("etc/extra.conf") == "extra\n"
    # -n: settings reset; and the image from stdin
    r.write("etc/config/network", "lost\n")
    with open(img, "rb") as f:
        data = f.read()
    import subprocess
    res = subprocess.run([storagefix.FAILSAFED, "sysupgrade", "-n", "--root", r.root, "--rootfs-data", r.data,
                          "--firmware", r.fw, "--state-dir", r.state, "--tmp-dir", r.ram, "-"], input=data,
                         capture_output=True, timeout=60)
    assert res.returncode == 0 and b"Settings reset (-n)" in res.stdout, res
    assert r.read("etc/config/network").startswith("config interface")
    # -T checks, writes nothing
    before = r.fw_sha()
    other = make_image(payload(r, "other.bin", seed=7), r.scratch("other.img"))
    res = r.applet("sysupgrade", "-T", other)
    assert res.returncode == 0 and "-T: nothing written" in res.stdout and r.fw_sha() == before, res
    assert not os.listdir(r.ram), "nothing left in RAM"


def strace_opens(log, path):
    """The opens of path in an strace log: (flags, result) for each, in order."""
    pat = re.compile(r'open(?:at)?\((?:AT_FDCWD, )?"%s", ([A-Z_|]+)(?:, \d+)?\) = (-?\d+)' % re.escape(path))
    with open(log) as f:
        return [(m.group(1).split("|"), int(m.group(2))) for m in pat.finditer(f.read())]


def takes_o_direct(path):
    """Whether the filesystem of path takes an O_DIRECT write of one 4 KiB block (tmpfs before Linux 6.6 and ramfs
    refuse the open; some filesystems only the write)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    except OSError as e:
        assert e.errno == errno.EINVAL, e
        return False
    try:
        with mmap.mmap(-1, 4096) as block:          # page-aligned, as O_DIRECT wants
            os.pwrite(fd, block, 0)
        return True
    except OSError as e:
        assert e.errno == errno.EINVAL, e
        return False
    finally:
        os.close(fd)


def test_sysupgrade_writes_past_the_page_cache():
    """The verified image is written past the page cache (O_DIRECT: the image in RAM is not copied into cache pages
    first) and read back from the medium the same way, on a block device and on a file volume, whatever its length
    (the end under one 4 KiB block goes through the cache); on a filesystem without O_DIRECT (ramfs) the file volume
    is written through the cache as before. strace shows which way; the partition's bytes that each wrote the payload
    whole."""
    assert shutil.which("strace"), "needs strace (tools/bootstrap.sh installs it)"
    r = Router()
    body = payload(r, "odd.bin", size=(3 << 20) + 1234, seed=3)
    img = make_image(body, r.scratch("odd.img"))
    want, size = sha256_file(body), os.path.getsize(body)
    ramfs = r.scratch("ramfs")
    os.mkdir(ramfs)
    sh("mount", "-t", "ramfs", "ramfs", ramfs)
    targets = [("block device", r.fw, r.fw, True)]
    for where, d in (("file on " + r.dir, r.dir), ("file on ramfs", ramfs)):
        path = os.path.join(d, "nor.img")
        with open(path, "wb") as f:
            f.truncate(8 << 20)
        targets.append((where, "file:" + path, path, takes_o_direct(path)))
    assert not targets[-1][3], "ramfs took O_DIRECT: this test's fallback case is gone"
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:   # the sanitizer twin: LeakSanitizer cannot run under ptrace (the other tests look)
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    try:
        for what, spec, path, direct in targets:
            log = r.scratch("strace.log")
            res = subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", log, storagefix.FAILSAFED,
                                  "sysupgrade", "-n", "--root", r.root, "--rootfs-data", r.data, "--firmware", spec,
                                  "--state-dir", r.state, "--tmp-dir", r.ram, img],
                                 capture_output=True, text=True, timeout=120, env=env)
            assert res.returncode == 0 and "Upgrade completed" in res.stdout, (what, res.returncode, res.stdout,
                                                                               res.stderr)
            assert sha256_file(path, size) == want, what
            opens = strace_opens(log, path)
            writes = [(f, rc) for f, rc in opens if "O_WRONLY" in f or "O_RDWR" in f]
            reads = [(f, rc) for f, rc in opens if "O_RDONLY" in f]
            if direct:
                assert writes and all("O_DIRECT" in f and rc >= 0 for f, rc in writes), (what, opens)
                assert any("O_DIRECT" in f and rc >= 0 for f, rc in reads), (what, opens)
            else:
                assert any("O_DIRECT" not in f and rc >= 0 for f, rc in writes), (what, opens)
                assert all(rc < 0 for f, rc in opens if "O_DIRECT" in f), (what, opens)
            print("  %s: %s" % (what, "O_DIRECT" if direct else "through the cache (no O_DIRECT here)"))
    finally:
        sh("umount", ramfs)


def test_backup_and_images_already_in_ram():
    """sysupgrade -b FILE (OpenWrt's): the settings archive; an image already in RAM is checked where it is."""
    import subprocess
    import tarfile
    r = Router()
    assert r.applet("mount_root").returncode == 0
    r.write("etc/config/network", "backed-up\n")
    out = r.scratch("backup.tgz")
    res = r.applet("sysupgrade", "-b", out)
    assert res.returncode == 0 and "Saved 1 config path to " + out in res.stdout, res
    with tarfile.open(out) as t:
        assert t.extractfile("etc/config/network").read() == b"backed-up\n", t.getnames()
    assert r.applet("firstboot", "-y").returncode == 0
    res = r.applet("sysupgrade", "-b", out)
    assert res.returncode == 0 and "Saved 0 config paths" in res.stdout, res
    with tarfile.open(out) as t:
        assert t.getnames() == [], "nothing to keep: an empty archive, still a valid one"
    res = r.applet("sysupgrade", "-b", out, "fw.img")
    assert res.returncode == 2 and "no image with it" in res.stderr, res
    # An image in RAM (tmpfs) is not copied: a RAM directory too small for a copy does not matter.
    body = payload(r, size=6 << 20)
    img = make_image(body, os.path.join(r.ram, "fw.img"))
    small = r.scratch("small-ram")
    os.mkdir(small)
    sh("mount", "-t", "tmpfs", "-o", "size=1m", "small", small)
    try:
        res = subprocess.run([storagefix.FAILSAFED, "sysupgrade", "-n", "--root", r.root, "--rootfs-data", r.data,
                              "--firmware", r.fw, "--state-dir", r.state, "--tmp-dir", small, img],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and "Upgrade completed" in res.stdout, res
        assert r.fw_sha(os.path.getsize(body)) == sha256_file(body)
        assert os.path.exists(img), "the caller's file stays"
        # the same image from a file on disk needs a copy in RAM, which does not fit
        disk = r.scratch("fw-on-disk.img")
        with open(img, "rb") as a, open(disk, "wb") as b:
            b.write(a.read())
        res = subprocess.run([storagefix.FAILSAFED, "sysupgrade", "-n", "--root", r.root, "--rootfs-data", r.data,
                              "--firmware", r.fw, "--state-dir", r.state, "--tmp-dir", small, disk],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 7 and "not enough RAM" in res.stderr, res
    finally:
        sh("umount", small)
    # machine-readable progress for the recovery page
    res = subprocess.run([storagefix.FAILSAFED, "sysupgrade", "-n", "--progress", "--root", r.root, "--rootfs-data",
                          r.data, "--firmware", r.fw, "--state-dir", r.state, "--tmp-dir", r.ram, img],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res
    steps = [l.split() for l in res.stderr.splitlines() if l.startswith("progress ")]
    assert steps and all(len(s) == 4 for s in steps), res.stderr
    assert ["progress", "writing", str(6 << 20), str(6 << 20)] in steps, steps
    assert ["progress", "verifying", str(6 << 20), str(6 << 20)] in steps, steps


def test_sysupgrade_write_not_cut_by_hangup_or_stop():
    """A session that drops (SIGHUP), Ctrl-C or a kill during the write: it finishes first, then obeys."""
    import signal
    import subprocess
    r = Router(firmware_mb=64)
    body = payload(r, size=48 << 20, seed=None)
    img = make_image(body, os.path.join(r.ram, "fw.img"))
    p = subprocess.Popen([storagefix.FAILSAFED, "sysupgrade", "-n", "--root", r.root, "--rootfs-data", r.data,
                          "--firmware", r.fw, "--state-dir", r.state, "--tmp-dir", r.ram, img],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = ""
        for line in p.stdout:
            out += line
            if line.startswith("Writing "):
                for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
                    p.send_signal(sig)
                break
        # the rest of stdout through the same file object (communicate() reads the fd and would lose what the
        # line iterator had buffered), then stderr
        rest = p.stdout.read()
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    out += rest
    assert "Writing " in out and "Verified:" in out and "Upgrade completed" in out, (out, err)
    assert p.returncode == -signal.SIGHUP, "the stop takes effect once the upgrade is done: %s" % p.returncode
    assert r.fw_sha(os.path.getsize(body)) == sha256_file(body)


def test_sysupgrade_stdin_is_what_is_written():
    """'-' with stdin redirected from a file in RAM: that file is written, not a file named '-' (which exists)."""
    import subprocess
    r = Router()
    body = payload(r)
    img = make_image(body, os.path.join(r.ram, "fw.img"))
    cwd = r.scratch("cwd")
    os.mkdir(cwd)
    with open(os.path.join(cwd, "-"), "wb") as f:
        f.write(b"A" * (4 << 20))
    with open(img, "rb") as stdin:
        res = subprocess.run([storagefix.FAILSAFED, "sysupgrade", "-n", "--root", r.root, "--rootfs-data", r.data,
                              "--firmware", r.fw, "--state-dir", r.state, "--tmp-dir", r.ram, "-"], stdin=stdin,
                             cwd=cwd, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "Upgrade completed" in res.stdout, res
    assert r.fw_sha(os.path.getsize(body)) == sha256_file(body)


def test_sysupgrade_one_writer_at_a_time():
    """A second sysupgrade while one holds the partition: refused with its own code, nothing written."""
    import fcntl
    r = Router()
    img = make_image(payload(r), r.scratch("good.img"))
    before = r.fw_sha()
    lock = os.path.join(r.state, "sysupgrade.lock")
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)          # what a running sysupgrade holds
        res = r.applet("sysupgrade", "-n", img)
        assert res.returncode == 40 and "another sysupgrade is writing the firmware (%s is held); nothing done" \
            % lock in res.stderr, res
        assert r.applet("sysupgrade", "-T", img).returncode == 0, "-T writes nothing: it needs no lock"
    assert r.fw_sha() == before
    res = r.applet("sysupgrade", "-n", img)
    assert res.returncode == 0 and "Upgrade completed" in res.stdout, res


def dropping_server(data, cut):
    """A TCP server on loopback that sends the first cut bytes of data, then resets the connection."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        c.sendall(data[:cut])
        time.sleep(0.3)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
        srv.close()
    threading.Thread(target=serve, daemon=True).start()
    return "tcp://127.0.0.1:%d" % srv.getsockname()[1]


def test_sysupgrade_refusals_leave_the_partition_untouched():
    r = Router(firmware_mb=8)
    body = payload(r)
    body_sha = sha256_file(body)
    good = make_image(body, r.scratch("good.img"))
    with open(good, "rb") as f:
        good_bytes = f.read()

    def variant(name, data):
        path = r.scratch(name)
        with open(path, "wb") as f:
            f.write(data)
        return path
    flipped = bytearray(good_bytes)
    flipped[1000] ^= 1
    big = make_image(payload(r, "big.bin", size=9 << 20), r.scratch("big.img"))
    ram_hog = r.scratch("ramfill")
    cases = [
        ("wrong board", [make_image(body, r.scratch("wb.img"), boards=("other,router",))], 32, "not supported by this image"),
        ("no metadata", [body], 30, "no metadata"),
        ("-F without --sha256", ["-F", body], 31, "--sha256"),
        ("-F, wrong --sha256", ["-F", "--sha256", "00" * 32, body], 25, "sha256"),
        ("flipped byte", [variant("flip.img", bytes(flipped))], 13, "CRC"),
        ("flipped byte, -F", ["-F", variant("flip2.img", bytes(flipped))], 13, "CRC"),
        ("truncated", [variant("cut.img", good_bytes[:-8])], 11, "truncated"),
        ("cut deeper", [variant("cut2.img", good_bytes[:-200])], 30, "no metadata"),
        ("compat major", [make_image(body, r.scratch("c2.img"), extra=("--compat", "2.0"))], 33, "compat"),
        ("compat minor, settings kept", [make_image(body, r.scratch("c11.img"), extra=("--compat", "1.1"))], 34,
         "compat"),
        ("larger than the partition", [big], 6, "larger than the firmware partition"),
        ("source missing", [r.scratch("nope.img")], 4, "No such file"),
        ("dropped connection", [dropping_server(good_bytes, 1 << 20)], 5, "broke off"),
        ("nobody listening", ["tcp://127.0.0.1:1"], 4, "cannot connect"),
        ("bad --sha256", ["--sha256", "xyz", good], 2, "not 64 hex digits"),
    ]
    before = r.fw_sha()
    for name, args, rc, text in cases:
        res = r.applet("sysupgrade", *args)
        assert res.returncode == rc, (name, rc, res)
        assert text.lower() in (res.stderr + res.stdout).lower(), (name, text, res)
        assert r.fw_sha() == before, "%s: the partition changed" % name
        assert not os.listdir(r.ram), "%s: left %s in RAM" % (name, os.listdir(r.ram))
    # RAM too small for the image
    sh("mount", "-t", "tmpfs", "-o", "size=1m", "small", r.ram)
    res = r.applet("sysupgrade", good)
    sh("umount", r.ram)
    assert res.returncode == 7 and "not enough RAM" in res.stderr, res
    assert r.fw_sha() == before
    # forceable ones are written with -F (and --sha256 without metadata)
    for args in (["-F", make_image(body, r.scratch("wb2.img"), boards=("other,router",))],
                 ["-F", "--sha256", body_sha, body], ["-n", make_image(body, r.scratch("c11b.img"),
                                                                       extra=("--compat", "1.1"))]):
        res = r.applet("sysupgrade", *args)
        assert res.returncode == 0 and "Upgrade completed" in res.stdout, (args, res)
        assert r.fw_sha(os.path.getsize(body)) == body_sha
    del ram_hog


def test_sysupgrade_refuses_images_the_storage_does_not_take():
    """OpenWrt's NAND/eMMC images on a board that writes one raw partition: refused with one line, never written,
    -F or not; the page's format check is the same code (tests/test_recovery_http.py)."""
    r = Router(firmware_mb=8)
    before = r.fw_sha()
    kernel, root = os.urandom(300 << 10), b"hsqs" + os.urandom(700 << 10)
    sqfs = r.scratch("root.sqfs")
    with open(sqfs, "wb") as f:
        f.write(root)

    def image(name, data):
        path = r.scratch(name)
        with open(path, "wb") as f:
            f.write(data)
        return path
    nand_tar = image("nand.bin", openwrt_images.sysupgrade_tar("failsafed,sim", kernel=kernel, root=root))
    cases = [
        ("NAND tar", [nand_tar], "sysupgrade tar (sysupgrade-failsafed_sim/"),
        ("NAND tar, -F", ["-F", nand_tar], "-F does not override"),
        ("NAND tar, -T", ["-T", nand_tar], "sysupgrade tar"),
        ("gzip'd NAND tar", [image("nand.gz.bin", openwrt_images.sysupgrade_tar("failsafed,sim", kernel=kernel,
                                                                              root=root, gz=True))],
         "gzip-compressed sysupgrade tar"),
        ("kernel-only tar", [image("k.bin", openwrt_images.sysupgrade_tar("failsafed,sim", kernel=kernel))],
         "sysupgrade tar"),
        ("ubinized", [image("ubi.bin", openwrt_images.with_metadata(
            openwrt_images.ubinized([("kernel", kernel), ("rootfs", root), ("rootfs_data", None)]),
            ["failsafed,sim"]))], "ubinized image"),
        ("gzip'd squashfs", [image("sq.gz.bin", openwrt_images.with_metadata(gzip.compress(root), ["failsafed,sim"]))],
         "gunzip it first"),
    ]
    for name, args, text in cases:
        res = r.applet("sysupgrade", *args)
        assert res.returncode == 26, (name, res)
        err = [line for line in res.stderr.splitlines() if "Image check failed" in line]
        assert len(err) == 1 and "block" in err[0] and text in res.stderr, (name, text, res.stderr)
        assert "Writing" not in res.stdout and r.fw_sha() == before, "%s: the partition changed" % name
        assert not os.listdir(r.ram), "%s: left %s in RAM" % (name, os.listdir(r.ram))
    # what such a partition does take is still written: the same root, plain, with metadata
    res = r.applet("sysupgrade", "-n", make_image(sqfs, r.scratch("sq.img")))
    assert res.returncode == 0 and "Format: a squashfs root filesystem" in res.stdout, res
    assert r.fw_sha(len(root)) == sha256_file(sqfs)


def test_sysupgrade_device_compat_version_from_the_settings():
    """OpenWrt's fwtool_check_image: the device's compat_version is system.@system[0].compat_version of its
    settings (the overlay), not always 1.0: a device at 2.0 takes a 2.0 image and refuses a 1.0 one."""
    r = Router()
    body = payload(r)
    v1 = make_image(body, r.scratch("v1.img"))
    v2 = make_image(body, r.scratch("v2.img"), extra=("--compat", "2.0"))
    assert r.applet("mount_root").returncode == 0
    r.write("etc/config/system", "config system\n\toption hostname 'OpenWrt'\n\toption compat_version '2.0'\n")
    before = r.fw_sha()
    res = r.applet("sysupgrade", "-T", v1)
    assert res.returncode == 33 and "incompatible with the device's 2.0" in res.stderr, res
    assert "Device compat_version 2.0 (the settings' /etc/config/system)" in res.stdout, res
    assert r.applet("sysupgrade", v1).returncode == 33 and r.fw_sha() == before
    res = r.applet("sysupgrade", v2)
    assert res.returncode == 0 and "Upgrade completed" in res.stdout, res
    # after a reboot nothing is mounted: the settings are looked at read-only, with the same answer
    r.reboot()
    res = r.applet("sysupgrade", "-T", v1)
    assert res.returncode == 33 and "Device compat_version 2.0" in res.stdout, res
    with open("/proc/self/mountinfo") as f:
        assert "failsafed-rootfs-data." not in f.read(), "the read-only look at rootfs_data is unmounted"
    # no compat_version anywhere: 1.0, and a 2.0 image is refused as before
    r2 = Router()
    res = r2.applet("sysupgrade", "-T", make_image(body, r2.scratch("v2b.img"), extra=("--compat", "2.0")))
    assert res.returncode == 33 and "Device compat_version 1.0 (not set in /etc/config/system" in res.stdout, res


run_tests([test_mount_root_overlay_and_remount, test_mount_root_clear_errors, test_firstboot,
           test_backup_and_images_already_in_ram,
           test_sysupgrade_writes_verifies_and_keeps_settings, test_sysupgrade_writes_past_the_page_cache,
           test_sysupgrade_refusals_leave_the_partition_untouched,
           test_sysupgrade_write_not_cut_by_hangup_or_stop, test_sysupgrade_stdin_is_what_is_written,
           test_sysupgrade_one_writer_at_a_time, test_sysupgrade_refuses_images_the_storage_does_not_take,
           test_sysupgrade_device_compat_version_from_the_settings])
