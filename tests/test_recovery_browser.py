"""tests/test_recovery_browser.py — the recovery page in a real browser: Debian's headless Chromium in the PC's
network namespace, driven over the Chrome DevTools Protocol (on a pipe: no port, no websocket), against a board in
failsafe (tests/recoveryfix.py). It chooses the image in the real file input, presses the real buttons with the
mouse and follows the page as a person would: a good image uploaded (the script's progress bar), checked (verdict
and SHA-256 on the page), discarded, uploaded again, flashed (the page follows the write until "Upgrade
completed") and found on the partition; then an image with one flipped byte refused, without a Flash button, the
partition unchanged. Also what the browser sent: one POST /flash, no repeated POST, no 405/409, no script error.
The same again with scripts disabled (the plain multipart form and the page's meta refresh).

A screenshot of each step is kept: $FAILSAFED_BIN_DIR/artifacts/recovery-browser/ under ctest, else a temporary
directory printed at the end: 01-page.png ... 10-refused.png with the script, 11-page.png ... 20-refused.png
without (no 13-uploading: no progress bar without script); failed-*.png when a run fails."""
import base64
import fcntl
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
from html.parser import HTMLParser

import recoveryfix  # noqa: F401  (first: storagefix re-executes the test under unshare -m)
from recoveryfix import URL, board, images, state
from storagefix import Router, sha256_file
from fsd import run_tests
from netns import Scene

STEP_TIMEOUT_S = 30      # any one step (a page load, an upload, the write) takes far less
WATCHDOG_S = 150         # the whole file: a hung browser fails the test (and the namespaces go) instead of ctest's kill

if os.environ.get("FAILSAFED_BIN_DIR"):
    ARTIFACTS = os.path.join(os.environ["FAILSAFED_BIN_DIR"], "artifacts", "recovery-browser")
    os.makedirs(ARTIFACTS, exist_ok=True)
    for old in glob.glob(os.path.join(ARTIFACTS, "*.png")):
        os.unlink(old)
else:
    ARTIFACTS = tempfile.mkdtemp(prefix="fsd-recovery-browser.")
TIMES = []   # (step, seconds) for the summary


def chromium_path():
    path = shutil.which("chromium")
    assert path, "Debian's chromium is not installed: run tools/bootstrap.sh"
    return path


class Page:
    """What the browser shows: the rendered DOM (after scripts) parsed into ids, attributes and text."""

    class _Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.by_id = {}
            self.stack = []
            self.text = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            a["_tag"] = tag
            a["_text"] = []
            if "id" in a:
                self.by_id[a["id"]] = a
            if tag not in ("input", "meta", "br", "link", "img"):
                self.stack.append(a)

        def handle_endtag(self, tag):
            while self.stack:
                if self.stack.pop()["_tag"] == tag:
                    break

        def handle_data(self, data):
            if self.stack and self.stack[-1]["_tag"] in ("style", "script", "title"):
                return
            self.text.append(data)
            for a in self.stack:
                a["_text"].append(data)

    def __init__(self, url, html):
        self.url = url
        self.html = html
        p = Page._Parser()
        p.feed(html)
        self.by_id = p.by_id
        self.text = " ".join(" ".join(p.text).split())

    def has(self, id_):
        return id_ in self.by_id

    def attr(self, id_, name):
        return self.by_id.get(id_, {}).get(name)

    def text_of(self, id_):
        return " ".join(" ".join(self.by_id[id_]["_text"]).split()) if id_ in self.by_id else None

    @property
    def phase(self):
        return self.attr("phase", "data-phase")

    def __repr__(self):
        return "<page %s phase=%s: %s>" % (self.url, self.phase, self.text[:600])


