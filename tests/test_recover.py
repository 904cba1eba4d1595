"""tests/test_recover.py — failsafectl recover end to end: the PC's namespace runs recover, the simulated board boots in
its own network and mount namespaces (loop devices as rom, rootfs_data and firmware) with a long window, and the test
presses the simulated button when recover says "press the button now". A good image is written (settings kept or
reset); a broken image is refused before any board is heard; a wrong-board image is waited past, refused by the
board's own checks or by its recovery page's board, or forced; a window that closes unpressed is said; no board
within --timeout names the PC's interfaces; no --yes and no terminal writes nothing; a "n" typed at the question
writes nothing. Every partition is compared."""
import os
import pty
import re
import signal
import subprocess
import threading
import time

import storagefix  # noqa: F401  (re-executes under unshare -m first: loop devices and mounts stay ours)
from storagefix import FAILSAFECTL, Router, make_image, sha256_file, sh
from fsd import PROMPT_F, run_tests
import openwrt_images
from netns import Scene

WINDOW_MS = 20000   # long: the test presses the button when recover says so, never racing the window


class Recover:
    """failsafectl recover in the PC's namespace, its output (stdout and stderr) read line by line on a thread."""

    def __init__(self, s, *args, tty=False):
        self.lines = []
        self.cond = threading.Condition()
        self.master = None
        argv = s.lan.in_pc() + [FAILSAFECTL, "recover"] + list(args)
        if tty:
            # stdin a terminal (the question is asked there), output still a pipe
            self.master, slave = pty.openpty()
            self.proc = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            os.close(slave)
        else:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buf = b""
        while True:
            chunk = self.proc.stdout.read1(65536)
            if not chunk:
                break
            buf += chunk
            # the question ends without a newline: hand it over too
            parts = buf.split(b"\n")
            buf = parts.pop()
            with self.cond:
                self.lines += [p.decode(errors="replace") for p in parts]
                if buf.endswith(b"[y/N] "):
                    self.lines.append(buf.decode(errors="replace"))
                    buf = b""
                self.cond.notify_all()
        with self.cond:
            if buf:
                self.lines.append(buf.decode(errors="replace"))
            self.cond.notify_all()

    def text(self):
        with self.cond:
            return "\n".join(self.lines)

    def wait_for(self, what, timeout_s=30):
        """Wait until a line holds what; the time it was seen (monotonic s)."""
        end = time.monotonic() + timeout_s
        with self.cond:
            while not any(what in line for line in self.lines):
                left = end - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.thread.is_alive()):
                    raise AssertionError("recover never said %r; it said:\n%s" % (what, "\n".join(self.lines)))
                self.cond.wait(min(left, 0.1))
        return time.monotonic()

    def answer(self, text):
        os.write(self.master, text.encode())

    def finish(self, timeout_s=60):
        try:
            rc = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("recover did not end in %d s; it said:\n%s" % (timeout_s, self.text()))
        self.thread.join(5)
        return rc, self.text()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.master is not None:
            os.close(self.master)
            self.master = None


def settings(r, text=None):
    """The overlay's /etc/config/network on rootfs_data (written when text is given); None when absent."""
    mnt = r.scratch("data-mnt")
    os.makedirs(mnt, exist_ok=True)
    sh("mount", r.data, mnt)
    try:
        path = os.path.join(mnt, "upper", "etc", "config", "network")
        if text is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        return open(path).read() if os.path.exists(path) else None
    finally:
        sh("umount", mnt)


def board(s, r, failsafe=False, window_ms=WINDOW_MS):
    """The simulated board booting (window open, WINDOW_MS long), or already in failsafe with its page up."""
    mark = r.scratch("rebooted")
    reboot = r.scratch("fake-reboot")
    with open(reboot, "w") as f:
        f.write("#!/bin/sh\necho rebooted > %s\n" % mark)
    os.chmod(reboot, 0o755)
    d = s.daemon("--root", r.root, "--rootfs-data", r.data, "--firmware", r.fw, "--reboot-cmd", reboot,
                 cmdline="failsafe=1" if failsafe else "console=ttyS0,115200 quiet", window_ms=window_ms,
                 shell="/bin/sh")
    if failsafe:
        d.expect("- failsafe -")
        end = time.monotonic() + 5
        while "recovery: page on" not in d.stderr():
            assert time.monotonic() < end, d.stderr()
            time.sleep(0.02)
    else:
        d.expect(PROMPT_F)
    return d, mark


