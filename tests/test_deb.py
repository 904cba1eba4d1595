"""tests/test_deb.py — the Debian packages: built with Debian's flags, lintian without errors, installed and used in
a clean Debian 12 chroot.

packaging/debian/build.sh builds failsafed_<v>-1_<arch>.deb and failsafectl_<v>-1_<arch>.deb (cpack -G DEB) in
<build>/deb-build and runs lintian (any error fails). The chroot: debootstrap --variant=minbase bookworm with man-db and
bash-completion, made once and cached in <build>/deb-chroot/base (the mirror of /etc/apt); each run mounts an
overlay over it (the upper layer in a temporary directory) in a mount namespace of its own, so the cached root and
the host's dpkg database are never touched, and the namespace's mounts end with it. In there: apt-get install of
both .deb files (apt resolves their Depends from the mirror), `failsafectl --help`, `man failsafectl` and the
section 8 pages, the applets through their links, bash completion of commands and options, and dpkg --purge leaving
nothing behind. Needs root and the Debian mirror the first time; never skips.
"""
import glob
import os
import shutil
import subprocess
import tempfile
import time

from fsd import run_tests

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", os.path.join(SRC, "build"))
DEB = os.path.join(BIN_DIR, "deb-build")
CHROOT = os.path.join(BIN_DIR, "deb-chroot")
BASE = os.path.join(CHROOT, "base")
ARCHIVES = os.path.join(CHROOT, "archives")      # apt's downloads, kept between runs
INCLUDE = "man-db,bash-completion"
_debs = {}


def mirror():
    try:
        with open("/etc/apt/sources.list.d/debian.sources") as f:
            for line in f:
                if line.startswith("URIs:"):
                    return line.split()[1]
    except OSError:
        pass
    return "http://deb.debian.org/debian"


def debs():
    """Build the packages (lintian included) once per process."""
    if "error" in _debs:
        raise AssertionError("building the packages failed before: " + _debs["error"])
    if not _debs:
        t0 = time.monotonic()
        r = subprocess.run([os.path.join(SRC, "packaging/debian/build.sh"), DEB], capture_output=True, text=True,
                           timeout=1200)
        if r.returncode != 0:
            _debs["error"] = (r.stdout + r.stderr).strip().splitlines()[-1] if (r.stdout + r.stderr).strip() else "?"
            raise AssertionError("packaging/debian/build.sh failed:\n%s%s" % (r.stdout, r.stderr))
        print("  " + r.stdout.strip().replace("\n", "\n  "), flush=True)
        print("  build + cpack + lintian: %.0f s" % (time.monotonic() - t0), flush=True)
        for name in ("failsafed", "failsafectl"):
            found = sorted(glob.glob(os.path.join(DEB, "%s_*.deb" % name)))
            if not found:
                raise AssertionError("no %s_*.deb in %s" % (name, DEB))
            _debs[name] = found[-1]
    return _debs


def base():
    """debootstrap's Debian 12 (minbase + man-db, bash-completion, apt's lists), made once."""
    stamp = os.path.join(BASE, ".failsafed-base")
    want = "bookworm minbase %s %s" % (INCLUDE, mirror())
    try:
        with open(stamp) as f:
            if f.read().strip() == want:
                return BASE
    except OSError:
        pass
    if os.geteuid() != 0:
        raise AssertionError("this test needs root (debootstrap, chroot, mounts)")
    shutil.rmtree(BASE, ignore_errors=True)
    os.makedirs(CHROOT, exist_ok=True)
    log = os.path.join(CHROOT, "debootstrap.log")
    t0 = time.monotonic()
    with open(log, "w") as f:
        r = subprocess.run(["debootstrap", "--variant=minbase", "--include=" + INCLUDE, "bookworm", BASE, mirror()],
                           stdout=f, stderr=subprocess.STDOUT, timeout=1200)
    if r.returncode != 0:
        with open(log) as f:
            raise AssertionError("debootstrap failed (rc %d):\n%s" % (r.returncode, f.read()[-3000:]))
    # apt's package lists, so that each run resolves the Depends without an update of its own
    r = in_root(BASE, "apt-get update -qq", overlay=False)
    if r.returncode != 0:
        raise AssertionError("apt-get update in the new chroot failed:\n%s" % r.stdout)
    with open(stamp, "w") as f:
        f.write(want + "\n")
    print("  debootstrap bookworm minbase (+ %s): %.0f s, cached in %s" % (INCLUDE, time.monotonic() - t0, BASE),
          flush=True)
    return BASE


