"""tests/test_faults.py — faults the daemon must live through: a helper stuck in the kernel at stop, a stop during a
page flash, storage that returns EIO, ENOSPC or a short write in the middle of a flash (the page and the sysupgrade
applet), and SIGKILL at random points of failsafe, and at every step of a DSA board's bridge set-up, followed by a
restart.

The failing storage is a file on a FUSE filesystem this test serves itself (tests/fusefix.py: this kernel has no
device-mapper); everything runs in a mount namespace of the test's own (tests/storagefix.py) and network namespaces
(tests/netns.py), removed on exit."""
import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time

import recoveryfix  # noqa: F401  (first: storagefix re-executes the test under unshare -m)
from recoveryfix import URL, board, curl, images, state, wait_phase
from storagefix import Router, sha256_file, sh
from fusefix import FuseFile
from dsalan import DsaLan
from fsd import Daemon, run_tests
from netns import Scene

LONG = os.environ.get("FAILSAFED_LONG") == "1"
DROPBEAR = shutil.which("dropbear") or "/usr/sbin/dropbear"


def wait_for(what, pred, timeout_s=10.0, detail=lambda: ""):
    """Wait until pred() is true; fail saying what was awaited."""
    deadline = time.monotonic() + timeout_s
    while not pred():
        assert time.monotonic() < deadline, "never happened within %.0f s: %s\n%s" % (timeout_s, what, detail())
        time.sleep(0.02)


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_stuck_key_job_does_not_hold_the_stop():
    """dropbearkey stuck in the kernel (a read from a filesystem that never answers: deaf to SIGKILL): SIGTERM in
    failsafe still ends the daemon at once; ssh_job_kill sends SIGKILL and leaves the reaping to the loop."""
    fuse = FuseFile(1 << 20)
    fake = tempfile.mkdtemp(prefix="fsd-fakebin.")
    try:
        os.symlink(DROPBEAR, os.path.join(fake, "dropbear"))
        with open(os.path.join(fake, "dropbearkey"), "w") as f:
            f.write("#!/bin/sh\nexec cat %s\n" % fuse.hang_path)
        os.chmod(os.path.join(fake, "dropbearkey"), 0o755)
        with Scene() as s:
            d = s.daemon("--dropbear", os.path.join(fake, "dropbear"), cmdline="failsafe=1", shell="/bin/sh")
            d.expect("- failsafe -")
            wait_for("dropbearkey started", lambda: "dropbearkey makes" in d.stderr(), detail=d.stderr)
            pid = int(re.search(r"dropbearkey makes the \S+ host key \(pid (\d+)\)", d.stderr()).group(1))
            wait_for("dropbearkey waiting for its filesystem", lambda: fuse.hung, detail=d.stderr)
            t0 = time.monotonic()
            d.signal(signal.SIGTERM)
            rc = d.wait_exit(10)
            took = time.monotonic() - t0
            assert rc == 128 + signal.SIGTERM, (rc, d.stderr())
            # the bound tells "not waiting for the helper" (a hang is caught by wait_exit) with room for an ASan
            # daemon's leak check at exit on a loaded host
            assert took < 5.0, "SIGTERM with a helper stuck in the kernel ends the daemon within 5 s; it took " \
                "%.1f s" % took
            assert proc_state(pid) == "D", "the helper, killed, waits in the kernel (D): left, not waited for"
            fuse.release()
            wait_for("the helper gone once its filesystem answers", lambda: proc_state(pid) in (None, "Z"))
    finally:
        fuse.close()
        shutil.rmtree(fake, ignore_errors=True)


def fuse_board(s, r, fuse, *extra):
    """The page's board with its firmware partition on the FUSE file."""
    return board(s, r, "--firmware", fuse.path, *extra)


