"""fuzz/corpus/settings_conf.py — seeds of fuzz_settings_conf: byte 0 sets the list's room, then the file's text.

The texts are /etc/sysupgrade.conf and /lib/upgrade/keep.d/* as OpenWrt packages and users write them, and the
shapes a damaged or hostile overlay can hold."""


def seed(room, text):
    return bytes([room]) + text


def seeds():
    return {
        "openwrt-default": seed(255, b"## This file contains files and directories that should\n"
                                     b"## be preserved during an upgrade.\n\n# /etc/example.conf\n# /etc/openvpn/\n"),
        "user-list": seed(255, b"/etc/dropbear/authorized_keys\n/etc/openvpn/\n/root/.ssh/\n/etc/crontabs/root\n"),
        "keep-d-package": seed(200, b"/etc/config/wireguard\n/etc/wireguard/\n"),
        "blanks-and-tabs": seed(255, b"  /etc/a  \n\t/etc/b\t\n \t \n#/etc/c\n  # /etc/d\n"),
        "crlf": seed(255, b"/etc/a\r\n/etc/b\r\n\r\n"),
        "many-slashes": seed(255, b"////etc/x\n/\n//\n"),
        "no-final-newline": seed(255, b"/etc/a\n/etc/b"),
        "room-tight": seed(0, b"/etc/a\n/etc/bbbbbbbbbbbbbbbbbbbbbbbbb\n/etc/c\n"),
        "room-one-line": seed(1, b"/etc/aaaaaa\n/etc/b\n"),
        "duplicates": seed(255, b"/etc/config\n/etc/config\netc/passwd\n"),
        "long-line": seed(255, b"/" + b"x" * 3000 + b"\n/etc/after\n"),
        "binary": seed(128, bytes(range(256)) + b"\n/etc/ok\n"),
        "empty": seed(255, b""),
        "only-newlines": seed(255, b"\n\n\n"),
        "dash-names": seed(255, b"/-rf\n/--checkpoint-action=exec=sh\n"),
    }
