"""tests/netns.py — a board namespace and a PC namespace joined by a veth pair, unique names, always torn down.

Nothing here touches the host's own network: every address and packet lives in the
two namespaces this module creates ("ip netns add"), deleted at exit even on failure."""
import atexit
import json
import os
import signal
import struct
import subprocess
import time

_live = []


def sh(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r


def _remove(ns):
    """End what still runs inside one of our own namespaces (each started by a test), then delete it."""
    if ns not in _live:
        return
    for p in sh("ip", "netns", "pids", ns, check=False).stdout.split():
        try:
            os.kill(int(p), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    sh("ip", "netns", "del", ns, check=False)
    _live.remove(ns)


def add(ns):
    """Create one namespace of our own (lo up), deleted by remove() or, whatever happens, at exit."""
    sh("ip", "netns", "add", ns)
    _live.append(ns)
    sh("ip", "-n", ns, "link", "set", "lo", "up")
    return ns


def remove(ns):
    """End what still runs inside a namespace created by add() and delete it (a no-op for any other name)."""
    _remove(ns)


def _cleanup():
    for ns in list(_live):
        _remove(ns)


atexit.register(_cleanup)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda s, f: (_cleanup(), os._exit(128 + s)))


class Lan:
    """board ns (port 'eth0', unconfigured, down) <-veth-> pc ns ('pc0', 192.168.1.2/24, up)."""

    count = 0

    def __init__(self, with_port=True):
        Lan.count += 1
        tag = "%d-%d" % (os.getpid(), Lan.count)
        self.board = "fsd-board-" + tag
        self.pc = "fsd-pc-" + tag
        for ns in (self.board, self.pc):
            sh("ip", "netns", "add", ns)
            _live.append(ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        if with_port:
            self.add_port()

    def add_port(self):
        """Create the veth pair: 'eth0' in the board ns, 'pc0' (192.168.1.2/24) in the PC ns."""
        a = ("fb%x%d" % (os.getpid(), Lan.count))[:15]
        b = ("fp%x%d" % (os.getpid(), Lan.count))[:15]
        # Created inside the PC namespace, so even the transient names never exist on the host.
        sh("ip", "-n", self.pc, "link", "add", a, "type", "veth", "peer", "name", b)
        sh("ip", "-n", self.pc, "link", "set", a, "netns", self.board)
        sh("ip", "-n", self.board, "link", "set", a, "name", "eth0")
        sh("ip", "-n", self.pc, "link", "set", b, "name", "pc0")
        sh("ip", "-n", self.pc, "addr", "add", "192.168.1.2/24", "dev", "pc0")
        sh("ip", "-n", self.pc, "link", "set", "pc0", "up")

    def in_board(self):
        return ["ip", "netns", "exec", self.board]

    def in_pc(self):
        return ["ip", "netns", "exec", self.pc]

    def link(self, ns=None, dev="eth0"):
        r = sh("ip", "-n", ns or self.board, "-j", "addr", "show", "dev", dev, check=False)
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)[0]

    def close(self):
        for ns in (self.board, self.pc):
            _remove(ns)


def ipv4_addrs(link):
    return [(a["local"], a["prefixlen"], a.get("broadcast")) for a in link.get("addr_info", [])
            if a.get("family") == "inet"]


class Capture:
    """tcpdump on the PC side, written to a pcap file (immediate mode: nothing lost at stop)."""

    def __init__(self, lan, path, bpf="udp port 4919", dev="pc0", ns=None):
        self.path = path
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns or lan.pc, "tcpdump", "-i", dev, "--immediate-mode", "-U", "-n",
                                                    "-w", path, bpf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # tcpdump says "listening on" once the capture runs
        line = self.proc.stderr.readline().decode()
        if "listening" not in line:
            raise RuntimeError("tcpdump: " + line)

    def stop(self):
        time.sleep(0.2)
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        return read_udp(self.path)


def read_udp(path):
    """(time_s, src, dst, dport, payload) of every UDP/IPv4 frame in a pcap file (Ethernet link type)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    off = 24
    while off + 16 <= len(data):
        ts_s, ts_frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0f) * 4
        if ip[9] != 17:
            continue
        src = ".".join(str(x) for x in ip[12:16])
        dst = ".".join(str(x) for x in ip[16:20])
        udp = ip[ihl:]
        dport = struct.unpack(">H", udp[2:4])[0]
        ulen = struct.unpack(">H", udp[4:6])[0]
        out.append((ts_s + ts_frac / (1e9 if nano else 1e6), src, dst, dport, udp[8:ulen]))
    return out


class Scene:
    """A Lan and what a test starts on it (daemons in the board namespace, scratch files),
    all torn down on exit from the with-block, even on failure."""

    def __init__(self, with_port=True):
        self.lan = Lan(with_port=with_port)
        self.daemons = []
        self.files = []

    def daemon(self, *args, **kw):
        from fsd import Daemon
        d = Daemon(*args, prefix=self.lan.in_board(), **kw)
        self.daemons.append(d)
        return d

    def tmpfile(self, prefix, suffix=""):
        import tempfile
        path = tempfile.mktemp(prefix=prefix, suffix=suffix)
        self.files.append(path)
        return path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for d in self.daemons:
            d.stop()
        self.lan.close()
        for path in self.files:
            if os.path.exists(path):
                os.unlink(path)
        return False


class Switch:
    """A LAN of several hosts: the board's namespace ('eth0', unconfigured, down) on a bridge in a switch
    namespace, and host namespaces made on demand, each with its 'pc0' on the same bridge (no address unless
    given). All namespaces are this module's own, removed by close() or at exit."""

    count = 0

    def __init__(self):
        Switch.count += 1
        self.tag = "%x%d" % (os.getpid(), Switch.count)
        self.board = add("fsd-board-s" + self.tag)
        self.sw = add("fsd-sw-" + self.tag)
        self.hosts = []
        sh("ip", "-n", self.sw, "link", "add", "br0", "type", "bridge", "forward_delay", "0")
        sh("ip", "-n", self.sw, "link", "set", "br0", "up")
        self.plug(self.board, "eth0", up=False)

    def plug(self, ns, dev, up=True, addr=None):
        """A veth from the bridge to dev in ns (made inside the switch namespace: no name ever on the host)."""
        n = len(self.hosts) + 1 if ns != self.board else 0
        a, b = "s%d" % n, "h%d" % n
        sh("ip", "-n", self.sw, "link", "add", a, "type", "veth", "peer", "name", b)
        sh("ip", "-n", self.sw, "link", "set", b, "netns", ns)
        sh("ip", "-n", ns, "link", "set", b, "name", dev)
        sh("ip", "-n", self.sw, "link", "set", a, "master", "br0", "up")
        if addr:
            sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
        if up:
            sh("ip", "-n", ns, "link", "set", dev, "up")

    def host(self, addr=None):
        """A new host on the LAN: its namespace, with 'pc0' up (and addr, e.g. '192.168.1.2/24')."""
        ns = add("fsd-h%d-%s" % (len(self.hosts) + 1, self.tag))
        self.hosts.append(ns)
        self.plug(ns, "pc0", addr=addr)
        return ns

    def close(self):
        for ns in self.hosts + [self.sw, self.board]:
            _remove(ns)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
