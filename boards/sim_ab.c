/* boards/sim_ab.c — the simulated board with dual firmware on NAND as Linksys lays it out (boot_part 1/2, kernelN + rootfsN) */
/*
 * The storage of a WRT3200ACM-like board for tests on a real kernel (the QEMU MTD harness): nandsim's partitions
 * (nandsim.parts=32,128,32,128,1,2; nandsim names them "NAND simulator partition N", and the kernel adds no named
 * partitions beside a NAND's own) in the roles of Linksys' kernel1 (0), rootfs1 (1, UBI), kernel2 (2), rootfs2
 * (3, UBI), u_env (4: the U-Boot environment, through fw_printenv and fw_setenv) and s_env (5: the boot counter
 * log). The running slot is boot_part's; a partition renamed "ubi" (OpenWrt's mangled_rootblock) would say it too.
 */
#include "board.h"

static const struct board_button buttons[] = {
	{ .name = "reset", .chip = "sim", .line = 0, .active_low = true,
	  .debounce_ms = 20, .type = BOARD_BUTTON_KEY },
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "sim_ab: too many buttons");

const struct board board_sim_ab = {
	.name = "sim-ab",
	.model = "Simulated board, dual firmware",
	.compatible = "failsafed,sim-ab",
	.drivers = BOARD_DRIVERS_SIM,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "status" },
	},
	.consoles = {
		{ .tty = "-", .baud = 115200 },
	},
	.net = {
		.ifname = "eth0",
		.address = "192.168.1.1",
		.prefix_len = 24,
		.broadcast = "192.168.1.255",
	},
	.window_ms = 4000,
	.storage = {
		.rom = "/",
		.rootfs_data = { BOARD_STORAGE_UBI, "rootfs_data" },
		.layout = BOARD_LAYOUT_NAND,
		.ab = {
			.selector = BOARD_AB_UBOOT_ENV,
			.env_var = "boot_part",
			.env_value = { "1", "2" },
			.slot = {
				{ .nand = { .ubi_mtd = "NAND simulator partition 1",
					    .kernel_mtd = "NAND simulator partition 0" }, .env = { "bootcmd=run nandboot" } },
				{ .nand = { .ubi_mtd = "NAND simulator partition 3",
					    .kernel_mtd = "NAND simulator partition 2" },
				  .env = { "bootcmd=run altnandboot" } },
			},
			.env_after = { "auto_recovery=yes" },
			.running_alias = "ubi",
			.bootcount = BOARD_BOOTCOUNT_LINKSYS,
			.bootcount_mtd = "NAND simulator partition 5",
		},
	},
};