def test_stop_during_page_flash_waits_for_the_write():
    """SIGTERM while the page's sysupgrade writes: the applet is not killed; the daemon says it stops once the write
    is done, the write finishes (verified), then the daemon exits."""
    r = Router()
    payload, good, *_ = images(r, size=4 << 20)
    fuse = FuseFile(16 << 20)
    try:
        with Scene() as s:
            d, _ = fuse_board(s, r, fuse)
            code, body = curl(s, "-T", good, URL + "/upload")
            assert code == 200, body
            fuse.close_gate(2 << 20)                   # half way through the payload the writer waits in the kernel
            code, body = curl(s, "-X", "POST", URL + "/flash")
            assert code == 202, body
            assert fuse.at_gate.wait(30), "the write never reached the middle of the partition:\n" + d.stderr()
            d.signal(signal.SIGTERM)
            wait_for("the daemon saying it waits for the write",
                     lambda: "stopping once the firmware write is done" in d.stderr(), detail=d.stderr)
            d.expect("stopping once the write is done; do not power off")
            assert d.running() and d.leds().get("boot") == "200/200", "still up, the upgrade LED on"
            fuse.open_gate()
            assert d.wait_exit(60) == 128 + signal.SIGTERM, d.stderr()
            err = d.stderr()
            assert "recovery: Upgrade completed" in err, err
            assert "left to finish on its own" not in err, err
            assert sha256_file(fuse.path, os.path.getsize(payload)) == sha256_file(payload), "written whole"
    finally:
        fuse.close()


FAULTS = [("EIO", lambda f, at: f.fail_writes(at, errno.EIO), "Input/output error"),
          ("ENOSPC", lambda f, at: f.fail_writes(at, errno.ENOSPC), "No space left on device"),
          ("short write", lambda f, at: f.short_writes(at), "Input/output error")]


def test_storage_faults_through_the_page():
    """EIO, ENOSPC and a short write in the middle of a flash from the page: the page reports the failed write
    (phase failed, sysupgrade's exit 1, why), the board stays in failsafe ready to try again (its failsafe LED at
    1000/200 until a write completes), and once the storage heals the same upload and flash succeed (the LED back
    at 50/50); the daemon's fds and children are as before."""
    r = Router()
    payload, good, *_ = images(r, size=4 << 20)
    fuse = FuseFile(16 << 20)
    try:
        with Scene() as s:
            d, _ = fuse_board(s, r, fuse)
            pid = d.proc.pid
            fds0 = fd_count(pid)
            for name, fault, text in FAULTS:
                fault(fuse, (1 << 20) + 12345)
                code, body = curl(s, "-T", good, URL + "/upload")
                assert code == 200, body
                code, body = curl(s, "-X", "POST", URL + "/flash")
                assert code == 202, body
                st = wait_phase(s, ("done", "failed"))
                assert st["phase"] == "failed" and st["exit_code"] == 1, (name, st)
                assert "sysupgrade failed with exit code 1" in st["message"], (name, st)
                assert any("writing the firmware failed" in line and text in line for line in st["log"]), (name, st)
                assert d.running() and d.state_file("failsafe") is not None
                # sysupgrade told the daemon the write failed: the failsafe LED says so until a write completes
                wait_for("the failsafe LED at 1000/200 after the failed write (%s)" % name,
                         lambda: d.last_pattern("failsafe") == "1000/200", detail=lambda: str(d.patterns()[-4:]))
                wait_for("the daemon's fds back to where they were (%s)" % name, lambda: fd_count(pid) <= fds0,
                         detail=lambda: "%d fds, %d before: %s" % (fd_count(pid), fds0, sorted(
                             os.readlink("/proc/%d/fd/%s" % (pid, f)) for f in os.listdir("/proc/%d/fd" % pid))))
            fuse.heal()
            code, body = curl(s, "-T", good, URL + "/upload")
            assert code == 200, body
            code, body = curl(s, "-X", "POST", URL + "/flash")
            assert code == 202, body
            st = wait_phase(s, ("done", "failed"))
            assert st["phase"] == "done" and st["exit_code"] == 0, st
            wait_for("the failsafe LED back at 50/50 once a write completed", lambda: d.last_pattern("failsafe") ==
                     "50/50", detail=lambda: str(d.patterns()[-4:]))
            assert sha256_file(fuse.path, os.path.getsize(payload)) == sha256_file(payload)
            assert fuse.faults >= 3, fuse.faults
    finally:
        fuse.close()


