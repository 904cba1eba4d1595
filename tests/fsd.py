"""tests/fsd.py — harness for integration tests: runs the real failsafed on the sim board with a pty console."""
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

FAILSAFED = os.environ.get("FAILSAFED", "build/failsafed")
FAILSAFECTL = os.environ.get("FAILSAFECTL", "build/failsafectl")

PROMPT_F = "Press the [f] key and hit [enter] to enter failsafe mode"
PROMPT_DEBUG = "Press the [1], [2], [3] or [4] key and hit [enter] to select the debug level"


def now_ms():
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0


class Daemon:
    """One failsafed run: scratch state dir, sim dir, pty console, captured stderr."""

    def __init__(self, *args, cmdline="console=ttyS0,115200 quiet", window_ms=4000, console=True,
                 shell="/bin/sh", binary=None, extra_env=None, prefix=None, pass_fds=(), state_dir=None,
                 wait_ready=True):
        self.dir = tempfile.mkdtemp(prefix="fsd-test.")
        self.sim_dir = os.path.join(self.dir, "sim")
        self.state_dir = state_dir or os.path.join(self.dir, "state")   # given: an earlier run's, kept
        os.makedirs(self.state_dir, exist_ok=True)
        with open(os.path.join(self.dir, "cmdline"), "w") as f:
            f.write(cmdline + "\n")
        self.master = None
        self.simulated = binary is None or os.path.basename(binary).startswith("failsafed_sim")
        argv = [binary or FAILSAFED, "--cmdline", os.path.join(self.dir, "cmdline"),
                "--state-dir", self.state_dir, "--window-ms", str(window_ms), "--shell", shell, "-v"]
        if self.simulated:
            argv += ["--sim-dir", self.sim_dir]
        if console is True:
            self.master, slave = pty.openpty()
            self.slave_path = os.ttyname(slave)
            os.close(slave)
            argv += ["--console", self.slave_path]
        elif console:
            argv += ["--console", console]   # a path; tests never open the host's own ttys
        argv += list(args)
        argv = list(prefix or []) + argv   # e.g. ip netns exec NS
        self.out = b""
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stderr_file = open(self.stderr_path, "wb")
        env = dict(os.environ)
        env.update(extra_env or {})
        self.started_ms = now_ms()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.stderr_file,
                                     stderr=self.stderr_file, env=env, pass_fds=pass_fds)
        if self.simulated and wait_ready:   # wait_ready=False: back at once (a test that kills it early)
            self.wait_for_file(os.path.join(self.sim_dir, "leds.log"))

    # ---- console ----
    def read_console(self, timeout_s=0.05):
        if self.master is None:
            return
        end = time.monotonic() + timeout_s
        while True:
            left = end - time.monotonic()
            r, _, _ = select.select([self.master], [], [], max(left, 0))
            if not r:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.out += chunk

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def expect(self, text, timeout_s=5.0):
        """Wait until the console output holds text; returns the time it was seen (monotonic ms)."""
        if isinstance(text, str):
            text = text.encode()
        end = time.monotonic() + timeout_s
        while text not in self.out:
            if time.monotonic() > end:
                raise AssertionError("console never showed %r; got:\n%s\nstderr:\n%s"
                                     % (text, self.out.decode(errors="replace"), self.stderr()))
            self.read_console(0.05)
        return now_ms()

    def close_console(self):
        os.close(self.master)
        self.master = None

    # ---- back door ----
    def ctl(self, *words, check=True):
        r = subprocess.run([FAILSAFECTL, "sim", "--dir", self.sim_dir] + list(words),
                           capture_output=True, text=True, timeout=10)
        if check and r.returncode != 0:
            raise AssertionError("failsafectl sim %s: rc=%d %s" % (" ".join(words), r.returncode, r.stderr))
        return r

    def leds(self):
        out = self.ctl("leds").stdout
        return {line.split()[0]: line.split()[2] for line in out.splitlines()}

    def led_log(self):
        rows = []
        with open(os.path.join(self.sim_dir, "leds.log")) as f:
            for line in f:
                t, name, level = line.split()
                rows.append((int(t), name, int(level)))
        return rows

    def patterns(self):
        rows = []
        path = os.path.join(self.sim_dir, "patterns.log")
        with open(path) as f:
            for line in f:
                t, role, name, pattern = line.split()
                rows.append((int(t), role, name, pattern))
        return rows

    def last_pattern(self, role):
        p = [r[3] for r in self.patterns() if r[1] == role]
        return p[-1] if p else None

    # ---- process ----
    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_exit(self, timeout_s=10.0):
        try:
            rc = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError("failsafed did not exit in %.1f s; stderr:\n%s" % (timeout_s, self.stderr()))
        self.read_console(0.05)
        return rc

    def running(self):
        return self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def state_file(self, name):
        path = os.path.join(self.state_dir, name)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read()

    def wait_lan_services(self, timeout_s=10.0):
        """Failsafe's LAN services up: the IPv6 listeners, mDNS and the DHCP server start (or DHCP says why not)
        once the port is configured, which under a sanitizer on a loaded host comes well after the failsafe line.
        A test that counts the daemon's fds or sockets counts them after this."""
        end = time.monotonic() + timeout_s
        while not ("DHCP: serving" in self.stderr() or "DHCP: off" in self.stderr()):
            if time.monotonic() > end or self.proc.poll() is not None:
                raise AssertionError("the LAN services never started (no DHCP line); stderr:\n%s" % self.stderr())
            time.sleep(0.02)

    def wait_for_file(self, path, timeout_s=5.0):
        end = time.monotonic() + timeout_s
        while not os.path.exists(path):
            if time.monotonic() > end or self.proc.poll() is not None:
                raise AssertionError("%s never appeared; stderr:\n%s" % (path, self.stderr()))
            time.sleep(0.005)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.master is not None:
            os.close(self.master)
            self.master = None
        self.stderr_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_tests(tests):
    """Run test functions (all, or those named on the command line); print 'N passed, N failed';
    exit non-zero on any failure, and when a name given matches no test."""
    passed = failed = 0
    only = sys.argv[1:]
    unknown = [n for n in only if n not in {t.__name__ for t in tests}]
    if unknown:
        print("no such test: %s (tests: %s)" % (", ".join(unknown), ", ".join(t.__name__ for t in tests)))
        sys.exit(2)
    for t in tests:
        if only and t.__name__ not in only:
            continue
        start = time.monotonic()
        try:
            t()
            passed += 1
            print("PASS %s (%.2f s)" % (t.__name__, time.monotonic() - start), flush=True)
        except Exception as e:
            failed += 1
            # One line says why (the exception's first line); its details and the traceback follow.
            why = (str(e).strip().splitlines() or [type(e).__name__])[0]
            print("FAIL %s: %s" % (t.__name__, why[:300]), flush=True)
            traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
