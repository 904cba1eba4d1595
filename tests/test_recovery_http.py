"""tests/test_recovery_http.py — the recovery page from scripts: curl in the PC's namespace against a board in
failsafe (its own network and mount namespaces, loop devices as rom, rootfs_data and firmware): a good image
uploaded raw and as a browser form, checked, confirmed and written; every refusal of the storage issue with the
partition byte-identical; one upload at a time, a stalled client dropped, a dropped upload leaving nothing
behind, peers outside the subnet refused; the settings archive, factory reset and reboot buttons."""
import json
import os
import re
import socket
import subprocess
import tarfile
import threading
import time

import recoveryfix  # noqa: F401  (first: storagefix re-executes the test under unshare -m)
from recoveryfix import URL, board, curl, images, state, wait_phase
from storagefix import Router, sha256_file, sh
from fsd import run_tests
import openwrt_images
from netns import Scene


def test_upload_check_confirm_write():
    r = Router()
    payload, good, *_ = images(r)
    with Scene() as s:
        d, _ = board(s, r)
        before = r.fw_sha()
        code, body = curl(s, "-T", good, URL + "/upload")
        assert code == 200, body
        st = json.loads(body)
        img = st["image"]
        assert st["phase"] == "staged" and img["flashable"] and img["verdict"] == "accept", st
        assert img["sha256"] == sha256_file(payload) and img["version"].endswith("7.7.7"), img
        assert "failsafed,sim" in img["boards"], img
        assert [(c["name"], c["state"]) for c in img["checks"]] == [
            (c, "ok") for c in ("complete", "sha256", "format", "metadata", "board", "compat_version")], img["checks"]
        assert r.fw_sha() == before, "nothing written before the confirmation"
        code, body = curl(s, "-X", "POST", URL + "/flash")
        assert code == 202 and json.loads(body)["phase"] == "writing", body
        st = wait_phase(s, ("done", "failed"))
        assert st["phase"] == "done" and st["exit_code"] == 0, st
        assert any("Upgrade completed" in line for line in st["log"]), st["log"]
        assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload), "the partition holds the payload"
        assert not os.path.exists(os.path.join(d.state_dir, "recovery", "upload.bin")), "staged image removed"
        # the daemon showed the upgrade pattern while the applet wrote
        assert "200/200" in [p for _, role, _, p in d.patterns() if role == "boot"], d.patterns()
        code, body = curl(s, "-X", "POST", URL + "/flash")
        assert code == 409, "written once, not twice: " + body
        d.stop()


def test_browser_form_and_page():
    """Without script: the form posts multipart, the answer is the page with the verdict and the confirm form."""
    r = Router()
    payload, good, *_ = images(r)
    with Scene() as s:
        d, _ = board(s, r)
        code, page = curl(s, URL + "/", json_accept=False)
        assert code == 200 and "<form id=\"upload\"" in page and "sim" in page and "/recovery.js" in page, page
        code, js = curl(s, URL + "/recovery.js", json_accept=False)
        assert code == 200 and "XMLHttpRequest" in js
        # a browser's form post is answered "303 See Other" to the page, which shows the outcome
        code, body = curl(s, "-F", "firmware=@" + good, URL + "/upload", json_accept=False)
        assert code == 303, body
        code, page = curl(s, URL + "/", json_accept=False)
        assert code == 200 and sha256_file(payload) in page and "id=\"flash\"" in page and "7.7.7" in page, page
        assert 'name="keep" value="0"' in page, "unchecking keep sends keep=0"
        code, body = curl(s, "-L", "-d", "keep=0", URL + "/flash", json_accept=False)
        assert code == 200 and ("Writing the firmware" in body or "Upgrade completed" in body), body
        if "Writing the firmware" in body:
            assert 'http-equiv="refresh" content="2;url=/"' in body, body
        st = wait_phase(s, ("done", "failed"))
        assert st["phase"] == "done", st
        code, page = curl(s, URL + "/", json_accept=False)
        assert "Upgrade completed" in page and "id=\"reboot\"" in page, page
        assert r.fw_sha(os.path.getsize(payload)) == sha256_file(payload)
        d.stop()


