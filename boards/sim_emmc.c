/* boards/sim_emmc.c — the simulated board with eMMC storage as OpenWrt lays it out (GPT kernel, rootfs, overlay after the root) */
/*
 * The storage of a GL-MT6000-like board for tests on loop devices with a GPT (tests/test_emmc_flash.py, which
 * names its disk with --disk so that no other disk's partitions are ever looked at): partitions "kernel" and
 * "rootfs", the overlay after the squashfs in "rootfs" (fstools' rootdisk).
 */
#include "board.h"

static const struct board_button buttons[] = {
	{ .name = "reset", .chip = "sim", .line = 0, .active_low = true,
	  .debounce_ms = 20, .type = BOARD_BUTTON_KEY },
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "sim_emmc: too many buttons");

const struct board board_sim_emmc = {
	.name = "sim-emmc",
	.model = "Simulated board, eMMC",
	.compatible = "failsafed,sim-emmc",
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
		.rootfs_data = { BOARD_STORAGE_ROOTDISK, "PARTLABEL=rootfs" },
		.firmware = { BOARD_STORAGE_BLOCK, "PARTLABEL=rootfs" },
		.layout = BOARD_LAYOUT_EMMC,
		.emmc = { .kernel_part = "kernel", .root_part = "rootfs", .dtb_part = "dtb" },
	},
};
