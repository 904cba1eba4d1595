#!/usr/bin/env python3
"""tools/bench_flash.py — flashing throughput: `failsafectl serve` → `sysupgrade tcp://` (received into RAM,
verified, written, synced, read back) against the unsafe `nc | dd` recipe, same image, same namespaces,
same kind of partition, side by side in one run. Prints a table; asserts nothing.

The board and the PC are two network namespaces made for the run (board 192.168.1.1, PC 192.168.1.2); the
partitions are loop devices on files this script makes, detached at the end; mounts stay in a private mount
namespace of the script's own."""
import argparse
import hashlib
import os
import signal
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

if os.environ.get("FSD_PRIVATE_MOUNTS") != "1":
    os.environ["FSD_PRIVATE_MOUNTS"] = "1"
    os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from netns import Lan  # noqa: E402


def sh(*argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failsafed", default="build/failsafed")
    ap.add_argument("--failsafectl", default="build/failsafectl")
    ap.add_argument("--mib", type=int, default=64, help="image size (default 64 MiB)")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--medium", choices=("disk", "ram"), default="disk",
                    help="where the partition's backing file lives: the host disk (synced) or tmpfs")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fsd-bench-flash.", dir="/dev/shm" if a.medium == "ram" else None)
    ram = tempfile.mkdtemp(prefix="fsd-bench-ram.")
    loops = []
    lan = None
    # SIGTERM runs the finally below too: the loop device, the namespaces and the tmpfs go.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(128 + sig))
    try:
        rom = os.path.join(work, "rom")   # an empty read-only root: nothing of the host's / is looked at
        os.mkdir(rom)
        sh("mount", "-t", "tmpfs", "-o", "size=%dm" % (a.mib * 3), "ram", ram)   # the board's RAM
        payload = os.path.join(work, "payload.bin")
        with open(payload, "wb") as f:
            for _ in range(a.mib):
                f.write(os.urandom(1 << 20))
        image = os.path.join(work, "fw.img")
        sh(a.failsafectl, "mkimage", "--board", "sim", "--version", "bench", payload, "-o", image)
        want = hashlib.sha256(open(payload, "rb").read()).hexdigest()
        part = os.path.join(work, "part.img")
        with open(part, "wb") as f:
            f.truncate((a.mib + 8) << 20)
        dev = sh("losetup", "-f", "--show", part).stdout.strip()
        loops.append(dev)
        lan = Lan()
        # No daemon here: the board's port is configured by hand, inside its namespace.
        sh("ip", "-n", lan.board, "addr", "add", "192.168.1.1/24", "dev", "eth0")
        sh("ip", "-n", lan.board, "link", "set", "eth0", "up")
        results = {"nc | dd conv=fsync (no check)": [], "failsafectl serve → sysupgrade tcp:// (verified)": []}
        for _ in range(a.runs):
            for name in results:
                serve = subprocess.Popen(lan.in_pc() + [a.failsafectl, "serve", image, "--port", "3333", "--once",
                                                        "--timeout", "60", "--plain"],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for line in serve.stdout:                # listening once it says so
                    if "serving" in line:
                        break
                t0 = time.monotonic()
                if name.startswith("nc"):
                    subprocess.run(lan.in_board() + ["sh", "-c", "nc -d 192.168.1.2 3333 | dd of=%s bs=1M "
                                                     "conv=fsync status=none" % dev], check=True)
                else:
                    subprocess.run(lan.in_board() + [a.failsafed, "sysupgrade", "-n", "-q", "--root", rom,
                                                     "--firmware", dev, "--tmp-dir", ram, "--state-dir", work,
                                                     "--rootfs-data", "ubi:none-in-this-bench",
                                                     "tcp://192.168.1.2:3333"],
                                   check=True, capture_output=True)
                results[name].append(time.monotonic() - t0)
                serve.communicate(timeout=30)
                with open(dev, "rb") as f:
                    got = hashlib.sha256(f.read(a.mib << 20)).hexdigest()
                assert got == want, "%s wrote something else" % name
        base = statistics.median(results["nc | dd conv=fsync (no check)"])
        print("Flashing a %d MiB image over a veth, partition = loop device on %s (%d runs, median)" %
              (a.mib, "tmpfs" if a.medium == "ram" else "the host disk", a.runs))
        print("%-50s %9s %10s %9s   %s" % ("method", "seconds", "MiB/s", "vs nc|dd", "each run (ms, sorted)"))
        for name, times in results.items():
            t = statistics.median(times)
            print("%-50s %9.3f %10.1f %8.2fx   %s" % (name, t, a.mib / t, base / t,
                                                   " ".join("%.0f" % (x * 1000) for x in sorted(times))))
    finally:
        if lan:
            lan.close()
        for dev in loops:
            subprocess.run(["losetup", "-d", dev])
        subprocess.run(["umount", "-l", ram])
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(ram, ignore_errors=True)


if __name__ == "__main__":
    main()
