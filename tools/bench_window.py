#!/usr/bin/env python3
"""tools/bench_window.py — boot-window benchmark on the simulated board: start-up, press-to-failsafe latency, RSS, size."""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time


def now_ms():
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0


def pct(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def wait_for(pred, timeout_s=5.0):
    end = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v is not None:
            return v
        if time.monotonic() > end:
            raise RuntimeError("timed out")
        time.sleep(0.0005)


def led_time(path, name, level, after_ms=0):
    try:
        with open(path) as f:
            for line in f:
                t, n, lv = line.split()
                if n == name and int(lv) == level and int(t) >= after_ms:
                    return int(t)
    except FileNotFoundError:
        pass
    return None


def one_run(binary, debounce_ms):
    d = tempfile.mkdtemp(prefix="fsd-bench.")
    sim = os.path.join(d, "sim")
    with open(os.path.join(d, "cmdline"), "w") as f:
        f.write("quiet\n")
    log = os.path.join(sim, "leds.log")
    t_spawn = now_ms()
    p = subprocess.Popen([binary, "--cmdline", os.path.join(d, "cmdline"), "--state-dir", d, "--sim-dir", sim,
                          "--console", "/dev/null", "--shell", "/bin/true", "--window-ms", "10000"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t_open = wait_for(lambda: led_time(log, "boot", 1))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind("")  # autobind, so the daemon can answer
        time.sleep(0.005)
        t_press = now_ms()
        s.sendto(b"press reset\n", os.path.join(sim, "ctl.sock"))
        s.recv(256)
        s.close()
        t_led = wait_for(lambda: led_time(log, "failsafe", 1, int(t_press)))
        with open("/proc/%d/status" % p.pid) as f:
            status = {l.split(":")[0]: l.split()[1] for l in f if len(l.split()) > 1}
        return t_open - t_spawn, t_led - t_press - debounce_ms, int(status["VmHWM"]), int(status["RssAnon"])
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", default="build/failsafed")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--debounce-ms", type=int, default=20)
    a = ap.parse_args()

    starts, lats, rss, anon = [], [], [], []
    for i in range(a.runs):
        st, lat, hwm, rss_anon = one_run(a.binary, a.debounce_ms)
        starts.append(st)
        lats.append(lat)
        rss.append(hwm)
        anon.append(rss_anon)
        if (i + 1) % 25 == 0:
            print("  ... %d/%d runs" % (i + 1, a.runs), flush=True)
    stripped = tempfile.mktemp(prefix="fsd-strip.")
    shutil.copy(a.binary, stripped)
    subprocess.run(["strip", stripped], check=True)
    size = os.path.getsize(stripped)
    os.unlink(stripped)

    rows = [
        ("start-up to window open (spawn -> boot LED on)", "ms", statistics.median(starts), pct(starts, 99), ""),
        ("press to failsafe LED, minus %d ms debounce" % a.debounce_ms, "ms", statistics.median(lats), pct(lats, 99),
         "target p99 <= 2 ms"),
        ("peak RSS (VmHWM, shared libc pages included)", "KiB", statistics.median(rss), max(rss),
         "target < 2048 KiB"),
        ("private memory after failsafe (RssAnon)", "KiB", statistics.median(anon), max(anon), ""),
        ("stripped binary size", "bytes", size, size, ""),
    ]
    print()
    print("failsafed boot-window benchmark, sim board, %d runs" % a.runs)
    print("%-50s %6s %10s %10s  %s" % ("measure", "unit", "p50", "p99/max", "note"))
    print("-" * 96)
    for name, unit, p50, p99, note in rows:
        print("%-50s %6s %10.1f %10.1f  %s" % (name, unit, p50, p99, note))


if __name__ == "__main__":
    main()