def images(r, size=4 << 20, name="good.img", **kw):
    """A random payload of size bytes and its image (make_image's keywords: boards, extra)."""
    payload = r.scratch("payload.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(size))
    return payload, make_image(payload, r.scratch(name), version="7.7.7", **kw)


def flash_with_button(r, payload, *args):
    """recover --yes ARGS with the board powered on after it; the button pressed when told. (rc, output, seconds
    from "press the button now" to "Upgrade completed" as the test saw them, the daemon's patterns, reboot mark)."""
    with Scene() as s:
        rec = Recover(s, *args)
        try:
            rec.wait_for("listening for boards")
            d, mark = board(s, r)
            t_press = rec.wait_for("press the button now", timeout_s=10)
            d.ctl("click", "reset")
            t_done = rec.wait_for("Upgrade completed", timeout_s=60)
            rc, out = rec.finish()
        finally:
            rec.kill()
        assert d.state_file("failsafe") is not None, "the board entered failsafe"
        if "--reboot" in args:
            end = time.monotonic() + 10   # the board runs its reboot command after answering
            while not os.path.exists(mark) and time.monotonic() < end:
                time.sleep(0.05)
        patterns = d.patterns()
        d.stop()
    return rc, out, t_done - t_press, patterns, os.path.exists(mark)


def test_good_image_settings_kept():
    r = Router()
    payload, good = images(r)
    settings(r, "from-before-the-upgrade\n")
    rc, out, secs, patterns, rebooted = flash_with_button(r, payload, good, "--yes", "--plain", "--timeout", "60",
                                                           "--reboot")
    assert rc == 0, out
    for line in ("boards:   failsafed,sim", "this PC: pc0 192.168.1.2/24", "in the failsafe subnet",
                 "press the button now on sim at 192.168.1.1", "sim at 192.168.1.1 entered failsafe (via button:reset)",
                 "board: sim (Simulated board, compatible failsafed,sim)", "uploaded 4.0 MiB in",
                 "the board checked it: accept", "board: Saving config files...", "Upgrade completed: sim at 192.168.1.1",
                 "settings kept", "rebooting sim"):
        assert line in out, (line, out)
    assert re.search(r"^  (complete|sha256|metadata|board|compat_version) +ok ", out, re.M), out
    assert re.search(r"s from \"press the button now\" to \"Upgrade completed\"", out), out
    assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload), "the partition holds the payload"
    assert settings(r) == "from-before-the-upgrade\n", "settings kept"
    assert rebooted, "--reboot rebooted the board"
    assert "200/200" in [p for _, role, _, p in patterns if role == "boot"], "the upgrade LED pattern"
    print("   press the button -> Upgrade completed: %.2f s (4 MiB image, as the test saw it)" % secs)
    print("   " + [line for line in out.splitlines() if "from \"press the button now\"" in line][0])


def test_good_image_settings_reset():
    r = Router()
    payload, good = images(r, size=1 << 20)
    settings(r, "from-before-the-upgrade\n")
    rc, out, _, _, rebooted = flash_with_button(r, payload, good, "--yes", "--plain", "--reset-settings",
                                                "--interface", "pc0")
    assert rc == 0, out
    assert "settings reset" in out and "Upgrade completed" in out, out
    assert "next: the board stays in failsafe until it restarts" in out and "curl -X POST http://192.168.1.1/reboot" \
        in out, out
    assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload)
    assert settings(r) is None, "settings reset: the overlay's file is gone"
    assert not rebooted, "no reboot without --reboot"


def test_broken_images_refused_before_any_board():
    r = Router()
    payload, good = images(r, size=1 << 20)
    data = open(good, "rb").read()
    bad = r.scratch("badcrc.img")
    with open(bad, "wb") as f:
        f.write(data[:1000] + bytes([data[1000] ^ 1]) + data[1001:])
    trunc = r.scratch("truncated.img")
    with open(trunc, "wb") as f:
        f.write(data[:-7])
    nometa = r.scratch("raw.bin")
    with open(nometa, "wb") as f:
        f.write(os.urandom(1 << 20))
    before = r.fw_sha()
    with Scene() as s:
        d, _ = board(s, r)   # a board in its window, ready to be rung for: it never is
        for path, want in ((bad, "is broken (bad-crc"), (trunc, "is broken ("), (nometa, "has no OpenWrt metadata"),
                           (r.scratch("missing.img"), "No such file or directory")):
            rec = Recover(s, path, "--yes", "--plain", "--timeout", "30")
            rc, out = rec.finish(timeout_s=10)
            assert rc == 3, (path, rc, out)
            assert want in out and "listening for boards" not in out and "press the button" not in out, (path, out)
            assert time.monotonic() - rec.started < 5, "refused at once, not after --timeout"
        assert d.state_file("failsafe") is None, "the board was never rung for"
        d.stop()
    assert r.fw_sha() == before


