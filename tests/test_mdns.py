"""tests/test_mdns.py — failsafe.local as a laptop finds it: Avahi (avahi-resolve) and nss-mdns (getent, Chromium)
resolve the board in a PC namespace that got its address from the board's DHCP; a one-shot resolver gets a
unicast answer; malformed queries change nothing; a laptop with no address at all reaches telnet, SSH and the
page over IPv6 link-local (other IPv6 peers are refused); the normal path sends no mDNS (and no DHCP) packet.

The PC's Avahi and D-Bus run in a mount namespace of their own (a tmpfs on /run, our nsswitch.conf bound over
/etc/nsswitch.conf), so the host's files and daemons are never touched."""
import os
import re
import shutil
import subprocess
import tempfile

from dhcpclients import Udhcpc, wait_for
from fsd import Daemon, run_tests
from netns import Capture, Switch, sh

AVAHI_CONF = ("[server]\nuse-ipv4=yes\nuse-ipv6=yes\nallow-interfaces=pc0\nenable-dbus=yes\nratelimit-burst=1000\n"
              "[publish]\npublish-addresses=no\npublish-hinfo=no\npublish-workstation=no\n")


class Avahi:
    """avahi-daemon and a private D-Bus system bus in a host namespace; run() executes a command beside them."""

    def __init__(self, ns):
        self.dir = tempfile.mkdtemp(prefix="fsd-avahi.")
        with open(os.path.join(self.dir, "avahi.conf"), "w") as f:
            f.write(AVAHI_CONF)
        with open(os.path.join(self.dir, "nsswitch.conf"), "w") as f:
            f.write("hosts: files mdns4_minimal [NOTFOUND=return]\n")   # as Debian's libnss-mdns sets it up
        self.log = os.path.join(self.dir, "avahi.log")
        setup = ("mount -t tmpfs none /run && mkdir -p /run/dbus /run/avahi-daemon && "
                 "mount --bind {d}/nsswitch.conf /etc/nsswitch.conf && dbus-daemon --system --fork && "
                 "exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f {d}/avahi.conf").format(d=self.dir)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "-m", "--propagation", "private",
                                          "sh", "-c", setup], stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        wait_for(lambda: "Server startup complete" in self.text(), 15, "avahi-daemon to start", self.text)

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def run(self, *argv, timeout_s=30):
        return subprocess.run(["nsenter", "-t", str(self.proc.pid), "-m", "-n", "-r", "-w"] + list(argv), capture_output=True,
                              text=True, timeout=timeout_s)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def board(lan, *args, ssh=False, **kw):
    kw.setdefault("cmdline", "failsafe=1")
    return Daemon("-v", *(() if ssh else ("--no-ssh",)), *args, prefix=["ip", "netns", "exec", lan.board], **kw)


def link_local(ns, dev):
    """The interface's IPv6 link-local address once DAD is done (not tentative), or None."""
    r = sh("ip", "-n", ns, "-6", "-o", "addr", "show", "dev", dev, "scope", "link", check=False)
    for line in r.stdout.splitlines():
        if "tentative" not in line:
            return line.split()[3].split("/")[0]
    return None


def laptop(lan):
    """A host that took its address from the board's DHCP, as a laptop set to automatic does."""
    c = Udhcpc(lan.host())
    c.start()
    c.wait_bound(15)
    return c


def test_avahi_nss_and_chromium_find_the_board():
    with Switch() as lan:
        d = board(lan)
        c = av = None
        try:
            wait_for(lambda: "mDNS: failsafe.local and sim.failsafe.local answer on eth0" in d.stderr(), 10,
                     "the mDNS responder", d.stderr)
            c = laptop(lan)
            av = Avahi(c.ns)
            r = av.run("avahi-resolve", "-4", "-n", "failsafe.local")
            assert r.returncode == 0 and r.stdout.split() == ["failsafe.local", "192.168.1.1"], r.stdout + r.stderr
            ll = wait_for(lambda: link_local(lan.board, "eth0"), 10, "the board's link-local address")
            r = av.run("avahi-resolve", "-6", "-n", "sim.failsafe.local")
            assert r.returncode == 0 and r.stdout.split() == ["sim.failsafe.local", ll], (r.stdout, r.stderr, ll)
            r = av.run("getent", "ahostsv4", "failsafe.local")
            assert r.returncode == 0 and r.stdout.split()[0] == "192.168.1.1", r.stdout + r.stderr
            r = av.run("chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--dump-dom",
                       "http://failsafe.local/", timeout_s=60)
            assert "<h1>Failsafe recovery</h1>" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
        finally:
            if av:
                av.stop()
            if c:
                c.stop()
            d.stop()


