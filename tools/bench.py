#!/usr/bin/env python3
"""tools/bench.py — the benchmark table: every figure of failsafed beside its peer, one run, one table (not a test).

    tools/bench.sh [--quick] [--only ROW,...] [--record]    (builds first; this script is what it runs)

Rows, each measured by one function of ROWS below, each with its peer where one exists and the ratio
failsafed / peer:
  press-to-failsafe p50/p99 (peer: the debounce time, the floor), start-up to window and to the first beacon,
  idle wake-ups/s in failsafe (peer: BusyBox telnetd + dropbear started by hand, idle), peak RSS in the window and
  in failsafe with 8 telnet sessions (peer: BusyBox telnetd with 8), memory growth over 2000 sessions, telnet (connect, echo p50/p99, 64 MiB cat,
  32 sessions; peer: BusyBox telnetd), SSH login (peer: dropbear started by hand), flashing 64 MiB (NOR-style
  file and block device; peer: nc | dd) and on nandsim in QEMU (peer: mtd-utils' ubiupdatevol), a 32 MiB OpenWrt
  NAND sysupgrade tar on nandsim (peer: OpenWrt's nand.sh sequence with mtd-utils; tools/bench_nand.py), stripped size per
  CPU with and without the recovery page (peers: Debian's busybox-static and dropbear for the same CPU), DHCP
  plug-in to lease and idle wake-ups (peer: dnsmasq; tools/bench_dhcp.py).
Memory: the daemon's peak in failsafe with 8 telnet sessions, 2 SSH logins and the recovery page open, for the static
musl build (tools/release's aarch64 one, or --static-failsafed) under qemu-user, counting the guest's own pages (qemu
runs it at a fixed guest base, -B), and for this host's dynamic build (VmHWM).
A row with a target (the issue's: a ratio, or a bound) says "ok" or "MISSED" in the verdict column. --before BINARY
(failsafed built before a change) adds rows "this build vs before" to the press/start-up, telnet and flash rows,
measured interleaved with this build in the same run.
A row that cannot be measured on this host says why ("not measured: ..."); the command exits 1 if a row failed.
Adding a row: a function taking the Bench and returning Row()s, appended to ROWS.

Everything on the network runs in namespaces made here (tests/netns.py); storage is loop devices and files made
here in a mount namespace of this process's own, where /etc/shadow is replaced by a file giving root an empty
password (SSH rows), as OpenWrt's failsafe has it. All removed on exit."""
import argparse
import contextlib
import ctypes
import datetime
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import unquote

if os.environ.get("FSD_PRIVATE_MOUNTS") != "1":
    os.environ["FSD_PRIVATE_MOUNTS"] = "1"
    os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests"))
sys.path.insert(0, HERE)
from netns import Lan  # noqa: E402
import fsd  # noqa: E402
from fsd import Daemon  # noqa: E402
import bench_telnet  # noqa: E402

DOC = os.path.join(SRC, "docs", "performance.md")
BEGIN, END = "<!-- tools/bench: last table -->", "<!-- /tools/bench -->"


class Row:
    """One line of the table. ours/peer: numbers (or None); text: instead of numbers ("not measured: why").
    target: the ratio the issue asks for (ours/peer at most this, or at least this when higher is better);
    limit: an absolute bound on ours (at most). Either gives the row a verdict."""

    def __init__(self, figure, unit, ours=None, peer=None, peer_name="", note="", text=None, lower_is_better=True,
                 target=None, limit=None):
        self.figure, self.unit, self.ours, self.peer, self.peer_name = figure, unit, ours, peer, peer_name
        self.note, self.text, self.lower_is_better = note, text, lower_is_better
        self.target, self.limit = target, limit

    def ratio(self):
        if self.ours is None or not self.peer:
            return ""
        return "%.2f" % (self.ours / self.peer)

    def verdict(self):
        if self.ours is None:
            return ""
        if self.limit is not None:
            return "ok (<= %s)" % fmt(self.limit) if self.ours <= self.limit else "MISSED (<= %s)" % fmt(self.limit)
        if self.target is None or not self.peer:
            return ""
        r = self.ours / self.peer
        if self.lower_is_better:
            return "ok (<= %.2f)" % self.target if r <= self.target else "MISSED (<= %.2f)" % self.target
        return "ok (>= %.2f)" % self.target if r >= self.target else "MISSED (>= %.2f)" % self.target


def not_measured(figure, why):
    return Row(figure, "", text="not measured: " + why)


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))]


def now_ms():
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return {l.split(":")[0]: l.split()[1] for l in f if len(l.split()) > 1}


def wakeups(pid):
    st = proc_status(pid)
    return int(st["voluntary_ctxt_switches"]) + int(st["nonvoluntary_ctxt_switches"])


def wait_until(pred, timeout_s, what):
    end = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(0.002)


_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def enter_netns(name):
    """For preexec_fn: join /run/netns/NAME without `ip netns exec` (whose own start would be timed)."""
    def f():
        fd = os.open("/run/netns/" + name, os.O_RDONLY)
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            os._exit(127)
        os.close(fd)
    return f


class Bench:
    def __init__(self, a):
        self.a = a
        self.failsafed = os.path.abspath(a.failsafed)
        self.failsafectl = os.path.abspath(a.failsafectl)
        self.before_name = a.before_name or (a.before or "")
        fsd.FAILSAFED, fsd.FAILSAFECTL = self.failsafed, self.failsafectl   # the sim board's Daemon() runs these
        self.work = tempfile.mkdtemp(prefix="fsd-bench.")
        self.debounce_ms = 20      # the sim board's buttons
        self.window_hwm = []       # VmHWM samples of the press runs, taken in the window
        self.before = None
        if a.before:   # under the sim board's name, so tests/fsd.py's Daemon gives it a sim directory
            self.before = os.path.join(self.work, "failsafed_sim-before")
            os.symlink(os.path.abspath(a.before), self.before)

    def tmp(self, name):
        p = os.path.join(self.work, name)
        os.makedirs(p, exist_ok=True)
        return p

    def cmdline(self, text):
        p = os.path.join(self.work, "cmdline-" + re.sub(r"\W", "_", text))
        with open(p, "w") as f:
            f.write(text + "\n")
        return p

    def failsafe_board(self, lan, *args, ssh=True, binary=None):
        """failsafed in failsafe in lan's board namespace, a pty console, waiting until telnet (and SSH) listen."""
        extra = [] if ssh else ["--no-ssh"]
        d = Daemon(*(list(args) + extra), prefix=lan.in_board(), cmdline="failsafe=1", shell="/bin/sh",
                   binary=binary)
        d.expect("- failsafe -", timeout_s=20)
        wait_until(lambda: "telnet: listening" in d.stderr(), 20, "telnet: listening")
        if ssh:
            wait_until(lambda: "ssh: listening" in d.stderr(), 60, "ssh: listening")
        return d

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)