def test_wrong_board_waited_past():
    r = Router()
    _, other = images(r, 1 << 20, "other.img", boards=("acme,other-router",))
    before = r.fw_sha()
    with Scene() as s:
        d, _ = board(s, r)
        rec = Recover(s, other, "--yes", "--plain", "--timeout", "4")
        rc, out = rec.finish(timeout_s=20)
        assert rc == 4, (rc, out)
        assert "heard sim at 192.168.1.1 (failsafed,sim), but other.img is not for it: the image is for " \
               "acme,other-router" in out, out
        assert "no board this image is for announced itself within 4 s" in out and "--force" in out, out
        assert "press the button now" not in out, out
        assert d.state_file("failsafe") is None
        d.stop()
    assert r.fw_sha() == before


def test_window_missed():
    """Nobody presses the button: recover says the window closed and what to do, then gives up (exit 4)."""
    r = Router()
    _, good = images(r, size=1 << 20)
    before = r.fw_sha()
    with Scene() as s:
        rec = Recover(s, good, "--yes", "--plain", "--timeout", "5")
        try:
            rec.wait_for("listening for boards")
            d, _ = board(s, r, window_ms=1500)
            rc, out = rec.finish(timeout_s=20)
        finally:
            rec.kill()
        assert rc == 4, (rc, out)
        assert "press the button now on sim at 192.168.1.1" in out, out
        assert "the window of sim at 192.168.1.1 closed without failsafe (the button was not pressed in time?): " \
               "power the board off and on, and press the button when told" in out, out
        assert "no board entered failsafe within 5 s" in out, out
        assert d.wait_exit() == 0, "the board went on with its normal boot"
        d.stop()
    assert r.fw_sha() == before


def test_board_checks_refuse():
    """The board list fits, the board refuses (compat_version 2.0: force required): nothing written, nothing kept."""
    r = Router()
    _, compat2 = images(r, 1 << 20, "compat2.img", extra=("--compat", "2.0"))
    before = r.fw_sha()
    with Scene() as s:
        rec = Recover(s, compat2, "--yes", "--plain", "--timeout", "60", "--bind", "192.168.1.2")
        try:
            rec.wait_for("listening for boards")
            d, _ = board(s, r)
            rec.wait_for("press the button now", timeout_s=10)
            d.ctl("click", "reset")
            rc, out = rec.finish()
        finally:
            rec.kill()
        assert rc == 5, (rc, out)
        assert "the board checked it: invalid" in out and "refused the image" in out and "Nothing was written" in out, out
        assert re.search(r"^  compat_version +failed ", out, re.M), out
        status = subprocess.run(s.lan.in_pc() + ["curl", "-sS", "http://192.168.1.1/status"], capture_output=True,
                                text=True, timeout=10).stdout
        assert '"phase": "idle"' in status or '"phase":"idle"' in status, "the board dropped the image: " + status
        assert not os.path.exists(os.path.join(d.state_dir, "recovery", "upload.bin")), "nothing kept"
        d.stop()
    assert r.fw_sha() == before


def test_wrong_board_refused_by_its_page():
    """A board already in failsafe (--address): its page says which board it is; nothing is sent."""
    r = Router()
    _, other = images(r, 1 << 20, "other.img", boards=("acme,other-router",))
    before = r.fw_sha()
    with Scene() as s:
        d, _ = board(s, r, failsafe=True)
        rc, out = Recover(s, other, "--yes", "--plain", "--address", "192.168.1.1").finish(timeout_s=30)
        assert rc == 5, (rc, out)
        assert "the board at 192.168.1.1 is sim (failsafed,sim), and other.img is for acme,other-router: not " \
               "sending it" in out, out
        assert "uploading" not in out and "receiving an image" not in d.stderr(), out
        d.stop()
    assert r.fw_sha() == before