def test_refusals_leave_the_partition_untouched():
    r = Router(firmware_mb=8)
    payload, good, other, bad, trunc = images(r)
    nometa = r.scratch("raw.bin")
    with open(nometa, "wb") as f:
        f.write(os.urandom(1 << 20))
    big = r.scratch("big.img")
    with open(big, "wb") as f:
        f.truncate(9 << 20)
    nand = r.scratch("nand.bin")   # OpenWrt's NAND tar: this board writes one raw partition
    with open(nand, "wb") as f:
        f.write(openwrt_images.sysupgrade_tar("failsafed,sim", kernel=os.urandom(1 << 16), root=b"hsqs" + bytes(1 << 18)))
    with Scene() as s:
        d, _ = board(s, r)
        before = r.fw_sha()
        cases = [
            (nand, 422, "broken", "sysupgrade tar (sysupgrade-failsafed_sim/"),
            (bad, 422, "broken", "CRC"),
            (trunc, 422, "broken", ""),
            (other, 422, "invalid", "not supported"),
            (nometa, 422, "invalid", "no metadata"),
        ]
        for path, want, verdict, text in cases:
            code, body = curl(s, "-T", path, URL + "/upload")
            st = json.loads(body)
            assert code == want and st["image"]["verdict"] == verdict and text in st["image"]["reason"], (path, st)
            assert not st["image"]["flashable"], st
            if path == nand:
                assert [c["state"] for c in st["image"]["checks"]][:3] == ["ok", "ok", "failed"], st["image"]["checks"]
                code, body = curl(s, "-d", "force=1", URL + "/flash")
                assert code == 409, ("force does not write an unfit image", body)
            code, body = curl(s, "-X", "POST", URL + "/flash")
            assert code == 409, (path, body)
            assert r.fw_sha() == before, path
        # invalid images: force alone is not enough without metadata; the right sha256 then is
        code, body = curl(s, "-d", "force=1", URL + "/flash")
        assert code == 409 and "sha256" in json.loads(body)["message"], body
        # a sha256 that is not exactly 64 hex digits is refused, in a form and in the query (not cut to 64)
        for extra in ("-d", "force=1&sha256=" + "a" * 64 + "00"), ("-d", "force=1&sha256=abc"):
            code, body = curl(s, *extra, URL + "/flash")
            assert code == 400 and "not 64 hex digits" in json.loads(body)["message"], body
        code, body = curl(s, "-X", "POST", URL + "/flash?force=1&sha256=" + "b" * 65)
        assert code == 400, body
        # too large: refused from Content-Length before the body is sent
        code, body = curl(s, "-T", big, URL + "/upload")
        assert code == 413 and "larger than the firmware partition" in json.loads(body)["message"], body
        # too large without a length (chunked): read, not kept, refused at the end
        code, body = curl(s, "-H", "Transfer-Encoding: chunked", "-T", big, URL + "/upload")
        assert code == 413, body
        assert not os.path.exists(os.path.join(d.state_dir, "recovery", "upload.bin"))
        assert r.fw_sha() == before, "the firmware partition is byte-identical"
        d.stop()


