"""fuzz/corpus/stage2_req.py — seeds of fuzz_stage2_req: the request file sysupgrade hands the daemon for a flash
from RAM (app/applets/stage2_req.h), as sysupgrade and the daemon write it, and damaged ones (fuzz/fuzz_stage2_req.c)."""


def seeds():
    nand = (b"arg=sysupgrade\narg=--from-ram\narg=--progress\narg=--settings-archive\n"
            b"arg=/tmp/stage2/sysupgrade.tgz\narg=--sha256\narg=" + b"ab" * 32 + b"\narg=--tmp-dir\narg=/tmp\n"
            b"arg=/tmp/stage2/image\ntool=ubiformat\n"
            b"why=volume rootfs is in use: ubiblock0_1 is mounted at /rom (squashfs)\n")
    return {
        "nand": nand,
        "emmc-daemon": (b"arg=sysupgrade\narg=--from-ram\narg=--progress\narg=-n\narg=--disk\narg=loop3\n"
                        b"arg=/tmp/stage2/image\nwhy=partition rootfs is in use: loop3p2 is mounted at / (squashfs)\n"
                        b"cause=2\nbutton=reset\n"),
        "ab-tools": b"arg=sysupgrade\narg=--from-ram\narg=-s\narg=/tmp/i\ntool=fw_setenv\ntool=fw_printenv\n",
        "abandoned": b"arg=sysupgrade\narg=/tmp/i\ncause=1\nabandoned=PID 1 still runs from the root: it was asked\n",
        "crlf": b"arg=sysupgrade\r\narg=/tmp/i\r\nwhy=a\rb\r\n",
        "no-arg": b"why=nothing to run\ntool=ubiformat\n",
        "args-25": b"".join(b"arg=%d\n" % i for i in range(25)),
        "tools-9": b"arg=x\n" + b"".join(b"tool=t%d\n" % i for i in range(9)),
        "arg-too-long": b"arg=" + b"a" * 256 + b"\n",
        "arg-longest": b"arg=" + b"a" * 255 + b"\n",
        "unknown-and-no-equals": b"# a comment\narg=sysupgrade\nkey=value\nline without equals\n=\narg=\n",
        "no-final-newline": b"arg=sysupgrade\nbutton=wps",
        "nul-inside": b"arg=sysupgrade\n\0arg=hidden\n",
    }
