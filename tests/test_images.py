"""tests/test_images.py — failsafectl mkimage (checked by the independent decoder tests/fwimage_ref.py and
sha256sum(1)) and failsafectl serve (in the PC namespace of a netns.Lan, fetched from the board namespace
with nc and a Python client): bytes, several boards at once, exit codes, refusals, errors."""
import hashlib
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import fwimage_ref
from fsd import FAILSAFECTL, FAILSAFED, run_tests
from netns import Scene, sh

PC_ADDR = "192.168.1.2"
BOARD_ADDR = "192.168.1.1"
PORT = 3333
NC = shutil.which("nc")            # Debian's netcat-openbsd
BUSYBOX = shutil.which("busybox")  # the board's own nc
assert BUSYBOX, "busybox is needed: the board's own nc (tools/bootstrap.sh installs it)"
NCS = ([("nc", [NC])] if NC else []) + [("busybox nc", [BUSYBOX, "nc"])]
RAM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else None  # where a board keeps the image: RAM


def ctl(*args, timeout=60, **kw):
    return subprocess.run([FAILSAFECTL] + list(args), capture_output=True, text=True, timeout=timeout, **kw)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def payload_bytes(n, tag="payload"):
    """Deterministic bytes that do not compress or repeat."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s-%d" % (tag.encode(), i)).digest()
        i += 1
    return bytes(out[:n])


class Scratch:
    """A scratch directory, removed on exit from the with-block."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="fsd-images.", dir=RAM_DIR)
        os.chmod(self.dir, 0o755)
        return self

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def listing(self):
        return sorted(os.listdir(self.dir))

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


def mkimage(scratch, payload, *args, name="fw.bin"):
    out = scratch.path(name)
    r = ctl("mkimage", *args, payload, "-o", out)
    assert r.returncode == 0, r.stderr
    return out, r


# ---- mkimage ----

def check_image(path, payload, devices, version, board, dist="failsafed", revision="", target=""):
    """Decode with the independent decoder, check the CRC by hand, the payload and the metadata."""
    with open(path, "rb") as f:
        image = f.read()
    dec = fwimage_ref.parse_image(image)
    assert dec["error"] is None, dec["error"]
    assert dec["payload_bytes"] == len(payload) and image[:len(payload)] == payload
    magic, crc, chunk_type, size = fwimage_ref.TRAILER.unpack_from(image, len(image) - 16)
    assert magic == 0x46577830 and chunk_type == 1 and size == len(image) - len(payload)
    assert crc == fwimage_ref.fwtool_crc(image[:-16]), "CRC over every byte before the trailer"
    assert image[len(payload):len(payload) + 8] == struct.pack(">II", 0, 0), "header version 0, flags 0"
    meta = dec["metadata"]
    assert meta["metadata_version"] == "1.1" and meta["compat_version"] == "1.0", meta
    assert meta["supported_devices"] == devices, meta
    assert meta["version"] == {"dist": dist, "version": version, "revision": revision, "target": target,
                               "board": board}, meta
    assert meta["sha256"] == hashlib.sha256(payload).hexdigest()
    return image, meta