def test_openwrt_nand_tar_refused_before_upload():
    """An OpenWrt NAND sysupgrade tar for a board that writes one raw partition: refused by failsafectl from the
    board's table (its name in the page's status), before the upload; nothing written."""
    r = Router()
    tar = r.scratch("nand.bin")
    with open(tar, "wb") as f:
        f.write(openwrt_images.sysupgrade_tar("failsafed,sim", kernel=os.urandom(1 << 16),
                                              root=b"hsqs" + os.urandom(1 << 18)))
    before = r.fw_sha()
    with Scene() as s:
        d, _ = board(s, r, failsafe=True)
        rc, out = Recover(s, tar, "--yes", "--plain", "--address", "192.168.1.1").finish(timeout_s=30)
        assert rc == 5, (rc, out)
        assert "cannot take nand.bin: this is an OpenWrt sysupgrade tar (sysupgrade-failsafed_sim/" in out, out
        assert "Not sending it; nothing was written" in out, out
        assert "uploading" not in out and "receiving an image" not in d.stderr(), out
        d.stop()
    assert r.fw_sha() == before


def test_force():
    """--force: an image for another board, and one without metadata (forced with the SHA-256 checked here)."""
    r = Router()
    payload, other = images(r, 1 << 20, "other.img", boards=("acme,other-router",))
    with Scene() as s:
        d, _ = board(s, r, failsafe=True)
        rc, out = Recover(s, other, "--yes", "--plain", "--force", "--address", "192.168.1.1").finish(timeout_s=60)
        assert rc == 0, (rc, out)
        assert "note: sim (failsafed,sim) is not in the image's list (acme,other-router); --force: sending it " \
               "anyway" in out and "the board checked it: invalid" in out and "Upgrade completed" in out, out
        assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload)
        raw = r.scratch("raw.bin")
        with open(raw, "wb") as f:
            f.write(os.urandom(512 << 10))
        rc, out = Recover(s, raw, "--yes", "--plain", "--force", "--address", "192.168.1.1").finish(timeout_s=60)
        assert rc == 0 and "no metadata" in out and "Upgrade completed" in out, (rc, out)
        assert r.fw_sha(os.path.getsize(raw)) == sha256_file(raw)
        d.stop()


def test_no_board_within_timeout():
    r = Router()
    _, good = images(r, size=1 << 20)
    with Scene() as s:
        rec = Recover(s, good, "--yes", "--plain", "--timeout", "1.5")
        rc, out = rec.finish(timeout_s=20)
        assert rc == 4, (rc, out)
        assert "this PC: pc0 192.168.1.2/24 (no cable): pc0 is in the failsafe subnet" in out, out
        assert "no board announced itself on UDP 4919 within 1.5 s (this PC: pc0 192.168.1.2/24 (no cable)). No " \
               "interface has a link (no cable, or the board is off)" in out, out
        assert "--address 192.168.1.1" in out, out
        # a PC without an address in the failsafe subnet is told what to set, and where
        sh("ip", "-n", s.lan.pc, "addr", "del", "192.168.1.2/24", "dev", "pc0")
        sh("ip", "-n", s.lan.pc, "addr", "add", "10.9.8.7/24", "dev", "pc0")
        rc, out = Recover(s, good, "--yes", "--plain", "--timeout", "1").finish(timeout_s=20)
        assert rc == 4, (rc, out)
        assert "no address of this PC is in 192.168.1.0/24, the failsafe subnet (this PC: pc0 10.9.8.7/24 (no " \
               "cable)): set 192.168.1.2/24 on the interface cabled to the board, e.g.  sudo ip addr add " \
               "192.168.1.2/24 dev pc0" in out, out
        assert "No address of this PC is in 192.168.1.0/24, so the board's beacons are not received" in out, out
        rc, out = Recover(s, good, "--yes", "--interface", "nosuch0").finish(timeout_s=20)
        assert rc == 2 and "--interface nosuch0: this PC has no such interface (it has: lo, pc0)" in out, (rc, out)
        rc, out = Recover(s, good, "--yes", "--bind", "192.168.1.2").finish(timeout_s=20)
        assert rc == 2 and "--bind 192.168.1.2: not an IPv4 address of this PC (it has: 10.9.8.7)" in out, (rc, out)
        # Ctrl-C while waiting: said, exit 1
        rec = Recover(s, good, "--yes", "--plain")
        rec.wait_for("listening for boards")
        rec.proc.send_signal(signal.SIGINT)
        rc, out = rec.finish(timeout_s=10)
        assert rc == 1 and "interrupted while waiting for a board; nothing was sent" in out, (rc, out)


