"""tests/test_flash_e2e.py — the recovery story end to end: a board in failsafe in its own network and mount
namespaces, a PC on its LAN port; telnet in, mount_root, change a setting, sysupgrade from `failsafectl serve`
on the PC (and with plain nc), then check the partition, the settings, the output and the upgrade LED."""
import os
import subprocess
import time

import storagefix  # noqa: F401  (re-executes under unshare -m first: loop devices and mounts stay ours)
from storagefix import FAILSAFECTL, FAILSAFED, Router, make_image, sha256_file
from fsd import run_tests
from netns import Scene

SESSION = r'''
set timeout 60
log_user 1
spawn -noecho telnet 192.168.1.1
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "E2E-NO-BANNER"; exit 2 }
}
expect -re {[#$] ?$}
send "mount_root\r"
expect {
    "overlay on" {}
    timeout { puts "E2E-NO-MOUNT"; exit 3 }
}
expect -re {[#$] ?$}
send "echo 'kept-across-the-upgrade' > \$FAILSAFED_ROOT/etc/config/network\r"
expect -re {[#$] ?$}
send "%(upgrade)s\r"
expect {
    "Upgrade completed" {}
    "sysupgrade: " { exp_continue }
    timeout { puts "E2E-NO-UPGRADE"; exit 4 }
}
expect -re {[#$] ?$}
send "cat \$FAILSAFED_ROOT/etc/config/network; echo E2E-DONE-\$((6*7))\r"
expect {
    "E2E-DONE-42" {}
    timeout { puts "E2E-NO-END"; exit 5 }
}
send "exit\r"
expect eof
'''


def board(s, r):
    """failsafed in the board namespace, in a mount namespace of its own where rom is mounted at the root."""
    d = s.daemon("--root", r.root, "--rootfs-data", r.data, "--firmware", r.fw, cmdline="failsafe=1",
                 shell="/bin/sh")
    d.expect("- failsafe -")
    deadline = time.monotonic() + 5
    while "telnet: listening" not in d.stderr():
        assert time.monotonic() < deadline, d.stderr()
        time.sleep(0.02)
    return d


def run_flash(upgrade_cmd, serve_argv):
    r = Router()
    body = r.scratch("payload.bin")
    with open(body, "wb") as f:
        f.write(os.urandom(5 << 20))
    img = make_image(body, r.scratch("fw.img"), version="9.9.9")
    with Scene() as s:
        d = board(s, r)
        serve = subprocess.Popen(s.lan.in_pc() + serve_argv(img), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True)
        try:
            time.sleep(0.5)
            res = subprocess.run(s.lan.in_pc() + ["expect", "-c", SESSION % {"upgrade": upgrade_cmd}],
                                 capture_output=True, text=True, timeout=120)
            out = res.stdout.replace("\r", "")
            assert res.returncode == 0, out
            serve_out = serve.communicate(timeout=20)[0]
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait()
        patterns = d.patterns()
        d.stop()
    return r, body, img, out, serve_out, patterns


def test_sysupgrade_from_failsafectl_serve():
    r, body, img, out, serve_out, patterns = run_flash(
        "sysupgrade tcp://192.168.1.2:3333",
        lambda img: [FAILSAFECTL, "serve", img, "--port", "3333", "--once", "--timeout", "60"])
    assert r.fw_sha(os.path.getsize(body)) == sha256_file(body), "the partition holds the payload"
    for line in ("SHA-256 of the payload: " + sha256_file(body), "Saving config files...", "Verified:",
                 "Config files restored", "kept-across-the-upgrade"):
        assert line in out, (line, out)
    assert "version:  OpenWrt 9.9.9" in serve_out, serve_out
    assert "192.168.1.1" in serve_out and "done" in serve_out, serve_out
    # the daemon showed the upgrade phase while sysupgrade wrote, then went back to failsafe
    seen = [p for _, role, _, p in patterns if role == "boot"]
    assert "200/200" in seen, patterns
    assert seen[-1] == "off" and [p for _, role, _, p in patterns if role == "failsafe"][-1] == "50/50", patterns


def test_sysupgrade_with_plain_nc():
    """The old wiki recipe keeps working: BusyBox nc on the board (as on OpenWrt) fetches, sysupgrade flashes."""
    r, body, img, out, serve_out, _ = run_flash(
        "busybox nc 192.168.1.2 3333 > /tmp/fsd-e2e-fw.bin && sysupgrade /tmp/fsd-e2e-fw.bin; rm -f /tmp/fsd-e2e-fw.bin",
        lambda img: [FAILSAFECTL, "serve", img, "--port", "3333", "--once", "--timeout", "60"])
    assert r.fw_sha(os.path.getsize(body)) == sha256_file(body)
    assert "Upgrade completed" in out and "kept-across-the-upgrade" in out, out


run_tests([test_sysupgrade_from_failsafectl_serve, test_sysupgrade_with_plain_nc])