def check_sum_file(path):
    """IMAGE.sha256sum is what sha256sum(1) writes in IMAGE's directory, and sha256sum -c accepts it."""
    d, base = os.path.split(path)
    with open(path + ".sha256sum") as f:
        ours = f.read()
    theirs = subprocess.run(["sha256sum", base], cwd=d, capture_output=True, text=True, check=True).stdout
    assert ours == theirs, (ours, theirs)
    r = subprocess.run(["sha256sum", "-c", base + ".sha256sum"], cwd=d, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == base + ": OK", r.stdout + r.stderr


def test_mkimage_known_board():
    with Scratch() as s:
        payload = payload_bytes(300 * 1024 + 7)
        src = s.write("payload.bin", payload)
        for name in ("mercusys-mr85x", "mercusys_mr85x", "mercusys,mr85x"):
            out, r = mkimage(s, src, "--board", name, "--version", "23.05.3", "--revision", "r5-abc",
                             "--target", "ramips/mt7621")
            assert "warning" not in r.stderr, r.stderr
            check_image(out, payload, ["mercusys,mr85x"], "23.05.3", "mercusys-mr85x",
                        revision="r5-abc", target="ramips/mt7621")
            check_sum_file(out)
            sha = hashlib.sha256(payload).hexdigest()
            image_sha = sha256_file(out)
            for text in ("mercusys,mr85x", "23.05.3", "r5-abc", "ramips/mt7621", sha, image_sha,
                         "%d bytes" % os.path.getsize(out), "payload %d" % len(payload)):
                assert text in r.stdout, (text, r.stdout)
        assert s.listing() == ["fw.bin", "fw.bin.sha256sum", "payload.bin"], s.listing()


def test_mkimage_unknown_board_is_written_as_given():
    with Scratch() as s:
        payload = payload_bytes(5000)
        src = s.write("p", payload)
        out, r = mkimage(s, src, "--board", "acme,r1", "--board", "sim", "--board", "acme,r1", "--version", "1.0",
                         "--dist", "OpenWrt")
        assert "warning: 'acme,r1' is not a board of this tree; written as given" in r.stderr, r.stderr
        for known in ("mercusys-mr85x", "sim (failsafed,sim)", "qemu-virt"):
            assert known in r.stderr, r.stderr
        # a name given twice is listed once; version.board is the first NAME as given
        check_image(out, payload, ["acme,r1", "failsafed,sim"], "1.0", "acme,r1", dist="OpenWrt")
        check_sum_file(out)


def test_mkimage_compat_2_and_stdin():
    with Scratch() as s:
        payload = payload_bytes(3 * 1024 * 1024 + 1, "stdin")
        out = s.path("fw2.bin")
        r = subprocess.run([FAILSAFECTL, "mkimage", "--board", "sim", "--version", "2", "--compat", "2.0", "-",
                            "-o", out], input=payload, capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        with open(out, "rb") as f:
            dec = fwimage_ref.parse_image(f.read())
        meta = dec["metadata"]
        assert dec["error"] is None and dec["payload_bytes"] == len(payload)
        assert meta["compat_version"] == "2.0" and meta["new_supported_devices"] == ["failsafed,sim"], meta
        assert "Image version mismatch" in meta["supported_devices"][0], meta
        check_sum_file(out)


def test_mkimage_errors_leave_nothing_behind():
    with Scratch() as s:
        src = s.write("p.bin", payload_bytes(4096))
        s.write("empty.bin", b"")
        old = s.write("old.bin", b"the previous image, kept when mkimage fails")
        before = s.listing()
        base = ["mkimage", "--version", "1"]
        cases = [
            (base + ["--board", "sim", s.path("missing.bin"), "-o", s.path("x")], 1,
             "payload %s: No such file or directory" % s.path("missing.bin")),
            (base + ["--board", "sim", s.dir, "-o", s.path("x")], 1, "is a directory"),
            (base + ["--board", "sim", s.path("empty.bin"), "-o", old], 1, "payload %s is empty" % s.path("empty.bin")),
            (base + [src, "-o", s.path("x")], 2, "no --board given"),
            (base + ["--board", "sim", src], 2, "-o IMAGE missing"),
            (["mkimage", "--board", "sim", src, "-o", s.path("x")], 2, "no --version given"),
            (base + ["--board", "sim", src, "-o", s.path("nodir/x.bin")], 1,
             "cannot write into directory %s: No such file or directory" % s.path("nodir")),
            (base + ["--board", "sim", "--compat", "2", src, "-o", s.path("x")], 2, "--compat: expects MAJOR.MINOR"),
        ]
        for args, code, text in cases:
            r = ctl(*args)
            assert r.returncode == code, (args, r.returncode, r.stderr)
            assert text in r.stderr, (args, r.stderr)
            assert r.stderr.count("\n") <= 2, r.stderr
            assert s.listing() == before, (args, s.listing())
        with open(old, "rb") as f:
            assert f.read() == b"the previous image, kept when mkimage fails"
        # A directory this user cannot write into (as nobody: root writes anywhere).
        if shutil.which("setpriv"):
            ro = s.path("ro")
            os.mkdir(ro, 0o555)
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", FAILSAFECTL,
                                "mkimage", "--board", "sim", "--version", "1", src, "-o", os.path.join(ro, "x.bin")],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 1, r.stderr
            assert "cannot write into directory %s: Permission denied" % ro in r.stderr, r.stderr
            assert os.listdir(ro) == []


# ---- serve, in the namespaces ----

CLIENT = r"""
import hashlib, json, os, socket, sys, time
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "all"
t0 = time.monotonic()
s = socket.create_connection((host, port), timeout=30)
n = 0
with open(out, "wb") as f:
    while True:
        if mode.startswith("sync:") and n >= 1 << 20:
            # read 1 MiB, say so, and go on only when the other client has too: both are served at once
            _, me, other = mode.split(":")
            open(me, "w").close()
            while not os.path.exists(other):
                if time.monotonic() - t0 > 20:
                    sys.exit("the other client never got its first MiB")
                time.sleep(0.01)
            mode = "all"
        if mode == "reset" and n >= 65536:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            s.close()
            print(json.dumps({"bytes": n}))
            sys.exit(0)
        b = s.recv(1 << 20)
        if not b:
            break
        f.write(b)
        n += len(b)
s.close()
print(json.dumps({"bytes": n, "seconds": time.monotonic() - t0}))
"""


class Serve:
    """failsafectl serve in the PC namespace; ready once it says it is serving."""

    def __init__(self, lan, *args):
        self.proc = subprocess.Popen(lan.in_pc() + [FAILSAFECTL, "serve"] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.early = b""

    def ready(self, timeout_s=20):
        """True once serving; False if it exited first (its output is then in finish())."""
        end = time.monotonic() + timeout_s
        fd = self.proc.stdout.fileno()
        while b"serving " not in self.early:
            left = end - time.monotonic()
            assert left > 0, "serve did not start: %r" % self.early
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return False
                self.early += chunk
        return True

    def finish(self, timeout_s=60):
        out, err = self.proc.communicate(timeout=timeout_s)
        return self.proc.returncode, (self.early + out).decode(), err.decode()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def lan_up(lan):
    """The board's side of the veth gets 192.168.1.1/24 (its failsafe address) and comes up."""
    sh("ip", "-n", lan.board, "addr", "add", BOARD_ADDR + "/24", "dev", "eth0")
    sh("ip", "-n", lan.board, "link", "set", "eth0", "up")
    end = time.monotonic() + 5
    while json.loads(sh("ip", "-n", lan.pc, "-j", "link", "show", "pc0").stdout)[0]["operstate"] != "UP":
        assert time.monotonic() < end, "veth did not come up"
        time.sleep(0.02)


def fetch_nc(lan, out, nc, timeout_s=60):
    """nc HOST PORT > out on the board (nc: the command as a list); its wall-clock time."""
    cmd = nc + [PC_ADDR, str(PORT)]
    t0 = time.monotonic()
    with open(out, "wb") as f:
        r = subprocess.run(lan.in_board() + cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.PIPE,
                           timeout=timeout_s)
    assert r.returncode == 0, r.stderr
    return time.monotonic() - t0


def py_client(lan, out, mode="all"):
    return subprocess.Popen(lan.in_board() + [sys.executable, "-c", CLIENT, PC_ADDR, str(PORT), out, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def py_fetch(lan, out, mode="all", timeout_s=60):
    p = py_client(lan, out, mode)
    o, e = p.communicate(timeout=timeout_s)
    assert p.returncode == 0, e
    return json.loads(o)


def refused_from_board(lan):
    r = subprocess.run(lan.in_board() + [sys.executable, "-c",
                       "import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)\n"
                       "except ConnectionRefusedError:\n sys.exit(0)\nsys.exit(1)", PC_ADDR, str(PORT)],
                       capture_output=True, text=True, timeout=30)
    return r.returncode == 0


def done_lines(err):
    return re.findall(r"^(\S+): sent ([\d.]+ \w+) in ([\d.]+) s \(([\d.]+ \w+/s)\), done$", err, re.M)


def test_serve_to_nc_and_python():
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        payload = payload_bytes(5 * 1024 * 1024 + 3)
        img, _ = mkimage(s, s.write("p", payload), "--board", "sim", "--version", "9.9")
        want = sha256_file(img)
        fetchers = [("python", None)] + NCS
        if not NC:
            print("note: Debian's nc (netcat-openbsd) is not installed; fetching with busybox nc only")
        srv = Serve(sc.lan, img, "--count", str(len(fetchers)))
        try:
            assert srv.ready()
            for name, nc in fetchers:
                got = s.path("got-" + name.replace(" ", "-"))
                if nc:
                    fetch_nc(sc.lan, got, nc)
                else:
                    assert py_fetch(sc.lan, got)["bytes"] == os.path.getsize(img)
                assert sha256_file(got) == want, name
            rc, out, err = srv.finish()
        finally:
            srv.kill()
        assert rc == 0, err
        for text in ("failsafed,sim", "9.9", want, hashlib.sha256(payload).hexdigest(), "check:    ok",
                     "boards of this tree that take it as is: sim", "fw.bin.sha256sum: matches",
                     "serving %s on 0.0.0.0:%d" % (img, PORT), "sysupgrade tcp://%s:%d" % (PC_ADDR, PORT),
                     "nc %s %d > /tmp/fw.bin" % (PC_ADDR, PORT)):
            assert text in out, (text, out)
        done = done_lines(err)
        assert [d[0] for d in done] == [BOARD_ADDR] * len(fetchers), err
        assert all(d[1] == "5.0 MiB" for d in done), err
        assert "%d transfers done, 0 lost" % len(fetchers) in err, err
        assert refused_from_board(sc.lan), "serve exited: nothing listens any more"


def test_serve_two_boards_at_once():
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        img, _ = mkimage(s, s.write("p", payload_bytes(24 * 1024 * 1024, "two")), "--board", "sim",
                         "--version", "1")
        srv = Serve(sc.lan, img, "--count", "2", "--plain")
        try:
            assert srv.ready()
            a, b = s.path("a.flag"), s.path("b.flag")
            ca = py_client(sc.lan, s.path("got-a"), "sync:%s:%s" % (a, b))
            cb = py_client(sc.lan, s.path("got-b"), "sync:%s:%s" % (b, a))
            for c in (ca, cb):
                o, e = c.communicate(timeout=60)
                assert c.returncode == 0, e
            rc, out, err = srv.finish()
        finally:
            srv.kill()
        assert rc == 0, err
        assert sha256_file(s.path("got-a")) == sha256_file(s.path("got-b")) == sha256_file(img)
        labels = sorted(d[0] for d in done_lines(err))
        # two connections from one address: the second is told apart by its port
        assert len(labels) == 2 and labels[0] == BOARD_ADDR and labels[1].startswith(BOARD_ADDR + ":"), err
        assert "2 transfers done, 0 lost" in err, err


def test_serve_once_and_lost_connection():
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        img, _ = mkimage(s, s.write("p", payload_bytes(8 * 1024 * 1024, "once")), "--board", "sim",
                         "--version", "1")
        srv = Serve(sc.lan, img, "--once")
        try:
            assert srv.ready()
            # a board that resets the connection halfway does not count as a transfer
            assert py_fetch(sc.lan, s.path("cut"), "reset")["bytes"] >= 65536
            assert srv.proc.poll() is None, "a lost transfer is not the first complete one"
            assert py_fetch(sc.lan, s.path("got"))["bytes"] == os.path.getsize(img)
            rc, out, err = srv.finish()
        finally:
            srv.kill()
        assert rc == 0, err
        assert re.search(r"^%s: connection lost after [\d.]+ \w+ \((Connection reset by peer|Broken pipe)\)$"
                         % re.escape(BOARD_ADDR), err, re.M), err
        assert len(done_lines(err)) == 1 and "1 transfer done, 1 lost" in err, err
        assert sha256_file(s.path("got")) == sha256_file(img)


def test_serve_refuses_a_broken_image_before_listening():
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        img, _ = mkimage(s, s.write("p", payload_bytes(100000)), "--board", "sim", "--version", "1")
        with open(img, "r+b") as f:
            f.seek(5000)
            byte = f.read(1)
            f.seek(5000)
            f.write(bytes([byte[0] ^ 0x20]))
        srv = Serve(sc.lan, img)
        try:
            assert not srv.ready(), "serve listens for a broken image"
            rc, out, err = srv.finish()
        finally:
            srv.kill()
        assert rc == 1, (rc, err)
        assert "is broken (bad-crc:" in err and "not serving it" in err, err
        assert "BROKEN" in out and "serving" not in out, out
        assert refused_from_board(sc.lan)
        # truncated, and an image that does not exist
        with open(img, "r+b") as f:
            f.truncate(os.path.getsize(img) - 5)
        r = subprocess.run(sc.lan.in_pc() + [FAILSAFECTL, "serve", img], capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and "is broken (truncated:" in r.stderr, r.stderr
        r = subprocess.run(sc.lan.in_pc() + [FAILSAFECTL, "serve", s.path("nope.bin")], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 1 and "image %s: No such file or directory" % s.path("nope.bin") in r.stderr, r.stderr


def test_serve_image_without_metadata():
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        raw = s.write("raw.bin", payload_bytes(200000, "raw"))
        sha = sha256_file(raw)
        srv = Serve(sc.lan, raw, "--once")
        try:
            assert srv.ready()
            py_fetch(sc.lan, s.path("got"))
            rc, out, err = srv.finish()
        finally:
            srv.kill()
        assert rc == 0, err
        assert "has no OpenWrt metadata" in err, err
        assert "sysupgrade -F --sha256 %s tcp://%s:%d" % (sha, PC_ADDR, PORT) in err, err
        assert "sysupgrade -F --sha256 %s tcp://%s:%d" % (sha, PC_ADDR, PORT) in out, out
        assert sha256_file(s.path("got")) == sha


def test_serve_port_in_use_bind_timeout_and_ctrl_c():
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        img, _ = mkimage(s, s.write("p", payload_bytes(1000)), "--board", "sim", "--version", "1")
        first = Serve(sc.lan, img)
        try:
            assert first.ready()
            r = subprocess.run(sc.lan.in_pc() + [FAILSAFECTL, "serve", img], capture_output=True, text=True,
                               timeout=30)
            assert r.returncode == 1, r.stderr
            assert "port 3333 is in use: another serve running? try --port" in r.stderr, r.stderr
            first.proc.send_signal(signal.SIGINT)
            rc, out, err = first.finish(10)
        finally:
            first.kill()
        assert rc == 0, err
        assert re.search(r"^failsafectl serve: 0 transfers done, 0 lost, in [\d.]+ s$", err, re.M), err

        r = subprocess.run(sc.lan.in_pc() + [FAILSAFECTL, "serve", img, "--bind", "10.9.9.9"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and "--bind 10.9.9.9: not an address of this host (it has: %s)" % PC_ADDR \
            in r.stderr, r.stderr

        t0 = time.monotonic()
        r = subprocess.run(sc.lan.in_pc() + [FAILSAFECTL, "serve", img, "--timeout", "0.5"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and "no transfer completed within 0.50 s" in r.stderr, r.stderr
        assert 0.4 < time.monotonic() - t0 < 5

        # bound to the PC's address: the board still gets it
        srv = Serve(sc.lan, img, "--bind", PC_ADDR, "--port", "4000", "--once")
        try:
            assert srv.ready()
            r = subprocess.run(sc.lan.in_board() + [sys.executable, "-c", CLIENT, PC_ADDR, "4000", s.path("got")],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
            rc, out, err = srv.finish()
        finally:
            srv.kill()
        assert rc == 0 and "serving %s on %s:4000" % (img, PC_ADDR) in out, out + err
        assert sha256_file(s.path("got")) == sha256_file(img)


def test_serve_to_the_boards_own_sysupgrade():
    """sysupgrade tcp://HOST:3333 (failsafed's applet, -T: check, write nothing) takes what serve sends."""
    assert os.access(FAILSAFED, os.X_OK) and \
        subprocess.run([FAILSAFED, "sysupgrade", "--help"], capture_output=True).returncode == 0, \
        "%s has no sysupgrade applet" % FAILSAFED
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        payload = payload_bytes(6 * 1024 * 1024 + 5, "sysupgrade")
        img, _ = mkimage(s, s.write("p", payload), "--board", "sim", "--version", "7.7")
        part = s.write("part", bytes(16 * 1024 * 1024))
        srv = Serve(sc.lan, img, "--once")
        try:
            assert srv.ready()
            r = subprocess.run(sc.lan.in_board() + [FAILSAFED, "sysupgrade", "-T", "-q", "--firmware", "file:" + part,
                                                    "--tmp-dir", s.dir, "--state-dir", s.dir,
                                                    "tcp://%s:%d" % (PC_ADDR, PORT)],
                               capture_output=True, text=True, timeout=60)
            rc, out, err = srv.finish()
        finally:
            srv.kill()
        assert r.returncode == 0 and "Image check passed" in r.stdout, r.stdout + r.stderr
        assert hashlib.sha256(payload).hexdigest() in r.stdout, r.stdout
        assert rc == 0 and len(done_lines(err)) == 1, err
        with open(part, "rb") as f:
            assert f.read() == bytes(16 * 1024 * 1024), "-T writes nothing"


def test_serve_throughput_64mib():
    """Not a pass/fail bar: prints what serve does over the veth with nc and with a Python client."""
    with Scene() as sc, Scratch() as s:
        lan_up(sc.lan)
        img, _ = mkimage(s, s.write("p", os.urandom(64 * 1024 * 1024)), "--board", "sim", "--version", "1")
        os.unlink(s.path("p"))
        want = sha256_file(img)
        runs = [("python", None)] + NCS
        for name, nc in runs:
            srv = Serve(sc.lan, img, "--once")
            got = s.path("got")
            try:
                assert srv.ready()
                if nc:
                    wall = fetch_nc(sc.lan, got, nc)
                else:
                    wall = py_fetch(sc.lan, got)["seconds"]
                rc, out, err = srv.finish()
            finally:
                srv.kill()
            assert rc == 0 and sha256_file(got) == want, err
            os.unlink(got)
            d = done_lines(err)[0]
            print("  64 MiB to %-10s serve: %s s (%s); client wall clock %.3f s (%.0f MiB/s)"
                  % (name, d[2], d[3], wall, 64 / wall), flush=True)


if __name__ == "__main__":
    run_tests([
        test_mkimage_known_board,
        test_mkimage_unknown_board_is_written_as_given,
        test_mkimage_compat_2_and_stdin,
        test_mkimage_errors_leave_nothing_behind,
        test_serve_to_nc_and_python,
        test_serve_two_boards_at_once,
        test_serve_once_and_lost_connection,
        test_serve_refuses_a_broken_image_before_listening,
        test_serve_image_without_metadata,
        test_serve_port_in_use_bind_timeout_and_ctrl_c,
        test_serve_to_the_boards_own_sysupgrade,
        test_serve_throughput_64mib,
    ])
