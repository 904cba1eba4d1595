#!/usr/bin/env python3
"""fuzz/corpus/make_seeds.py — writes the committed seed corpora of the fuzz targets, deterministically.

    python3 fuzz/corpus/make_seeds.py            # rewrite every generated seed (gen-*)
    python3 fuzz/corpus/make_seeds.py --capture  # also re-capture the seeds real programs make (real-*):
                                                 # kernel netlink replies (needs unshare -rn), GNU tar, ubinize
    python3 fuzz/corpus/make_seeds.py --check    # change nothing; exit 1 naming every target whose corpus
                                                 # is missing, empty or not what the generator writes

The targets are the files fuzz/fuzz_<name>.c: a new target is picked up without editing this file. Its seeds
come from fuzz/corpus/<name>.py (a module with seeds() -> {name: bytes}) when there is one, else from a
generator in this file (GENERATORS). A target with neither keeps whatever is committed in fuzz/corpus/<name>/,
and --check fails while that is nothing. Seeds made by other programs (real-*) are written only with --capture
and --check only asks that they exist.
"""
import glob
import importlib.util
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_SEED_BYTES = 8192

# ---------------------------------------------------------------- telnet_proto
IAC, DONT, DO, WONT, WILL, SB, GA, EL, EC, AYT, AO, IP, BRK, DM, NOP, SE = range(255, 239, -1)
ECHO, SGA, TM, TTYPE, NAWS, LINEMODE, ENVIRON, NEW_ENVIRON = 1, 3, 6, 24, 31, 34, 36, 39


def tb(*parts):
    """Bytes from ints, str and bytes."""
    out = bytearray()
    for p in parts:
        if isinstance(p, int):
            out.append(p)
        elif isinstance(p, str):
            out += p.encode("latin-1")
        else:
            out += p
    return bytes(out)


def hdr(start=True, small_cap=3, enc_cap=3, flush=False, chunks=(63, 63, 63, 63, 63, 63, 63)):
    """fuzz_telnet_proto.c header: hdr[0] = start | (small_cap-1)<<1 | (enc_cap-3)<<4 | flush<<7, then 7 chunk sizes."""
    assert 1 <= small_cap <= 8 and 3 <= enc_cap <= 10 and len(chunks) == 7
    b0 = int(start) | (small_cap - 1) << 1 | (enc_cap - 3) << 4 | int(flush) << 7
    return bytes([b0] + [c & 63 for c in chunks])


def naws(cols, rows):
    """IAC SB NAWS <cols> <rows> IAC SE with 0xFF doubled (RFC 1073)."""
    payload = struct.pack(">HH", cols, rows).replace(b"\xff", b"\xff\xff")
    return tb(IAC, SB, NAWS, payload, IAC, SE)


