"""tests/test_dhcp.py — failsafed's DHCP server against real clients on a LAN of network namespaces: dhclient,
udhcpc, dhcpcd and systemd-networkd get, renew and release leases; 50 clients at once; a NAK; a second DHCP
server (dnsmasq) silences it; a hostile peer (malformed packets, a 10,000-DISCOVER flood, spoofed RELEASEs)
changes nothing that matters; the normal path sends no DHCP packet."""
import json
import os
import re
import signal
import subprocess
import tempfile

from dhcpclients import Dhclient, Dhcpcd, Networkd, Udhcpc, wait_for
from fsd import FAILSAFED, Daemon, run_tests
from netns import Capture, Switch, sh

LEASE_S = 20          # dhcpcd's minimum: T1 at 10 s, so a renewal is seen within the test
POOL = ["192.168.1.%d" % i for i in range(100, 200)]


def board(lan, *args, **kw):
    """failsafed on the simulated board, in failsafe from the start (failsafe= on its command line)."""
    kw.setdefault("cmdline", "failsafe=1")
    return Daemon("--dhcp-lease-s", str(LEASE_S), "-v", *args, prefix=["ip", "netns", "exec", lan.board], **kw)


def status(d):
    r = subprocess.run([FAILSAFED, "status", "--state-dir", d.state_dir], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def leases(d):
    """{address: (mac, name)} from failsafed status."""
    out = {}
    for line in status(d).splitlines():
        w = line.split()
        if len(w) == 4 and re.match(r"^192\.168\.1\.\d+$", w[0]):
            out[w[0]] = (w[1], w[2])
    return out


def in_ns(ns, code, *args, timeout_s=30):
    """Run a Python snippet inside a namespace (args as its sys.argv[1:]); its standard output."""
    r = subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", code] + list(args), capture_output=True,
                       text=True, timeout=timeout_s)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


TELNET_BANNER = r'''
import socket, time
s = socket.create_connection(("192.168.1.1", 23), timeout=5)
s.sendall(b"\xff\xfd\x01")   # DO ECHO: a telnet client answers the negotiation at once (telnet_slots.h)
data, end = b"", time.monotonic() + 5
while b"\r\n=======================================================" not in data and time.monotonic() < end:
    data += s.recv(4096)
print(data.decode(errors="replace"))
'''


PAGE_STATUS = r'''
import urllib.request
print(urllib.request.urlopen("http://192.168.1.1/status", timeout=5).read().decode())
'''


def wait_configured(d):
    wait_for(lambda: "DHCP: serving" in d.stderr() or "DHCP: off" in d.stderr(), 10, "the DHCP server to start",
             d.stderr)


def test_real_clients_lease_renew_release():
    """dhclient, udhcpc, dhcpcd and systemd-networkd at once: each gets its own address, renews it at T1,
    gives it back; failsafed status names them by the host name they sent."""
    with Switch() as lan:
        d = board(lan, "--no-ssh")
        clients = []
        try:
            wait_configured(d)
            for kind in (Dhclient, Udhcpc, Dhcpcd, Networkd):
                c = kind(lan.host())
                c.start()
                clients.append(c)
            got = {}
            for c in clients:
                addr, took_ms = c.wait_bound(20)
                assert addr in POOL, (c.name, addr)
                got[c.name] = addr
                print("  %-9s %s after %.0f ms (its own delays included)" % (c.name, addr, took_ms))
            assert len(set(got.values())) == len(clients), got
            table = leases(d)
            for c in clients:
                assert table.get(got[c.name], ("", ""))[1] == c.hostname, (c.name, table)
            # the recovery page lists them too, to the laptop that got its address a moment ago
            page = json.loads(in_ns(clients[0].ns, PAGE_STATUS))
            assert page["dhcp"]["leased"] == 4, page["dhcp"]
            assert {(l["address"], l["name"]) for l in page["dhcp"]["leases"]} == \
                {(got[c.name], c.hostname) for c in clients}, page["dhcp"]
            for c in clients:
                c.wait_renewed(LEASE_S)
            assert re.search(r"debug: DHCP: renewed 192\.168\.1\.1\d\d", d.stderr()), d.stderr()
            for c in clients:
                c.release()
                wait_for(lambda: got[c.name] not in leases(d), 10, "%s's lease to be given back" % c.name,
                         lambda: status(d))
                assert "%s released" % got[c.name] in d.stderr()
            assert "leases:" not in status(d)
        finally:
            for c in clients:
                c.stop()
            d.stop()


