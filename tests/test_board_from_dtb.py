"""tests/test_board_from_dtb.py — tools/board-from-dtb: device trees in, board tables out.

Device trees written here in DTS and compiled with dtc (a DSA router with keys, a switch and LED aliases; an
MT7621-style router with banked GPIO chips and bootargs; a VLAN-less single-port board; broken ones) give
tables whose fields are checked, and which are validated by board_validate() (a small program linked with the
test build's libfs_hal.a). QEMU's own virt device tree goes the whole way: table, per-board build in a scratch
copy of the tree (-DBOARD=...), failsafed --check-board. Nothing is written into the tree's boards/."""
import os
import re
import shutil
import subprocess
import tempfile

from fsd import run_tests

SRC = os.environ.get("FAILSAFED_SRC_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BIN_DIR = os.environ.get("FAILSAFED_BIN_DIR", "build")
TOOL = os.path.join(SRC, "tools", "board-from-dtb")

DSA_ROUTER = r"""
/dts-v1/;
/ {
	model = "Acme AX1 Router";
	compatible = "acme,ax1", "mediatek,mt7986a";
	#address-cells = <2>;
	#size-cells = <2>;
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <0>; };
	};
	aliases {
		serial0 = &uart0;
		led-boot = &led_status_green;
		led-failsafe = &led_status_red;
		led-running = &led_status_green;
		led-upgrade = &led_status_green;
	};
	chosen { stdout-path = "serial0:115200n8"; };
	keys {
		compatible = "gpio-keys";
		button-reset { label = "reset"; linux,code = <0x198>; gpios = <&pio 9 1>; };
		button-wps { label = "wps"; linux,code = <0x211>; gpios = <&pio 10 1>; debounce-interval = <60>; };
		switch-mode { label = "mode"; linux,code = <0x101>; linux,input-type = <5>; gpios = <&pio 11 0>; };
		button-off { label = "off"; linux,code = <0x74>; gpios = <&pio 12 1>; status = "disabled"; };
	};
	leds {
		compatible = "gpio-leds";
		led_status_green: led-0 { color = <2>; function = "status"; gpios = <&pio 20 1>; };
		led_status_red: led-1 { color = <1>; function = "status"; function-enumerator = <1>; gpios = <&pio 21 1>; };
	};
	soc {
		compatible = "simple-bus";
		ranges;
		#address-cells = <2>;
		#size-cells = <2>;
		uart0: serial@11002000 {
			compatible = "mediatek,mt7986-uart", "mediatek,mt6577-uart";
			reg = <0 0x11002000 0 0x400>;
		};
		pio: pinctrl@1001f000 {
			compatible = "mediatek,mt7986a-pinctrl";
			reg = <0 0x1001f000 0 0x1000>;
			gpio-controller;
			#gpio-cells = <2>;
		};
		ethernet@15100000 {
			compatible = "mediatek,mt7986-eth";
			reg = <0 0x15100000 0 0x80000>;
			#address-cells = <1>;
			#size-cells = <0>;
			gmac0: mac@0 { compatible = "mediatek,eth-mac"; reg = <0>; };
			gmac1: mac@1 { compatible = "mediatek,eth-mac"; reg = <1>; };
			mdio-bus {
				#address-cells = <1>;
				#size-cells = <0>;
				switch@1f {
					compatible = "mediatek,mt7531";
					reg = <31>;
					ports {
						#address-cells = <1>;
						#size-cells = <0>;
						port@0 { reg = <0>; label = "wan"; };
						port@1 { reg = <1>; label = "lan2"; };
						port@2 { reg = <2>; label = "lan1"; };
						port@3 { reg = <3>; label = "lan3"; status = "disabled"; };
						port@6 { reg = <6>; label = "cpu"; ethernet = <&gmac0>; };
					};
				};
			};
		};
		spi@1100a000 {
			compatible = "mediatek,ipm-spi";
			reg = <0 0x1100a000 0 0x100>;
			#address-cells = <1>;
			#size-cells = <0>;
			flash@0 {
				compatible = "spi-nand";
				reg = <0>;
				partitions {
					compatible = "fixed-partitions";
					#address-cells = <1>;
					#size-cells = <1>;
					partition@0 { label = "BL2"; reg = <0 0x100000>; read-only; };
					partition@580000 { label = "ubi"; reg = <0x580000 0x4000000>; };
				};
			};
		};
	};
};
"""

# Shaped like OpenWrt's mt7621.dtsi + Xiaomi Mi Router 4A Gigabit (boards/xiaomi_mi_router_4a_gigabit.c).
MT7621_ROUTER = r"""
/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	compatible = "xiaomi,mi-router-4a-gigabit", "mediatek,mt7621-soc";
	model = "Xiaomi Mi Router 4A Gigabit Edition";
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		cpu@0 { device_type = "cpu"; compatible = "mips,mips1004Kc"; reg = <0>; };
	};
	aliases {
		serial0 = &uartlite;
		led-boot = &led_status_yellow;
		led-failsafe = &led_status_yellow;
		led-running = &led_status_blue;
		led-upgrade = &led_status_yellow;
	};
	chosen { bootargs = "console=ttyS0,115200n8"; };
	keys {
		compatible = "gpio-keys";
		reset { label = "reset"; gpios = <&gpio 18 1>; linux,code = <0x198>; };
		high { label = "high"; gpios = <&gpio 38 1>; linux,code = <0x100>; };
	};
	leds {
		compatible = "gpio-leds";
		led_status_blue: status_blue { function = "status"; color = <3>; gpios = <&gpio 8 1>; };
		led_status_yellow: status_yellow { function = "status"; color = <6>; gpios = <&gpio 10 1>; };
	};
	palmbus@1e000000 {
		compatible = "palmbus";
		reg = <0x1e000000 0x100000>;
		ranges = <0x0 0x1e000000 0x0fffff>;
		#address-cells = <1>;
		#size-cells = <1>;
		gpio: gpio@600 {
			#gpio-cells = <2>;
			compatible = "mediatek,mt7621-gpio";
			gpio-controller;
			reg = <0x600 0x100>;
		};
		uartlite: uartlite@c00 { compatible = "ns16550a"; reg = <0xc00 0x100>; };
		spi@b00 {
			compatible = "ralink,mt7621-spi";
			reg = <0xb00 0x100>;
			#address-cells = <1>;
			#size-cells = <0>;
			flash@0 {
				compatible = "jedec,spi-nor";
				reg = <0>;
				partitions {
					compatible = "fixed-partitions";
					#address-cells = <1>;
					#size-cells = <1>;
					partition@0 { label = "u-boot"; reg = <0x0 0x30000>; read-only; };
					partition@180000 { compatible = "denx,uimage"; label = "firmware"; reg = <0x180000 0xe80000>; };
				};
			};
		};
	};
	ethernet@1e100000 {
		compatible = "mediatek,mt7621-eth";
		reg = <0x1e100000 0x10000>;
		#address-cells = <1>;
		#size-cells = <0>;
		gmac0: mac@0 { compatible = "mediatek,eth-mac"; reg = <0>; };
		gmac1: mac@1 { compatible = "mediatek,eth-mac"; reg = <1>; status = "disabled"; };
		mdio-bus {
			#address-cells = <1>;
			#size-cells = <0>;
			switch0: switch@1f {
				compatible = "mediatek,mt7621";
				reg = <0x1f>;
				ports {
					#address-cells = <1>;
					#size-cells = <0>;
					port@2 { reg = <2>; label = "lan2"; };
					port@3 { reg = <3>; label = "lan1"; };
					port@4 { reg = <4>; label = "wan"; };
					port@6 { reg = <6>; ethernet = <&gmac0>; };
				};
			};
		};
	};
};
"""

SINGLE_PORT = r"""
/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	compatible = "acme,ap1", "acme,soc7";
	model = "Acme AP1";
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a7"; reg = <0>; };
	};
	aliases { serial1 = &uart1; led-boot = &led_sys; };
	chosen { stdout-path = "/soc/serial@2000:57600"; };
	keys {
		compatible = "gpio-keys-polled";
		poll-interval = <20>;
		reset { label = "Reset Button"; gpios = <&gpio0 4 1>; linux,code = <0x198>; debounce-interval = <2>; };
	};
	gpio-export {
		led_sys: sys { gpios = <&gpio0 7 0>; };
	};
	soc {
		compatible = "simple-bus";
		ranges;
		#address-cells = <1>;
		#size-cells = <1>;
		gpio0: gpio@1000 { compatible = "acme,gpio"; reg = <0x1000 0x100>; gpio-controller; #gpio-cells = <2>; };
		uart0: serial@1800 { compatible = "ns16550a"; reg = <0x1800 0x100>; };
		uart1: serial@2000 { compatible = "ns16550a"; reg = <0x2000 0x100>; };
		ethernet@3000 { compatible = "acme,soc7-eth"; reg = <0x3000 0x1000>; };
		ethernet@4000 { compatible = "acme,soc7-eth"; reg = <0x4000 0x1000>; status = "disabled"; };
	};
};
"""

# What the tool cannot use: keys on a node that is no GPIO controller, no LED aliases, no console, nothing.
BROKEN = r"""
/dts-v1/;
/ {
	compatible = "acme,broken";
	keys {
		compatible = "gpio-keys";
		reset { label = "reset"; gpios = <&notgpio 1 1>; linux,code = <0x198>; };
		odd { label = "odd"; gpios = <&gpio3 1 1 0>; linux,code = <0x100>; };
	};
	notgpio: thing@0 { compatible = "acme,thing"; };
	gpio3: gpio@1 { compatible = "acme,gpio3"; gpio-controller; #gpio-cells = <3>; };
};
"""

NO_COMPATIBLE = "/dts-v1/;\n/ { model = \"nothing\"; };\n"

VALIDATE_C = r"""
#include <stdio.h>
#include "board_validate.h"
extern const struct board BOARD_SYM;
int main(void)
{
	struct board_report r;
	int rc = board_validate(&BOARD_SYM, &r);

	for (unsigned i = 0; i < r.n_warnings; i++)
		printf("warning: %s\n", r.warnings[i]);
	printf("%s\n", rc ? r.error : "valid");
	return rc ? 1 : 0;
}
"""


class Work:
    def __init__(self):
        for prog, package in (("dtc", "device-tree-compiler"), ("fdtput", "device-tree-compiler")):
            assert shutil.which(prog), "needs %s (Debian %s; tools/bootstrap.sh installs it)" % (prog, package)
        self.dir = tempfile.mkdtemp(prefix="fsd-dtb.")

    def path(self, name):
        return os.path.join(self.dir, name)

    def dtb(self, dts, name):
        src, out = self.path(name + ".dts"), self.path(name + ".dtb")
        with open(src, "w") as f:
            f.write(dts)
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, src], check=True)
        return out

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def tool(*args, cwd=None):
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def generate(w, dts, name, *extra):
    out = w.path(name + ".c")
    r = tool(w.dtb(dts, name), "-o", out, *extra)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    with open(out) as f:
        return f.read(), r.stderr, out


