"""tests/test_qemu_malta.py — the static musl mipsel failsafed on QEMU's MIPS Malta board with Debian's 4kc-malta
kernel (tools/qemu-malta/): the CPU family of most routers, on a real kernel, with a real PC on its LAN port.

The Malta's NIC (pcnet32, the board's default) is a tap device inside a network namespace this test creates; QEMU
runs inside that namespace, so the namespace is the PC on the LAN port (192.168.1.2/24): broadcasts reach its
sockets and its telnet goes straight to 192.168.1.1. Nothing touches the host's own network; the namespace (and
QEMU in it) is deleted at exit, even on failure.

  test_failsafe_console_beacons_telnet  boot; the window opens (console prompt); 'f' + Enter on the console enters
      failsafe; the beacons reach the PC (failsafectl listen --json); Debian's telnet, driven by expect, logs in and
      runs a command; --check-board shows the validator's warning about no buttons; the boot LED (the keyboard's
      scroll lock, seen through QEMU's ps2_set_ledstate trace) blinks 100/100 in the window; in failsafe the
      telnet session reads its kernel timer trigger at 50/50 from sysfs (the PS/2 trace cannot follow 50 ms)
  test_normal_boot_window_ends          boot with nobody typing: the PC reaches 192.168.1.1 in the window, the
      window ends, failsafed exits 0, the address is removed (inside the guest and as seen from the PC)
Measured and printed: QEMU start to the prompt, key to failsafe, telnet connect to the shell prompt.

Setup (tools/qemu-malta/setup.sh: packages, the Debian mipsel kernel and busybox, the static musl build; cached
in <build>/qemu-malta, ~50 MB on the first run, offline later) runs first; when it cannot run (no network for the
first run, not root), every test FAILS with the reason: this test never passes by skipping.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402  (its atexit/signal handlers delete our namespaces)
from fsd import FAILSAFECTL, PROMPT_F, run_tests  # noqa: E402
from netns import sh  # noqa: E402
from qemu_guest import Guest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools", "qemu-malta")
DIR = os.path.abspath(os.environ.get("QEMU_MALTA_DIR") or os.path.join(
    os.environ.get("FAILSAFED_BIN_DIR") or os.path.join(ROOT, "build"), "qemu-malta"))
WINDOW_MS = 5000                    # boards/qemu_malta.c .window_ms
BOOT_TIMEOUT_S = 120.0              # QEMU start to the prompt: ~10 s on an idle host (TCG)
TAP = "mtap0"                       # made inside the test's namespace only: it never exists on the host
BUTTON_WARNING = "warning: board qemu-malta: buttons: none; only the console, SIGUSR1 and failsafe= can enter failsafe"
LED_RE = re.compile(r"^\d+@(\d+\.\d+):ps2_set_ledstate \S+ ledstate (\d+)")

_setup = {}


def ensure_setup():
    """Run setup.sh + mkinitramfs.sh once per process (with QEMU_SETUP_DONE set, mkinitramfs.sh only); raise with
    their output if the host cannot."""
    if "error" in _setup:
        raise AssertionError("the Malta board could not be set up (the first failure says why): "
                             + _setup["error"].splitlines()[0])
    if "done" in _setup:
        return
    start = time.monotonic()
    # Under ctest the fixture qemu_setup (tools/qemu-setup.sh) did the set-up: only the initramfs is checked here.
    for cmd in ("mkinitramfs.sh",) if os.environ.get("QEMU_SETUP_DONE") else ("setup.sh", "mkinitramfs.sh"):
        try:
            r = subprocess.run([os.path.join(TOOLS, cmd), DIR], capture_output=True, text=True, timeout=3000)
            ok, out = r.returncode == 0, r.stdout + r.stderr
        except (OSError, subprocess.TimeoutExpired) as e:
            ok, out = False, str(e)
        if not ok:
            _setup["error"] = ("the QEMU Malta board cannot be set up on this host (%s failed): it needs "
                               "qemu-system-mips, the mipsel cross compiler with musl-dev:mipsel, Debian's mipsel "
                               "kernel and busybox (network access to the package mirror on the first run, root "
                               "for apt):\n%s" % (cmd, out.strip()))
            raise AssertionError(_setup["error"])
    _setup["done"] = time.monotonic() - start


class Pc:
    """A network namespace with a tap device 'mtap0' at 192.168.1.2/24: the PC on the Malta's LAN port."""

    count = 0

    def __init__(self):
        Pc.count += 1
        self.ns = "fsd-malta-%d-%d" % (os.getpid(), Pc.count)
        netns.add(self.ns)                 # deleted by close() or, whatever happens, at exit
        sh("ip", "-n", self.ns, "tuntap", "add", "dev", TAP, "mode", "tap")
        sh("ip", "-n", self.ns, "addr", "add", "192.168.1.2/24", "dev", TAP)
        sh("ip", "-n", self.ns, "link", "set", TAP, "up")

    def cmd(self):
        return ["ip", "netns", "exec", self.ns]

    def ping(self, count=1):
        r = subprocess.run(self.cmd() + ["ping", "-n", "-c", str(count), "-W", "1", "192.168.1.1"],
                           capture_output=True, text=True, timeout=30)
        return r.returncode == 0

    def close(self):
        netns.remove(self.ns)


