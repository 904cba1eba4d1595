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


def squashfs(tmp, name, nbytes):
    """A squashfs root named name under tmp: /etc/banner and nbytes of seeded noise; its bytes."""
    d = os.path.join(tmp, name)
    os.makedirs(os.path.join(d, "etc"))
    with open(os.path.join(d, "etc", "banner"), "w") as f:
        f.write(name + "\n")
    with open(os.path.join(d, "blob.bin"), "wb") as f:
        f.write(random.Random(name).randbytes(nbytes))
    with open(qemu_mtd.make_squashfs(d, os.path.join(tmp, name + ".sqfs")), "rb") as f:
        return f.read()


# The guest script's timed write, the same in every power-cut test: $C holds sysupgrade's options, $next the image
# (a or b) the storage does not hold, up() the uptime. The host reads WRITE-START, the "[w] " lines and WRITE-END.
TIMED_WRITE = r'''
# TCG translates failsafed's code the first time it runs in a boot: a check of the image first, so the timed write
# runs as fast in every boot as in the measured one
failsafed sysupgrade -T $C /qmtd/$next.bin >/dev/null 2>&1 || echo "QMTD-FAIL check of $next.bin"
rm -rf /tmp/st/*
sync
echo 3 >/proc/sys/vm/drop_caches
echo "WRITE-START $next $(up)"
# its output on the console as it comes (the host sees the last step before a cut)
{ failsafed sysupgrade -n $C /qmtd/$next.bin 2>&1; echo $? >/tmp/w.rc; } | while IFS= read -r l; do echo "[w] $l"; done
echo "WRITE-END rc=$(cat /tmp/w.rc) $(up)"
'''


def image_pair(tmp, rnd, board, kernel_bytes, root_bytes, dtb=None):
    """Images A and B for board: OpenWrt sysupgrade tars of seeded kernels (kernel_bytes: A's, B's) and squashfs
    roots (root_bytes), under tmp. ((kernel A, root A), (kernel B, root B), {guest path: host path})."""
    import openwrt_images
    pairs = ((rnd.randbytes(kernel_bytes[0]), squashfs(tmp, "root-a", root_bytes[0])),
             (rnd.randbytes(kernel_bytes[1]), squashfs(tmp, "root-b", root_bytes[1])))
    files = {}
    for name, (k, r) in zip("ab", pairs):
        files["/qmtd/%s.bin" % name] = os.path.join(tmp, name + ".bin")
        with open(files["/qmtd/%s.bin" % name], "wb") as f:
            f.write(openwrt_images.sysupgrade_tar(board, kernel=k, root=r, dtb=dtb))
    return pairs[0], pairs[1], files


