"""tests/fusefix.py — a one-file FUSE filesystem served by the test itself, for storage faults and stuck processes.

The kernel has no device-mapper here, so a "partition" that fails on cue is a file on a FUSE mount this module
serves from a thread (the raw /dev/fuse protocol, no library): writes at or past an offset can fail with EIO or
ENOSPC or be cut short, and a lookup of the name "hang" is read and never answered, so whoever asks sits in the
kernel in uninterruptible sleep, deaf even to SIGKILL, until release() (or close()) answers it.

Mount only in a mount namespace of the test's own: import storagefix first (it re-executes the test under
`unshare -m`). close() unmounts and ends the server; it runs at exit too."""
import atexit
import ctypes
import errno
import os
import struct
import tempfile
import threading

FUSE_LOOKUP, FUSE_FORGET, FUSE_GETATTR, FUSE_SETATTR = 1, 2, 3, 4
FUSE_OPEN, FUSE_READ, FUSE_WRITE, FUSE_STATFS, FUSE_RELEASE = 14, 15, 16, 17, 18
FUSE_FSYNC, FUSE_FLUSH, FUSE_INIT, FUSE_OPENDIR, FUSE_RELEASEDIR = 20, 25, 26, 27, 29
FUSE_ACCESS, FUSE_INTERRUPT, FUSE_DESTROY, FUSE_BATCH_FORGET = 34, 36, 38, 42
NO_REPLY = (FUSE_FORGET, FUSE_INTERRUPT, FUSE_BATCH_FORGET)
IN_HEADER = struct.Struct("<IIQQIIIHH")          # len opcode unique nodeid uid gid pid total_extlen padding
OUT_HEADER = struct.Struct("<IiQ")               # len error unique
ATTR = struct.Struct("<QQQQQQIIIIIIIIII")        # ino size blocks a/m/ctime a/m/ctimensec mode nlink uid gid rdev blksize flags
FUSE_BIG_WRITES, FUSE_MAX_PAGES = 1 << 5, 1 << 22
ROOT, FILE = 1, 2

_open = []


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    return libc


