#!/usr/bin/env python3
"""tools/bench_telnet.py — failsafed's telnet server against BusyBox telnetd, side by side in one run:
same namespaces, same shell; connect-to-prompt, keystroke echo, 64 MiB cat throughput, 32 concurrent sessions.

Everything runs in two network namespaces made for the run (board 192.168.1.1, PC 192.168.1.2)."""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from netns import Lan  # noqa: E402

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
PROMPT = re.compile(rb"[#$] $")

CLIENT = r'''
import re, socket, statistics, sys, threading, time, json
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
PROMPT = re.compile(rb"[#$] $")

class Client:
    """A minimal telnet client: accepts ECHO and SGA, refuses the rest, strips commands from the data."""
    def __init__(self, port):
        self.s = socket.create_connection(("192.168.1.1", port), 10)
        self.s.settimeout(30)
        self.buf = b""
        self.state = 0
    def feed(self, data):
        out = bytearray()
        i = 0
        while i < len(data):
            c = data[i]
            if self.state == 0:
                if c == IAC: self.state = 1
                else: out.append(c)
            elif self.state == 1:
                if c in (DO, DONT, WILL, WONT): self.cmd = c; self.state = 2
                elif c == SB: self.state = 3
                elif c == IAC: out.append(c); self.state = 0
                else: self.state = 0
            elif self.state == 2:
                if self.cmd == WILL: self.s.sendall(bytes([IAC, DO if c in (1, 3) else DONT, c]))
                elif self.cmd == DO: self.s.sendall(bytes([IAC, WONT, c]))
                self.state = 0
            elif self.state == 3:
                if c == IAC: self.state = 4
            elif self.state == 4:
                self.state = 0 if c == SE else 3
            i += 1
        self.buf += bytes(out)
    def until(self, pred):
        while not pred(self.buf):
            d = self.s.recv(65536)
            if not d: raise EOFError("closed")
            self.feed(d)
    def prompt(self):
        self.until(lambda b: PROMPT.search(b[-4:]) is not None)
        self.buf = b""
    def run(self, line, marker):
        self.s.sendall(line.encode() + b"\r\n")
        self.until(lambda b: marker in b)

def now(): return time.monotonic()

FIRST_KEYS = []

def connect_to_prompt(port, n):
    """Connect to the prompt, ms; then the first keystroke's echo, ms, into FIRST_KEYS (a client with Nagle on,
    as this one, holds it while a negotiation answer of its own is not yet acknowledged)."""
    r = []
    for _ in range(n):
        t = now(); c = Client(port); c.prompt(); r.append((now() - t) * 1000)
        c.buf = b""; t = now(); c.s.sendall(b"a"); c.until(lambda b: b"a" in b); FIRST_KEYS.append((now() - t) * 1000)
        c.s.close()
        time.sleep(0.02)
    return r

def echo_rtt(port, n):
    c = Client(port); c.prompt(); r = []
    for i in range(n):
        ch = b"abcdefghij"[i % 10:i % 10 + 1]
        c.buf = b""; t = now(); c.s.sendall(ch); c.until(lambda b: ch in b); r.append((now() - t) * 1000)
    c.s.close()
    return r

def throughput(port, path, size):
    c = Client(port); c.prompt()
    t = now(); c.s.sendall(("cat %s; echo END-OF-CAT\r\n" % path).encode())
    got = 0; tail = b""
    while True:
        d = c.s.recv(1 << 20)
        if not d: raise EOFError
        got += len(d); tail = (tail + d)[-64:]
        if b"END-OF-CAT\r\n" in tail and got > size: break
    el = now() - t; c.s.close()
    return size / (1 << 20) / el

def concurrent(port, n):
    ok = []; errs = []
    def one(i):
        try:
            c = Client(port); c.prompt(); c.run("echo ok-$((%d+1000))" % i, b"ok-%d" % (i + 1000)); c.s.close(); ok.append(i)
        except Exception as e:
            errs.append(repr(e))
    t = now(); th = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    [x.start() for x in th]; [x.join() for x in th]
    return (now() - t) * 1000, len(ok), errs[:3]

port, path, size, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
res = {"connect": connect_to_prompt(port, n), "first_key": FIRST_KEYS, "echo": echo_rtt(port, 20 * n),
       "mibps": throughput(port, path, size), "concurrent": concurrent(port, 32)}
print(json.dumps(res))
'''


