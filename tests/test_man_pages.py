"""tests/test_man_pages.py — the man pages (docs/man/, mdoc) say what the binaries do: read from them at test time.

For each page and each command it documents, the options of the command's --help (the options its option lines
start with) must each be an item (.It Fl ...) of the page's part for that command, and every option item there
must be one the --help names (in an option line, its usage, or [brackets]): an option added, renamed or removed
in the code fails here until the page follows. The same for the lists: `failsafed help`'s applets and `failsafectl
--help`'s commands against the pages' sections, and the applets' exit statuses against their EXIT STATUS lists.
Each page also formats without a warning (man --warnings, as lintian checks). The binaries: $FAILSAFED (any board:
the options are the same) and $FAILSAFECTL.
"""
import os
import re
import subprocess

from fsd import FAILSAFECTL, FAILSAFED, run_tests

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAN = os.path.join(SRC, "docs", "man")
OPT = r"--?[A-Za-z0-9][A-Za-z0-9-]*"


def help_text(*argv):
    r = subprocess.run(list(argv) + ["--help"], capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        raise AssertionError("%s --help: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr))
    return r.stdout


def help_options(text):
    """(the options the option lines start with, every option the text names as one)."""
    listed, named, usage = set(), set(), False
    for line in text.splitlines():
        if line.startswith("Usage:"):
            usage = True
        elif not line.startswith(" "):
            usage = False
        if usage:
            named |= {w for w in re.split(r"[][ |]+", line) if re.fullmatch(OPT, w)}
        elif re.match(r" +-", line):
            for w in re.split(r"[ ,]+", line.strip()):
                if not re.fullmatch(OPT, w):     # the value's name, or prose that wrapped onto the line
                    break
                listed.add(w)
        elif line.startswith(" "):
            named |= set(re.findall(r"[\[|] ?(%s)" % OPT, line))
    return listed, named | listed


def page(name):
    with open(os.path.join(MAN, name)) as f:
        return f.read().splitlines()


def part(lines, sh, ss=None):
    """The lines of section sh (and of its subsection ss)."""
    out, in_sh, in_ss = [], False, ss is None
    for line in lines:
        if line.startswith(".Sh "):
            in_sh = line[4:].strip() == sh
            in_ss = ss is None
            continue
        if line.startswith(".Ss ") and in_sh:
            in_ss = ss is None or line[4:].strip() == ss
            if ss is not None:
                continue
        if in_sh and in_ss:
            out.append(line)
    if not out:
        raise AssertionError("no section %s%s" % (sh, " / " + ss if ss else ""))
    return out


def page_options(lines):
    """The options of the .It Fl items: `.It Fl v , Fl -verbose Ar x` -> {-v, --verbose}."""
    opts = set()
    for line in lines:
        if line.startswith(".It Fl "):
            opts |= {"-" + w for w in re.findall(r"\bFl (\S+)", line)}
    return opts


def subsections(lines, sh):
    return [l[4:].strip() for l in part(lines, sh) if l.startswith(".Ss ")]


def compare(what, help_argv, lines):
    listed, named = help_options(help_text(*help_argv))
    documented = page_options(lines)
    missing, stale = sorted(listed - documented), sorted(documented - named)
    if missing or stale:
        raise AssertionError("%s: options of `%s --help` not in the page: %s; in the page but not in --help: %s"
                             % (what, " ".join(os.path.basename(a) for a in help_argv), missing or "none",
                                stale or "none"))
    return len(documented)


def exit_codes_help(text):
    """The exit statuses an `Exit status: 0 done, 1 ..., 10-25 ...` paragraph lists."""
    m = re.search(r"^Exit status:(.*?)(?:\n\n|\Z)", text, re.M | re.S)
    if not m:
        raise AssertionError("no 'Exit status:' in:\n%s" % text)
    text = " " + m.group(1).replace("\n", " ")
    return set(re.findall(r"(?:^|[,;:]|\band)\s*(\d+(?:-\d+)?)(?=[ ,])", text))


def exit_codes_page(lines):
    """The statuses of the EXIT STATUS list's items: `.It 10\\(en25 , 41` -> {10-25, 41}."""
    codes = set()
    for l in part(lines, "EXIT STATUS"):
        if re.match(r"\.It \d", l):
            codes |= set(re.findall(r"\d+(?:-\d+)?", l.replace("\\(en", "-")))
    return codes


def lint(name):
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", os.path.join(MAN, name)],
                       capture_output=True, text=True, env=dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="",
                                                                MANWIDTH="80"))
    if r.returncode != 0 or r.stderr.strip():
        raise AssertionError("%s does not format cleanly (man --warnings):\n%s" % (name, r.stderr))


