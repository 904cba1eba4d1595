/* boards/linksys_wrt3200acm.c — Linksys WRT3200ACM (Rango): Armada 385 (armhf), dual firmware on NAND (boot_part 1/2), DSA lan1-4 */
/*
 * Facts taken from the Linux kernel and OpenWrt:
 *   torvalds/linux arch/arm/boot/dts/marvell/armada-385-linksys-rango.dts and armada-385-linksys.dtsi:
 *     button-wps <&gpio0 24 GPIO_ACTIVE_LOW>, button-reset ("Factory Reset Button") <&gpio0 29 ACTIVE_LOW>;
 *     led-power <&gpio1 24 ACTIVE_HIGH> label "rango:white:power"; uart0 -> ttyS0, 115200 (stdout-path);
 *     NAND (256 MiB, "OEM layout"): u-boot 0x0+0x200000, u_env 0x200000+0x20000, s_env 0x220000+0x40000,
 *     devinfo, sysdiag, kernel1 0xa00000+0x5000000 ("kernel1 overlaps with rootfs1 by design"),
 *     rootfs1 0x1000000+0x4a00000, kernel2 0x5a00000+0x5000000, rootfs2 0x6000000+0x4a00000, syscfg;
 *     switch ports lan4/lan3/lan2/lan1 (reg 0..3), wan (reg 4)
 *   armada-38x.dtsi: gpio0: gpio@18100, gpio1: gpio@18140 under soc/internal-regs (the chips are named
 *     here by their device-tree node path, which does not depend on probe order)
 *   OpenWrt (edfwef2w2/openont 8a48253ba5) target/linux/mvebu/patches-6.18:
 *     311-adjust-compatible-for-linksys.patch: compatible "linksys,wrt3200acm" first (OpenWrt's board name)
 *     309-linksys-status-led.patch: aliases led-boot/failsafe/running/upgrade = the power LED
 *     310-linksys-use-eth0-as-cpu-port.patch: the switch's CPU port on eth0
 *     400-find_active_root.patch: the running slot's rootfsN partition is renamed "ubi" (mangled_rootblock)
 *   target/linux/mvebu/cortexa9/base-files/lib/upgrade/linksys.sh: the running slot is boot_part (1/2) in
 *     the U-Boot environment (else the slot whose partition ubi0 sits on); a sysupgrade tar goes to the
 *     other slot as nand_upgrade_tar with CI_KERNPART=kernelN (raw MTD) and CI_UBIPART=rootfsN, and the
 *     switch is `boot_part N` + `bootcmd "run nandboot"` (slot 1) or `"run altnandboot"` (slot 2)
 *     (OpenWrt sets these before writing; failsafed after writing and reading back)
 *   the older linksys.sh of the same family also sets `auto_recovery yes`: "re-enable recovery so we get
 *     back if the new firmware is broken"; target/linux/mvebu/cortexa9/base-files/etc/init.d/bootcount runs
 *     `mtd resetbc s_env` at the end of a good boot (package/system/mtd/src/linksys_bootcount.c)
 *   package/boot/uboot-tools/uboot-envtools/files/mvebu: linksys,wrt3200acm: "/dev/mtd1" "0x0" "0x20000"
 *     "0x20000" (u_env, in /etc/fw_env.config, which fw_printenv/fw_setenv read)
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "reset",
		.chip = "/soc/internal-regs/gpio@18100",
		.line = 29,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_KEY,
	},
	{
		.name = "wps",
		.chip = "/soc/internal-regs/gpio@18100",
		.line = 24,
		.active_low = true,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_KEY,
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "linksys_wrt3200acm: too many buttons");

const struct board board_linksys_wrt3200acm = {
	.name = "linksys-wrt3200acm",
	.model = "Linksys WRT3200ACM",
	.compatible = "linksys,wrt3200acm",
	.cpu = "armhf",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "rango:white:power" },
		[LED_FAILSAFE] = { .sysfs = "rango:white:power" },
		[LED_RUNNING] = { .sysfs = "rango:white:power" },
		[LED_UPGRADE] = { .sysfs = "rango:white:power" },
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
		.rootfs_data = { BOARD_STORAGE_UBI, "rootfs_data" },   /* in the running slot's UBI */
		.layout = BOARD_LAYOUT_NAND,
		.ab = {
			.selector = BOARD_AB_UBOOT_ENV,
			.env_var = "boot_part",
			.env_value = { "1", "2" },
			.slot = {
				{ .nand = { .ubi_mtd = "rootfs1", .kernel_mtd = "kernel1" }, .env = { "bootcmd=run nandboot" } },
				{ .nand = { .ubi_mtd = "rootfs2", .kernel_mtd = "kernel2" },
				  .env = { "bootcmd=run altnandboot" } },
			},
			.env_after = { "auto_recovery=yes" },
			.running_alias = "ubi",
			.bootcount = BOARD_BOOTCOUNT_LINKSYS,
			.bootcount_mtd = "s_env",
		},
	},
};