class Malta(Guest):
    """One boot of the Malta in the PC's namespace: console socket (read by a thread, with arrival times)."""

    def __init__(self, pc, append=""):
        ensure_setup()
        rundir = tempfile.mkdtemp(prefix="fsd-malta.")
        argv = pc.cmd() + [os.path.join(TOOLS, "run.sh"), "--dir", DIR, "--run", rundir, "--tap", TAP,
                           "--no-setup"]
        if append:
            argv += ["--append", append]
        super().__init__(argv, rundir)

    def scroll_lock(self, since, until=None):
        """[(wall time, level)] of the scroll-lock LED the guest sent its PS/2 keyboard, level changes only."""
        rows, last = [], None
        for line in self.file("trace.log").splitlines():
            m = LED_RE.match(line)
            if not m:
                continue
            t, level = float(m.group(1)), int(m.group(2)) & 1
            if level != last and t >= since and (until is None or t <= until):
                rows.append((t, level))
            last = level
        return rows


def gaps_ms(changes):
    return [(b[0] - a[0]) * 1000.0 for a, b in zip(changes, changes[1:])]


def check_guest_facts(b):
    """The kernel's device tree, the LED class devices and the board check as the guest sees them."""
    if b.marker("FSD-COMPAT") != "mti,malta":
        b.fail("the Malta kernel's device tree compatible is %r, not mti,malta" % b.marker("FSD-COMPAT"))
    if "input0::scrolllock" not in (b.marker("FSD-LEDS") or "").split():
        b.fail("no /sys/class/leds/input0::scrolllock (the board's boot LED) in the guest")
    if "eth0" not in (b.marker("FSD-NET") or "").split():
        b.fail("the pcnet32 NIC did not become eth0")
    check = b.text().split("FSD-CHECK-BEGIN", 1)[-1].split("FSD-CHECK-END", 1)[0]
    if "board qemu-malta (QEMU MIPS Malta (test board)), mti,malta" not in check or "\nvalid" not in check:
        b.fail("failsafed --check-board in the guest does not show a valid qemu-malta table")
    if BUTTON_WARNING not in check:
        b.fail("failsafed --check-board does not show the validator's warning about no buttons")
    if "FSD-CHECK-END rc=0" not in b.text():
        b.fail("failsafed --check-board did not exit 0")


def check_window_led(b, since, until):
    """The boot LED blinks 100/100 in the window (the kernel's timer trigger, sent to the keyboard by atkbd)."""
    changes = b.scroll_lock(since, until)
    gaps = gaps_ms(changes)
    if len(changes) < 8:
        b.fail("the boot LED (scroll lock) changed %d times in the window: %s\n--- trace:\n%s"
               % (len(changes), changes, b.file("trace.log")[-3000:]))
    med = statistics.median(gaps)
    print("  boot LED in the window: %d changes, median gap %.0f ms (pattern 100/100)" % (len(changes), med),
          flush=True)
    if not 70 <= med <= 160:
        b.fail("the boot LED's median gap in the window is %.0f ms, not about 100: %s" % (med, gaps))


# busybox ash asks the terminal for the cursor position (ESC [ 6 n) after its prompt.
TELNET = r'''
set timeout 20
log_user 1
set t0 [clock milliseconds]
spawn -noecho telnet 192.168.1.1
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "NO-BANNER"; exit 2 }
    eof { puts "NO-CONNECTION"; exit 2 }
}
expect {
    -re {[#$] (\033\[6n)?$} {}
    timeout { puts "NO-PROMPT"; exit 3 }
}
puts "\nLOGIN-MS [expr {[clock milliseconds] - $t0}]"
set led /sys/class/leds/input0::scrolllock
send "echo answer-\$((6*7)) \$(uname -m) \$(cat /tmp/failsafe) \$(grep -o '\\\[timer\\\]' $led/trigger)\$(cat $led/delay_on)/\$(cat $led/delay_off)\r"
expect {
    -re {answer-42 mips console \[timer\]50/50} {}
    timeout { puts "NO-ANSWER"; exit 4 }
}
expect -re {[#$] (\033\[6n)?$}
send "exit\r"
expect {
    eof {}
    timeout { puts "NO-EOF"; exit 5 }
}
puts "SESSION-OK"
'''


# ---------------------------------------------------------------------------------------------------------------

def test_setup():
    ensure_setup()
    print("  setup + initramfs: %.1f s (%s)" % (_setup["done"], DIR), flush=True)


