#!/usr/bin/python3
"""unittests/data/images/make_vectors.py — writes <name>.bin (OpenWrt-style payloads made by the real tools) and
vectors.h (what an independent reading of each says it holds: Python's tarfile and gzip, libfdt, a UBI reader
here), for test_payload_deep.c, which reads the .bin files from this directory.

    /usr/bin/python3 unittests/data/images/make_vectors.py      # Debian's python3 (python3-libfdt)

Tools: GNU tar (as scripts/sysupgrade-tar.sh: --sort=name --owner=0 --group=0 --numeric-owner --mtime), gzip -n,
U-Boot's mkimage -f (SOURCE_DATE_EPOCH fixes its timestamps; dtc underneath), ubinize -Q (a fixed image sequence).
Every vector is at most 8 KiB (tar -b 1: one block per record instead of GNU tar's 10 KiB records; the default
records are tested by tests/test_images.py). The output is byte-identical on every run with the same tool versions;
commit it with any change here.
"""
import gzip
import hashlib
import io
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib

import libfdt

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCH = 1700000000
MEMBERS = ["CONTROL", "kernel", "root", "dtb"]
ALGOS = ["crc32", "md5", "sha1", "sha256"]


def data(tag, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{tag}/{i}".encode()).digest()
        i += 1
    return out[:n]


def run(args, cwd, env=None):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, env=env)


