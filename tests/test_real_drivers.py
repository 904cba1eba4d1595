"""tests/test_real_drivers.py — a real-router build (mercusys_mr85x) on this host: sysfs LEDs in a scratch
directory, termios raw console on a pty, GPIO chip missing (logged, window still ends on time)."""
import os
import shutil
import signal
import tempfile
import time

from fsd import Daemon, PROMPT_F, run_tests, now_ms

BINARY = os.path.join(os.environ.get("FAILSAFED_BIN_DIR", "build"), "failsafed_mercusys_mr85x")
LEDS = ("green:status", "amber:status")


def make_sysfs():
    root = tempfile.mkdtemp(prefix="fsd-leds.")
    for name in LEDS:
        os.mkdir(os.path.join(root, name))
        for attr, value in (("brightness", "0"), ("max_brightness", "255"), ("trigger", "none"),
                            ("delay_on", "0"), ("delay_off", "0")):
            with open(os.path.join(root, name, attr), "w") as f:
                f.write(value + "\n")
    return root


def attr(root, name, a):
    with open(os.path.join(root, name, a)) as f:
        return f.read().strip()


def start(root, **kw):
    return Daemon("--sysfs-leds", root, binary=BINARY, **kw)


def test_window_and_console_f():
    root = make_sysfs()
    d = start(root, window_ms=5000)
    try:
        d.expect(PROMPT_F + "\r\n")     # raw port: the daemon writes CR LF itself
        err = d.stderr()
        assert "board mercusys-mr85x: button reset (pinctrl_moore line 1)" in err, err
        assert "board mercusys-mr85x: button wps (pinctrl_moore line 0)" in err, err
        assert (attr(root, "green:status", "trigger"), attr(root, "green:status", "delay_on"),
                attr(root, "green:status", "delay_off")) == ("timer", "100", "100")
        d.write("f\r")                  # raw mode: CR alone ends the line, and is echoed
        d.expect("f\r\n")
        d.expect("- failsafe -\r\n")
        assert d.state_file("failsafe") == "console\n"
        assert (attr(root, "amber:status", "trigger"), attr(root, "amber:status", "delay_on"),
                attr(root, "amber:status", "delay_off")) == ("timer", "50", "50")
        assert attr(root, "green:status", "trigger") == "none"
        assert attr(root, "green:status", "brightness") == "0"
        # the shell got the port back in cooked mode
        d.write("echo real-$((40+2))\n")
        d.expect("real-42")
    finally:
        d.stop()
        shutil.rmtree(root)


def test_normal_path_leds():
    root = make_sysfs()
    d = start(root, window_ms=600)
    try:
        assert d.wait_exit(5) == 0
        assert now_ms() - d.started_ms < 2600
        assert (attr(root, "green:status", "trigger"), attr(root, "green:status", "delay_on")) == ("timer", "200")
        assert attr(root, "amber:status", "brightness") == "0"
    finally:
        d.stop()
        shutil.rmtree(root)


def test_missing_leds_and_console():
    root = tempfile.mkdtemp(prefix="fsd-noleds.")
    d = Daemon("--sysfs-leds", root, binary=BINARY, window_ms=500, console="/nonexistent/ttyS0")
    try:
        assert d.wait_exit(5) == 0
        err = d.stderr()
        assert "board mercusys-mr85x: boot LED green:status" in err, err
        assert "console /nonexistent/ttyS0: open: No such file or directory" in err, err
    finally:
        d.stop()
        shutil.rmtree(root)


run_tests([test_window_and_console_f, test_normal_path_leds, test_missing_leds_and_console])
