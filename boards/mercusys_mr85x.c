/* boards/mercusys_mr85x.c — MERCUSYS MR85X: MT7981B router, reset+WPS keys, green/amber status LEDs, RTL8365MB DSA */
/*
 * Facts taken from the OpenWrt device tree
 *   openwrt/openwrt target/linux/mediatek/dts/mt7981b-mercusys-mr85x.dts
 *   (read at commit 268b114ba56d548ff82f977bfa078c2535704240)
 * and, for the GPIO controller, the Linux kernel
 *   torvalds/linux drivers/pinctrl/mediatek/pinctrl-mt7981.c
 *   torvalds/linux drivers/pinctrl/mediatek/pinctrl-moore.c
 *   torvalds/linux drivers/pinctrl/mediatek/Makefile
 *
 * Buttons (node "keys", compatible "gpio-keys"):
 *   button-reset: label = "reset"; gpios = <&pio 1 GPIO_ACTIVE_LOW>;
 *   button-wps:   label = "wps";   gpios = <&pio 0 GPIO_ACTIVE_LOW>;
 *   &pio is the MT7981 pinctrl@11d00000 ("mediatek,mt7981-pinctrl",
 *   gpio-controller, gpio-ranges = <&pio 0 0 56>): one chip, the line
 *   offset is the pin number. pinctrl-mt7981.c probes through
 *   mtk_moore_pinctrl_probe(); pinctrl-moore.c registers the gpiochip with
 *   chip->label = PINCTRL_PINCTRL_DEV (= KBUILD_MODNAME of pinctrl-moore.o,
 *   i.e. "pinctrl_moore"). It is the only GPIO chip on this board's DT, so
 *   it is also gpiochip0; the label is used because it does not depend on
 *   probe order. No gpio-line-names in the DT, so lines go by offset.
 *   (Its DT node path, /soc/pinctrl@11d00000 in the kernel's mt7981b.dtsi,
 *   names the same single chip.)
 *
 * LEDs (node "leds", compatible "gpio-leds", no label properties, so the
 * kernel names them "<color>:<function>"):
 *   led_status_amber: led-0 { color = <LED_COLOR_ID_AMBER>;
 *       function = LED_FUNCTION_STATUS; gpios = <&pio 4 GPIO_ACTIVE_LOW>; }
 *       -> /sys/class/leds/amber:status
 *   led_status_green: led-1 { color = <LED_COLOR_ID_GREEN>;
 *       function = LED_FUNCTION_STATUS; gpios = <&pio 5 GPIO_ACTIVE_LOW>; }
 *       -> /sys/class/leds/green:status
 *   aliases: led-boot = &led_status_green; led-failsafe = &led_status_amber;
 *            led-running = &led_status_green; led-upgrade = &led_status_green;
 *
 * Console: aliases { serial0 = &uart0; }; chosen { stdout-path =
 *   "serial0:115200n8"; }; uart0 is the 8250-compatible serial@11002000
 *   -> ttyS0 at 115200.
 *
 * Network: &eth gmac0: mac@0 (2500base-x fixed-link) is the CPU MAC; the
 *   switch@1d (compatible "realtek,rtl8365mb", a DSA switch) has
 *   port@1 { label = "lan1"; } and port@6 { label = "cpu";
 *   ethernet = <&gmac0>; }. mtk_eth_soc registers mac@0 first, so gmac0
 *   is eth0 (gmac1/mac@1, the 2.5G PHY at phy@f, is eth1, the WAN).
 *   OpenWrt's target/linux/mediatek/base-files/lib/preinit/05_set_preinit_iface
 *   (read at 085bef047f4475a7ef2f78dee817dd0c930c5cfc) has no case for
 *   mercusys,mr85x: the default "ip link set eth0 up; ifname=lan1".
 *   (An older version of the DTS, 15a23312, used the vendor "mediatek,rtk-gsw"
 *   driver instead of DSA; 268b114b is the DSA one.)
 *
 * Storage: the SPI-NAND partitions are boot, u-boot-env, ubi0 (0x300000,
 *   size 0x3200000), ubi1 (read-only), userconfig, tp_data. OpenWrt's
 *   target/linux/mediatek/filogic/base-files/lib/upgrade/platform.sh
 *   (read at edfwef2w2/openont 8a48253ba5, OpenWrt main of 2026) flashes
 *   mercusys,mr85x with `CI_UBIPART="ubi0"; nand_do_upgrade "$1"`: the
 *   sysupgrade tar's kernel and root go into UBI volumes "kernel" and
 *   "rootfs" on ubi0, an empty "rootfs_data" takes the rest (nand.sh's
 *   defaults). The overlay is that "rootfs_data"; its /dev/ubiX_Y number is
 *   not fixed by the DT, so names are given here, not device paths. A plain
 *   squashfs root (an image made by failsafectl mkimage) still goes to the
 *   "rootfs" volume as it is.
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "reset",
		.chip = "pinctrl_moore",
		.line = 1,
		.line_name = NULL,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_KEY,
	},
	{
		.name = "wps",
		.chip = "pinctrl_moore",
		.line = 0,
		.line_name = NULL,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_KEY,
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "mercusys_mr85x: too many buttons");

const struct board board_mercusys_mr85x = {
	.name = "mercusys-mr85x",
	.model = "MERCUSYS MR85X",
	.compatible = "mercusys,mr85x",
	.cpu = "aarch64",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "green:status" },
		[LED_FAILSAFE] = { .sysfs = "amber:status" },
		[LED_RUNNING] = { .sysfs = "green:status" },
		[LED_UPGRADE] = { .sysfs = "green:status" },
	},
	.consoles = {
		{ .tty = "ttyS0", .baud = 115200 },
	},
	.net = {
		.ifname = "lan1",
		.conduit = "eth0",
		.address = "192.168.1.1",
		.prefix_len = 24,
		.broadcast = "192.168.1.255",
	},
	.window_ms = 4000,
	.storage = {
		.rom = "/",
		.rootfs_data = { BOARD_STORAGE_UBI, "rootfs_data" },  /* the standard OpenWrt NAND overlay volume */
		.firmware = { BOARD_STORAGE_UBI, "rootfs" },          /* plain roots (failsafectl mkimage) */
		.layout = BOARD_LAYOUT_NAND,
		.nand = { .ubi_mtd = "ubi0" },                        /* platform.sh: CI_UBIPART="ubi0" */
	},
};
