/* boards/sim_nand.c — the simulated board with NAND/UBI storage as OpenWrt lays it out: NAND flashing tests */
/*
 * The storage of an MR85X-like board for tests on a real kernel (the QEMU MTD harness, tests/test_nand_flash.py):
 * nandsim's first partition (nandsim.parts=192: 24 MiB; nandsim names its partitions "NAND simulator partition N"
 * and the kernel adds no named partitions beside a NAND's own) in the role of OpenWrt's "ubi" partition, holding UBI
 * with the volumes "kernel", "rootfs", "rootfs_data" (nand.sh's defaults), plus what the board keeps beside them
 * (an "ubootenv" volume a flash must leave alone).
 */
#include "board.h"

static const struct board_button buttons[] = {
	{ .name = "reset", .chip = "sim", .line = 0, .active_low = true,
	  .debounce_ms = 20, .type = BOARD_BUTTON_KEY },
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "sim_nand: too many buttons");

const struct board board_sim_nand = {
	.name = "sim-nand",
	.model = "Simulated board, NAND/UBI",
	.compatible = "failsafed,sim-nand",
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
		.firmware = { BOARD_STORAGE_UBI, "rootfs" },
		.layout = BOARD_LAYOUT_NAND,
		.nand = { .ubi_mtd = "NAND simulator partition 0" },
	},
};
