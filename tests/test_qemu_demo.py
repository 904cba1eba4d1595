"""tests/test_qemu_demo.py — tools/demo.sh --board qemu: the scripted transcript and the interactive console.

The scripted story must show the real kernel's console, the LED patterns read from QEMU's GPIO trace, the button
pressed from the host, failsafectl listen on the PC side hearing the countdown and "Entering Failsafe!", a telnet
login, and a second boot whose address goes away. The interactive mode runs on a pty (expect): the LED panel is
drawn, Ctrl-B presses the button, the console takes typing, Ctrl-] ends the demo. Either way the demo leaves no
QEMU and no namespace behind. The PC's failsafectl is this build's (FAILSAFECTL), so the demo builds nothing.
"""
import os
import re
import subprocess

import test_qemu_board as qb
from fsd import FAILSAFECTL, run_tests

ROOT = qb.ROOT
DEMO = os.path.join(ROOT, "tools", "demo.sh")


def env():
    e = dict(os.environ)
    e["FAILSAFECTL"] = os.path.abspath(FAILSAFECTL)
    return e


def demo_leftovers(pid):
    """The namespace a demo run with this PID left, and any QEMU a demo left (its scratch dir is in QEMU's
    arguments; the QEMU tests run serially, so no other demo is running)."""
    ns = [n for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
          if n == "fsd-demo-qpc-%d" % pid]
    qemus = [p for p in subprocess.run(["pgrep", "-af", "qemu-system-aarch64"], capture_output=True,
                                       text=True).stdout.splitlines() if "/tmp/failsafed-qemu-demo." in p]
    return ns + qemus


def test_setup():
    print("  setup + initramfs: %.1f s" % qb.ensure_setup(qb.VARIANTS["gpiod1"]), flush=True)


def test_scripted_transcript():
    p = subprocess.Popen([DEMO, "--board", "qemu", "--scripted"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True, env=env(), cwd=ROOT)
    try:
        out, _ = p.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        p.terminate()                     # the demo's trap ends its QEMU and deletes its namespace
        try:
            out, _ = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        raise AssertionError("the scripted demo took more than 240 s:\n" + out)
    assert p.returncode == 0, "rc %d:\n%s" % (p.returncode, out)
    # The story, in order.
    steps = [
        r"== failsafed demo \(scripted\): the QEMU arm64 board, Linux 6\.1\.\S+-arm64 under TCG, its LAN port a tap",
        r"\[board console\] Press the \[f\] key and hit \[enter\] to enter failsafe mode",
        r"\[pc: failsafectl listen\] 192\.168\.1\.1 qemu-virt: Please press button now to enter failsafe \[window, "
        r"\d\.\d s left",
        r"\[leds +[\d.]+ s\] boot LED \(PL061 line 5\): blinking (80|90|100|110|120) ms on",
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
    assert re.search(r"\[leds +[\d.]+ s\] failsafe LED \(PL061 line 6\): blinking (40|50|60) ms on", out), out
    assert "inet 192.168.1.1" not in out.split("== a second boot")[1].split("restored as found")[1], out
    print("  " + out.strip().splitlines()[-1].strip(), flush=True)
    assert not demo_leftovers(p.pid), "the demo left %s" % demo_leftovers(p.pid)


INTERACTIVE = r'''
set timeout 40
log_user 0
spawn DEMO --board qemu --window-ms 8000
expect {
    "row 1 is the LED panel" {}
    timeout { puts "NO-START"; exit 2 }
}
expect {
    "failsafe window open for 8000 ms" {}
    timeout { puts "NO-WINDOW"; exit 3 }
}
expect {
    -re {\e7\e\[1;\d+H\e\[K +boot \e\[1;32m\(\*\)} {}
    timeout { puts "NO-PANEL"; exit 4 }
}
send "\x02"
expect {
    -- "- failsafe button power was pressed -" {}
    timeout { puts "NO-PRESS"; exit 5 }
}
expect {
    -re {failsafe \e\[1;32m\(\*\)} {}
    timeout { puts "NO-FAILSAFE-LED"; exit 6 }
}
# The console's shell starts right after the LED turns: typed again until the shell answers (at most 20 s).
set answered 0
for {set i 0} {$i < 10 && !$answered} {incr i} {
    send "echo typed-\$((6*7))\r"
    expect {
        -timeout 2
        "typed-42" { set answered 1 }
        timeout {}
    }
}
if {!$answered} { puts "NO-TYPING"; exit 7 }
send "\x1d"
expect {
    eof {}
    timeout { puts "NO-END"; exit 8 }
}
puts "INTERACTIVE-OK [exp_pid]"
'''


def test_interactive_on_a_pty():
    r = subprocess.run(["expect", "-c", INTERACTIVE.replace("DEMO", DEMO)], capture_output=True, text=True,
                       timeout=300, env=env(), cwd=ROOT)
    assert r.returncode == 0 and "INTERACTIVE-OK" in r.stdout, "rc %d: %s %s" % (r.returncode, r.stdout, r.stderr)
    pid = int(r.stdout.split("INTERACTIVE-OK")[1].split()[0])
    assert not demo_leftovers(pid), "the demo left %s" % demo_leftovers(pid)
    print("  panel drawn, Ctrl-B pressed the button, typing reached the console, Ctrl-] ended it", flush=True)


TESTS = [test_setup, test_scripted_transcript, test_interactive_on_a_pty]

if __name__ == "__main__":
    run_tests(TESTS)
