/* boards/xiaomi_mi_router_4a_gigabit.c — Xiaomi Mi Router 4A Gigabit Edition: MT7621 (mipsel), reset key, yellow/blue status, DSA lan1+lan2 bridged */
/*
 * Facts taken from OpenWrt's device tree (openwrt/openwrt, read in the
 * public index on 2025-11-30; the commit of each file as read):
 *   target/linux/ramips/dts/mt7621_xiaomi_mi-router-4a-gigabit.dts
 *     (36c239091bbc9433bdd5c660ca5e025d6e31a1e1):
 *     compatible = "xiaomi,mi-router-4a-gigabit", "mediatek,mt7621-soc";
 *     model = "Xiaomi Mi Router 4A Gigabit Edition";
 *     #include "mt7621_xiaomi_mi-router-4a-3g-v2.dtsi"
 *   target/linux/ramips/dts/mt7621_xiaomi_mi-router-4a-3g-v2.dtsi
 *     (19c45b95dbb53a7ba1a26c201277ca86293bf404; the older 183a9940 gives
 *     the same names through label = "yellow:status" / "blue:status"):
 *     leds { compatible = "gpio-leds";
 *       led_status_blue: status_blue { function = LED_FUNCTION_STATUS;
 *         color = <LED_COLOR_ID_BLUE>; gpios = <&gpio 8 GPIO_ACTIVE_LOW>; };
 *       led_status_yellow: status_yellow { function = LED_FUNCTION_STATUS;
 *         color = <LED_COLOR_ID_YELLOW>; gpios = <&gpio 10 GPIO_ACTIVE_LOW>; }; };
 *     -> /sys/class/leds/blue:status and yellow:status (<color>:<function>)
 *     &switch0 { ports { port@2 { label = "lan2"; }; port@3 { label = "lan1"; }; }; };
 *   target/linux/ramips/dts/mt7621_xiaomi_mi-router-4a-common.dtsi
 *     (479373d77ab8d228f2f1c881f09f066dbf6070d1):
 *     aliases { led-boot = &led_status_yellow; led-failsafe = &led_status_yellow;
 *               led-running = &led_status_blue; led-upgrade = &led_status_yellow; };
 *     chosen { bootargs = "console=ttyS0,115200n8"; };   (no stdout-path)
 *     keys { compatible = "gpio-keys";
 *       reset { label = "reset"; gpios = <&gpio 18 GPIO_ACTIVE_LOW>;
 *               linux,code = <KEY_RESTART>; }; };       (no debounce-interval)
 *     &spi0 flash@0 "jedec,spi-nor" (SPI-NOR), fixed-partitions: u-boot,
 *     u-boot-env, Bdata, factory, crash, cfg_bak, overlay (Xiaomi's, read-only),
 *     partition@180000 { compatible = "denx,uimage"; label = "firmware"; }
 *   target/linux/ramips/dts/mt7621.dtsi (5bdb6cad0c37d2b202c488a6da5c11aeb1c9d1a6):
 *     aliases { serial0 = &uartlite; }; uartlite: uartlite@c00 "ns16550a" -> ttyS0
 *     palmbus: palmbus@1e000000 { ranges = <0x0 0x1e000000 0x0fffff>;
 *       gpio: gpio@600 { compatible = "mediatek,mt7621-gpio"; reg = <0x600 0x100>; }; };
 *     ethernet@1e100000 { gmac0: mac@0; gmac1: mac@1 (disabled here);
 *       mdio-bus { switch0: switch@1f { compatible = "mediatek,mt7621";
 *         ports { port@6 { ethernet = <&gmac0>; }; }; }; }; }   (DSA, CPU port on gmac0)
 *   target/linux/ramips/mt7621/base-files/lib/preinit/05_set_preinit_iface
 *     (a3bb20c560d5f73b10279b1972b34fc2c3ea4d25): every board but zte,mf286c3-*:
 *     "ip link set eth0 up; ifname=lan1" -> the failsafe port is lan1 on conduit eth0
 *     (07_mt7621_bringup_dsa_master, 4d979a4d: masterif="eth0").
 *   target/linux/ramips/mt7621/base-files/lib/upgrade/platform.sh
 *     (025c7be759c80277edc452a5563ffe4c9eb250b5): PART_NAME=firmware, this board
 *     takes default_do_upgrade -> sysupgrade writes MTD "firmware".
 * and from Linux (torvalds/linux):
 *   drivers/gpio/gpio-mt7621.c (0755a4e3e809610a14befc9ad28d35e2e460da68):
 *     MTK_BANK_CNT 3, MTK_BANK_WIDTH 32: one gpiochip per bank, label
 *     "%s-bank%d" of dev_name(dev); of_xlate maps DT line N to bank N/32,
 *     offset N%32. All three chips share the DT node /palmbus@1e000000/gpio@600,
 *     so a DT path cannot tell them apart: the chips are named by label.
 *   drivers/of/platform.c of_device_make_bus_id(): dev_name = "%llx.%pOFn" of
 *     the translated reg (0x1e000000 + 0x600) and the node name -> "1e000600.gpio",
 *     so reset (18), status_blue (8) and status_yellow (10) are on
 *     "1e000600.gpio-bank0", lines 18, 8 and 10.
 *   generic mtdsplit (OpenWrt target/linux/generic/files/drivers/mtd/mtdsplit/):
 *     "denx,uimage" splits firmware into kernel + rootfs, mtdsplit_squashfs
 *     carves "rootfs_data" after the squashfs (ROOTFS_SPLIT_NAME).
 * To check on the device: gpiodetect (three chips 1e000600.gpio-bank0..2),
 * ls /sys/class/leds, cat /proc/mtd, failsafed --probe.
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "reset",
		.chip = "1e000600.gpio-bank0",  /* DT <&gpio 18 GPIO_ACTIVE_LOW>: bank 18/32 = 0 */
		.line = 18,
		.line_name = NULL,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,              /* no debounce-interval in the DT (the kernel's 5 ms): a safer 20 */
		.type = BOARD_BUTTON_KEY,
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "xiaomi_mi_router_4a_gigabit: too many buttons");

const struct board board_xiaomi_mi_router_4a_gigabit = {
	.name = "xiaomi-mi-router-4a-gigabit",
	.model = "Xiaomi Mi Router 4A Gigabit Edition",
	.compatible = "xiaomi,mi-router-4a-gigabit",
	.cpu = "mipsel",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "yellow:status" },
		[LED_FAILSAFE] = { .sysfs = "yellow:status" },
		[LED_RUNNING] = { .sysfs = "blue:status" },
		[LED_UPGRADE] = { .sysfs = "yellow:status" },
	},
	.consoles = {
		{ .tty = "ttyS0", .baud = 115200 },     /* bootargs console=ttyS0,115200n8 */
	},
	.net = {
		/* OpenWrt's preinit takes lan1 alone; failsafed bridges both LAN jacks (the DT's labels), so
		 * the laptop works on either */
		.ifname = "br-lan",
		.conduit = "eth0",              /* gmac0, the CPU port's ethernet */
		.lan_ports = { "lan1", "lan2" },
		.address = "192.168.1.1",
		.prefix_len = 24,
		.broadcast = "192.168.1.255",
	},
	.window_ms = 4000,
	.storage = {
		.rom = "/",
		.rootfs_data = { BOARD_STORAGE_MTD, "rootfs_data" },  /* NOR: split by the kernel out of firmware */
		.firmware = { BOARD_STORAGE_MTD, "firmware" },
	},
};
