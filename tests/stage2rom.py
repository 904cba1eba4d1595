"""tests/stage2rom.py — a read-only root (squashfs) that failsafed runs from, for the tests of flashing from RAM (stage2).

make_rom(): BusyBox with a link for each of its applets, failsafed at /usr/sbin/failsafed, more programs at their own
paths, each with the dynamic loader and the libraries this host's ldd finds for it (the QEMU harnesses' guests run
this host's builds, so the same libraries serve), a stand-in reboot (/sbin/fake-reboot: leaves /tmp/rebooted, as a
real reboot would end the test's QEMU), failsafe= in /etc/cmdline (the command line failsafed is told to read), and
the directories a root is mounted on.
"""
import os
import re
import shutil
import subprocess


def ldd(path):
    """The dynamic loader and libraries path needs, as this host's ldd finds them ([] for a static program)."""
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    if r.returncode != 0:
        return []
    libs = re.findall(r"=> (/\S+)", r.stdout) + re.findall(r"^\s*(/\S+) \(0x", r.stdout, re.M)
    return sorted(set(libs))


def copy_into(root, path, dst=None):
    target = os.path.join(root, (dst or path).lstrip("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy2(os.path.realpath(path), target)


def make_rom(tmp, name, failsafed, busybox="/bin/busybox", programs=(), files=None, banner=None):
    """Build the tree in tmp/rom-NAME and squash it into tmp/rom-NAME.sqfs; return its bytes.
    programs: host paths copied to the same path with their libraries; files: {guest path: bytes}."""
    rom = os.path.join(tmp, "rom-" + name)
    shutil.rmtree(rom, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc", "root", "overlay", "rom"):
        os.makedirs(os.path.join(rom, d), exist_ok=True)
    copy_into(rom, busybox, "/bin/busybox")
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for a in applets:
        link = os.path.join(rom, "bin", a)
        if a != "busybox" and not os.path.lexists(link):
            os.symlink("busybox", link)
    copy_into(rom, failsafed, "/usr/sbin/failsafed")
    for p in [failsafed] + list(programs):
        if p != failsafed:
            copy_into(rom, p)
        for lib in ldd(p):
            copy_into(rom, lib)
    extra = {"/sbin/fake-reboot": b"#!/bin/sh\necho rebooted >/tmp/rebooted\n",
             "/etc/cmdline": b"console=ttyS0 failsafe=1\n",
             "/etc/banner": ((banner or name) + "\n").encode()}
    extra.update(files or {})
    for path, data in extra.items():
        target = os.path.join(rom, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
    os.chmod(os.path.join(rom, "sbin", "fake-reboot"), 0o755)
    out = os.path.join(tmp, "rom-%s.sqfs" % name)
    if os.path.exists(out):
        os.unlink(out)
    subprocess.run(["mksquashfs", rom, out, "-quiet", "-noappend", "-all-root", "-comp", "gzip"], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out, "rb") as f:
        return f.read()
