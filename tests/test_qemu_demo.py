"""tests/test_qemu_demo.py — tools/demo.sh --board qemu: the scripted transcript and the interactive console.

The scripted story must show the real kernel's console, the LED patterns read from QEMU's GPIO trace, the button
pressed from the host, failsafectl listen on the PC side hearing the countdown and "Entering Failsafe!", a telnet
login, and a second boot whose address goes away. The interactive mode runs on a pty (expect): the LED panel is
drawn, Ctrl-B presses the button, the console takes typing, Ctrl-] ends the demo. Either way the demo leaves no
QEMU and no namespace behind. The PC's failsafectl is this build's (FAILSAFECTL), so the demo builds nothing, and
its board is this build directory's (QEMU_BUILD_DIR, set up by the fixture qemu_setup).
"""
import os
import re
import subprocess
import tempfile

import test_qemu_board as qb
from fsd import FAILSAFECTL, run_tests

ROOT = qb.ROOT
DEMO = os.path.join(ROOT, "tools", "demo.sh")


def env():
    e = dict(os.environ)
    e["FAILSAFECTL"] = os.path.abspath(FAILSAFECTL)
    e["QEMU_BUILD_DIR"] = qb.BUILD
    return e


def tail(text, n=25):
    """The last lines of a transcript, without the LED panel's escape sequences."""
    text = re.sub(r"\x1b7.*?\x1b8|\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")
    lines = [l for l in text.splitlines() if l.strip()][-n:]
    return "\n".join("   | " + l for l in lines)


def demo_leftovers(pid):
    """The namespace a demo run with this PID left, and any QEMU a demo of this build directory left (its scratch
    dir and this build directory's kernel are in QEMU's arguments; this build directory's QEMU tests run one at
    a time, so no other demo of it is running). A demo of another build directory (a test series there) may run
    meanwhile: its QEMU boots that directory's kernel, and is not this demo's."""
    ns = [n for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
          if n == "fsd-demo-qpc-%d" % pid]
    mine = os.path.join(qb.BUILD, "")
    qemus = [p for p in subprocess.run(["pgrep", "-af", "qemu-system-aarch64"], capture_output=True,
                                       text=True).stdout.splitlines()
             if "/tmp/failsafed-qemu-demo." in p and " -kernel " + mine in p]
    return ns + qemus


def test_setup():
    print("  setup + initramfs: %.1f s" % qb.ensure_setup(qb.VARIANTS["gpiod1"]), flush=True)


