"""fuzz/corpus/jffs2_file.py — seeds of fuzz_jffs2_file: flags, erase size and name, then the file's bytes.

Input layout (fuzz/fuzz_jffs2_file.c): byte 0 = flags (bit 0 big-endian, bit 1 EOF marker, bit 2 unknown),
byte 1 = erase size (bit 7 set: byte << 5, else 1 << (byte % 20)), byte 2 = name length % 260, the name, the data.
The sysupgrade applet calls the builder with "sysupgrade.tgz", the settings archive and the NOR partition's
erase size (64 KiB on most NOR routers, 4 KiB on small SPI flash, 128 KiB on some); the rest are the edges the
header promises refusals for."""
import gzip
import io
import random
import tarfile

BE, EOF, UNKNOWN = 1, 2, 4


def erase_pow2(shift):
    return shift % 20


def erase_odd(byte):
    """erase = byte << 5 with bit 7 set: 0x80 << 5 = 4096 (a power of two), 0x81 << 5 = 4128 (not)."""
    assert byte & 0x80
    return byte


def seed(flags, erase_byte, name, data):
    name = name.encode() if isinstance(name, str) else name
    return bytes([flags, erase_byte, len(name)]) + name + data


def settings_tgz():
    """A small settings archive as sysupgrade -b makes it (etc/config/*, etc/passwd), gzip'd, fixed mtimes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for path, text in (("etc/config/system", b"config system\n\toption hostname 'OpenWrt'\n"),
                           ("etc/config/network", b"config interface 'lan'\n\toption proto 'static'\n"
                                                  b"\toption ipaddr '192.168.1.1'\n"),
                           ("etc/passwd", b"root:x:0:0:root:/root:/bin/ash\n"),
                           ("etc/dropbear/authorized_keys", b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI x@y\n")):
            info = tarfile.TarInfo(path)
            info.size, info.mtime = len(text), 1700000000
            t.addfile(info, io.BytesIO(text))
    return gzip.compress(buf.getvalue(), mtime=0)


def seeds():
    rnd = random.Random(1985)
    tgz = settings_tgz()
    page = bytes(rnd.randrange(256) for _ in range(4096))
    return {
        # what sysupgrade writes: sysupgrade.tgz, little-endian, with and without the EOF marker
        "sysupgrade-tgz-64k-eof": seed(EOF, erase_pow2(16), "sysupgrade.tgz", tgz),
        "sysupgrade-tgz-64k": seed(0, erase_pow2(16), "sysupgrade.tgz", tgz),
        "sysupgrade-tgz-4k-eof": seed(EOF, erase_pow2(12), "sysupgrade.tgz", tgz),
        "sysupgrade-tgz-128k-be-eof": seed(BE | EOF, erase_pow2(17), "sysupgrade.tgz", tgz),
        "sysupgrade-tgz-512-be": seed(BE, erase_pow2(9), "sysupgrade.tgz", tgz),
        # node splitting: data crossing 4 KiB file pages, a block filled to the byte, tails under 128 bytes
        "pages-4k-plus-one": seed(0, erase_pow2(12), "f", page + b"x"),
        "pages-three-512-blocks": seed(EOF, erase_pow2(9), "f", page[:1500]),
        "short-tail-1k": seed(BE, erase_pow2(10), "a", page[:1024 - 12 - 68 - 100]),
        "empty-file": seed(0, erase_pow2(16), "empty", b""),
        "empty-file-eof-512": seed(EOF, erase_pow2(9), "e", b""),
        # names: the longest allowed, one too long, a '/', an empty one, an embedded NUL, high bytes
        "name-254": seed(0, erase_pow2(12), "n" * 254, b"data"),
        "name-255-too-long": seed(0, erase_pow2(12), "n" * 255, b"data"),
        "name-with-slash": seed(0, erase_pow2(16), "etc/passwd", b"root::0:0::/:/bin/sh\n"),
        "name-empty": seed(0, erase_pow2(16), "", b"data"),
        "name-nul-inside": seed(0, erase_pow2(16), b"abc\0def", b"data"),
        "name-high-bytes": seed(BE, erase_pow2(13), "s\xc3\xa9ttings\xff", b"data"),
        "name-dot-dotdot": seed(0, erase_pow2(16), "..", b"x"),
        # erase sizes refused: below 512, not a power of two, 1 byte; and an unknown flag bit
        "erase-256-too-small": seed(0, erase_pow2(8), "f", b"data"),
        "erase-1": seed(0, erase_pow2(0), "f", b"data"),
        "erase-4128-not-pow2": seed(0, erase_odd(0x81), "f", b"data"),
        "erase-4096-by-shift": seed(EOF, erase_odd(0x80), "f", page[:300]),
        "flag-unknown-bit": seed(UNKNOWN | EOF, erase_pow2(16), "f", b"data"),
        "too-short": b"\x02\x10",
    }
