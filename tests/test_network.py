"""tests/test_network.py — the failsafe network in network namespaces: rtnetlink address setup and undo,
beacons captured by tcpdump on the PC side, failsafectl listen, a port that appears late."""
import json
import os
import signal
import subprocess
import time

from fsd import Daemon, FAILSAFECTL, PROMPT_DEBUG, run_tests
from netns import Capture, Scene, ipv4_addrs, sh

BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", "build")

WINDOW_TEXT = b"Please press button now to enter failsafe"
FAILSAFE_TEXT = b"Entering Failsafe!"


def wait(pred, timeout_s=5.0, what="condition"):
    end = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def configured(lan):
    link = lan.link()
    return link if link and ("192.168.1.1", 24, "192.168.1.255") in ipv4_addrs(link) and "UP" in link["flags"] else None


def test_address_set_and_removed():
    with Scene() as s:
        lan = s.lan
        assert "UP" not in lan.link()["flags"]
        d = s.daemon(window_ms=2000)
        link = wait(lambda: configured(lan), 3, "192.168.1.1/24 brd 192.168.1.255 on eth0")
        assert link["operstate"] in ("UP", "UNKNOWN", "LOWERLAYERDOWN"), link
        assert d.wait_exit(6) == 0
        link = lan.link()
        assert ipv4_addrs(link) == [], link
        assert "UP" not in link["flags"], "failsafed brought it up, so it set it back down: %s" % link["flags"]
        assert "restored as found" in d.stderr()


def test_sigterm_in_window_restores_the_port():
    with Scene() as s:
        lan = s.lan
        d = s.daemon(window_ms=10000)
        wait(lambda: configured(lan), 8, "configured")
        d.signal(signal.SIGTERM)
        assert d.wait_exit(5) == 128 + signal.SIGTERM
        link = lan.link()
        assert ipv4_addrs(link) == [] and "UP" not in link["flags"], link


def test_link_already_up_and_address_present_are_left_alone():
    with Scene() as s:
        lan = s.lan
        subprocess.run(["ip", "-n", lan.board, "link", "set", "eth0", "up"], check=True)
        subprocess.run(["ip", "-n", lan.board, "addr", "add", "192.168.1.1/24", "brd", "192.168.1.255",
                        "dev", "eth0"], check=True)
        d = s.daemon(window_ms=800)
        assert d.wait_exit(6) == 0
        link = lan.link()
        assert ("192.168.1.1", 24, "192.168.1.255") in ipv4_addrs(link), "not failsafed's address to remove"
        assert "UP" in link["flags"], "it was up before failsafed: stays up"


def test_beacons_on_the_wire():
    with Scene() as s:
        lan = s.lan
        pcap = s.tmpfile("fsd-beacons.", ".pcap")
        cap = Capture(lan, pcap)
        d = s.daemon("--no-ssh", window_ms=10000)   # SSH's host keys, once made, bring a burst of their own
        d.expect(PROMPT_DEBUG)
        time.sleep(2.6)
        d.ctl("click", "reset")
        d.expect("- failsafe -")
        time.sleep(0.6)
        pkts = cap.stop()
        window = [p for p in pkts if p[4][2:2 + len(WINDOW_TEXT)] == WINDOW_TEXT]
        entry = [p for p in pkts if p[4][2:2 + len(FAILSAFE_TEXT)] == FAILSAFE_TEXT]
        for t, src, dst, dport, payload in pkts:
            assert (src, dst, dport) == ("192.168.1.1", "192.168.1.255", 4919), (src, dst, dport)
            assert len(payload) == 1001, len(payload)
            assert payload[:2] == b"\xde\xad"
        for p in window:
            text_end = 2 + len(WINDOW_TEXT)
            assert p[4][text_end] == 0, "text is NUL-terminated"
            fields = p[4][text_end + 1:].split(b"\0")[0].decode()
            assert "board=sim" in fields and "state=window" in fields and "remaining_ms=" in fields, fields
            assert "mac=" + lan.link()["address"] in fields and "version=" in fields and "seq=" in fields, fields
        assert 3 <= len(window) <= 4, [round(p[0] - window[0][0], 3) for p in window]
        gaps = [b[0] - a[0] for a, b in zip(window, window[1:])]
        # each period is armed from the send before it: a late wake-up (an ASan twin on a loaded host) makes one
        # gap longer, never shorter; the upper bounds still tell the 1 s period from the 100 ms entry burst
        assert all(0.9 < g < 1.6 for g in gaps), gaps
        assert len(entry) == 3, len(entry)
        gaps = [b[0] - a[0] for a, b in zip(entry, entry[1:])]
        assert all(0.08 < g < 0.5 for g in gaps), gaps
        fields = entry[0][4][2 + len(FAILSAFE_TEXT) + 1:].split(b"\0")[0].decode()
        assert "state=failsafe" in fields and "via=button:reset" in fields, fields