def validate(w, c_file, ident):
    """board_validate() on the generated table: compiled with -Werror and linked with the build's libfs_hal.a."""
    main_c, exe = w.path("validate.c"), w.path("validate-" + ident)
    with open(main_c, "w") as f:
        f.write(VALIDATE_C)
    cc = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wmissing-declarations",
                         "-I", os.path.join(SRC, "hal"), "-DBOARD_SYM=" + ident, main_c, c_file,
                         os.path.join(BIN_DIR, "libfs_hal.a"), "-o", exe], capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    r = subprocess.run([exe], capture_output=True, text=True)
    return r.returncode, r.stdout


def field(text, name):
    m = re.search(r'\.%s = ("(?:[^"\\]|\\.)*"|[^,\n]+),' % re.escape(name), text)
    return m.group(1) if m else None


def buttons(text):
    """[(name, chip, line, active_low, debounce, type)] of the table's buttons."""
    return re.findall(r'\.name = "([^"]+)",.*?\n\t\t\.chip = "([^"]+)",.*?\n\t\t\.line = (\d+),\n.*?'
                      r'\.active_low = (true|false),\n.*?\.debounce_ms = (\d+),.*?\n\t\t\.type = (\w+),', text, re.S)


def test_dsa_router():
    w = Work()
    try:
        text, err, c = generate(w, DSA_ROUTER, "acme_ax1")
        assert buttons(text) == [
            ("reset", "/soc/pinctrl@1001f000", "9", "true", "0", "BOARD_BUTTON_KEY"),
            ("wps", "/soc/pinctrl@1001f000", "10", "true", "60", "BOARD_BUTTON_KEY"),
            ("mode", "/soc/pinctrl@1001f000", "11", "false", "0", "BOARD_BUTTON_SWITCH"),
        ], buttons(text)                                     # the disabled key is left out
        assert "[LED_BOOT] = { .sysfs = \"green:status\" }" in text, text
        assert "[LED_FAILSAFE] = { .sysfs = \"red:status-1\" }" in text, text
        assert "[LED_RUNNING] = { .sysfs = \"green:status\" }" in text, text
        assert '{ .tty = "ttyS0", .baud = 115200 }' in text, text
        assert field(text, "ifname") == '"br-lan"' and field(text, "conduit") == '"eth0"', text
        assert '.lan_ports = { "lan1", "lan2" },' in text, text           # lan3 is disabled, wan is no LAN port
        assert field(text, "compatible") == '"acme,ax1"' and field(text, "model") == '"Acme AX1 Router"', text
        assert field(text, "cpu") == '"aarch64"' and '\n\t.name = "acme-ax1",' in text, text
        assert "BOARD_STORAGE_UBI, \"rootfs_data\"" in text and "BOARD_STORAGE_UBI, \"rootfs\"" in text, text
        assert "TODO" not in text and "complete" in err, (text, err)
        assert "const struct board board_acme_ax1 = {" in text and text.startswith("/* boards/acme_ax1.c — "), text
        rc, out = validate(w, c, "board_acme_ax1")
        assert rc == 0 and out.rstrip().endswith("valid"), out
        # --port picks another user port; --name the board's name
        text, _, _ = generate(w, DSA_ROUTER, "acme_ax1b", "--port", "lan2", "--name", "ax1")
        assert field(text, "ifname") == '"lan2"' and '\n\t.name = "ax1",' in text, text
    finally:
        w.close()


