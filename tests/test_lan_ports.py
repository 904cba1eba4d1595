"""tests/test_lan_ports.py — every LAN port of a DSA board (the simulated sim-dsa: conduit eth0, ports lan1 and lan2):
failsafed bridges them into br-lan, a laptop on the second port gets an address and recovers the board, and the
normal path puts every link back exactly as found (down, up, a port of someone else's bridge)."""
import os
import subprocess

from dhcpclients import Udhcpc, wait_for
from dsalan import DsaLan
from fsd import Daemon, run_tests
from netns import sh

BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", "build")
DSA = os.path.join(BIN_DIR, "failsafed_sim_dsa")


def board(lan, *args, **kw):
    return Daemon("-v", *args, binary=DSA, prefix=["ip", "netns", "exec", lan.board], **kw)


IN_FAILSAFE = r'''
import socket, urllib.request
t = socket.create_connection(("192.168.1.1", 23), timeout=5)
t.sendall(b"\xff\xfd\x01")   # DO ECHO: a telnet client answers the negotiation at once (telnet_slots.h)
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
    """Window, no trigger: the bridge is deleted, the ports leave it and go down again, the conduit too; nothing
    is said to have disappeared."""
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
            # a port leaving the bridge (the bridge's RTM_DELLINK about it) is not a link that disappeared
            assert "disappeared" not in d.stderr(), d.stderr()
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