def test_listen_once_json():
    with Scene() as s:
        lan = s.lan
        listener = subprocess.Popen(lan.in_pc() + [FAILSAFECTL, "listen", "--once", "--json", "--timeout", "15"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        d = s.daemon(window_ms=10000)
        d.expect(PROMPT_DEBUG)
        time.sleep(1.5)
        d.write("f\n")
        out, err = listener.communicate(timeout=15)
        assert listener.returncode == 0, (listener.returncode, err)
        rows = [json.loads(l) for l in out.splitlines() if l.strip()]
        assert any(r.get("state") == "window" and r.get("board") == "sim" and r.get("from") == "192.168.1.1"
                   for r in rows), rows
        assert rows[-1]["text"] == "Entering Failsafe!" and rows[-1].get("via") == "console", rows[-1]


def test_listen_on_a_port_without_address():
    """listen on a PC whose port has no address: a temporary 192.168.1.2xx/24 while it listens (said in one line),
    the board heard entering failsafe, the address removed on exit."""
    with Scene() as s:
        lan = s.lan
        sh("ip", "-n", lan.pc, "addr", "flush", "dev", "pc0")
        listener = subprocess.Popen(lan.in_pc() + [FAILSAFECTL, "listen", "--once", "--json", "--timeout", "15"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait(lambda: ipv4_addrs(lan.link(ns=lan.pc, dev="pc0")), 5, "the temporary address on pc0")
        d = s.daemon(window_ms=10000)
        d.expect(PROMPT_DEBUG)
        d.write("f\n")
        out, err = listener.communicate(timeout=15)
        assert listener.returncode == 0, (listener.returncode, err)
        assert json.loads(out.splitlines()[-1])["text"] == "Entering Failsafe!", out
        lines = err.splitlines()
        assert len(lines) == 2 and "failsafectl listen: added 192.168.1.2" in lines[0] and \
            "/24 to pc0 for the failsafe subnet" in lines[0] and lines[1].endswith("removed from pc0"), err
        assert ipv4_addrs(lan.link(ns=lan.pc, dev="pc0")) == [], "put back as found"


def test_port_appears_late():
    with Scene(with_port=False) as s:
        lan = s.lan
        pcap = s.tmpfile("fsd-late.", ".pcap")
        d = s.daemon(window_ms=6000)
        d.expect(PROMPT_DEBUG)
        wait(lambda: "does not exist yet" in d.stderr(), 5, "the waiting message")
        time.sleep(1.5)
        lan.add_port()
        cap = Capture(lan, pcap)
        wait(lambda: configured(lan), 5, "late eth0 configured")
        time.sleep(1.5)
        pkts = cap.stop()
        assert any(p[4][2:2 + len(WINDOW_TEXT)] == WINDOW_TEXT for p in pkts), pkts


def test_dsa_conduit_then_user_port():
    """lan1 (a macvlan standing in for a DSA user port) on conduit eth0: the conduit up first, lan1 in the bridge
    br-lan that failsafed makes (sim-dsa lists lan1 and lan2; lan2 does not exist here and costs only itself),
    the address on br-lan; the normal path deletes the bridge and sets both links down again."""
    with Scene() as s:
        lan = s.lan
        sh("ip", "-n", lan.board, "link", "add", "lan1", "link", "eth0", "type", "macvlan", "mode", "bridge")
        d = s.daemon(binary=os.path.join(BIN_DIR, "failsafed_sim_dsa"), window_ms=2500)
        wait(lambda: d.running() and "br-lan up at 192.168.1.1/24" in d.stderr(), 4, "br-lan configured")
        conduit, port, br = lan.link(dev="eth0"), lan.link(dev="lan1"), lan.link(dev="br-lan")
        assert "UP" in conduit["flags"] and ipv4_addrs(conduit) == [], conduit
        assert "UP" in port["flags"] and ipv4_addrs(port) == [] and port.get("master") == "br-lan", port
        assert ("192.168.1.1", 24, "192.168.1.255") in ipv4_addrs(br), br
        assert "LAN port lan2 does not exist yet" in d.stderr()
        # the PC reaches the board through the conduit
        r = subprocess.run(lan.in_pc() + ["ping", "-c", "1", "-W", "2", "192.168.1.1"], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        assert d.wait_exit(6) == 0
        conduit, port = lan.link(dev="eth0"), lan.link(dev="lan1")
        assert "UP" not in port["flags"] and port.get("master") is None, port
        assert "UP" not in conduit["flags"], conduit
        assert lan.link(dev="br-lan") is None


def kernel_has_vlan(lan):
    r = sh("ip", "-n", lan.pc, "link", "add", "link", "pc0", "name", "pc0.1", "type", "vlan", "id", "1", check=False)
    return r.returncode == 0


def test_vlan_created_and_removed():
    """eth0.1: the VLAN link is created on eth0, both brought up; the normal path deletes it again.
    On a kernel without 802.1Q the creation fails: named in the log, and the boot still goes on time."""
    with Scene() as s:
        lan = s.lan
        has_vlan = kernel_has_vlan(lan)
        if has_vlan:
            sh("ip", "-n", lan.pc, "addr", "flush", "dev", "pc0")
            sh("ip", "-n", lan.pc, "addr", "add", "192.168.1.2/24", "dev", "pc0.1")
            sh("ip", "-n", lan.pc, "link", "set", "pc0.1", "up")
        assert lan.link(dev="eth0.1") is None
        d = s.daemon(binary=os.path.join(BIN_DIR, "failsafed_sim_vlan"), window_ms=2500)
        if not has_vlan:
            print("  (this kernel has no 802.1Q support: checking the error path)")
            wait(lambda: "creating VLAN 1 eth0.1" in d.stderr(), 4, "the VLAN error")
            assert "EOPNOTSUPP" in d.stderr() or "not supported" in d.stderr(), d.stderr()
            assert d.wait_exit(6) == 0
            assert lan.link(dev="eth0.1") is None
            return
        wait(lambda: "eth0.1 up at 192.168.1.1/24" in d.stderr(), 4, "eth0.1 configured")
        vlan = lan.link(dev="eth0.1")
        assert "UP" in vlan["flags"] and ("192.168.1.1", 24, "192.168.1.255") in ipv4_addrs(vlan), vlan
        assert "UP" in lan.link(dev="eth0")["flags"]
        r = subprocess.run(lan.in_pc() + ["ping", "-c", "1", "-W", "2", "192.168.1.1"], capture_output=True, text=True)
        assert r.returncode == 0, "tagged traffic reaches the board: " + r.stdout + r.stderr
        assert d.wait_exit(6) == 0
        assert lan.link(dev="eth0.1") is None, "the VLAN failsafed created is gone"
        assert "UP" not in lan.link(dev="eth0")["flags"]


def test_carrier_up_restarts_the_beacon():
    """The port is up but the cable is 'unplugged' (peer down): when carrier comes, a beacon follows at once."""
    with Scene() as s:
        lan = s.lan
        pcap = s.tmpfile("fsd-carrier.", ".pcap")
        sh("ip", "-n", lan.pc, "link", "set", "pc0", "down")
        d = s.daemon(window_ms=8000)
        wait(lambda: "(no carrier yet)" in d.stderr(), 5, "configured without carrier")
        # Captured on the board's side, where even the beacons lost for want of carrier show.
        cap = Capture(lan, pcap, dev="eth0", ns=lan.board)
        time.sleep(1.1)  # mid-period
        t_up = time.time()
        sh("ip", "-n", lan.pc, "link", "set", "pc0", "up")
        t_upped = time.time()   # the 0.3 s count from here: starting ip on a loaded host is not the daemon's time
        wait(lambda: "carrier up on eth0" in d.stderr(), 5, "carrier event")
        time.sleep(1.2)
        pkts = cap.stop()
        after = [p[0] - t_upped for p in pkts if p[0] > t_up and p[4][2:2 + len(WINDOW_TEXT)] == WINDOW_TEXT]
        assert after and after[0] < 0.3, "first beacon after carrier up (from ip's exit): %s s" % after[:3]


def test_sim_refuses_host_namespace():
    """Without a namespace the simulated board leaves the host's network alone."""
    d = Daemon(window_ms=300)
    try:
        assert d.wait_exit(5) == 0
        assert "not touching this host's own network" in d.stderr(), d.stderr()
    finally:
        d.stop()


run_tests([test_address_set_and_removed, test_sigterm_in_window_restores_the_port,
           test_link_already_up_and_address_present_are_left_alone,
           test_beacons_on_the_wire, test_listen_once_json, test_listen_on_a_port_without_address, test_port_appears_late,
           test_dsa_conduit_then_user_port, test_vlan_created_and_removed, test_carrier_up_restarts_the_beacon,
           test_sim_refuses_host_namespace])