# ---------------------------------------------------------------- boot window
def one_press(b, i, binary=None):
    """Spawn the daemon (window 10 s), wait for the window (boot LED on), press reset, time the failsafe LED."""
    d = b.tmp("press-%d%s" % (i, "-before" if binary else ""))
    sim = os.path.join(d, "sim")
    log = os.path.join(sim, "leds.log")

    def led_on(name, after_ms=0):
        try:
            with open(log) as f:
                for line in f:
                    t, n, lv = line.split()
                    if n == name and lv == "1" and int(t) >= after_ms:
                        return int(t)
        except FileNotFoundError:
            pass
        return None

    t_spawn = now_ms()
    p = subprocess.Popen([binary or b.failsafed, "--cmdline", b.cmdline("quiet"), "--state-dir", d, "--sim-dir", sim,
                          "--console", "/dev/null", "--shell", "/bin/true", "--window-ms", "10000"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t_open = wait_until(lambda: led_on("boot"), 10, "the boot LED")
        time.sleep(0.05)   # let the window settle: the press is not part of start-up
        hwm = int(proc_status(p.pid)["VmHWM"])
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind("")
        t_press = now_ms()
        s.sendto(b"press reset\n", os.path.join(sim, "ctl.sock"))
        s.recv(256)
        s.close()
        t_led = wait_until(lambda: led_on("failsafe", int(t_press)), 10, "the failsafe LED")
        return t_open - t_spawn, t_led - t_press, hwm
    finally:
        p.terminate()
        p.wait()


def row_press(b):
    starts, lats, before_starts, before_lats = [], [], [], []
    for i in range(b.a.runs):
        st, lat, hwm = one_press(b, i)
        starts.append(st)
        lats.append(lat)
        b.window_hwm.append(hwm)
        if b.before:   # interleaved: the same moment's load for both builds
            st, lat, _ = one_press(b, i, b.before)
            before_starts.append(st)
            before_lats.append(lat)
    n = "%d presses" % len(lats)
    rows = [
        Row("press to failsafe LED p50", "ms", statistics.median(lats), b.debounce_ms, "debounce (floor)", n),
        Row("press to failsafe LED p99", "ms", pct(lats, 99), b.debounce_ms, "debounce (floor)", n),
        Row("start-up to window open (boot LED) p50", "ms", statistics.median(starts), note=n),
    ]
    if b.before:
        bn, nb = "before (%s)" % b.before_name, "%d presses each, alternating; not worse: within 10%%" % len(lats)
        rows += [
            Row("press to failsafe LED p99, this build vs before", "ms", pct(lats, 99), pct(before_lats, 99), bn, nb,
                target=1.10),
            Row("start-up to window open p50, this build vs before", "ms", statistics.median(starts),
                statistics.median(before_starts), bn, nb, target=1.10),
            Row("start-up to window open p99, this build vs before", "ms", pct(starts, 99), pct(before_starts, 99),
                bn, nb, target=1.10),
        ]
    return rows


def row_first_beacon(b):
    """Spawn -> first beacon datagram seen by a listener on the PC side (port configured over rtnetlink first)."""
    listener = r'''
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 4919))
print("ready", flush=True)
s.settimeout(30)
s.recv(2048)
print("%.3f" % (time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0), flush=True)
'''
    times = []
    for i in range(max(5, b.a.runs // 5)):
        lan = Lan()
        d = b.tmp("beacon-%d" % i)
        p = None
        try:
            lst = subprocess.Popen(lan.in_pc() + [sys.executable, "-c", listener], stdout=subprocess.PIPE, text=True)
            assert lst.stdout.readline().strip() == "ready"
            t0 = now_ms()
            p = subprocess.Popen([b.failsafed, "--cmdline", b.cmdline("quiet"), "--state-dir", d, "--sim-dir",
                                  os.path.join(d, "sim"), "--console", "/dev/null", "--shell", "/bin/true",
                                  "--window-ms", "10000"], preexec_fn=enter_netns(lan.board),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t1 = float(lst.stdout.readline())
            lst.wait(timeout=10)
            times.append(t1 - t0)
        finally:
            if p:
                p.terminate()
                p.wait()
            lan.close()
    return [Row("start-up to first beacon on the wire p50", "ms", statistics.median(times),
                note="%d starts, veth; max %.1f" % (len(times), max(times)))]


# ---------------------------------------------------------------- failsafe at rest
def idle_rates(groups, seconds, windows=5):
    """For each group of pids, the median over windows of its context switches per second, all groups measured
    in the same windows: each switch is a process waking up (or being preempted)."""
    rates = [[] for _ in groups]
    for _ in range(windows):
        before = [sum(wakeups(p) for p in g) for g in groups]
        time.sleep(seconds / windows)
        for i, g in enumerate(groups):
            rates[i].append((sum(wakeups(p) for p in g) - before[i]) / (seconds / windows))
    return [statistics.median(r) for r in rates]


def peer_pid(lan, needle):
    """The pid of the program started in lan's board namespace whose command line holds needle."""
    for p in subprocess.run(["ip", "netns", "pids", lan.board], capture_output=True, text=True).stdout.split():
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                if needle in f.read():
                    return int(p)
        except OSError:
            pass
    return None


def start_peers(b, lan, telnet=True, ssh=True):
    """BusyBox telnetd on 2323 and dropbear on 2222 (daemon mode, its own keys), started by hand."""
    procs = []
    if telnet:
        procs.append(subprocess.Popen(lan.in_board() + ["busybox", "telnetd", "-F", "-p", "2323", "-b",
                                                        "192.168.1.1", "-l", "/bin/sh"],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    if ssh:
        keys = b.tmp("dropbear-keys")
        for t in ("ed25519", "rsa"):
            k = os.path.join(keys, t)
            if not os.path.exists(k):
                subprocess.run(["dropbearkey", "-t", t, "-f", k], check=True, capture_output=True)
        # The options failsafed gives its dropbear (app/login/ssh_policy.c): blank password, no forwarding,
        # no motd, the server's environment (-e: without it the same login took ~0.5 s longer here).
        procs.append(subprocess.Popen(lan.in_board() + ["dropbear", "-F", "-E", "-B", "-j", "-k", "-m", "-e", "-p",
                                                        "192.168.1.1:2222", "-r", os.path.join(keys, "ed25519"),
                                                        "-r", os.path.join(keys, "rsa")],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for port in ([2323] if telnet else []) + ([2222] if ssh else []):
        wait_until(lambda: subprocess.run(lan.in_pc() + ["nc", "-z", "192.168.1.1", str(port)]).returncode == 0,
                   10, "a peer on port %d" % port)
    return procs


def stop(procs):
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@contextlib.contextmanager
def failsafe_scene(b, *args, ssh=True, binary=None, peer_telnet=True, peer_ssh=True):
    """A Lan, failsafed in failsafe on its board side and the peers started by hand beside it: (lan, daemon);
    all of it stopped and removed on leaving, whatever happened."""
    lan = Lan()
    d = peers = None
    try:
        d = b.failsafe_board(lan, *args, ssh=ssh, binary=binary)
        peers = start_peers(b, lan, telnet=peer_telnet, ssh=peer_ssh)
        yield lan, d
    finally:
        if peers:
            stop(peers)
        if d:
            d.stop()
        lan.close()


def sysfs_leds(root, names):
    """A scratch LED class directory (as tests/test_real_drivers.py): writing "timer" there is the kernel's job."""
    for name in names:
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for attr, value in (("brightness", "0"), ("max_brightness", "255"), ("trigger", "none"),
                            ("delay_on", "0"), ("delay_off", "0")):
            with open(os.path.join(root, name, attr), "w") as f:
                f.write(value + "\n")
    return root


def row_idle(b):
    """Wake-ups of the daemon at rest in failsafe (telnet, SSH and the page listening, a shell on the console),
    beside BusyBox telnetd + dropbear at rest. Twice: the simulated board blinks its failsafe LED (50/50 ms) in
    software, 20 toggles a second; a real board's sysfs LED blinks by the kernel's timer trigger, which the
    real-router build (mercusys_mr85x, LEDs in a scratch directory) shows."""
    rows = []
    real = os.path.join(os.path.dirname(b.failsafed), "failsafed_mercusys_mr85x")
    for label, binary, args in (("sim board, LED blinked by the daemon", None, []),
                                ("real-router build, kernel LED trigger", real,
                                 ["--sysfs-leds", sysfs_leds(b.tmp("leds"), ("green:status", "amber:status")),
                                  "--ifname", "eth0"])):
        figure = "idle wake-ups in failsafe, " + label
        if binary and not os.path.exists(binary):
            rows.append(not_measured(figure, "no %s (a build with FAILSAFED_TESTS=ON makes it)" % binary))
            continue
        with failsafe_scene(b, *args, binary=binary) as (lan, d):
            time.sleep(1.0)   # entry's beacons, key checks and the peers' start are over
            theirs = [p for p in (peer_pid(lan, b"telnetd"), peer_pid(lan, b"dropbear")) if p]
            ours, theirs = idle_rates([[d.proc.pid], theirs], b.a.idle_s)
        rows.append(Row(figure, "1/s", ours, theirs, "telnetd + dropbear",
                        "median of 5 windows over %g s; context switches of the daemon alone" % b.a.idle_s))
    return rows


def telnet_sessions(lan, port, n):
    """Open n telnet sessions to a prompt (kept open by the returned client process)."""
    code = r'''
import sys
sys.argv = ["x", "0", "/dev/null", "0", "0"]
''' + bench_telnet.CLIENT.split("port, path, size, n = ")[0] + r'''
cs = [Client(%d) for _ in range(%d)]
for c in cs: c.prompt()
print("open", flush=True)
sys.stdin.readline()
''' % (port, n)
    p = subprocess.Popen(lan.in_pc() + [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline().strip()
    if line != "open":
        p.kill()
        raise RuntimeError("%d telnet sessions on port %d did not open" % (n, port))
    return p


def row_rss(b):
    rows = []
    if b.window_hwm:
        rows.append(Row("peak RSS in the window (VmHWM)", "KiB", statistics.median(b.window_hwm),
                        note="median of %d runs; shared libc pages included" % len(b.window_hwm)))
    with failsafe_scene(b, "--telnet-max-sessions", "16", ssh=False, peer_ssh=False) as (lan, d):
        clients = [telnet_sessions(lan, 23, 8), telnet_sessions(lan, 2323, 8)]
        try:
            ours = proc_status(d.proc.pid)
            bb = proc_status(peer_pid(lan, b"telnetd"))
        finally:
            for c in clients:
                c.stdin.close()
                c.wait(timeout=10)
    rows.append(Row("peak RSS in failsafe, 8 telnet sessions (VmHWM)", "KiB", int(ours["VmHWM"]), int(bb["VmHWM"]),
                    "busybox telnetd", "the server process; shells not counted"))
    rows.append(Row("private memory then (RssAnon)", "KiB", int(ours["RssAnon"]), int(bb["RssAnon"]),
                    "busybox telnetd"))
    return rows


# qemu-user puts the guest's address space at a base of our choosing, so the guest's pages are the ones mapped there.
GUEST_BASE, GUEST_SPAN = 0x100000000000, 0x100000000
QEMU_BY_MACHINE = {0xB7: "qemu-aarch64-static", 0x28: "qemu-arm-static", 0x08: "qemu-mipsel-static"}


def guest_rss_kib(pid):
    """Resident KiB of the guest's mappings of a qemu-user process started with -B GUEST_BASE -R GUEST_SPAN:
    what the program itself holds (its binary's pages, data, heap, stacks), not the emulator's own memory."""
    total, inside = 0, False
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split(None, 1)[0]
            if "-" in head and not head.endswith(":"):
                start = int(head.split("-")[0], 16)
                inside = GUEST_BASE <= start < GUEST_BASE + GUEST_SPAN
            elif head == "Rss:" and inside:
                total += int(line.split()[1])
    return total


@contextlib.contextmanager
def empty_root_password(b):
    """root with an empty password (OpenWrt's failsafe) for the SSH logins, by a bind mount in this process's own
    mount namespace (top of file): the host's /etc/shadow is not touched."""
    shadow = os.path.join(b.work, "shadow")
    with open(shadow, "w") as f:
        f.write("root::19000:0:99999:7:::\n")
    subprocess.run(["mount", "--bind", shadow, "/etc/shadow"], check=True)
    try:
        yield
    finally:
        subprocess.run(["umount", "/etc/shadow"])


PAGE_CLIENT = r"""
import socket, sys
s = socket.create_connection(("192.168.1.1", 80), 10)
s.sendall(b"GET / HTTP/1.1\r\nHost: 192.168.1.1\r\nConnection: keep-alive\r\n\r\n")
got = b""
while b"</html>" not in got.lower():
    d = s.recv(65536)
    if not d: break
    got += d
print("open" if b"200" in got.split(b"\r\n", 1)[0] else "failed", flush=True)
sys.stdin.readline()
"""


def memory_scene(b, binary, sample):
    """failsafed in failsafe with 8 telnet sessions, 2 SSH logins and the recovery page open (a browser's
    keep-alive connection that loaded it); sample(pid) every 10 ms from start-up to the end: the largest value."""
    home = b.tmp("ssh-home-mem-%s" % os.path.basename(binary or "native"))   # each run its own host keys
    peak = [0]
    stop_flag = []
    with failsafe_scene(b, "--telnet-max-sessions", "8", binary=binary, peer_telnet=False,
                        peer_ssh=False) as (lan, d):
        def sampler():
            while not stop_flag:
                try:
                    peak[0] = max(peak[0], sample(d.proc.pid))
                except (OSError, ValueError):
                    pass
                time.sleep(0.01)
        t = threading.Thread(target=sampler)
        t.start()
        clients = []
        try:
            clients.append(telnet_sessions(lan, 23, 8))
            for _ in range(2):
                argv = ssh_argv(home, 22)[:-1] + ["echo in; read x"]
                p = subprocess.Popen(lan.in_pc() + argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(home, "ssh.err"), "w"), text=True)
                clients.append(p)
                if p.stdout.readline().strip() != "in":
                    with open(os.path.join(home, "ssh.err")) as f:
                        raise RuntimeError("an SSH login did not get its shell: %s" % " ".join(f.read().split())[-200:])
            p = subprocess.Popen(lan.in_pc() + [sys.executable, "-c", PAGE_CLIENT], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            clients.append(p)
            if p.stdout.readline().strip() != "open":
                raise RuntimeError("the recovery page did not load")
            time.sleep(1.0)
            status = proc_status(d.proc.pid)
        finally:
            stop_flag.append(1)
            t.join()
            for c in clients:
                try:
                    c.stdin.close()
                    c.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    c.kill()
                    c.wait()
    return peak[0], status


def static_binary(b):
    """(path, qemu-user program) of the static musl failsafed for the memory row, or (None, why)."""
    path = b.a.static_failsafed or os.path.join(b.a.release_dir, "build", "aarch64", "failsafed")
    if not os.path.exists(path):
        return None, "no static musl failsafed at %s (BENCH_RELEASE=1, or --static-failsafed)" % path
    with open(path, "rb") as f:
        head = f.read(20)
    qemu = QEMU_BY_MACHINE.get(int.from_bytes(head[18:20], "little"))
    if head[:4] != b"\x7fELF" or not qemu or not shutil.which(qemu):
        return None, "%s: no qemu-user for its CPU here" % path
    return path, qemu


def row_memory(b):
    """Peak memory of the daemon in failsafe with 8 telnet sessions, 2 SSH logins and the recovery page open:
    the static musl build under qemu-user (its guest pages) and this host's dynamic glibc build (VmHWM)."""
    rows = []
    note = "8 telnet sessions, 2 SSH logins, the recovery page open; the daemon only (shells and dropbear not counted)"
    with empty_root_password(b):
        path, qemu = static_binary(b)
        if path:
            # The sim board's name for the daemon, so the scene gives it a sim directory; the board chosen by flag.
            wrap = os.path.join(b.work, "failsafed_sim-qemu")
            with open(wrap, "w") as f:
                f.write("#!/bin/sh\nexec %s -B 0x%x -R 0x%x %s --board sim \"$@\"\n"
                        % (qemu, GUEST_BASE, GUEST_SPAN, path))
            os.chmod(wrap, 0o755)
            peak, _ = memory_scene(b, wrap, guest_rss_kib)
            rows.append(Row("peak RSS in failsafe, static musl (%s, qemu-user)" % qemu.split("-")[1], "KiB", peak,
                            note=note + "; the guest's resident pages sampled every 10 ms from start-up, largest",
                            limit=2048))
        else:
            rows.append(not_measured("peak RSS in failsafe, static musl (qemu-user)", qemu))
        _, st = memory_scene(b, None, lambda pid: 0)
        rows.append(Row("peak RSS in failsafe, dynamic glibc build of this host (VmHWM)", "KiB", int(st["VmHWM"]),
                        note=note + "; shared libraries' pages included"))
        rows.append(Row("  private memory then (RssAnon)", "KiB", int(st["RssAnon"]), note="the same run"))
    return rows


def telnet_cycles(lan, port, n):
    """n telnet sessions one after the other: connect, prompt, close."""
    code = 'import sys\n' + bench_telnet.CLIENT.split("port, path, size, n = ")[0] + r'''
for _ in range(%d):
    c = Client(%d); c.prompt(); c.s.close()
print("done", flush=True)
''' % (n, port)
    r = subprocess.run(lan.in_pc() + [sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0 or "done" not in r.stdout:
        raise RuntimeError("telnet cycles on port %d: %s" % (port, r.stderr[-300:]))


def row_soak(b):
    """Memory over many sessions: RssAnon of the server after 20 sessions, after N more and after 2N more, beside
    BusyBox telnetd's. The heap settling (the first sessions) grows it once; a leak per session grows it in both."""
    n = 100 if b.a.quick else 1000
    growth = {}
    with failsafe_scene(b, ssh=False, peer_ssh=False) as (lan, d):
        for port, pid in ((23, d.proc.pid), (2323, peer_pid(lan, b"telnetd"))):
            telnet_cycles(lan, port, 20)
            rss = [int(proc_status(pid)["RssAnon"])]
            for k in (1, 2):
                telnet_cycles(lan, port, k * n)
                rss.append(int(proc_status(pid)["RssAnon"]))
            growth[port] = (rss[1] - rss[0], rss[2] - rss[1])
    return [Row("private memory growth over telnet sessions %d-%d" % (n + 21, 3 * n + 20), "KiB", growth[23][1],
                growth[2323][1], "busybox telnetd", "RssAnon of the server process; over the %d before: %d and %d "
                "KiB (failsafed callocs each session, 33 KiB, and frees it: malloc's heap settles)"
                % (n, growth[23][0], growth[2323][0]))]


# ---------------------------------------------------------------- telnet, SSH
PAIR_CLIENT = r'''
import json, sys, time
''' + bench_telnet.CLIENT.split("def now():")[0] + r'''
ports, n = [int(x) for x in sys.argv[1].split(",")], int(sys.argv[2])
cs = [Client(p) for p in ports]
for c in cs: c.prompt()
sys.stdout.write("open\n"); sys.stdout.flush(); sys.stdin.readline()
echo = [[] for _ in ports]; cmd = [[] for _ in ports]
for i in range(n):
    ch = b"abcdefghij"[i % 10:i % 10 + 1]
    for k in (0, 1) if i % 2 == 0 else (1, 0):   # one keystroke to each server in turn, who goes first alternating
        c = cs[k]
        c.buf = b""; t = time.monotonic(); c.s.sendall(ch); c.until(lambda b: ch in b)
        echo[k].append((time.monotonic() - t) * 1e6)
for c in cs:                              # the line typed so far is dropped (Ctrl-U), its echo read
    c.buf = b""; c.s.sendall(b"\x15echo x\r\n"); c.prompt()
for i in range(n // 4):
    for k in (0, 1) if i % 2 == 0 else (1, 0):   # Enter to the next prompt: the command's output and the prompt
        c = cs[k]
        m = b"y%d\r\n" % i
        c.buf = b""; t = time.monotonic(); c.s.sendall(b"echo y%d\r\n" % i)
        c.until(lambda b: m in b and b.endswith((b"# ", b"$ ")))
        cmd[k].append((time.monotonic() - t) * 1e6)
print(json.dumps({"echo": echo, "cmd": cmd}))
'''


def cpu_ns(pid):
    """CPU time (user and system, ns) of every thread of pid so far (/proc/PID/task/*/schedstat)."""
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
            total += int(f.read().split()[0])
    return total


def echo_pair(lan, pids, n):
    """Keystrokes and commands alternating between the servers on ports 23 and 2323, each server's CPU time over
    it: {"echo": [ours, theirs], "cmd": [ours, theirs], "cpu_us_per_key": [ours, theirs]}."""
    p = subprocess.Popen(lan.in_pc() + [sys.executable, "-c", PAIR_CLIENT, "23,2323", str(n)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "open":
        p.kill()
        raise RuntimeError("the keystroke client did not get both prompts")
    # Each server's CPU at rest first (the sim board's daemon blinks its LED itself, 20 wake-ups a second): taken
    # off what the keystrokes cost.
    idle0, t_idle = [cpu_ns(x) for x in pids], time.monotonic()
    time.sleep(1.0)
    cpu0, t0 = [cpu_ns(x) for x in pids], time.monotonic()
    idle_ns_per_s = [(cpu0[i] - idle0[i]) / (t0 - t_idle) for i in range(2)]
    p.stdin.write("go\n")
    p.stdin.flush()
    out, _ = p.communicate(timeout=600)
    cpu1, t1 = [cpu_ns(x) for x in pids], time.monotonic()
    r = json.loads(out)
    keys = n + n // 4
    r["cpu_us_per_key"] = [max(0.0, cpu1[i] - cpu0[i] - idle_ns_per_s[i] * (t1 - t0)) / 1000.0 / keys
                           for i in range(2)]
    return r


def row_telnet(b):
    """failsafed's telnet against BusyBox telnetd, in rounds that alternate between them (the host's load changes
    over a run): each figure is the median over the rounds of the round's p50 or p99."""
    rounds = 2 if b.a.quick else 5
    data = os.path.join(b.work, "telnet-data.txt")
    size = b.a.mib << 20
    line = b"failsafed telnet throughput 0123456789 abcdefghijklmnopqrstuvwxyz\n"
    with open(data, "wb") as f:
        f.write((line * (size // len(line) + 1))[:size])
    res = {23: [], 2323: [], "before": []}
    pairs = []
    conns = max(5, b.a.runs // (2 * rounds))
    try:
        with contextlib.ExitStack() as stack:
            lan, d = stack.enter_context(failsafe_scene(b, "--telnet-max-sessions", "32", ssh=False, peer_ssh=False))
            if b.before:   # the build before, on a LAN of its own, its rounds between the others'
                blan, _ = stack.enter_context(failsafe_scene(b, "--telnet-max-sessions", "32", ssh=False,
                                                             binary=b.before, peer_telnet=False, peer_ssh=False))
            pids = [d.proc.pid, peer_pid(lan, b"telnetd")]
            for _ in range(rounds):
                for port in (23, 2323):
                    res[port].append(bench_telnet.run_client(lan, port, data, size, conns))
                if b.before:
                    res["before"].append(bench_telnet.run_client(blan, 23, data, size, conns))
                pairs.append(echo_pair(lan, pids, max(40, 2 * b.a.runs)))
    finally:
        os.unlink(data)

    def pair(key, k, fn):
        return statistics.median(fn(r[key][k]) for r in pairs)

    def both_pair(key, fn):
        return pair(key, 0, fn), pair(key, 1, fn)

    def fig(port, fn):
        return statistics.median(fn(r) for r in res[port])

    def both(fn):
        return fig(23, fn), fig(2323, fn)

    bb = "busybox telnetd"
    n = "median of %d rounds of %d connections" % (rounds, len(res[23][0]["connect"]))
    k = ("median of %d rounds of %d keystrokes, each sent to one server then the other"
         % (rounds, len(pairs[0]["echo"][0])))
    c = ("median of %d rounds of %d commands (`echo yN` Enter: its output and the prompt), alternating"
         % (rounds, len(pairs[0]["cmd"][0])))
    ok = lambda port: "%s/%d" % ("+".join(str(r["concurrent"][1]) for r in res[port]), 32)

    def slow_first(*ports):
        return [sum(1 for r in res[p] for x in r["first_key"] if x > 30) for p in ports]

    before_rows = []
    if res["before"]:
        bn, nb = "before (%s)" % b.before_name, n + ", on a LAN of its own, its rounds between the others'"
        before_rows = [
            Row("telnet first keystroke after the prompt p99, this build vs before", "ms",
                fig(23, lambda r: pct(r["first_key"], 99)), fig("before", lambda r: pct(r["first_key"], 99)), bn, nb),
            Row("telnet first keystroke after the prompt p50, this build vs before", "ms",
                fig(23, lambda r: statistics.median(r["first_key"])),
                fig("before", lambda r: statistics.median(r["first_key"])), bn, nb),
            Row("telnet first keystrokes over 30 ms, this build vs before", "of %d" % (rounds * conns),
                *slow_first(23, "before"), bn, nb),
            Row("telnet connect to prompt p50, this build vs before", "ms",
                fig(23, lambda r: statistics.median(r["connect"])),
                fig("before", lambda r: statistics.median(r["connect"])), bn, nb),
        ]
    return [
        Row("telnet connect to prompt p50", "ms", *both(lambda r: statistics.median(r["connect"])), bb, n,
            target=1.0),
        Row("telnet connect to prompt p99", "ms", *both(lambda r: pct(r["connect"], 99)), bb, n, target=1.0),
        Row("telnet first keystroke after the prompt p50", "ms", *both(lambda r: statistics.median(r["first_key"])),
            bb, n + ": the echo of one keystroke sent at once", target=1.0),
        Row("telnet first keystrokes over 30 ms", "of %d" % (rounds * conns), *slow_first(23, 2323), bb,
            "a client with Nagle on held the key for a delayed ACK of its own negotiation answer"),
        Row("telnet keystroke echo RTT p50", "us", *both_pair("echo", statistics.median), bb, k, target=1.0),
        Row("telnet keystroke echo RTT p99", "us", *both_pair("echo", lambda v: pct(v, 99)), bb, k, target=1.0),
        Row("telnet server CPU per keystroke or command", "us",
            statistics.median(r["cpu_us_per_key"][0] for r in pairs),
            statistics.median(r["cpu_us_per_key"][1] for r in pairs), bb,
            "the server process's user + system time over the rounds above (/proc/PID/task/*/schedstat) less "
            "its rate at rest over the second before, median of the rounds", target=1.0),
        Row("telnet command to next prompt p50", "us", *both_pair("cmd", statistics.median), bb, c, target=1.0),
        Row("telnet command to next prompt p99", "us", *both_pair("cmd", lambda v: pct(v, 99)), bb, c, target=1.0),
        Row("telnet cat %d MiB" % b.a.mib, "MiB/s", *both(lambda r: r["mibps"]), bb,
            "median of %d rounds; higher is better" % rounds, lower_is_better=False, target=1.0),
        Row("telnet 32 sessions at once, all answered", "ms", *both(lambda r: r["concurrent"][0]), bb,
            "sessions that got their answer per round: %s and %s" % (ok(23), ok(2323)), target=1.0),
    ] + before_rows



def ssh_argv(home, port):
    return ["env", "-i", "HOME=" + home, "PATH=" + os.environ["PATH"], "ssh", "-F", "/dev/null", "-p", str(port),
            "-o", "UserKnownHostsFile=" + os.path.join(home, "known_hosts_%d" % port),
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes",
            "-o", "PubkeyAuthentication=no", "-o", "PasswordAuthentication=no",
            "-o", "KbdInteractiveAuthentication=no", "-o", "ConnectTimeout=15", "root@192.168.1.1", "echo in"]


def ssh_login_ms(lan, home, port):
    t0 = time.monotonic()
    r = subprocess.run(lan.in_pc() + ssh_argv(home, port), capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or "in" not in r.stdout:
        raise RuntimeError("ssh to port %d: rc %d %s" % (port, r.returncode, r.stderr[-300:]))
    return (time.monotonic() - t0) * 1000


def row_ssh(b):
    if not shutil.which("dropbear") or not shutil.which("ssh"):
        return [not_measured("SSH login", "dropbear or ssh missing (tools/bootstrap.sh)")]
    with empty_root_password(b):
        with failsafe_scene(b, peer_telnet=False) as (lan, d):
            home = b.tmp("ssh-home")
            n = max(5, b.a.runs // 5)
            ssh_login_ms(lan, home, 22)     # known_hosts, caches
            ssh_login_ms(lan, home, 2222)
            ours, theirs = [], []
            for _ in range(n):              # alternating: the host's load moves during a run
                ours.append(ssh_login_ms(lan, home, 22))
                theirs.append(ssh_login_ms(lan, home, 2222))
    note = "%d logins each, alternating: ssh root@ 'echo in', connect to exit" % n
    return [Row("SSH login + command p50", "ms", statistics.median(ours), statistics.median(theirs),
                "dropbear by hand", note),
            Row("SSH login + command p99", "ms", pct(ours, 99), pct(theirs, 99), "dropbear by hand", note)]


# ---------------------------------------------------------------- flashing
def flash_runs(b, target, label):
    """failsafectl serve -> sysupgrade tcp:// (verified, written, read back) vs nc | dd, same image and target."""
    mib = b.a.mib
    ram = b.tmp("ram-" + label)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % (mib * 3), "ram", ram], check=True)
    rom = b.tmp("rom")
    payload = os.path.join(b.work, "payload.bin")
    if not os.path.exists(payload):
        with open(payload, "wb") as f:
            for _ in range(mib):
                f.write(os.urandom(1 << 20))
    image = os.path.join(b.work, "fw.img")
    if not os.path.exists(image):
        subprocess.run([b.failsafectl, "mkimage", "--board", "sim", "--version", "bench", payload, "-o", image],
                       check=True, capture_output=True)
    want = hashlib.sha256(open(payload, "rb").read()).hexdigest()
    dev = target["path"]
    lan = Lan()
    res = {"nc": [], "fsd": [], "before": []}
    try:
        subprocess.run(["ip", "-n", lan.board, "addr", "add", "192.168.1.1/24", "dev", "eth0"], check=True)
        subprocess.run(["ip", "-n", lan.board, "link", "set", "eth0", "up"], check=True)
        for _ in range(b.a.flash_runs):
            for how in ("nc", "fsd") + (("before",) if b.before else ()):
                serve = subprocess.Popen(lan.in_pc() + [b.failsafectl, "serve", image, "--port", "3333", "--once",
                                                        "--timeout", "60", "--plain"],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for line in serve.stdout:
                    if "serving" in line:
                        break
                t0 = time.monotonic()
                if how == "nc":
                    subprocess.run(lan.in_board() + ["sh", "-c", "nc -d 192.168.1.2 3333 | dd of=%s bs=1M "
                                                     "conv=fsync status=none" % dev], check=True)
                else:
                    subprocess.run(lan.in_board() + [b.before if how == "before" else b.failsafed,
                                                     "sysupgrade", "-n", "-q", "--root", rom,
                                                     "--firmware", target["spec"], "--tmp-dir", ram, "--state-dir",
                                                     b.work, "--rootfs-data", "ubi:none-in-this-bench",
                                                     "tcp://192.168.1.2:3333"], check=True, capture_output=True)
                res[how].append(time.monotonic() - t0)
                serve.communicate(timeout=30)
                with open(dev, "rb") as f:
                    got = hashlib.sha256(f.read(mib << 20)).hexdigest()
                if got != want:
                    raise RuntimeError("%s wrote something else to %s" % (how, label))
    finally:
        lan.close()
        subprocess.run(["umount", "-l", ram])
    ours, theirs = statistics.median(res["fsd"]), statistics.median(res["nc"])
    rows = [Row("flash %d MiB, %s" % (mib, label), "s", ours, theirs, "nc | dd conv=fsync",
                "%d runs each; failsafed receives into RAM, verifies, writes (O_DIRECT where it can) and reads back"
                % b.a.flash_runs, target=1 / 0.9)]
    if res["before"]:
        rows.append(Row("flash %d MiB, %s, this build vs before" % (mib, label), "s", ours,
                        statistics.median(res["before"]), "before (%s)" % b.before_name,
                        "%d runs each, interleaved with the two above" % b.a.flash_runs))
    return rows


def row_flash(b):
    rows = []
    # NOR-style: the firmware partition is a file (the simulated board's file: volume), on the disk.
    part = os.path.join(b.tmp("disk"), "nor.img")
    with open(part, "wb") as f:
        f.truncate((b.a.mib + 8) << 20)
    rows += flash_runs(b, {"path": part, "spec": "file:" + part}, "file (NOR-style) on disk")
    blk = os.path.join(b.tmp("disk"), "blk.img")
    with open(blk, "wb") as f:
        f.truncate((b.a.mib + 8) << 20)
    dev = subprocess.run(["losetup", "-f", "--show", blk], check=True, capture_output=True, text=True).stdout.strip()
    try:
        rows += flash_runs(b, {"path": dev, "spec": dev}, "block device (loop on disk)")
    finally:
        subprocess.run(["losetup", "-d", dev])
    return rows


NAND_SCRIPT = r'''
nand=$(qmtd_mtd "NAND simulator partition 0")
qmtd_ubi_attach $nand 0 || exit 10
ubimkvol /dev/ubi0 -N firmware -s 40MiB >/dev/null || exit 11
fwv=$(qmtd_ubi_vol 0 firmware)
mkdir -p /tmp/rom /tmp/st /tmp/ram
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
i=0
while [ $i -lt @RUNS@ ]; do
    t0=$(ms); ubiupdatevol $fwv /qmtd/payload.bin || exit 12; t1=$(ms)
    echo "BENCH ubiupdatevol $((t1 - t0))"
    t0=$(ms)
    failsafed sysupgrade -n -q --root /tmp/rom --firmware ubi:firmware --rootfs-data ubi:none --state-dir /tmp/st \
        --tmp-dir /tmp/ram /qmtd/fw.img || exit 13
    t1=$(ms)
    echo "BENCH sysupgrade $((t1 - t0))"
    t0=$(ms)
    failsafed sysupgrade -T -q --root /tmp/rom --firmware ubi:firmware --rootfs-data ubi:none --state-dir /tmp/st \
        --tmp-dir /tmp/ram /qmtd/fw.img || exit 14
    t1=$(ms)
    echo "BENCH check $((t1 - t0))"
    i=$((i + 1))
done
exit 0
'''


def row_nand(b):
    figure = "flash %d MiB into a UBI volume on nandsim (QEMU)" % b.a.nand_mib
    if b.a.quick:
        return [not_measured(figure, "--quick (a QEMU guest under TCG takes minutes)")]
    try:
        import qemu_mtd
        qemu_mtd.setup()
    except Exception as e:   # no kernel at hand: the harness says why
        return [not_measured(figure, "no kernel at hand: tools/qemu-mtd/setup.sh failed (%s)" %
                             str(e).splitlines()[-1][:80])]
    d = b.tmp("nand")
    payload, image = os.path.join(d, "payload.bin"), os.path.join(d, "fw.img")
    with open(payload, "wb") as f:   # a UBI firmware volume takes a squashfs: its magic, then random bytes
        f.write(b"hsqs" + os.urandom((b.a.nand_mib << 20) - 4))
    subprocess.run([b.failsafectl, "mkimage", "--board", "sim", "--version", "bench", payload, "-o", image],
                   check=True, capture_output=True)
    runs = 3
    rc, log = qemu_mtd.run_guest(qemu_mtd.DEFAULT_BUILD, b.failsafed, NAND_SCRIPT.replace("@RUNS@", str(runs)),
                                 name="bench_nand",
                                 extra_files={"/qmtd/payload.bin": payload, "/qmtd/fw.img": image}, timeout_s=900)
    got = {"ubiupdatevol": [], "sysupgrade": [], "check": []}
    for k, v in re.findall(r"^BENCH (\w+) (\d+)", log, re.M):
        got[k].append(int(v) / 1000.0)
    if rc != 0 or not got["sysupgrade"]:
        return [not_measured(figure, "the guest failed (rc %s; log %s)" % (rc, getattr(log, "log_path", "")))]
    note = "%d runs under TCG (the ratio is the figure); sysupgrade copies the image into RAM, verifies it (CRC, " \
        "SHA-256, metadata), writes, reads back" % runs
    return [Row(figure, "s", statistics.median(got["sysupgrade"]), statistics.median(got["ubiupdatevol"]),
                "mtd-utils ubiupdatevol", note),
            Row("  of which the check alone (sysupgrade -T)", "s", statistics.median(got["check"]),
                statistics.median(got["ubiupdatevol"]), "mtd-utils ubiupdatevol", "same image, nothing written")]


# ---------------------------------------------------------------- NAND: OpenWrt's sysupgrade tar (issue 16)
NAND_TAR_TARGET = 1.2   # issue 16: within 1.2x of OpenWrt's own sequence


def row_nand_tar(b):
    """tools/bench_nand.py's measurement: an OpenWrt NAND sysupgrade tar (4 MiB kernel, squashfs root) flashed by
    failsafed sysupgrade (boards/sim_nand.c) and by nand.sh's own sequence (tar passes, ubirmvol, ubimkvol,
    ubiupdatevol from mtd-utils, kernel last) on the same nandsim in one guest, runs alternating; median of each."""
    figure = "flash a %d MiB OpenWrt NAND sysupgrade tar onto nandsim (QEMU)" % b.a.nand_tar_mib
    if b.a.quick:
        return [not_measured(figure, "--quick (one QEMU guest of about 5 minutes under TCG)")]
    binary = os.path.join(os.path.dirname(os.path.abspath(b.failsafed)), "failsafed_sim_nand")
    if not os.access(binary, os.X_OK):
        return [not_measured(figure, "no %s (tools/bench.sh builds it)" % binary)]
    import bench_nand
    import qemu_mtd
    try:
        m = bench_nand.measure(qemu_mtd.DEFAULT_BUILD, binary, b.a.nand_tar_mib, b.a.nand_tar_runs)
    except (bench_nand.Failed, qemu_mtd.SetupError) as e:
        return [not_measured(figure, str(e).splitlines()[0][:150])]
    ours, peer = statistics.median(m["failsafed"]), statistics.median(m["openwrt"])
    verdict = "met" if ours <= NAND_TAR_TARGET * peer else "NOT met"
    note = ("median of %d alternating runs each, one guest under TCG (%.0f s); failsafed checks the image (CRC, "
            "SHA-256, the tar's walk), writes and reads every volume back; target within %.1fx: %s"
            % (b.a.nand_tar_runs, m["guest_s"], NAND_TAR_TARGET, verdict))
    return [Row(figure, "s", ours, peer, "OpenWrt nand.sh sequence (mtd-utils)", note)]


# ---------------------------------------------------------------- DHCP
def row_dhcp(b):
    """tools/bench_dhcp.py's measurement: plug-in to lease on the board's side, and wake-ups with no client,
    failsafed's DHCP server (the real-router build, LEDs blinked by the kernel) against dnsmasq."""
    import bench_dhcp
    real = os.path.join(os.path.dirname(b.failsafed), "failsafed_mercusys_mr85x")
    figure = "DHCP plug-in to lease, board side"
    if not shutil.which("dnsmasq"):
        return [not_measured(figure, "dnsmasq missing (tools/bootstrap.sh installs it)")]
    if not os.path.exists(real):
        return [not_measured(figure, "no %s (a build with FAILSAFED_TESTS=ON makes it)" % real)]
    n = 20 if b.a.quick else 90    # at most 99: the pool holds them all
    res = bench_dhcp.measure(real, n, 5.0 if b.a.quick else b.a.idle_s)
    f, d = res["failsafed"], res["dnsmasq"]
    note = "%d leases each, a new hardware address each time; dnsmasq --no-ping" % n
    return [Row(figure + " p50", "ms", pct(f[0], 50), pct(d[0], 50), "dnsmasq", note),
            Row(figure + " p99", "ms", pct(f[0], 99), pct(d[0], 99), "dnsmasq", note),
            Row("DHCP idle wake-ups in failsafe, no client", "1/s", f[1], d[1], "dnsmasq",
                "real-router build, telnet and DHCP on, SSH and the page off")]


# ---------------------------------------------------------------- size
DEB_ARCH = {"aarch64": "arm64", "armhf": "armhf", "mipsel": "mipsel", "x86_64": "amd64"}


def debian_sizes(b, arch):
    """Sizes of bin/busybox (busybox-static) and usr/sbin/dropbear (dropbear-bin) of Debian's packages for arch."""
    cache = os.path.join(b.a.cache, "debs-" + arch)
    os.makedirs(cache, exist_ok=True)
    os.chmod(cache, 0o777)   # apt-get download works as _apt where it can
    out = {}
    for pkg, path in (("busybox-static", "bin/busybox"), ("dropbear-bin", "usr/sbin/dropbear")):
        debs = glob.glob(os.path.join(cache, pkg + "_*.deb"))
        if not debs:
            r = subprocess.run(["apt-get", "download", "%s:%s" % (pkg, arch)], cwd=cache, capture_output=True,
                               text=True)
            debs = glob.glob(os.path.join(cache, pkg + "_*.deb"))
            if r.returncode != 0 or not debs:
                out[pkg] = None
                continue
        x = os.path.join(cache, "x-" + pkg)
        if not os.path.exists(os.path.join(x, path)):
            subprocess.run(["dpkg-deb", "-x", debs[0], x], check=True)
        out[pkg] = (os.path.getsize(os.path.join(x, path)), unquote(os.path.basename(debs[0]).split("_")[1]))
    return out


def row_size(b):
    rows = []
    rel = os.path.abspath(b.a.release_dir)
    with open(os.path.join(SRC, "CMakeLists.txt")) as f:
        version = re.search(r"project\(failsafed VERSION ([\d.]+)", f.read()).group(1)
    for cpu in ("mipsel", "armhf", "aarch64"):
        binary = os.path.join(rel, "failsafed-%s-%s" % (version, cpu))
        nopage = os.path.join(rel, "build", cpu + "-nopage", "failsafed.stripped")
        figure = "stripped size, %s (static musl, every board)" % cpu
        if not os.path.exists(binary):
            rows.append(not_measured(figure, "no %s: run tools/release first (or BENCH_RELEASE=1 tools/bench.sh)"
                                     % os.path.relpath(binary, SRC)))
            continue
        peers = debian_sizes(b, DEB_ARCH[cpu])
        ours = os.path.getsize(binary)
        built = "tools/release of %s; " % time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(binary)))
        for pkg, what in (("busybox-static", "busybox"), ("dropbear-bin", "dropbear")):
            if peers.get(pkg):
                rows.append(Row(figure, "bytes", ours, peers[pkg][0], "Debian %s %s" % (what, peers[pkg][1]),
                                built + ("Debian's dropbear is dynamic: libc, libz, libcrypt not counted"
                                         if what == "dropbear" else "busybox-static: static glibc, Debian's applet set")))
            else:
                rows.append(Row(figure, "bytes", ours, note="%s:%s not downloadable" % (pkg, DEB_ARCH[cpu])))
        if os.path.exists(nopage):
            rows.append(Row("stripped size, %s, without the recovery page" % cpu, "bytes", os.path.getsize(nopage),
                            ours, "with the page", "FAILSAFED_RECOVERY_PAGE=OFF (no libmicrohttpd)"))
    # This host: the dynamic build the rest of this table ran, stripped.
    stripped = os.path.join(b.work, "failsafed.stripped")
    subprocess.run(["strip", "-o", stripped, b.failsafed], check=True)
    bb = shutil.which("busybox")
    rows.append(Row("stripped size, x86_64 host build (dynamic glibc)", "bytes", os.path.getsize(stripped),
                    os.path.getsize(bb) if bb else None, "Debian busybox (static)" if bb else "",
                    "this bench's binary"))
    return rows


ROWS = [row_press, row_first_beacon, row_idle, row_rss, row_memory, row_soak, row_telnet, row_ssh, row_flash, row_nand,
        row_nand_tar, row_dhcp, row_size]


# ---------------------------------------------------------------- output
def fmt(v):
    if v is None:
        return ""
    if isinstance(v, int) or float(v).is_integer() and abs(v) >= 1000:
        return format(int(v), ",")
    return "%.2f" % v if abs(v) < 100 else "%.1f" % v


def machine():
    cpu = ""
    try:
        cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
    except (OSError, IndexError):
        pass
    return "%d CPUs (%s), Linux %s, %s" % (os.cpu_count(), cpu, platform.release(),
                                          platform.freedesktop_os_release().get("PRETTY_NAME", "")
                                          if hasattr(platform, "freedesktop_os_release") else "")


def table(rows):
    """A Markdown table (a '|' inside a cell is escaped)."""
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
    lines = [line(("figure", "unit", "failsafed", "peer", "peer value", "ratio", "verdict", "note")),
             "|---|---|---:|---|---:|---:|---|---|"]
    for r in rows:
        if r.text:
            lines.append(line((r.figure, "", "", "", "", "", "", r.text)))
        else:
            lines.append(line((r.figure, r.unit, fmt(r.ours), r.peer_name, fmt(r.peer), r.ratio(), r.verdict(),
                               r.note)))
    return lines


def main():
    ap = argparse.ArgumentParser(prog="tools/bench.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--failsafed", default="build/failsafed")
    ap.add_argument("--failsafectl", default="build/failsafectl")
    ap.add_argument("--runs", type=int, default=100, help="presses (other rows take a fraction)")
    ap.add_argument("--mib", type=int, default=64, help="telnet cat and flashing size")
    ap.add_argument("--flash-runs", type=int, default=5)
    ap.add_argument("--nand-mib", type=int, default=16)
    ap.add_argument("--nand-tar-mib", type=int, default=32, help="the OpenWrt NAND tar's size (nand_tar row)")
    ap.add_argument("--nand-tar-runs", type=int, default=5, help="runs of each method in the nand_tar row (median)")
    ap.add_argument("--idle-s", type=float, default=20)
    ap.add_argument("--release-dir", default=os.path.join(SRC, "build-release"))
    ap.add_argument("--cache", default=os.path.join(SRC, "build-bench"), help="Debian packages of the size peers")
    ap.add_argument("--before", default="", help="a failsafed built before a change: the press, start-up and flash "
                    "rows measure it too, interleaved, in rows 'this build vs before'")
    ap.add_argument("--before-name", default="", help="what --before is, for the table (e.g. a commit)")
    ap.add_argument("--static-failsafed", default="", help="a static musl failsafed (tools/release) for the memory "
                    "row, run under qemu-user (default: the aarch64 one in --release-dir)")
    ap.add_argument("--only", default="", help="row functions, e.g. press,telnet")
    ap.add_argument("--quick", action="store_true", help="fewer runs, 8 MiB, no QEMU: to try the command")
    ap.add_argument("--record", action="store_true", help="write the table into docs/performance.md")
    a = ap.parse_args()
    if a.quick:
        a.runs, a.mib, a.flash_runs, a.idle_s = 20, 8, 5, 5
    rows_fns = [f for f in ROWS if not a.only or f.__name__[4:] in a.only.split(",")]
    if not rows_fns:
        ap.error("--only: none of %s" % ", ".join(f.__name__[4:] for f in ROWS))
    b = Bench(a)
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    load0 = os.getloadavg()
    t0 = time.monotonic()
    rows, failed = [], []
    try:
        for fn in rows_fns:
            print("bench: %s ..." % fn.__name__[4:], flush=True)
            try:
                rows += fn(b)
            except Exception as e:   # one row's failure is reported in the table; the others still run
                failed.append(fn.__name__)
                rows.append(Row(fn.__name__[4:], "", text="FAILED: %s" % str(e).splitlines()[0][:150]))
    finally:
        b.close()
    load1 = os.getloadavg()
    head = ("failsafed benchmark, %s; %s; %.0f s; load average %.1f at the start, %.1f at the end; "
            "ratio = failsafed / peer (lower is better, except MiB/s)" % (
                datetime.date.today().isoformat(), machine(), time.monotonic() - t0, load0[0], load1[0]))
    lines = table(rows)
    print()
    print(head)
    print("\n".join(lines))
    if a.record:
        block = [BEGIN, "", "`tools/bench.sh --record`: " + head + ".", ""] + lines + ["", END]
        text = open(DOC).read() if os.path.exists(DOC) else ""
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + "\n".join(block) + text[text.index(END) + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n## Benchmark table\n\n" + "\n".join(block) + "\n"
        with open(DOC, "w") as f:
            f.write(text)
        print("bench: recorded in docs/performance.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