def test_mt7621_router_matches_the_hand_written_table():
    w = Work()
    try:
        text, err, c = generate(w, MT7621_ROUTER, "xiaomi_4a")
        assert buttons(text) == [
            ("reset", "1e000600.gpio-bank0", "18", "true", "0", "BOARD_BUTTON_KEY"),
            ("high", "1e000600.gpio-bank1", "6", "true", "0", "BOARD_BUTTON_KEY"),     # DT line 38
        ], buttons(text)
        for role, led in (("BOOT", "yellow:status"), ("FAILSAFE", "yellow:status"), ("RUNNING", "blue:status"),
                          ("UPGRADE", "yellow:status")):
            assert "[LED_%s] = { .sysfs = \"%s\" }" % (role, led) in text, (role, text)
        assert '{ .tty = "ttyS0", .baud = 115200 }' in text, text
        assert field(text, "ifname") == '"br-lan"' and field(text, "conduit") == '"eth0"', text
        assert '.lan_ports = { "lan1", "lan2" },' in text, text
        assert field(text, "cpu") == '"mipsel"', text
        assert 'BOARD_STORAGE_MTD, "rootfs_data"' in text and 'BOARD_STORAGE_MTD, "firmware"' in text, text
        assert "gpiodetect" in text, text                 # the bank labels are to be checked on the device
        rc, out = validate(w, c, "board_xiaomi_4a")
        assert rc == 0, out
        with open(os.path.join(SRC, "boards", "xiaomi_mi_router_4a_gigabit.c")) as f:
            hand = f.read()
        for fact in ('.chip = "1e000600.gpio-bank0"', ".line = 18,", '.compatible = "xiaomi,mi-router-4a-gigabit"',
                     '.ifname = "br-lan"', '.conduit = "eth0"', '.lan_ports = { "lan1", "lan2" },',
                     '[LED_RUNNING] = { .sysfs = "blue:status" }'):
            assert fact in hand and fact in text, fact
    finally:
        w.close()