def telnet_seeds():
    rnd = random.Random(854)
    linux_client = tb(IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS, naws(80, 24),
                      IAC, WILL, TTYPE, IAC, WILL, 32, IAC, WILL, 33, IAC, WILL, NEW_ENVIRON,
                      IAC, DO, SGA, "root\r\0")
    # What BSD/netkit telnet sends for the session in tests/test_telnet.py (expect sends "...\r").
    session = tb(linux_client, naws(100, 40), "echo answer-$((6*7))\r\0", "stty size\r\0",
                 naws(120, 50), "stty size\r\0", "exit\r\0")
    mirror = tb(IAC, WONT, ECHO, IAC, WILL, ECHO, IAC, DONT, SGA, IAC, WONT, NAWS, IAC, DO, NAWS,
                IAC, WILL, TTYPE, IAC, WONT, TTYPE, IAC, DO, NEW_ENVIRON, IAC, DONT, NEW_ENVIRON)
    every_cmd = tb(*[tb(IAC, c, "a") for c in range(256)])
    every_do = tb(*[tb(IAC, DO, o) for o in range(256)])
    every_will = tb(*[tb(IAC, WILL, o, IAC, WONT, o) for o in range(256)])
    return {
        # negotiation
        "neg-linux-client": hdr() + linux_client,
        "neg-session-test_telnet": hdr(chunks=(1, 3, 7, 2, 9, 0, 5)) + session,
        "neg-mirror-client": hdr(start=False, small_cap=2) + mirror,
        "neg-refuse-env-ttype-linemode": hdr(small_cap=1) + tb(
            IAC, WILL, NEW_ENVIRON, IAC, SB, NEW_ENVIRON, 0, 0, "LD_PRELOAD", 1, "/tmp/x.so", IAC, SE,
            IAC, WILL, TTYPE, IAC, SB, TTYPE, 0, "xterm", IAC, SE,
            IAC, WILL, LINEMODE, IAC, SB, LINEMODE, 3, 1, 3, 3, 3, 0x62, 0x1c, IAC, IAC, 0, IAC, SE,
            IAC, WILL, ENVIRON, IAC, DO, LINEMODE, "ok\r\n"),
        "neg-every-do": hdr(small_cap=4) + every_do,
        "neg-every-will-wont": hdr(start=False, chunks=(2, 3, 5, 7, 11, 13, 17)) + every_will,
        "cmd-every-byte-after-iac": hdr(chunks=(1, 2, 1, 2, 1, 2, 1)) + every_cmd,
        # echo (server echo report)
        "echo-refused-at-start": hdr() + tb(IAC, DONT, ECHO, IAC, DO, SGA, "pwd\r\n"),
        "echo-on-off-on": hdr(chunks=(3, 3, 3, 3, 3, 3, 3)) + tb(
            IAC, DO, ECHO, "a", IAC, DONT, ECHO, "b", IAC, DO, ECHO, IAC, DO, ECHO, "c"),
        "echo-unsolicited": hdr(start=False, chunks=(1, 1, 1, 1, 1, 1, 1)) + tb(
            IAC, DONT, ECHO, IAC, DO, ECHO, IAC, DO, ECHO, IAC, DONT, ECHO),
        # NAWS
        "naws-80x24": hdr() + tb(IAC, WILL, NAWS, naws(80, 24), "x"),
        "naws-iac-iac-payload": hdr(chunks=(7, 1, 1, 1, 1, 1, 1)) + tb(
            IAC, WILL, NAWS, naws(255, 0xffff), naws(0xff00, 0x00ff), naws(511, 255)),
        "naws-bad-sizes": hdr() + tb(
            IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, 0, IAC, SE, IAC, SB, NAWS, IAC, SE,
            IAC, SB, NAWS, 0, 80, 0, 24, 1, IAC, SE, naws(0, 0), naws(80, 0), "k"),
        "naws-before-will": hdr() + tb(naws(80, 24), IAC, WILL, NAWS, IAC, WONT, NAWS, naws(80, 24)),
        "sb-oversized-naws": hdr(chunks=(60, 4, 63, 1, 63, 2, 63)) + tb(
            IAC, WILL, NAWS, IAC, SB, NAWS, b"A" * 200, IAC, SE, "k"),
        "sb-oversized-env": hdr() + tb(IAC, SB, NEW_ENVIRON, b"\x00VAR\x01" * 60, IAC, SE, "k"),
        "sb-unterminated": hdr() + tb(IAC, SB, NEW_ENVIRON, "rm -rf /\r\n"),
        "sb-aborted-by-do": hdr() + tb(IAC, SB, NEW_ENVIRON, 0, "A", IAC, DO, NEW_ENVIRON, "ok"),
        "sb-restart-naws": hdr() + tb(IAC, WILL, NAWS, IAC, SB, 200, 1, 2, naws(80, 24)),
        # floods
        "flood-iac-nop": hdr(chunks=(63, 62, 61, 1, 2, 3, 4)) + tb(IAC, NOP) * 600,
        "flood-iac-iac": hdr(enc_cap=4) + tb(IAC) * 1201,
        "flood-ayt": hdr(chunks=(1, 2, 3, 4, 5, 6, 7)) + tb(IAC, AYT) * 400,
        "flood-do-unknown": hdr(small_cap=8) + tb(IAC, DO, 200) * 300,
        # CR handling (decoder) and pty output shapes (encoder side of the same bytes)
        "cr-nul-cr-lf": hdr(chunks=(1, 2, 3, 1, 2, 3, 1)) + tb(
            "ls\r\n", "pwd\r\0", "\r\r\n", "\r", "x", "\n\r", 0, "a\r", IAC, NOP, "\n", "\r", IAC, IAC),
        "cr-encoder-edges": hdr(enc_cap=3, chunks=(1, 1, 2, 1, 3, 1, 1)) + tb(
            "ok\r", "\n", "\r", "x", "\r", IAC, "\r\r\n", "\r\0", "10%\r20%\r", IAC, IAC, "\r"),
        "cr-encoder-flush": hdr(enc_cap=5, flush=True, chunks=(1, 2, 1, 3, 1, 4, 1)) + tb(
            "a\r", "\n", "\r", IAC, "\r\r", "b\r\n\r", 0, "\r"),
        "pty-output-progress": hdr(enc_cap=10, chunks=(17, 5, 63, 1, 9, 2, 33)) + tb(
            *["\r%3d%%" % i for i in range(0, 101, 5)], "\r\n# "),
        # urgent data: Synch = IAC DM sent as TCP urgent, inline with SO_OOBINLINE
        "urgent-ip-dm": hdr() + tb("sleep 100\r\0", IAC, IP, IAC, DM, IAC, DO, TM, "ls\r\0"),
        "urgent-abc-dm-def": hdr(chunks=(1, 1, 1, 1, 1, 1, 1)) + tb("abc", IAC, DM, "def"),
        "urgent-ao-dm": hdr() + tb("cat /dev/zero\r\0", IAC, AO, IAC, DM, IAC, DO, TM, IAC, DONT, TM),
        "urgent-ayt-in-sb": hdr() + tb(IAC, SB, NEW_ENVIRON, 0, "A", IAC, AYT, "k",
                                       IAC, SB, TTYPE, IAC, AO, "z", IAC, DM, IAC, BRK, IAC, DM),
        "urgent-cr-dm-lf": hdr(chunks=(1, 2, 1, 2, 1, 2, 1)) + tb("\r", IAC, DM, "\n", "ls\r\n", IAC, DM, "\r\0"),
        # hostile inputs: the console noise of tests/test_bad_input.py, sent over telnet
        "hostile-overlong-f": hdr() + b"f" * 4000 + b"\r\n",
        "hostile-nul-lines": hdr() + b"f\0\n\0\0\0\nff\n x \nF\n5\n0\n",
        "hostile-noise": hdr(chunks=(63, 17, 1, 40, 3, 63, 9)) + bytes(rnd.randrange(256) for _ in range(3000)),
        "hostile-noise-no-iac": hdr(flush=True, enc_cap=7) + bytes(rnd.choice(b"\r\n\0ab\x7f\x03\x15") for _ in range(2000)),
        "hostile-mixed-protocol": hdr(chunks=(5, 9, 1, 63, 2, 7, 3)) + bytes(
            rnd.choice([IAC, IAC, DO, DONT, WILL, WONT, SB, SE, NOP, AYT, AO, DM, EC, ECHO, SGA, NAWS,
                        39, 34, 0, 13, 10, 97]) for _ in range(3000)),
        "short-empty": hdr(),
        "short-lone-iac": hdr() + tb(IAC),
    }


# ---------------------------------------------------------------- console_line
def console_seeds():
    rnd = random.Random(1123)
    noise = bytes(rnd.randrange(256) for _ in range(3000)).replace(b"\n", b"").replace(b"\r", b"")
    seeds = {
        # The first byte picks the read size (byte % 64 + 1), and is input too.
        "f-lf": b"f\n",
        "f-cr": b"f\r",
        "f-crlf": b"f\r\n",
        "blanks-f": b" \t f \t \n",
        "debug-levels": b"1\n2\r\n3\r4\n\n\r\n",
        "wrong-answers": b"ff\n x \nF\n5\n0\n-1\n01\n",
        "nul-f": b"f\0\n",
        "nul-only": b"\0\0\0\n",
        "ctrl-d": b"\x04",
        "ctrl-d-then-f": b"\x04\x04f\n",
        "cr-lf-mixes": b"\r\n\n\r\r\n\rf\n\r\n1\r\r\n",
        "overlong-f": b"f" * 300 + b"\n" + b"f\n",
        "overlong-exact": b"a" * 127 + b"\n" + b"b" * 128 + b"\n" + b"c" * 129 + b"\r\nf\n",
        "overlong-cr-split": bytes([63]) + b"x" * 200 + b"\r" + b"\n" + b"4\n",
        "noise-then-lf": noise + b"\n",
        "noise-raw": bytes(rnd.randrange(256) for _ in range(2000)),
        # tests/test_bad_input.py test_console_noise, in one stream (overlong line shortened)
        "test_bad_input-noise": b"f" * 1000 + b"\n" + b"f\0\n" + b"\0\0\0\n" + b"ff\n x \nF\n5\n0\n"
        + noise[:1500] + b"\n",
        "utf8-and-escapes": "f\u00e9\n\x1b[A\x1b[B\n\u00ff\n".encode("utf-8"),
        "backspace-edit": b"g\x7ff\n\x08f\n",
    }
    # Same lines with every read size class.
    for size in (1, 2, 3, 64):
        seeds["chunk%d-lines" % size] = bytes([size - 1]) + b"\nf\r\n2\r\x04\0\n"
    return seeds