def test_storage_faults_through_sysupgrade():
    """The same faults under the sysupgrade applet from a shell: exit 1, the reason on stderr, nothing claimed."""
    r = Router()
    payload, good, *_ = images(r, size=2 << 20)
    fuse = FuseFile(8 << 20)
    try:
        for name, fault, text in FAULTS:
            fault(fuse, 1 << 20)
            p = r.applet("sysupgrade", "-n", good, firmware=fuse.path)
            assert p.returncode == 1, (name, p.returncode, p.stdout, p.stderr)
            assert "writing the firmware failed" in p.stderr and text in p.stderr, (name, p.stderr)
            assert "Upgrade completed" not in p.stdout, (name, p.stdout)
        fuse.heal()
        p = r.applet("sysupgrade", "-n", good, firmware=fuse.path)
        assert p.returncode == 0 and "Upgrade completed" in p.stdout, (p.stdout, p.stderr)
        assert sha256_file(fuse.path, os.path.getsize(payload)) == sha256_file(payload)
    finally:
        fuse.close()


REAL = os.path.join(os.environ.get("FAILSAFED_BIN_DIR", "build"), "failsafed_mercusys_mr85x")
LED_NAMES = ("green:status", "amber:status")   # the MR85x's boot and failsafe LEDs


def sysfs_leds():
    root = tempfile.mkdtemp(prefix="fsd-leds.")
    for name in LED_NAMES:
        os.mkdir(os.path.join(root, name))
        for a, v in (("brightness", "0"), ("max_brightness", "255"), ("trigger", "none"), ("delay_on", "0"),
                     ("delay_off", "0")):
            with open(os.path.join(root, name, a), "w") as f:
                f.write(v + "\n")
    return root


def led(root, name):
    def a(attr):
        with open(os.path.join(root, name, attr)) as f:
            return f.read().strip()
    return (a("trigger"), a("delay_on"), a("delay_off")) if a("trigger") == "timer" else (a("trigger"), a("brightness"))


def port(s):
    link = json.loads(sh("ip", "-n", s.lan.board, "-j", "addr", "show", "dev", "eth0").stdout)[0]
    addrs = ["%s/%d" % (a["local"], a["prefixlen"]) for a in link.get("addr_info", []) if a["family"] == "inet"]
    return "UP" in link["flags"], addrs


def real_board(s, state, leds, cmdline, window_ms):
    """The MR85x build (real drivers: sysfs LEDs in a scratch dir, rtnetlink on eth0 of the board namespace)."""
    d = s.daemon("--sysfs-leds", leds, "--ifname", "eth0", binary=REAL, state_dir=state, cmdline=cmdline,
                 window_ms=window_ms, shell="/bin/sh")
    return d


TELNET_LIVE = r"""
import socket, time
deadline = time.monotonic() + 5
while True:   # the port may still be held a moment by the killed daemon's child (the listener retries)
    try:
        c = socket.create_connection(("192.168.1.1", 23), 5)
        break
    except ConnectionRefusedError:
        assert time.monotonic() < deadline, "telnet never accepted within 5 s"
        time.sleep(0.05)
c.sendall(b"\xff\xfd\x01echo alive-$((40+2))\r\n")
c.settimeout(5)
got = b""
while b"alive-42" not in got:
    chunk = c.recv(4096)
    if not chunk:
        break
    got += chunk
print("TELNET-OK" if b"alive-42" in got else "TELNET-FAILED %r" % got[-200:])
"""


HOLD_PORTS = r"""
import socket, sys, time
held = []
for port in (23, 22, 80):
    s = socket.socket()
    s.setsockopt(socket.SOL_IP, 15, 1)                 # IP_FREEBIND: 192.168.1.1 is not there yet
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("192.168.1.1", port))
    s.listen()
    held.append(s)
print("HELD", flush=True)
sys.stdin.read()
"""


