"""tests/test_qemu_lan.py — the QEMU arm64 board's LAN port on a real kernel, seen from a PC in a network namespace.

QEMU runs inside a network namespace made here (unique name, deleted at exit even on failure); its virtio-net NIC
is the tap pc0 there (tools/qemu/run.sh --netns), and pc0 with 192.168.1.2/24 is the PC on the board's LAN port:
`failsafectl listen --json` hears the window's beacons counting down and "Entering Failsafe!", a real telnet client
(Debian's, driven by expect) logs in, and on the normal path the board's address goes away (the beacons stop,
192.168.1.1 stops answering ping, the guest's `ip addr` shows it gone). Nothing here touches the host's own network.

failsafed is the static musl build with libgpiod 2.2.1 (tools/qemu/setup.sh --gpiod2), as on an OpenWrt router;
the guest holds no C library at all. The VLAN tests boot boards/qemu_virt_vlan.c (setup.sh --vlan): failsafed
creates eth0.1 (VLAN 1 on eth0; the guest kernel loads 8021q) and deletes it on the normal path; the PC's tap speaks
VLAN 1 (run.sh --pc-vlan 1: tagged on the wire, untagged to the PC's stack, everything else dropped; this host's
kernel has no 8021q), so the PC hears the board only if its frames are tagged, and tcpdump -e on the tap shows the
tags. The two-port test boots boards/qemu_virt_lan2.c (setup.sh --lan2): failsafed bridges eth0 and eth1 into
br-lan; run.sh --netns2 puts a laptop without an address on eth1, which takes a lease from the board and logs in.
Setup failures make every test FAIL with the reason (never a skip).
"""
import json
import os
import re
import subprocess
import tempfile
import threading
import time

import netns
import test_qemu_board as qb
from dhcpclients import Udhcpc
from fsd import FAILSAFECTL, PROMPT_F, run_tests

GPIOD2, VLAN, LAN2 = qb.VARIANTS["gpiod2"], qb.VARIANTS["vlan"], qb.VARIANTS["lan2"]
qb.use_variant("gpiod2")
WINDOW_MS = 3000                # fsd.window= for the normal-path boots (the board's own is 5000 ms)
BOARD_MAC = "52:54:00:12:34:56"  # QEMU's default for the first NIC


class Pc:
    """A network namespace for one boot: the PC. run.sh puts the tap pc0 (192.168.1.2/24) in it; deleted by
    close() or, whatever happens, by tests/netns.py at exit (which ends what still runs inside: this test's)."""

    count = 0

    def __init__(self):
        Pc.count += 1
        self.ns = "fsd-qpc-%d-%d" % (os.getpid(), Pc.count)
        netns.add(self.ns)                 # torn down by netns.py's atexit/signal handlers too
        self.procs = []

    def run(self, *argv, **kw):
        return subprocess.run(["ip", "netns", "exec", self.ns] + list(argv), capture_output=True, text=True,
                              timeout=kw.pop("timeout", 30), **kw)

    def ping(self, count=1, wait_s=2):
        return self.run("ping", "-n", "-c", str(count), "-W", str(wait_s), "192.168.1.1").returncode == 0

    def spawn(self, *argv, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + list(argv), **kw)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:              # only what this test started, by PID
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        netns.remove(self.ns)