# ---------------------------------------------------------------- beacon
BEACON_LEN = 1001
TEXT_WINDOW = b"Please press button now to enter failsafe"
TEXT_FAILSAFE = b"Entering Failsafe!"
FULL_LINE = b"board=sim state=window remaining_ms=2800 seq=3 mac=02:00:00:00:00:01 version=0.1.0 via=button:reset"


def beacon(text, line=None, length=BEACON_LEN, magic=b"\xde\xad"):
    """OpenWrt netmsg layout: magic, text, NUL, [fields line, NUL], NUL padding to length."""
    b = magic + text + b"\0"
    if line is not None:
        b += line + b"\0"
    return (b + b"\0" * max(0, length - len(b)))[:length]


def beacon_seeds():
    seeds = {
        # What OpenWrt's netmsg sends: a plain 1001-byte datagram.
        "openwrt-window": beacon(TEXT_WINDOW),
        "openwrt-failsafe": beacon(TEXT_FAILSAFE),
        "fields-full": beacon(TEXT_WINDOW, FULL_LINE),
        "fields-failsafe": beacon(TEXT_FAILSAFE, b"board=glinet,gl-mt300n-v2 state=failsafe seq=7 "
                                  b"mac=AA:bb:CC:dd:EE:ff version=0.1.0-rc1+g1234 via=console"),
        # In failsafe once the SSH host keys exist: their fingerprints, as OpenSSH shows them.
        "fields-failsafe-ssh": beacon(TEXT_FAILSAFE, b"board=sim state=failsafe seq=9 mac=02:00:00:00:00:01 "
                                      b"version=0.2.0 via=cmdline "
                                      b"ssh_ed25519=SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc "
                                      b"ssh_rsa=SHA256:c3AUxapA8lz6zxdrPfXkOXPOIZy9RAoI8rvGf1b+TkI"),
        "fields-ssh-ed25519-only": beacon(TEXT_FAILSAFE, b"state=failsafe ssh_ed25519=SHA256:AAAA+/+/"),
        "fields-ssh-old-md5": beacon(TEXT_FAILSAFE, b"ssh_rsa=MD5:0b:6f:aa:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d"),
        "fields-unknown-keys": beacon(b"x", b"foo=bar seq=1 zz_9-a=!"),
        "fields-u32-max": beacon(b"x", b"remaining_ms=4294967295 seq=0 state=normal"),
        "short-plain": beacon(TEXT_WINDOW, length=2 + len(TEXT_WINDOW) + 1),
        "short-fields": beacon(b"x", b"seq=1", length=2 + 1 + 1 + 5 + 1),
        "text-max": beacon(b"T" * 998),
        "empty-text": beacon(b""),
        "minimal": b"\xde\xad\0",
        # malformed
        "bad-magic": beacon(TEXT_WINDOW, magic=b"\xad\xde"),
        "bad-too-long": beacon(TEXT_WINDOW) + b"\0",
        "bad-one-byte": b"\xde",
        "bad-unterminated-text": b"\xde\xad" + b"A" * 999,
        "bad-padding": beacon(TEXT_WINDOW)[:-1] + b"\x01",
        "bad-unterminated-line": beacon(b"x", b"s" * 996, length=BEACON_LEN)[:-1] + b"q",
        "bad-board-64": beacon(b"x", b"board=" + b"1" * 64),
    }
    bad_lines = {
        "u32-overflow": b"seq=4294967296", "negative": b"seq=-1", "leading-zero": b"seq=01",
        "empty-value": b"seq=", "empty-key": b"=1", "no-equals": b"seq", "double-equals": b"via=a=b",
        "upper-key": b"SEQ=1", "duplicate": b"seq=1 seq=2", "double-space": b"seq=1  board=a",
        "leading-space": b" seq=1", "trailing-space": b"seq=1 ", "tab": b"seq=1\tboard=a",
        "control-in-value": b"board=a\x01", "high-byte": b"board=\xc3\xa9", "bad-state": b"state=Window",
        "mac-short": b"mac=02:00:00:00:00:1", "mac-dashes": b"mac=02-00-00-00-00-01",
        "mac-nonhex": b"mac=02:00:00:00:00:0g", "mac-long": b"mac=02:00:00:00:00:01:",
        "ssh-duplicate": b"ssh_rsa=SHA256:a ssh_rsa=SHA256:b", "ssh-64": b"ssh_ed25519=SHA256:" + b"7" * 57,
        "ssh-padding": b"ssh_rsa=SHA256:abc=",
    }
    for name, line in bad_lines.items():
        seeds["bad-field-" + name] = beacon(b"x", line)
    return seeds


# ---------------------------------------------------------------- rtnl_msg
NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE = 1, 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK, RTM_NEWADDR = 16, 17, 18, 19, 20
F_REQUEST, F_MULTI, F_ACK, F_DUMP, F_EXCL, F_CREATE = 1, 2, 4, 0x300, 0x200, 0x400
F_CAPPED, F_ACK_TLVS = 0x100, 0x200
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_TXQLEN = 1, 3, 4, 5, 13
IFLA_OPERSTATE, IFLA_LINKINFO, IFLA_EXT_MASK, IFLA_CARRIER = 16, 18, 29, 33
IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_VLAN_ID = 1, 2, 1
IFA_LOCAL = 2
ERR_ATTR_MSG, ERR_ATTR_OFFS = 1, 2
IFF_UP, IFF_RUNNING, IFF_LOWER_UP = 1, 0x40, 0x10000
MY_PORTID = 1234  # as in unittests/test_rtnl_msg.c
EEXIST, EINTR, ENODEV, ERANGE = 17, 4, 19, 34


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def attr(kind, payload):
    return pad4(struct.pack("=HH", 4 + len(payload), kind) + payload)


