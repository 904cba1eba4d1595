"""tests/qemu_guest.py — one QEMU boot seen through its serial console: the boards' tests share it.

QEMU is started by a harness's run.sh (argv), which makes RUNDIR/serial.sock (a server that waits for this client,
so no console byte is lost), RUNDIR/qemu.log and RUNDIR/trace.log. A thread reads the console and keeps when each
chunk arrived, so expect() returns the wall time a line appeared. The QEMU process is the only one a test ends.

Tests wait for conditions (a console line: expect(); anything else: wait_for()), never for a time: a timeout is
only an upper bound. When one strikes, or a check fails, fail() raises with one line saying why (what was awaited
and the console's last line), then the console's last lines and QEMU's own log.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time


class Guest:
    """One boot. Subclasses add what their board has (QMP, qtest, LED traces) in connected() and quit()."""

    def __init__(self, argv, rundir):
        self.dir = rundir
        self.out = b""
        self.arrivals = []                 # (wall time, len(self.out) after the chunk)
        self.lock = threading.Lock()
        self.sock = None
        self.started = time.time()
        # run.sh (and ip netns exec, when used) exec: this PID becomes QEMU's.
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        try:
            self._connect()
            self.connected()
        except Exception:
            self.stop()
            raise

    def connected(self):
        """Called once the console is connected (QEMU runs)."""

    def _connect(self):
        path = os.path.join(self.dir, "serial.sock")
        end = time.monotonic() + 60
        while True:     # QEMU waits (wait=on) until this client connects: no console byte is lost
            if self.proc.poll() is not None:
                raise AssertionError("QEMU exited with %s before the console was connected:\n%s"
                                     % (self.proc.returncode, self.file("qemu.log")))
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                self.sock = s
                break
            except OSError:
                s.close()
                if time.monotonic() > end:
                    raise AssertionError("no console socket %s after 60 s:\n%s" % (path, self.file("qemu.log")))
                time.sleep(0.02)
        threading.Thread(target=self._reader, daemon=True).start()

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
        """A file of the run directory ("" when it is not there)."""
        try:
            with open(os.path.join(self.dir, name), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def text(self):
        """The console so far, without carriage returns."""
        with self.lock:
            return self.out.decode(errors="replace").replace("\r", "")

    def last_lines(self, n=40):
        return [l for l in self.text().splitlines() if l.strip()][-n:]

    def fail(self, why):
        """Raise: one line (why, and the console's last line), then the console's last lines and qemu.log."""
        last = self.last_lines()
        msg = "%s (the console's last line: %r)\n--- the console's last %d lines:\n%s" % (
            why, last[-1] if last else "", len(last), "\n".join(last))
        log = self.file("qemu.log").strip()
        if log:
            msg += "\n--- qemu.log:\n" + log[-2000:]
        raise AssertionError(msg)

    def wait_for(self, what, check, timeout_s=10.0, seen=None):
        """Poll check() until it returns something true (returned); after timeout_s fail with what was awaited
        and seen() (what was there instead), or earlier when QEMU exits."""
        end = time.monotonic() + timeout_s
        while True:
            got = check()
            if got:
                return got
            if self.proc.poll() is not None:
                self.fail("QEMU exited (%s) while waiting for %s" % (self.proc.returncode, what))
            if time.monotonic() > end:
                self.fail("waited %.0f s for %s%s" % (timeout_s, what, "; seen: %s" % seen() if seen else ""))
            time.sleep(0.02)

    def expect(self, text, timeout_s=10.0):
        """Wait for text on the console; return the wall time its last byte arrived."""
        data = text.encode()

        def arrived():
            with self.lock:
                pos = self.out.find(data)
                if pos >= 0:
                    stop = pos + len(data)
                    return next(t for t, n in self.arrivals if n >= stop)
            return None
        return self.wait_for("%r on the console" % text, arrived, timeout_s)

    def sh(self, command, timeout_s=10.0):
        """Run a command in the shell on the console (the failsafe shell, or /init's after failsafed exited);
        return what it printed. Done is a marker the shell computes, so the echoed command line never matches."""
        self.sh_count = getattr(self, "sh_count", 0) + 1
        mark = "FSD-SH-%d-" % self.sh_count
        with self.lock:
            start = len(self.out)
        self.write("%s; echo %s$((40+2))\r" % (command, mark))
        self.expect(mark + "42", timeout_s)
        text = self.out[start:].decode(errors="replace").replace("\r", "")
        return text[:text.rindex(mark + "42")]

    def settle(self, seconds):
        """Let the guest run SECONDS of its own time (a sleep in its shell): enough for something that must not
        happen to show. Unlike a sleep here, it cannot pass while QEMU is not scheduled."""
        self.sh("sleep %s" % seconds, timeout_s=seconds + 20)

    def write(self, text):
        self.sock.sendall(text.encode())

    def marker(self, name):
        """The rest of the line after the first 'NAME ' on the console."""
        m = re.search(r"^%s ?(.*)$" % re.escape(name), self.text(), re.M)
        return m.group(1).strip() if m else None

    def quit(self):
        """Ask QEMU to end (SIGTERM); stop() waits, then kills."""
        self.proc.send_signal(signal.SIGTERM)

    def close_extra(self):
        """Close what connected() opened."""

    def stop(self):
        if self.proc.poll() is None:
            self.quit()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.close_extra()
        if self.sock:
            self.sock.close()
        if os.environ.get("KEEP_QEMU_DIR"):
            print("kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
