"""tests/test_normal_path.py — no trigger: the window ends on time, LED 200/200, exit 0 or exec --then; debug levels."""
import os
import signal
import statistics

from fsd import Daemon, PROMPT_DEBUG, run_tests, now_ms


def test_window_elapses():
    d = Daemon(window_ms=1000)
    try:
        d.expect(PROMPT_DEBUG)
        assert d.wait_exit(5) == 0
        elapsed_ms = now_ms() - d.started_ms
        assert 1000 <= elapsed_ms < 3000, elapsed_ms
        assert d.last_pattern("boot") == "200/200", d.patterns()
        assert d.state_file("failsafe") is None
        assert b"- failsafe -" not in d.out
        # the window's LED blinked 100/100 while it was open
        log = [r for r in d.led_log() if r[1] == "boot"]
        gaps = [b[0] - a[0] for a, b in zip(log, log[1:])]
        assert len(gaps) >= 6, log
        assert 95 <= statistics.median(gaps) <= 110, gaps
    finally:
        d.stop()


def test_then_execs():
    marker = "/tmp/fsd-then-%d" % os.getpid()
    d = Daemon("--then", "/bin/sh", "-c", "echo continued > %s" % marker, window_ms=300)
    try:
        assert d.wait_exit(5) == 0
        with open(marker) as f:
            assert f.read() == "continued\n"
    finally:
        if os.path.exists(marker):
            os.unlink(marker)
        d.stop()


def test_debug_levels():
    for digit in "1234":
        d = Daemon(window_ms=10000)
        try:
            d.expect(PROMPT_DEBUG)
            t0 = now_ms()
            d.write(digit + "\n")
            assert d.wait_exit(5) == 0
            assert now_ms() - t0 < 5000, "a debug level ends the window early"
            assert d.state_file("debug_level") == digit + "\n"
            assert d.state_file("failsafe") is None
            assert d.last_pattern("boot") == "200/200"
        finally:
            d.stop()


def test_zero_window():
    d = Daemon(window_ms=0)
    try:
        assert d.wait_exit(5) == 0
        assert d.state_file("failsafe") is None
    finally:
        d.stop()


def test_sigterm_in_window():
    d = Daemon(window_ms=10000)
    try:
        d.expect(PROMPT_DEBUG)
        d.signal(signal.SIGTERM)
        assert d.wait_exit(5) == 128 + signal.SIGTERM
        assert not os.path.exists(os.path.join(d.sim_dir, "ctl.sock")), "socket removed on exit"
    finally:
        d.stop()


run_tests([test_window_elapses, test_then_execs, test_debug_levels, test_zero_window, test_sigterm_in_window])
