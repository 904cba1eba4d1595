"""tests/test_preinit_hook.py — the failsafed package's preinit hook under BusyBox ash, in OpenWrt's hook order.

A chroot made here (removed at the end): Debian's static BusyBox, the stand-in for OpenWrt's preinit
(tests/openwrt-preinit/: the hook lists and a recording stand-in for each stage), the hook as
/lib/preinit/29_failsafed, and a stand-in /usr/sbin/failsafed that records its arguments, answers --check-board
and writes the decision it is told to (etc/standin-failsafed.conf) to its --decision-fd. /etc/preinit runs with
PREINIT=1 as procd runs it. What is checked: which hooks ran in which order (tmp/hooks.log), FAILSAFE, the
arguments failsafed got, the fallbacks to OpenWrt's own window, and a button only the kernel saw
(/tmp/failsafe_button from procd's hotplug). The real binary on a real kernel: tests/test_qemu_preinit.py.
Needs root (chroot); never skips.
"""
import os
import shutil
import stat
import subprocess
import tempfile
import time

from fsd import run_tests

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(SRC, "tests", "openwrt-preinit")
HOOK = os.path.join(SRC, "packaging", "openwrt", "failsafed", "files", "failsafed.preinit")
BUSYBOX = "/bin/busybox"           # busybox-static (tools/bootstrap.sh)

STANDIN_FAILSAFED = r'''#!/bin/sh
# stand-in failsafed (tests/test_preinit_hook.py): records its arguments, answers --check-board, decides as told
set -eu
echo "failsafed $*" >>/tmp/hooks.log
. /etc/standin-failsafed.conf
case " $* " in
*" --check-board "*)
	[ "$board" = ok ] && { echo "board test-board (test,board): valid"; exit 0; }
	echo "no board table for this device (compatible test,unknown)"
	exit 1 ;;
esac
fd= cmdline=/proc/cmdline prev=
for a in "$@"; do
	case $prev in --decision-fd) fd=$a ;; --cmdline) cmdline=$a ;; esac
	prev=$a
done
d=$decision
grep -q 'failsafe=' "$cmdline" && d=failsafe
# procd's preinit hotplug, as a button only the kernel sees is pressed during the window
[ -n "$hotplug" ] && [ "$d" = normal ] && echo "$hotplug" >/tmp/failsafe_button
echo "FAILSAFED-STANDIN decided $d"
[ -z "$fd" ] || eval "echo $d >&$fd"
'''

NORMAL_HOOKS = ["preinit_ip no-port", "pi_indicate_preinit", "failsafed --check-board",
                "failsafed --state-dir /tmp --window-ms 8000 --ifname eth0 --decision-fd 3",
                "run_failsafe_hook FAILSAFE=", "indicate_regular_preinit", "do_mount_root", "mount_root start",
                "run_init"]
FAILSAFE_TAIL = ["run_failsafe_hook FAILSAFE=true", "lock /tmp/.failsafe", "indicate_failsafe FAILSAFE=true",
                 "stand_in_package_failsafe FAILSAFE=true", "failsafe hooks done", "lock -w /tmp/.failsafe"]