FIFTY = r'''
import os, subprocess, sys
hook, out = sys.argv[1], sys.argv[2]
procs = [subprocess.Popen(["busybox", "udhcpc", "-q", "-n", "-f", "-i", "mv%d" % i, "-s", hook, "-t", "8", "-T", "1",
                           "-A", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env=dict(os.environ, OUT=out)) for i in range(50)]
print(sum(p.wait() == 0 for p in procs))
'''


def test_fifty_clients_at_once():
    """50 udhcpc on 50 MAC addresses (macvlans of one PC), all started together: 50 distinct pool addresses."""
    with Switch() as lan:
        d = board(lan, "--no-ssh", "--no-http")
        try:
            ns = lan.host()
            for i in range(50):
                sh("ip", "-n", ns, "link", "add", "mv%d" % i, "link", "pc0", "type", "macvlan", "mode", "bridge")
                sh("ip", "-n", ns, "link", "set", "mv%d" % i, "up")
            wait_configured(d)
            tmp = tempfile.mkdtemp(prefix="fsd-fifty.")
            hook, out = os.path.join(tmp, "hook"), os.path.join(tmp, "bound")
            with open(hook, "w") as f:
                f.write('#!/bin/sh\n[ "$1" = bound ] && echo "$interface $ip $serverid" >> "$OUT"\nexit 0\n')
            os.chmod(hook, 0o755)
            r = subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", FIFTY, hook, out], capture_output=True,
                               text=True, timeout=120)
            with open(out) as f:
                rows = [line.split() for line in f]
            addrs = [r_[1] for r_ in rows]
            assert r.stdout.strip() == "50", (r.stdout, r.stderr, rows)
            assert len(rows) == 50 and len(set(addrs)) == 50, rows
            assert set(addrs) <= set(POOL) and {r_[2] for r_ in rows} == {"192.168.1.1"}, rows
            assert "leases:  50 (address, MAC, name, seconds left)" in status(d), status(d)
        finally:
            d.stop()


def test_nak_for_an_address_outside_the_pool():
    """dhclient comes back with a lease for 192.168.1.20 (init-reboot): NAK, then a pool address."""
    with Switch() as lan:
        d = board(lan, "--no-ssh", "--no-http")
        c = Dhclient(lan.host())
        try:
            wait_configured(d)
            c.start(extra_lease='lease {\n  interface "pc0";\n  fixed-address 192.168.1.20;\n'
                    '  option subnet-mask 255.255.255.0;\n  option dhcp-server-identifier 192.168.1.1;\n'
                    '  renew 4 2037/01/01 00:00:00;\n  rebind 4 2037/01/01 00:00:00;\n'
                    '  expire 4 2037/01/01 00:00:00;\n}\n')
            addr, _ = c.wait_bound(20)
            assert addr in POOL, addr
            assert "DHCPREQUEST for 192.168.1.20" in c.output() and "DHCPNAK from 192.168.1.1" in c.output(), \
                c.output()
            assert "NAK to" in d.stderr() and "192.168.1.20 is outside the pool 192.168.1.100-192.168.1.199" in \
                d.stderr(), d.stderr()
        finally:
            c.stop()
            d.stop()


