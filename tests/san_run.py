#!/usr/bin/env python3
"""tests/san_run.py — run a test with ASan, LeakSanitizer and UBSan reports going to files; fail on any report.

    san_run.py [--long-only] LOGDIR CMD [ARGS...]

The sanitized binaries the test starts (failsafed, its applets, failsafectl, also as another user) write each
report to LOGDIR/asan.<pid> or LOGDIR/ubsan.<pid> instead of stderr, which tests capture or throw away. After
CMD ends, any report fails the run (printed here), whatever CMD's exit status; else CMD's status is returned.
LOGDIR is emptied first and is world-writable (a test runs failsafectl as nobody).
--long-only: run only under tools/test.sh --long (FAILSAFED_LONG=1); otherwise exit 77, which ctest reports as
skipped (SKIP_RETURN_CODE), never as passed. The test sees FAILSAFED_SANITIZED=1: an assertion about the daemon's
memory (RSS) means nothing under ASan, which keeps freed memory in quarantine."""
import os
import shutil
import subprocess
import sys


def main():
    args = sys.argv[1:]
    long_only = args[:1] == ["--long-only"]
    if long_only:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    if long_only and os.environ.get("FAILSAFED_LONG") != "1":
        print("san_run: skipped: this sanitized twin runs with tools/test.sh --long (FAILSAFED_LONG=1)")
        return 77
    logdir, cmd = os.path.abspath(args[0]), args[1:]
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    os.chmod(logdir, 0o1777)
    env = dict(os.environ)
    env["FAILSAFED_SANITIZED"] = "1"   # for an assertion about the daemon's memory, which ASan's quarantine voids
    # halt_on_error: the first error ends the process (the build has -fno-sanitize-recover=all too).
    # detect_leaks: LeakSanitizer at every instrumented process's exit(), children included.
    env["ASAN_OPTIONS"] = ":".join([
        "log_path=%s/asan" % logdir, "detect_leaks=1", "halt_on_error=1", "abort_on_error=0",
        "detect_stack_use_after_return=1", "strict_string_checks=1", "check_initialization_order=1",
        "print_summary=1"])
    env["LSAN_OPTIONS"] = "log_path=%s/asan:print_suppressions=0" % logdir
    env["UBSAN_OPTIONS"] = "log_path=%s/ubsan:print_stacktrace=1:halt_on_error=1" % logdir
    rc = subprocess.run(cmd, env=env).returncode
    reports = sorted(f for f in os.listdir(logdir) if f.startswith(("asan", "ubsan")))
    for f in reports:
        with open(os.path.join(logdir, f), errors="replace") as fh:
            text = fh.read()
        print("=== sanitizer report %s (%d bytes) ===" % (os.path.join(logdir, f), len(text)))
        print(text[:6000])
    if reports:
        print("san_run: %d sanitizer report(s) from the binaries this test ran (test exit status %d)"
              % (len(reports), rc))
        return 1
    print("san_run: no sanitizer report (%s)" % logdir)
    return rc


if __name__ == "__main__":
    sys.exit(main())
