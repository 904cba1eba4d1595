"""tests/test_valgrind.py — failsafed under valgrind memcheck through a whole failsafe: a telnet session, an SSH
login, the recovery page (upload, check, confirm, sysupgrade writing the loop-device firmware, the settings
archive), the status applet and the daemon's exit. No invalid access, no use of uninitialised memory, no
definite or indirect leak, in the daemon and in every applet it runs (sysupgrade, the settings backup), with no
suppression file.

valgrind follows failsafed's own children (--trace-children=yes: the applets run /proc/self/exe, which valgrind
maps to the binary) and skips the foreign programs failsafed starts (sh, dropbear, dropbearkey, the fake reboot):
they are not ours to check and would only slow the run. --child-silent-after-fork=yes: a child between fork and
exec is a copy of the daemon and says nothing; what it execs, if traced, gets a log of its own. Each process
writes DIR/vg.<pid>; every log must end with "ERROR SUMMARY: 0 errors". Still-reachable memory at exit is not an
error (the daemon exits from failsafe at once, as it should, without freeing its static buffers).

Slow by nature (memcheck runs the code 20-50 times slower): no assertion here is about time; the waits are long
bounds on conditions."""
import glob
import json
import os
import re
import signal
import shutil
import subprocess
import time

import recoveryfix  # noqa: F401  (first: storagefix re-executes the test under unshare -m)
from recoveryfix import URL, curl, images, wait_phase
from storagefix import Router, sha256_file
from fsd import FAILSAFED, Daemon, run_tests
from netns import Scene

DROPBEAR = shutil.which("dropbear") or "/usr/sbin/dropbear"
DROPBEARKEY = shutil.which("dropbearkey") or "/usr/bin/dropbearkey"
# As tests/test_ssh.py: root's password empty in a mount namespace of the daemon's own; /dev/log hidden.
PRIVATE_ROOT = ('mount --bind "$0" /etc/shadow && { [ ! -e /dev/log ] || mount --bind /dev/null /dev/log; } '
                '&& exec "$@"')
SKIP = ["*/sh", "*/bash", "*/dash", "*/busybox", "*/dropbear", "*/dropbearkey", "*/dbclient", "*fake-reboot",
        "*/mkfs.*", "*/mke2fs", "*/tar", "*/gzip", DROPBEAR, DROPBEARKEY]

TELNET = r'''
set timeout 120
spawn -noecho telnet 192.168.1.1
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "NO-BANNER"; exit 2 }
}
expect -re {[#$] ?$}
send "echo answer-\$((6*7))\r"
expect {
    "answer-42" {}
    timeout { puts "NO-ANSWER"; exit 3 }
}
send "exit\r"
expect {
    eof {}
    timeout { puts "NO-EOF"; exit 4 }
}
puts "TELNET-OK"
'''