def test_single_port_board_without_vlan():
    w = Work()
    try:
        text, err, c = generate(w, SINGLE_PORT, "acme_ap1")
        assert buttons(text) == [("reset", "/soc/gpio@1000", "4", "true", "0", "BOARD_BUTTON_KEY")], buttons(text)
        assert 'label "Reset Button"' in text and "gpio-keys-polled" in text, text
        assert "below the 5 ms minimum" in text, text     # debounce-interval 2 ms
        assert '[LED_BOOT] = { .chip = "/soc/gpio@1000", .line = 7, .active_low = false }' in text, text
        assert '{ .tty = "ttyS1", .baud = 57600 }' in text, text
        assert field(text, "ifname") == '"eth0"' and ".conduit" not in text and ".vlan_id" not in text, text
        assert field(text, "cpu") == '"armhf"', text
        assert "TODO .storage" in text and "missing: storage" in err, err
        rc, out = validate(w, c, "board_acme_ap1")
        assert rc == 0 and "storage.rootfs_data: none" in out, out
        # a VLAN port given by hand
        text, _, c = generate(w, SINGLE_PORT, "acme_ap1v", "--port", "eth0.1")
        assert field(text, "ifname") == '"eth0.1"' and field(text, "vlan_id") == "1", text
        assert field(text, "vlan_parent") == '"eth0"', text
        assert validate(w, c, "board_acme_ap1v")[0] == 0
    finally:
        w.close()


