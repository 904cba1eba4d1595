"""tests/qemu_guest.py — one QEMU boot seen through its serial console: the boards' tests share it.

QEMU is started by a harness's run.sh (argv), which makes RUNDIR/serial.sock (a server that waits for this client,
so no console byte is lost), RUNDIR/qemu.log and RUNDIR/trace.log. A thread reads the console and keeps when each
chunk arrived, so expect() returns the wall time a line appeared. The QEMU process is the only one a test ends.
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