def start_dnsmasq(ns, tmp):
    return subprocess.Popen(["ip", "netns", "exec", ns, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0",
                             "--user=root", "--interface=pc0", "--bind-interfaces",
                             "--dhcp-range=192.168.1.50,192.168.1.60,2m", "--dhcp-leasefile=" + tmp + "/leases",
                             "--pid-file=" + tmp + "/pid"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_second_dhcp_server_silences_it():
    """dnsmasq on another router of the LAN: failsafed finds it (its probe), says so on the console, in status
    and in the telnet banner, and answers no client; when the other server is gone and the cable comes back,
    it serves again."""
    with Switch() as lan:
        router = lan.host("192.168.1.254/24")
        tmp = tempfile.mkdtemp(prefix="fsd-dnsmasq.")
        dnsmasq = start_dnsmasq(router, tmp)
        d = c = None
        try:
            line = dnsmasq.stderr.readline().decode()
            while line and "DHCP, IP range" not in line:
                line = dnsmasq.stderr.readline().decode()
            assert line, "dnsmasq did not start"
            d = board(lan, "--no-ssh", "--no-http")
            wait_for(lambda: "another DHCP server answers on this LAN (server 192.168.1.254" in d.stderr(), 10,
                     "failsafed to find dnsmasq", d.stderr)
            d.expect("- DHCP: another DHCP server answers on this LAN (server 192.168.1.254")
            assert "DHCP:    silent: DHCP server 192.168.1.254 answers this LAN" in status(d), status(d)
            banner = in_ns(lan.host("192.168.1.2/24"), TELNET_BANNER)   # what the banner tells the user to do
            pc = lan.host()
            assert "DHCP: off - another DHCP server (192.168.1.254) answers on this LAN" in banner, banner
            pcap = tempfile.mktemp(prefix="fsd-rival.", suffix=".pcap")
            cap = Capture(None, pcap, bpf="udp src port 67", ns=pc)
            c = Udhcpc(pc)
            c.start()
            addr, _ = c.wait_bound(20)
            assert addr.startswith("192.168.1.5") or addr == "192.168.1.60", addr
            pkts = cap.stop()
            os.unlink(pcap)
            assert pkts and all(p[1] == "192.168.1.254" for p in pkts), [(p[1], p[2]) for p in pkts]
            assert "not answered: DHCP server 192.168.1.254 answers this LAN" in d.stderr()
            c.stop()
            c = None
            # the other router goes away; the board's cable is pulled and plugged again: it serves
            dnsmasq.send_signal(signal.SIGTERM)
            dnsmasq.wait(timeout=5)
            sh("ip", "-n", lan.sw, "link", "set", "s0", "down")
            wait_for(lambda: "carrier down on eth0" in d.stderr(), 5, "carrier down", d.stderr)
            sh("ip", "-n", lan.sw, "link", "set", "s0", "up")
            wait_for(lambda: "server 192.168.1.254 no longer answers" in d.stderr(), 10, "the DHCP server to resume",
                     d.stderr)
            c = Udhcpc(lan.host())
            c.start()
            addr, _ = c.wait_bound(20)
            assert addr in POOL, addr
        finally:
            if dnsmasq.poll() is None:
                dnsmasq.kill()
                dnsmasq.wait()
            if c:
                c.stop()
            if d:
                d.stop()


HOSTILE = r'''
import os, random, socket, struct, sys
rnd = random.Random(17)
target = ("255.255.255.255", 67)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"pc0")
s.bind(("0.0.0.0", 68))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("192.168.1.66", 0))

def msg(mtype, mac, ciaddr="0.0.0.0", opts=b"", xid=None):
    hdr = struct.pack(">BBBBIHH4s4s4s4s16s192s", 1, 1, 6, 0, xid if xid is not None else rnd.getrandbits(32), 0,
                      0x8000, socket.inet_aton(ciaddr), bytes(4), bytes(4), bytes(4), mac + bytes(10), bytes(192))
    return hdr + b"\x63\x82\x53\x63" + bytes([53, 1, mtype]) + opts + b"\xff"

def send(b):
    try:
        s.sendto(b, target)
    except OSError:
        pass   # a full queue drops a datagram: the flood goes on

victim_ip, victim_mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
srv = bytes([54, 4]) + socket.inet_aton("192.168.1.1")
# malformed: random bytes, cut headers, a bad cookie, options past the end, a bad message type
for i in range(300):
    n = rnd.randrange(0, 600)
    send(bytes(rnd.getrandbits(8) for _ in range(n)))
    good = msg(1, os.urandom(6))
    send(good[:rnd.randrange(0, len(good))])
    send(good[:236] + b"\x63\x82\x53\x62" + good[240:])
    send(good[:240] + b"\x32\xfa\xc0")
    send(good[:242] + bytes([rnd.randrange(9, 256)]) + good[243:])
# a pool-exhaustion flood: 10,000 DISCOVERs from random hardware addresses
for i in range(10000):
    send(msg(1, os.urandom(6)))
# spoofed RELEASEs of the victim's lease: a foreign hardware address, and its own sent from another address
for i in range(50):
    send(msg(7, os.urandom(6), ciaddr=victim_ip, opts=srv))
    u.sendto(msg(7, victim_mac, ciaddr=victim_ip, opts=srv), (victim_ip.rsplit(".", 1)[0] + ".1", 67))
    send(msg(4, os.urandom(6), opts=srv + bytes([50, 4]) + socket.inet_aton(victim_ip)))
print("sent")
'''

ANSWERS = r'''
import socket, urllib.request
t = socket.create_connection(("192.168.1.1", 23), timeout=5)
t.sendall(b"\xff\xfd\x01")   # DO ECHO: a telnet client answers the negotiation at once (telnet_slots.h)
data = b""
while b"FAILSAFE MODE" not in data:
    chunk = t.recv(4096)
    assert chunk, data
    data += chunk
s = socket.create_connection(("192.168.1.1", 22), timeout=10)
assert s.recv(64).startswith(b"SSH-2.0-")
r = urllib.request.urlopen("http://192.168.1.1/status", timeout=5)
assert r.status == 200
print("all answer")
'''


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def test_hostile_peer():
    """Malformed packets, a 10,000-DISCOVER flood with random MACs and spoofed RELEASEs/DECLINEs: failsafed keeps
    running in bounded memory, keeps the real client's lease, logs the flood in a few lines, and telnet, SSH
    and the recovery page still answer."""
    with Switch() as lan:
        d = board(lan)
        c = None
        try:
            wait_configured(d)
            c = Udhcpc(lan.host())
            c.start()
            victim, _ = c.wait_bound(20)
            mac = sh("ip", "-n", c.ns, "-o", "link", "show", "pc0").stdout.split("link/ether ")[1].split()[0]
            d.expect("ED25519 key fingerprint", 30)   # SSH is up once its host keys exist
            before = rss_kib(d.proc.pid)
            attacker = lan.host("192.168.1.66/24")
            assert in_ns(attacker, HOSTILE, victim, mac, timeout_s=120).strip() == "sent"
            # the flood is read: the last of it arrives
            wait_for(lambda: status(d), 10, "failsafed status")
            assert d.running(), d.stderr()
            table = leases(d)
            assert table.get(victim, ("",))[0] == mac, (victim, mac, table)
            after = rss_kib(d.proc.pid)
            # The sanitized twin (tests/san_run.py) cannot say: ASan holds freed memory in quarantine.
            if os.environ.get("FAILSAFED_SANITIZED") != "1":
                assert after - before < 1024, "VmRSS grew from %d to %d KiB" % (before, after)
            print("  VmRSS %d KiB before the flood, %d KiB after" % (before, after))
            log = d.stderr()
            assert "malformed message from" in log and log.count("malformed message from") <= 20 * 30, \
                log.count("malformed message from")
            assert "DHCP: more than 20 lines in a second (a flood?): the rest are counted, not logged" in log, log
            assert in_ns(lan.host("192.168.1.3/24"), ANSWERS).strip() == "all answer"
            # the real client still renews
            c.wait_renewed(LEASE_S)
        finally:
            if c:
                c.stop()
            d.stop()


def test_normal_path_sends_no_dhcp():
    """No trigger: the window ends, and not one DHCP packet left the board, although a client asked all along."""
    with Switch() as lan:
        pc = lan.host()
        pcap = tempfile.mktemp(prefix="fsd-normal.", suffix=".pcap")
        cap = Capture(None, pcap, bpf="udp port 67 or udp port 68", ns=pc)
        c = Udhcpc(pc)
        c.start()
        d = board(lan, window_ms=3000, cmdline="quiet")
        try:
            assert d.wait_exit(10) == 0
            pkts = cap.stop()
            mine = [p for p in pkts if p[1] == "192.168.1.1" or p[3] == 68]
            assert [p for p in pkts if p[3] == 67], "the client asked: %s" % pkts
            assert mine == [], mine
            assert "DHCP" not in d.stderr(), d.stderr()
        finally:
            c.stop()
            d.stop()
            if os.path.exists(pcap):
                os.unlink(pcap)


run_tests([test_real_clients_lease_renew_release, test_fifty_clients_at_once, test_nak_for_an_address_outside_the_pool,
           test_second_dhcp_server_silences_it, test_hostile_peer, test_normal_path_sends_no_dhcp])