def test_broken_inputs():
    w = Work()
    try:
        text, err, c = generate(w, BROKEN, "acme_broken")
        assert "missing: button reset" in err and "no GPIO controller" in err, err
        assert "#gpio-cells = 3" in err, err
        assert "missing: leds[boot]: no led-boot alias" in err and "missing: console" in err, err
        assert "missing: cpu" in err and "missing: model" in err, err
        assert "static const struct board_button" not in text and "TODO [LED_BOOT]" in text, text
        rc, out = validate(w, c, "board_acme_broken")
        assert rc == 1 and "leds[boot]: missing" in out, out        # compiles, and says what is missing
        # not a device tree, no file, no compatible, bad arguments
        junk = w.path("junk.dtb")
        with open(junk, "w") as f:
            f.write(BROKEN)
        r = tool(junk)
        assert r.returncode == 1 and "not a compiled device tree" in r.stderr and "dtc -I dts" in r.stderr, r.stderr
        r = tool(w.path("nosuch.dtb"))
        assert r.returncode == 1 and "No such file or directory" in r.stderr, r.stderr
        r = tool(w.dtb(NO_COMPATIBLE, "nocompat"))
        assert r.returncode == 1 and "no compatible" in r.stderr, r.stderr
        r = tool(w.dtb(DSA_ROUTER, "x"), "-o", w.path("Bad-Name.c"))
        assert r.returncode == 2 and "<file>.c" in r.stderr, r.stderr
        r = tool(w.dtb(DSA_ROUTER, "x"), "--port", "lan 1")
        assert r.returncode == 2 and "--port" in r.stderr, r.stderr
        r = tool(w.dtb(DSA_ROUTER, "x"), "-o", c)                   # exists
        assert r.returncode == 1 and "--force" in r.stderr, r.stderr
        assert tool(w.dtb(DSA_ROUTER, "x"), "-o", c, "--force").returncode == 0
        r = tool("--help")
        assert r.returncode == 0 and "--port" in r.stdout and "/sys/firmware/fdt" in r.stdout, r.stdout
        r = tool()
        assert r.returncode == 2, r.stderr
    finally:
        w.close()


