/* boards/qemu_virt_lan2.c — the QEMU arm64 "virt" test board with two LAN ports (eth0, eth1) that failsafed bridges into br-lan */
/*
 * boards/qemu_virt.c with one difference: two virtio-net NICs, both LAN ports,
 * as on a router with several LAN jacks. QEMU's virt machine has no DSA switch
 * to emulate, so the ports are plain NICs; failsafed treats them as it treats a
 * DSA board's lan1..lanN: it creates the bridge br-lan (the guest kernel loads
 * the bridge module), adds both, puts 192.168.1.1/24 on the bridge and undoes
 * it all on the normal path. tests/test_qemu_lan.py boots it (tools/qemu/setup.sh
 * --lan2 builds it, run.sh --netns2 gives it the second NIC) and recovers the
 * board from a laptop on the second port. Its own compatible, so it is only
 * ever chosen by name; the device tree picks qemu_virt.
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "power",
		.chip = "/pl061@9030000",   /* QEMU's gpio-keys power key, as in boards/qemu_virt.c */
		.line = 3,
		.line_name = NULL,
		.active_low = false,
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_KEY,
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "qemu_virt_lan2: too many buttons");

const struct board board_qemu_virt_lan2 = {
	.name = "qemu-virt-lan2",
	.model = "QEMU arm64 virt, two LAN ports bridged (test board)",
	.compatible = "failsafed,qemu-virt-lan2",
	.cpu = "aarch64",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = buttons,
	.n_buttons = ARRAY_SIZE(buttons),
	.leds = {
		[LED_BOOT] = { .chip = "9030000.pl061", .line = 5, .active_low = false },
		[LED_FAILSAFE] = { .chip = "9030000.pl061", .line = 6, .active_low = false },
	},
	.consoles = {
		{ .tty = "ttyAMA0", .baud = 115200 },
	},
	.net = {
		.ifname = "br-lan",         /* created by failsafed, deleted again on the normal path */
		.lan_ports = { "eth0", "eth1" },
		.address = "192.168.1.1",
		.prefix_len = 24,
		.broadcast = "192.168.1.255",
	},
	.window_ms = 5000,
	.storage = {
		.rom = "/",
		.rootfs_data = { BOARD_STORAGE_BLOCK, "/dev/vda" },
		.firmware = { BOARD_STORAGE_BLOCK, "/dev/vdb" },
	},
};
