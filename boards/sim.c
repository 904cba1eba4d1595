/* boards/sim.c — the simulated board: two buttons, boot + failsafe LEDs, one console, eth0 */
#include "board.h"

static const struct board_button buttons[] = {
	{ .name = "reset", .chip = "sim", .line = 0, .active_low = true,
	  .debounce_ms = 20, .type = BOARD_BUTTON_KEY },
	{ .name = "wps", .chip = "sim", .line = 1, .active_low = true,
	  .debounce_ms = 20, .type = BOARD_BUTTON_KEY },
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "sim: too many buttons");

const struct board board_sim = {
	.name = "sim",
	.model = "Simulated board",
	.compatible = "failsafed,sim",
	.drivers = BOARD_DRIVERS_SIM,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .sysfs = "boot" },
		[LED_FAILSAFE] = { .sysfs = "failsafe" },
	},
	.consoles = {
		{ .tty = "-", .baud = 115200 },  /* "-": stdin/stdout */
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
		.rootfs_data = { BOARD_STORAGE_FILE, "rootfs_data.img" },   /* below --state-dir */
		.firmware = { BOARD_STORAGE_FILE, "firmware.img" },
	},
};
