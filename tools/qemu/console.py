#!/usr/bin/env python3
"""tools/qemu/console.py — the QEMU board's console and LEDs on this terminal, for tools/demo.sh --board qemu.

   console.py DIR                 interactive: the guest's console (DIR/serial.sock) on this terminal (raw), its LEDs
                                  drawn top right from QEMU's PL061 trace (DIR/trace.log, lines 5 boot, 6 failsafe);
                                  Ctrl-B presses the power button (QMP system_powerdown: PL061 line 3 for 100 ms),
                                  Ctrl-] quits (QEMU keeps running; the caller ends it)
   console.py DIR --transcript [--input FIFO]
                                  the console as "[board console]" lines and each LED's pattern as "[leds]" lines
                                  (printed when it changes: blinking N ms, on, off), times since DIR was booted;
                                  what is written into FIFO is typed on the console (a line per line)
Ends when QEMU closes the console. run.sh --dir DIR starts QEMU waiting for this client: nothing is missed.
"""
import argparse
import os
import re
import select
import socket
import sys
import termios
import time
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import Qmp  # noqa: E402

# Lines the transcript leaves out: the test markers of the board's /init and the per-beacon debug lines.
HIDDEN_RE = re.compile(r"^FSD-(LIBC|GPIO|STATE|IDLE)|failsafed: debug: beacon \d+ sent")
TRACE_RE = re.compile(r"^\d+@(\d+\.\d+):pl061_set_output \S+ setting output (\d+) to (\d)")
LEDS = {5: "boot", 6: "failsafe"}      # boards/qemu_virt.c
CTRL_B, CTRL_RBRACKET = b"\x02", b"\x1d"


def connect(path, timeout_s=60.0):
    end = time.monotonic() + timeout_s
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.02)


