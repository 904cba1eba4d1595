"""tests/test_ssh.py — SSH in failsafe across network namespaces: Debian's ssh client against the daemon's
dropbear, one per connection. Login without a password, commands, the banner, host key fingerprints (console,
beacon, client), refusals (outside the subnet, forwarding, full, back-off), keys made without blocking and again
when gone, a board without dropbear, everything ended with the daemon.

The board's daemon runs in a mount namespace of the test's own where /etc/shadow gives root an empty password, as
OpenWrt's read-only root does; the host's files are never touched."""
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time

from fsd import Daemon, run_tests
from netns import Capture, Scene, read_udp, sh

BANNER = "================= FAILSAFE MODE active ================"
FP_LINE = re.compile(r"- ssh root@192\.168\.1\.1: (ED25519|RSA) key fingerprint is (\S+) -")
DROPBEAR = shutil.which("dropbear") or "/usr/sbin/dropbear"
DROPBEARKEY = shutil.which("dropbearkey") or "/usr/bin/dropbearkey"
# /dev/log, where a dropbear without -E would log, is hidden too: nothing reaches the host's syslog.
PRIVATE_ROOT = ('mount --bind "$0" /etc/shadow && { [ ! -e /dev/log ] || mount --bind /dev/null /dev/log; } '
                '&& exec "$@"')


def ssh_board(s, *args, cmdline="failsafe=1", expect_failsafe=True, window_ms=4000):
    """failsafed on the simulated board, entering failsafe (kernel command line), root's password empty."""
    shadow = s.tmpfile("fsd-shadow.")
    with open(shadow, "w") as f:
        f.write("root::19000:0:99999:7:::\n")
    prefix = s.lan.in_board() + ["unshare", "-m", "--propagation", "private", "sh", "-c", PRIVATE_ROOT, shadow]
    d = Daemon(*args, prefix=prefix, cmdline=cmdline, shell="/bin/sh", window_ms=window_ms)
    s.daemons.append(d)
    if expect_failsafe:
        d.expect("- failsafe -")
    return d