class Root:
    """The chroot: OpenWrt's preinit stand-in, the hook, BusyBox, a stand-in failsafed (or none)."""

    def __init__(self, board="ok", decision="normal", hotplug="", conf=None, failsafed=True):
        if os.geteuid() != 0:
            raise AssertionError("this test needs root (it runs preinit in a chroot)")
        self.dir = tempfile.mkdtemp(prefix="fsd-preinit.")
        r = self.dir
        shutil.copytree(MODEL, r, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md", "init"))
        for d in ("usr/sbin", "usr/bin", "tmp", "proc", "dev"):
            os.makedirs(os.path.join(r, d), exist_ok=True)
        os.mknod(os.path.join(r, "dev/null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))   # procd mounts /dev
        shutil.copy(HOOK, os.path.join(r, "lib/preinit/29_failsafed"))
        shutil.copy(BUSYBOX, os.path.join(r, "bin/busybox"))
        with open(os.path.join(r, "proc/cmdline"), "w") as f:     # a file: no proc is mounted in the chroot
            f.write("console=ttyS0,115200 quiet\n")
        if conf:
            with open(os.path.join(r, "lib/preinit/00_preinit.conf"), "a") as f:
                f.write(conf)
        if failsafed:
            with open(os.path.join(r, "usr/sbin/failsafed"), "w") as f:
                f.write(STANDIN_FAILSAFED)
            os.chmod(os.path.join(r, "usr/sbin/failsafed"), 0o755)
            with open(os.path.join(r, "etc/standin-failsafed.conf"), "w") as f:
                f.write("board=%s\ndecision=%s\nhotplug=%s\n" % (board, decision, hotplug))
        subprocess.run(["chroot", r, "/bin/busybox", "--install", "-s", "/bin"], check=True)
        self.proc = None
        self.out_path = os.path.join(r, "preinit.out")

    def start(self):
        out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(["chroot", self.dir, "/bin/busybox", "env", "-i", "PREINIT=1", "/bin/sh",
                                      "/etc/preinit"], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.close()

    def output(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def hooks(self):
        try:
            with open(os.path.join(self.dir, "tmp/hooks.log")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def fail(self, why):
        raise AssertionError("%s\n--- hooks.log:\n%s\n--- preinit output:\n%s"
                             % (why, "\n".join(self.hooks()), self.output()))

    def run(self, timeout_s=20):
        """preinit on the normal path: it returns."""
        self.start()
        try:
            rc = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.fail("preinit did not return in %d s" % timeout_s)
        if rc != 0:
            self.fail("preinit exited %d" % rc)

    def wait_hook(self, line, timeout_s=20):
        end = time.monotonic() + timeout_s
        while line not in self.hooks():
            if self.proc.poll() is not None:
                self.fail("preinit exited (%s) before %r" % (self.proc.returncode, line))
            if time.monotonic() > end:
                self.fail("no %r in hooks.log after %d s" % (line, timeout_s))
            time.sleep(0.02)

    def sysupgrade(self):
        """In failsafe, preinit waits on /tmp/.failsafe until /tmp/sysupgrade exists: let it end."""
        open(os.path.join(self.dir, "tmp/sysupgrade"), "w").close()
        subprocess.run(["chroot", self.dir, "/bin/lock", "-u", "/tmp/.failsafe"], check=True, capture_output=True)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail("preinit went on waiting after /tmp/sysupgrade and lock -u")

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()                  # only the preinit this test started
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def expect_hooks(root, want):
    got = root.hooks()
    if got != want:
        root.fail("hooks ran as\n  %s\nexpected\n  %s" % ("\n  ".join(got), "\n  ".join(want)))


def test_normal_path_goes_on_to_mount_root():
    """No trigger: failsafed after preinit_ip and before run_failsafe_hook, OpenWrt's window skipped,
    the image's 3 s wait and port handed over, mount_root start, run_init."""
    r = Root(decision="normal")
    try:
        r.run()
        expect_hooks(r, NORMAL_HOOKS)
    finally:
        r.close()


def test_failsafe_set_earlier_is_cleared():
    """FAILSAFE set before the window (a file sourced earlier) is cleared, as OpenWrt's failsafe_wait clears it:
    only failsafed decides."""
    r = Root(decision="normal", conf="FAILSAFE=true\n")
    try:
        r.run()
        expect_hooks(r, NORMAL_HOOKS)
    finally:
        r.close()


def test_failsafe_runs_the_other_hooks():
    """failsafed decided failsafe: FAILSAFE=true exported, base-files' failsafe stage runs every failsafe hook but
    the console login and dropbear's (failsafed's own), and waits for sysupgrade; no mount_root."""
    r = Root(decision="failsafe")
    try:
        r.start()
        r.wait_hook("lock -w /tmp/.failsafe")
        expect_hooks(r, NORMAL_HOOKS[:4] + FAILSAFE_TAIL)
        r.sysupgrade()
        if "mount_root start" in r.hooks() or "failsafe_shell" in r.hooks():
            r.fail("ran past failsafe")
    finally:
        r.close()


def test_hotplug_button_after_the_window():
    """A button only the kernel saw (procd's hotplug wrote /tmp/failsafe_button): failsafe when the window has
    ended, as in OpenWrt, with failsafed started again and told failsafe= on its command line."""
    r = Root(decision="normal", hotplug="reset")
    try:
        r.start()
        r.wait_hook("lock -w /tmp/.failsafe")
        again = "failsafed --state-dir /tmp --window-ms 8000 --ifname eth0 --cmdline /tmp/.failsafed_cmdline " \
                "--decision-fd 3"
        expect_hooks(r, NORMAL_HOOKS[:4] + [again] + FAILSAFE_TAIL)
        if "- failsafe button reset was pressed -" not in r.output():
            r.fail("no '- failsafe button reset was pressed -'")
        with open(os.path.join(r.dir, "tmp/.failsafed_cmdline")) as f:
            if f.read() != "console=ttyS0,115200 quiet failsafe=button\n":
                r.fail("the second command line is not the kernel's + failsafe=button")
        r.sysupgrade()
    finally:
        r.close()


def test_no_board_table_falls_back():
    """failsafed has no table for this device: OpenWrt's own window, and the reason on the console."""
    r = Root(board="none")
    try:
        r.run()
        expect_hooks(r, ["preinit_ip no-port", "pi_indicate_preinit", "failsafed --check-board",
                         "failsafed --check-board", "failsafe_wait"] + NORMAL_HOOKS[4:])
        line = "failsafed: no board table for this device (compatible test,unknown); OpenWrt's failsafe window instead"
        if line not in r.output():
            r.fail("no line %r" % line)
    finally:
        r.close()


def test_failsafe_disabled_in_the_image():
    """pi_preinit_no_failsafe=y: failsafed is not started at all; OpenWrt's wait (debug keys only) runs."""
    r = Root(conf='pi_preinit_no_failsafe="y"\n')
    try:
        r.run()
        got = r.hooks()
        if any(h.startswith("failsafed") for h in got) or "failsafe_wait" not in got:
            r.fail("failsafed ran, or OpenWrt's wait did not")
    finally:
        r.close()


def test_no_failsafed_binary():
    r = Root(failsafed=False)
    try:
        r.run()
        if "failsafe_wait" not in r.hooks() or "mount_root start" not in r.hooks():
            r.fail("without /usr/sbin/failsafed, OpenWrt's window and the normal path must run")
    finally:
        r.close()


def test_wait_settings():
    """The image's wait in seconds as --window-ms (at least 1 s, as OpenWrt's own wait); no port named: the
    board's."""
    for conf, window in (("fs_failsafe_wait_timeout=0\npi_ifname=\n", 1000),
                         ("fs_failsafe_wait_timeout=10\npi_ifname=\n", 10000),
                         ("fs_failsafe_wait_timeout=\npi_ifname=\n", 4000)):
        r = Root(conf=conf)
        try:
            r.run()
            want = "failsafed --state-dir /tmp --window-ms %d --decision-fd 3" % window
            if want not in r.hooks():
                r.fail("with %r: no %r" % (conf, want))
        finally:
            r.close()


if __name__ == "__main__":
    run_tests([test_normal_path_goes_on_to_mount_root, test_failsafe_set_earlier_is_cleared,
               test_failsafe_runs_the_other_hooks,
               test_hotplug_button_after_the_window, test_no_board_table_falls_back,
               test_failsafe_disabled_in_the_image, test_no_failsafed_binary, test_wait_settings])
