/* boards/sim_dsa.c — the simulated DSA board: LAN ports lan1 and lan2 on conduit eth0, bridged by failsafed (network tests) */
#include "board.h"

static const struct board_button buttons[] = {
	{ .name = "reset", .chip = "sim", .line = 0, .active_low = true,
	  .debounce_ms = 20, .type = BOARD_BUTTON_KEY },
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "sim_dsa: too many buttons");

const struct board board_sim_dsa = {
	.name = "sim-dsa",
	.model = "Simulated board, DSA port",
	.compatible = "failsafed,sim-dsa",
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
		.ifname = "br-lan",         /* created by failsafed, deleted again on the normal path */
		.conduit = "eth0",          /* brought up before the ports, as a DSA conduit must be */
		.lan_ports = { "lan1", "lan2" },
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