def strz(kind, s):
    return attr(kind, s.encode() + b"\0")


def nlmsg(kind, flags, seq, pid, body):
    body = pad4(body)
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, pid) + body


def ifinfo(index, flags=0, change=0, arphrd=1):
    return struct.pack("=BBHiII", 0, 0, arphrd, index, flags, change)


def link(kind=RTM_NEWLINK, seq=5, pid=MY_PORTID, index=2, flags=IFF_UP | IFF_LOWER_UP | IFF_RUNNING,
         name="eth0", mac=b"\x02\0\0\0\0\x01", operstate=6, carrier=1):
    """unittests/test_rtnl_msg.c put_link(): the eth0_up message and its variants."""
    a = strz(IFLA_IFNAME, name) if name is not None else b""
    a += attr(IFLA_TXQLEN, struct.pack("=I", 1000))
    if operstate is not None:
        a += attr(IFLA_OPERSTATE, bytes([operstate]))
    a += attr(IFLA_MTU, struct.pack("=I", 1500))
    if carrier is not None:
        a += attr(IFLA_CARRIER, bytes([carrier]))
    if mac is not None:
        a += attr(IFLA_ADDRESS, mac)
    return nlmsg(kind, 0, seq, pid, ifinfo(index, flags) + a)


def newvlan_request(seq, name="eth0.1", parent=2, vid=1):
    """rtnl_msg_build_newvlan(): what an echoed request inside an error looks like."""
    info = strz(IFLA_INFO_KIND, "vlan") + attr(IFLA_INFO_DATA, attr(IFLA_VLAN_ID, struct.pack("=H", vid)))
    body = ifinfo(0) + strz(IFLA_IFNAME, name) + attr(IFLA_LINK, struct.pack("=I", parent)) + attr(IFLA_LINKINFO, info)
    return nlmsg(RTM_NEWLINK, F_REQUEST | F_ACK | F_CREATE | F_EXCL, seq, 0, body)


def ack(seq, error=0, orig=None, ext=None, pid=MY_PORTID):
    """put_ack(): NLMSG_ERROR, capped (header only) unless @orig is given, extended ack if @ext."""
    flags = 0
    if orig is None:
        flags |= F_CAPPED
        orig = struct.pack("=IHHII", 64, RTM_NEWLINK, F_REQUEST | F_ACK, seq, 0)
    body = struct.pack("=i", error) + orig
    if ext is not None:
        flags |= F_ACK_TLVS
        body = pad4(body) + strz(ERR_ATTR_MSG, ext) + attr(ERR_ATTR_OFFS, struct.pack("=I", 20))
    return nlmsg(NLMSG_ERROR, flags, seq, pid, body)


def done(seq, error=0, pid=MY_PORTID):
    return nlmsg(NLMSG_DONE, F_MULTI, seq, pid, struct.pack("=i", error))


def newaddr(seq, pid=MY_PORTID):
    return nlmsg(RTM_NEWADDR, 0, seq, pid, struct.pack("=BBBBI", 2, 0, 0, 0, 0)
                 + attr(IFA_LOCAL, socket.inet_aton("10.0.0.1")))


def rtnl_seeds():
    multi = link() + newaddr(5) + ack(5) + done(6)
    req = newvlan_request(43)
    seeds = {
        "ack-ok-capped": ack(42),
        "ack-eexist-echo-extack": ack(43, -EEXIST, orig=req, ext="exists!"),
        "ack-erange-capped-extack": ack(44, -ERANGE, ext="VLAN id out of range"),
        "ack-eexist-echo": ack(45, -EEXIST, orig=req),
        "ack-enodev-kernel-pid": ack(7, -ENODEV, pid=0),
        "link-eth0-up": link(),
        "link-del-tun0": link(RTM_DELLINK, flags=0, name="tun0", mac=b"\x01\x02\x03\x04", operstate=None, carrier=None),
        "link-noname": link(name=None),
        "link-15-char-name": link(name="abcdefghijklmno"),
        "link-kernel-event": link(seq=0, pid=0, flags=IFF_UP, operstate=2, carrier=0),
        "multi-link-addr-ack-done": multi,
        "dump-two-links-done": nlmsg(RTM_NEWLINK, F_MULTI, 9, MY_PORTID, link()[16:])
        + nlmsg(RTM_NEWLINK, F_MULTI, 9, MY_PORTID, link(index=3, name="eth0.1")[16:]) + done(9),
        "done-eintr": done(7, -EINTR),
        "ignored-only": newaddr(1, pid=0) + nlmsg(NLMSG_NOOP, 0, 0, 0, b""),
        # malformed
        "bad-truncated-multi": multi[:len(multi) - 3],
        "bad-len-too-big": struct.pack("=I", 4096) + link()[4:],
        "bad-attr-len-small": link()[:32] + struct.pack("=HH", 2, IFLA_IFNAME) + link()[36:],
        "bad-ifname-unterminated": link(name="eth0")[:36] + b"eth0eth0" + link()[44:],
        "bad-trailing": link() + b"\0\0\0\0",
        "bad-error-positive": ack(1, 1),
    }
    return seeds


# ---------------------------------------------------------------- capture (real kernel replies)
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
RTEXT_FILTER_SKIP_STATS = 1 << 3