def test_pages_format_cleanly():
    for name in sorted(os.listdir(MAN)):
        lint(name)


def test_failsafed_8():
    lines = page("failsafed.8")
    n = compare("failsafed(8) OPTIONS", [FAILSAFED], part(lines, "OPTIONS"))
    n += compare("failsafed(8) status", [FAILSAFED, "status"], part(lines, "APPLETS", "status"))
    out = subprocess.run([FAILSAFED, "help"], capture_output=True, text=True, timeout=10).stdout
    applets = set(re.findall(r"^  ([a-z_]+) ", out.split("Applets:")[1], re.M))
    items = {l.split()[2] for l in part(lines, "APPLETS") if l.startswith(".It Cm ")}
    assert applets and applets == items, "failsafed help lists %s, failsafed(8) %s" % (sorted(applets), sorted(items))
    print("  failsafed(8): %d options, applets %s" % (n, " ".join(sorted(items))), flush=True)


def test_applet_pages():
    for applet in ("mount_root", "firstboot", "sysupgrade"):
        lines = page(applet + ".8")
        n = compare("%s(8)" % applet, [FAILSAFED, applet], part(lines, "OPTIONS"))
        codes = exit_codes_help(help_text(FAILSAFED, applet))
        documented = exit_codes_page(lines)
        assert codes == documented, "%s: exit statuses in --help %s, in the page %s" % (applet, sorted(codes),
                                                                                      sorted(documented))
        print("  %s(8): %d options, exit statuses %s" % (applet, n, " ".join(sorted(codes, key=lambda c: int(
            c.split("-")[0])))), flush=True)


def test_failsafectl_1():
    lines = page("failsafectl.1")
    out = help_text(FAILSAFECTL)
    commands = re.findall(r"^  ([a-z]+) ", out.split("Commands:")[1], re.M)
    documented = subsections(lines, "COMMANDS")
    assert commands and sorted(commands) == sorted(documented), \
        "failsafectl --help lists %s, failsafectl(1) %s" % (commands, documented)
    counts = []
    for c in commands:
        counts.append("%s %d" % (c, compare("failsafectl(1) %s" % c, [FAILSAFECTL, c],
                                            part(lines, "COMMANDS", c))))
    print("  failsafectl(1): options per command: %s" % ", ".join(counts), flush=True)


def test_the_checks_can_fail():
    """The comparison finds an option missing from a page, one the page has that --help lacks, an exit status."""
    help_ = "Usage: x [--a N] [-b]\n\n  --a N   an option\n  -b      another\n  --c     a third\n"
    listed, named = help_options(help_)
    assert listed == {"--a", "-b", "--c"} and named == listed, (listed, named)
    assert page_options([".It Fl -a Ar N", ".It Fl b", ".It Fl c , Fl -c"]) == {"--a", "-b", "-c", "--c"}
    assert exit_codes_help("Usage: y\n\nExit status: 0 done, 1 failed, 2 bad usage, 10-25, 27-29 and 41 a broken\n"
                           "image (-F: no), 3 none.\n") == {"0", "1", "2", "10-25", "27-29", "41", "3"}
    assert exit_codes_page([".Sh EXIT STATUS", ".It 0", "Done.", ".It 10\\(en25 , 41", "Broken."]) == \
        {"0", "10-25", "41"}


if __name__ == "__main__":
    run_tests([test_pages_format_cleanly, test_failsafed_8, test_applet_pages, test_failsafectl_1,
               test_the_checks_can_fail])
