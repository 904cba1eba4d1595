/* boards/sim_vlan.c — the simulated board whose failsafe port is VLAN 1 on eth0 (eth0.1, network tests) */
#include "board.h"

static const struct board_button buttons[] = {
	{ .name = "reset", .chip = "sim", .line = 0, .active_low = true,
	  .debounce_ms = 20, .type = BOARD_BUTTON_KEY },
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "sim_vlan: too many buttons");

const struct board board_sim_vlan = {
	.name = "sim-vlan",
	.model = "Simulated board, VLAN port",
	.compatible = "failsafed,sim-vlan",
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
		.ifname = "eth0.1",         /* created as VLAN 1 of eth0, removed again on the normal path */
		.vlan_id = 1,
		.vlan_parent = "eth0",
		.address = "192.168.1.1",
		.prefix_len = 24,
		.broadcast = "192.168.1.255",
	},
	.window_ms = 4000,
	.storage = {
		.rom = "/",
		.rootfs_data = { BOARD_STORAGE_FILE, "rootfs_data.img" },
		.firmware = { BOARD_STORAGE_FILE, "firmware.img" },
	},
};
