"""tests/qemu_mtd.py — run a shell script on a real Linux kernel with real MTD (NOR: mtdram 8 MiB, NAND:
nandsim 256 MiB), UBI/UBIFS, JFFS2, squashfs and overlayfs: Debian 12's amd64 kernel under
qemu-system-x86_64 (TCG), booted from an initramfs holding the given host-built failsafed (tools/qemu-mtd/).

A helper for tests, not a test itself:

    from qemu_mtd import run_guest, setup
    rc, log = run_guest(BUILD, "build/failsafed", '''
        nand=$(qmtd_mtd "NAND simulator partition 0")
        qmtd_step attach qmtd_ubi_attach $nand 0
        qmtd_done
    ''', extra_files={"/qmtd/rom.sqfs": "/tmp/rom.sqfs"}, name="my_test")
    assert rc == 0 and "QMTD-OK attach" in log, log

The script runs in the guest as `sh -c '. /qmtd/lib.sh; . /qmtd/guest.sh'` (busybox sh, PATH has mtd-utils,
e2fsprogs, failsafed and busybox; helpers in tools/qemu-mtd/guest-lib.sh) after "QMTD-READY"; its exit
status comes back as rc (None when the guest never printed "QMTD-EXIT": timeout, panic — the log says).
Everything of one run stays in BUILD/runs/NAME/ (guest.sh, initramfs.cpio and its staging tree,
serial.log) for a look afterwards; two runs at once need different names.

`python3 tests/qemu_mtd.py --demo` runs tools/qemu-mtd/demo-guest.sh and prints the timings.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools", "qemu-mtd")
DEFAULT_BUILD = os.environ.get("QEMU_MTD_BUILD_DIR", os.path.join(ROOT, "build", "qemu-mtd"))
EXIT_RE = re.compile(r"^QMTD-EXIT (\d+)", re.M)

_setup = {}


class SetupError(AssertionError):
    """The harness cannot be set up on this host (packages, network, not root): the message says why."""


class GuestRun(tuple):
    """(rc, log) of one guest run; also .log_path, .run_dir and .timings (seconds: initramfs, ready, run)."""

    def __new__(cls, rc, log, log_path, run_dir, timings):
        self = super().__new__(cls, (rc, log))
        self.rc, self.log, self.log_path, self.run_dir, self.timings = rc, log, log_path, run_dir, timings
        return self


# Shell helpers for guest scripts that check UBI volumes on ubi0 (tests/test_nand_flash.py,
# tests/test_nand_stage2.py): run/check count QMTD-OK and QMTD-FAIL, sha/vol/vattr/vbytes/volsha/erased/vols/
# allsha read volumes.
UBI_HELPERS = r'''
run() {   # NAME WANT_RC CMD...: output prefixed "[NAME] ", QMTD-OK/FAIL by the exit code
	_n=$1 _w=$2
	shift 2
	"$@" >/tmp/out.$_n 2>&1
	_rc=$?
	sed "s/^/[$_n] /" /tmp/out.$_n
	if [ $_rc -eq "$_w" ]; then echo "QMTD-OK $_n"; else echo "QMTD-FAIL $_n rc=$_rc want=$_w"; QMTD_FAILS=$((QMTD_FAILS + 1)); fi
}
check() {   # NAME CMD...: quiet unless CMD fails
	_n=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then echo "QMTD-OK $_n"; else echo "QMTD-FAIL $_n"; cat /tmp/check.out; QMTD_FAILS=$((QMTD_FAILS + 1)); fi
}
sha() { head -c "$2" "$1" | sha256sum | cut -c1-64; }
vol() { qmtd_ubi_vol 0 "$1"; }                            # /dev/ubi0_N of a volume
vattr() { cat "/sys/class/ubi/$(basename "$(vol "$1")")/$2"; }   # NAME ATTR: a volume's sysfs attribute
vbytes() { vattr "$1" data_bytes; }     # a static volume's data, a dynamic one's whole size
volsha() { _v=$(vol "$1") && sha "$_v" "${2:-$(vbytes "$1")}"; }   # NAME [BYTES]: the SHA-256 of its first BYTES
erased() { _v=$(vol "$1") && [ "$(head -c "$2" "$_v" | tr -d '\377' | wc -c)" = 0 ]; }   # NAME BYTES: all 0xff
vols() { for _d in /sys/class/ubi/ubi0_*; do cat "$_d/name"; done | sort | tr '\n' ' '; }
allsha() { for _d in /sys/class/ubi/ubi0_*; do echo "$(cat "$_d/name") $(sha /dev/$(basename "$_d") "$(cat "$_d/data_bytes")")"; done | sort | sha256sum | cut -c1-64; }
'''


def setup(build_dir=DEFAULT_BUILD):
    """Run tools/qemu-mtd/setup.sh once per process and build dir (quiet); return the seconds it took.
    Raise SetupError with its output when it fails (and again, at once, on every later call)."""
    build_dir = os.path.abspath(build_dir)
    state = _setup.get(build_dir)
    if state is not None:
        if isinstance(state, str):
            raise SetupError(state)
        return state
    start = time.monotonic()
    if os.environ.get("QEMU_SETUP_DONE"):      # under ctest the fixture qemu_setup (tools/qemu-setup.sh) did it
        if not os.path.isfile(os.path.join(build_dir, "cache", "root", ".complete")):
            _setup[build_dir] = "QEMU_SETUP_DONE is set, but %s is not set up (tools/qemu-setup.sh)" % build_dir
            raise SetupError(_setup[build_dir])
        _setup[build_dir] = 0.0
        return 0.0
    try:
        r = subprocess.run([os.path.join(TOOLS, "setup.sh"), build_dir], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=1200)
        ok, out = r.returncode == 0, (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        ok, out = False, str(e)
    if not ok:
        _setup[build_dir] = ("the MTD/UBI QEMU harness cannot be set up on this host (tools/qemu-mtd/setup.sh "
                             "failed): it needs root for apt-get and the Debian package mirror on the first "
                             "run:\n" + out)
        raise SetupError(_setup[build_dir])
    _setup[build_dir] = time.monotonic() - start
    return _setup[build_dir]


def default_failsafed():
    """$FAILSAFED, else build/failsafed of the source tree."""
    return os.path.abspath(os.environ.get("FAILSAFED", os.path.join(ROOT, "build", "failsafed")))


def make_squashfs(src_dir, out_path, comp="gzip"):
    """mksquashfs SRC_DIR OUT_PATH (host side, owned by root, reproducible enough for tests)."""
    if os.path.exists(out_path):
        os.unlink(out_path)
    subprocess.run(["mksquashfs", src_dir, out_path, "-noappend", "-quiet", "-no-progress", "-all-root",
                    "-comp", comp], check=True, stdout=subprocess.DEVNULL)
    return out_path


def run_guest(build_dir, failsafed, script_text, extra_files=None, timeout_s=300, name="guest", append="",
              machine="q35", echo=False):
    """Boot the guest with SCRIPT_TEXT as its script; return GuestRun (rc, serial_log).

    build_dir: the harness's build dir (setup.sh runs there first, quietly); failsafed: a host build
    (None: default_failsafed()); extra_files: {guest_path: host_path} (files or directories);
    append: extra kernel arguments (MODULE.PARAM=VALUE, qmtd.skip=MOD,...); machine: q35 or microvm;
    echo: copy the console to this process's stdout as it comes."""
    build_dir = os.path.abspath(build_dir)
    failsafed = os.path.abspath(failsafed or default_failsafed())
    if not os.access(failsafed, os.X_OK):
        raise AssertionError("no failsafed binary at %s (build it first)" % failsafed)
    setup(build_dir)
    run_dir = os.path.join(build_dir, "runs", name)
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    script = os.path.join(run_dir, "guest.sh")
    with open(script, "w") as f:
        f.write(script_text if script_text.endswith("\n") else script_text + "\n")
    initrd = os.path.join(run_dir, "initramfs.cpio")
    log_path = os.path.join(run_dir, "serial.log")
    timings = {}

    argv = [os.path.join(TOOLS, "mkinitramfs.sh"), build_dir, "--failsafed", failsafed, "--script", script,
            "--out", initrd]
    for guest_path, host_path in (extra_files or {}).items():
        argv += ["--add", "%s:%s" % (os.path.abspath(host_path), guest_path)]
    start = time.monotonic()
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError("mkinitramfs.sh failed (%d):\n%s" % (r.returncode, (r.stdout + r.stderr).strip()))
    timings["initramfs"] = time.monotonic() - start

    argv = [os.path.join(TOOLS, "run.sh"), build_dir, "--initrd", initrd, "--log", log_path,
            "--timeout", str(int(timeout_s)), "--machine", machine]
    if append:
        argv += ["--append", append]
    start = time.monotonic()
    # Its own session: if this process is interrupted, the whole group (run.sh, timeout, QEMU) is ended.
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    harness_out = []
    try:
        for raw in proc.stdout:
            line = raw.decode(errors="replace")
            if "ready" not in timings and line.startswith("QMTD-READY"):
                timings["ready"] = time.monotonic() - start
            if line.startswith("run.sh:"):
                harness_out.append(line.strip())
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
    timings["run"] = time.monotonic() - start
    with open(log_path, "rb") as f:
        log = f.read().decode(errors="replace").replace("\r\n", "\n")
    m = EXIT_RE.findall(log)
    rc = int(m[-1]) if m else None
    if rc is None:
        log += "\n[qemu_mtd: no QMTD-EXIT line; %s]\n" % ("; ".join(harness_out) or "run.sh exit %s" % proc.returncode)
    return GuestRun(rc, log, log_path, run_dir, timings)


