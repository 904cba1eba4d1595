"""tests/test_triggers.py — every trigger enters failsafe on the real daemon: button, held button, console, signal, cmdline."""
import os
import signal
import time

from fsd import Daemon, PROMPT_F, PROMPT_DEBUG, run_tests, now_ms


def check_failsafe(d, cause, button=None):
    if button:
        d.expect("- failsafe button %s was pressed -" % button)
    d.expect("- failsafe -")
    assert d.state_file("failsafe") == cause + "\n", d.state_file("failsafe")
    if button:
        assert d.state_file("failsafe_button") == button + "\n"
    else:
        assert d.state_file("failsafe_button") is None
    leds = d.leds()
    assert leds["failsafe"] == "50/50", leds
    assert leds["boot"] == "off", leds
    assert d.running(), "failsafed must stay up in failsafe"


def test_button_click():
    d = Daemon()
    try:
        d.expect(PROMPT_F)
        d.expect(PROMPT_DEBUG)
        assert d.leds()["boot"] == "100/100"
        d.ctl("click", "reset")
        check_failsafe(d, "button reset", "reset")
        # the shell runs on the console
        d.write("echo shell-$((6*7))\n")
        d.expect("shell-42")
        d.signal(signal.SIGTERM)
        assert d.wait_exit() == 128 + signal.SIGTERM
    finally:
        d.stop()


def test_wps_button():
    d = Daemon()
    try:
        d.expect(PROMPT_F)
        d.ctl("press", "wps")
        check_failsafe(d, "button wps", "wps")
    finally:
        d.stop()


def test_held_through_power_on():
    d = Daemon("--sim-held", "reset")
    try:
        check_failsafe(d, "button reset", "reset")
        assert "button reset is held at start" in d.stderr()
    finally:
        d.stop()


def test_console_f():
    d = Daemon()
    try:
        d.expect(PROMPT_DEBUG)
        d.write("f\n")
        check_failsafe(d, "console")
    finally:
        d.stop()


def test_console_f_cr_only():
    d = Daemon()
    try:
        d.expect(PROMPT_DEBUG)
        d.write("f\r")
        check_failsafe(d, "console")
    finally:
        d.stop()


def test_sigusr1():
    d = Daemon()
    try:
        d.expect(PROMPT_DEBUG)
        d.signal(signal.SIGUSR1)
        check_failsafe(d, "signal")
    finally:
        d.stop()


def test_cmdline():
    d = Daemon(cmdline="console=ttyS0 failsafe=true quiet")
    try:
        check_failsafe(d, "cmdline")
        assert PROMPT_F.encode() not in d.out, "no window, no prompt with failsafe= on the command line"
    finally:
        d.stop()


def test_shell_restarted():
    d = Daemon()
    try:
        d.expect(PROMPT_DEBUG)
        d.write("f\n")
        d.expect("- failsafe -")
        d.write("echo first; exit\n")
        deadline = time.monotonic() + 5
        while "shell exited" not in d.stderr():
            assert time.monotonic() < deadline, d.stderr()
            d.read_console(0.05)
        d.write("echo second-$((1+1))\n")
        d.expect("second-2")
    finally:
        d.stop()


def test_bounce_train_then_hold():
    """Edges in one write are a bounce train: the press counts once it settles."""
    d = Daemon()
    try:
        d.expect(PROMPT_DEBUG)
        d.ctl("press", "reset", "release", "reset", "press", "reset", "release", "reset", "press", "reset")
        check_failsafe(d, "button reset", "reset")
    finally:
        d.stop()


run_tests([test_button_click, test_wps_button, test_held_through_power_on, test_console_f,
           test_console_f_cr_only, test_sigusr1, test_cmdline, test_shell_restarted,
           test_bounce_train_then_hold])
