"""tests/test_board_tools.py — the tools for whoever adds a board: --check-board and --probe, on the real binaries."""
import os
import re
import signal
import subprocess
import tempfile
import time

from fsd import Daemon, FAILSAFED, run_tests

BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", "build")


def test_check_board_every_board():
    for name in sorted(os.listdir(BIN_DIR)):
        if not name.startswith("failsafed_"):
            continue
        r = subprocess.run([os.path.join(BIN_DIR, name), "--check-board"], capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, (name, r.stdout, r.stderr)
        assert r.stdout.startswith("board ") and r.stdout.rstrip().endswith("valid"), (name, r.stdout)
    r = subprocess.run([FAILSAFED, "--check-board"], capture_output=True, text=True, timeout=10)
    assert "button reset" in r.stdout and "active-low" in r.stdout and "led    failsafe sysfs failsafe" in r.stdout, r.stdout


def test_probe_shows_edges_and_blinks_each_led():
    d = Daemon("--probe", window_ms=0)
    try:
        time.sleep(0.3)
        d.ctl("press", "wps")
        time.sleep(0.1)
        d.ctl("release", "wps")
        time.sleep(3.4)                      # two LED roles, 1.5 s each
        d.signal(signal.SIGINT)
        assert d.wait_exit(5) == 0
        out = d.stderr()                     # --probe prints to stdout; the harness captures both
        assert re.search(r"button reset +now released", out) and re.search(r"button wps +now released", out), out
        assert re.search(r"ms +button wps +pressed +\(line low\)", out), out      # active-low: pressed is low
        assert re.search(r"ms +button wps +released +\(line high\)", out), out
        assert "LED boot (boot) blinking" in out and "LED failsafe (failsafe) blinking" in out, out
        names = {n for _, n, _ in d.led_log()}
        assert names == {"boot", "failsafe"}, names
        assert d.state_file("failsafe") is None, "--probe never enters failsafe"
    finally:
        d.stop()


def test_probe_reports_wrong_polarity_hint():
    d = Daemon("--probe", "--sim-held", "reset", window_ms=0)
    try:
        time.sleep(0.3)
        d.signal(signal.SIGINT)
        d.wait_exit(5)
        assert "PRESSED (if you are not pressing it, active_low is wrong)" in d.stderr(), d.stderr()
    finally:
        d.stop()


def make_sysfs(leds):
    root = tempfile.mkdtemp(prefix="fsd-leds.")
    for name, (trigger, brightness) in leds.items():
        os.mkdir(os.path.join(root, name))
        for attr, value in (("brightness", brightness), ("max_brightness", "255"), ("trigger", trigger),
                            ("delay_on", "0"), ("delay_off", "0")):
            with open(os.path.join(root, name, attr), "w") as f:
                f.write(value + "\n")
    return root


def read(root, name, attr):
    with open(os.path.join(root, name, attr)) as f:
        return f.read().strip()


def test_probe_without_gpio_chips_or_leds():
    """A host with no GPIO chip and no LED: one clear line per missing chip, then exit 1."""
    binary = os.path.join(BIN_DIR, "failsafed_mercusys_mr85x")
    r = subprocess.run([binary, "--probe", "--sysfs-leds", "/nonexistent-leds"], capture_output=True, text=True,
                       timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 1, r
    lines = [l for l in r.stdout.splitlines() if "not found" in l]
    assert lines == ['button reset, wps: GPIO chip "pinctrl_moore" not found (chips here: none)'], r.stdout
    assert "GPIO chips on this system: none" in r.stdout, r.stdout
    assert "nothing to probe" in r.stdout, r.stdout
    assert "green:status" in r.stderr and "LEDs in /nonexistent-leds: none" in r.stderr, r.stderr


def test_probe_leaves_leds_as_found():
    binary = os.path.join(BIN_DIR, "failsafed_mercusys_mr85x")
    root = make_sysfs({"green:status": ("none [heartbeat] timer", "0"), "amber:status": ("[none] timer", "255")})
    try:
        p = subprocess.Popen([binary, "--probe", "--sysfs-leds", root], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
        time.sleep(2.0)                   # the first LED blinks by the kernel timer now
        assert read(root, "amber:status", "trigger") == "timer" or read(root, "green:status", "trigger") == "timer"
        p.send_signal(signal.SIGINT)
        out = p.communicate(timeout=5)[0]
        assert p.returncode == 0, out
        assert read(root, "green:status", "trigger") == "heartbeat", out
        assert (read(root, "amber:status", "trigger"), read(root, "amber:status", "brightness")) == ("none", "255")
    finally:
        subprocess.run(["rm", "-rf", root])


run_tests([test_check_board_every_board, test_probe_shows_edges_and_blinks_each_led,
           test_probe_reports_wrong_polarity_hint, test_probe_without_gpio_chips_or_leds,
           test_probe_leaves_leds_as_found])
