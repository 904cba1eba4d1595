"""tests/recoveryfix.py — a board in failsafe with the recovery page, for the recovery tests: failsafed in its own
network namespace (tests/netns.py) on the loop-device router of tests/storagefix.py, curl in the PC's namespace,
and the images the tests upload (good, for another board, a flipped byte, truncated).

Import it first (it imports storagefix, which re-executes the test under `unshare -m`)."""
import json
import os
import subprocess
import time

import storagefix  # noqa: F401  (re-executes under unshare -m first: loop devices and mounts stay ours)
from storagefix import make_image

URL = "http://192.168.1.1"


def board(s, r, *extra, extra_env=None):
    """failsafed in failsafe, the recovery page on port 80, a fake reboot that leaves a mark (extra_env: more
    variables for the daemon)."""
    mark = r.scratch("rebooted")
    reboot = r.scratch("fake-reboot")
    with open(reboot, "w") as f:
        f.write("#!/bin/sh\necho rebooted > %s\n" % mark)
    os.chmod(reboot, 0o755)
    d = s.daemon("--root", r.root, "--rootfs-data", r.data, "--firmware", r.fw, "--reboot-cmd", reboot,
                 "--http-stall-ms", "2000", *extra, cmdline="failsafe=1", shell="/bin/sh",
                 extra_env=extra_env)
    d.expect("- failsafe -")
    deadline = time.monotonic() + 5
    while "recovery: page on" not in d.stderr():
        assert time.monotonic() < deadline, d.stderr()
        time.sleep(0.02)
    d.wait_lan_services()   # up means the LAN services too (tests count the daemon's fds from here)
    return d, mark


def curl(s, *args, json_accept=True, timeout=120, raw_to=None):
    """(status, body) of one curl run in the PC namespace (raw_to: the body into that file, body "")."""
    argv = s.lan.in_pc() + ["curl", "-sS", "-o", raw_to or "-", "-w", "\n%{http_code}", "--max-time", str(timeout)]
    if json_accept:
        argv += ["-H", "Accept: application/json"]
    r = subprocess.run(argv + list(args), capture_output=True, timeout=timeout + 10)
    out = r.stdout.decode(errors="replace")
    body, _, code = out.rpartition("\n")
    assert r.returncode == 0, (args, r.returncode, r.stderr.decode(errors="replace"), out)
    return int(code), body


def state(s):
    code, body = curl(s, URL + "/status")
    assert code == 200, body
    return json.loads(body)


def wait_phase(s, phases, timeout_s=60):
    end = time.monotonic() + timeout_s
    while True:
        st = state(s)
        if st["phase"] in phases:
            return st
        assert time.monotonic() < end, st
        time.sleep(0.1)


def images(r, size=3 << 20):
    payload = r.scratch("payload.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(size))
    good = make_image(payload, r.scratch("good.img"), version="7.7.7")
    other = make_image(payload, r.scratch("other.img"), boards=("acme,other-router",))
    data = open(good, "rb").read()
    bad = r.scratch("badcrc.img")
    with open(bad, "wb") as f:
        f.write(data[:1000] + bytes([data[1000] ^ 1]) + data[1001:])
    trunc = r.scratch("truncated.img")
    with open(trunc, "wb") as f:
        f.write(data[:-7])
    return payload, good, other, bad, trunc
