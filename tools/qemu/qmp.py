#!/usr/bin/env python3
"""tools/qemu/qmp.py — a minimal QMP client for the QEMU test board: qmp.py SOCKET COMMAND [JSON-ARGS].

   tools/qemu/qmp.py DIR/qmp.sock system_powerdown     # press the power button (PL061 line 3, 100 ms)
   tools/qemu/qmp.py DIR/qmp.sock quit
Also imported by tests/test_qemu_board.py (class Qmp)."""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path, timeout_s=10.0):
        end = time.monotonic() + timeout_s
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.02)
        self.sock.settimeout(timeout_s)
        self.buf = b""
        self.greeting = self._read()
        self.execute("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, arguments=None):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (command, reply["error"]))
            # events ("event": ...) are skipped

    def close(self):
        self.sock.close()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    q = Qmp(sys.argv[1])
    try:
        r = q.execute(sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)
    except EOFError:
        r = {}   # quit closes the socket before or after replying
    if r:
        print(json.dumps(r, indent=2))
    q.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
