"""tests/test_docs.py — the commands in docs/ work as written, from a clean copy of the tree.

Blocks marked `<!-- doc-test: NAME [FILE] -->` in docs/*.md are run: a `sh` block with bash (set -e)
in a scratch copy of the repository (its tracked and new files, as a clean clone has them), a block
with a FILE is written to that path first (e.g. the example board table of adding-a-board.md)."""
import os
import re
import shutil
import subprocess
import tempfile

from fsd import run_tests

SRC = os.environ.get("FAILSAFED_SRC_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MARK = re.compile(r"<!-- doc-test: (\S+)(?: (\S+))? -->\s*\n\s*```(\w*)\n(.*?)\n\s*```", re.S)


def read_doc(doc):
    with open(os.path.join(SRC, "docs", doc)) as f:
        return f.read()


def blocks(doc):
    text = read_doc(doc)
    out = {}
    for name, path, lang, body in MARK.findall(text):
        lines = body.split("\n")
        indent = min(len(l) - len(l.lstrip()) for l in lines if l.strip())
        out[name] = (path, lang, "\n".join(l[indent:] for l in lines))
    return out


def clean_copy():
    """The files a clone would have: tracked ones and new ones git does not ignore."""
    dst = tempfile.mkdtemp(prefix="fsd-docs.")
    files = subprocess.run(["git", "-C", SRC, "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = os.path.join(SRC, rel)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dst, rel))
    return dst


def run_sh(cwd, script, timeout_s=900):
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout_s)
    assert r.returncode == 0, "doc commands failed (rc %d):\n%s\n--- stdout:\n%s\n--- stderr:\n%s" % (
        r.returncode, script, r.stdout[-3000:], r.stderr[-3000:])
    return r.stdout


def test_adding_a_board_example_is_valid():
    b = blocks("adding-a-board.md")
    assert {"board-file", "check-board"} <= set(b), b.keys()
    work = clean_copy()
    try:
        path, _, code = b["board-file"]
        assert not os.path.exists(os.path.join(work, path)), "the example must be a new board"
        with open(os.path.join(work, path), "w") as f:
            f.write(code + "\n")
        out = run_sh(work, b["check-board"][2])
        assert "board xiaomi-redmi-ax6000" in out and out.rstrip().endswith("valid"), out
        assert "switch (not a trigger)" in out, out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_board_from_dtb_example():
    b = blocks("adding-a-board.md")
    assert "generate" in b, b.keys()
    work = clean_copy()
    try:
        out = run_sh(work, b["generate"][2])
        shown = re.search(r"<!-- doc-test: generate -->\s*```sh\n.*?\n```\s*```\n(.*?)\n```",
                          read_doc("adding-a-board.md"), re.S).group(1)
        assert out.strip() == shown.strip(), "the doc shows:\n%s\nthe tool says:\n%s" % (shown, out)
        with open(os.path.join(work, "boards", "qemu_virt_example.c")) as f:
            table = f.read()
        assert "const struct board board_qemu_virt_example = {" in table and ".chip = \"/pl061@9030000\"" in table, table
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_cross_build_commands():
    b = blocks("running-on-a-board.md")
    assert "cross-build" in b, b.keys()
    work = clean_copy()
    try:
        out = run_sh(work, b["cross-build"][2])
        assert "ARM aarch64" in out, out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_sysupgrade_rehearsal():
    b = blocks("running-on-a-board.md")
    assert "rehearse-sysupgrade" in b, b.keys()
    work = clean_copy()
    try:
        out = run_sh(work, b["rehearse-sysupgrade"][2])
        for text in ("Image check passed", "-T: nothing written", "Verified:", "Upgrade completed",
                     "firmware.img holds the payload"):
            assert text in out, (text, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run_tests([test_adding_a_board_example_is_valid, test_board_from_dtb_example, test_cross_build_commands,
               test_sysupgrade_rehearsal])
