"""tests/test_deep_check.py — OpenWrt's own images at their real sizes, made by the real tools (GNU tar with its
10 KiB records, gzip, mkimage -E -B 0x1000 -p 0x1000, ubinize with 128 KiB PEBs), through sysupgrade on the
simulated board: what the deep check says of each (the Format line), and each refusal of issue 16 with its one
line and exit code, nothing written, -F or not."""
import gzip
import os
import re
import subprocess

import storagefix  # noqa: F401  (re-executes under unshare -m first)
from storagefix import Router
from fsd import run_tests
import openwrt_images

MIB = 1 << 20


def blob(n, tag):
    """Bytes that do not compress (the tools see real-looking kernels and roots), reproducible."""
    import hashlib
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s-%d" % (tag.encode(), i)).digest()
        i += 1
    return bytes(out[:n])


KERNEL = blob(2 * MIB + 1234, "kernel")
ROOT = b"hsqs" + blob(5 * MIB - 4, "root")
DTB = b"\xd0\x0d\xfe\xed" + blob(20000, "dtb")


def image(r, name, data):
    path = r.scratch(name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def check(r, path, *args):
    return r.applet("sysupgrade", "-T", *args, path)


def format_line(res):
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("Format: ")]
    assert len(lines) == 1, res
    return lines[0][8:]


def test_openwrt_images_described():
    """What the check found, as sysupgrade prints it: the tar's members and sizes, the FIT's images and hashes
    (as many as U-Boot's dumpimage lists), the UBI image's PEBs and volumes."""
    r = Router(firmware_mb=24)
    tar = image(r, "nand.bin", openwrt_images.sysupgrade_tar("failsafed,sim", kernel=KERNEL, root=ROOT))
    res = check(r, tar)
    assert res.returncode == 26, res   # the simulated board writes one raw partition: not a tar
    assert format_line(res) == "an OpenWrt sysupgrade tar (sysupgrade-failsafed_sim/: kernel 2.0 MiB, root 5.0 MiB)"
    gz = image(r, "nand.gz.bin", openwrt_images.sysupgrade_tar("failsafed,sim", kernel=KERNEL, root=ROOT, dtb=DTB,
                                                                 gz=True))
    res = check(r, gz)
    assert res.returncode == 26, res
    assert re.fullmatch(r"an OpenWrt gzip-compressed sysupgrade tar \(sysupgrade-failsafed_sim/: kernel 2\.0 MiB, "
                        r"root 5\.0 MiB, dtb 19\.5 KiB; 7\.0 MiB inflated\)", format_line(res)), res.stdout

    fit = openwrt_images.fit(KERNEL, DTB, ROOT)
    listing = subprocess.run(["dumpimage", "-l", image(r, "fit.itb", fit)], capture_output=True, check=True).stdout
    images = len(re.findall(rb"^ Image \d+ \(", listing, re.M))
    hashes = len(re.findall(rb"^  Hash algo:", listing, re.M))
    assert (images, hashes) == (3, 6), listing
    path = image(r, "fit.bin", openwrt_images.with_metadata(fit, ["failsafed,sim"]))
    res = check(r, path)
    assert res.returncode == 0 and "Image check passed" in res.stdout, res
    assert format_line(res) == "a uImage.FIT (%d images, every hash ok (crc32, sha1); 7.0 MiB)" % images, res.stdout
    # the same FIT gzip'd: inflated, checked the same, its own length in the uncompressed stream
    path = image(r, "fit.gz.bin", openwrt_images.with_metadata(gzip.compress(fit, mtime=0), ["failsafed,sim"]))
    res = check(r, path)
    assert res.returncode == 26 and format_line(res).startswith("a gzip-compressed uImage.FIT (3 images, every hash "
                                                                "ok (crc32, sha1); 7.0 MiB; 7.0 MiB inflated)"), res

    ubi = openwrt_images.ubinized([("kernel", KERNEL), ("rootfs", ROOT), ("rootfs_data", None)])
    res = check(r, image(r, "ubi.bin", openwrt_images.with_metadata(ubi, ["failsafed,sim"])))
    assert res.returncode == 26, res
    pebs = len(ubi) // (128 << 10)
    assert format_line(res) == ("a ubinized image (UBI#: a whole UBI device, %d PEBs of 128.0 KiB, %.1f MiB; volumes: "
                                "kernel rootfs rootfs_data)" % (pebs, len(ubi) / MIB)), res.stdout


def test_issue_16_refusals():
    """Each refused with one clear line and its own exit code, never written, -F or not: a tar with a member cut
    short, a tar without kernel and root, a gzip with a bad CRC, a FIT with a bad hash, a damaged UBI image."""
    r = Router(firmware_mb=24)
    before = r.fw_sha()
    plain = openwrt_images.sysupgrade_tar("failsafed,sim", kernel=KERNEL, root=ROOT, metadata=False)
    fit = openwrt_images.fit(KERNEL, DTB, ROOT)
    bad_fit = bytearray(fit)
    bad_fit[-5000] ^= 0x01   # in rootfs-1's external data
    gz = bytearray(gzip.compress(plain, mtime=0))
    gz[-6] ^= 0x10   # the gzip trailer's CRC-32
    ubi = bytearray(openwrt_images.ubinized([("kernel", KERNEL), ("rootfs", ROOT)]))
    ubi[3 * (128 << 10) + 30] ^= 0x01   # inside PEB 3's erase-counter header
    cases = [
        ("tar, root cut short", plain[:2 * MIB + 700000], 27,
         "bad-tar", "sysupgrade-failsafed_sim/root is cut short: 5242880 bytes from byte"),
        ("tar without kernel and root", openwrt_images.sysupgrade_tar("failsafed,sim", metadata=False), 27,
         "bad-tar", "sysupgrade-failsafed_sim/ has neither kernel nor root"),
        ("gzip with a bad CRC", bytes(gz), 28, "bad-gzip", "gzip CRC-32 mismatch: the trailer says 0x"),
        ("FIT with a bad hash", bytes(bad_fit), 29, "bad-fit", "image rootfs-1 hash-1 (crc32): the FIT says"),
        ("FIT cut short", fit[:len(fit) - 8192], 29, "bad-fit", "image rootfs-1: its data"),
        ("UBI header damaged", bytes(ubi), 50, "bad-ubi", "UBI PEB 3 (byte 393216): erase-counter header CRC"),
    ]
    for name, payload, code, problem, words in cases:
        path = image(r, "case.bin", openwrt_images.with_metadata(payload, ["failsafed,sim"]))
        for args in ([], ["-T"], ["-F"]):
            res = r.applet("sysupgrade", *args, path)
            lines = [ln for ln in res.stderr.splitlines() if "Image check failed" in ln]
            assert res.returncode == code, (name, args, res)
            assert len(lines) == 1 and words in lines[0], (name, words, res.stderr)
            assert "never written" in res.stderr and "Writing" not in res.stdout, (name, res)
            assert r.fw_sha() == before, "%s: the partition changed" % name
        assert problem == {27: "bad-tar", 28: "bad-gzip", 29: "bad-fit", 50: "bad-ubi"}[code]


run_tests([test_openwrt_images_described, test_issue_16_refusals])
