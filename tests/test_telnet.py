"""tests/test_telnet.py — the failsafe telnet server across network namespaces: a real telnet client driven by
expect, NAWS and resizes, refusal outside the subnet, 200 connect/disconnect cycles without leaks."""
import os
import signal
import subprocess
import time

from fsd import FAILSAFECTL, run_tests
from netns import Scene, sh

BANNER = "================= FAILSAFE MODE active ================"


def failsafe_board(s, *args):
    d = s.daemon(*args, cmdline="failsafe=1", shell="/bin/sh")
    d.expect("- failsafe -")
    deadline = time.monotonic() + 5
    while "telnet: listening" not in d.stderr():
        assert time.monotonic() < deadline, d.stderr()
        time.sleep(0.02)
    return d


def expect_in_pc(lan, script, timeout_s=30):
    r = subprocess.run(lan.in_pc() + ["expect", "-c", script], capture_output=True, text=True, timeout=timeout_s)
    return r.returncode, r.stdout.replace("\r", "")


SESSION = r'''
set timeout 10
log_user 1
spawn -noecho telnet 192.168.1.1
stty rows 40 columns 100 < $spawn_out(slave,name)
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
expect -re {[#$] ?$}
send "stty size\r"
expect {
    "40 100" {}
    timeout { puts "NO-NAWS"; exit 4 }
}
expect -re {[#$] ?$}
stty rows 50 columns 120 < $spawn_out(slave,name)
exec kill -WINCH [exp_pid]
sleep 0.3
send "stty size\r"
expect {
    "50 120" {}
    timeout { puts "NO-RESIZE"; exit 5 }
}
expect -re {[#$] ?$}
send "exit\r"
expect {
    eof {}
    timeout { puts "NO-EOF"; exit 6 }
}
puts "SESSION-OK"
'''


def test_session_with_real_telnet():
    with Scene() as s:
        lan = s.lan
        d = failsafe_board(s)
        rc, out = expect_in_pc(lan, SESSION)
        assert rc == 0 and "SESSION-OK" in out, out
        assert BANNER in out and "on board sim (Simulated board)" in out, out
        assert "firstboot" in out and "mount_root" in out, out
        assert "the kernel command line" in out, out


def test_refused_outside_subnet():
    with Scene() as s:
        lan = s.lan
        # A second PC address outside 192.168.1.0/24, and a route back to it in the test's board namespace.
        sh("ip", "-n", lan.pc, "addr", "add", "192.168.7.2/24", "dev", "pc0")
        d = failsafe_board(s)
        deadline = time.monotonic() + 5
        while "eth0 up at" not in d.stderr():
            assert time.monotonic() < deadline, d.stderr()
            time.sleep(0.02)
        sh("ip", "-n", lan.board, "route", "add", "192.168.7.0/24", "dev", "eth0")
        code = ("import socket; s=socket.create_connection(('192.168.1.1',23),5,('192.168.7.2',0)); "
                "s.settimeout(5); print(s.recv(4096).decode(errors='replace')); print('EOF' if s.recv(1)==b'' else 'MORE')")
        r = subprocess.run(lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=20)
        assert "telnet only from the failsafe subnet" in r.stdout and "EOF" in r.stdout, (r.stdout, r.stderr)
        assert BANNER not in r.stdout


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def children(pid):
    r = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return len(r.stdout.split())


CYCLES = r'''
import socket, sys, time
i = busy = 0
while i < 200:
    s = socket.create_connection(("192.168.1.1", 23), 5)
    s.sendall(b"\xff\xf1")   # IAC NOP: a client says something first, then it gets a session (telnet_slots.h)
    s.settimeout(5)
    got = b""
    while b"FAILSAFE MODE active" not in got:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    s.close()
    if b"sessions are in use" in got:   # slots free once the hung-up shells are reaped
        busy += 1
        time.sleep(0.02)
        continue
    if b"FAILSAFE MODE active" not in got:
        sys.exit("closed early at cycle %d: %r" % (i, got[-200:]))
    i += 1
print("CYCLES-OK busy=%d" % busy)
'''


def test_200_cycles_leave_nothing_behind():
    with Scene() as s:
        lan = s.lan
        d = failsafe_board(s, "--no-ssh")   # SSH's key making at entry is a child of its own that ends meanwhile
        pid = d.proc.pid
        d.wait_lan_services()
        time.sleep(0.3)
        fd0, ch0 = fds(pid), children(pid)
        r = subprocess.run(lan.in_pc() + ["python3", "-c", CYCLES], capture_output=True, text=True, timeout=120)
        assert "CYCLES-OK" in r.stdout, (r.stdout, r.stderr)
        deadline = time.monotonic() + 10
        while (fds(pid), children(pid)) != (fd0, ch0):
            assert time.monotonic() < deadline, ("fds %d -> %d, children %d -> %d"
                                                 % (fd0, fds(pid), ch0, children(pid)))
            time.sleep(0.1)
        assert d.running()


