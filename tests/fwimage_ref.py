#!/usr/bin/env python3
"""tests/fwimage_ref.py — independent reference encoder/decoder of OpenWrt fwtool images (stdlib only)

Written from the format, not from app/image/fwimage.c, so tests can check the C code
against it. What OpenWrt's build does (include/image-commands.mk append-metadata,
then fwtool -I, and fwtool -S for a signed build), from the end of the file:

    payload | header | JSON | trailer [| signature | trailer]

    header   be32 version 0, be32 flags 0
    trailer  be32 magic 0x46577830 "FWx0", be32 crc, u8 type (1 metadata,
             0 signature), 3 zero bytes, be32 size of the chunk incl. trailer
    crc      CRC-32 reflected 0xEDB88320, init 0xFFFFFFFF, no final xor,
             over every byte before the trailer: zlib.crc32(...) ^ 0xFFFFFFFF

Command line:
    fwimage_ref.py --board COMPAT [--board ...] --version V [--compat 1.0]
                   [--sign] PAYLOAD -o IMAGE
    fwimage_ref.py --info IMAGE        decode and print what is found, as JSON
    fwimage_ref.py --seeds DIR         (re)write the fuzz seeds: DIR/gen-*
As a module: make_image(), metadata_json(), append_chunk(), parse_image(),
fuzz_seeds() (the seeds of fuzz/corpus/fwimage, name -> bytes, each <= 8 KiB).
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import zlib

MAGIC = 0x46577830
TYPE_SIGNATURE = 0
TYPE_METADATA = 1
HEADER = struct.Struct(">II")
TRAILER = struct.Struct(">IIB3xI")
METADATA_MAX_BYTES = 30 * 1024
SIGNATURE_MAX_BYTES = 1024


def fwtool_crc(data: bytes) -> int:
    """fwtool's CRC-32: zlib's value without its final inversion."""
    return zlib.crc32(data) ^ 0xFFFFFFFF


def legacy_message(devices, compat, compat_message=None) -> str:
    """What OpenWrt puts in supported_devices when compat_version is not 1.0."""
    reason = f"Reason: {compat_message}" if compat_message else "Please check documentation ..."
    return (f"{' '.join(devices)} - Image version mismatch: image {compat}, device 1.0. "
            f"Please wipe config during upgrade (force required) or reinstall. {reason}")


def metadata_json(devices, version, compat="1.0", dist="OpenWrt", revision="", target="",
                  board="", compat_message=None, sha256=None, extra=None) -> bytes:
    """The metadata as OpenWrt's template writes it: its key order, spaces, echo's newline."""
    doc = dict(extra or {})          # IMAGE_METADATA comes first in the template
    doc["metadata_version"] = "1.1"
    doc["compat_version"] = compat
    if compat_message:
        doc["compat_message"] = compat_message
    if compat != "1.0":
        doc["new_supported_devices"] = list(devices)
        doc["supported_devices"] = [legacy_message(devices, compat, compat_message)]
    else:
        doc["supported_devices"] = list(devices)
    doc["version"] = {"dist": dist, "version": version, "revision": revision,
                      "target": target, "board": board}
    if sha256:
        doc["sha256"] = sha256
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode()


def append_chunk(image: bytes, data: bytes, chunk_type: int) -> bytes:
    """image + data + trailer, as fwtool -I (data = header + JSON) or -S (data = signature)."""
    body = image + data
    size = len(data) + TRAILER.size
    return body + TRAILER.pack(MAGIC, fwtool_crc(body), chunk_type, size)


def metadata_chunk_data(json_bytes: bytes, version=0, flags=0) -> bytes:
    return HEADER.pack(version, flags) + json_bytes


def fake_signature(image: bytes) -> bytes:
    """Stands in for a ucert blob: only the chunk structure is real."""
    return b"fwimage_ref test signature " + hashlib.sha256(image).hexdigest().encode() + b"\n"


def make_image(payload: bytes, devices, version, compat="1.0", sign=False, with_sha256=True,
               **fields) -> bytes:
    sha = hashlib.sha256(payload).hexdigest() if with_sha256 else None
    meta = metadata_json(devices, version, compat=compat, sha256=sha, **fields)
    if len(meta) > METADATA_MAX_BYTES:
        raise ValueError(f"metadata of {len(meta)} bytes exceeds {METADATA_MAX_BYTES}")
    image = append_chunk(payload, metadata_chunk_data(meta), TYPE_METADATA)
    if sign:
        image = append_chunk(image, fake_signature(image), TYPE_SIGNATURE)
    return image


def parse_image(image: bytes) -> dict:
    """Walk the chunks back from the end. Result keys: payload_bytes, metadata (dict or
    None), signature (bytes or None), error (None or a string)."""
    out = {"payload_bytes": len(image), "metadata": None, "signature": None, "error": None}
    end = len(image)
    while end >= TRAILER.size:
        magic, crc, chunk_type, size = TRAILER.unpack_from(image, end - TRAILER.size)
        if magic != MAGIC:
            break
        if crc != fwtool_crc(image[:end - TRAILER.size]):
            out["error"] = f"crc mismatch in trailer at {end - TRAILER.size}"
            return out
        if size < TRAILER.size or size > end:
            out["error"] = f"bad chunk size {size}"
            return out
        data = image[end - size:end - TRAILER.size]
        end -= size
        if chunk_type == TYPE_SIGNATURE:
            out["signature"] = data
            continue
        if chunk_type != TYPE_METADATA or len(data) < HEADER.size:
            out["error"] = f"bad chunk type {chunk_type} or size {size}"
            return out
        version, _flags = HEADER.unpack_from(data)
        if version != 0:
            out["error"] = f"metadata header version {version}"
            return out
        try:
            out["metadata"] = json.loads(data[HEADER.size:].decode())
        except ValueError as e:
            out["error"] = f"bad json: {e}"
            return out
        break
    if out["signature"] is not None and out["metadata"] is None:
        out["error"] = "signature without metadata"
    out["payload_bytes"] = end
    return out


def _filler(n, tag):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{tag}{i}".encode()).digest()
        i += 1
    return out[:n]


def _flip(image, off, mask=0x01):
    b = bytearray(image)
    b[off] ^= mask
    return bytes(b)


def fuzz_seeds() -> dict:
    """Small images, valid and damaged in the ways the reader must tell apart. Deterministic."""
    devs = ["acme,r1", "acme-r1"]
    f = dict(revision="r1-abc", target="ath79/generic", board="acme_r1")
    valid = make_image(_filler(300, "p"), devs, "23.05.3", **f)
    signed = make_image(_filler(300, "p"), devs, "23.05.3", sign=True, **f)

    def meta(payload, text, version=0):
        return append_chunk(payload, metadata_chunk_data(text, version=version), TYPE_METADATA)

    big = b'{"supported_devices":["acme,r1"],"pad":"' + b"p" * 7000 + b'"}'
    return {
        "valid-compat10": valid,
        "valid-signed": signed,
        "valid-compat20": make_image(_filler(200, "p"), devs, "24.10.0", compat="2.0",
                                     compat_message="new layout", **f),
        "valid-compat11-signed-nosha": make_image(_filler(64, "q"), ["acme,r3"], "SNAPSHOT", compat="1.1",
                                                  sign=True, with_sha256=False),
        "valid-big-metadata": meta(_filler(100, "b"), big),
        "valid-openwrt-1.0": meta(_filler(80, "o"), b'{  "metadata_version": "1.0", "supported_devices":'
                                  b'["tplink,archer-c7-v5","archer-c7-v5"], "version": { "dist": "OpenWrt", '
                                  b'"version": "SNAPSHOT", "revision": "r11215+4-bba6646b5cba", "target": '
                                  b'"ath79/generic", "board": "tplink_archer-c7-v5" } }\n'),
        "no-metadata": _filler(700, "raw"),
        "empty": b"",
        "one-byte": b"x",
        "magic-only": struct.pack(">I", MAGIC),
        "trailer-only": append_chunk(b"", b"", TYPE_SIGNATURE),
        "metadata-no-payload": meta(b"", b'{"supported_devices":["acme,r1"]}'),
        "orphan-signature": append_chunk(_filler(100, "s"), b"sig", TYPE_SIGNATURE),
        "three-signatures": append_chunk(append_chunk(signed, b"s2", TYPE_SIGNATURE), b"s3", TYPE_SIGNATURE),
        "truncated-5": valid[:-5],
        "truncated-30": signed[:-30],
        "truncated-into-json": valid[:-40],
        "flipped-payload": _flip(valid, 10),
        "flipped-header": _flip(valid, 302),
        "flipped-json": _flip(valid, 320),
        "flipped-magic": _flip(valid, len(valid) - 15),
        "flipped-type": _flip(valid, len(valid) - 8),
        "flipped-size": _flip(valid, len(valid) - 1, 0x08),
        "flipped-signature": _flip(signed, len(signed) - 20),
        "bad-json": meta(_filler(50, "j"), b'{"supported_devices":["a"]'),
        "bad-header-version": meta(_filler(50, "h"), b'{"supported_devices":["a"]}', version=1),
        "wrong-types": meta(_filler(50, "t"), b'{"compat_version":1,"supported_devices":"a","version":[],"sha256":7}'),
        "compat20-no-new-list": meta(_filler(50, "c"), b'{"compat_version":"2.0","supported_devices":["acme,r1"]}'),
    }


def write_seeds(directory):
    """As fuzz/corpus/make_seeds.py does: stale gen-* files go, every seed is gen-<name>."""
    os.makedirs(directory, exist_ok=True)
    for old in os.listdir(directory):
        if old.startswith("gen-"):
            os.unlink(os.path.join(directory, old))
    for name, data in sorted(fuzz_seeds().items()):
        assert len(data) <= 8192, name
        with open(os.path.join(directory, "gen-" + name), "wb") as f:
            f.write(data)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="reference fwtool image encoder (tests only)")
    ap.add_argument("--board", action="append", default=[], help="supported device (repeatable)")
    ap.add_argument("--version", default="SNAPSHOT")
    ap.add_argument("--compat", default="1.0")
    ap.add_argument("--compat-message")
    ap.add_argument("--dist", default="OpenWrt")
    ap.add_argument("--revision", default="")
    ap.add_argument("--target", default="")
    ap.add_argument("--board-name", default="", help="version.board")
    ap.add_argument("--no-sha256", action="store_true", help="leave out the payload's sha256")
    ap.add_argument("--sign", action="store_true", help="append a (fake) signature chunk")
    ap.add_argument("--info", metavar="IMAGE", help="decode IMAGE and print the result")
    ap.add_argument("--seeds", metavar="DIR", help="write the fuzz seeds into DIR")
    ap.add_argument("payload", nargs="?")
    ap.add_argument("-o", "--output")
    a = ap.parse_args(argv)

    if a.seeds:
        write_seeds(a.seeds)
        return 0
    if a.info:
        with open(a.info, "rb") as f:
            image = f.read()
        r = parse_image(image)
        r["signature"] = None if r["signature"] is None else len(r["signature"])
        r["payload_sha256"] = hashlib.sha256(image[:r["payload_bytes"]]).hexdigest()
        print(json.dumps(r, indent=1))
        return 1 if r["error"] else 0
    if not a.payload or not a.output or not a.board:
        ap.error("PAYLOAD, -o IMAGE and at least one --board are needed")
    with open(a.payload, "rb") as f:
        payload = f.read()
    image = make_image(payload, a.board, a.version, compat=a.compat, sign=a.sign,
                       with_sha256=not a.no_sha256, dist=a.dist, revision=a.revision,
                       target=a.target, board=a.board_name, compat_message=a.compat_message)
    with open(a.output, "wb") as f:
        f.write(image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