def wait_log(d, text, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while text not in d.stderr():
        assert time.monotonic() < deadline, "log never said %r:\n%s" % (text, d.stderr())
        time.sleep(0.02)


def fingerprints(d, want=("ED25519", "RSA"), timeout_s=10.0):
    """The fingerprints the console shows, once every key in want is there."""
    deadline = time.monotonic() + timeout_s
    while True:
        d.read_console(0.05)
        found = dict(FP_LINE.findall(d.out.decode(errors="replace")))
        if all(k in found for k in want):
            return found
        assert time.monotonic() < deadline, "console never showed %s:\n%s\n%s" % (want, d.out.decode(errors="replace"),
                                                                                  d.stderr())


def pc_home(d):
    home = os.path.join(d.dir, "pc-home")
    os.makedirs(home, exist_ok=True)
    return home


def ssh_argv(d, *extra, known_hosts="known_hosts"):
    """Debian's ssh, none of the host's configuration or keys, a known_hosts of the test's own."""
    home = pc_home(d)
    return ["env", "-i", "HOME=" + home, "PATH=" + os.environ["PATH"], "ssh", "-F", "/dev/null",
            "-o", "UserKnownHostsFile=" + os.path.join(home, known_hosts), "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=accept-new", "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
            "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no", "-o", "ConnectTimeout=15",
            *extra]


def ssh(s, d, *args, timeout_s=30, known_hosts="known_hosts"):
    return subprocess.run(s.lan.in_pc() + ssh_argv(d, *args, known_hosts=known_hosts), capture_output=True, text=True,
                          timeout=timeout_s)


def server_key(stderr):
    """The host key the client was shown (ssh -v)."""
    m = re.search(r"debug1: Server host key: (\S+) (\S+)", stderr)
    assert m, stderr
    return m.group(1), m.group(2)


def raw_connect(s, code_args, timeout_s=20):
    """Connect to the board's port 22 with a plain socket from the PC: what it says, and EOF or not."""
    code = ("import socket,sys; s=socket.create_connection(('192.168.1.1',22),5,%s); s.settimeout(5); b=b''\n"
            "while True:\n c=s.recv(4096)\n if not c: break\n b+=c\n"
            "print(b.decode(errors='replace')); print('EOF')") % code_args
    r = subprocess.run(s.lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=timeout_s)
    return r.stdout + r.stderr


RAW_ONE = ("import socket,sys\n"
           "def one():\n"
           " s=socket.create_connection(('192.168.1.1',22),5); s.settimeout(5); b=b''\n"
           " while True:\n"
           "  c=s.recv(4096)\n"
           "  if not c: break\n"
           "  b+=c\n"
           " return b.decode(errors='replace')+'\\nEOF'\n")


def raw_connect_twice(s, timeout_s=20):
    """Two connections to port 22 from one PC process, the second as soon as the first has ended: what each heard
    (the back-off's 1 s pause starts when the first ends; a second python3 in the namespace could start after it)."""
    code = RAW_ONE + "a=one(); b=one(); print(a); print('-----'); print(b)"
    r = subprocess.run(s.lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=timeout_s)
    first, _, second = (r.stdout + r.stderr).partition("-----")
    return first, second


class RawConnectOnCue:
    """A connection to port 22 whose python3 is started now and connects on go(): the connect lands within
    milliseconds of the cue, not after an interpreter's start on a loaded host."""
    def __init__(self, s):
        self.p = subprocess.Popen(s.lan.in_pc() + ["python3", "-c", RAW_ONE + "sys.stdin.readline(); print(one())"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def go(self, timeout_s=20):
        out, _ = self.p.communicate("go\n", timeout=timeout_s)
        return out


def beacon_fields(payload):
    parts = payload[2:].split(b"\0")
    fields = dict(tok.split("=", 1) for tok in parts[1].decode().split()) if len(parts) > 1 and parts[1] else {}
    return parts[0].decode(), fields


def captured(path):
    """The UDP frames tcpdump has written so far (none while the file has no header yet)."""
    try:
        return read_udp(path)
    except (OSError, struct.error):
        return []


def test_login_command_banner_fingerprints():
    """A command runs and its output and exit status come back; the banner shows; the host key ssh is shown
    is the one on the console and in the beacon, for ED25519 and for RSA (old clients)."""
    with Scene() as s:
        cap = Capture(s.lan, s.tmpfile("fsd-ssh-beacons.", ".pcap"))
        d = ssh_board(s)
        fps = fingerprints(d)
        # The beacons sent once the keys are made carry the fingerprints: wait until one is captured (tcpdump -U
        # writes each packet as it comes).
        deadline = time.monotonic() + 10
        while not any("ssh_rsa" in beacon_fields(p)[1] for (_, _, _, _, p) in captured(cap.path)):
            assert time.monotonic() < deadline, "no beacon with the fingerprints in 10 s"
            time.sleep(0.05)
        beacons = [beacon_fields(p) for (_, _, _, _, p) in cap.stop()]
        with_ssh = [f for (text, f) in beacons if text == "Entering Failsafe!" and "ssh_rsa" in f]
        assert with_ssh, beacons
        assert with_ssh[-1]["ssh_ed25519"] == fps["ED25519"] and with_ssh[-1]["ssh_rsa"] == fps["RSA"], (with_ssh, fps)
        assert with_ssh[-1]["state"] == "failsafe" and with_ssh[-1]["via"] == "cmdline", with_ssh

        r = ssh(s, d, "-v", "root@192.168.1.1", "echo answer-$((6*7)); echo applet=$(command -v firstboot); exit 3")
        assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
        assert "answer-42" in r.stdout, r.stdout
        assert "applet=%s/bin/firstboot" % d.state_dir in r.stdout, r.stdout   # the daemon's applets on PATH
        assert BANNER in r.stderr and "on board sim (Simulated board)" in r.stderr, r.stderr
        assert 'Authenticated to 192.168.1.1 ([192.168.1.1]:22) using "none"' in r.stderr, r.stderr
        assert server_key(r.stderr) == ("ssh-ed25519", fps["ED25519"]), (server_key(r.stderr), fps)

        r = ssh(s, d, "-v", "-o", "HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256", "root@192.168.1.1", "echo rsa-ok",
                known_hosts="known_hosts_rsa")
        assert r.returncode == 0 and "rsa-ok" in r.stdout, (r.stdout, r.stderr)
        assert server_key(r.stderr) == ("ssh-rsa", fps["RSA"]), (server_key(r.stderr), fps)
        err = d.stderr()
        assert "Auth succeeded with blank password for 'root'" in err, err   # dropbear's stderr in the daemon's log
        for kind in ("ED25519", "RSA"):
            m = re.search(r"ssh: made the %s host key in (\d+) ms" % kind, err)
            assert m, err
            print("  %s host key made in %s ms" % (kind, m.group(1)))


INTERACTIVE = r'''
set timeout 20
log_user 1
puts "T-START [clock milliseconds]"
spawn -noecho %s root@192.168.1.1
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "NO-BANNER"; exit 2 }
}
expect {
    -re {[#$] ?$} {}
    timeout { puts "NO-PROMPT"; exit 3 }
}
puts "T-PROMPT [clock milliseconds]"
send "echo tty-\$((6*7)) \$(tty)\r"
expect {
    -re {tty-42 /dev/pts} {}
    timeout { puts "NO-ANSWER"; exit 4 }
}
expect -re {[#$] ?$}
send "exit\r"
expect {
    eof {}
    timeout { puts "NO-EOF"; exit 5 }
}
puts "SESSION-OK"
'''


def test_interactive_login():
    """A terminal session: banner, the daemon's shell on a pty, a prompt; the time from connect to prompt."""
    with Scene() as s:
        d = ssh_board(s)
        fingerprints(d)
        script = INTERACTIVE % " ".join(ssh_argv(d))
        r = subprocess.run(s.lan.in_pc() + ["expect", "-c", script], capture_output=True, text=True, timeout=60)
        out = r.stdout.replace("\r", "")
        assert r.returncode == 0 and "SESSION-OK" in out, out
        t0 = int(re.search(r"T-START (\d+)", out).group(1))
        t1 = int(re.search(r"T-PROMPT (\d+)", out).group(1))
        print("  connect to prompt: %d ms" % (t1 - t0))
        assert t1 - t0 < 5000, out


def test_refused_outside_subnet():
    """A peer outside the failsafe subnet that has a route to the board gets one line and is closed, as telnet does."""
    with Scene() as s:
        lan = s.lan
        sh("ip", "-n", lan.pc, "addr", "add", "192.168.7.2/24", "dev", "pc0")
        d = ssh_board(s)
        wait_log(d, "eth0 up at")
        sh("ip", "-n", lan.board, "route", "add", "192.168.7.0/24", "dev", "eth0")
        fingerprints(d)
        out = raw_connect(s, "('192.168.7.2',0)")
        assert "failsafed: ssh only from the failsafe subnet 192.168.1.1/24" in out and "EOF" in out, out
        assert "SSH-2.0" not in out, out
        r = ssh(s, d, "-b", "192.168.7.2", "root@192.168.1.1", "echo should-not-run")
        assert r.returncode == 255 and "should-not-run" not in r.stdout, (r.stdout, r.stderr)
        assert "ssh 192.168.7.2" in d.stderr() and "refused: outside the failsafe subnet 192.168.1.1/24" in d.stderr(), d.stderr()
        # the subnet itself still gets in
        r = ssh(s, d, "root@192.168.1.1", "echo inside")
        assert r.returncode == 0 and "inside" in r.stdout, r.stderr


FORWARD_PROBE = r'''
import socket, time
def wait(port):
    for _ in range(200):
        try:
            c = socket.create_connection(("127.0.0.1", port), 2)
            c.settimeout(5)
            return c
        except OSError:
            time.sleep(0.05)
    raise SystemExit("no listener on %d" % port)
c = wait(2323)
print("L", c.recv(100))
c = wait(1080)
c.sendall(b"\x05\x01\x00")
print("D-hello", c.recv(2))
c.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("192.168.1.1") + (23).to_bytes(2, "big"))
try:
    print("D", c.recv(10)[:2])
except OSError as e:
    print("D", e)
'''


def test_forwarding_refused():
    """-L, -D and -W (direct-tcpip) and -R (tcpip-forward) are all refused: dropbear runs with -j -k."""
    with Scene() as s:
        d = ssh_board(s)
        fingerprints(d)
        r = ssh(s, d, "-W", "192.168.1.1:23", "root@192.168.1.1")
        assert r.returncode != 0 and "administratively prohibited" in r.stderr, (r.returncode, r.stderr)
        assert BANNER.encode() not in r.stdout.encode(), r.stdout
        r = ssh(s, d, "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:2222:127.0.0.1:22", "root@192.168.1.1")
        assert r.returncode == 255 and "remote port forwarding failed" in r.stderr, (r.returncode, r.stderr)
        fwd = subprocess.Popen(s.lan.in_pc() + ssh_argv(d, "-N", "-L", "127.0.0.1:2323:192.168.1.1:23",
                                                         "-D", "127.0.0.1:1080", "root@192.168.1.1"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            r = subprocess.run(s.lan.in_pc() + ["python3", "-c", FORWARD_PROBE], capture_output=True, text=True,
                               timeout=30)
        finally:
            fwd.terminate()
            _, err = fwd.communicate(timeout=10)
        assert "L b''" in r.stdout, (r.stdout, r.stderr)                 # closed, no telnet banner through it
        assert "D-hello b'\\x05\\x00'" in r.stdout, (r.stdout, r.stderr)  # the client's own SOCKS answer
        assert "D b'\\x05\\x00'" not in r.stdout, r.stdout                # but no connection through the board
        assert err.count("administratively prohibited") >= 2, err


def test_no_dropbear_keeps_telnet():
    """A board without dropbear: one log line, nothing on port 22, telnet as ever."""
    with Scene() as s:
        d = ssh_board(s, "--dropbear", "/nonexistent/dropbear")
        wait_log(d, "telnet: listening")
        wait_log(d, "eth0 up at")
        time.sleep(0.3)
        lines = [l for l in d.stderr().splitlines() if re.search(r"\bssh\b", l, re.I)]
        assert len(lines) == 1 and "no dropbear at /nonexistent/dropbear" in lines[0], lines
        out = raw_connect(s, "None")
        assert "Connection refused" in out, out
        code = ("import socket; s=socket.create_connection(('192.168.1.1',23),5); s.sendall(b'\\xff\\xf1'); "
                "s.settimeout(5); b=b''\n"
                "while b'FAILSAFE MODE active' not in b:\n b+=s.recv(4096)\nprint('TELNET-OK')")
        r = subprocess.run(s.lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=20)
        assert "TELNET-OK" in r.stdout, (r.stdout, r.stderr)
        assert "FAILSAFE MODE active" not in d.stderr()


class FakeBin:
    """A scratch directory standing in for /usr/sbin: a dropbear (the real one, or a script), maybe a slow
    dropbearkey beside it; removed on exit from the with-block."""

    def __init__(self, dropbear_script=None, keygen_delay_s=None, keygen_script=None):
        self.dir = tempfile.mkdtemp(prefix="fsd-fakebin.")
        self.dropbear = fake_dropbear(self.dir, dropbear_script, keygen_delay_s, keygen_script)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


def fake_dropbear(bin_dir, dropbear_script, keygen_delay_s, keygen_script):
    db = os.path.join(bin_dir, "dropbear")
    if dropbear_script:
        with open(db, "w") as f:
            f.write("#!/bin/sh\n" + dropbear_script)
        os.chmod(db, 0o755)
    else:
        os.symlink(DROPBEAR, db)
    if keygen_delay_s or keygen_script:
        kg = os.path.join(bin_dir, "dropbearkey")
        with open(kg, "w") as f:
            f.write("#!/bin/sh\n" + (keygen_script or "sleep %s\nexec %s \"$@\"\n" % (keygen_delay_s, DROPBEARKEY)))
        os.chmod(kg, 0o755)
    return db


TELNET_TIMED = ("import socket,time; t=time.monotonic(); s=socket.create_connection(('192.168.1.1',23),5); "
                "s.sendall(b'\\xff\\xf1'); "
                "s.settimeout(5); b=b''\nwhile b'FAILSAFE MODE active' not in b:\n b+=s.recv(4096)\n"
                "print('TELNET %.3f' % (time.monotonic()-t))")


def test_keys_made_without_blocking():
    """Keys are made by a child of the loop: while dropbearkey works (slowed down here), telnet answers at once and
    an SSH client that connects at entry waits and then gets in."""
    with Scene() as s, FakeBin(keygen_delay_s=3) as fake:   # 3 s: telnet must answer within it under ASan too
        d = ssh_board(s, "--dropbear", fake.dropbear)
        wait_log(d, "ssh: listening")
        t0 = time.monotonic()
        client = subprocess.Popen(s.lan.in_pc() + ssh_argv(d, "root@192.168.1.1", "echo late-but-in"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        r = subprocess.run(s.lan.in_pc() + ["python3", "-c", TELNET_TIMED], capture_output=True, text=True, timeout=20)
        telnet_s = time.monotonic() - t0
        log_at_telnet = d.stderr()
        out, err = client.communicate(timeout=30)
        ssh_s = time.monotonic() - t0
        assert "TELNET" in r.stdout, (r.stdout, r.stderr, telnet_s)
        # telnet answered while the key was still being made: the log had not said it was made
        assert "host key in" not in log_at_telnet, log_at_telnet
        assert client.returncode == 0 and "late-but-in" in out, (out, err)
        assert ssh_s >= 2.9, ssh_s                           # it waited for the key ...
        assert "waiting for a host key" in d.stderr(), d.stderr()
        print("  telnet answered after %.2f s; ssh got in after %.2f s (key made in 3 s + dropbearkey)"
              % (telnet_s, ssh_s))


SLOW_VERSION = 'if [ "$1" = -V ]; then sleep 3; fi\nexec %s "$@"\n' % DROPBEAR   # 3 s: an ASan twin's start


def test_client_waits_for_dropbear_version():
    """The keys exist before `dropbear -V` has answered (slowed down here): an early client waits, then gets in."""
    with Scene() as s, FakeBin(dropbear_script=SLOW_VERSION) as fake:
        d = ssh_board(s, "--dropbear", fake.dropbear)
        fingerprints(d, want=("ED25519",))
        assert "run per connection" not in d.stderr(), d.stderr()
        r = ssh(s, d, "root@192.168.1.1", "echo waited")
        assert r.returncode == 0 and "waited" in r.stdout, (r.stdout, r.stderr)
        err = d.stderr()
        assert "waiting for a host key and dropbear's version" in err, err
        assert err.index("waiting for a host key") < err.index("run per connection as dropbear"), err


BROKEN = 'if [ "$1" = -V ]; then echo "Dropbear v2024.86" >&2; exit 0; fi\necho "fake dropbear: broken" >&2\nexit 1\n'


def test_backoff_when_dropbear_fails():
    """A dropbear that dies at once: the client hears why; new connections are refused for 1 s, then 2 s, each step
    logged once; dropbear's words are in the daemon's log."""
    with Scene() as s, FakeBin(dropbear_script=BROKEN) as fake:
        d = ssh_board(s, "--dropbear", fake.dropbear)
        fingerprints(d)
        first, second = raw_connect_twice(s)
        assert "failsafed: SSH failed to start (exit 1)" in first and "EOF" in first, first
        assert "failsafed: SSH is paused for 1 s" in second, second
        time.sleep(1.1)
        first, second = raw_connect_twice(s)
        assert "failsafed: SSH failed to start" in first, first
        assert "failsafed: SSH is paused for 2 s" in second, second
        err = d.stderr()
        assert err.count("refusing SSH for 1 s") == 1 and err.count("refusing SSH for 2 s") == 1, err
        assert "fake dropbear: broken" in err, err
        assert d.running()


def test_no_key_pauses_ssh_keeps_telnet():
    """dropbearkey fails: no key, so SSH is refused with a line and paused (1 s, then 2 s); keys are tried again
    after each pause; telnet works throughout."""
    with Scene() as s, FakeBin(keygen_script='echo "fake dropbearkey: broken" >&2\nexit 1\n') as fake:
        probe = RawConnectOnCue(s)
        d = ssh_board(s, "--dropbear", fake.dropbear)
        wait_log(d, "no host key could be made; refusing SSH for 1 s")
        out = probe.go()
        assert "SSH is paused for 1 s" in out, out
        assert "fake dropbearkey: broken" in d.stderr(), d.stderr()
        time.sleep(1.1)
        out = raw_connect(s, "None")
        assert "failsafed: SSH has no host key (dropbearkey failed)" in out and "EOF" in out, out
        wait_log(d, "no host key could be made; refusing SSH for 2 s")
        assert not FP_LINE.search(d.out.decode(errors="replace"))
        r = subprocess.run(s.lan.in_pc() + ["python3", "-c", TELNET_TIMED], capture_output=True, text=True,
                           timeout=20)
        assert "TELNET" in r.stdout, (r.stdout, r.stderr)


NO_REEXEC = ('if [ "$1" = -V ]; then echo "Dropbear v2022.83" >&2; exit 0; fi\n'
             'for a; do [ "$a" = -2 ] && { echo "Invalid option -2" >&2; exit 1; }; done\n'
             'exec %s "$@"\n' % DROPBEAR)


def test_dropbear_without_reexec_falls_back():
    """Dropbear 2022.83 built without re-exec refuses -2: the same connection is served with -i, unaware."""
    with Scene() as s, FakeBin(dropbear_script=NO_REEXEC) as fake:
        d = ssh_board(s, "--dropbear", fake.dropbear)
        fingerprints(d)
        r = ssh(s, d, "root@192.168.1.1", "echo first-try")
        assert r.returncode == 0 and "first-try" in r.stdout, (r.stdout, r.stderr)
        err = d.stderr()
        assert "did not start as -E -2" in err and "now -i" in err, err
        assert "refusing SSH" not in err, err


def test_missing_keys_are_made_again():
    """Host keys that vanish from the tmpfs directory are made again before the next connection, and the new
    fingerprints reach the console and the client."""
    with Scene() as s:
        d = ssh_board(s)
        old = fingerprints(d)
        for kind in ("ed25519", "rsa"):
            os.unlink(os.path.join(d.state_dir, "ssh", "dropbear_%s_host_key" % kind))
        r = ssh(s, d, "-v", "root@192.168.1.1", "echo new-keys")
        assert r.returncode == 0 and "new-keys" in r.stdout, (r.stdout, r.stderr)
        assert "is gone" in d.stderr() and "making it again" in d.stderr(), d.stderr()
        deadline = time.monotonic() + 10
        while True:
            d.read_console(0.05)
            shown = FP_LINE.findall(d.out.decode(errors="replace"))
            new = dict(shown[2:])
            if "RSA" in new and "ED25519" in new:
                break
            assert time.monotonic() < deadline, shown
        assert new["ED25519"] != old["ED25519"] and new["RSA"] != old["RSA"], (old, new)
        assert server_key(r.stderr) == ("ssh-ed25519", new["ED25519"]), (server_key(r.stderr), new)
        assert oct(os.stat(os.path.join(d.state_dir, "ssh")).st_mode & 0o777) == "0o700"


def test_session_limit():
    with Scene() as s:
        d = ssh_board(s, "--ssh-max-sessions", "1")
        fingerprints(d)
        held = subprocess.Popen(s.lan.in_pc() + ssh_argv(d, "root@192.168.1.1", "echo held; sleep 30"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert held.stdout.readline().strip() == "held"
            out = raw_connect(s, "None")
            assert "failsafed: all 1 SSH sessions are in use" in out, out
        finally:
            held.terminate()
            held.communicate(timeout=10)
        deadline = time.monotonic() + 10
        while True:   # the slot frees once the board sees the client go
            r = ssh(s, d, "root@192.168.1.1", "echo next")
            if r.returncode == 0:
                break
            assert time.monotonic() < deadline, r.stderr
            time.sleep(0.2)
        assert "next" in r.stdout


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def children(pid):
    return len(subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True).stdout.split())


CYCLES = r'''
import socket
for i in range(40):
    s = socket.create_connection(("192.168.1.1", 22), 5)
    s.settimeout(5)
    hello = s.recv(64)
    assert hello.startswith(b"SSH-2.0-dropbear"), (i, hello)
    s.close()
print("CYCLES-OK")
'''


def test_cycles_leave_nothing_behind():
    """40 connections that hang up after the greeting and 5 logins: every dropbear reaped, every fd closed."""
    with Scene() as s:
        d = ssh_board(s)
        fingerprints(d)
        pid = d.proc.pid
        d.wait_lan_services()
        time.sleep(0.2)
        fd0, ch0 = fds(pid), children(pid)
        r = subprocess.run(s.lan.in_pc() + ["python3", "-c", CYCLES], capture_output=True, text=True, timeout=60)
        assert "CYCLES-OK" in r.stdout, (r.stdout, r.stderr)
        for i in range(5):
            r = ssh(s, d, "root@192.168.1.1", "echo login-%d" % i)
            assert r.returncode == 0 and "login-%d" % i in r.stdout, r.stderr
        deadline = time.monotonic() + 10
        while (fds(pid), children(pid)) != (fd0, ch0):
            assert time.monotonic() < deadline, ("fds %d -> %d, children %d -> %d"
                                                 % (fd0, fds(pid), ch0, children(pid)))
            time.sleep(0.1)
        assert "refusing SSH" not in d.stderr(), d.stderr()   # clients that hang up are not dropbear failing


def test_stop_ends_sessions():
    """SIGTERM to the daemon ends every SSH session with it: nothing of dropbear or the sessions stays behind."""
    with Scene() as s:
        d = ssh_board(s)
        fingerprints(d)
        client = subprocess.Popen(s.lan.in_pc() + ssh_argv(d, "root@192.168.1.1", "echo running; sleep 60"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert client.stdout.readline().strip() == "running"
        pids_before = sh("ip", "netns", "pids", s.lan.board).stdout.split()
        assert len(pids_before) >= 3, pids_before          # the daemon, dropbear, the command (and its shell)
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        assert d.wait_exit(5) == 128 + signal.SIGTERM
        client.communicate(timeout=10)
        print("  daemon and sessions gone in %.2f s" % (time.monotonic() - t0))
        deadline = time.monotonic() + 3
        while sh("ip", "netns", "pids", s.lan.board).stdout.split():
            left = ",".join(sh("ip", "netns", "pids", s.lan.board).stdout.split())
            assert time.monotonic() < deadline, sh("ps", "-o", "pid,args", "-p", left, check=False).stdout
            time.sleep(0.05)


def test_no_ssh_on_normal_path_or_when_disabled():
    with Scene() as s:
        d = ssh_board(s, window_ms=1500, cmdline="quiet", expect_failsafe=False)
        wait_log(d, "network: eth0 up at 192.168.1.1/24")   # the window's address answers: no SSH on it
        assert "Connection refused" in raw_connect(s, "None")
        assert d.wait_exit(5) == 0
        assert "ssh" not in d.stderr(), d.stderr()
    with Scene() as s:
        d = ssh_board(s, "--no-ssh")
        wait_log(d, "telnet: listening")
        wait_log(d, "eth0 up at")
        assert "Connection refused" in raw_connect(s, "None")
        assert not os.path.exists(os.path.join(d.state_dir, "ssh"))


run_tests([test_login_command_banner_fingerprints, test_interactive_login, test_refused_outside_subnet,
           test_forwarding_refused, test_no_dropbear_keeps_telnet, test_keys_made_without_blocking,
           test_client_waits_for_dropbear_version, test_backoff_when_dropbear_fails,
           test_no_key_pauses_ssh_keeps_telnet, test_dropbear_without_reexec_falls_back,
           test_missing_keys_are_made_again, test_session_limit, test_cycles_leave_nothing_behind,
           test_stop_ends_sessions, test_no_ssh_on_normal_path_or_when_disabled])
