/* boards/glinet_gl_mt300n_v2.c — GL.iNet GL-MT300N-V2: MT7628AN (mipsel), swconfig switch, reset key + side switch, green power LED, eth0 */
/*
 * Facts taken from OpenWrt (openwrt/openwrt, read in the public index on
 * 2025-11-30; the commit of each file as read):
 *   target/linux/ramips/dts/mt7628an_glinet_gl-mt300n-v2.dts
 *     (9e3fe544b8d18b19824332a9c2cef23091a3c9e7; the older 0b68d081 named the
 *     LEDs "gl-mt300n-v2:green:power" etc.):
 *     compatible = "glinet,gl-mt300n-v2", "mediatek,mt7628an-soc"; model = "GL-MT300N-V2";
 *     aliases { led-boot = &led_power; led-failsafe = &led_power;
 *               led-running = &led_power; led-upgrade = &led_power; };
 *     chosen { bootargs = "console=ttyS0,115200"; };     (no stdout-path)
 *     leds { compatible = "gpio-leds";
 *       led_power: power { label = "green:power"; default-state = "on";
 *                          gpios = <&gpio 42 GPIO_ACTIVE_LOW>; }; ... };
 *     keys { compatible = "gpio-keys";                  (no debounce-interval)
 *       reset { label = "reset"; gpios = <&gpio 38 GPIO_ACTIVE_LOW>; linux,code = <KEY_RESTART>; };
 *       BTN_0 { label = "BTN_0"; gpios = <&gpio 0 GPIO_ACTIVE_LOW>; linux,code = <BTN_0>; };
 *       BTN_1 { label = "BTN_1"; gpios = <&gpio 3 GPIO_ACTIVE_LOW>; linux,code = <BTN_1>; }; };
 *     &spi0 flash@0 "jedec,spi-nor" (SPI-NOR): u-boot, u-boot-env, factory,
 *     partition@50000 { compatible = "denx,uimage"; label = "firmware"; }
 *   target/linux/ramips/dts/mt7628an.dtsi (8e47bcdc838370d1520aa1cade04b1002aff7aa1):
 *     aliases { serial0 = &uartlite; }; uartlite: uart0@c00 "ns16550a" -> ttyS0
 *     palmbus: palmbus@10000000 { ranges = <0x0 0x10000000 0x1FFFFF>;
 *       gpio: gpio@600 { compatible = "mediatek,mt7621-gpio"; reg = <0x600 0x100>; }; };
 *     ethernet@10100000 "ralink,rt5350-eth" with mediatek,switch = <&esw>;
 *     esw@10110000 "ralink,rt3050-esw": the embedded swconfig switch (not DSA).
 *   target/linux/ramips/mt76x8/base-files/etc/board.d/02_network
 *     (47d58afbdf208f162026159e33c66bd3f4eb159d):
 *     glinet,gl-mt300n-v2) ucidef_add_switch "switch0" "1:lan" "0:wan" "6@eth0"
 *     -> in normal operation LAN is eth0.1 (VLAN 1 = switch ports "1 6t"), WAN eth0.2.
 *   target/linux/ramips/base-files/lib/preinit/07_set_preinit_iface_ramips
 *     (e8d2d97498c4413cf61b4b2e44b29cbe790e8d4b): reset the switch with VLANs off and use
 *     eth0; removed from OpenWrt in 2020 (a8d62a4eb1ce, openwrt/openwrt#2909). Today
 *     preinit_config_board (10_indicate_preinit) programs the switch from board.json
 *     and uses eth0.1; failsafed does not program swconfig switches, so what counts is
 *     the driver's state at boot, below.
 *   target/linux/ramips/files/drivers/net/ethernet/ralink/esw_rt3050.c
 *     (afaa0ba815f4a120d268e7d3d1bff1d1024ebe53): esw_hw_init() applies "the empty
 *     config" with global_vlan_enable = 0: every port in VLAN 0, untagged to the CPU.
 *   So before anything runs swconfig (failsafed's place in the boot) both jacks
 *   reach eth0 untagged and a VLAN eth0.1 would carry nothing: the failsafe
 *   port is eth0. (eth0.1 with .vlan_id = 1 is
 *   right only once the switch has VLAN 1 tagged to the CPU, i.e. after the
 *   network configuration; failsafed does not program swconfig switches.)
 *   target/linux/ramips/mt76x8/base-files/lib/upgrade/platform.sh
 *     (19724e28c81e3ff642f09c49f612cd147c54a697): PART_NAME=firmware,
 *     default_do_upgrade -> sysupgrade writes MTD "firmware".
 * and from Linux (torvalds/linux):
 *   drivers/gpio/gpio-mt7621.c (0755a4e3e809610a14befc9ad28d35e2e460da68): one
 *     gpiochip per 32-line bank, label "%s-bank%d" of dev_name(dev); DT line N is
 *     bank N/32, offset N%32; the three chips share one DT node, so they are
 *     named by label. drivers/of/platform.c of_device_make_bus_id(): dev_name is
 *     "10000600.gpio" (0x10000000 + 0x600, node gpio@600). Hence reset (38) is
 *     "10000600.gpio-bank1" line 6, power LED (42) bank1 line 10, BTN_0 (0)
 *     bank0 line 0, BTN_1 (3) bank0 line 3.
 * BTN_0 and BTN_1 are declared EV_KEY in the DT, but on this router they are
 * the two contacts of the side slide switch (an inference from GL.iNet's
 * two-position "mode" switch; check with failsafed --probe): one of them is
 * always "pressed", which would enter failsafe on every boot, so they are
 * switches here and only reset triggers.
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "reset",
		.chip = "10000600.gpio-bank1",  /* DT <&gpio 38 GPIO_ACTIVE_LOW>: bank 1, offset 6 */
		.line = 6,
		.line_name = NULL,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,              /* no debounce-interval in the DT (the kernel's 5 ms): a safer 20 */
		.type = BOARD_BUTTON_KEY,
	},
	{
		.name = "BTN_0",
		.chip = "10000600.gpio-bank0",  /* DT <&gpio 0 GPIO_ACTIVE_LOW> */
		.line = 0,
		.line_name = NULL,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_SWITCH,    /* the slide switch, one position */
	},
	{
		.name = "BTN_1",
		.chip = "10000600.gpio-bank0",  /* DT <&gpio 3 GPIO_ACTIVE_LOW> */
		.line = 3,
		.line_name = NULL,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_SWITCH,    /* the slide switch, the other position */
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "glinet_gl_mt300n_v2: too many buttons");

const struct board board_glinet_gl_mt300n_v2 = {
	.name = "glinet-gl-mt300n-v2",
	.model = "GL-MT300N-V2",
	.compatible = "glinet,gl-mt300n-v2",
	.cpu = "mipsel",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "green:power" },
		[LED_FAILSAFE] = { .sysfs = "green:power" },
		[LED_RUNNING] = { .sysfs = "green:power" },
		[LED_UPGRADE] = { .sysfs = "green:power" },
	},
	.consoles = {
		{ .tty = "ttyS0", .baud = 115200 },     /* bootargs console=ttyS0,115200 */
	},
	.net = {
		.ifname = "eth0",               /* the switch untagged, as after reset (see above); not eth0.1 */
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