# ---------------------------------------------------------------- tar
def make_tar(files, fmt="gnu", blocking=1, gz=False, order=None):
    """files: [(path, bytes or None for a directory)]; tar run as sysupgrade-tar.sh does (or in `order`)."""
    with tempfile.TemporaryDirectory(prefix="fsd-vec.") as tmp:
        for path, content in files:
            full = os.path.join(tmp, path)
            if content is None:
                os.makedirs(full, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as f:
                    f.write(content)
        for path, _ in files:
            os.utime(os.path.join(tmp, path), (EPOCH, EPOCH))
        names = order or sorted({p.split("/")[0] if not p.startswith("./") else "." for p, _ in files})
        args = ["tar", "cf", "out.tar", "-b", str(blocking), "--format=" + fmt, "--mtime=@%d" % EPOCH,
                "--numeric-owner", "--owner=0", "--group=0", "--sort=name"]
        if order:
            args.append("--no-recursion")
        if fmt == "pax":   # reproducible: no access or change times (which pax records with sub-seconds)
            args.append("--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime")
        run(args + names, tmp)
        with open(os.path.join(tmp, "out.tar"), "rb") as f:
            out = f.read()
    return gzip.compress(out, mtime=0) if gz else out


def tar_facts(blob, gz):
    """What Python's tarfile reads: the first sysupgrade-<x>/ directory (nand.sh), its members, the end."""
    raw = gzip.decompress(blob) if gz else blob
    t = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
    infos = t.getmembers()
    names = [i.name[2:] if i.name.startswith("./") else i.name for i in infos]
    dirs = [n for n, i in zip(names, infos) if i.isdir() and n.startswith("sysupgrade-") and "/" not in n]
    if not dirs:
        dirs = [n.split("/")[0] for n in names if n.startswith("sysupgrade-") and "/" in n]
    d = dirs[0] if dirs else ""
    members = []
    for m in MEMBERS:
        hit = [i for n, i in zip(names, infos) if n == d + "/" + m]
        if hit:
            i = hit[0]
            body = raw[i.offset_data:i.offset_data + i.size]
            members.append((True, i.offset_data, i.size, zlib.crc32(body)))
        else:
            members.append((False, 0, 0, 0))
    last = infos[-1]
    end = last.offset_data + (last.size + 511) // 512 * 512 + 1024
    assert raw[end - 1024:end] == bytes(1024)
    control = ""
    if members[0][0]:
        text = raw[members[0][1]:members[0][1] + members[0][2]].decode()
        control = next((ln[6:] for ln in text.splitlines() if ln.startswith("BOARD=")), "")
    return dict(dir=d, members=members, own=end, uncompressed=len(raw), control=control)


def sysupgrade(board, kernel=None, root=None, dtb=None, control=None, dirname=None, prefix=""):
    d = prefix + (dirname or "sysupgrade-" + board.replace(",", "_"))
    files = [(d, None), (d + "/CONTROL", ("BOARD=%s\n" % board).encode() if control is None else control)]
    for name, content in (("kernel", kernel), ("root", root), ("dtb", dtb)):
        if content is not None:
            files.append((d + "/" + name, content))
    return files


KERNEL = data("kernel", 900)
ROOT = b"hsqs" + data("root", 1400)
DTB = b"\xd0\x0d\xfe\xed" + data("dtb", 300)


def tar_vectors():
    # 95 bytes: the directory fits failsafed's 99, its members' names do not fit ustar's 100-byte name field
    long_dir = "sysupgrade-" + "a-board-with-a-name-long-enough-for-gnu-long-names-and-pax-path-records-" + "x" * 11
    too_long = long_dir + "y" * 10
    two = sysupgrade("acme,r1", kernel=KERNEL[:200], root=ROOT[:300]) + \
        sysupgrade("other,board", kernel=KERNEL[:300], root=ROOT[:200])
    v = [
        # name, files, make_tar kwargs, expect ok, notes
        ("tar_nand_gnu", sysupgrade("acme,r1", kernel=KERNEL, root=ROOT), {}, True),
        ("tar_nand_ustar", sysupgrade("acme,r1", kernel=KERNEL, root=ROOT), dict(fmt="ustar"), True),
        ("tar_nand_pax", sysupgrade("acme,r1", root=ROOT, dirname=long_dir), dict(fmt="pax"), True),
        ("tar_nand_longname", sysupgrade("acme,r1", kernel=KERNEL, dirname=long_dir), {}, True),
        ("tar_ustar_prefix", sysupgrade("acme,r1", kernel=KERNEL, dirname=long_dir), dict(fmt="ustar"), True),
        ("tar_dir_too_long", sysupgrade("acme,r1", kernel=KERNEL, dirname=too_long), {}, False),
        ("tar_emmc_dtb", sysupgrade("acme,r1", kernel=KERNEL, root=ROOT, dtb=DTB), {}, True),
        ("tar_dot", sysupgrade("acme,r1", kernel=KERNEL, root=ROOT, prefix="./"), {}, True),
        ("tar_two_dirs", two, {}, True),
        ("tar_files_only", sysupgrade("acme,r1", kernel=KERNEL, root=ROOT)[1:],
         dict(order=["sysupgrade-acme_r1/CONTROL", "sysupgrade-acme_r1/kernel", "sysupgrade-acme_r1/root"]), True),
        ("tar_nand_gz", sysupgrade("acme,r1", kernel=KERNEL, root=ROOT), dict(gz=True, blocking=20), True),
        ("tar_control_only", sysupgrade("acme,r1"), {}, False),
        ("tar_control_empty", sysupgrade("acme,r1", kernel=KERNEL, control=b""), {}, False),
        ("tar_first_dir_empty", sysupgrade("aaa,first")[:2] + sysupgrade("acme,r1", kernel=KERNEL, root=ROOT),
         {}, False),
        ("tar_other", [("etc", None), ("etc/passwd", b"root:x:0:0::/root:/bin/ash\n")], {}, True),
    ]
    out = []
    for name, files, kw, ok in v:
        blob = make_tar(files, **kw)
        facts = tar_facts(blob, kw.get("gz", False))
        out.append((name, blob, kw.get("gz", False), ok, facts))
    return out


# ---------------------------------------------------------------- FIT
ITS = """/dts-v1/;
/ {
	description = "failsafed test FIT";
	#address-cells = <1>;
	images {
		kernel-1 {
			description = "kernel";
			data = /incbin/("kernel.bin");
			type = "kernel";
			arch = "arm64";
			os = "linux";
			compression = "gzip";
			load = <0x44000000>;
			entry = <0x44000000>;
			hash-1 { algo = "%(k1)s"; };
			hash-2 { algo = "%(k2)s"; };
		};
		fdt-1 {
			description = "device tree";
			data = /incbin/("fdt.dtb");
			type = "flat_dt";
			arch = "arm64";
			compression = "none";
			hash-1 { algo = "%(f1)s"; };
		};
		rootfs-1 {
			description = "root";
			data = /incbin/("root.bin");
			type = "filesystem";
			arch = "arm64";
			compression = "none";
			hash-1 { algo = "crc32"; };
			hash-2 { algo = "sha1"; };
		};
	};
	configurations {
		default = "config-1";
		config-1 {
			description = "acme r1";
			kernel = "kernel-1";
			fdt = "fdt-1";
			loadables = "rootfs-1";
		};
	};
};
"""


def make_fit(args, algos=("crc32", "sha1", "sha256")):
    with tempfile.TemporaryDirectory(prefix="fsd-vec.") as tmp:
        for name, content in (("kernel.bin", KERNEL), ("fdt.dtb", DTB), ("root.bin", ROOT)):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(content)
        with open(os.path.join(tmp, "t.its"), "w") as f:
            f.write(ITS % dict(k1=algos[0], k2=algos[1], f1=algos[2]))
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
        run(["mkimage"] + args + ["-f", "t.its", "out.itb"], tmp, env)
        with open(os.path.join(tmp, "out.itb"), "rb") as f:
            return f.read()


def fit_facts(blob):
    """libfdt's reading: images, hash nodes, every hash checked here too, the FIT's own length."""
    fdt = libfdt.Fdt(blob)
    total = fdt.totalsize()
    images = fdt.path_offset("/images")
    n_images = n_hashes = unhashed = 0
    algos = 0
    own = total
    node = fdt.first_subnode(images)
    while True:
        n_images += 1
        props = {}
        off = fdt.first_property_offset(node, [libfdt.FDT_ERR_NOTFOUND])
        while off >= 0:
            p = fdt.get_property_by_offset(off)
            props[p.name] = bytes(p)
            off = fdt.next_property_offset(off, [libfdt.FDT_ERR_NOTFOUND])
        size = struct.unpack(">I", props["data-size"])[0] if "data-size" in props else None
        if "data-position" in props:
            start = struct.unpack(">I", props["data-position"])[0]
        elif "data-offset" in props:
            start = (total + 3) // 4 * 4 + struct.unpack(">I", props["data-offset"])[0]
        else:
            start = None
        body = props["data"] if start is None else blob[start:start + size]
        if start is not None:
            own = max(own, start + size)
        mine = 0
        sub = fdt.first_subnode(node, [libfdt.FDT_ERR_NOTFOUND])
        while sub >= 0:
            if fdt.get_name(sub).startswith("hash"):
                algo = fdt.getprop(sub, "algo").as_str()
                value = bytes(fdt.getprop(sub, "value"))
                if algo in ALGOS:
                    want = struct.pack(">I", zlib.crc32(body)) if algo == "crc32" else hashlib.new(algo, body).digest()
                    assert value == want, (algo, value.hex(), want.hex())
                    algos |= 1 << ALGOS.index(algo)
                n_hashes += 1
                mine += 1
            sub = fdt.next_subnode(sub, [libfdt.FDT_ERR_NOTFOUND])
        unhashed += mine == 0
        node = fdt.next_subnode(node, [libfdt.FDT_ERR_NOTFOUND])
        if node < 0:
            break
    return dict(images=n_images, hashes=n_hashes, unhashed=unhashed, algos=algos, own=own)


def fit_vectors():
    v = [
        ("fit_embedded", [], ("crc32", "sha1", "sha256"), False, True),
        ("fit_embedded_md5", [], ("md5", "sha256", "crc32"), False, True),
        ("fit_external", ["-E"], ("crc32", "sha1", "sha256"), False, True),
        ("fit_position", ["-E", "-B", "0x100", "-p", "0x800"], ("crc32", "sha1", "md5"), False, True),
        ("fit_external_gz", ["-E"], ("crc32", "sha1", "sha256"), True, True),
        ("fit_sha512", ["-E"], ("crc32", "sha512", "sha256"), False, False),
    ]
    out = []
    for name, args, algos, gz, ok in v:
        blob = make_fit(args, algos)
        facts = fit_facts(blob)
        facts["uncompressed"] = len(blob)
        out.append((name, gzip.compress(blob, mtime=0) if gz else blob, gz, ok, facts))
    return out


# FITs U-Boot's mkimage would not write, compiled by dtc from these sources: each is refused by the check.
HOSTILE_FIT = """/dts-v1/;
/ {
	%(desc)s
	images {
		kernel-1 {
			data = [01 02 03 04 05 06 07 08];
			%(data)s
			hash-1 { algo = "%(algo)s"; value = [%(value)s]; };
		};
	};
	configurations {
		%(default)s
		config-1 { kernel = "%(kernel)s"; };
	};
};
"""
GOOD = dict(desc='description = "x";', data="", algo="crc32", value="3f ca 88 c5", default='default = "config-1";',
            kernel="kernel-1")


def dtc_fit(**kw):
    src = HOSTILE_FIT % dict(GOOD, **kw)
    return subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", "-"], input=src.encode(), check=True,
                          capture_output=True).stdout