def ssh_argv(home, *extra):
    """Debian's ssh, none of the host's configuration or keys (as tests/test_ssh.py)."""
    return ["env", "-i", "HOME=" + home, "PATH=" + os.environ["PATH"], "ssh", "-F", "/dev/null",
            "-o", "UserKnownHostsFile=" + os.path.join(home, "known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
            "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no", "-o", "ConnectTimeout=120",
            *extra]


def valgrind_argv(logdir):
    return ["valgrind", "--tool=memcheck", "--log-file=%s/vg.%%p" % logdir, "--error-exitcode=99",
            "--leak-check=full", "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
            "--track-origins=yes", "--num-callers=30", "--trace-children=yes",
            "--trace-children-skip=" + ",".join(SKIP), "--child-silent-after-fork=yes"]


class SlowDaemon(Daemon):
    """A Daemon whose start-up waits are long enough for valgrind."""

    def wait_for_file(self, path, timeout_s=5.0):
        super().wait_for_file(path, timeout_s=120.0)


def wait_log(d, text, timeout_s=120.0):
    deadline = time.monotonic() + timeout_s
    while text not in d.stderr():
        assert time.monotonic() < deadline and d.running(), "log never said %r:\n%s" % (text, d.stderr())
        time.sleep(0.1)


def reports(logdir):
    """{pid: (command, errors, definitely lost, indirectly lost, text)} of every valgrind log."""
    out = {}
    for path in sorted(glob.glob(os.path.join(logdir, "vg.*"))):
        text = open(path, errors="replace").read()
        cmd = re.search(r"== Command: (.*)", text)
        errors = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        lost = {k: int(v.replace(",", "")) for k, v in re.findall(r"(definitely|indirectly) lost: ([\d,]+) bytes", text)}
        out[path.rsplit(".", 1)[1]] = (cmd.group(1) if cmd else "?", int(errors.group(1)) if errors else None,
                                       lost.get("definitely", 0), lost.get("indirectly", 0), text)
    return out


def test_failsafe_session_under_memcheck():
    assert shutil.which("valgrind"), "valgrind is missing (tools/bootstrap.sh installs it)"
    r = Router()
    payload, good, *_ = images(r, size=1 << 20)
    logdir = r.scratch("valgrind")
    os.makedirs(logdir)
    with Scene() as s:
        shadow = s.tmpfile("fsd-shadow.")
        with open(shadow, "w") as f:
            f.write("root::19000:0:99999:7:::\n")
        reboot = r.scratch("fake-reboot")
        with open(reboot, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(reboot, 0o755)
        prefix = s.lan.in_board() + ["unshare", "-m", "--propagation", "private", "sh", "-c", PRIVATE_ROOT,
                                     shadow] + valgrind_argv(logdir)
        d = SlowDaemon("--root", r.root, "--rootfs-data", r.data, "--firmware", r.fw, "--reboot-cmd", reboot,
                       prefix=prefix, cmdline="failsafe=1", shell="/bin/sh")
        s.daemons.append(d)
        d.expect("- failsafe -", timeout_s=120)
        for line in ("telnet: listening", "recovery: page on"):
            wait_log(d, line)

        # telnet: a real client, a command, logout
        t = subprocess.run(s.lan.in_pc() + ["expect", "-c", TELNET], capture_output=True, text=True, timeout=300)
        assert t.returncode == 0 and "TELNET-OK" in t.stdout, t.stdout + t.stderr

        # SSH: the host keys are made at entry by dropbearkey (loop children); one login, one command
        wait_log(d, "ssh: listening")
        home = r.scratch("pc-home")
        os.makedirs(home, exist_ok=True)
        deadline = time.monotonic() + 300
        while True:
            x = subprocess.run(s.lan.in_pc() + ssh_argv(home, "root@192.168.1.1", "echo ssh-$((6*7))"),
                               capture_output=True, text=True, timeout=300)
            if x.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)   # a key still being made: dropbear is started once it is there
        assert x.returncode == 0 and "ssh-42" in x.stdout, (x.returncode, x.stdout, x.stderr, d.stderr())

        # the page: the status, an upload verified on the way in, the confirmation, sysupgrade writing the firmware
        code, body = curl(s, URL + "/", json_accept=False)
        assert code == 200 and "<form" in body, body
        code, body = curl(s, "-T", good, URL + "/upload")
        assert code == 200 and json.loads(body)["image"]["flashable"], body
        code, body = curl(s, "-X", "POST", URL + "/flash")
        assert code == 202, body
        st = wait_phase(s, ("done", "failed"), timeout_s=600)
        assert st["phase"] == "done" and st["exit_code"] == 0, st
        assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload), "the firmware holds the payload"
        code, body = curl(s, URL + "/config.tgz", json_accept=False, raw_to=r.scratch("config.tgz"))
        assert code == 200, body

        # the status applet, itself under valgrind, over the control socket
        st = subprocess.run(s.lan.in_board() + valgrind_argv(logdir) + [FAILSAFED, "status", "--state-dir",
                            d.state_dir], capture_output=True, text=True, timeout=300)
        assert st.returncode == 0 and "failsafe" in st.stdout, (st.returncode, st.stdout, st.stderr)

        # the exit: SIGTERM in failsafe ends the daemon at once (128 + 15); valgrind then checks for leaks
        d.signal(signal.SIGTERM)
        rc = d.wait_exit(timeout_s=300)

    got = reports(logdir)
    ours = {pid: v for pid, v in got.items() if os.path.basename(v[0].split()[0]).startswith("failsafed")}
    others = {pid: v[0] for pid, v in got.items() if pid not in ours}
    print("valgrind logs: %d of failsafed (%s), %d of other programs (not checked: %s)" % (
        len(ours), "; ".join(sorted({" ".join(v[0].split()[1:2]) or "daemon" for v in ours.values()})),
        len(others), "; ".join(sorted(set(others.values())))))
    for pid, (cmd, errors, definite, indirect, _) in sorted(ours.items()):
        print("  pid %s: %s errors, %d B definitely and %d B indirectly lost: %s" % (
            pid, errors, definite, indirect, cmd[:100]))
    commands = " ".join(v[0] for v in ours.values())
    assert "sysupgrade" in commands, "the page's sysupgrade ran under valgrind too: %s" % commands
    assert len(ours) >= 3, "the daemon, its sysupgrade and the status applet: %s" % commands
    bad = {pid: v for pid, v in ours.items() if v[1] != 0}
    assert not bad, "\n\n".join("%s (pid %s):\n%s" % (v[0], pid, v[4][-8000:]) for pid, v in bad.items())
    assert rc == 128 + signal.SIGTERM, "the daemon's exit status under valgrind (99: valgrind found errors): %d" % rc


if __name__ == "__main__":
    run_tests([test_failsafe_session_under_memcheck])