LIMIT = r'''
import socket, time
held = []
for i in range(2):
    c = socket.create_connection(("192.168.1.1", 23), 5)
    c.sendall(b"\xff\xfd\x01")          # DO ECHO: a live telnet client that answers
    c.settimeout(5)
    got = b""
    while b"FAILSAFE MODE active" not in got:
        got += c.recv(4096)
    held.append(c)
time.sleep(0.3)
third = socket.create_connection(("192.168.1.1", 23), 5)
third.sendall(b"\xff\xfd\x01")
third.settimeout(5)
got = b""
while True:
    chunk = third.recv(4096)
    if not chunk:
        break
    got += chunk
print(got.decode(errors="replace"))
held[0].close()
# the slot frees once the daemon has seen the hang-up and reaped the shell: tried again until then (10 s at most)
deadline = time.monotonic() + 10
while True:
    fourth = socket.create_connection(("192.168.1.1", 23), 5)
    fourth.sendall(b"\xff\xfd\x01")
    fourth.settimeout(5)
    got = b""
    while b"FAILSAFE MODE active" not in got:
        chunk = fourth.recv(4096)
        if not chunk:
            break
        got += chunk
    if b"FAILSAFE MODE active" in got:
        break
    fourth.close()
    if time.monotonic() > deadline:
        raise SystemExit("the freed slot never came back within 10 s: %r" % got[-200:])
    time.sleep(0.05)
print("FOURTH-OK")
'''


def test_session_limit():
    """Live clients that just answered are never evicted: a third is refused with one line, at once."""
    with Scene() as s:
        lan = s.lan
        failsafe_board(s, "--telnet-max-sessions", "2")
        r = subprocess.run(lan.in_pc() + ["python3", "-c", LIMIT], capture_output=True, text=True, timeout=30)
        assert "failsafed: all 2 sessions are in use" in r.stdout, (r.stdout, r.stderr)
        assert "FOURTH-OK" in r.stdout, "a slot frees when a session ends: %s %s" % (r.stdout, r.stderr)


def test_idle_timeout():
    with Scene() as s:
        lan = s.lan
        d = failsafe_board(s, "--telnet-idle-ms", "700")
        code = ("import socket,time; s=socket.create_connection(('192.168.1.1',23),5); s.sendall(b'\\xff\\xf1'); "
                "s.settimeout(5); t=time.time(); b=b''\n"
                "while True:\n c=s.recv(4096)\n if not c: break\n b+=c\n"
                "print('IDLE' if b'idle timeout' in b else 'NO-IDLE', round(time.time()-t,2))")
        r = subprocess.run(lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=20)
        word, secs = r.stdout.split()
        assert word == "IDLE" and 0.6 < float(secs) < 3, (r.stdout, r.stderr)


FSCTL_TELNET = r'''
set timeout 20
log_user 1
spawn -noecho %s telnet --timeout 20
expect {
    "FAILSAFE MODE active" {}
    timeout { puts "NO-BANNER"; exit 2 }
}
expect -re {[#$] ?$}
send "echo via-failsafectl-\$((40+2))\r"
expect {
    "via-failsafectl-42" {}
    timeout { puts "NO-ANSWER"; exit 3 }
}
send "exit\r"
expect {
    eof {}
    timeout { puts "NO-EOF"; exit 4 }
}
puts "FSCTL-OK"
'''


def test_failsafectl_telnet_waits_for_the_board():
    """failsafectl telnet without an address: waits for "Entering Failsafe!" and telnets to its sender."""
    with Scene() as s:
        lan = s.lan
        pc = subprocess.Popen(lan.in_pc() + ["expect", "-c", FSCTL_TELNET % os.path.abspath(FAILSAFECTL)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.3)
        d = s.daemon(window_ms=10000)
        d.expect("select the debug level")
        time.sleep(1.2)
        d.write("f\n")
        out, _ = pc.communicate(timeout=40)
        assert pc.returncode == 0 and "FSCTL-OK" in out, out
        assert "Trying 192.168.1.1" in out, out


def test_no_telnet_on_normal_path():
    with Scene() as s:
        lan = s.lan
        d = s.daemon(window_ms=1500)
        time.sleep(0.8)
        code = ("import socket\ntry:\n socket.create_connection(('192.168.1.1',23),3)\n print('CONNECTED')\n"
                "except OSError as e:\n print('REFUSED', e)")
        r = subprocess.run(lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=20)
        assert "REFUSED" in r.stdout, r.stdout
        assert d.wait_exit(5) == 0


run_tests([test_session_with_real_telnet, test_refused_outside_subnet, test_200_cycles_leave_nothing_behind,
           test_session_limit, test_idle_timeout, test_failsafectl_telnet_waits_for_the_board, test_no_telnet_on_normal_path])
