"""fuzz/corpus/ctl_proto.py — seeds of fuzz_ctl_proto: control socket requests and the daemon's status replies.

The same bytes go to the request parser and to the status reply parser (fuzz/fuzz_ctl_proto.c)."""


def status(**kw):
    fields = dict(board="sim", model="Simulated board", compatible="failsafed,sim", version="0.2.0", pid="1234",
                  state="failsafe", cause="button reset", remaining_ms="0", window_ms="4000", led_hold="none",
                  telnet_sessions="2")
    fields.update(kw)
    lines = ["%s=%s" % kv for kv in fields.items()] + ["led.boot=off", "led.failsafe=50/50", "ok"]
    return ("\n".join(lines) + "\n").encode()


def seeds():
    return {
        # requests, as failsafed status and sysupgrade send them, and wrong ones
        "req-status": b"status\n",
        "req-led-upgrade": b"led upgrade",
        "req-led-release": b"led release\r\n",
        "req-led-every-phase": b"led window",
        "req-led-no-phase": b"led",
        "req-led-two-phases": b"led failsafe normal",
        "req-led-unknown": b"led disco",
        "req-status-arg": b"status now",
        "req-unknown": b"reboot\n",
        "req-nul-inside": b"status\0led upgrade",
        "req-63-bytes": b"led " + b"w" * 59,
        "req-64-bytes": b"led " + b"w" * 60,
        "req-tabs-blanks": b"\t led \t upgrade \t",
        "req-empty": b"",
        "req-newlines-only": b"\n\r\n",
        # replies the status applet reads
        "reply-window": status(state="window", cause="none", remaining_ms="3150"),
        "reply-failsafe": status(),
        "reply-error": b"error: not allowed\n",
        "reply-no-ok": status()[:-3],
        "reply-ok-only": b"ok\n",
        "reply-long-values": status(board="b" * 300, model="m" * 300, cause="c" * 100, led_hold="h" * 40),
        "reply-numbers-overflow": status(pid="99999999999999999999", remaining_ms="-1", window_ms="4294967296",
                                         telnet_sessions="abc"),
        "reply-unknown-led-role": status() + b"led.nope=on\nled.=1\nled.boot\n",
        "reply-equals-in-value": status(model="a=b=c"),
        "reply-error-after-ok": status() + b"error: late\n",
        "reply-crlf": status().replace(b"\n", b"\r\n"),
    }