def capture_inside(outdir):
    """Runs in a fresh network namespace: send requests, keep every datagram the kernel answers with."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 1))  # RTMGRP_LINK: link events from the kernel too
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.settimeout(0.5)
    got = {}
    seq = [100]

    def ask(name, kind, flags, body, capped=False):
        s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, int(capped))
        seq[0] += 1
        s.send(nlmsg(kind, F_REQUEST | F_ACK | flags, seq[0], 0, body))
        n = 0
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            got["real-%s-%d" % (name, n)] = d
            n += 1
            if struct.unpack_from("=H", d, 4)[0] in (NLMSG_ERROR, NLMSG_DONE):
                break

    skip = attr(IFLA_EXT_MASK, struct.pack("=I", RTEXT_FILTER_SKIP_STATS))
    ask("getlink-lo", RTM_GETLINK, 0, ifinfo(0) + strz(IFLA_IFNAME, "lo") + skip)
    ask("getlink-missing", RTM_GETLINK, 0, ifinfo(0) + strz(IFLA_IFNAME, "eth0") + skip)
    ask("getlink-missing-capped", RTM_GETLINK, 0, ifinfo(0) + strz(IFLA_IFNAME, "eth0") + skip, capped=True)
    ask("setlink-lo-up", RTM_NEWLINK, 0, ifinfo(1, IFF_UP, IFF_UP))
    dummy = attr(IFLA_LINKINFO, strz(IFLA_INFO_KIND, "dummy"))
    ask("newlink-dummy", RTM_NEWLINK, F_CREATE | F_EXCL, ifinfo(0) + strz(IFLA_IFNAME, "eth0") + dummy)
    ask("newlink-dummy-again", RTM_NEWLINK, F_CREATE | F_EXCL, ifinfo(0) + strz(IFLA_IFNAME, "eth0") + dummy)
    ask("getlink-eth0", RTM_GETLINK, 0, ifinfo(0) + strz(IFLA_IFNAME, "eth0") + skip)
    ask("newvlan", RTM_NEWLINK, F_CREATE | F_EXCL, newvlan_request(0)[16:])
    ask("newvlan-again", RTM_NEWLINK, F_CREATE | F_EXCL, newvlan_request(0)[16:])
    bad_vid = attr(IFLA_LINKINFO, strz(IFLA_INFO_KIND, "vlan")
                   + attr(IFLA_INFO_DATA, attr(IFLA_VLAN_ID, struct.pack("=H", 5000))))
    ask("newvlan-bad-id", RTM_NEWLINK, F_CREATE | F_EXCL,
        ifinfo(0) + strz(IFLA_IFNAME, "eth0.9") + attr(IFLA_LINK, struct.pack("=I", 2)) + bad_vid)
    ask("dump-links", RTM_GETLINK, F_DUMP, ifinfo(0) + skip)
    for name, d in got.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(d)
    print("captured %d kernel datagrams" % len(got))


def capture(outdir):
    for old in os.listdir(outdir):
        if old.startswith("real-"):
            os.unlink(os.path.join(outdir, old))
    subprocess.run(["unshare", "-rn", sys.executable, os.path.abspath(__file__), "--capture-inside", outdir],
                   check=True)


# ---------------------------------------------------------------- payload (an image's first bytes)
def _tar(members, fmt):
    """A tar as GNU tar writes OpenWrt's sysupgrade tar: members (name, data or None for a directory), first 8 KiB."""
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()[:8192]


def payload_seeds():
    import gzip
    rnd = random.Random(4919)
    kernel = bytes(rnd.getrandbits(8) for _ in range(1500))
    nand = [("sysupgrade-glinet_gl-mt6000/", None), ("sysupgrade-glinet_gl-mt6000/CONTROL", b"BOARD=glinet,gl-mt6000\n"),
            ("sysupgrade-glinet_gl-mt6000/kernel", kernel), ("sysupgrade-glinet_gl-mt6000/root", b"hsqs" + kernel)]
    long_name = "sysupgrade-" + "x" * 120
    seeds = {
        "nand-tar-gnu": _tar(nand, 1),          # tarfile.GNU_FORMAT
        "nand-tar-ustar": _tar(nand, 0),        # tarfile.USTAR_FORMAT
        "nand-tar-pax": _tar(nand, 2),          # tarfile.PAX_FORMAT
        "nand-tar-dot": _tar([("./sysupgrade-x_y/", None), ("./sysupgrade-x_y/kernel", kernel)], 1),
        "nand-tar-longname": _tar([(long_name + "/", None), (long_name + "/root", kernel)], 1),
        "other-tar": _tar([("etc/", None), ("etc/passwd", b"root:x:0:0::/root:/bin/ash\n")], 1),
        "ubi": b"UBI#\x01\x00\x00\x00" + bytes(56) + kernel[:200],
        "ubifs": b"\x31\x18\x10\x06" + kernel[:300],
        "squashfs": b"hsqs" + kernel[:300],
        "fit": b"\xd0\x0d\xfe\xed\x00\x00\x10\x00" + kernel[:300],
        "uimage": b"\x27\x05\x19\x56" + kernel[:300],
        "ext4": bytes(0x438) + b"\x53\xef" + bytes(100),
        "mbr": bytes(510) + b"\x55\xaa" + b"EFI PART" + bytes(50),
        "raw": kernel,
    }
    seeds["nand-tar-gz"] = gzip.compress(_tar(nand, 1), mtime=0)[:8192]
    seeds["squashfs-gz"] = gzip.compress(seeds["squashfs"], mtime=0)
    seeds["gz-cut"] = seeds["nand-tar-gz"][:40]
    return seeds


# ---------------------------------------------------------------- tar_walk, fit_check, ubi_check (the deep check)
VECTORS = os.path.join(HERE, "..", "..", "unittests", "data", "images")


def vector(name):
    """A payload made by the real tools (unittests/data/images/make_vectors.py)."""
    with open(os.path.join(VECTORS, name + ".bin"), "rb") as f:
        return f.read()


