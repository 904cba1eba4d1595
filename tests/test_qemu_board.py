"""tests/test_qemu_board.py — failsafed on a real Linux kernel: the QEMU arm64 virt board (TCG), real libgpiod
button edges (PL061 line 3, pressed with QMP system_powerdown) and GPIO-line LEDs (lines 5 and 6, measured on
the host from QEMU's pl061_set_output trace), console on the PL011 (a unix socket on the host).

Setup (tools/qemu/setup.sh: packages, kernel, busybox, cross build; cached in build-qemu/) runs first; when it
cannot run (no network, not root), every test FAILS with the reason: this test never passes by skipping.
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from fsd import PROMPT_F, run_tests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU_TOOLS = os.path.join(ROOT, "tools", "qemu")
sys.path.insert(0, QEMU_TOOLS)
from qmp import Qmp  # noqa: E402

BUILD = os.environ.get("QEMU_BUILD_DIR", os.path.join(ROOT, "build-qemu"))
BOOT_LINE, FAILSAFE_LINE = 5, 6          # boards/qemu_virt.c
WINDOW_MS = 5000                         # boards/qemu_virt.c .window_ms
BOOT_TIMEOUT_S = 30.0                    # QEMU start to the prompt (about 1.5 s when the host is idle)

TRACE_RE = re.compile(r"^\d+@(\d+\.\d+):pl061_set_output \S+ setting output (\d+) to (\d)")

_setup = {}


def ensure_setup():
    """Run setup.sh + mkinitramfs.sh once per process; raise with their output if the host cannot."""
    if "error" in _setup:
        raise AssertionError("the QEMU board could not be set up (the first failure above says why): "
                             + _setup["error"].splitlines()[0])
    if "done" in _setup:
        return
    start = time.monotonic()
    for cmd in (["setup.sh", BUILD], ["mkinitramfs.sh", BUILD]):
        try:
            r = subprocess.run([os.path.join(QEMU_TOOLS, cmd[0])] + cmd[1:], capture_output=True, text=True,
                               timeout=900)
            ok, out = r.returncode == 0, r.stdout + r.stderr
        except (OSError, subprocess.TimeoutExpired) as e:
            ok, out = False, str(e)
        if not ok:
            _setup["error"] = ("the QEMU board cannot be set up on this host (%s failed): this test needs "
                               "qemu-system-arm, the aarch64 cross compiler and Debian's arm64 packages "
                               "(network access to the package mirror for the first run, root for apt):\n%s"
                               % (cmd[0], out.strip()))
            raise AssertionError(_setup["error"])
    _setup["done"] = time.monotonic() - start


class Board:
    """One boot of the QEMU board: console socket (read by a thread, with arrival times), QMP, LED trace."""

    def __init__(self, append=""):
        ensure_setup()
        self.dir = tempfile.mkdtemp(prefix="fsd-qemu.")
        self.out = b""
        self.arrivals = []                 # (wall time, len(self.out) after the chunk)
        self.lock = threading.Lock()
        self.sock = None
        self.qmp = None
        argv = [os.path.join(QEMU_TOOLS, "run.sh"), "--dir", self.dir]
        if append:
            argv += ["--append", append]
        self.started = time.time()
        # run.sh execs QEMU: this PID is QEMU's, and the only process this test ends.
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        try:
            self._connect()
        except Exception:
            self.stop()
            raise

    def _connect(self):
        path = os.path.join(self.dir, "serial.sock")
        end = time.monotonic() + 60
        while True:     # QEMU waits (wait=on) until this client connects: no console byte is lost
            if self.proc.poll() is not None:
                raise AssertionError("QEMU exited with %s before the console was connected:\n%s"
                                     % (self.proc.returncode, self.file("qemu.log")))
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                self.sock = s
                break
            except OSError:
                s.close()
                if time.monotonic() > end:
                    raise AssertionError("no console socket %s after 60 s:\n%s" % (path, self.file("qemu.log")))
                time.sleep(0.02)
        threading.Thread(target=self._reader, daemon=True).start()
        self.qmp = Qmp(os.path.join(self.dir, "qmp.sock"))

    def _reader(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.out += chunk
                self.arrivals.append((time.time(), len(self.out)))

    def file(self, name):
        try:
            with open(os.path.join(self.dir, name), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def text(self):
        with self.lock:
            return self.out.decode(errors="replace")

    def fail(self, why):
        raise AssertionError("%s\n--- console:\n%s\n--- qemu.log:\n%s" % (why, self.text(), self.file("qemu.log")))

    def expect(self, text, timeout_s=10.0):
        """Wait for text on the console; return the wall time its last byte arrived."""
        data = text.encode()
        end = time.monotonic() + timeout_s
        while True:
            with self.lock:
                pos = self.out.find(data)
                if pos >= 0:
                    stop = pos + len(data)
                    return next(t for t, n in self.arrivals if n >= stop)
            if time.monotonic() > end:
                self.fail("console never showed %r in %.0f s" % (text, timeout_s))
            if self.proc.poll() is not None:
                self.fail("QEMU exited (%s) while waiting for %r" % (self.proc.returncode, text))
            time.sleep(0.01)

    def write(self, text):
        self.sock.sendall(text.encode())

    def leds(self, since):
        """{line: [(wall time, level), ...]} of the PL061 output changes after `since` (skips the reset)."""
        rows = {}
        for line in self.file("trace.log").splitlines():
            m = TRACE_RE.match(line)
            if m and float(m.group(1)) >= since:
                rows.setdefault(int(m.group(2)), []).append((float(m.group(1)), int(m.group(3))))
        return rows

    def stop(self):
        if self.proc.poll() is None:
            try:
                if self.qmp:
                    self.qmp.execute("quit")
            except (OSError, EOFError, RuntimeError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for c in (self.qmp, self.sock):
            try:
                c and c.close()
            except OSError:
                pass
        if os.environ.get("KEEP_QEMU_DIR"):
            print("kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def gaps_ms(changes):
    return [round((b[0] - a[0]) * 1000.0, 1) for a, b in zip(changes, changes[1:])]


def check_blink(board, changes, lo, hi, min_changes, what):
    gaps = gaps_ms(changes)
    if len(changes) < min_changes:
        board.fail("%s: %d level changes, expected at least %d: %s" % (what, len(changes), min_changes, changes))
    med = statistics.median(gaps)
    print("  %s: %d changes, median gap %.1f ms (min %.1f, max %.1f)" % (what, len(changes), med, min(gaps),
                                                                       max(gaps)), flush=True)
    if not lo <= med <= hi:
        board.fail("%s: median gap %.1f ms outside %s..%s ms: %s" % (what, med, lo, hi, gaps))
    return med


def check_shell(board):
    """The failsafe login shell runs on the console."""
    board.write("echo SH-$((6*7)); cat /tmp/failsafe\r")
    board.expect("SH-42", 10)


# ---------------------------------------------------------------------------------------------------------------

def test_setup():
    ensure_setup()
    print("  setup + initramfs: %.1f s" % _setup["done"], flush=True)


def test_normal_boot_no_press():
    b = Board()
    try:
        t_start = b.expect("FSD-START", BOOT_TIMEOUT_S)
        t_prompt = b.expect(PROMPT_F, 10)
        print("  prompt %.2f s after QEMU started" % (t_prompt - b.started), flush=True)
        if "label=9030000.pl061" not in b.text():
            b.fail("the PL061 is not labelled 9030000.pl061 in this kernel")
        b.expect("FSD-RESULT rc=", WINDOW_MS / 1000.0 + 10)
        t_end = b.expect("FSD-IDLE", 5)
        if "FSD-RESULT rc=0" not in b.text():
            b.fail("failsafed did not exit 0 on the normal path")
        for bad in ("- failsafe", "FSD-STATE failsafe="):
            if bad in b.text():
                b.fail("failsafe entered without a trigger (%r)" % bad)
        if "no failsafe: continuing the boot" not in b.text():
            b.fail("no normal-path log line")
        time.sleep(0.6)     # longer than one 200 ms half period: any later change would show
        leds = b.leds(t_start)
        boot = leds.get(BOOT_LINE, [])
        # Window: 100/100 from the window's start; at its end the 200/200 pattern starts lit and failsafed
        # exits, so the GPIO LED (blinked by the daemon, no kernel timer) stays lit: that is what is checked.
        window = [c for c in boot if c[0] <= t_end]
        check_blink(b, window, 80, 130, 30, "boot LED (line %d) in the window" % BOOT_LINE)
        length_ms = (window[-1][0] - window[0][0]) * 1000.0
        print("  window: boot LED blinked for %.0f ms (board window %d ms)" % (length_ms, WINDOW_MS), flush=True)
        if not WINDOW_MS - 400 <= length_ms <= WINDOW_MS + 400:
            b.fail("the boot LED blinked for %.0f ms, the window is %d ms" % (length_ms, WINDOW_MS))
        if boot[-1][1] != 1:
            b.fail("boot LED not lit after the normal path (200/200 starts lit): %s" % boot[-3:])
        if len(boot) != len(window):
            b.fail("boot LED changed after failsafed exited: %s" % boot[len(window):])
        if any(level for _, level in leds.get(FAILSAFE_LINE, [])):
            b.fail("failsafe LED lit on the normal path: %s" % leds[FAILSAFE_LINE])
    finally:
        b.stop()


def test_power_button_press_enters_failsafe():
    b = Board()
    try:
        b.expect("FSD-START", BOOT_TIMEOUT_S)
        t_prompt = b.expect(PROMPT_F, 10)
        time.sleep(max(0.0, t_prompt + 1.5 - time.time()))
        t_press = time.time()
        b.qmp.execute("system_powerdown")      # QEMU's gpio-key: line 3 high for 100 ms
        t_fs = b.expect("- failsafe button power was pressed -", 5)
        print("  press to failsafe message: %.0f ms (debounce 20 ms, TCG)" % ((t_fs - t_press) * 1000), flush=True)
        if t_fs - t_press > 1.0:
            b.fail("failsafe came %.0f ms after the press" % ((t_fs - t_press) * 1000))
        b.expect("- failsafe -", 2)
        b.expect("FSD-STATE failsafe=button power", 5)
        b.expect("FSD-STATE failsafe_button=power", 2)
        if "FSD-RESULT" in b.text():
            b.fail("failsafed exited in failsafe")
        time.sleep(1.5)
        leds = b.leds(t_press)
        fs = [c for c in leds.get(FAILSAFE_LINE, []) if c[0] >= t_press]
        check_blink(b, fs, 35, 70, 20, "failsafe LED (line %d) in failsafe" % FAILSAFE_LINE)
        boot = leds.get(BOOT_LINE, [])
        if boot and boot[-1][1] != 0:
            b.fail("boot LED not dark in failsafe: %s" % boot[-3:])
        if b.proc.poll() is not None:
            b.fail("system_powerdown ended QEMU (the guest must only see a button press)")
        check_shell(b)
        b.expect("button power", 5)
    finally:
        b.stop()


def test_console_f_enter_enters_failsafe():
    b = Board()
    try:
        b.expect("FSD-START", BOOT_TIMEOUT_S)
        t_prompt = b.expect(PROMPT_F, 10)
        time.sleep(0.5)
        t_key = time.time()
        b.write("f\r")
        t_fs = b.expect("- failsafe -", 5)
        print("  f + Enter to failsafe message: %.0f ms" % ((t_fs - t_key) * 1000), flush=True)
        b.expect("FSD-STATE failsafe=console", 5)
        if "was pressed" in b.text():
            b.fail("a button was reported for a console trigger")
        time.sleep(1.0)
        fs = [c for c in b.leds(t_prompt).get(FAILSAFE_LINE, []) if c[0] >= t_key]
        check_blink(b, fs, 35, 70, 12, "failsafe LED (line %d) in failsafe" % FAILSAFE_LINE)
        check_shell(b)
        b.expect("console", 5)
    finally:
        b.stop()


def test_cmdline_failsafe_skips_the_window():
    b = Board(append="failsafe=1")
    try:
        b.expect("FSD-START", BOOT_TIMEOUT_S)
        b.expect("- failsafe -", 5)
        b.expect("FSD-STATE failsafe=cmdline", 5)
        if PROMPT_F in b.text():
            b.fail("the window opened although the kernel command line has failsafe=")
        check_shell(b)
    finally:
        b.stop()


if __name__ == "__main__":
    run_tests([test_setup, test_normal_boot_no_press, test_power_button_press_enters_failsafe,
               test_console_f_enter_enters_failsafe, test_cmdline_failsafe_skips_the_window])
