"""tests/openwrt_images.py — OpenWrt's own image layouts, made here the way OpenWrt's build makes them, for the flashing tests.

- sysupgrade_tar(): what scripts/sysupgrade-tar.sh does: a directory sysupgrade-<board>/ ("," in the board name
  written "_", as $(DEVICE_NAME)) with CONTROL ("BOARD=<board>\n"), kernel and/or root, packed by GNU tar with
  --sort=name --owner=0 --group=0 --numeric-owner (so the first member is the directory and the file starts
  "sysu"), optionally gzip'd, then the fwtool metadata appended as include/image-commands.mk's append-metadata
  does (by tests/fwimage_ref.py, the test's own encoder).
- ubinized(): a UBI device image (UBI#) made by mtd-utils' ubinize from an ini file, as OpenWrt's
  Build/append-ubi does.
- with_metadata(): any payload with fwtool metadata for the given boards.
Facts from openwrt/openwrt scripts/sysupgrade-tar.sh and include/image-commands.mk (read, not copied).
"""
import gzip
import os
import subprocess
import tempfile

import fwimage_ref


def with_metadata(payload: bytes, boards, version="test", compat="1.0") -> bytes:
    return fwimage_ref.make_image(payload, list(boards), version, compat=compat)


def sysupgrade_tar(board, kernel=None, root=None, dtb=None, gz=False, boards=None, dir_name=None,
                   mtime=1700000000, metadata=True) -> bytes:
    """The tar (bytes) with fwtool metadata for `boards` (default: [board]; metadata=False: the tar alone);
    dir_name overrides the directory."""
    d = dir_name or "sysupgrade-" + board.replace(",", "_")
    with tempfile.TemporaryDirectory(prefix="fsd-owrt-tar.") as tmp:
        top = os.path.join(tmp, d)
        os.mkdir(top)
        with open(os.path.join(top, "CONTROL"), "w") as f:
            f.write("BOARD=%s\n" % board)
        for name, data in (("kernel", kernel), ("root", root), ("dtb", dtb)):
            if data is not None:
                with open(os.path.join(top, name), "wb") as f:
                    f.write(data)
        out = os.path.join(tmp, "sysupgrade.tar")
        subprocess.run(["tar", "cf", out, d, "--mtime=@%d" % mtime, "--numeric-owner", "--owner=0", "--group=0",
                        "--sort=name"], cwd=tmp, check=True)
        with open(out, "rb") as f:
            data = f.read()
    if gz:
        data = gzip.compress(data, mtime=0)
    return with_metadata(data, boards or [board]) if metadata else data


def ubinized(volumes, peb=128 << 10, page=2048, subpage=512) -> bytes:
    """volumes: [(name, bytes or None for an empty dynamic volume of 1 MiB)]; a UBI image as ubinize writes it."""
    with tempfile.TemporaryDirectory(prefix="fsd-owrt-ubi.") as tmp:
        ini = []
        for i, (name, data) in enumerate(volumes):
            ini += ["[%s]" % name, "mode=ubi", "vol_id=%d" % i, "vol_type=dynamic", "vol_name=%s" % name]
            if data is None:
                ini.append("vol_size=1MiB")
            else:
                path = os.path.join(tmp, name + ".bin")
                with open(path, "wb") as f:
                    f.write(data)
                ini.append("image=%s" % path)
        cfg = os.path.join(tmp, "ubi.ini")
        with open(cfg, "w") as f:
            f.write("\n".join(ini) + "\n")
        out = os.path.join(tmp, "ubi.img")
        subprocess.run(["ubinize", "-o", out, "-p", str(peb), "-m", str(page), "-s", str(subpage), cfg],
                       check=True, capture_output=True)
        with open(out, "rb") as f:
            return f.read()
