/* boards/glinet_gl_mt6000.c — GL.iNet GL-MT6000 (Flint 2): MT7986A, eMMC (GPT kernel + rootfs), reset key, blue/white LEDs, DSA lan1-5 */
/*
 * Facts taken from OpenWrt (edfwef2w2/openont, OpenWrt main of 2026, commit 8a48253ba5):
 *   target/linux/mediatek/dts/mt7986a-glinet-gl-mt6000.dts
 *     compatible = "glinet,gl-mt6000", "mediatek,mt7986a"
 *     keys: reset { gpios = <&pio 9 GPIO_ACTIVE_LOW>; }
 *     leds: led_blue "blue:run" <&pio 38 ACTIVE_LOW>, led_white "white:system" <&pio 37 ACTIVE_LOW>;
 *       aliases led-boot = led-failsafe = &led_blue, led-running = led-upgrade = &led_white
 *     chosen: stdout-path = "serial0:115200n8" (uart0 -> ttyS0);
 *       bootargs-append = " root=PARTLABEL=rootfs rootwait"
 *     switch@1f (mediatek,mt7531, DSA): port@0..3 lan2..lan5, port@5 lan1 (2.5G PHY), port@6 CPU on
 *       gmac0 (mac@0, registered first: eth0)
 *   target/linux/mediatek/base-files/lib/preinit/05_set_preinit_iface: no case for this board, the
 *     default "ip link set eth0 up; ifname=lan1"
 *   target/linux/mediatek/filogic/base-files/lib/upgrade/platform.sh: glinet,gl-mt6000 is flashed with
 *     CI_KERNPART="kernel" CI_ROOTPART="rootfs" emmc_do_upgrade "$1": GPT partitions named kernel and
 *     rootfs; no CI_DATAPART, so the overlay follows the squashfs in "rootfs" (fstools' rootdisk, at the
 *     squashfs end rounded up to 64 KiB): rootfs_data is that place (BOARD_STORAGE_ROOTDISK)
 * GPIO controller: pio is the MT7986A pinctrl (mediatek,mt7986a-pinctrl); torvalds/linux
 *   drivers/pinctrl/mediatek/pinctrl-mt7986.c probes with mtk_moore_pinctrl_probe, which registers the
 *   gpiochip with the label "pinctrl_moore" (pinctrl-moore.c), the only chip: lines by pin number.
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "reset",
		.chip = "pinctrl_moore",
		.line = 9,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_KEY,
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "glinet_gl_mt6000: too many buttons");

const struct board board_glinet_gl_mt6000 = {
	.name = "glinet-gl-mt6000",
	.model = "GL.iNet GL-MT6000",
	.compatible = "glinet,gl-mt6000",
	.cpu = "aarch64",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "blue:run" },
		[LED_FAILSAFE] = { .sysfs = "blue:run" },
		[LED_RUNNING] = { .sysfs = "white:system" },
		[LED_UPGRADE] = { .sysfs = "white:system" },
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
		.rootfs_data = { BOARD_STORAGE_ROOTDISK, "PARTLABEL=rootfs" }, /* after the squashfs (fstools' rootdisk) */
		.firmware = { BOARD_STORAGE_BLOCK, "PARTLABEL=rootfs" },       /* plain roots (failsafectl mkimage) */
		.layout = BOARD_LAYOUT_EMMC,
		.emmc = { .kernel_part = "kernel", .root_part = "rootfs" },    /* platform.sh's CI_KERNPART, CI_ROOTPART */
	},
};