class Listener:
    """failsafectl listen --json in the PC namespace: every beacon with the host time it was printed."""

    def __init__(self, pc, timeout_s=60):
        self.rows = []                    # (wall time, dict)
        self.lock = threading.Lock()
        self.proc = pc.spawn(FAILSAFECTL, "listen", "--json", "--timeout", str(timeout_s),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.rows.append((time.time(), row))

    def beacons(self, state=None):
        with self.lock:
            return [(t, r) for t, r in self.rows if state is None or r.get("state") == state]

    def wait(self, board, state, n, timeout_s):
        """Until the PC heard n beacons in this state (timeout_s is an upper bound)."""
        return board.wait_for("%d %s beacons at the PC" % (n, state),
                              lambda: (lambda b: b if len(b) >= n else None)(self.beacons(state)), timeout_s,
                              seen=lambda: "%d beacons: %s" % (len(self.beacons()), [r for _, r in self.beacons()][-3:]))


# BusyBox ash (the guest's shell) asks the terminal for the cursor position (ESC [6n) after each prompt.
TELNET = r'''
set timeout 15
log_user 1
set t0 [clock milliseconds]
spawn -noecho telnet 192.168.1.1
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "NO-BANNER"; exit 2 }
}
expect {
    -re {[#$] ?(\x1b\[6n)?$} {}
    timeout { puts "NO-PROMPT"; exit 5 }
}
puts "\nLOGIN-MS [expr {[clock milliseconds] - $t0}]"
send "echo answer-\$((6*7)); uname -m; cat /tmp/failsafe; COMMAND\r"
expect {
    "answer-42" {}
    timeout { puts "NO-ANSWER"; exit 3 }
}
expect -re {[#$] ?(\x1b\[6n)?$}
send "exit\r"
expect {
    eof {}
    timeout { puts "NO-EOF"; exit 4 }
}
puts "SESSION-OK"
'''


def telnet_session(board, pc, command="true"):
    """Log in with Debian's telnet (expect), run a command; the session's text and the login time in ms."""
    r = pc.run("expect", "-c", TELNET.replace("COMMAND", command), timeout=40)
    out = r.stdout.replace("\r", "")
    if r.returncode != 0 or "SESSION-OK" not in out:
        board.fail("telnet session failed (rc %d):\n%s%s" % (r.returncode, out, r.stderr))
    if "aarch64" not in out or "button power" not in out:
        board.fail("the telnet shell is not the board's failsafe shell:\n%s" % out)
    return out, int(re.search(r"LOGIN-MS (\d+)", out).group(1))


def check_window_beacons(board, lis, board_name, t_qemu):
    """The window's beacons: from 192.168.1.1 with the board's name and MAC, counting down about 1 s apart."""
    rows = [r for _, r in lis.beacons("window")]
    for r in rows:
        if r.get("from") != "192.168.1.1" or r.get("board") != board_name or r.get("mac") != BOARD_MAC:
            board.fail("a window beacon from elsewhere: %s" % r)
    left = [r["remaining_ms"] for r in rows]
    steps = [a - b for a, b in zip(left, left[1:])]
    if not left or left[0] > 5000 or any(not 700 <= s <= 1300 for s in steps):
        board.fail("the window beacons do not count down 1 s apart from at most 5000 ms: %s" % left)
    seqs = [r["seq"] for r in rows]
    if seqs != sorted(seqs):
        board.fail("beacon sequence numbers out of order: %s" % seqs)
    t_first = lis.beacons("window")[0][0]
    print("  PC heard %d window beacons (remaining_ms %s), the first %.2f s after QEMU started"
          % (len(rows), ", ".join(str(x) for x in left), t_first - t_qemu), flush=True)


def check_normal_path_gone(board, pc, lis, t_result):
    """After the window: no more beacons, no answer to ping, the guest's port without 192.168.1.1 (and down)."""
    board.expect("normal-path # ", 10)
    board.settle(2.5)                     # more than two beacon periods of the guest's own time
    late = [(t, r) for t, r in lis.beacons() if t > t_result + 0.3]
    if late:
        board.fail("beacons after the window ended: %s" % late)
    if pc.ping(count=2, wait_s=1):
        board.fail("192.168.1.1 still answers ping after the normal path")
    board.write("ip -4 addr; ip link; echo SHOWN-$((40+2))\r")
    board.expect("SHOWN-42", 10)
    text = board.text()
    shown = text[text.rindex("ip -4 addr; ip link; echo SHOWN"):text.rindex("SHOWN-42")]
    if "192.168.1.1" in shown:
        board.fail("the guest still has 192.168.1.1 after the normal path:\n%s" % shown)
    print("  after the window: no beacon in 2.5 s, no ping reply, guest `ip -4 addr` without 192.168.1.1",
          flush=True)
    return shown


# ---------------------------------------------------------------------------------------------------------------

def test_setup():
    for v in (GPIOD2, VLAN, LAN2):
        print("  setup + initramfs (%s): %.1f s" % (v["binary"], qb.ensure_setup(v)), flush=True)
        qb.check_initramfs_libc(v)


def check_recovery_page(b, pc, board_name="qemu-virt"):
    """The recovery page of the static build (libmicrohttpd from Debian's source, musl) answers the PC."""
    t0 = time.time()
    r = pc.run("curl", "-sS", "-m", "20", "-H", "Accept: application/json", "http://192.168.1.1/status")
    ms = (time.time() - t0) * 1000
    try:
        st = json.loads(r.stdout)
    except ValueError:
        st = None
    if r.returncode != 0 or not st:
        b.fail("the recovery page did not answer GET /status (curl rc %d): %s%s" % (r.returncode, r.stdout, r.stderr))
    if st.get("board", {}).get("name") != board_name or st.get("phase") != "idle":
        b.fail("the recovery page's state is not %s, idle: %s" % (board_name, st))
    print("  recovery page: GET /status from the PC in %.0f ms (board %s, phase %s)"
          % (ms, st["board"]["name"], st["phase"]), flush=True)


def test_window_beacons_press_telnet():
    """The PC hears the countdown, the button is pressed (QMP), the PC hears "Entering Failsafe!" and logs in."""
    pc = Pc()
    b = None
    try:
        lis = Listener(pc)
        b = qb.Board(netns=pc.ns, variant=GPIOD2)
        t_prompt = b.expect(PROMPT_F, qb.BOOT_TIMEOUT_S)
        print("  prompt %.2f s after QEMU started" % (t_prompt - b.started), flush=True)
        b.expect("network: eth0 up at 192.168.1.1/24", 10)
        lis.wait(b, "window", 2, 10)
        t_press = time.time()
        b.qmp.execute("system_powerdown")
        b.expect("- failsafe button power was pressed -", 5)
        fs = lis.wait(b, "failsafe", 1, 5)
        print("  press to \"%s\" on the PC: %.0f ms" % (fs[0][1]["text"], (fs[0][0] - t_press) * 1000), flush=True)
        if fs[0][1]["text"] != "Entering Failsafe!":
            b.fail("the failsafe beacon says %r" % fs[0][1]["text"])
        check_window_beacons(b, lis, "qemu-virt", b.started)
        out, login_ms = telnet_session(b, pc)
        print("  telnet 192.168.1.1: logged in %d ms after spawning telnet" % login_ms, flush=True)
        check_recovery_page(b, pc)
    finally:
        b and b.stop()
        pc.close()


def test_normal_path_address_removed():
    """Nobody presses: beacons during the window (and ping answered), then the address is removed."""
    pc = Pc()
    b = None
    try:
        lis = Listener(pc)
        b = qb.Board(netns=pc.ns, append="fsd.window=%d" % WINDOW_MS, variant=GPIOD2)
        b.expect("network: eth0 up at 192.168.1.1/24", qb.BOOT_TIMEOUT_S)
        if not pc.ping(count=1, wait_s=2):
            b.fail("192.168.1.1 does not answer ping during the window")
        t_result = b.expect("FSD-RESULT rc=0", WINDOW_MS / 1000.0 + 10)
        b.expect("network: eth0 restored as found", 1)
        if len(lis.beacons("window")) < 2:
            b.fail("the PC heard %d window beacons" % len(lis.beacons("window")))
        check_window_beacons(b, lis, "qemu-virt", b.started)
        shown = check_normal_path_gone(b, pc, lis, t_result)
        if re.search(r"eth0: <[^>]*\bUP\b", shown):
            b.fail("eth0 is still up (it was down before failsafed):\n%s" % shown)
    finally:
        b and b.stop()
        pc.close()


def tcpdump_lines(pcap):
    r = subprocess.run(["tcpdump", "-e", "-n", "-r", pcap], capture_output=True, text=True, timeout=30)
    return r.stdout.splitlines()


def test_vlan_port_tagged_telnet():
    """eth0.1 made by failsafed on the guest: the PC (VLAN 1 only) hears tagged beacons and telnets in over it."""
    pc = Pc()
    b = None
    pcap = tempfile.mktemp(prefix="fsd-qemu-vlan.", suffix=".pcap")
    try:
        lis = Listener(pc)
        b = qb.Board(netns=pc.ns, pc_vlan=1, paused=True, variant=VLAN)
        cap = pc.spawn("tcpdump", "-i", "pc0", "-e", "-n", "--immediate-mode", "-U", "-w", pcap,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if "listening" not in cap.stderr.readline():
            b.fail("tcpdump did not start on pc0")
        b.cont()
        b.expect("FSD-START", qb.BOOT_TIMEOUT_S)
        if "FSD-WARN insmod" in b.text():
            b.fail("a kernel module (8021q and what it needs) did not load")
        b.expect("network: eth0.1 up at 192.168.1.1/24", 10)
        lis.wait(b, "window", 2, 10)
        b.qmp.execute("system_powerdown")
        b.expect("- failsafe button power was pressed -", 5)
        lis.wait(b, "failsafe", 1, 5)
        check_window_beacons(b, lis, "qemu-virt-vlan", b.started)
        out, login_ms = telnet_session(b, pc, "ip link show eth0.1; cat /proc/net/vlan/config")
        if not re.search(r"eth0\.1@eth0: <[^>]*\bUP\b", out) or not re.search(r"\neth0\.1 +\| 1 +\| eth0\n", out):
            b.fail("the guest shows no eth0.1 as VLAN 1 of eth0:\n%s" % out)
        print("  telnet over VLAN 1: logged in %d ms after spawning telnet; eth0.1@eth0 vlan id 1" % login_ms,
              flush=True)

        def captured():   # tcpdump -U writes each frame as it comes: the file is read until it holds the session
            lines = tcpdump_lines(pcap)
            done = any(re.search(r"192\.168\.1\.1\.23 > 192\.168\.1\.2\.\d+: Flags \[F", x) for x in lines)
            return lines if done and sum(".4919: UDP" in x for x in lines) >= 3 else None
        b.wait_for("the telnet session's FIN and 3 beacons in the capture", captured, 10,
                   seen=lambda: "%d frames" % len(tcpdump_lines(pcap)))
        cap.terminate()
        cap.wait(timeout=10)
        lines = tcpdump_lines(pcap)
        beacons = [x for x in lines if ".4919: UDP" in x]
        telnet = [x for x in lines if re.search(r"192\.168\.1\.1\.23 > 192\.168\.1\.2\.\d+:", x)]
        # IPv4 and ARP from the board (what failsafed's port carries); the guest kernel's own IPv6 link-local
        # chatter on the parent eth0 (up, as the VLAN's lower device) is untagged, as on any router.
        from_board = [x for x in lines if x.split()[1:2] == [BOARD_MAC] and re.search(r"ethertype (IPv4|ARP)", x)]
        untagged = [x for x in from_board if "vlan 1," not in x]
        print("  tcpdump -e on pc0: %d IPv4/ARP frames from the board (%d beacons, %d telnet), all 802.1Q vlan 1: %s"
              % (len(from_board), len(beacons), len(telnet), "yes" if not untagged else "NO"), flush=True)
        print("    e.g. %s" % (beacons[0] if beacons else "-"), flush=True)
        if len(beacons) < 3 or not telnet:
            b.fail("tcpdump saw %d beacons and %d telnet frames on pc0:\n%s"
                   % (len(beacons), len(telnet), "\n".join(lines[:40])))
        if untagged or any("ethertype 802.1Q (0x8100)" not in x or "vlan 1," not in x for x in beacons):
            b.fail("frames from the board without the VLAN 1 tag:\n%s" % "\n".join((untagged or beacons)[:10]))
    finally:
        b and b.stop()
        pc.close()
        if os.path.exists(pcap):
            os.unlink(pcap)


def test_vlan_removed_on_normal_path():
    """Nobody presses: failsafed deletes the eth0.1 it created (and says nothing about it disappearing)."""
    pc = Pc()
    b = None
    try:
        lis = Listener(pc)
        b = qb.Board(netns=pc.ns, pc_vlan=1, append="fsd.window=%d" % WINDOW_MS, variant=VLAN)
        b.expect("network: eth0.1 up at 192.168.1.1/24", qb.BOOT_TIMEOUT_S)
        if not pc.ping(count=1, wait_s=2):
            b.fail("192.168.1.1 does not answer ping over VLAN 1 during the window")
        t_result = b.expect("FSD-RESULT rc=0", WINDOW_MS / 1000.0 + 10)
        b.expect("network: eth0.1 restored as found", 1)
        if "disappeared" in b.text():
            b.fail("failsafed warned about the VLAN link it deleted itself")
        check_window_beacons(b, lis, "qemu-virt-vlan", b.started)
        shown = check_normal_path_gone(b, pc, lis, t_result)
        if "eth0.1" in shown:
            b.fail("eth0.1 is still there after the normal path:\n%s" % shown)
        if re.search(r"eth0: <[^>]*\bUP\b", shown):
            b.fail("eth0 (the VLAN's parent, down before failsafed) is still up:\n%s" % shown)
        print("  guest `ip link` after the window: eth0.1 deleted, eth0 down again", flush=True)
    finally:
        b and b.stop()
        pc.close()


def test_laptop_on_the_second_lan_port():
    """boards/qemu_virt_lan2.c on a real kernel: eth0 and eth1 bridged into br-lan by failsafed. The button is
    pressed; a laptop on the second port (eth1), with no address, takes a lease from the board's DHCP server,
    logs in over telnet (the guest shows both ports in br-lan) and reads the recovery page; the PC on the first
    port still reaches the page."""
    pc, lap = Pc(), Pc()
    b = c = None
    try:
        b = qb.Board(netns=pc.ns, netns2=lap.ns, variant=LAN2)
        b.expect("FSD-START", qb.BOOT_TIMEOUT_S)
        if "FSD-WARN insmod" in b.text():
            b.fail("a kernel module (bridge and what it needs) did not load")
        b.expect("network: br-lan up at 192.168.1.1/24", 10)
        b.qmp.execute("system_powerdown")
        b.expect("- failsafe button power was pressed -", 5)
        b.expect("DHCP: serving 192.168.1.100-192.168.1.199 on br-lan", 10)
        c = Udhcpc(lap.ns)
        c.start()
        addr, ms = c.wait_bound(30)
        print("  laptop on eth1: %s from the board's DHCP after %.0f ms (udhcpc's own delays included)"
              % (addr, ms), flush=True)
        out, login_ms = telnet_session(b, lap, "ls -1 /sys/class/net/br-lan/brif")   # (no $ or [: expect is Tcl)
        if not re.search(r"\neth0\neth1\n", out):
            b.fail("the guest does not show eth0 and eth1 in br-lan:\n%s" % out)
        print("  telnet from the second port: logged in %d ms after spawning telnet; eth0, eth1 in br-lan"
              % login_ms, flush=True)
        check_recovery_page(b, lap, "qemu-virt-lan2")
        check_recovery_page(b, pc, "qemu-virt-lan2")
    finally:
        if c:
            c.stop()
        b and b.stop()
        lap.close()
        pc.close()


TESTS = [test_setup, test_window_beacons_press_telnet, test_normal_path_address_removed,
         test_vlan_port_tagged_telnet, test_vlan_removed_on_normal_path, test_laptop_on_the_second_lan_port]

if __name__ == "__main__":
    run_tests(TESTS)