class Browser:
    """Headless Chromium in a network namespace, one tab, CDP over --remote-debugging-pipe (fd 3 in, fd 4 out)."""

    def __init__(self, netns_prefix, workdir, scripts=True):
        self.workdir = workdir
        profile = os.path.join(workdir, "profile")
        home = os.path.join(workdir, "home")
        os.makedirs(profile)
        os.makedirs(home)
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Far above 3 and 4, so the shell's "3<&N 4>&M" cannot overwrite one with the other.
        hi_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 20)
        hi_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 20)
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)
        self.out_fd, self.in_fd = to_chrome_w, from_chrome_r
        argv = netns_prefix + [
            chromium_path(), "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--no-proxy-server", "--password-store=basic", "--use-mock-keychain",
            "--hide-scrollbars", "--window-size=1000,900", "about:blank"]
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"))
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(k, None)
        self.stderr_path = os.path.join(workdir, "chromium.log")
        with open(self.stderr_path, "wb") as log:
            # bash (dash takes one-digit fds only), ip netns exec and Debian's wrapper all exec: the PID is the
            # browser's.
            self.proc = subprocess.Popen(
                ["bash", "-c", 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (hi_r, hi_w, hi_r, hi_w), "bash"] + argv,
                pass_fds=(hi_r, hi_w), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        os.close(hi_r)
        os.close(hi_w)
        self.buf = b""
        self.next_id = 0
        self.hung = False       # it once did not answer: no more questions, killed at close
        self.loads = 0          # documents loaded in the tab so far
        self.requests = {}      # requestId -> [method, url, resource type, status]
        self.exceptions = []    # what the page's script threw
        self.session = None
        targets = self.call("Target.getTargets")["targetInfos"]
        page = [t for t in targets if t["type"] == "page"]
        tid = page[0]["targetId"] if page else self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=tid, flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("DOM.enable")
        self.call("Network.enable")
        self.call("Runtime.enable")   # the page script's uncaught exceptions
        if not scripts:
            self.call("Emulation.setScriptExecutionDisabled", value=True)

    # ---- the protocol ----
    def _read_message(self, deadline):
        """The next message, or None when none came before the deadline."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.in_fd], [], [], left)
            if r:
                chunk = os.read(self.in_fd, 1 << 20)
                if not chunk:
                    raise AssertionError("the browser went away\n" + self.log_tail())
                self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method, timeout_s=STEP_TIMEOUT_S, browser_level=False, **params):
        assert not self.hung, "the browser hung before"
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session and not browser_level:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.out_fd, data):]
        except BrokenPipeError:
            raise AssertionError("the browser went away\n" + self.log_tail())
        deadline = time.monotonic() + timeout_s
        while True:
            m = self._read_message(deadline)
            if m is None:
                self.hung = True
                raise AssertionError("the browser did not answer %s in %d s\n%s" % (method, timeout_s,
                                                                                    self.log_tail()))
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise CdpError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self._event(m)

    def _event(self, m):
        p = m.get("params", {})
        if m["method"] == "Page.loadEventFired":
            self.loads += 1
        elif m["method"] == "Network.requestWillBeSent":
            rid = p["requestId"]
            if "redirectResponse" in p and rid in self.requests:
                # a form post answered "303 See Other": keep it, with its status, beside the GET that follows
                self.requests[rid][3] = p["redirectResponse"]["status"]
                self.requests["%s/%d" % (rid, len(self.requests))] = self.requests.pop(rid)
            self.requests[rid] = [p["request"]["method"], p["request"]["url"], p.get("type"), None]
        elif m["method"] == "Network.responseReceived" and p["requestId"] in self.requests:
            self.requests[p["requestId"]][3] = p["response"]["status"]
        elif m["method"] == "Runtime.exceptionThrown":
            self.exceptions.append(p["exceptionDetails"])

    def pump(self, wait_s):
        """Handle the events that arrive within wait_s."""
        deadline = time.monotonic() + wait_s
        while True:
            m = self._read_message(deadline)
            if m is None:
                return
            if "method" in m:
                self._event(m)

    def sent(self, method=None, path=None, rtype=None):
        """The requests the page made so far, as (method, path, type, status)."""
        out = []
        for m, url, t, status in self.requests.values():
            pth = "/" + url.split("/", 3)[3] if url.startswith("http://") else url
            if (method is None or m == method) and (path is None or pth == path) and (rtype is None or t == rtype):
                out.append((m, pth, t, status))
        return out

    def log_tail(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                lines = [ln for ln in f if "dbus" not in ln]   # no D-Bus here: harmless noise
                return "--- chromium:\n" + "".join(lines[-30:])
        except OSError:
            return ""

    # ---- the page ----
    def navigate(self, url):
        since = self.loads
        r = self.call("Page.navigate", url=url)
        assert not r.get("errorText"), r
        return self.wait_page(lambda p: p.has("phase"), "the page at " + url, since=since)

    def page(self):
        """The page as rendered now; None while a navigation replaces the document."""
        try:
            root = self.call("DOM.getDocument", depth=0)["root"]   # the address and the HTML of one document
            html = self.call("DOM.getOuterHTML", nodeId=root["nodeId"])["outerHTML"]
        except CdpError:
            return None
        return Page(root.get("documentURL", ""), html)

    def wait_page(self, pred, what, since=None, timeout_s=STEP_TIMEOUT_S, every_s=0.05):
        """The page once pred(page) holds (and, with since, once a document loaded after the count since)."""
        end = time.monotonic() + timeout_s
        last = None
        while True:
            p = self.page() if since is None or self.loads > since else None
            if p is not None:
                last = p
                if pred(p):
                    return p
                if p.url.startswith(URL) and not p.has("phase") and p.text:
                    raise AssertionError("waiting for %s, the browser shows something else than the recovery page: "
                                         "%r" % (what, p))
            if time.monotonic() > end:
                raise AssertionError("waited %d s for %s; the page: %r" % (timeout_s, what, last))
            self.pump(every_s)

    def node(self, selector):
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        n = self.call("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        assert n, "no %s on the page" % selector
        return n

    def choose_file(self, selector, path):
        self.call("DOM.setFileInputFiles", nodeId=self.node(selector), files=[path])

    def click(self, selector):
        """A real left click in the middle of the element, as a mouse would."""
        n = self.node(selector)
        self.call("DOM.scrollIntoViewIfNeeded", nodeId=n)
        q = self.call("DOM.getContentQuads", nodeId=n)["quads"][0]
        x, y = sum(q[0::2]) / 4, sum(q[1::2]) / 4
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left" if kind != "mouseMoved" else
                      "none", clickCount=1 if kind != "mouseMoved" else 0)

    def screenshot(self, name):
        """The whole page as ARTIFACTS/name.png. A page being replaced (the script or a refresh loads the next
        state) has no layout for a moment: Chromium then refuses ("0 width"), and the shot is taken again."""
        deadline = time.monotonic() + 5
        while True:
            m = self.call("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m["contentSize"]
            try:
                shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                 clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
                break
            except CdpError as e:
                if "0 width" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        path = os.path.join(ARTIFACTS, name + ".png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        assert os.path.getsize(path) > 1000, path
        return path

    def close(self):
        if self.proc.poll() is None and not self.hung:
            try:
                self.call("Browser.close", timeout_s=5, browser_level=True)
            except (AssertionError, CdpError, OSError):
                pass   # it may be gone before it answers
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()   # ours, by PID; what it left in the namespace goes with the namespace
        self.proc.wait()
        for fd in (self.out_fd, self.in_fd):
            try:
                os.close(fd)
            except OSError:
                pass


class CdpError(Exception):
    pass


class Steps:
    """A screenshot per step, numbered (first + the step's place in STEPS), with the time the step took."""

    STEPS = ["page", "file-chosen", "uploading", "uploaded", "discarded", "uploaded-again", "writing", "flashed",
             "bad-chosen", "refused"]

    def __init__(self, browser, first):
        self.b = browser
        self.first = first
        self.t = time.monotonic()

    def done(self, name):
        shot = "%02d-%s" % (self.first + self.STEPS.index(name), name)
        path = self.b.screenshot(shot)
        now = time.monotonic()
        TIMES.append((shot, now - self.t))
        self.t = now
        return path


def upload(b, path, st=None, watch_progress=False):
    """Choose path in the file input, press "Upload and check", return the page with the verdict."""
    b.choose_file("#file", path)
    if st:
        st.done("file-chosen")
    if watch_progress:
        # Slowed down (DevTools network emulation) to watch the script's progress bar move.
        b.call("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1,
               uploadThroughput=2 << 20)
    since = b.loads
    b.click("#upload-button")
    if watch_progress:
        def moving(pg):
            v = pg.attr("upload-progress", "value")
            return v is not None and 0 < float(v) < float(pg.attr("upload-progress", "max"))
        p = b.wait_page(moving, "the upload progress bar moving")
        for button in ("upload-button", "firstboot", "reboot"):
            assert p.attr(button, "disabled") is not None, "%s is disabled while uploading" % button
        assert re.fullmatch(r"\d+\.\d MiB of 3\.0 MiB", p.text_of("upload-progress-text") or ""), p
        assert p.url == URL + "/", p.url
        st.done("uploading")
    p = b.wait_page(lambda pg: pg.phase not in ("idle", "receiving", "done"), "the verdict", since=since)
    if watch_progress:
        b.call("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1,
               uploadThroughput=-1)
    return p


def check_good_verdict(p, want_sha):
    assert p.phase == "staged" and "Image received and checked" in p.text_of("phase"), p
    assert p.text_of("sha256") == want_sha, (p.text_of("sha256"), want_sha)
    assert p.attr("verdict", "class") == "good", p
    assert p.text_of("verdict") == "Verdict: the image is good for this board.", p
    assert re.findall(r'<tr class="(\w+)"><td>(\w+)</td>', p.html) == [
        ("good", c) for c in ("complete", "sha256", "format", "metadata", "board", "compat_version")], p.html
    assert "7.7.7" in p.text and "failsafed,sim" in p.text, p
    assert p.has("flash") and p.text_of("flash-button") == "Flash this image", p


def run_flow(scripts):
    """Good image: choose, upload, check, discard, again, flash, done; then a flipped byte: refused. With or
    without scripts."""
    r = Router()
    payload, good, _other, bad, _trunc = images(r)
    want_sha = sha256_file(payload)
    with Scene() as s:
        d, _ = board(s, r)
        staged = os.path.join(d.state_dir, "recovery", "upload.bin")
        b = Browser(s.lan.in_pc(), r.scratch("chromium"), scripts=scripts)
        try:
            st = Steps(b, 1 if scripts else 11)
            before = r.fw_sha()
            p = b.navigate(URL + "/")
            assert p.phase == "idle" and p.has("upload") and p.has("file"), p
            assert "Simulated board (sim, failsafed,sim)" in p.text_of("board"), p
            assert not p.has("flash"), p
            st.done("page")

            # 1. the good image, chosen in the file input and sent with the button; 2. its verdict and SHA-256
            p = upload(b, good, st, watch_progress=scripts)
            check_good_verdict(p, want_sha)
            assert os.path.exists(staged) and r.fw_sha() == before, "held in RAM, nothing written yet"
            st.done("uploaded")

            # Discard (the Flash form's other button): nothing written, nothing kept
            since = b.loads
            b.click('#flash button[formaction="/discard"]')
            p = b.wait_page(lambda pg: pg.phase == "idle", "the page after Discard", since=since)
            assert "image discarded" in (p.text_of("message") or "") and not p.has("flash"), p
            assert not os.path.exists(staged) and r.fw_sha() == before, "discarded, nothing written"
            st.done("discarded")
            p = upload(b, good)
            check_good_verdict(p, want_sha)
            st.done("uploaded-again")

            # 3. flash it; the page follows the write until it is done
            since = b.loads
            b.click("#flash-button")
            p = b.wait_page(lambda pg: pg.phase in ("writing", "done", "failed"), "the write to start", since=since)
            if p.phase == "writing":
                assert "do not power off" in p.text_of("phase"), p
                st.done("writing")
            p = b.wait_page(lambda pg: pg.phase in ("done", "failed"), "the page to show the end of the write")
            assert p.phase == "done", p
            assert p.text_of("phase") == "Upgrade completed", p
            assert "written and verified" in p.text_of("result"), p
            assert "Upgrade completed" in (p.text_of("log") or ""), p
            assert p.has("reboot") and not p.has("flash"), p
            assert p.url == URL + "/", ("the address is / again: a reload repeats no POST", p.url)
            assert r.fw_sha(os.path.getsize(payload)) == want_sha, "the partition holds the payload"
            assert not os.path.exists(staged), "the staged image is removed once written"
            st.done("flashed")
            written = r.fw_sha()

            # 4. a corrupted image (one flipped byte in the payload), from the page as it is now
            b.choose_file("#file", bad)
            st.done("bad-chosen")
            p = upload(b, bad)
            assert p.phase == "staged", p
            assert p.attr("verdict", "class") == "bad", p
            v = p.text_of("verdict")
            assert v.startswith("Verdict: refused: ") and "CRC" in v and "forceable" not in v, v
            assert ("bad", "complete") in re.findall(r'<tr class="(\w+)"><td>(\w+)</td>', p.html), p.html
            assert "CRC mismatch" in (p.text_of("message") or ""), p
            assert not p.has("flash") and not p.has("flash-button") and "Flash this image" not in p.text, p
            assert p.has("upload"), "another image can be uploaded"
            assert not state(s)["image"]["flashable"]
            assert not os.path.exists(staged), "refused and removed"
            assert r.fw_sha() == written, "the partition is unchanged"
            st.done("refused")

            # what the browser sent: each step once, nothing refused as a repeat or a wrong method
            # a form post (no script) is answered "303 See Other" to the page; the script's XHR gets the status
            flashes = b.sent("POST", "/flash")
            assert len(flashes) == 1 and flashes[0][3] == (202 if scripts else 303), b.sent()
            assert [q[3] for q in b.sent("POST", "/discard")] == [200 if scripts else 303], b.sent()
            assert not b.exceptions, b.exceptions
            wrong = [q for q in b.sent() if (q[3] in (404, 405, 409) or (q[3] or 0) >= 500) and
                     q[1] != "/favicon.ico"]   # every browser asks for one; the page has none (404)
            assert not wrong, wrong
            if scripts:
                assert [q[3] for q in b.sent("PUT", "/upload")] == [200, 200, 422], b.sent()
                assert not b.sent("POST", rtype="Document"), ("the address stays /", b.sent())
            else:
                assert [q[3] for q in b.sent("POST", "/upload")] == [303, 303, 303], b.sent()
                assert not [q for q in b.sent("GET", rtype="Document") if q[1] != "/"], b.sent()
                assert not b.sent(rtype="XHR"), ("no script ran", b.sent())
        except BaseException:
            try:
                if not b.hung:
                    print("the page when it failed: %s" % b.screenshot("failed-" + ("script" if scripts else
                                                                                     "noscript")))
            except Exception:
                pass
            print(b.log_tail())
            for q in b.sent():
                print("  browser sent: %s %s (%s) -> %s" % q)
            raise
        finally:
            b.close()
        d.stop()


def test_browser_with_script():
    run_flow(scripts=True)


def test_browser_without_script():
    run_flow(scripts=False)


def _watchdog(signum, frame):
    raise AssertionError("the browser test ran longer than %d s" % WATCHDOG_S)


signal.signal(signal.SIGALRM, _watchdog)
signal.alarm(WATCHDOG_S)
_start = time.monotonic()
try:
    run_tests([test_browser_with_script, test_browser_without_script])
finally:
    signal.alarm(0)
    for step, secs in TIMES:
        print("  %-22s %.2f s" % (step, secs))
    print("screenshots: %s (%.1f s in all)" % (ARTIFACTS, time.monotonic() - _start))