def markers(log, kind="OK"):
    """The step names of QMTD-OK (or QMTD-FAIL) lines, in order."""
    return re.findall(r"^QMTD-%s (\S+)" % kind, log, re.M)


def _demo(argv):
    import argparse
    ap = argparse.ArgumentParser(description="run tools/qemu-mtd/demo-guest.sh and print timings")
    ap.add_argument("--demo", action="store_true", required=True)
    ap.add_argument("--build-dir", default=DEFAULT_BUILD)
    ap.add_argument("--failsafed", default=None)
    ap.add_argument("--machine", default="q35", choices=("q35", "microvm"))
    ap.add_argument("--echo", action="store_true", help="show the console as it comes")
    a = ap.parse_args(argv)
    t = time.monotonic()
    setup_s = setup(a.build_dir)
    with tempfile.TemporaryDirectory(prefix="qmtd-demo.") as tmp:
        rom = os.path.join(tmp, "rom")
        os.makedirs(os.path.join(rom, "etc", "config"))
        with open(os.path.join(rom, "etc", "banner"), "w") as f:
            f.write("OpenWrt-style rom for the failsafed MTD demo\n")
        with open(os.path.join(rom, "etc", "config", "system"), "w") as f:
            f.write("config system\n\toption hostname OpenWrt\n")
        sqfs = make_squashfs(rom, os.path.join(tmp, "rom.sqfs"))
        with open(os.path.join(TOOLS, "demo-guest.sh")) as f:
            script = f.read()
        res = run_guest(a.build_dir, a.failsafed, script, {"/qmtd/rom.sqfs": sqfs}, name="demo",
                        machine=a.machine, echo=a.echo)
    if not a.echo:
        sys.stdout.write(res.log)
    size = os.path.getsize(os.path.join(res.run_dir, "initramfs.cpio"))
    print("\nsetup %.1f s, initramfs %.1f s (%.1f MB), QEMU start to QMTD-READY %s, run %.1f s, total %.1f s"
          % (setup_s, res.timings["initramfs"], size / 1e6,
             "%.1f s" % res.timings["ready"] if "ready" in res.timings else "never", res.timings["run"],
             time.monotonic() - t))
    fails = markers(res.log, "FAIL")
    print("steps ok: %d, failed: %s; guest exit %s; log %s"
          % (len(markers(res.log)), " ".join(fails) or "none", res.rc, res.log_path))
    return 0 if res.rc == 0 and not fails else 1


if __name__ == "__main__":
    sys.exit(_demo(sys.argv[1:]))