def test_ports_held_at_start_are_tried_again():
    """Telnet's, SSH's and the page's ports held by another process when failsafe starts (a daemon killed a moment
    ago whose child has not exec'd yet): each is tried again until free, then served; nothing is given up, and
    their IPv6 link-local listeners take the same ports (telnet's and SSH's at once, the page's once it is up)."""
    with Scene() as s:
        holder = subprocess.Popen(s.lan.in_board() + ["python3", "-c", HOLD_PORTS], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "HELD"
            d = s.daemon(cmdline="failsafe=1", shell="/bin/sh")
            d.expect("- failsafe -")
            for what in ("telnet 192.168.1.1:23", "ssh 192.168.1.1:22", "recovery: http 192.168.1.1:80"):
                wait_for(what + " in use, tried again", lambda: what + ": Address already in use; trying again"
                         in d.stderr(), detail=d.stderr)
            # IPv6 link-local listens on the same ports meanwhile (the page once its port is free)
            for what in ("telnet: also on IPv6 link-local [fe80::...%eth0]:23",
                         "ssh: also on IPv6 link-local [fe80::...%eth0]:22"):
                wait_for(what, lambda: what in d.stderr(), detail=d.stderr)
        finally:
            holder.communicate("", timeout=10)
        for what in ("telnet 192.168.1.1:23: free again", "ssh 192.168.1.1:22: free again", "port 80 free again",
                     "recovery: also on http://[fe80::...%eth0]:80/ for IPv6 link-local"):
            wait_for(what, lambda: what in d.stderr(), detail=d.stderr)
        assert "IPv4 only" not in d.stderr(), d.stderr()
        out = subprocess.run(s.lan.in_pc() + ["python3", "-c", TELNET_LIVE], capture_output=True, text=True,
                             timeout=30).stdout
        assert "TELNET-OK" in out, (out, d.stderr())
        code, _ = curl(s, URL + "/status")
        assert code == 200



def test_sigkill_at_random_points_then_restart():
    """The daemon killed with SIGKILL at a random point of its run (start, window, entering failsafe, failsafe),
    then started again: the port, the LEDs and the state files come back consistent. A restart that takes the
    normal path leaves the port as it was before any failsafed (down, no address: what a killed run added is
    undone from its journal), the boot LED at 200/200, no state file claiming a failsafe; a restart into failsafe
    serves telnet on the same port at once, with its own state files and LEDs."""
    rounds = 30 if LONG else 6
    seed = int(os.environ.get("FAILSAFED_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    state = tempfile.mkdtemp(prefix="fsd-state.")
    leds = sysfs_leds()
    try:
        with Scene() as s:
            assert port(s) == (False, []), port(s)
            for i in range(rounds):
                how = rng.choice(("cmdline", "signal", "window"))
                d = real_board(s, state, leds, "failsafe=1" if how == "cmdline" else "quiet", 800)
                wait_for("the daemon's console", lambda: d.master is not None)
                kill_ms = rng.uniform(0, 1500)
                if how == "signal":
                    trigger_ms = rng.uniform(0, 700)
                    time.sleep(trigger_ms / 1000)
                    d.signal(signal.SIGUSR1)
                    kill_ms = max(kill_ms - trigger_ms, 0)
                time.sleep(kill_ms / 1000)
                d.signal(signal.SIGKILL)
                d.wait_exit(5)
                what = "round %d (seed %d): %s, killed at %.0f ms" % (i, seed, how, kill_ms)
                if i % 3 == 2:
                    # again into failsafe: the same port serves at once, the state is this run's
                    d = real_board(s, state, leds, "failsafe=1", 800)
                    d.expect("- failsafe -")
                    wait_for("telnet listening (%s)" % what, lambda: "telnet: listening" in d.stderr(),
                             detail=d.stderr)
                    out = subprocess.run(s.lan.in_pc() + ["python3", "-c", TELNET_LIVE], capture_output=True,
                                         text=True, timeout=30).stdout
                    assert "TELNET-OK" in out, (what, out, d.stderr())
                    assert d.state_file("failsafe") == "cmdline\n", what
                    assert d.state_file("failsafe_button") is None and d.state_file("debug_level") is None, what
                    assert led(leds, "amber:status") == ("timer", "50", "50"), (what, led(leds, "amber:status"))
                    assert led(leds, "green:status") == ("none", "0"), (what, led(leds, "green:status"))
                    d.signal(signal.SIGTERM)
                    assert d.wait_exit(5) == 128 + signal.SIGTERM, what
                    assert port(s) == (True, ["192.168.1.1/24"]), (what, "failsafe keeps its network to the end")
                # then a boot that takes the normal path: everything as it was before any failsafed
                d = real_board(s, state, leds, "quiet", 300)
                assert d.wait_exit(10) == 0, (what, d.stderr())
                assert port(s) == (False, []), (what, port(s), d.stderr())
                left = sorted(f for f in os.listdir(state) if f in ("failsafe", "failsafe_button", "debug_level",
                                                                    "failsafed.net") or f.endswith((".tmp", ".new")))
                assert left == [], (what, left)
                assert led(leds, "green:status") == ("timer", "200", "200"), (what, led(leds, "green:status"))
                assert led(leds, "amber:status") == ("none", "0"), (what, led(leds, "amber:status"))
    finally:
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(leds, ignore_errors=True)


DSA = os.path.join(os.environ.get("FAILSAFED_BIN_DIR", "build"), "failsafed_sim_dsa")

# sim-dsa's set-up in order, each line journaled just before it is asked for: a bare board (every link down, no
# bridge), and one where br-lan is found (down, no ports: the board's, never deleted) and lan1 is up already.
# ("up br-lan" of a bridge failsafed made is never kept: deleting the bridge undoes it.)
BRIDGE_STEPS = {
    "bare": ("up eth0", "created br-lan", "up lan1", "enslaved lan1 br-lan", "up lan2", "enslaved lan2 br-lan",
             "addr br-lan 192.168.1.1/24"),
    "found": ("up eth0", "up br-lan", "enslaved lan1 br-lan", "up lan2", "enslaved lan2 br-lan",
              "addr br-lan 192.168.1.1/24"),
}


def dsa_state(lan):
    """Every link the bridge set-up touches (up, master, existence) and the addresses of eth0 and br-lan."""
    return lan.links(), lan.addrs("eth0"), lan.addrs("br-lan")


def kill_at_step(d, journal, step, delay_us):
    """SIGKILL d once its journal holds step (the request about to be sent, sent, or answered), delay_us later."""
    deadline = time.monotonic() + 5
    while True:
        try:
            with open(journal) as f:
                if step in f.read().splitlines():
                    break
        except FileNotFoundError:
            pass
        assert d.running(), "exited before %r was journaled:\n%s" % (step, d.stderr())
        assert time.monotonic() < deadline, "never journaled within 5 s: %r\n%s" % (step, d.stderr())
    until = time.monotonic() + delay_us / 1e6
    while time.monotonic() < until:
        pass
    d.signal(signal.SIGKILL)


def test_sigkill_during_bridge_setup_then_restart():
    """A DSA board's LAN ports (sim-dsa: br-lan made of lan1 and lan2): the daemon killed with SIGKILL at any point
    of the bridge set-up (the bridge made, a port up, a port put in the bridge, the address added: each caught the
    moment its line reaches the journal, plus 0-2 ms) or at a random time later, then started again. A restart
    into failsafe has the bridge whole; a restart killed itself while it adopts what the first one left loses
    none of it; a restart that takes the normal path undoes what the killed runs did exactly as a normal exit
    would: ports out of the bridge failsafed put them in, the bridge it made deleted (one the board had is kept,
    with none of failsafed's ports), every link up or down as found, no address, no journal left."""
    rounds = 36 if LONG else 12
    seed = int(os.environ.get("FAILSAFED_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    for i in range(rounds):
        found = i % 2 == 1
        steps = BRIDGE_STEPS["found" if found else "bare"]
        then = ("normal", "killed again", "failsafe")[i % 3]
        # a restart killed while it adopts needs something to adopt: the first kill after eth0 is up
        step = rng.choice(steps[1:] if then == "killed again" else steps + ("later",))
        cmdline = rng.choice(("failsafe=1", "quiet"))
        state = tempfile.mkdtemp(prefix="fsd-state.")
        daemons = []

        def start(*args, **kw):
            d = Daemon("--no-ssh", *args, binary=DSA, prefix=["ip", "netns", "exec", lan.board], state_dir=state,
                       **kw)
            daemons.append(d)
            return d

        try:
            with DsaLan() as lan:
                if found:
                    sh("ip", "-n", lan.board, "link", "add", "br-lan", "type", "bridge")
                    sh("ip", "-n", lan.board, "link", "set", "lan1", "up")
                before = dsa_state(lan)
                d = start(cmdline=cmdline, window_ms=800, wait_ready=False)
                if step == "later":
                    kill_ms = rng.uniform(0, 1500)
                    time.sleep(kill_ms / 1000)
                    d.signal(signal.SIGKILL)
                    what = "killed at %.0f ms" % kill_ms
                else:
                    delay_us = rng.choice((0, 0, rng.uniform(0, 2000)))
                    kill_at_step(d, os.path.join(state, "failsafed.net"), step, delay_us)
                    what = "killed %.0f us after %r was journaled" % (delay_us, step)
                d.wait_exit(5)
                what = "round %d (seed %d, %s board, %s): %s; left %s; then %s" % (
                    i, seed, "br-lan found" if found else "bare", cmdline, what, dsa_state(lan), then)
                if then == "killed again":
                    # the first change it adopts is journaled again with the lines of links not yet looked at
                    d = start(cmdline=cmdline, window_ms=800, wait_ready=False)
                    deadline = time.monotonic() + 5
                    while "left by a failsafed that did not finish" not in d.stderr():
                        assert d.running() and time.monotonic() < deadline, (what, d.stderr())
                    d.signal(signal.SIGKILL)
                    d.wait_exit(5)
                    what += "; killed once it adopted: left %s" % (dsa_state(lan),)
                elif then == "failsafe":
                    # again into failsafe: the bridge whole, adopted or made, and kept at the stop
                    d = start(cmdline="failsafe=1")
                    wait_for("br-lan configured (%s)" % what, lambda: "br-lan up at 192.168.1.1/24" in d.stderr(),
                             detail=d.stderr)
                    links, _, br_addrs = dsa_state(lan)
                    assert links["br-lan"][0] and links["lan1"] == (True, "br-lan") and \
                        links["lan2"] == (True, "br-lan") and br_addrs == ["192.168.1.1/24"], (what, links, br_addrs)
                    d.signal(signal.SIGTERM)
                    assert d.wait_exit(5) == 128 + signal.SIGTERM, (what, d.stderr())
                # then a boot that takes the normal path: every link as it was before any failsafed
                d = start(cmdline="quiet", window_ms=300)
                assert d.wait_exit(10) == 0, (what, d.stderr())
                assert dsa_state(lan) == before, (what, before, dsa_state(lan), d.stderr())
                assert "br-lan restored as found" in d.stderr(), (what, d.stderr())
                left = sorted(f for f in os.listdir(state) if f == "failsafed.net" or f.endswith((".tmp", ".new")))
                assert left == [], (what, left)
        finally:
            for d in daemons:
                d.stop()
            shutil.rmtree(state, ignore_errors=True)


run_tests([test_stuck_key_job_does_not_hold_the_stop, test_stop_during_page_flash_waits_for_the_write,
           test_storage_faults_through_the_page, test_storage_faults_through_sysupgrade,
           test_ports_held_at_start_are_tried_again, test_sigkill_at_random_points_then_restart,
           test_sigkill_during_bridge_setup_then_restart])
