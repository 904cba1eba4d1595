"""fuzz/corpus/mountinfo.py — seeds of fuzz_mountinfo: /proc/self/mountinfo as OpenWrt's preinit and this host
show it, with the escapes and odd fields a mount point or option can carry."""

OPENWRT = (b"13 1 31:2 / /rom ro,relatime shared:1 - squashfs /dev/root ro,errors=continue\n"
           b"14 13 0:5 / /proc rw,nosuid,nodev,noexec,noatime shared:2 - proc proc rw\n"
           b"15 13 0:6 / /sys rw,nosuid,nodev,noexec,noatime shared:3 - sysfs sysfs rw\n"
           b"16 13 0:14 / /tmp rw,nosuid,nodev,noatime shared:4 - tmpfs tmpfs rw\n"
           b"17 13 31:3 / /overlay rw,noatime shared:5 - jffs2 /dev/mtdblock3 rw\n"
           b"18 1 0:15 / / rw,noatime shared:6 - overlay overlayfs:/overlay rw,lowerdir=/,upperdir=/overlay/upper,"
           b"workdir=/overlay/work\n")


def seeds():
    return {
        "openwrt-jffs2-overlay": OPENWRT,
        "openwrt-ubifs": OPENWRT.replace(b"jffs2 /dev/mtdblock3", b"ubifs ubi0:rootfs_data"),
        "stacked-root": OPENWRT + b"19 18 0:16 / / rw - tmpfs tmpfs rw\n",
        "octal-blank": b"20 1 8:1 / /mnt/a\\040b rw - ext4 /dev/sd\\134a1 rw,upperdir=/x\\054y\n",
        "octal-nul-and-bad": b"21 1 8:1 / /\\000tmp rw - ext4 /dev/x rw\n22 1 8:1 / /tm\\9p rw - ext4 /dev/y rw\n",
        "no-separator": b"23 1 8:1 / /tmp rw shared:7 ext4 /dev/z rw\n",
        "short-lines": b"1\n1 2\n1 2 3 4 / \n1 2 3 4 / /tmp\n1 2 3 4 / /tmp rw -\n1 2 3 4 / /tmp rw - ext4\n",
        "many-optional": b"24 1 8:1 / /tmp rw " + b"shared:1 master:2 " * 40 + b"- tmpfs tmpfs rw\n",
        "long-fields": b"25 1 8:1 / /" + b"p" * 400 + b" rw - " + b"f" * 60 + b" " + b"s" * 400 + b" " +
                       b"o," * 400 + b"\n",
        "ro-variants": b"26 1 8:1 / /rom ro - squashfs /dev/root ro\n27 1 8:1 / /tmp rom - tmpfs t rw\n",
        "no-final-newline": b"28 1 0:15 / / rw - overlay overlayfs:/overlay rw,upperdir=/o/u",
        "blank-runs": b"29  1   0:1 /  /overlay   rw  -  ext4   /dev/a   rw\n\n\n",
    }