def tar_fix(h):
    """A tar header with its checksum made right."""
    h = bytearray(h)
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def tar_seeds():
    gnu = vector("tar_nand_gnu")
    k = 1536   # the kernel's header in tar_nand_gnu
    hdr = gnu[k:k + 512]
    seeds = {n: vector(n) for n in ("tar_nand_gnu", "tar_nand_ustar", "tar_nand_pax", "tar_nand_longname",
                                    "tar_ustar_prefix", "tar_emmc_dtb", "tar_dot", "tar_two_dirs", "tar_files_only",
                                    "tar_nand_gz", "tar_control_only", "tar_first_dir_empty", "tar_other")}
    bad_sum = bytearray(hdr)
    bad_sum[148:154] = b"%06o" % (int(hdr[148:154], 8) + 1)
    seeds["checksum-plus-one"] = gnu[:k] + bytes(bad_sum) + gnu[k + 512:]
    seeds["size-not-octal"] = gnu[:k] + tar_fix(hdr[:124] + b"0000000x604\0" + hdr[136:]) + gnu[k + 512:]
    seeds["size-base256"] = gnu[:k] + tar_fix(hdr[:124] + b"\x80" + bytes(9) + b"\x03\x84" + hdr[136:]) + gnu[k + 512:]
    seeds["symlink-kernel"] = gnu[:k] + tar_fix(hdr[:156] + b"2" + hdr[157:]) + gnu[k + 512:]
    seeds["lone-zero-block"] = gnu[:k] + bytes(512) + gnu[k:]
    seeds["kernel-twice"] = gnu[:k] + gnu[k:k + 1536] + gnu[k:]
    seeds["member-past-end"] = gnu[:4000]
    seeds["no-end-blocks"] = gnu[:5120]
    seeds["metadata-after"] = gnu + b"\0" * 8 + b'{"supported_devices":["acme,r1"]}' + b"FWx0" + bytes(12)
    pax = vector("tar_nand_pax")
    at = pax.index(b" path=")
    seeds["pax-no-length"] = pax[:at - 3] + b"x" + pax[at - 2:]
    gz = vector("tar_nand_gz")
    seeds["gz-crc-flipped"] = gz[:-8] + bytes([gz[-8] ^ 1]) + gz[-7:]
    seeds["gz-isize-wrong"] = gz[:-4] + bytes([gz[-4] ^ 1]) + gz[-3:]
    seeds["gz-cut"] = gz[:1500]
    seeds["gz-trailing-garbage"] = gz + b"garbage after the gzip stream" * 4
    return seeds


def fdt(struct_words, strings=b"description\0", extra_total=0):
    """A bare FDT: header, an empty memory reservation map, the structure block (32-bit words), strings."""
    st = b"".join(w if isinstance(w, bytes) else struct.pack(">I", w) for w in struct_words)
    off_struct = 40 + 16
    off_strings = off_struct + len(st)
    total = off_strings + len(strings)
    head = struct.pack(">10I", 0xd00dfeed, total + extra_total, off_struct, off_strings, 40, 17, 16, 0,
                       len(strings), len(st))
    return head + bytes(16) + st + strings


def fit_seeds():
    seeds = {n: vector(n) for n in ("fit_embedded", "fit_embedded_md5", "fit_external", "fit_position",
                                    "fit_external_gz", "fit_sha512", "fit_dtc_ok", "fit_value_len", "fit_bad_crc",
                                    "fit_offset_past_end", "fit_unknown_image", "fit_no_default",
                                    "fit_no_description", "fit_crc16")}
    seeds["nested-40-deep"] = fdt([1, b"n\0\0\0"] * 40 + [2] * 40 + [9])
    seeds["prop-outside-root"] = fdt([3, 0, 0, 9])
    seeds["unknown-token"] = fdt([1, 0, 7, 2, 9])
    seeds["no-end-token"] = fdt([1, 0, 2])
    emb = vector("fit_embedded")
    seeds["totalsize-beyond"] = emb[:4] + struct.pack(">I", len(emb) + 4096) + emb[8:]
    ext = bytearray(vector("fit_external"))
    off_struct = struct.unpack(">I", ext[8:12])[0]
    ext[off_struct + 16:off_struct + 20] = struct.pack(">I", 0x01000000)   # the root's first property's name offset
    seeds["nameoff-outside"] = bytes(ext)
    data = bytearray(vector("fit_external"))
    data[-1] ^= 1
    seeds["external-data-flipped"] = bytes(data)
    return seeds


def ubi_fix(h):
    return h[:60] + struct.pack(">I", zlib.crc32(h[:60]) ^ 0xffffffff)


def ubi_seeds():
    two = vector("ubi_2k")
    seeds = {n: vector(n) for n in ("ubi_2k", "ubi_1k", "ubi_2k_gz")}
    seeds["ec-crc-flipped"] = two[:2048 + 8] + bytes([two[2048 + 8] ^ 1]) + two[2048 + 9:]
    seeds["vid-crc-flipped"] = two[:4096 + 76] + bytes([two[4096 + 76] ^ 1]) + two[4096 + 77:]
    seeds["last-peb-cut"] = two[:5000]
    seeds["one-peb"] = two[:2048]
    seeds["vtbl-flipped"] = two[:128 + 20] + bytes([two[128 + 20] ^ 1]) + two[128 + 21:]
    other = two[4096:4096 + 64]
    seeds["data-offset-differs"] = two[:4096] + ubi_fix(other[:20] + b"\x00\x00\x01\x00" + other[24:]) + two[4096 + 64:]
    return seeds


# ---------------------------------------------------------------- sysconfig (/etc/config/system)
def sysconfig_seeds():
    return {
        "openwrt": b"\nconfig system\n\toption hostname 'OpenWrt'\n\toption timezone 'UTC'\n\toption ttylogin '0'\n"
                   b"\toption log_size '128'\n\toption urandom_seed '0'\n\toption compat_version '1.1'\n\n"
                   b"config timeserver 'ntp'\n\toption enabled '1'\n\tlist server '0.openwrt.pool.ntp.org'\n",
        "quotes": b"config system \"main\"\r\n  option compat_version \"2\".'0' # comment\r\n",
        "escapes": b"config system\noption compat_version a\\ b\noption compat_version \"c\\\"d\"\n",
        "unterminated": b"config system\n\toption compat_version '2.0\n",
        "second-section": b"config system\n\toption hostname x\nconfig system\n\toption compat_version 9.9\n",
        "long-value": b"config system\n\toption compat_version '" + b"1" * 300 + b"'\n",
        "package": b"package system\nconfig system\n\toption compat_version 1.0\n",
    }


