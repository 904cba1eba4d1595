/* boards/xiaomi_miwifi_mini.c — Xiaomi MiWiFi Mini: MT7620A (mipsel), swconfig switch, reset key, blue status LED, VLAN port eth0.1 */
/*
 * An older switch-based router whose failsafe port really is a VLAN. Facts
 * taken from OpenWrt (openwrt/openwrt, read in the public index on 2026-11-30;
 * the commit of each file as read):
 *   target/linux/ramips/dts/mt7620a_xiaomi_miwifi-mini.dts
 *     (04bd108c23a37da0cd473a4ebff49c5bc0d503cb):
 *     compatible = "xiaomi,miwifi-mini", "ralink,mt7620a-soc"; model = "Xiaomi MiWiFi Mini";
 *     aliases { led-boot = &led_blue; led-failsafe = &led_blue;
 *               led-running = &led_blue; led-upgrade = &led_blue; };
 *     chosen { bootargs = "console=ttyS0,115200"; };        (no stdout-path)
 *     leds { compatible = "gpio-leds";
 *       led_blue: blue { label = "blue:status"; gpios = <&gpio1 0 GPIO_ACTIVE_LOW>;
 *                        default-state = "on"; };
 *       yellow { label = "yellow:status"; ... }; red { label = "red:status"; ... }; };
 *     keys { compatible = "gpio-keys";                      (no debounce-interval)
 *       reset { label = "reset"; gpios = <&gpio1 6 GPIO_ACTIVE_HIGH>;
 *               linux,code = <KEY_RESTART>; }; };
 *     &gpio1 { status = "okay"; };
 *     &spi0 flash@0 "jedec,spi-nor" (SPI-NOR), fixed-partitions: u-boot,
 *       u-boot-env, factory, partition@50000 { compatible = "denx,uimage";
 *       label = "firmware"; }, crash, reserved, Bdata
 *     &ethernet { mediatek,portmap = "llllw"; };
 *   target/linux/ramips/dts/mt7620a.dtsi (021c8936584ded4feee82939f05098c6894f4c50):
 *     aliases { serial0 = &uartlite; }; uartlite@c00 "ns16550a" -> ttyS0 (uart@500
 *     stays disabled on this board)
 *     palmbus@10000000 { gpio1: gpio@638 { compatible = "ralink,mt7620a-gpio",
 *       "ralink,rt2880-gpio"; ralink,num-gpios = <16>; status = "disabled"; }; };
 *     ethernet@10100000 "mediatek,mt7620-eth" { mediatek,switch = <&gsw>; };
 *     gsw@10110000 "mediatek,mt7620-gsw": the SoC's switch, CPU port 6, one GMAC (eth0)
 *   target/linux/ramips/mt7620/base-files/etc/board.d/02_network
 *     (00012f20c5f2bd39fd581685787f348f62b09542):
 *     lenovo,newifi-y1|xiaomi,miwifi-mini)
 *       ucidef_add_switch "switch0" "0:lan:2" "1:lan:1" "4:wan" "6@eth0"
 *   package/base-files/files/lib/functions/uci-defaults.sh
 *     (0244a52ba9e0acaedd0e464217d1ca177f3cff2b): ucidef_add_switch sets
 *     enable 1 and reset 1; _ucidef_finish_switch_roles tags the CPU port unless
 *     it was given as "Nu@ethX" ("if need_tag == 1 or want_untag != 1: num=6t,
 *     device=eth0.<index>"), so the LAN is eth0.1 (ports "0 1 6t") and the WAN
 *     eth0.2 ("4 6t").
 * OpenWrt's own failsafe uses eth0.1 on this router:
 *   ramips sets no preinit interface any more: openwrt/openwrt#2909 (2020-04-09)
 *   reports that a8d62a4eb1ce53beb901b212ce7e474eb70341ca removed
 *   target/linux/ramips/base-files/lib/preinit/07_set_preinit_iface_ramips
 *   (whose last form, e8d2d97498c4413cf61b4b2e44b29cbe790e8d4b, reset the switch,
 *   turned VLANs off and used eth0); the re-add in the subtargets was NAKed
 *   (openwrt/openwrt#2958) and no subtarget has one (mt7620/base-files/lib has
 *   only upgrade/). So preinit_ip() in
 *   package/base-files/files/lib/preinit/10_indicate_preinit finds no
 *   pi_ifname and runs preinit_config_board (read in immortalwrt/immortalwrt
 *   7b56be91d3c1d15725cff4dd8ef4778bbf8e45c9, OpenWrt's file of the 21.02 era;
 *   openwrt#24309's review cites preinit_ip() -> preinit_config_board in today's
 *   main, 1069f30699476b661b153241719ee3a7511cd9bd): it takes network.lan from
 *   board.json (eth0.1), and because /sbin/swconfig exists it first runs
 *   preinit_config_switch switch0 eth0.1 — "swconfig dev switch0 set reset",
 *   "set enable_vlan 1", "vlan 1 set ports '0 1 6t'", "set apply" — then
 *   preinit_ip_config: "ip link add link eth0 name eth0.1 type vlan id 1",
 *   eth0 up, 192.168.1.1/24 on eth0.1.
 * failsafed creates eth0.1 (VLAN 1 of eth0) but programs no swconfig switch.
 * For the port to work, the switch must already, at failsafed's start, put the
 * LAN jacks in VLAN 1 and send VLAN 1 to the CPU port tagged (and untag it
 * towards the jacks). That holds on this board by the driver's boot default:
 *   target/linux/ramips/files/drivers/net/ethernet/ralink/soc_mt7620.c
 *     mt7620_gsw_config(): for the SoC's own switch (no external MT7530 at MDIO
 *     address 0x1f, as here) "mt7530_probe(priv->dev, gsw->base, NULL, 1)";
 *   target/linux/ramips/files/drivers/net/ethernet/ralink/mt7530.c
 *     (0a64c7a7b6d9ca5805a9a5ff2067b6694dbc5010): mt7530_probe(..., vlan = 1)
 *     sets global_vlan_enable, reads "mediatek,portmap" from the ethernet node
 *     and for "llllw" applies pvids {1,1,1,1,2,1,1}, VLAN 1 members 0x6f (ports
 *     0-3, 5, 6) and VLAN 2 members 0x50 (ports 4, 6), etags 0x40 (port 6, the
 *     CPU, tagged in both), then mt7530_apply_config() writes it to the switch
 *     at probe, before any swconfig call.
 *   So from the kernel's start the two LAN jacks (ports 0, 1) reach eth0 as
 *   VLAN 1 tagged, exactly what OpenWrt's preinit programs again: eth0.1 works
 *   with the switch as the driver left it. It does not hold if something reset
 *   the switch before failsafed ("swconfig dev switch0 set reset" + apply
 *   without VLANs leaves VLAN mode on with an empty table), nor on a DT without
 *   mediatek,portmap (VLAN mode on, no VLAN configured) — and it never holds
 *   on the MT7628/RT305x's rt3050-esw, whose probe applies an empty config with
 *   VLANs off (boards/glinet_gl_mt300n_v2.c keeps eth0 for that reason).
 * The switch driver is the swconfig one: newer OpenWrt trees also carry a DSA
 * driver for this switch (gsw_mt7620_dsa.c); with it the LAN would be DSA user
 * ports, not eth0.1. Check on the device: "swconfig dev switch0 vlan 1 show"
 * (ports: 0 1 2 3 5 6t) or "ip link" (eth0.1 after OpenWrt's own boot).
 *   target/linux/ramips/mt7620/base-files/lib/upgrade/platform.sh
 *     (1077f225d9906c04dd56b93e63900701beb92483): PART_NAME=firmware, this board
 *     takes default_do_upgrade -> sysupgrade writes MTD "firmware".
 * and from Linux:
 *   drivers/gpio/gpio-ralink.c as OpenWrt carries it ("[PATCH V2] GPIO: MIPS:
 *     ralink: adds ralink gpio support", John Crispin, linux-mips 2013-04-10):
 *     one gpiochip per "ralink,rt2880-gpio" node, chip.of_node = np,
 *     label = dev_name() = "10000638.gpio", ngpio = ralink,num-gpios; DT line N
 *     is offset N of that chip. The reset key and the LED are therefore line 6
 *     and line 0 of the chip with the node /palmbus@10000000/gpio@638.
 *   generic mtdsplit (OpenWrt target/linux/generic/files/drivers/mtd/mtdsplit/):
 *     "denx,uimage" splits firmware into kernel + rootfs, mtdsplit_squashfs
 *     carves "rootfs_data" after the squashfs.
 * The MT7620A is a MIPS 24KEc, little endian: OpenWrt's mipsel_24kc packages.
 * To check on the device: gpiodetect, ls /sys/class/leds, cat /proc/mtd,
 * failsafed --probe (the reset key is active high: shown released untouched).
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "reset",
		.chip = "/palmbus@10000000/gpio@638",   /* gpio1, label 10000638.gpio */
		.line = 6,
		.line_name = NULL,
		.active_low = false,    /* gpios = <&gpio1 6 GPIO_ACTIVE_HIGH> */
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,      /* no debounce-interval in the DT (the kernel's 5 ms): a safer 20 */
		.type = BOARD_BUTTON_KEY,
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "xiaomi_miwifi_mini: too many buttons");

const struct board board_xiaomi_miwifi_mini = {
	.name = "miwifi-mini",
	.model = "Xiaomi MiWiFi Mini",
	.compatible = "xiaomi,miwifi-mini",
	.cpu = "mipsel",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "blue:status" },
		[LED_FAILSAFE] = { .sysfs = "blue:status" },
		[LED_RUNNING] = { .sysfs = "blue:status" },
		[LED_UPGRADE] = { .sysfs = "blue:status" },
	},
	.consoles = {
		{ .tty = "ttyS0", .baud = 115200 },     /* bootargs console=ttyS0,115200 */
	},
	.net = {
		.ifname = "eth0.1",             /* VLAN 1: the LAN jacks, tagged to the CPU by the switch's default */
		.vlan_id = 1,
		.vlan_parent = "eth0",
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
