"""tests/test_board_select.py — BOARD=all picks its table from the device tree's compatible; --board overrides it.

failsafed-all is the test build's BOARD=all daemon (every table of boards/); its compatible file comes from
--dt-compatible, so the host's own /proc/device-tree is never read. The sim boards answer to failsafed,sim,
failsafed,sim-dsa and failsafed,sim-vlan."""
import os
import re
import shutil
import subprocess
import tempfile

from fsd import run_tests

BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", "build")
ALL = os.path.join(BIN_DIR, "failsafed-all")
SIM = os.path.join(BIN_DIR, "failsafed_sim")
SIM_BOARDS = {"failsafed,sim": "sim", "failsafed,sim-dsa": "sim-dsa", "failsafed,sim-vlan": "sim-vlan"}


class Scratch:
    """A scratch directory for compatible files and state directories."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fsd-select.")

    def compatible(self, data, name="compatible"):
        """A compatible file holding data (bytes, NULs and all) as the kernel shows it."""
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def state(self):
        return tempfile.mkdtemp(dir=self.dir)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def dt(*strings):
    return b"".join(s.encode() + b"\0" for s in strings)


def run(argv, env=None, timeout=20, input=None):
    e = dict(os.environ)
    e.pop("FAILSAFED_BOARD", None)
    e.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=e, input=input,
                          stdin=subprocess.DEVNULL if input is None else None)


def check_board(compat_path, *extra, binary=ALL, env=None):
    return run([binary, "--dt-compatible", compat_path, "--check-board", *extra], env=env)


def board_of(r):
    m = re.match(r"board (\S+) \(", r.stdout)
    assert r.returncode == 0 and m, (r.returncode, r.stdout, r.stderr)
    return m.group(1)


def known_boards(s):
    """The boards failsafed-all lists when nothing matches: {name: compatible}."""
    r = check_board(s.compatible(dt("acme,nothing"), "none"))
    assert r.returncode == 1, (r.stdout, r.stderr)
    m = re.search(r"boards: (.*)\)$", r.stdout.strip())
    assert m, r.stdout
    return dict((n, c) for n, c in re.findall(r"(\S+) \(([^)]*)\)", m.group(1)))


def test_each_compatible_picks_its_board():
    s = Scratch()
    try:
        boards = known_boards(s)
        for c, name in SIM_BOARDS.items():
            assert boards.get(name) == c, boards
        assert len(boards) >= 5, boards           # the sim boards and the real routers
        for name, c in boards.items():
            path = s.compatible(dt(c, "vendor,soc"), "c-" + name)
            assert board_of(check_board(path)) == name, (name, c)
            # the board's string anywhere in the list, after ones nobody has
            path = s.compatible(dt("acme,other", "acme,soc", c), "late-" + name)
            assert board_of(check_board(path)) == name, (name, c)
    finally:
        s.close()


def test_first_device_tree_entry_wins():
    s = Scratch()
    try:
        both = s.compatible(dt("failsafed,sim-vlan", "failsafed,sim"), "a")
        assert board_of(check_board(both)) == "sim-vlan"
        both = s.compatible(dt("failsafed,sim", "failsafed,sim-vlan"), "b")
        assert board_of(check_board(both)) == "sim"
        # trailing NULs, and a file without the final NUL
        assert board_of(check_board(s.compatible(b"failsafed,sim-dsa\0\0\0\0", "c"))) == "sim-dsa"
        assert board_of(check_board(s.compatible(b"failsafed,sim-dsa", "d"))) == "sim-dsa"
        # a prefix is not a match
        r = check_board(s.compatible(dt("failsafed,si"), "e"))
        assert r.returncode == 1 and '"failsafed,si"' in r.stdout, r.stdout
    finally:
        s.close()


def test_board_option_overrides():
    s = Scratch()
    try:
        sim = s.compatible(dt("failsafed,sim"))
        assert board_of(check_board(sim, "--board", "sim-vlan")) == "sim-vlan"          # by name
        assert board_of(check_board(sim, "--board", "sim_dsa")) == "sim-dsa"            # by file name
        assert board_of(check_board(sim, "--board=failsafed,sim-vlan")) == "sim-vlan"   # by compatible, = form
        nothing = s.compatible(dt("acme,nothing"), "none")
        assert board_of(check_board(nothing, "--board", "sim-dsa")) == "sim-dsa"        # no match needed
        # the daemon hands its board to its shells' applets as FAILSAFED_BOARD; --board wins over it
        assert board_of(check_board(nothing, env={"FAILSAFED_BOARD": "sim-vlan"})) == "sim-vlan"
        assert board_of(check_board(nothing, "--board", "sim", env={"FAILSAFED_BOARD": "sim-vlan"})) == "sim"
        r = check_board(sim, "--board", "acme-r1")
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert 'board "acme-r1": not in this build (boards: ' in r.stdout and "sim-dsa (failsafed,sim-dsa)" in r.stdout, \
            r.stdout
    finally:
        s.close()


def test_no_match_says_so_and_the_boot_goes_on():
    s = Scratch()
    try:
        nothing = s.compatible(dt("acme,r1", "acme,soc"))
        r = check_board(nothing)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert '"acme,r1", "acme,soc"' in r.stdout and "sim (failsafed,sim)" in r.stdout, r.stdout
        state = s.state()
        r = run([ALL, "--dt-compatible", nothing, "--state-dir", state, "--then", "sh", "-c", "echo CONTINUED"])
        assert r.returncode == 0 and r.stdout.strip() == "CONTINUED", (r.returncode, r.stdout, r.stderr)
        lines = [l for l in r.stderr.splitlines() if "board" in l]
        assert len(lines) == 1, r.stderr                     # one clear line
        line = lines[0]
        assert "no board of this build for this device" in line and nothing in line, line
        assert '"acme,r1", "acme,soc"' in line, line          # the compatibles seen
        for c, name in SIM_BOARDS.items():
            assert "%s (%s)" % (name, c) in line, line        # the boards known
        assert line.rstrip().endswith("no failsafe window this boot; continuing the boot"), line
        assert os.listdir(state) == [], os.listdir(state)    # nothing happened: no failsafe, no files
        # an empty compatible file, and none at all
        r = check_board(s.compatible(b"", "empty"))
        assert r.returncode == 1 and "compatible in" in r.stdout and ": none;" in r.stdout, r.stdout
        r = run([ALL, "--dt-compatible", os.path.join(s.dir, "missing"), "--then", "true"])
        assert r.returncode == 0 and "cannot read the device tree's compatible" in r.stderr, r.stderr
        assert "give --board NAME" in r.stderr, r.stderr
    finally:
        s.close()


def test_applets_refuse_without_a_board():
    s = Scratch()
    try:
        nothing = s.compatible(dt("acme,r1"))
        for applet in ("mount_root", "firstboot", "sysupgrade"):
            r = run([ALL, applet, "--dt-compatible", nothing])
            assert r.returncode == 1, (applet, r.returncode, r.stdout, r.stderr)
            assert r.stderr.startswith("%s: board: no board of this build for this device" % applet), r.stderr
            assert "sim-vlan (failsafed,sim-vlan)" in r.stderr, r.stderr
            r = run([ALL, applet, "--dt-compatible", nothing, "--help"])
            assert r.returncode == 0 and "--board NAME" in r.stdout, (applet, r.stdout, r.stderr)
        # with a board: firstboot asks, and "n" changes nothing (its own exit code, not the board's 1)
        sim = s.compatible(dt("failsafed,sim"), "sim")
        state = s.state()
        r = run([ALL, "firstboot", "--dt-compatible", sim, "--state-dir", state], input="n\n")
        assert r.returncode == 7 and "nothing changed" in r.stdout + r.stderr, (r.returncode, r.stdout, r.stderr)
    finally:
        s.close()


def test_daemon_runs_as_the_chosen_board():
    s = Scratch()
    try:
        state = s.state()
        dsa = s.compatible(dt("failsafed,sim-dsa"))
        r = run([ALL, "--dt-compatible", dsa, "--state-dir", state, "--window-ms", "200",
                 "--sim-dir", os.path.join(state, "sim"), "--then", "sh", "-c", "echo BOARD=$FAILSAFED_BOARD"])
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        assert "board sim-dsa: failsafe window open for 200 ms" in r.stderr, r.stderr
        assert "BOARD=sim-dsa" in r.stdout, r.stdout
    finally:
        s.close()


def test_per_board_build_keeps_its_board():
    s = Scratch()
    try:
        nothing = s.compatible(dt("acme,r1"))
        assert board_of(check_board(nothing, binary=SIM)) == "sim"            # the DT is not asked
        assert board_of(check_board(nothing, "--board", "failsafed,sim", binary=SIM)) == "sim"
        r = check_board(nothing, "--board", "sim-dsa", binary=SIM)
        assert r.returncode == 1 and 'board "sim-dsa": not in this build (boards: sim (failsafed,sim))' in r.stdout, \
            r.stdout
        r = run([SIM, "--board", "sim-dsa", "--state-dir", s.state(), "--then", "sh", "-c", "echo CONTINUED"])
        assert r.returncode == 0 and r.stdout.strip() == "CONTINUED", (r.stdout, r.stderr)
        assert "not in this build" in r.stderr and "continuing the boot" in r.stderr, r.stderr
    finally:
        s.close()


if __name__ == "__main__":
    run_tests([test_each_compatible_picks_its_board, test_first_device_tree_entry_wins, test_board_option_overrides,
               test_no_match_says_so_and_the_boot_goes_on, test_applets_refuse_without_a_board,
               test_daemon_runs_as_the_chosen_board, test_per_board_build_keeps_its_board])