# ---------------------------------------------------------------- interop (seeds other programs make)
def capture_payload(outdir):
    """The first 8 KiB of images made by the programs OpenWrt's build uses (GNU tar, ubinize), as
    tests/openwrt_images.py makes them for the flashing tests."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import openwrt_images
    rnd = random.Random(5)
    kernel = bytes(rnd.getrandbits(8) for _ in range(3000))
    got = {
        "real-gnutar-nand": openwrt_images.sysupgrade_tar("glinet,gl-mt6000", kernel=kernel, root=b"hsqs" + kernel),
        "real-gnutar-nand-gz": openwrt_images.sysupgrade_tar("linksys,e8450-ubi", kernel=kernel, root=kernel, gz=True),
        "real-gnutar-dtb": openwrt_images.sysupgrade_tar("acme,r1", kernel=kernel, dtb=b"\xd0\x0d\xfe\xed" + kernel),
        "real-ubinize": openwrt_images.ubinized([("kernel", kernel), ("rootfs", b"hsqs" + kernel), ("rootfs_data", None)]),
    }
    for name in list(got):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(got[name][:MAX_SEED_BYTES])
    print("captured %d images made by GNU tar and ubinize" % len(got))


# ---------------------------------------------------------------- dhcp_msg (records for fuzz/fuzz_dhcp_msg.c)
def dhcp(mtype=None, mac=1, xid=1, ciaddr="0.0.0.0", flags=0, op=1, opts=b"", hlen=6, cookie=b"\x63\x82\x53\x63",
         sname=b"", file=b"", end=True):
    """A DHCP message as a client (op 1) or a server (op 2) sends it."""
    hdr = struct.pack(">BBBBIHH4s4s4s4s16s64s128s", op, 1, hlen, 0, xid, 0, flags, socket.inet_aton(ciaddr),
                      bytes(4), bytes(4), bytes(4), bytes([2, 0, 0, 0, 0, mac]) + bytes(10),
                      sname.ljust(64, b"\0"), file.ljust(128, b"\0"))
    o = b""
    if mtype is not None:
        o += bytes([53, 1, mtype])
    o += opts
    return hdr + cookie + o + (b"\xff" if end else b"")


def dopt(code, data):
    return bytes([code, len(data)]) + data


def ipb(a):
    return socket.inet_aton(a)


def rec(msg, client_port=False, seconds=0):
    """One record of the fuzz target's input: flags (port, seconds before), length, bytes."""
    return bytes([int(client_port) | seconds << 1]) + struct.pack(">H", len(msg)) + msg


def dhcp_seeds():
    srv = dopt(54, ipb("192.168.1.1"))
    host = dopt(12, b"laptop")
    cid = dopt(61, b"\x01\x02\x00\x00\x00\x00\x01")
    disc = dhcp(1, opts=host + cid + dopt(55, bytes([1, 3, 6, 15, 28, 51, 58, 59])) + dopt(57, b"\x05\xdc"))
    sel = dhcp(3, opts=srv + dopt(50, ipb("192.168.1.100")) + host + cid)
    renew = dhcp(3, ciaddr="192.168.1.100", opts=cid)
    release = dhcp(7, ciaddr="192.168.1.100", opts=srv + cid)
    rival = dhcp(2, op=2, mac=0x99, opts=dopt(54, ipb("192.168.1.254")) + dopt(51, b"\x00\x00\x0e\x10"))
    seeds = {
        "dora": rec(disc) + rec(sel),
        "dora-renew-release": rec(disc) + rec(sel) + rec(renew, seconds=30) + rec(release, seconds=5),
        "init-reboot-in-pool": rec(dhcp(3, opts=dopt(50, ipb("192.168.1.101")))),
        "init-reboot-outside": rec(dhcp(3, opts=dopt(50, ipb("192.168.1.20")))),
        "init-reboot-other-net": rec(dhcp(3, opts=dopt(50, ipb("10.0.0.7")))),
        "rebinding": rec(dhcp(3, ciaddr="192.168.1.102", flags=0x8000)),
        "other-server-chosen": rec(disc) + rec(dhcp(3, opts=dopt(54, ipb("192.168.1.254")) + dopt(50, ipb("192.168.1.7")))),
        "decline": rec(disc) + rec(sel) + rec(dhcp(4, opts=srv + dopt(50, ipb("192.168.1.100")) + cid)),
        "inform": rec(dhcp(8, ciaddr="192.168.1.2")),
        "release-spoofed": rec(disc) + rec(sel) + rec(dhcp(7, mac=66, ciaddr="192.168.1.100", opts=srv)),
        "bootp": rec(dhcp(None)),
        "relayed": rec(dhcp(1)[:24] + ipb("10.1.1.1") + dhcp(1)[28:]),
        "rival-offer": rec(disc) + rec(rival, client_port=True) + rec(disc),
        "own-offer-heard": rec(dhcp(2, op=2, opts=srv), client_port=True),
        "overload-both": rec(dhcp(None, opts=dopt(52, b"\x03"), file=bytes([53, 1, 3, 255]),
                                  sname=dopt(50, ipb("192.168.1.103")) + b"\xff")),
        "split-client-id": rec(dhcp(1, opts=dopt(61, b"\x00" + b"a" * 200) + dopt(61, b"b" * 40))),
        "exhaust": b"".join(rec(dhcp(1, mac=m, xid=m)) for m in range(1, 9)) + rec(dhcp(1, mac=99), seconds=31),
        "lease-expiry": rec(disc) + rec(sel) + rec(dhcp(1, mac=5), seconds=61),
        "bad-short": rec(dhcp(1)[:239]),
        "bad-cookie": rec(dhcp(1, cookie=b"\x63\x82\x53\x62")),
        "bad-type": rec(dhcp(9)),
        "bad-type-len": rec(dhcp(None, opts=dopt(53, b"\x01\x01"))),
        "bad-option-past-end": rec(dhcp(1, opts=b"\x32\xfa\xc0\xa8", end=False)),
        "bad-hlen": rec(dhcp(1, hlen=17)),
        "bad-overload": rec(dhcp(1, opts=dopt(52, b"\x04"))),
        "bad-client-id-short": rec(dhcp(1, opts=dopt(61, b"\x01"))),
        "no-end": rec(dhcp(1, opts=host, end=False)),
    }
    return seeds



# ---------------------------------------------------------------- mdns_msg (fuzz/fuzz_mdns_msg.c: port, ms, datagram)
def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns_query(questions, qid=0, known=(), flags=0):
    out = struct.pack(">HHHHHH", qid, flags, len(questions), len(known), 0, 0)
    for name, qtype, qclass in questions:
        out += (dns_name(name) if isinstance(name, str) else name) + struct.pack(">HH", qtype, qclass)
    for name, rtype, ttl, rdata in known:
        out += dns_name(name) + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata
    return out


def mdns_rec(msg, port=5353, ms=0):
    return struct.pack(">HB", port, ms) + msg


