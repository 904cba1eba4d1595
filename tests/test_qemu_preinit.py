"""tests/test_qemu_preinit.py — the OpenWrt preinit hook on a real kernel: the QEMU arm64 board boots a release image.

tools/release --cpu aarch64 --images-only makes failsafed-qemu_virt-<version>.img (a squashfs root with the static musl failsafed
as /usr/sbin/failsafed and the hook as /lib/preinit/29_failsafed, as the OpenWrt package installs them; then
OpenWrt's metadata). The guest's /init (tests/openwrt-preinit/init, standing in for procd) mounts that image from
a virtio disk over the stand-in for the rest of OpenWrt's preinit (tests/openwrt-preinit/: the hook lists and a
recording stand-in per stage, mount_root and lock), Debian's dropbear for SSH, and runs /etc/preinit with PREINIT=1
under BusyBox ash. One boot per case, the PC in a network namespace on the board's LAN port (tools/qemu/run.sh
--netns), the window 8 s (the stand-in's fs_failsafe_wait_timeout):
  - no trigger: the window runs out, preinit goes on (run_failsafe_hook without FAILSAFE, mount_root start,
    run_init) and ends; OpenWrt's own failsafe_wait never runs;
  - the button (QMP: PL061 line 3), f + Enter on the console, failsafe= on the kernel command line: failsafe with
    FAILSAFE=true, the other packages' failsafe hooks called, OpenWrt's console login and dropbear's hook not
    (failsafed's own), preinit waiting on /tmp/.failsafe; and from the PC failsafed's telnet, SSH and recovery page.
Setup (the QEMU board, the static libraries, the release, the dropbear packages) runs first; when it cannot, the
test FAILS with the reason: it never passes by skipping.
"""
import glob
import json
import os
import re
import subprocess
import tempfile
import time

import test_qemu_board as qb
from fsd import PROMPT_F, run_tests
from qemu_guest import Guest
from test_qemu_lan import Listener, Pc

SRC = qb.ROOT
BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(SRC, "build"))
RELEASE = os.path.join(BIN_DIR, "preinit-release")
DEPS = os.environ.get("FAILSAFED_DEPS_DIR", os.path.join(SRC, "build-deps"))
INITRD = os.path.join(qb.BUILD, "preinit", "initramfs.cpio")
WINDOW_S = 8                     # tests/openwrt-preinit/lib/preinit/00_preinit.conf

# The hooks every failsafe boot records, in this order, and those it must not run.
FAILSAFE_HOOKS = ["run_failsafe_hook FAILSAFE=true", "lock /tmp/.failsafe", "indicate_failsafe FAILSAFE=true",
                  "stand_in_package_failsafe FAILSAFE=true", "failsafe hooks done", "lock -w /tmp/.failsafe"]
NOT_IN_FAILSAFE = ["failsafe_wait", "failsafe_shell", "failsafe_dropbear", "mount_root", "do_mount_root",
                   "indicate_regular_preinit", "run_init"]

_setup = {}


def run_step(what, argv, timeout_s):
    t0 = time.monotonic()
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
        ok, out = r.returncode == 0, r.stdout + r.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        ok, out = False, str(e)
    if not ok:
        raise AssertionError("%s failed:\n%s" % (what, out.strip()[-4000:]))
    return time.monotonic() - t0, out


def setup():
    """The QEMU board, the release image for qemu_virt, the guest's initramfs; once per process."""
    if "error" in _setup:
        raise AssertionError("setup failed before (see the first failure): " + _setup["error"])
    if "image" in _setup:
        return _setup["image"]
    try:
        # tools/qemu/setup.sh without flags: the kernel, BusyBox, Debian's arm64 libraries (importing test_qemu_lan
        # made gpiod2 the default variant; its static build is not needed here)
        qb.ensure_setup(qb.VARIANTS["gpiod1"])
        t, out = run_step("tools/release --cpu aarch64 --images-only", [os.path.join(SRC, "tools/release"), "--cpu", "aarch64",
                          "--images-only", "--out", RELEASE, "--deps-dir", DEPS], 1500)
        print("  tools/release --cpu aarch64 --images-only: %.0f s" % t, flush=True)
        images = sorted(glob.glob(os.path.join(RELEASE, "failsafed-qemu_virt-*.img")))
        if not images:
            raise AssertionError("tools/release made no failsafed-qemu_virt-*.img in %s:\n%s" % (RELEASE, out))
        listing = subprocess.run(["unsquashfs", "-l", images[-1]], capture_output=True, text=True).stdout
        for need in ("/usr/sbin/failsafed", "/lib/preinit/29_failsafed"):
            if need not in listing:
                raise AssertionError("the release image %s has no %s:\n%s" % (images[-1], need, listing))
        t, _ = run_step("tests/openwrt-preinit/build.sh", [os.path.join(SRC, "tests/openwrt-preinit/build.sh"),
                        qb.BUILD, INITRD], 600)
        print("  guest initramfs (OpenWrt stand-in, dropbear): %.1f s" % t, flush=True)
        _setup["image"] = images[-1]
        return images[-1]
    except AssertionError as e:
        _setup["error"] = str(e).splitlines()[0]
        raise