def test_no_yes_without_terminal_writes_nothing():
    r = Router()
    _, good = images(r, size=1 << 20)
    before = r.fw_sha()
    with Scene() as s:
        d, _ = board(s, r)
        rec = Recover(s, good, "--plain", "--timeout", "30")
        rc, out = rec.finish(timeout_s=10)
        assert rc == 6, (rc, out)
        assert "not flashing: no --yes, and standard input is not a terminal" in out, out
        assert "press the button" not in out and d.state_file("failsafe") is None, out
        d.stop()
    assert r.fw_sha() == before


def test_question_answered_no():
    r = Router()
    _, good = images(r, size=1 << 20)
    before = r.fw_sha()
    with Scene() as s:
        d, _ = board(s, r, failsafe=True)
        rec = Recover(s, good, "--plain", "--address", "192.168.1.1", tty=True)
        try:
            rec.wait_for("[y/N]")
            assert "the board checked it: accept" in rec.text(), rec.text()
            rec.answer("n\n")
            rc, out = rec.finish(timeout_s=20)
        finally:
            rec.kill()
        assert rc == 6 and "not written (the answer was not y): the board dropped the image" in out, (rc, out)
        status = subprocess.run(s.lan.in_pc() + ["curl", "-sS", "http://192.168.1.1/status"], capture_output=True,
                                text=True, timeout=10).stdout
        assert '"phase": "idle"' in status or '"phase":"idle"' in status, status
        d.stop()
    assert r.fw_sha() == before


def pc_ipv4(s):
    return [l.split()[3] for l in sh("ip", "-n", s.lan.pc, "-4", "-o", "addr", "show", "dev", "pc0").stdout.splitlines()]


def test_laptop_without_address_during_the_window():
    """The PC's port has no address: recover adds a temporary one outside the board's pool (the board is still in
    its window, no DHCP yet), says so in one line, flashes, and removes it on exit."""
    r = Router()
    payload, good = images(r, size=1 << 20)
    with Scene() as s:
        sh("ip", "-n", s.lan.pc, "addr", "flush", "dev", "pc0")
        rec = Recover(s, good, "--yes", "--plain", "--timeout", "60")
        try:
            rec.wait_for("listening for boards")
            assert re.search(r"added 192\.168\.1\.2\d\d/24 to pc0 for the failsafe subnet \(no DHCP answer: the "
                             r"board is not in failsafe yet\); removed on exit", rec.text()), rec.text()
            d, _ = board(s, r)
            rec.wait_for("press the button now", timeout_s=10)
            d.ctl("click", "reset")
            rec.wait_for("Upgrade completed", timeout_s=60)
            rc, out = rec.finish()
        finally:
            rec.kill()
        assert rc == 0, out
        assert re.search(r"192\.168\.1\.2\d\d/24 removed from pc0$", out, re.M), out
        assert pc_ipv4(s) == [], "the PC's port is as it was"
        d.stop()
    assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload)


def test_laptop_without_address_takes_a_lease():
    """The board is in failsafe already: recover takes a lease from its DHCP server, flashes, gives the lease back
    (the board's table is empty again) and removes the address."""
    r = Router()
    payload, good = images(r, size=1 << 20)
    with Scene() as s:
        sh("ip", "-n", s.lan.pc, "addr", "flush", "dev", "pc0")
        d, _ = board(s, r, failsafe=True)
        rec = Recover(s, good, "--yes", "--plain", "--address", "192.168.1.1")
        try:
            rec.wait_for("Upgrade completed", timeout_s=60)
            rc, out = rec.finish()
        finally:
            rec.kill()
        assert rc == 0, out
        assert "took 192.168.1.100/24 on pc0, a lease from the board's DHCP (192.168.1.1); given back and removed on " \
            "exit" in out, out
        assert "192.168.1.100/24 removed from pc0 (the lease given back)" in out, out
        assert pc_ipv4(s) == []
        assert "leased 192.168.1.100 to" in d.stderr() and "for 3600 s" in d.stderr(), d.stderr()
        end = time.monotonic() + 5
        while "192.168.1.100 released" not in d.stderr():
            assert time.monotonic() < end, d.stderr()
            time.sleep(0.05)
        d.stop()
    assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload)


run_tests([test_laptop_without_address_during_the_window, test_laptop_without_address_takes_a_lease,
           test_openwrt_nand_tar_refused_before_upload, test_good_image_settings_kept, test_good_image_settings_reset, test_broken_images_refused_before_any_board,
           test_wrong_board_waited_past, test_window_missed, test_board_checks_refuse, test_wrong_board_refused_by_its_page, test_force,
           test_no_board_within_timeout, test_no_yes_without_terminal_writes_nothing, test_question_answered_no])