def hostile_fit_vectors():
    assert struct.pack(">I", zlib.crc32(bytes(range(1, 9)))).hex() == "3fca88c5"
    v = [
        ("fit_dtc_ok", {}, True),
        ("fit_value_len", dict(algo="sha1", value="00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff"), False),
        ("fit_bad_crc", dict(value="3f ca 88 c6"), False),
        ("fit_offset_past_end", dict(data="data-offset = <0x1000>; data-size = <0x20>;"), False),
        ("fit_unknown_image", dict(kernel="kernel-9"), False),
        ("fit_no_default", dict(default=""), False),
        ("fit_no_description", dict(desc=""), False),
        ("fit_crc16", dict(algo="crc16-ccitt", value="00 00"), False),
    ]
    out = []
    for name, kw, ok in v:
        blob = dtc_fit(**kw)
        facts = dict(uncompressed=len(blob))
        if ok:
            facts.update(fit_facts(blob))
        out.append((name, blob, False, ok, facts))
    return out


# ---------------------------------------------------------------- UBI
def ubi_crc(b):
    return zlib.crc32(b) ^ 0xffffffff


def ubi_facts(blob, peb):
    """This reader's own view: every EC header's CRC, the volume table of the layout volume's LEB 0."""
    assert len(blob) % peb == 0
    vid_off, data_off = struct.unpack(">II", blob[16:24])
    names, reserved, autoresize = [], 0, False
    for i in range(len(blob) // peb):
        p = blob[i * peb:(i + 1) * peb]
        assert p[:4] == b"UBI#" and struct.unpack(">I", p[60:64])[0] == ubi_crc(p[:60])
        vid = p[vid_off:vid_off + 64]
        vol_id, lnum = struct.unpack(">II", vid[8:16])
        if vid[:4] == b"UBI!" and vol_id == 0x7fffefff and lnum == 0 and not names:
            slots = min(128, (peb - data_off) // 172)
            for s in range(slots):
                r = p[data_off + 172 * s:data_off + 172 * (s + 1)]
                assert struct.unpack(">I", r[168:172])[0] == ubi_crc(r[:168])
                if struct.unpack(">I", r[:4])[0]:
                    reserved += struct.unpack(">I", r[:4])[0]
                    names.append(r[16:16 + struct.unpack(">H", r[14:16])[0]].decode())
                    autoresize = autoresize or bool(r[144] & 1)
    return dict(peb=peb, pebs=len(blob) // peb, own=len(blob), volumes=len(names), names=" ".join(names),
                reserved=reserved, autoresize=autoresize)


def make_ubi(peb, volumes):
    with tempfile.TemporaryDirectory(prefix="fsd-vec.") as tmp:
        ini = []
        for i, (name, content, extra) in enumerate(volumes):
            ini += ["[%s]" % name, "mode=ubi", "vol_id=%d" % i, "vol_type=dynamic", "vol_name=%s" % name] + extra
            if content is not None:
                with open(os.path.join(tmp, name + ".bin"), "wb") as f:
                    f.write(content)
                ini.append("image=%s.bin" % name)
        with open(os.path.join(tmp, "u.ini"), "w") as f:
            f.write("\n".join(ini) + "\n")
        run(["ubinize", "-o", "u.img", "-p", str(peb), "-m", "64", "-s", "64", "-Q", "1234", "u.ini"], tmp)
        with open(os.path.join(tmp, "u.img"), "rb") as f:
            return f.read()


def ubi_vectors():
    v = [
        ("ubi_2k", 2048, [("kernel", KERNEL[:700], []), ("rootfs_data", None, ["vol_size=8KiB", "vol_flags=autoresize"])],
         False),
        ("ubi_1k", 1024, [("kernel", KERNEL[:500], []), ("rootfs", ROOT[:900], [])], False),
        ("ubi_2k_gz", 2048, [("fit", KERNEL, [])], True),
    ]
    out = []
    for name, peb, vols, gz in v:
        blob = make_ubi(peb, vols)
        facts = ubi_facts(blob, peb)
        facts["uncompressed"] = len(blob)
        out.append((name, gzip.compress(blob, mtime=0) if gz else blob, gz, True, facts))
    return out


# ---------------------------------------------------------------- output
def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    out = ["/* unittests/data/images/vectors.h — generated by make_vectors.py with GNU tar, gzip, mkimage and ubinize: "
           "do not edit */",
           "#include <stdbool.h>", "#include <stddef.h>", "#include <stdint.h>", "",
           "struct vec_member { bool present; uint64_t offset, size; uint32_t crc; };",
           "struct vector {",
           "\tconst char *name;           /* <name>.bin */",
           "\tsize_t len;",
           "\tchar kind;                   /* 't' tar, 'f' FIT, 'u' UBI */",
           "\tbool gzip, ok;",
           "\tuint64_t uncompressed, own;",
           "\tconst char *dir, *control;   /* tar */",
           "\tstruct vec_member member[4];",
           "\tunsigned images, hashes, unhashed, algos;   /* FIT */",
           "\tuint32_t peb, pebs, volumes, reserved;      /* UBI */",
           "\tbool autoresize;",
           "\tconst char *names;",
           "};", ""]
    rows = []
    for old in os.listdir(HERE):
        if old.endswith(".bin"):
            os.unlink(os.path.join(HERE, old))
    for kind, vecs in (("t", tar_vectors()), ("f", fit_vectors() + hostile_fit_vectors()), ("u", ubi_vectors())):
        for name, blob, gz, ok, facts in vecs:
            assert len(blob) <= 8192, (name, len(blob))
            with open(os.path.join(HERE, name + ".bin"), "wb") as fb:
                fb.write(blob)
            f = facts or {}
            members = ", ".join("{ %s, %d, %d, 0x%08xu }" % ("true" if p else "false", o, s, c)
                                for p, o, s, c in f.get("members", [(False, 0, 0, 0)] * 4))
            rows.append("\t{ %s, %d, '%s', %s, %s, %d, %d, %s, %s, { %s }, %d, %d, %d, %d, %d, %d, %d, %d, "
                        "%s, %s }," % (c_str(name), len(blob), kind, "true" if gz else "false", "true" if ok else "false",
                                       f.get("uncompressed", len(blob)), f.get("own", 0), c_str(f.get("dir", "")),
                                       c_str(f.get("control", "")), members, f.get("images", 0), f.get("hashes", 0),
                                       f.get("unhashed", 0), f.get("algos", 0), f.get("peb", 0), f.get("pebs", 0),
                                       f.get("volumes", 0), f.get("reserved", 0),
                                       "true" if f.get("autoresize") else "false", c_str(f.get("names", ""))))
    out.append("static const struct vector vectors[] = {\n%s\n};\n" % "\n".join(rows))
    with open(os.path.join(HERE, "vectors.h"), "w") as f:
        f.write("\n".join(out))
    print("vectors.h: %d vectors" % len(rows))


if __name__ == "__main__":
    sys.exit(main())
