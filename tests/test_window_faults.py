"""tests/test_window_faults.py — the boot window under faults, on the simulated board in network namespaces: a storm
of button bounces, a button held the whole window, a port that flaps 100 times with netlink overflows (ENOBUFS),
LED writes that fail, SIGTERM in every phase. Each time the window ends on time with the right verdict, the port is
left as the verdict says, and nothing leaks (fds, children, RSS from /proc).

The counts are bounded by default; FAILSAFED_LONG=1 (tools/test.sh --long) runs the full 10,000 bounces."""
import json
import os
import signal
import subprocess
import time

from fsd import PROMPT_DEBUG, now_ms, run_tests
from netns import Scene, sh

LONG = os.environ.get("FAILSAFED_LONG") == "1"
ON_TIME_MS = 1500      # a verdict is due at the window's end; start-up and the port's undo fit in this much more


def port(s):
    link = json.loads(sh("ip", "-n", s.lan.board, "-j", "addr", "show", "dev", "eth0").stdout)[0]
    return "UP" in link["flags"], ["%s/%d" % (a["local"], a["prefixlen"]) for a in link.get("addr_info", [])
                                   if a["family"] == "inet"]


def usage(pid):
    """(fds, children, RSS KiB) of a process, from /proc."""
    fds = len(os.listdir("/proc/%d/fd" % pid))
    kids = sum(1 for e in os.listdir("/proc") if e.isdigit() and _ppid(e) == pid)
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return fds, kids, rss


def settled_usage(pid, timeout_s=3.0):
    """usage() once the fd and child counts hold still for 100 ms (a baseline not taken mid-start-up)."""
    prev, end = usage(pid), time.monotonic() + timeout_s
    while time.monotonic() < end:
        time.sleep(0.1)
        cur = usage(pid)
        if cur[:2] == prev[:2]:
            return cur
        prev = cur
    return prev


