"""tests/test_board_tools.py — the tools for whoever adds a board: --check-board and --probe, on the real binaries."""
import os
import re
import signal
import subprocess
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


run_tests([test_check_board_every_board, test_probe_shows_edges_and_blinks_each_led,
           test_probe_reports_wrong_polarity_hint])