def make_initramfs(build_dir, failsafed, script_text, files, modules, name):
    """The archive every boot of the test uses (BUILD/runs/NAME/initramfs.cpio); its path."""
    qemu_mtd.setup(build_dir)
    run_dir = os.path.join(build_dir, "runs", name)
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    script = os.path.join(run_dir, "guest.sh")
    with open(script, "w") as f:
        f.write(script_text)
    out = os.path.join(run_dir, "initramfs.cpio")
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
            self.stop()
            raise AssertionError("the guest did not end in %d s:\n%s" % (timeout_s, self.text()[-4000:]))
        self.thread.join(10)
        return self.text()

    def stop(self):
        """QEMU (by the PID it wrote; timeout(1) puts it in a process group of its own) and run.sh's session."""
        if self.proc.poll() is None:
            try:
                with open(self.pidfile) as f:
                    os.kill(int(f.read().strip()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


STEP1 = re.compile(r"^\[w\] Step 1/")


def write_steps(boot):
    """The "Step N/M: ..." texts of the write a boot printed ([w] lines)."""
    w = "\n".join(l[4:] for _, l in boot.lines if l.startswith("[w] "))
    return re.findall(r"^Step \d+/\d+: (.*)$", w, re.M)


def cut_loop(build_dir, first_initrd, initrd, run_dir, qemu_args, append, cuts_wanted, max_boots, rnd,
             check_steps, boots):
    """The power-cut run both tests share. The guest script prints "STATE S" (what a boot loader finds), then
    "WRITE-START [X]" right before a write and "WRITE-END rc=N" after it, "[w] " lines of its output, "QMTD-DONE".
    Boot 0 (first_initrd) sets the storage up and writes nothing timed; boot 1 writes uncut: from its "Step 1/" line
    to WRITE-END on the host's clock is the write's length, and check_steps(steps) judges its plan; every later boot
    is killed (SIGKILL to QEMU) at a uniform random moment of that length after its own "Step 1/" line, and the
    boot after it reports the state. A boot whose write ended before its cut is not counted; its write's length,
    when shorter, becomes the length later cuts are drawn from (TCG's speed follows the host's load). A state starting "bad" fails at once. Returns (cuts [(delay s, what was
    written, the writer's last step, state before, state after)],
    write length s, uncut steps). boots collects every Boot (the caller stops them)."""
    b = Boot(build_dir, first_initrd, run_dir, 0, qemu_args, append=append)
    boots.append(b)
    out = b.finish()
    if "QMTD-DONE fails=0" not in out:
        raise AssertionError("boot 0 (setting the storage up) failed:\n%s" % out[-6000:])
    b = Boot(build_dir, initrd, run_dir, 1, qemu_args, append=append)
    boots.append(b)
    out = b.finish()
    if "QMTD-DONE fails=0" not in out or not re.search(r"^STATE-AFTER-WRITE (slot\d-)?[AB]$", out, re.M):
        raise AssertionError("boot 1 (the uncut write) failed:\n%s" % out[-6000:])
    # the write's length: from its first step (after the image checks, whose length the host's load changes most)
    t_w0 = next(t for t, l in b.lines if STEP1.match(l))
    t_w1 = next(t for t, l in b.lines if l.startswith("WRITE-END rc=0"))
    duration = t_w1 - t_w0
    steps = write_steps(b)
    check_steps(steps)
    print("  uncut write: %.2f s on the host's clock; steps: %s" % (duration, "; ".join(steps)), flush=True)
    cuts = []
    pending = None
    n = 2
    while True:
        b = Boot(build_dir, initrd, run_dir, n, qemu_args, append=append)
        boots.append(b)
        seen = b.wait_line(r"^STATE (\S+)$", 120)
        if seen is None:
            raise AssertionError("boot %d ended before it read the storage:\n%s" % (n, b.text()[-4000:]))
        state = seen[1].group(1)
        if pending is not None:
            cuts.append(pending + (state,))
            print("  cut %2d at %.2f s of %.2f s writing %s (last said: %s): next boot finds %s" % (
                len(cuts), pending[0], duration, pending[1], pending[2], state), flush=True)
            if state.startswith("bad") or "QMTD-FAIL" in b.text():
                b.stop()
                raise AssertionError("after the cut at %.2f s the next boot found %s:\n%s"
                                     % (pending[0], state, b.text()[-3000:]))
        pending = None
        if len(cuts) >= cuts_wanted or n >= max_boots:
            out = b.finish()
            if "QMTD-DONE fails=0" not in out:
                raise AssertionError("the last boot failed:\n%s" % out[-4000:])
            break
        what = b.wait_line(r"^WRITE-START(?: ([ab]) )?", 300)
        started = what and b.wait_line(STEP1.pattern, 120)
        if started is None:
            raise AssertionError("boot %d did not reach the write:\n%s" % (n, b.text()[-4000:]))
        # stratified: the k-th cut falls at a random moment of the k-th of cuts_wanted equal stretches of the write,
        # so a short run covers the whole write, its start (the A/B board's old slot) and its end alike
        delay = duration * ((len(cuts) % cuts_wanted) + rnd.random()) / cuts_wanted
        time.sleep(max(0.0, started[0] + delay - time.time()))
        done_before = any(l.startswith("WRITE-END") for _, l in b.lines)
        b.kill_qemu()
        b.finish(60)
        # (a line the kill cut short may end in run.sh's own "line N: PID Killed ..." report)
        said = [re.sub(r"/\S*run\.sh: line \d+: .*|\[ *\d+\.\d+\] .*", "", l[4:]) for _, l in b.lines
                if l.startswith("[w] Step ")]
        if done_before:
            # the write ran faster than the measured one (the host's load changes TCG's speed): its own length,
            # when shorter, is the length the next cuts are drawn from, and this stretch is cut again
            t_s = next((t for t, l in b.lines if STEP1.match(l)), None)
            t_e = next((t for t, l in b.lines if l.startswith("WRITE-END rc=0")), None)
            was = duration
            if t_s is not None and t_e is not None and t_e - t_s < duration:
                duration = t_e - t_s
            print("  boot %d: the write was done before the cut at %.2f s: not counted; the write's length now "
                  "%.2f s (was %.2f s)" % (n, delay, duration, was), flush=True)
        else:
            pending = (delay, (what[1].group(1) or "").upper() or "the image", said[-1] if said else "nothing yet",
                       state)
        n += 1
    return cuts, duration, steps
