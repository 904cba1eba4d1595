"""tests/powercut.py — power cuts of a whole QEMU guest: boot it, SIGKILL QEMU (by the PID QEMU wrote) at a random
moment of a write, boot it again with the same storage, and read what the next boot finds.

A helper for tests/test_powercut_emmc.py and tests/test_powercut_nand.py, not a test itself. The guest is the
MTD/UBI harness (tools/qemu-mtd/: Debian 12's amd64 kernel, TCG), booted with run.sh --pidfile and, as the test
needs, --drive (a virtio disk, cache=writethrough: what the guest was told is written is in the host file) or
--mem-file (the guest's RAM is a host file: a RAM-backed MTD over memmap=-reserved memory keeps what was written in
it). One initramfs holds the guest script; every boot runs the same script, which reads the state the storage is in,
prints it, and writes again. The test reads the console as it comes, with the host time of each line.
"""
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time

import qemu_mtd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools", "qemu-mtd")


def make_initramfs(build_dir, failsafed, script_text, files, modules, name):
    """The archive every boot of the test uses (BUILD/runs/NAME/initramfs.cpio.gz); its path."""
    qemu_mtd.setup(build_dir)
    run_dir = os.path.join(build_dir, "runs", name)
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    script = os.path.join(run_dir, "guest.sh")
    with open(script, "w") as f:
        f.write(script_text)
    out = os.path.join(run_dir, "initramfs.cpio.gz")
    argv = [os.path.join(TOOLS, "mkinitramfs.sh"), build_dir, "--failsafed", failsafed, "--script", script,
            "--out", out]
    for guest_path, host_path in files.items():
        argv += ["--add", "%s:%s" % (os.path.abspath(host_path), guest_path)]
    for m in modules:
        argv += ["--module", m]
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError("mkinitramfs.sh failed (%d):\n%s" % (r.returncode, (r.stdout + r.stderr).strip()))
    return out


class Boot:
    """One boot: run.sh in its own session, the console read line by line on a thread (host time of each)."""

    def __init__(self, build_dir, initrd, run_dir, n, extra_args=(), append="", timeout_s=300):
        self.pidfile = os.path.join(run_dir, "qemu-%d.pid" % n)
        self.log_path = os.path.join(run_dir, "serial-%d.log" % n)
        for p in (self.pidfile,):
            if os.path.exists(p):
                os.unlink(p)
        argv = [os.path.join(TOOLS, "run.sh"), build_dir, "--initrd", initrd, "--log", self.log_path,
                "--timeout", str(int(timeout_s)), "--pidfile", self.pidfile] + list(extra_args)
        if append:
            argv += ["--append", append]
        self.lines = []                      # (host time, line)
        self.cond = threading.Condition()
        self.killed_at = None
        self.started = time.time()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            with self.cond:
                self.lines.append((time.time(), line))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def text(self):
        with self.cond:
            return "\n".join(l for _, l in self.lines)

    def wait_line(self, pattern, timeout_s):
        """The first console line matching the regex: (host time, match); None when the guest ended first."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout_s
        i = 0
        with self.cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i][1])
                    if m:
                        return self.lines[i][0], m
                    i += 1
                if not self.thread.is_alive():
                    return None
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("no console line matching %r in %.0f s:\n%s"
                                         % (pattern, timeout_s, self.text()[-4000:]))
                self.cond.wait(min(left, 0.2))

    def qemu_pid(self):
        """QEMU's own PID, from the file QEMU wrote (-pidfile)."""
        end = time.monotonic() + 30
        while True:
            try:
                with open(self.pidfile) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                if time.monotonic() > end:
                    raise AssertionError("QEMU wrote no PID file %s:\n%s" % (self.pidfile, self.text()[-2000:]))
                time.sleep(0.02)

    def kill_qemu(self):
        """The power cut: SIGKILL to QEMU, by its PID. The host time it was sent."""
        pid = self.qemu_pid()
        self.killed_at = time.time()
        os.kill(pid, signal.SIGKILL)
        return self.killed_at

    def finish(self, timeout_s=300):
        """Wait for run.sh (QEMU ended: powered off or killed); the console text."""
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)   # run.sh's own session: run.sh, timeout and QEMU
            self.proc.wait()
            raise AssertionError("the guest did not end in %d s:\n%s" % (timeout_s, self.text()[-4000:]))
        self.thread.join(10)
        return self.text()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def cut_delays(rnd, n, duration_s):
    """n moments to cut at, spread over a write that takes about duration_s: uniform, sorted for the log."""
    return [rnd.uniform(0.0, duration_s) for _ in range(n)]