def _ppid(entry):
    try:
        with open("/proc/%s/stat" % entry) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def wait_log(d, text, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while text not in d.stderr():
        assert time.monotonic() < deadline, "log never said %r:\n%s" % (text, d.stderr())
        time.sleep(0.01)


def normal_on_time(s, d, window_ms):
    """The normal path: exit 0 by the window's end (plus ON_TIME_MS), the port as found (down, no address)."""
    rc = d.wait_exit(window_ms / 1000 + 10)
    took = now_ms() - d.started_ms
    assert rc == 0, (rc, d.stderr())
    assert took < window_ms + ON_TIME_MS, "the window of %d ms ended on time (within %d ms more); it took %.0f ms" % (
        window_ms, ON_TIME_MS, took)
    assert port(s) == (False, []), port(s)
    assert d.state_file("failsafe") is None
    assert d.last_pattern("boot") == "200/200", d.patterns()[-3:]


def bounce_words(n, end_pressed):
    words = []
    for i in range(n):
        words += ["press" if i % 2 == 0 else "release", "reset"]
    if end_pressed and words[-2] == "release":
        words += ["press", "reset"]
    elif not end_pressed and words[-2] == "press":
        words += ["release", "reset"]
    return words


def bounce(d, n, end_pressed):
    words = bounce_words(n, end_pressed)
    for i in range(0, len(words), 120):    # a datagram (1 KiB) each: 60 edges at a time
        d.ctl(*words[i:i + 120])


def test_button_bounce_storm():
    """10,000 bounces (2,000 by default) that end released are no press: the normal path, on time. The same storm
    ending pressed is a press (its burst began in the window): failsafe."""
    # The storm is one failsafectl run per 60 bounces; the window must outlast it on a loaded host too (a .ci/run
    # at load 6 took over 4 s for 2,000, and the window ended under it: "ctl.sock: No such file").
    n, window_ms = (10000, 20000) if LONG else (2000, 8000)
    with Scene() as s:
        d = s.daemon(window_ms=window_ms)
        d.expect(PROMPT_DEBUG)
        wait_log(d, "eth0 up at")   # the beacon's socket opens with the port, after the prompt
        before = settled_usage(d.proc.pid)
        bounce(d, n, end_pressed=False)
        after = usage(d.proc.pid)
        assert after[0] <= before[0] and after[1] <= before[1] and after[2] - before[2] <= 256, (before, after)
        assert d.running(), "the storm ended inside the window"
        normal_on_time(s, d, window_ms)
    with Scene() as s:
        d = s.daemon(window_ms=30000)     # failsafe comes when the storm ends: the window only has to outlast it
        d.expect(PROMPT_DEBUG)
        bounce(d, n, end_pressed=True)
        d.expect("- failsafe button reset was pressed -", timeout_s=5)
        assert d.state_file("failsafe") == "button reset\n"


def test_button_held_the_whole_window():
    """A button held from power-on through the window: failsafe once it has settled, not at the window's end."""
    with Scene() as s:
        d = s.daemon("--sim-held", "reset", window_ms=4000)
        d.expect("- failsafe button reset was pressed -")
        took = now_ms() - d.started_ms
        assert took < 1500, "a held button enters failsafe once it settled (20 ms), not at the end: %.0f ms" % took
        assert d.state_file("failsafe") == "button reset\n"
    with Scene() as s:                     # pressed in the window, still held long after its end
        d = s.daemon(window_ms=1500)
        d.expect(PROMPT_DEBUG)
        d.ctl("press", "reset")
        d.expect("- failsafe button reset was pressed -")
        time.sleep(0.1)
        assert d.running() and d.state_file("failsafe") == "button reset\n"


def flap(s, d, times, enobufs_every=10, until_ms=None):
    """eth0 down and up `times` times, an overflow every enobufs_every; with until_ms (a window's end less a
    margin, in now_ms()) it stops there: a loaded host cannot flap 100 times in every window. Returns how many."""
    for i in range(times):
        if until_ms is not None and now_ms() >= until_ms:
            return i
        sh("ip", "-n", s.lan.board, "link", "set", "eth0", "down")
        if enobufs_every and i % enobufs_every == 0:
            d.ctl("fault", "netlink-enobufs", "on")
        sh("ip", "-n", s.lan.board, "link", "set", "eth0", "up")
    return times


def test_port_flaps_with_netlink_overflows():
    """eth0 goes down and up 100 times in the window, the netlink socket reporting overflows (ENOBUFS) in between:
    the window still ends on time on the normal path and the port is put back as found. In failsafe the same
    flapping leaves telnet working."""
    with Scene() as s:
        d = s.daemon(window_ms=6000)
        d.expect(PROMPT_DEBUG)
        wait_log(d, "eth0 up at")
        before = usage(d.proc.pid)
        n = flap(s, d, 100, until_ms=d.started_ms + 6000 - 1000)
        after = usage(d.proc.pid)
        print("  %d flaps in the window" % n, flush=True)
        assert n >= 11, "only %d flaps fitted in the 6 s window (two overflows needed)" % n
        assert after[0] <= before[0] and after[2] - before[2] <= 256, (before, after)
        wait_log(d, "receive buffer overflowed")
        normal_on_time(s, d, 6000)
        assert "carrier up on eth0" in d.stderr()
    with Scene() as s:
        d = s.daemon(cmdline="failsafe=1", window_ms=4000)
        d.expect("- failsafe -")
        wait_log(d, "telnet: listening")
        flap(s, d, 100)
        code = ("import socket; c=socket.create_connection(('192.168.1.1',23),5); c.sendall(b'\\xff\\xfd\\x01echo "
                "flap-$((40+2))\\r\\n'); c.settimeout(5); b=b''\nwhile b'flap-42' not in b:\n ch=c.recv(4096)\n "
                "if not ch: break\n b+=ch\nprint('OK' if b'flap-42' in b else b)")
        out = subprocess.run(s.lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=30)
        assert "OK" in out.stdout, (out.stdout, out.stderr)


def test_led_writes_fail():
    """Every LED write fails (from the start, or from the middle of the window): the window ends on time, the
    console still enters failsafe, telnet works."""
    with Scene() as s:
        d = s.daemon("--sim-fault", "led", window_ms=1500)
        d.expect(PROMPT_DEBUG)
        rc = d.wait_exit(12)
        assert rc == 0 and now_ms() - d.started_ms < 1500 + ON_TIME_MS, (rc, d.stderr())
        assert port(s) == (False, [])
        assert "simulated fault \"led\"" in d.stderr(), d.stderr()
    with Scene() as s:
        d = s.daemon(window_ms=4000)
        d.expect(PROMPT_DEBUG)
        d.ctl("fault", "led", "on")
        d.write("f\n")
        d.expect("- failsafe -")
        wait_log(d, "telnet: listening")
        assert d.state_file("failsafe") == "console\n"


def test_sigterm_in_every_phase():
    """SIGTERM at start, in the window, while a press settles, at failsafe entry, in failsafe, and during the normal
    path's undo: exit 128+15 within a bound each time; stopped in the window the port is put back as found, stopped
    in failsafe it keeps its network; no state file claims a failsafe that was not entered."""
    phases = ["start", "window", "settling", "entry", "failsafe", "undo"]
    for phase in phases:
        with Scene() as s:
            cmdline = "failsafe=1" if phase in ("entry", "failsafe") else "quiet"
            d = s.daemon(cmdline=cmdline, window_ms=300 if phase == "undo" else 4000)
            entered = phase in ("entry", "failsafe")
            if phase == "window":
                d.expect(PROMPT_DEBUG)
                wait_log(d, "eth0 up at")
            elif phase == "settling":
                d.expect(PROMPT_DEBUG)
                d.ctl("press", "reset")          # 20 ms to settle: the stop comes first
            elif phase == "entry":
                d.expect("- failsafe -")
            elif phase == "failsafe":
                d.expect("- failsafe -")
                # In failsafe: its LAN services up, which start once the port is configured (telnet listens
                # before that; a stop between the two found no address, on a host at load 8).
                d.wait_lan_services()
            elif phase == "undo":
                wait_log(d, "no failsafe: continuing the boot")
            t0 = now_ms()
            d.signal(signal.SIGTERM)
            rc = d.wait_exit(10)
            took = now_ms() - t0
            if phase == "undo" and rc == 0:
                pass                              # the undo finished before the signal came: a normal exit
            elif phase == "start" and rc == -signal.SIGTERM and not d.stderr():
                pass                              # it came while the loader ran, before main blocked it
            else:
                assert rc == 128 + signal.SIGTERM, (phase, rc, d.stderr())
            assert took < 3000, "stopped within 3 s in phase %s: took %.0f ms" % (phase, took)
            up, addrs = port(s)
            if phase == "settling" and d.state_file("failsafe") is not None:
                entered = True                    # the press settled (20 ms) before the stop came: failsafe
            if entered:
                assert addrs == ["192.168.1.1/24"], (phase, "failsafe keeps its network to the end", up, addrs,
                                                     d.stderr()[-2000:])
            else:
                assert (up, addrs) == (False, []), (phase, up, addrs, d.stderr())
            if phase in ("start", "window", "undo"):
                assert d.state_file("failsafe") is None, phase


run_tests([test_button_bounce_storm, test_button_held_the_whole_window, test_port_flaps_with_netlink_overflows,
           test_led_writes_fail, test_sigterm_in_every_phase])