def slow_upload(s, path, rate="200k"):
    return subprocess.Popen(s.lan.in_pc() + ["curl", "-sS", "-o", "/dev/null", "--limit-rate", rate, "-T", path,
                                             URL + "/upload"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_one_upload_at_a_time_stalls_and_drops():
    r = Router()
    payload, good, *_ = images(r, size=4 << 20)
    with Scene() as s:
        d, _ = board(s, r)
        first = slow_upload(s, good)
        try:
            wait_phase(s, ("receiving",), timeout_s=10)
            code, body = curl(s, "-T", good, URL + "/upload")
            assert code == 409 and "one at a time" in json.loads(body)["message"], body
        finally:
            first.kill()
            first.wait()
        # the client went away: nothing kept
        st = wait_phase(s, ("idle",), timeout_s=10)
        assert "broke off" in st["message"], st
        assert not os.path.exists(os.path.join(d.state_dir, "recovery", "upload.bin"))
        # a client that sends part of the body and then nothing is dropped after --http-stall-ms (2 s)
        code = ("import socket,time; s=socket.create_connection(('192.168.1.1',80),5); "
                "s.sendall(b'PUT /upload HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1000000\\r\\n\\r\\n' + b'x'*5000); "
                "s.settimeout(20); t=time.monotonic(); d=s.recv(100); print('closed after %.1f s' % (time.monotonic()-t))")
        res = subprocess.run(s.lan.in_pc() + ["python3", "-c", code], capture_output=True, text=True, timeout=30)
        assert res.returncode == 0 and "closed after" in res.stdout, (res.stdout, res.stderr)
        secs = float(res.stdout.split()[2])
        assert 1.0 <= secs <= 6.0, res.stdout
        st = wait_phase(s, ("idle",), timeout_s=5)
        assert "stalled" in st["message"], st
        assert not os.path.exists(os.path.join(d.state_dir, "recovery", "upload.bin"))
        d.stop()


def test_outside_subnet_refused():
    r = Router()
    with Scene() as s:
        sh("ip", "-n", s.lan.pc, "addr", "add", "192.168.7.2/24", "dev", "pc0")
        d, _ = board(s, r)
        sh("ip", "-n", s.lan.board, "route", "add", "192.168.7.0/24", "dev", "eth0")
        code, body = curl(s, "--interface", "192.168.7.2", URL + "/status")
        assert code == 403 and "failsafe subnet only" in body, (code, body)
        assert re.search(r"http 192\.168\.7\.2:\d+: refused: outside the failsafe subnet 192\.168\.1\.1/24",
                         d.stderr()), "a refused peer leaves a trace: " + d.stderr()
        d.stop()


def test_config_firstboot_reboot():
    r = Router()
    with Scene() as s:
        d, mark = board(s, r)
        # a setting in the overlay's upper layer on rootfs_data (the daemon has its own mount namespace: the
        # applets it runs mount rootfs_data there themselves)
        mnt = r.scratch("data-mnt")
        os.makedirs(mnt, exist_ok=True)

        def upper_file(text=None):
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

        upper_file("from-the-test\n")
        out = r.scratch("config.tgz")
        try:
            code, body = curl(s, URL + "/config.tgz", json_accept=False, raw_to=out, timeout=20)
        except AssertionError as e:
            raise AssertionError("%s\n--- daemon:\n%s\n--- status: %s" % (e, d.stderr(), state(s)))
        assert code == 200, (body, d.stderr())
        with tarfile.open(out) as t:
            names = t.getnames()
            assert "etc/config/network" in names, names
            assert t.extractfile("etc/config/network").read() == b"from-the-test\n"
        code, body = curl(s, "-X", "POST", URL + "/firstboot")
        assert code == 202, body
        st = wait_phase(s, ("idle",), timeout_s=20)
        assert st["exit_code"] == 0 and "factory reset done" in st["message"], st
        assert upper_file() is None, "the overlay is empty again"
        assert not os.path.exists(mark), "no reboot unless asked"
        code, body = curl(s, "-X", "POST", URL + "/reboot")
        assert code == 202, body
        end = time.monotonic() + 10
        while not os.path.exists(mark):
            assert time.monotonic() < end, d.stderr()
            time.sleep(0.05)
        d.stop()


run_tests([test_upload_check_confirm_write, test_browser_form_and_page, test_refusals_leave_the_partition_untouched,
           test_one_upload_at_a_time_stalls_and_drops, test_outside_subnet_refused, test_config_firstboot_reboot])