def test_failsafe_console_beacons_telnet():
    pc = Pc()
    listener = b = None
    try:
        # The PC listens before the board boots: --once exits 0 at the first failsafe beacon.
        listener = subprocess.Popen(pc.cmd() + [FAILSAFECTL, "listen", "--json", "--once", "--timeout", "240"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        b = Malta(pc)
        t_start = b.expect("FSD-START", BOOT_TIMEOUT_S)
        t_prompt = b.expect(PROMPT_F, 30)
        print("  QEMU start to the prompt: %.1f s" % (t_prompt - b.started), flush=True)
        check_guest_facts(b)
        b.expect("network: eth0 up at 192.168.1.1/24", 10)
        # The open window's LED blinks (what check_window_led reads below) before the key.
        b.wait_for("8 changes of the boot LED (scroll lock) in the window", lambda: len(b.scroll_lock(t_start)) >= 8,
                   20, seen=lambda: "%d changes" % len(b.scroll_lock(t_start)))
        t_key = time.time()
        b.write("f\r")
        t_fs = b.expect("- failsafe -", 10)
        print("  'f' + Enter to failsafe: %.0f ms" % ((t_fs - t_key) * 1000), flush=True)
        b.expect("FSD-STATE failsafe=console", 10)
        b.expect("telnet: listening on 192.168.1.1:23", 10)
        if "FSD-RESULT" in b.text():
            b.fail("failsafed exited in failsafe")

        out, err = listener.communicate(timeout=60)
        beacons = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        if listener.returncode != 0:
            b.fail("failsafectl listen --once exited %s: %s\n%s" % (listener.returncode, err, out))
        states = [x.get("state") for x in beacons]
        print("  beacons at the PC: %d (%s), from %s" % (len(beacons), ", ".join(sorted(set(map(str, states)))),
                                                        beacons[-1].get("from")), flush=True)
        if "window" not in states or "failsafe" not in states:
            b.fail("the PC did not see both a window and a failsafe beacon: %s" % beacons)
        if any(x.get("board") != "qemu-malta" or not str(x.get("from", "")).startswith("192.168.1.1")
               for x in beacons):
            b.fail("a beacon not from qemu-malta at 192.168.1.1: %s" % beacons)

        r = subprocess.run(pc.cmd() + ["expect", "-c", TELNET], capture_output=True, text=True, timeout=90)
        session = r.stdout.replace("\r", "")
        if r.returncode != 0 or "SESSION-OK" not in session:
            b.fail("telnet session failed (rc %d):\n%s%s" % (r.returncode, session, r.stderr))
        login = re.search(r"LOGIN-MS (\d+)", session)
        print("  telnet connect to the shell prompt: %s ms" % login.group(1), flush=True)
        if "on board qemu-malta" not in session:
            b.fail("the telnet banner does not name the board:\n%s" % session)

        check_window_led(b, t_start, t_key)
        # In failsafe the kernel's timer trigger runs the LED at 50/50 (checked in sysfs by the telnet session
        # above). The PS/2 trace cannot follow that rate: atkbd sends LED changes that come within 50 ms of the
        # previous one 50 ms late, coalesced, so at 50 ms the keyboard may see the same level every time.
        print("  boot LED in failsafe: trigger timer 50/50 in sysfs; %d changes reached the PS/2 keyboard"
              % len(b.scroll_lock(t_fs)), flush=True)
        if b.proc.poll() is not None:
            b.fail("QEMU ended")
    finally:
        if listener and listener.poll() is None:
            listener.kill()
            listener.wait()
        if b:
            b.stop()
        pc.close()


def test_normal_boot_window_ends():
    pc = Pc()
    b = None
    try:
        b = Malta(pc)
        b.expect("FSD-START", BOOT_TIMEOUT_S)
        t_prompt = b.expect(PROMPT_F, 30)
        print("  QEMU start to the prompt: %.1f s" % (t_prompt - b.started), flush=True)
        t_open = b.expect("failsafe window open for %d ms" % WINDOW_MS, 10)
        b.expect("network: eth0 up at 192.168.1.1/24", 10)
        if not pc.ping():
            b.fail("the PC cannot reach 192.168.1.1 while the window is open")
        t_end = b.expect("FSD-RESULT rc=", WINDOW_MS / 1000.0 + 30)
        b.expect("FSD-IDLE", 10)
        text = b.text()
        print("  window: %.1f s from its log line to failsafed's exit (board window %d ms)"
              % (t_end - t_open, WINDOW_MS), flush=True)
        if "FSD-RESULT rc=0" not in text:
            b.fail("failsafed did not exit 0 on the normal path")
        for bad in ("- failsafe", "FSD-STATE failsafe="):
            if bad in text:
                b.fail("failsafe entered although nobody typed (%r)" % bad)
        if "no failsafe: continuing the boot" not in text:
            b.fail("no normal-path log line")
        if t_end - t_open < WINDOW_MS / 1000.0 - 0.5:
            b.fail("failsafed exited %.1f s after the window opened, before its %d ms" % (t_end - t_open, WINDOW_MS))
        addr = b.marker("FSD-ADDR")
        if addr is None or "192.168.1.1" in addr:
            b.fail("the failsafe address is still on eth0 after the window: FSD-ADDR %r" % addr)
        if pc.ping(count=2):
            b.fail("the PC still reaches 192.168.1.1 after the window ended")
        print("  after the window: eth0 has no IPv4 address (%r), the PC gets no reply" % addr, flush=True)
    finally:
        if b:
            b.stop()
        pc.close()


TESTS = [test_setup, test_failsafe_console_beacons_telnet, test_normal_boot_window_ends]

if __name__ == "__main__":
    run_tests(TESTS)