def test_scripted_transcript():
    # A 10 s window: the press waits for the boot LED's pattern and the PC's first beacon, however slow the host.
    p = subprocess.Popen([DEMO, "--board", "qemu", "--scripted", "--window-ms", "10000"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, env=env(), cwd=ROOT)
    try:
        out, _ = p.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        p.terminate()                     # the demo's trap ends its QEMU and deletes its namespace
        try:
            out, _ = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        raise AssertionError("the scripted demo took more than 240 s (the bound); its last lines:\n" + tail(out))
    assert p.returncode == 0, "the scripted demo exited %d; its last lines:\n%s" % (p.returncode, tail(out))
    # Before the press (the demo waits for both, in either order): the PC hears the countdown, the boot LED blinks.
    press = out.find("[host] pressing the power button")
    for s in (r"\[pc: failsafectl listen\] 192\.168\.1\.1 qemu-virt: Please press button now to enter failsafe "
              r"\[window, \d\.\d s left",
              r"\[leds +[\d.]+ s\] boot LED \(PL061 line 5\): blinking (80|90|100|110|120|130) ms on"):
        m = re.compile(s).search(out)
        assert m and m.start() < press, "the transcript lacks %r before the press:\n%s" % (s, out)
    # The story, in order.
    steps = [
        r"== failsafed demo \(scripted\): the QEMU arm64 board, Linux 6\.1\.\S+-arm64 under TCG, its LAN port a tap",
        r"\[board console\] Press the \[f\] key and hit \[enter\] to enter failsafe mode",
        r"\[host\] pressing the power button: tools/qemu/qmp.py qmp.sock system_powerdown",
        r"\[board console\] - failsafe button power was pressed -",
        r"\[pc: failsafectl listen\] 192\.168\.1\.1 qemu-virt: Entering Failsafe! \[failsafe",
        r"\[pc: telnet\] =+ FAILSAFE MODE active =+",
        r"\[pc: telnet\] hello from aarch64 Linux 6\.1\.\S+, in failsafe by button power",
        r"== LED changes",
        r"== a second boot, nobody presses",
        r"\[pc\] ping 192\.168\.1\.1: answered \(the window is open\)",
        r"\[board console\] failsafed: no failsafe: continuing the boot",
        r"\[board console\] failsafed: network: eth0 restored as found",
        r"\[pc\] ping 192\.168\.1\.1: no answer \(address removed",
        r"== done in \d+ ms",
    ]
    pos = 0
    for s in steps:
        m = re.compile(s).search(out, pos)
        assert m, "the transcript lacks (after offset %d) %r:\n%s" % (pos, s, out)
        pos = m.end()
    # The patterns as QEMU's trace shows them, within what test_qemu_board accepts for a median (35..70, 80..130 ms):
    # a guest that is not scheduled for a while toggles late.
    m = re.search(r"\[leds +[\d.]+ s\] failsafe LED \(PL061 line 6\): (blinking .*)", out)
    assert m and re.match(r"blinking (40|50|60|70) ms on", m.group(1)), \
        "the transcript names the failsafe LED's pattern %r, not blinking 40..70 ms:\n%s" % (m and m.group(1), out)
    assert "inet 192.168.1.1" not in out.split("== a second boot")[1].split("restored as found")[1], \
        "the board still has 192.168.1.1 after the second boot's window:\n%s" % out
    print("  " + out.strip().splitlines()[-1].strip(), flush=True)
    assert not demo_leftovers(p.pid), "the demo left %s" % demo_leftovers(p.pid)


# The timeouts are upper bounds (a loaded host boots the guest in 20+ s); the window is long enough that the press
# comes inside it however slow the host.
INTERACTIVE = r'''
set timeout 120
log_user 0
log_file -a -noappend TRANSCRIPT
spawn DEMO --board qemu --window-ms 30000
expect {
    "row 1 is the LED panel" {}
    timeout { puts "NO-START"; exit 2 }
    eof { puts "NO-START (the demo ended)"; exit 2 }
}
expect {
    "failsafe window open for 30000 ms" {}
    timeout { puts "NO-WINDOW"; exit 3 }
    eof { puts "NO-WINDOW (the demo ended)"; exit 3 }
}
expect {
    -re {\e7\e\[1;\d+H\e\[K +boot \e\[1;32m\(\*\)} {}
    timeout { puts "NO-PANEL"; exit 4 }
    eof { puts "NO-PANEL (the demo ended)"; exit 4 }
}
send "\x02"
expect {
    -- "- failsafe button power was pressed -" {}
    timeout { puts "NO-PRESS"; exit 5 }
    eof { puts "NO-PRESS (the demo ended)"; exit 5 }
}
expect {
    -re {failsafe \e\[1;32m\(\*\)} {}
    timeout { puts "NO-FAILSAFE-LED"; exit 6 }
    eof { puts "NO-FAILSAFE-LED (the demo ended)"; exit 6 }
}
# The console's shell starts right after the LED turns, and what is typed before it reads is not its: typed
# again, every 2 s, until the shell answers (at most 10 times); how often is printed (TYPED n).
set answered 0
for {set i 1} {$i <= 10 && !$answered} {incr i} {
    send "echo typed-\$((6*7))\r"
    expect {
        -timeout 2
        "typed-42" { set answered $i }
        timeout {}
    }
}
if {!$answered} { puts "NO-TYPING"; exit 7 }
puts "TYPED $answered"
send "\x1d"
expect {
    eof {}
    timeout { puts "NO-END"; exit 8 }
}
puts "INTERACTIVE-OK [exp_pid]"
'''


def test_interactive_on_a_pty():
    with tempfile.NamedTemporaryFile(prefix="fsd-qemu-demo.", suffix=".log") as log:
        script = INTERACTIVE.replace("DEMO", DEMO).replace("TRANSCRIPT", log.name)
        r = subprocess.run(["expect", "-c", script], capture_output=True, text=True, timeout=300, env=env(), cwd=ROOT)
        seen = open(log.name, errors="replace").read()
    # NO-<STEP>: what was awaited (the expect script's names), then what the pty showed last.
    assert r.returncode == 0 and "INTERACTIVE-OK" in r.stdout, "expect exited %d: %s%s; the pty's last lines:\n%s" % (
        r.returncode, r.stdout.strip(), r.stderr.strip(), tail(seen))
    pid = int(r.stdout.split("INTERACTIVE-OK")[1].split()[0])
    assert not demo_leftovers(pid), "the demo left %s" % demo_leftovers(pid)
    typed = int(re.search(r"TYPED (\d+)", r.stdout).group(1))
    print("  panel drawn, Ctrl-B pressed the button, typing reached the console%s, Ctrl-] ended it"
          % (" (typed %d times: the first before the shell read)" % typed if typed > 1 else ""), flush=True)


TESTS = [test_setup, test_scripted_transcript, test_interactive_on_a_pty]

if __name__ == "__main__":
    run_tests(TESTS)