# The mounts are made in a mount namespace of this script's own (unshare -m, private propagation): they end with it.
SCRIPT = r'''
set -eu
R=$1; shift
if [ "$OVERLAY" = 1 ]; then
	mount -t tmpfs tmpfs "$WORK"
	mkdir "$WORK/upper" "$WORK/work" "$WORK/root"
	mount -t overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/work" overlay "$WORK/root"
	R=$WORK/root
	mkdir -p "$ARCHIVES/partial"
	mount --bind "$ARCHIVES" "$R/var/cache/apt/archives"
fi
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=755 tmpfs "$R/dev"
for n in "null 1 3" "zero 1 5" "random 1 8" "urandom 1 9" "tty 5 0"; do
	set -- $n; mknod -m 666 "$R/dev/$1" c "$2" "$3"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t tmpfs tmpfs "$R/tmp"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
[ -z "${DEBS:-}" ] || cp $DEBS "$R/tmp/"
exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
	DEBIAN_FRONTEND=noninteractive /bin/bash -euo pipefail -c "$CMD"
'''


def in_root(root, cmd, overlay=True, debs=(), timeout=600):
    """cmd in bash inside the chroot (over an overlay of it, by default); stdout and stderr together."""
    work = tempfile.mkdtemp(prefix="fsd-deb-root.")
    env = dict(os.environ, OVERLAY="1" if overlay else "0", WORK=work, BASE=root, ARCHIVES=ARCHIVES,
               DEBS=" ".join(debs), CMD=cmd)
    try:
        return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", SCRIPT, "sh", root],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check(r, what, *needles):
    out = r.stdout
    if r.returncode != 0:
        raise AssertionError("%s: exit %d:\n%s" % (what, r.returncode, out[-4000:]))
    for n in needles:
        if n not in out:
            raise AssertionError("%s: no %r in:\n%s" % (what, n, out[-4000:]))
    return out


def test_build_and_lintian():
    d = debs()
    for name, path in d.items():
        info = subprocess.run(["dpkg-deb", "-f", path, "Package", "Depends", "Recommends", "Section"],
                              capture_output=True, text=True).stdout
        print("  %s (%d bytes):\n    %s" % (os.path.basename(path), os.path.getsize(path),
                                            info.strip().replace("\n", "\n    ")), flush=True)
    depends = subprocess.run(["dpkg-deb", "-f", d["failsafed"], "Depends"], capture_output=True, text=True).stdout
    for lib in ("libev4", "libgpiod2", "libmnl0", "libmicrohttpd12", "libnettle8"):
        assert lib in depends, "failsafed does not depend on %s: %s" % (lib, depends)
    assert "json-c" not in depends, depends   # the JSON is app/common/json.c's
    depends = subprocess.run(["dpkg-deb", "-f", d["failsafectl"], "Depends"], capture_output=True, text=True).stdout
    assert "libcurl4" in depends and "libgpiod" not in depends and "libmnl" not in depends, depends
    assert "json-c" not in depends, depends
    with open(os.path.join(DEB, "lintian.txt")) as f:
        report = f.read()
    assert not any(line.startswith("E:") for line in report.splitlines()), report


INSTALL = r'''
apt-get install -y -qq --no-install-recommends /tmp/failsafectl_*.deb /tmp/failsafed_*.deb >/tmp/apt.log 2>&1 ||
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/failsafectl_*.deb /tmp/failsafed_*.deb; } ||
	{ cat /tmp/apt.log; exit 1; }
echo "installed: $(dpkg-query -W -f='${Package} ${Version} ${Status}; ' failsafed failsafectl)"
echo "deps: $(dpkg-query -W -f='${Package} ' libev4 libgpiod2 libmnl0 libmicrohttpd12 libcurl4)"   # sorted
'''