class PreinitBoard(qb.Board):
    """One boot of the release image through preinit; QMP as qb.Board's."""

    def __init__(self, image, netns, append=""):
        rundir = tempfile.mkdtemp(prefix="fsd-qemu-preinit.")
        self.qmp = None
        self.qtest = None
        argv = [os.path.join(qb.QEMU_TOOLS, "run.sh"), "--dir", rundir, "--no-setup", "--initrd", INITRD,
                "--drive", image, "--netns", netns]
        if append:
            argv += ["--append", append]
        Guest.__init__(self, argv, rundir)

    def hooks(self):
        """What the stand-ins recorded, in order (a line may follow the failsafe shell's prompt on the console)."""
        return re.findall(r"FSD-HOOK (.*?)\s*$", self.text(), re.M)


def check_hooks(b, want_in_order, absent):
    got = b.hooks()
    pos = 0
    for w in want_in_order:
        try:
            pos = got.index(w, pos) + 1
        except ValueError:
            b.fail("hook %r missing or out of order; the hooks ran as: %s" % (w, got))
    bad = [h for h in got if h.split()[0] in absent]
    if bad:
        b.fail("hooks that must not run did: %s (all: %s)" % (bad, got))


TELNET = r'''
set timeout 15
spawn -noecho telnet 192.168.1.1
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "NO-BANNER"; exit 2 }
}
expect {
    -re {[#$] ?(\x1b\[6n)?$} {}
    timeout { puts "NO-PROMPT"; exit 3 }
}
send "echo cause=\$(cat /tmp/failsafe) applet=\$(command -v mount_root) done-\$((6*7))\r"
expect {
    "done-42" {}
    timeout { puts "NO-ANSWER"; exit 4 }
}
expect -re {[#$] ?(\x1b\[6n)?$}
send "exit\r"
expect eof
puts "SESSION-OK"
'''


def ssh_argv(home):
    return ["env", "-i", "HOME=" + home, "PATH=" + os.environ["PATH"], "ssh", "-F", "/dev/null",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
            "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no", "-o", "ConnectTimeout=15",
            "-o", "LogLevel=ERROR"]


def check_services(b, pc, cause):
    """failsafed's telnet, SSH and recovery page answer the PC; the shells are failsafed's (its applets first)."""
    t0 = time.time()
    r = pc.run("expect", "-c", TELNET, timeout=40)
    out = r.stdout.replace("\r", "")
    want = "cause=%s applet=/tmp/bin/mount_root done-42" % cause
    if r.returncode != 0 or "SESSION-OK" not in out or want not in out:
        b.fail("telnet: expected %r (rc %d):\n%s%s" % (want, r.returncode, out, r.stderr))
    t_telnet = time.time() - t0
    b.expect("key fingerprint is", 60)           # failsafed prints each host key once dropbearkey made it
    home = tempfile.mkdtemp(prefix="fsd-preinit-ssh.")
    try:
        t0 = time.time()
        r = pc.run(*(ssh_argv(home) + ["root@192.168.1.1", "echo ssh-cause=$(cat /tmp/failsafe) ssh-$((6*7))"]),
                   timeout=60)
    finally:
        subprocess.run(["rm", "-rf", home])
    if r.returncode != 0 or "ssh-cause=%s ssh-42" % cause not in r.stdout:
        b.fail("ssh root@192.168.1.1 (rc %d): %s %s" % (r.returncode, r.stdout, r.stderr))
    t_ssh = time.time() - t0
    r = pc.run("curl", "-sS", "-m", "20", "-H", "Accept: application/json", "http://192.168.1.1/status")
    try:
        st = json.loads(r.stdout)
    except ValueError:
        st = {}
    if r.returncode != 0 or st.get("board", {}).get("name") != "qemu-virt":
        b.fail("the recovery page's GET /status (rc %d): %s %s" % (r.returncode, r.stdout, r.stderr))
    print("  from the PC: telnet session %.2f s, ssh command %.2f s, recovery page board %s phase %s"
          % (t_telnet, t_ssh, st["board"]["name"], st.get("phase")), flush=True)


