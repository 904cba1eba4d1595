"""tests/test_decision_fd.py — --decision-fd: the one line a preinit script waits for ("failsafe" or "normal"), then EOF.

packaging/openwrt's preinit hook reads failsafed's decision from a pipe (a command substitution): it must get
"failsafe" while the daemon stays up in failsafe (EOF at once: no shell of the daemon holds the pipe), and
"normal" only once the window is over and the daemon is about to exit or exec --then.
"""
import os
import select
import time

from fsd import Daemon, PROMPT_F, run_tests


def read_all(fd, timeout_s, d):
    """Everything written to the pipe until EOF (the last writer closed it)."""
    data = b""
    end = time.monotonic() + timeout_s
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise AssertionError("the decision pipe got %r and no EOF in %.0f s; stderr:\n%s"
                                 % (data, timeout_s, d.stderr()))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            chunk = os.read(fd, 64)
            if not chunk:
                return data.decode()
            data += chunk


def test_failsafe_then_eof_while_running():
    rd, wr = os.pipe()
    d = Daemon("--decision-fd", str(wr), pass_fds=(wr,))
    os.close(wr)
    try:
        d.expect(PROMPT_F)
        r, _, _ = select.select([rd], [], [], 0.2)
        assert not r, "the decision pipe spoke before any decision: %r" % os.read(rd, 64)
        d.write("f\n")
        # EOF while the daemon runs on: none of its children (the console shell, started first) holds the pipe
        assert read_all(rd, 5, d) == "failsafe\n"
        assert d.state_file("failsafe") == "console\n", "the state files are written before the decision"
        d.expect("- failsafe -")
        d.write("echo shell-$((6*7))\n")
        d.expect("shell-42")
        assert d.running(), "failsafed stays up in failsafe"
    finally:
        os.close(rd)
        d.stop()


def test_normal_after_the_window():
    rd, wr = os.pipe()
    d = Daemon("--decision-fd", str(wr), window_ms=600, pass_fds=(wr,))
    os.close(wr)
    try:
        assert read_all(rd, 5, d) == "normal\n"
        assert d.wait_exit(5) == 0
        assert d.state_file("failsafe") is None
    finally:
        os.close(rd)
        d.stop()


def test_normal_before_exec_then():
    """With --then, the line comes before the exec, and the next program does not hold the pipe."""
    rd, wr = os.pipe()
    d = Daemon("--decision-fd", str(wr), "--then", "/bin/sh", "-c", "exec sleep 30", window_ms=300,
               pass_fds=(wr,))
    os.close(wr)
    try:
        assert read_all(rd, 5, d) == "normal\n"
        assert d.running(), "--then's program (sleep 30) runs on: the EOF came from the close"
    finally:
        os.close(rd)
        d.stop()


def test_no_such_descriptor_is_a_warning():
    d = Daemon("--decision-fd", "77", window_ms=200)
    try:
        assert d.wait_exit(5) == 0, "a bad descriptor must not stop the boot"
        assert "--decision-fd 77" in d.stderr(), d.stderr()
    finally:
        d.stop()


if __name__ == "__main__":
    run_tests([test_failsafe_then_eof_while_running, test_normal_after_the_window, test_normal_before_exec_then,
               test_no_such_descriptor_is_a_warning])