LEGACY_AND_JUNK = r'''
import os, random, socket, struct
def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("0.0.0.0"))
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"pc0")
s.settimeout(5)
rnd = random.Random(6762)
# a looping name first (the first malformed query of its second is always logged), then junk: random bytes,
# cut and looping names
s.sendto(struct.pack(">HHHHHH", 0, 0, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1", ("224.0.0.251", 5353))
for i in range(2000):
    b = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 80)))
    s.sendto(b, ("224.0.0.251", 5353))
    s.sendto(struct.pack(">HHHHHH", 0, 0, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1", ("224.0.0.251", 5353))
q = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0) + name("FailSafe.local") + struct.pack(">HH", 1, 1)
# the junk may still fill the board's receive queue (a loaded machine): ask again, as a resolver does
s.settimeout(1)
for attempt in range(20):
    s.sendto(q, ("224.0.0.251", 5353))
    try:
        while True:
            a, src = s.recvfrom(2048)
            if a[:2] == b"\x42\x42":
                break
        break
    except socket.timeout:
        continue
else:
    raise SystemExit("no answer to 20 queries, one a second")
print(src[0], socket.inet_ntoa(a[-4:]), struct.unpack(">I", a[-10:-6])[0])
'''


def test_one_shot_resolver_and_junk():
    """A query from an ordinary port (a one-shot resolver, RFC 6762 §6.7) is answered to that port, with its ID
    and TTL 10; 4000 malformed queries before it cost nothing but a few log lines."""
    with Switch() as lan:
        d = board(lan, "--no-http")
        c = None
        try:
            c = laptop(lan)
            r = subprocess.run(["ip", "netns", "exec", c.ns, "python3", "-c", LEGACY_AND_JUNK], capture_output=True,
                               text=True, timeout=60)
            assert r.returncode == 0 and r.stdout.split() == ["192.168.1.1", "192.168.1.1", "10"], \
                r.stdout + r.stderr
            assert d.running()
            log = d.stderr()
            assert "mDNS: malformed query dropped: a compression pointer at byte 12 loops or points forward" in log
            assert log.count("mDNS: malformed query dropped") <= 5 * 30, log.count("mDNS: malformed query dropped")
        finally:
            if c:
                c.stop()
            d.stop()


LINK_LOCAL = r'''
import socket, sys, urllib.request
ll = sys.argv[1]
t = socket.create_connection((ll + "%pc0", 23), timeout=5)
t.sendall(b"\xff\xfd\x01")   # DO ECHO: a telnet client answers the negotiation at once (telnet_slots.h)
data = b""
while b"FAILSAFE MODE" not in data:
    data += t.recv(4096)
s = socket.create_connection((ll + "%pc0", 22), timeout=10)
assert s.recv(64).startswith(b"SSH-2.0-")
page = urllib.request.urlopen("http://[%s%%25pc0]/status" % ll, timeout=5)
print(page.status)
'''

NOT_LINK_LOCAL = r'''
import socket
s = socket.create_connection(("fd00:fa11::1", 23), timeout=5)
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.decode(errors="replace").strip())
h = socket.create_connection(("fd00:fa11::1", 80), timeout=5)
h.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
page = b""
while True:
    b = h.recv(4096)
    if not b:
        break
    page += b
print(page.split(b"\r\n", 1)[0].decode(errors="replace"))
'''


