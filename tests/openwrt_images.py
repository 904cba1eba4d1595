"""tests/openwrt_images.py — OpenWrt's own image layouts, made here the way OpenWrt's build makes them, for the flashing tests.

- sysupgrade_tar(): what scripts/sysupgrade-tar.sh does: a directory sysupgrade-<board>/ ("," in the board name
  written "_", as $(DEVICE_NAME)) with CONTROL ("BOARD=<board>\n"), kernel and/or root, packed by GNU tar with
  --sort=name --owner=0 --group=0 --numeric-owner (so the first member is the directory and the file starts
  "sysu"), optionally gzip'd, then the fwtool metadata appended as include/image-commands.mk's append-metadata
  does (by tests/fwimage_ref.py, the test's own encoder).
- ubinized(): a UBI device image (UBI#) made by mtd-utils' ubinize from an ini file, as OpenWrt's
  Build/append-ubi does.
- fit(): a uImage.FIT as scripts/mkits.sh writes its source (kernel-1, fdt-1, rootfs-1 each with hash-1 crc32
  and hash-2 sha1; configuration loadables = "rootfs-1") and Build/fit compiles it for the filogic "ubootmod"
  boards: U-Boot's mkimage -E -B 0x1000 -p 0x1000 (external data, 4 KiB aligned).
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
    """The tar (bytes) with fwtool metadata for `boards` (default: [board]), or without (metadata=False);
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


FIT_SOURCE = """/dts-v1/;
/ {
	description = "ARM64 OpenWrt FIT (Flattened Image Tree)";
	#address-cells = <1>;
	images {
		kernel-1 {
			description = "ARM64 OpenWrt Linux-6.6";
			data = /incbin/("kernel");
			type = "kernel";
			arch = "arm64";
			os = "linux";
			compression = "gzip";
			load = <0x48000000>;
			entry = <0x48000000>;
			hash-1 { algo = "crc32"; };
			hash-2 { algo = "%(hash)s"; };
		};
		fdt-1 {
			description = "ARM64 OpenWrt device tree blob";
			data = /incbin/("dtb");
			type = "flat_dt";
			arch = "arm64";
			compression = "none";
			hash-1 { algo = "crc32"; };
			hash-2 { algo = "%(hash)s"; };
		};
		rootfs-1 {
			description = "ARM64 OpenWrt rootfs";
			data = /incbin/("root");
			type = "filesystem";
			arch = "arm64";
			compression = "none";
			hash-1 { algo = "crc32"; };
			hash-2 { algo = "%(hash)s"; };
		};
	};
	configurations {
		default = "config-1";
		config-1 {
			description = "OpenWrt %(board)s";
			kernel = "kernel-1";
			fdt = "fdt-1";
			loadables = "rootfs-1";
			compatible = "%(board)s";
		};
	};
};
"""


def fit(kernel, dtb, root, board="failsafed,sim", hash_algo="sha1", mkimage_args=("-E", "-B", "0x1000", "-p",
                                                                                  "0x1000")) -> bytes:
    """The FIT (bytes, no metadata) as mkits.sh + mkimage make it for OpenWrt's FIT boards."""
    with tempfile.TemporaryDirectory(prefix="fsd-owrt-fit.") as tmp:
        for name, data in (("kernel", kernel), ("dtb", dtb), ("root", root)):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        with open(os.path.join(tmp, "image.its"), "w") as f:
            f.write(FIT_SOURCE % dict(hash=hash_algo, board=board))
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
        subprocess.run(["mkimage"] + list(mkimage_args) + ["-f", "image.its", "image.itb"], cwd=tmp, check=True,
                       capture_output=True, env=env)
        with open(os.path.join(tmp, "image.itb"), "rb") as f:
            return f.read()


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