class Trace:
    """Follows DIR/trace.log: the LEDs' levels and, per LED, its pattern (what a person would call it)."""

    def __init__(self, path):
        self.path = path
        self.f = None
        self.buf = ""
        self.level = {n: 0 for n in LEDS}
        self.last = {n: None for n in LEDS}     # time of the last change
        self.gaps = {n: [] for n in LEDS}       # the last few half periods
        self.said = {n: "off" for n in LEDS}    # the pattern last reported
        self.said_ms = {n: 0 for n in LEDS}     # its half period, when blinking
        self.started = None                     # the first change: the guest is running

    def poll(self):
        """New level changes: [(time, line, level)]."""
        if self.f is None:
            try:
                self.f = open(self.path)
            except OSError:
                return []
        self.buf += self.f.read()
        out = []
        while "\n" in self.buf:
            line, self.buf = self.buf.split("\n", 1)
            m = TRACE_RE.match(line)
            if not m or int(m.group(2)) not in LEDS:
                continue
            t, n, v = float(m.group(1)), int(m.group(2)), int(m.group(3))
            if v == self.level[n] and self.last[n] is None:
                continue                        # QEMU's reset: "output N to 0" before the guest ran
            if self.last[n] is not None:
                self.gaps[n] = (self.gaps[n] + [t - self.last[n]])[-7:]
            self.level[n], self.last[n] = v, t
            out.append((t, n, v))
        return out

    def patterns(self, now):
        """[(line, text)] for each LED whose pattern changed: "blinking 100 ms on / 100 ms off", "on", "off"."""
        out = []
        for n in LEDS:
            g = self.gaps[n]
            steady = self.last[n] is None or now - self.last[n] > max(0.6, 3 * (g[-1] if g else 0))
            if steady:
                what, ms = ("on" if self.level[n] else "off"), 0
            elif len(g) >= 7:
                # TCG stretches single half periods (a guest not scheduled for a while on a busy host; the first
                # ones of a new pattern too): the median of the last seven, once most of them agree with it (a
                # steady pattern, not a change under way), reported again only when it moved by more than a third
                # (a new pattern, not jitter).
                med = sorted(g)[len(g) // 2]
                if sum(abs(x - med) <= med * 0.3 for x in g) < 0.7 * len(g):
                    continue
                ms = round(med * 100) * 10
                if self.said_ms[n] and abs(ms - self.said_ms[n]) < self.said_ms[n] / 3:
                    continue
                what = "blinking %d ms on / %d ms off" % (ms, ms)
            else:
                continue
            if what != self.said[n]:
                self.said[n], self.said_ms[n] = what, ms
                out.append((n, what))
        return out


def panel(levels):
    """Save the cursor, draw the lamps at the right end of row 1, restore (as failsafectl sim watch does)."""
    cols = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else 80
    text = "".join("%9.9s %s " % (LEDS[n], "\033[1;32m(*)\033[0m" if levels[n] else "( )") for n in LEDS)
    return "\0337\033[1;%dH\033[K%s\0338" % (max(1, cols - 16 * len(LEDS) + 1), text)


def interactive(args):
    con = connect(os.path.join(args.dir, "serial.sock"))
    qmp = Qmp(os.path.join(args.dir, "qmp.sock"))
    trace = Trace(os.path.join(args.dir, "trace.log"))
    out = sys.stdout.buffer
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    try:
        out.write(panel(trace.level).encode())
        out.flush()
        # The panel is drawn only between console lines (or when the console is quiet): drawn in the middle of
        # one, its escape sequences would split the line for anyone reading this terminal (expect, a log).
        drawn, scrolled, dirty, at_eol, last_out = time.monotonic(), False, False, True, 0.0
        while True:
            r, _, _ = select.select([0, con], [], [], 0.02)
            if con in r:
                data = con.recv(65536)
                if not data:
                    break
                out.write(data)
                scrolled, at_eol, last_out = True, data.endswith(b"\n"), time.monotonic()
            if 0 in r:
                try:
                    data = os.read(0, 1024)
                except OSError:             # the terminal hung up
                    data = b""
                if not data or CTRL_RBRACKET in data:
                    break
                if CTRL_B in data:
                    qmp.execute("system_powerdown")
                    data = data.replace(CTRL_B, b"")
                if data:
                    con.sendall(data)
            # Drawn when a lamp changed, and again after console output may have scrolled it away.
            now = time.monotonic()
            if trace.poll() or (scrolled and now - drawn > 0.3):
                dirty = True
            if dirty and (at_eol or now - last_out > 0.1):
                out.write(panel(trace.level).encode())
                drawn, scrolled, dirty = now, False, False
            out.flush()
    finally:
        try:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
            out.write(b"\r\n")
            out.flush()
        except OSError:
            pass
        qmp.close()
        con.close()


def transcript(args):
    con = connect(os.path.join(args.dir, "serial.sock"))
    trace = Trace(os.path.join(args.dir, "trace.log"))
    fifo = os.open(args.input, os.O_RDWR | os.O_NONBLOCK) if args.input else None   # RDWR: never EOF
    t0 = time.time()
    buf = b""
    while True:
        r, _, _ = select.select([con] + ([fifo] if fifo is not None else []), [], [], 0.05)
        if con in r:
            data = con.recv(65536)
            if not data:
                break
            buf += data.replace(b"\x1b[6n", b"").replace(b"\r", b"")
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                if not HIDDEN_RE.search(text):
                    print("   [board console] %s" % text, flush=True)
        if fifo is not None and fifo in r:
            con.sendall(os.read(fifo, 4096).replace(b"\n", b"\r"))
        trace.poll()
        for n, what in trace.patterns(time.time()):
            print("   [leds %5.1f s] %s LED (PL061 line %d): %s" % (time.time() - t0, LEDS[n], n, what), flush=True)
    if buf.strip():
        print("   [board console] %s" % buf.decode(errors="replace"), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--transcript", action="store_true")
    ap.add_argument("--input")
    args = ap.parse_args()
    try:
        (transcript if args.transcript else interactive)(args)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