def test_ipv6_link_local_without_any_address():
    """A laptop whose port has no IPv4 address (only the link-local one every IPv6 stack makes) logs in over
    telnet, gets SSH's banner and the page's status at the board's link-local address; a peer with another
    IPv6 address is refused with one line (telnet) or a 403 (the page), both logged as refusals."""
    with Switch() as lan:
        d = board(lan, ssh=True)
        try:
            wait_for(lambda: "telnet: also on IPv6 link-local" in d.stderr(), 10, "telnet on IPv6", d.stderr)
            pc = lan.host()
            ll = wait_for(lambda: link_local(lan.board, "eth0"), 10, "the board's link-local address")
            wait_for(lambda: link_local(pc, "pc0"), 10, "the laptop's link-local address")
            r = subprocess.run(["ip", "netns", "exec", pc, "python3", "-c", LINK_LOCAL, ll], capture_output=True,
                               text=True, timeout=60)
            assert r.returncode == 0 and r.stdout.strip() == "200", r.stdout + r.stderr + d.stderr()
            sh("ip", "-n", lan.board, "addr", "add", "fd00:fa11::1/64", "dev", "eth0", "nodad")
            other = lan.host()
            sh("ip", "-n", other, "addr", "add", "fd00:fa11::2/64", "dev", "pc0", "nodad")
            r = subprocess.run(["ip", "netns", "exec", other, "python3", "-c", NOT_LINK_LOCAL], capture_output=True,
                               text=True, timeout=30)
            line, status = (r.stdout.strip().splitlines() + ["", ""])[:2]
            assert line.startswith("failsafed: telnet only from the failsafe subnet 192.168.1.") and \
                line.endswith("/24 or IPv6 link-local"), r.stdout + r.stderr
            assert status.startswith("HTTP/1.1 403"), r.stdout + r.stderr
            # both refusals in the one rate-limited refusal log, with the peer and why
            for service in ("telnet", "http"):
                assert re.search(r"%s \[fd00:fa11::2%%eth0\]:\d+: refused: IPv6 only from link-local addresses"
                                 % service, d.stderr()), d.stderr()
        finally:
            d.stop()


def test_normal_path_sends_no_mdns_or_dhcp():
    """The window ends with nobody pressing: of everything the board sent on the cable (captured on the PC's
    side), nothing is mDNS or DHCP, although a laptop asked for both all along."""
    with Switch() as lan:
        pc = lan.host("192.168.1.2/24")
        mac = sh("ip", "-n", lan.board, "-o", "link", "show", "eth0").stdout.split("link/ether ")[1].split()[0]
        pcap = tempfile.mktemp(prefix="fsd-quiet.", suffix=".pcap")
        cap = Capture(None, pcap, bpf="ether src %s and (udp port 5353 or udp port 67 or udp port 68)" % mac, ns=pc)
        both = Capture(None, pcap + ".all", bpf="ether src %s" % mac, ns=pc)
        av = Avahi(pc)
        c = Udhcpc(lan.host())
        c.start()
        d = board(lan, window_ms=3000, cmdline="quiet")
        try:
            av.run("avahi-resolve", "-4", "-n", "failsafe.local", timeout_s=30)   # asks during the window
            assert d.wait_exit(10) == 0
            assert cap.stop() == [] and frames(pcap) == 0, "the board sent mDNS or DHCP on the normal path"
            both.stop()
            assert frames(pcap + ".all") > 0, "the capture saw the board's beacons: it was listening"
        finally:
            av.stop()
            c.stop()
            d.stop()
            for p in (pcap, pcap + ".all"):
                if os.path.exists(p):
                    os.unlink(p)


def frames(path):
    """How many frames a pcap file holds (IPv4 and IPv6 alike)."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, n = 24, 0
    while off + 16 <= len(data):
        off += 16 + struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        n += 1
    return n


run_tests([test_avahi_nss_and_chromium_find_the_board, test_one_shot_resolver_and_junk,
           test_ipv6_link_local_without_any_address, test_normal_path_sends_no_mdns_or_dhcp])