def pct(v, p):
    s = sorted(v)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def run_client(lan, port, path, size, n):
    r = subprocess.run(lan.in_pc() + [sys.executable, "-c", CLIENT, str(port), path, str(size), str(n)],
                       capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise RuntimeError("client on port %d: %s" % (port, r.stderr[-2000:]))
    import json
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", default="build/failsafed")
    ap.add_argument("--runs", type=int, default=50, help="connections for connect-to-prompt (keystrokes: 20x)")
    ap.add_argument("--mib", type=int, default=64)
    a = ap.parse_args()
    if not shutil.which("busybox"):
        sys.exit("bench_telnet: busybox is missing (tools/bootstrap.sh installs it)")

    work = tempfile.mkdtemp(prefix="fsd-bench-telnet.")
    data = os.path.join(work, "data.txt")
    size = a.mib << 20
    line = b"failsafed telnet throughput 0123456789 abcdefghijklmnopqrstuvwxyz\n"
    with open(data, "wb") as f:
        f.write((line * (size // len(line) + 1))[:size])
    lan = Lan()
    procs = []
    try:
        with open(os.path.join(work, "cmdline"), "w") as f:
            f.write("failsafe=1\n")
        fsd = subprocess.Popen(lan.in_board() + [a.binary, "--cmdline", os.path.join(work, "cmdline"),
                                                 "--state-dir", work, "--sim-dir", os.path.join(work, "sim"),
                                                 "--console", "/dev/null", "--shell", "/bin/sh",
                                                 "--telnet-max-sessions", "32"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(fsd)
        time.sleep(1.0)  # failsafed has configured the port: BusyBox can bind the address
        bb = subprocess.Popen(lan.in_board() + ["busybox", "telnetd", "-F", "-p", "2323", "-b", "192.168.1.1",
                                                "-l", "/bin/sh"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(bb)
        time.sleep(0.5)
        print("failsafed telnet benchmark: %d connections, %d keystrokes, %d MiB cat, 32 concurrent sessions"
              % (a.runs, 20 * a.runs, a.mib), flush=True)
        results = {}
        for name, port in (("failsafed", 23), ("busybox telnetd", 2323)):
            print("  ... %s" % name, flush=True)
            results[name] = run_client(lan, port, data, size, a.runs)
        f, b = results["failsafed"], results["busybox telnetd"]
        rows = [
            ("connect to prompt p50", "ms", statistics.median(f["connect"]), statistics.median(b["connect"]), False),
            ("connect to prompt p99", "ms", pct(f["connect"], 99), pct(b["connect"], 99), False),
            ("keystroke echo p50", "us", 1000 * statistics.median(f["echo"]), 1000 * statistics.median(b["echo"]),
             False),
            ("keystroke echo p99", "us", 1000 * pct(f["echo"], 99), 1000 * pct(b["echo"], 99), False),
            ("cat %d MiB throughput" % a.mib, "MiB/s", f["mibps"], b["mibps"], True),
            ("32 concurrent sessions, all done", "ms", f["concurrent"][0], b["concurrent"][0], False),
            ("32 concurrent sessions, succeeded", "of 32", f["concurrent"][1], b["concurrent"][1], True),
        ]
        print()
        print("%-36s %6s %12s %16s %8s  %s" % ("measure", "unit", "failsafed", "busybox telnetd", "ratio", "verdict"))
        print("-" * 96)
        for name, unit, fv, bv, higher_better in rows:
            ratio = fv / bv if bv else float("inf")
            good = fv >= bv if higher_better else fv <= bv * 1.10
            print("%-36s %6s %12.2f %16.2f %8.2f  %s" % (name, unit, fv, bv, ratio,
                                                          "ok" if good else "SLOWER"))
        print("(ratio = failsafed / busybox; lower is better for ms and us, higher for MiB/s; 10% tolerance on latency)")
        for name, r in results.items():
            if r["concurrent"][2]:
                print("%s errors: %s" % (name, r["concurrent"][2]))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        lan.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