class FuseFile:
    """<dir>/<name>: size bytes (zeros), served from memory. fail_at/fail_errno: a write reaching that offset fails
    with that errno (EIO, ENOSPC); short_at: a write crossing it stores only up to it, and later ones store nothing
    (a medium that takes no more); close_gate: a write reaching an offset waits until open_gate(). The name "hang"
    beside it never answers a lookup."""

    def __init__(self, size, name="firmware.img"):
        self.size = size
        self.name = name.encode()
        self.data = bytearray(size)
        self.fail_at = self.fail_errno = self.short_at = None
        self.gate_at = None             # writes reaching this offset wait until open_gate()
        self.gate = threading.Event()
        self.at_gate = threading.Event()   # set once a write waits at the gate
        self.writes = 0                 # WRITE requests seen
        self.faults = 0                 # of those, answered with a fault
        self.hung = []                  # uniques of requests never answered
        self.dir = tempfile.mkdtemp(prefix="fsd-fuse.")
        self.path = os.path.join(self.dir, name)
        self.hang_path = os.path.join(self.dir, "hang")
        self.fd = os.open("/dev/fuse", os.O_RDWR)
        opts = "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other" % self.fd
        if _libc().mount(b"fsd-fuse", self.dir.encode(), b"fuse", 0, opts.encode()) != 0:
            e = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(e, "mount fuse on %s: %s" % (self.dir, os.strerror(e)))
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        _open.append(self)

    # ---- faults ----
    def fail_writes(self, at, err=errno.EIO):
        with self.lock:
            self.fail_at, self.fail_errno, self.short_at = at, err, None

    def short_writes(self, at):
        with self.lock:
            self.short_at, self.fail_at = at, None

    def close_gate(self, at):
        """Writes reaching offset at wait (the writer sits in the kernel) until open_gate()."""
        self.gate.clear()
        self.at_gate.clear()
        self.gate_at = at

    def open_gate(self):
        self.gate_at = None
        self.gate.set()

    def heal(self):
        with self.lock:
            self.fail_at = self.short_at = None

    def release(self):
        """Answer the hung lookups (ENOENT): whoever waited in the kernel goes on."""
        with self.lock:
            hung, self.hung = self.hung, []
        for unique in hung:
            self._reply(unique, -errno.ENOENT)

    def close(self):
        if self.fd is None:
            return
        _libc().umount2(self.dir.encode(), 2)   # MNT_DETACH
        self.open_gate()
        fd, self.fd = self.fd, None
        os.close(fd)                            # aborts the connection: every waiting request ends
        self.thread.join(5)
        try:
            os.rmdir(self.dir)
        except OSError:
            pass
        if self in _open:
            _open.remove(self)

    # ---- the protocol ----
    def _attr(self, node):
        if node == ROOT:
            return ATTR.pack(ROOT, 0, 0, 0, 0, 0, 0, 0, 0, 0o40755, 2, 0, 0, 0, 4096, 0)
        return ATTR.pack(FILE, self.size, (self.size + 511) // 512, 0, 0, 0, 0, 0, 0, 0o100644, 1, 0, 0, 0, 4096, 0)

    def _reply(self, unique, err, body=b""):
        fd = self.fd
        if fd is None:
            return
        try:
            os.write(fd, OUT_HEADER.pack(OUT_HEADER.size + len(body), err, unique) + body)
        except OSError:
            pass    # the request was interrupted, or the connection is gone

    def _serve(self):
        while True:
            try:
                msg = os.read(self.fd, (1 << 20) + 8192)
            except (OSError, TypeError):
                return
            if not msg:
                return
            _, op, unique, node, *_ = IN_HEADER.unpack_from(msg)
            arg = msg[IN_HEADER.size:]
            if op in NO_REPLY:
                continue
            if op == FUSE_DESTROY:
                self._reply(unique, 0)
                return
            err, body = self._handle(op, unique, node, arg)
            if err is not None:
                self._reply(unique, err, body)

    def _handle(self, op, unique, node, arg):
        if op == FUSE_INIT:
            major, minor = struct.unpack_from("<II", arg)
            return 0, struct.pack("<IIIIHHIIHHII", 7, min(minor, 31), 0, FUSE_BIG_WRITES | FUSE_MAX_PAGES, 16, 12,
                                  1 << 20, 1, 256, 0, 0, 0) + bytes(24)
        if op == FUSE_LOOKUP:
            name = arg.split(b"\0", 1)[0]
            if node == ROOT and name == b"hang":
                with self.lock:
                    self.hung.append(unique)
                return None, b""
            if node == ROOT and name == self.name:
                return 0, struct.pack("<QQQQII", FILE, 0, 0, 0, 0, 0) + self._attr(FILE)
            return -errno.ENOENT, b""
        if op in (FUSE_GETATTR, FUSE_SETATTR):
            return 0, struct.pack("<QII", 0, 0, 0) + self._attr(node)
        if op in (FUSE_OPEN, FUSE_OPENDIR):
            return 0, struct.pack("<QIi", 0, 0, 0)
        if op in (FUSE_RELEASE, FUSE_RELEASEDIR, FUSE_FLUSH, FUSE_FSYNC, FUSE_ACCESS):
            return 0, b""
        if op == FUSE_STATFS:
            return 0, struct.pack("<QQQQQIIII", self.size // 4096, 0, 0, 2, 0, 4096, 255, 4096, 0) + bytes(24)
        if op == FUSE_READ:
            _, off, size = struct.unpack_from("<QQI", arg)
            return 0, bytes(self.data[off:min(off + size, self.size)])
        if op == FUSE_WRITE:
            _, off, size = struct.unpack_from("<QQI", arg)
            data = arg[40:40 + size]
            if self.gate_at is not None and off + size > self.gate_at:
                self.at_gate.set()
                self.gate.wait()
            with self.lock:
                self.writes += 1
                if self.fail_at is not None and off + size > self.fail_at:
                    self.faults += 1
                    return -self.fail_errno, b""
                take = size
                if self.short_at is not None and off + size > self.short_at:
                    self.faults += 1
                    take = max(0, self.short_at - off)
                if off + take > self.size:
                    return -errno.ENOSPC, b""
                self.data[off:off + take] = data[:take]
            return 0, struct.pack("<II", take, 0)
        return -errno.ENOSYS, b""


def _cleanup():
    for f in list(_open):
        f.close()


atexit.register(_cleanup)