def failsafe_boot(trigger, cause, append=""):
    image = setup()
    pc = Pc()
    b = None
    try:
        lis = Listener(pc)
        b = PreinitBoard(image, pc.ns, append)
        b.expect("FSD-PREINIT-START", qb.BOOT_TIMEOUT_S)
        t = trigger(b)
        b.expect("- failsafe -", 10)
        b.expect("FSD-HOOK lock -w /tmp/.failsafe", 15)
        print("  %s: failsafe %.2f s after QEMU started%s; preinit waits on /tmp/.failsafe"
              % (cause, time.time() - b.started, "" if t is None else ", %.0f ms after the trigger"
                 % ((b.expect("- failsafe -") - t) * 1000)), flush=True)
        check_hooks(b, ["preinit_ip eth0 192.168.1.1", "pi_indicate_preinit"] + FAILSAFE_HOOKS, NOT_IN_FAILSAFE)
        lis.wait(b, "failsafe", 1, 10)
        check_services(b, pc, cause)
        if "FSD-PREINIT-EXIT" in b.text():
            b.fail("preinit ended in failsafe")
    finally:
        b and b.stop()
        pc.close()


def press(b):
    b.expect(PROMPT_F, 15)
    t = time.time()
    b.qmp.execute("system_powerdown")
    b.expect("- failsafe button power was pressed -", 5)
    return t


def console_f(b):
    b.expect(PROMPT_F, 15)
    t = time.time()
    b.write("f\r")
    return t


# ---------------------------------------------------------------------------------------------------------------

def test_setup():
    setup()


def test_no_trigger_goes_on_to_mount_root():
    image = setup()
    pc = Pc()
    b = None
    try:
        lis = Listener(pc)
        b = PreinitBoard(image, pc.ns)
        b.expect("FSD-PREINIT-START", qb.BOOT_TIMEOUT_S)
        m = re.search(r"^FSD-IMAGE (.*)$", b.text(), re.M)
        print("  image: %s" % (m.group(1).strip() if m else "?"), flush=True)
        t_prompt = b.expect(PROMPT_F, 15)
        t_exit = b.expect("FSD-PREINIT-EXIT rc=0", WINDOW_S + 15)
        check_hooks(b, ["preinit_ip eth0 192.168.1.1", "pi_indicate_preinit", "run_failsafe_hook FAILSAFE=",
                        "indicate_regular_preinit", "do_mount_root", "mount_root start", "run_init"],
                    ["failsafe_wait", "failsafe_shell", "failsafe_dropbear", "indicate_failsafe", "lock"])
        if "- failsafe" in b.text():
            b.fail("failsafe without a trigger")
        if "failsafe window open for %d ms" % (WINDOW_S * 1000) not in b.text():
            b.fail("failsafed did not run a %d s window (the image's fs_failsafe_wait_timeout)" % WINDOW_S)
        if len(lis.beacons("window")) < 2:
            b.fail("the PC heard %d window beacons" % len(lis.beacons("window")))
        print("  prompt to the end of preinit: %.2f s (window %d s); %d window beacons on the PC"
              % (t_exit - t_prompt, WINDOW_S, len(lis.beacons("window"))), flush=True)
    finally:
        b and b.stop()
        pc.close()


def test_button():
    failsafe_boot(press, "button power")


def test_console_f():
    failsafe_boot(console_f, "console")


def test_cmdline():
    failsafe_boot(lambda b: None, "cmdline", append="failsafe=1")


if __name__ == "__main__":
    run_tests([test_setup, test_no_trigger_goes_on_to_mount_root, test_button, test_console_f, test_cmdline])