def copy_tree(dst):
    """The files a clone would have (tracked and new ones git does not ignore), as tests/test_docs.py copies them."""
    files = subprocess.run(["git", "-C", SRC, "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = os.path.join(SRC, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, rel))


def test_qemu_virt_device_tree_to_a_valid_build():
    w = Work()
    try:
        dtb = w.path("virt.dtb")
        assert shutil.which("qemu-system-aarch64"), "needs qemu-system-aarch64 (Debian qemu-system-arm; " \
            "tools/qemu/setup.sh installs it)"
        subprocess.run(["qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a57", "-machine",
                        "dumpdtb=" + dtb, "-display", "none", "-nic", "none"], check=True, capture_output=True,
                       timeout=60)
        # the virt machine has a gpio-keys key but no LED: give it one, as a router's DT has
        ph = subprocess.run(["fdtget", "-t", "u", dtb, "/pl061@9030000", "phandle"], capture_output=True, text=True,
                            check=True).stdout.split()[0]
        for cmd in (["-c", dtb, "/leds", "/leds/led-5"], ["-t", "s", dtb, "/leds", "compatible", "gpio-leds"],
                    ["-t", "s", dtb, "/leds/led-5", "label", "green:status"],
                    ["-t", "u", dtb, "/leds/led-5", "gpios", ph, "5", "0"],
                    ["-c", "-p", dtb, "/aliases"], ["-t", "s", dtb, "/aliases", "led-boot", "/leds/led-5"]):
            subprocess.run(["fdtput", *cmd], check=True)
        work = w.path("tree")
        copy_tree(work)
        out = os.path.join(work, "boards", "qemu_virt_generated.c")
        r = tool(dtb, "--port", "eth0", "-o", out)
        assert r.returncode == 0, r.stderr
        with open(out) as f:
            text = f.read()
        assert buttons(text) == [("poweroff", "/pl061@9030000", "3", "false", "0", "BOARD_BUTTON_KEY")], text
        assert '[LED_BOOT] = { .sysfs = "green:status" }' in text and field(text, "ifname") == '"eth0"', text
        assert "missing: console" in r.stderr and "missing: storage" in r.stderr, r.stderr   # virt has no alias, no flash
        build = os.path.join(work, "build")
        b = subprocess.run("cmake -S . -B build -DBOARD=qemu_virt_generated -DFAILSAFED_TESTS=OFF >cmake.log 2>&1 && "
                           "cmake --build build -j2 --target failsafed >>cmake.log 2>&1 || { cat cmake.log; exit 1; }",
                           shell=True, cwd=work, capture_output=True, text=True, timeout=900)
        assert b.returncode == 0, b.stdout[-3000:] + b.stderr[-2000:]
        r = subprocess.run([os.path.join(build, "failsafed"), "--check-board"], capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 0, (r.stdout, r.stderr)
        assert r.stdout.startswith("board qemu-virt-generated (linux,dummy-virt), linux,dummy-virt"), r.stdout
        assert re.search(r"button poweroff +/pl061@9030000 line 3 active-high", r.stdout), r.stdout
        assert r.stdout.rstrip().endswith("valid"), r.stdout
    finally:
        w.close()


if __name__ == "__main__":
    run_tests([test_dsa_router, test_mt7621_router_matches_the_hand_written_table, test_single_port_board_without_vlan,
               test_broken_inputs, test_qemu_virt_device_tree_to_a_valid_build])
