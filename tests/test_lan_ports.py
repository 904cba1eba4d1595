"""tests/test_lan_ports.py — every LAN port of a DSA board (the simulated sim-dsa: conduit eth0, ports lan1 and lan2):
failsafed bridges them into br-lan, a laptop on the second port gets an address and recovers the board, and the
normal path puts every link back exactly as found (down, up, a port of someone else's bridge)."""
import json
import os
import subprocess

from dhcpclients import Udhcpc, wait_for
from fsd import Daemon, run_tests
from netns import add, remove, sh

BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", "build")
DSA = os.path.join(BIN_DIR, "failsafed_sim_dsa")


class DsaLan:
    """The board's namespace with eth0 (the conduit: a veth whose far end is in a namespace of its own) and lan1,
    lan2 (veths to one PC namespace each: 'pc0' there, no address)."""

    count = 0

    def __init__(self):
        DsaLan.count += 1
        tag = "%x%d" % (os.getpid(), DsaLan.count)
        self.board = add("fsd-dsa-" + tag)
        self.cpu = add("fsd-cpu-" + tag)
        self.pcs = {}
        self.veth(self.cpu, "eth0", "cpu0")
        for port in ("lan1", "lan2"):
            self.pcs[port] = add("fsd-%s-%s" % (port, tag))
            self.veth(self.pcs[port], port, "pc0")
            sh("ip", "-n", self.pcs[port], "link", "set", "pc0", "up")

    def veth(self, far_ns, name, far_name):
        sh("ip", "-n", far_ns, "link", "add", "x0", "type", "veth", "peer", "name", "x1")
        sh("ip", "-n", far_ns, "link", "set", "x1", "netns", self.board)
        sh("ip", "-n", self.board, "link", "set", "x1", "name", name)
        sh("ip", "-n", far_ns, "link", "set", "x0", "name", far_name)
        sh("ip", "-n", far_ns, "link", "set", far_name, "up")

    def link(self, dev):
        r = sh("ip", "-n", self.board, "-j", "-d", "link", "show", "dev", dev, check=False)
        return json.loads(r.stdout)[0] if r.returncode == 0 else None

    def links(self):
        """What the normal path must leave as found: per link, up or not, its master, and br-lan's existence."""
        out = {}
        for dev in ("eth0", "lan1", "lan2", "br-lan"):
            l = self.link(dev)
            out[dev] = None if l is None else ("UP" in l["flags"], l.get("master"))
        return out

    def close(self):
        for ns in list(self.pcs.values()) + [self.cpu, self.board]:
            remove(ns)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def board(lan, *args, **kw):
    return Daemon("-v", *args, binary=DSA, prefix=["ip", "netns", "exec", lan.board], **kw)


IN_FAILSAFE = r'''
import socket, urllib.request
t = socket.create_connection(("192.168.1.1", 23), timeout=5)
data = b""
while b"FAILSAFE MODE" not in data:
    data += t.recv(4096)
print(urllib.request.urlopen("http://192.168.1.1/status", timeout=5).status)
'''


def test_laptop_on_the_second_port_recovers_the_board():
    """Failsafe: br-lan made of lan1 and lan2 with 192.168.1.1; a laptop on lan2 gets a lease and reaches
    telnet and the recovery page; one on lan1 too."""
    with DsaLan() as lan:
        d = board(lan, "--no-ssh", cmdline="failsafe=1")
        clients = []
        try:
            wait_for(lambda: "br-lan up at 192.168.1.1/24" in d.stderr(), 5, "br-lan configured", d.stderr)
            br = lan.link("br-lan")
            assert br and "UP" in br["flags"], br
            assert lan.link("lan1")["master"] == "br-lan" and lan.link("lan2")["master"] == "br-lan"
            assert "UP" in lan.link("eth0")["flags"] and lan.link("eth0").get("master") is None
            for port in ("lan2", "lan1"):
                c = Udhcpc(lan.pcs[port], hostname="laptop-" + port)
                c.start()
                clients.append(c)
                addr, _ = c.wait_bound(15)
                assert addr.startswith("192.168.1.1"), addr
                r = subprocess.run(["ip", "netns", "exec", lan.pcs[port], "python3", "-c", IN_FAILSAFE],
                                   capture_output=True, text=True, timeout=30)
                assert r.returncode == 0 and r.stdout.strip() == "200", (port, r.stdout, r.stderr)
        finally:
            for c in clients:
                c.stop()
            d.stop()


def test_normal_path_puts_every_link_back():
    """Window, no trigger: the bridge is deleted, the ports leave it and go down again, the conduit too."""
    with DsaLan() as lan:
        before = lan.links()
        assert before["br-lan"] is None and before["lan1"] == (False, None), before
        d = board(lan, window_ms=1500)
        try:
            wait_for(lambda: "br-lan up at 192.168.1.1/24" in d.stderr(), 5, "br-lan configured", d.stderr)
            assert lan.links() != before
            assert d.wait_exit(6) == 0
            assert lan.links() == before, (before, lan.links())
            assert "br-lan restored as found" in d.stderr(), d.stderr()
        finally:
            d.stop()


def test_links_found_up_or_in_another_bridge_stay_so():
    """lan1 already up, lan2 already a port of another bridge: lan1 joins br-lan and is left up afterwards;
    lan2 is not taken (said in the log) and is still in its own bridge after the normal path."""
    with DsaLan() as lan:
        sh("ip", "-n", lan.board, "link", "set", "lan1", "up")
        sh("ip", "-n", lan.board, "link", "add", "br-other", "type", "bridge")
        sh("ip", "-n", lan.board, "link", "set", "lan2", "master", "br-other")
        before = lan.links()
        d = board(lan, window_ms=1500)
        try:
            wait_for(lambda: "br-lan up at 192.168.1.1/24" in d.stderr(), 5, "br-lan configured", d.stderr)
            assert "LAN port lan2 is a port of another bridge" in d.stderr(), d.stderr()
            assert lan.link("lan1")["master"] == "br-lan" and lan.link("lan2")["master"] == "br-other"
            assert d.wait_exit(6) == 0
            assert lan.links() == before, (before, lan.links())
        finally:
            d.stop()


def test_a_missing_port_costs_only_that_port():
    """lan2 does not exist at start: lan1 works at once; lan2 joins the moment it appears."""
    with DsaLan() as lan:
        sh("ip", "-n", lan.board, "link", "set", "lan2", "name", "spare2")
        d = board(lan, "--no-ssh", "--no-http", cmdline="failsafe=1")
        c = None
        try:
            wait_for(lambda: "br-lan up at 192.168.1.1/24" in d.stderr(), 5, "br-lan configured", d.stderr)
            assert "LAN port lan2 does not exist yet" in d.stderr(), d.stderr()
            sh("ip", "-n", lan.board, "link", "set", "spare2", "name", "lan2")
            wait_for(lambda: (lan.link("lan2") or {}).get("master") == "br-lan", 5, "lan2 in br-lan",
                     lambda: str(lan.link("lan2")))
            c = Udhcpc(lan.pcs["lan2"])
            c.start()
            c.wait_bound(15)
        finally:
            if c:
                c.stop()
            d.stop()


run_tests([test_laptop_on_the_second_port_recovers_the_board, test_normal_path_puts_every_link_back,
           test_links_found_up_or_in_another_bridge_stay_so, test_a_missing_port_costs_only_that_port])
