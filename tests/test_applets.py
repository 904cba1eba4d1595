"""tests/test_applets.py — the multi-call binary and the control socket: dispatch by name or first argument,
`failsafed status`, an LED phase held by a client (and given back when it goes), root only (SO_PEERCRED)."""
import os
import re
import socket
import stat
import subprocess
import tempfile
import time

from fsd import Daemon, FAILSAFED, PROMPT_DEBUG, run_tests


def status(d, *extra, user=None):
    argv = [FAILSAFED, "status", "--state-dir", d.state_dir] + list(extra)
    if user:
        argv = ["setpriv", "--reuid", str(user), "--regid", str(user), "--clear-groups"] + argv
    return subprocess.run(argv, capture_output=True, text=True, timeout=10)


def ask(d, request):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.connect(os.path.join(d.state_dir, "failsafed.sock"))
    c.settimeout(3)
    c.send(request.encode())
    return c, c.recv(4096).decode()


def test_status_in_the_window_and_in_failsafe():
    d = Daemon(window_ms=20000)
    try:
        d.expect(PROMPT_DEBUG)
        r = status(d)
        assert r.returncode == 0, r
        assert "on board sim (Simulated board, failsafed,sim)" in r.stdout, r.stdout
        m = re.search(r"state: +window open, ([0-9.]+) s left of 20.0 s", r.stdout)
        assert m and 10 < float(m.group(1)) <= 20, r.stdout
        assert "cause:   -" in r.stdout and "LEDs:    boot 100/100, failsafe off" in r.stdout, r.stdout
        d.ctl("click", "reset")
        d.expect("- failsafe -")
        r = status(d)
        assert "state:   failsafe" in r.stdout and "cause:   button reset" in r.stdout, r.stdout
        assert "boot off" in r.stdout and "failsafe 50/50" in r.stdout, r.stdout
        raw = status(d, "--raw").stdout
        assert "state=failsafe\n" in raw and "cause=button reset\n" in raw and raw.endswith("ok\n"), raw
    finally:
        d.stop()


def test_a_client_holds_an_led_phase_until_it_goes():
    d = Daemon(cmdline="failsafe=1")
    try:
        d.expect("- failsafe -")
        c, reply = ask(d, "led upgrade")
        assert reply == "ok\n", reply
        # the simulated board has no upgrade LED: the boot LED carries the upgrade pattern
        assert d.leds()["boot"] == "200/200", d.leds()
        assert "(an applet holds the upgrade phase)" in status(d).stdout
        c.close()                                   # a sysupgrade that ends, or crashes
        deadline = time.monotonic() + 3
        while d.leds().get("failsafe") != "50/50" or d.leds().get("boot") != "off":
            assert time.monotonic() < deadline, d.leds()
            time.sleep(0.05)
        _, reply = ask(d, "led sideways")
        assert reply.startswith("error: led: unknown phase"), reply
        _, reply = ask(d, "reboot")
        assert reply.startswith("error: unknown request"), reply
    finally:
        d.stop()


def test_a_failed_write_shows_until_one_completes():
    """sysupgrade tells the daemon how a write ended: a failure keeps failsafe with its own LED pattern and a line
    on the console and in status, until a write completes."""
    d = Daemon(cmdline="failsafe=1")
    try:
        d.expect("- failsafe -")
        c, reply = ask(d, "led upgrade")              # as sysupgrade holds it while writing
        assert reply == "ok\n", reply
        c.send(b"flash failed 8")
        assert c.recv(4096) == b"ok\n"
        assert d.leds()["boot"] == "200/200", d.leds()   # the hold still shows the upgrade phase
        c.close()
        deadline = time.monotonic() + 3
        while d.leds().get("boot") != "1000/200":     # sim: the boot LED carries failsafe's patterns
            assert time.monotonic() < deadline, d.leds()
            time.sleep(0.05)
        d.expect("the write failed (exit 8")
        st = status(d).stdout
        assert "state:   failsafe" in st and "flash:   failed (exit 8): still in failsafe, flash again" in st, st
        assert "flash=failed (exit 8)\n" in status(d, "--raw").stdout
        _, reply = ask(d, "flash failed 0")
        assert reply.startswith("error: flash:"), reply
        _, reply = ask(d, "flash ok")
        assert reply == "ok\n", reply
        deadline = time.monotonic() + 3
        while d.leds().get("boot") != "50/50":
            assert time.monotonic() < deadline, d.leds()
            time.sleep(0.05)
        assert "flash:   ok" in status(d).stdout
    finally:
        d.stop()


def test_root_only():
    d = Daemon(cmdline="failsafe=1")
    try:
        d.expect("- failsafe -")
        r = status(d, user=65534)
        assert r.returncode == 1 and "permission denied (the control socket is root only)" in r.stderr, r
        # even with the file opened up, the daemon asks the kernel who is calling
        os.chmod(d.dir, 0o755)
        os.chmod(d.state_dir, 0o755)
        os.chmod(os.path.join(d.state_dir, "failsafed.sock"), 0o666)
        r = status(d, user=65534)
        assert r.returncode == 1 and "failsafed status: root only" in r.stderr, r
        assert "refused a client (uid 65534" in d.stderr(), d.stderr()
        assert status(d).returncode == 0
    finally:
        d.stop()


def test_socket_is_private_and_removed():
    d = Daemon(window_ms=300)
    try:
        d.expect(PROMPT_DEBUG)
        mode = stat.S_IMODE(os.stat(os.path.join(d.state_dir, "failsafed.sock")).st_mode)
        assert mode == 0o600, oct(mode)
        assert d.wait_exit(5) == 0
        assert not os.path.exists(os.path.join(d.state_dir, "failsafed.sock"))
        r = status(d)
        assert r.returncode == 1 and "no failsafed answers on" in r.stderr, r
    finally:
        d.stop()


def test_dispatch():
    work = tempfile.mkdtemp(prefix="fsd-applets.")
    try:
        r = subprocess.run([FAILSAFED, "help"], capture_output=True, text=True, timeout=5)
        assert r.returncode == 0 and re.search(r"^  status +show the running daemon", r.stdout, re.M), r.stdout
        r = subprocess.run([FAILSAFED, "status", "--help"], capture_output=True, text=True, timeout=5)
        assert r.returncode == 0 and r.stdout.startswith("Usage: failsafed status"), r
        link = os.path.join(work, "status")
        os.symlink(os.path.abspath(FAILSAFED), link)
        r = subprocess.run([link, "--help"], capture_output=True, text=True, timeout=5)
        assert r.stdout.startswith("Usage: failsafed status"), r     # called by the link's name
        r = subprocess.run([FAILSAFED, "status", "--bogus"], capture_output=True, text=True, timeout=5)
        assert r.returncode == 2 and "--bogus: unknown option" in r.stderr, r
        r = subprocess.run([FAILSAFED, "nosuchapplet"], capture_output=True, text=True, timeout=5)
        assert r.returncode == 2 and "nosuchapplet: unexpected argument" in r.stderr, r   # the daemon's parser
        r = subprocess.run([FAILSAFED, "--version"], capture_output=True, text=True, timeout=5)
        assert r.returncode == 0 and r.stdout.startswith("failsafed "), r
    finally:
        subprocess.run(["rm", "-rf", work])


run_tests([test_status_in_the_window_and_in_failsafe, test_a_client_holds_an_led_phase_until_it_goes, test_root_only,
           test_socket_is_private_and_removed, test_dispatch])
