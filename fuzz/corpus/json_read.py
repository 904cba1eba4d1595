"""fuzz/corpus/json_read.py — seeds of fuzz_json_read: the JSON texts failsafed reads (fwtool's metadata, untrusted) and the
recovery page's replies failsafectl reads, then the edges of app/common/json.c (escapes, surrogates, numbers,
depth, what strict RFC 8259 refuses: comments, single quotes, trailing commas, NaN).

The input is the text itself (fuzz/fuzz_json_read.c)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
import fwimage_ref  # noqa: E402

STATUS = {
    "board": {"name": "glinet,gl-mt300n-v2", "model": "GL.iNet GL-MT300N-V2", "compatible": "glinet,gl-mt300n-v2"},
    "failsafed": "0.9", "firmware": "OpenWrt 23.05.3 r23809-234f1a2efa", "rootfs_data": "jffs2",
    "dhcp": {"state": "serving", "leases": [{"address": "192.168.1.100", "mac": "02:00:00:00:00:01",
                                              "name": "pc", "seconds_left": 3599}], "leased": 1},
    "phase": "staged", "upload": {"received": 7864320, "expected": 7864320, "cap": 33554432},
    "image": {"bytes": 7864320, "payload_bytes": 7863808, "version": "OpenWrt 23.05.3 r23809-234f1a2efa",
              "compat_version": "1.0", "boards": ["glinet,gl-mt300n-v2", "<script>alert(1)</script>"],
              "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
              "image_sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
              "has_metadata": True, "verdict": "accept", "reason": "",
              "checks": [{"name": "crc", "state": "ok", "detail": "0x1234abcd"},
                         {"name": "board", "state": "ok", "detail": "glinet,gl-mt300n-v2"}],
              "flashable": True, "needs_force": False},
    "step": None, "log": ["Writing firmware\t1/3", "line \"two\" \\ <two>"], "exit_code": -1, "message": "",
}


def compact(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def seeds():
    dev = ["glinet,gl-mt300n-v2", "glinet,mt300n-v2"]
    return {
        # what fwtool's images carry: OpenWrt's template with its spaces and echo's newline
        "meta-openwrt-1.0": fwimage_ref.metadata_json(dev, "23.05.3", revision="r23809-234f1a2efa",
                                                      target="ramips/mt76x8"),
        "meta-openwrt-2.0": fwimage_ref.metadata_json(dev, "24.10.0", compat="2.0",
                                                      compat_message="new partition layout"),
        "meta-writer": compact({"metadata_version": "1.1", "compat_version": "1.0", "supported_devices": dev,
                                "version": {"dist": "OpenWrt", "version": "23.05.3", "revision": "r1-abc",
                                            "target": "ath79/generic", "board": ""},
                                "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}),
        "meta-unknown-keys": b'{"supported_devices":["acme,r1"],"unknown":{"deep":[1,2,{"x":null}]}}',
        "meta-duplicate-keys": b'{"supported_devices":["a"],"supported_devices":["acme,r1"]}',
        # the recovery page's replies, as failsafectl recover reads them
        "status": compact(STATUS),
        "status-empty": b'{"board":{"name":"","model":"","compatible":""},"phase":"idle","image":null,"step":null,'
                        b'"log":[],"exit_code":0,"message":""}',
        # strings
        "escapes": b'["a\\"b\\\\c\\/d\\b\\f\\n\\r\\t","\\u0041\\u00e9\\u20ac","\\ud83d\\ude00","\\ud83d","\\ude00",'
                   b'"\\ud83d\\u0041","\\u0000","\\u001f"]',
        "raw-high-bytes": b'["\xc3\xa9\xe2\x82\xac","\xff\xfe\x80",""]',
        "bad-escape": b'["\\x"]',
        "bad-unicode": b'["\\u12g4"]',
        "control-in-string": b'["a\nb"]',
        "nul-in-string": b'["a\x00b"]',
        "unterminated-string": b'["abc',
        # numbers
        "numbers": b'[0,-0,7,-12,1.9,-1.9,1e3,2E+2,5e-1,9223372036854775807,-9223372036854775808,'
                   b'9223372036854775808,1e300,-1e-300,123456789012345678901234567890]',
        "bad-numbers": b'[01,-,1.,.5,+1,1e,1e+]',
        # structure
        "literals": b'[true,false,null]',
        "blanks": b' \t\r\n{ "a" : [ 1 , 2 ] , "b" : { } } \r\n',
        "trailing-data": b'{}{}',
        "depth-32": b"[" * 32 + b"]" * 32,
        "depth-33": b"[" * 33 + b"]" * 33,
        "objects-deep": b'{"a":' * 32 + b"1" + b"}" * 32,
        "refused-comment": b'/* c */ {"a":1} // d',
        "refused-single-quotes": b"{'a':'b'}",
        "refused-trailing-comma": b'{"a":[1,2,],}',
        "refused-nan": b'[NaN,Infinity,-Infinity]',
        "refused-unquoted-key": b'{a:1}',
        "missing-colon": b'{"a" 1}',
        "missing-comma": b'{"a":1 "b":2}',
        "cut-short": compact(STATUS)[:200],
        "empty": b"",
    }