USE = r'''
failsafectl --help | head -3
failsafectl recover --help | head -1
echo "---man"
MANWIDTH=100 man failsafectl | head -6
MANWIDTH=100 man 1 failsafectl | grep -c 'failsafectl recover' >/dev/null && echo "man1 ok"
for p in failsafed sysupgrade mount_root firstboot; do
	MANWIDTH=100 man 8 $p | sed -n 's/^ *\(\(failsafed\|sysupgrade\|mount_root\|firstboot\) \xe2\x80\x94 .*\)/PAGE \1/p'
done
echo "---applets"
failsafed --version
sysupgrade --help | head -1
mount_root --help | head -1
firstboot --help | head -1
echo "---completion"
set +eu   # bash-completion is not written for -e and -u
source /usr/share/bash-completion/bash_completion
# loaded on demand from /usr/share/bash-completion/completions/ by the command's name (124: loaded, complete again)
_completion_loader failsafectl; [ $? -eq 124 ] && complete -p failsafectl
complete_words() {   # what pressing Tab after "$*" offers
	COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	$(complete -p failsafectl | sed 's/.*-F \([^ ]*\) .*/\1/') failsafectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	echo "$* -> ${COMPREPLY[*]}"
}
complete_words failsafectl ""
complete_words failsafectl re
complete_words failsafectl recover --re
complete_words failsafectl serve --
echo "---purge"
dpkg --purge failsafed failsafectl >/dev/null
for f in /usr/sbin/failsafed /usr/sbin/sysupgrade /usr/sbin/mount_root /usr/sbin/firstboot /usr/bin/failsafectl \
	/usr/share/man/man8/failsafed.8.gz /usr/share/bash-completion/completions/failsafectl /usr/share/doc/failsafed; do
	if [ -e "$f" ] || [ -L "$f" ]; then echo "left: $f"; fi
done
echo "purged"
'''


def test_install_and_use_in_clean_debian():
    d = debs()
    root = base()
    t0 = time.monotonic()
    r = in_root(root, INSTALL + USE, debs=(d["failsafed"], d["failsafectl"]))
    out = check(r, "install and use in the chroot",
                "failsafed 0.2.0-1 install ok installed", "failsafectl 0.2.0-1 install ok installed",
                "deps: libcurl4 libev4 libgpiod2 libmicrohttpd12 libmnl0",
                "complete -F _failsafectl failsafectl",
                "Usage: failsafectl COMMAND", "Usage: failsafectl recover IMAGE",
                "failsafectl — find a board in failsafe mode", "man1 ok",
                "PAGE failsafed — failsafe boot window", "PAGE sysupgrade — flash a verified OpenWrt",
                "PAGE mount_root — mount the writable overlay", "PAGE firstboot — factory reset of the overlay",
                "Usage: sysupgrade", "Usage: mount_root", "Usage: firstboot",
                "failsafectl  -> sim listen telnet mkimage serve recover --help",
                "failsafectl re -> recover", "failsafectl recover --re -> --reboot --reset-settings",
                "purged")
    if "left:" in out:
        raise AssertionError("dpkg --purge left files:\n%s" % out)
    # serve's options, not the --sha256 its help mentions as sysupgrade's
    serve = [l.split("->")[1].split() for l in out.splitlines() if l.startswith("failsafectl serve -- ->")]
    assert serve and {"--once", "--port", "--bind", "--help"} <= set(serve[0]) and "--sha256" not in serve[0], serve
    print("  " + "\n  ".join(l for l in out.splitlines() if l.startswith(("installed", "deps", "PAGE", "failsafectl ")))
          + "\n  in the chroot: %.0f s" % (time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    run_tests([test_build_and_lintian, test_install_and_use_in_clean_debian])