def mdns_seeds():
    a = socket.inet_aton("192.168.1.1")
    return {
        "a": mdns_rec(dns_query([("failsafe.local", 1, 1)])),
        "aaaa-board": mdns_rec(dns_query([("sim-dsa.failsafe.local", 28, 1)])),
        "any-qu": mdns_rec(dns_query([("failsafe.local", 255, 0x8001)])),
        "legacy": mdns_rec(dns_query([("failsafe.local", 1, 1)], qid=0xbeef), port=40000),
        "case": mdns_rec(dns_query([("FAILSAFE.Local", 1, 1)])),
        "compressed": mdns_rec(dns_query([("failsafe.local", 1, 1), (b"\xc0\x0c", 28, 1)])),
        "known-answer": mdns_rec(dns_query([("failsafe.local", 1, 1)], known=[("failsafe.local", 1, 120, a)])),
        "known-answer-stale": mdns_rec(dns_query([("failsafe.local", 1, 1)], known=[("failsafe.local", 1, 10, a)])),
        "other-name": mdns_rec(dns_query([("printer.local", 1, 1), ("_http._tcp.local", 12, 1)])),
        "response": mdns_rec(dns_query([("failsafe.local", 1, 1)], flags=0x8400)),
        "opcode": mdns_rec(dns_query([("failsafe.local", 1, 1)], flags=0x2000)),
        "bad-short": mdns_rec(b"\0" * 11),
        "bad-loop": mdns_rec(struct.pack(">HHHHHH", 0, 0, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1"),
        "bad-forward": mdns_rec(struct.pack(">HHHHHH", 0, 0, 1, 0, 0, 0) + b"\xc0\x20\0\1\0\1"),
        "bad-label-type": mdns_rec(struct.pack(">HHHHHH", 0, 0, 1, 0, 0, 0) + b"\x80\0\1\0\1"),
        "bad-cut": mdns_rec(dns_query([("failsafe.local", 1, 1)])[:-3]),
        "bad-long-name": mdns_rec(dns_query([(".".join(["a" * 63] * 5), 1, 1)])),
        "bad-known-cut": mdns_rec(dns_query([("failsafe.local", 1, 1)], known=[("failsafe.local", 1, 120, a)])[:-2]),
    }


# ---------------------------------------------------------------- main
GENERATORS = {
    "telnet_proto": telnet_seeds,
    "console_line": console_seeds,
    "beacon": beacon_seeds,
    "rtnl_msg": rtnl_seeds,
    "payload": payload_seeds,
    "tar_walk": tar_seeds,
    "fit_check": fit_seeds,
    "ubi_check": ubi_seeds,
    "sysconfig": sysconfig_seeds,
    "dhcp_msg": dhcp_seeds,
    "mdns_msg": mdns_seeds,
}
CAPTURES = {
    "rtnl_msg": capture,
    "payload": capture_payload,
}


def targets():
    """Every fuzz target: fuzz/fuzz_<name>.c (cmake/fuzz.cmake builds fuzz_<name> from it)."""
    return sorted(os.path.basename(p)[len("fuzz_"):-len(".c")]
                  for p in glob.glob(os.path.join(ROOT, "fuzz", "fuzz_*.c")))


def generator(name):
    """seeds() of fuzz/corpus/<name>.py, else this file's generator, else None."""
    path = os.path.join(HERE, name + ".py")
    if os.path.exists(path):
        spec = importlib.util.spec_from_file_location("fuzz_seeds_" + name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.seeds
    return GENERATORS.get(name)


def write(d, seeds):
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        if old.startswith("gen-"):
            os.unlink(os.path.join(d, old))
    for seed, data in sorted(seeds.items()):
        assert len(data) <= MAX_SEED_BYTES, (d, seed)
        with open(os.path.join(d, "gen-" + seed), "wb") as f:
            f.write(data)


def files_in(d):
    """{file name: bytes} of the regular files in d ({} when d does not exist)."""
    out = {}
    if os.path.isdir(d):
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            if os.path.isfile(p):
                with open(p, "rb") as fh:
                    out[f] = fh.read()
    return out


def check():
    """Every target has a non-empty committed corpus, and its gen-* files are exactly what its generator writes."""
    bad = []
    names = targets()
    if not names:
        bad.append("no fuzz/fuzz_*.c found under %s" % ROOT)
    for name in names:
        have = files_in(os.path.join(HERE, name))
        gen = generator(name)
        if not have:
            how = "" if gen else "add fuzz/corpus/%s.py with seeds(), then " % name
            bad.append("%s: no seeds in fuzz/corpus/%s/ (%srun %s)" % (name, name, how, os.path.relpath(__file__, ROOT)))
            continue
        big = [f for f, data in have.items() if len(data) > MAX_SEED_BYTES]
        if big:
            bad.append("%s: seeds over %d bytes: %s" % (name, MAX_SEED_BYTES, " ".join(big)))
        if gen is None:
            print("%-16s %3d seeds (committed by hand, no generator)" % (name, len(have)))
            continue
        with tempfile.TemporaryDirectory(prefix="fsd-seeds.") as tmp:
            write(tmp, gen())
            want = files_in(tmp)
        have_gen = {f: d for f, d in have.items() if f.startswith("gen-")}
        missing = sorted(set(want) - set(have_gen))
        stale = sorted(set(have_gen) - set(want))
        differ = sorted(f for f in set(want) & set(have_gen) if want[f] != have_gen[f])
        for what, files in (("missing", missing), ("stale", stale), ("different", differ)):
            if files:
                bad.append("%s: %s generated seeds: %s (run %s)" % (name, what, " ".join(files[:8]),
                                                                     os.path.relpath(__file__, ROOT)))
        print("%-16s %3d seeds (%d generated)" % (name, len(have), len(have_gen)))
    for line in bad:
        print("FAIL " + line)
    return 1 if bad else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--capture-inside":
        capture_inside(sys.argv[2])
        return 0
    if "--check" in sys.argv[1:]:
        return check()
    for name in targets():
        gen = generator(name)
        d = os.path.join(HERE, name)
        if gen is None:
            print("%-16s no generator: the committed seeds stay as they are" % name)
            continue
        seeds = gen()
        write(d, seeds)
        print("%-16s %3d generated seeds" % (name, len(seeds)))
        if "--capture" in sys.argv[1:] and name in CAPTURES:
            CAPTURES[name](d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
