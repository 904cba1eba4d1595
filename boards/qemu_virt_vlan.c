/* boards/qemu_virt_vlan.c — the QEMU arm64 "virt" test board with its failsafe port on VLAN 1 of eth0 (eth0.1) */
/*
 * boards/qemu_virt.c with one difference: the failsafe port is eth0.1, created
 * by failsafed as VLAN 1 on the virtio-net eth0 and deleted again on the
 * normal path, as on routers whose LAN is a tagged VLAN of the CPU port.
 * tests/test_qemu_lan.py boots it (tools/qemu/setup.sh --vlan builds it): the
 * guest kernel loads 8021q (a module in Debian's arm64 kernel), the PC on the
 * tap sees VLAN 1. Its own compatible, so it is only ever chosen by name
 * (-DBOARD=qemu_virt_vlan, or --board qemu-virt-vlan in a BOARD=all build);
 * the device tree picks qemu_virt.
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
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "qemu_virt_vlan: too many buttons");

const struct board board_qemu_virt_vlan = {
	.name = "qemu-virt-vlan",
	.model = "QEMU arm64 virt, failsafe port on VLAN 1 (test board)",
	.compatible = "failsafed,qemu-virt-vlan",
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
		.ifname = "eth0.1",         /* created as VLAN 1 of eth0, removed again on the normal path */
		.vlan_id = 1,
		.vlan_parent = "eth0",
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
