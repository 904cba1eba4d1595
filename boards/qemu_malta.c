/* boards/qemu_malta.c — QEMU MIPS Malta (for tests): mipsel, no buttons, keyboard scroll-lock LED, ttyS0, eth0 */
/*
 * A board for tests, not a product: tests/test_qemu_malta.py boots the static
 * musl mipsel failsafed built for this table on Debian's 4kc-malta kernel under
 * qemu-system-mipsel (tools/qemu-malta/), the CPU family of most routers, so the
 * real drivers (termios console, rtnetlink, sysfs LED) run on a real kernel.
 *
 * Facts checked on Debian 12's linux-image-6.1.0-50-4kc-malta (6.1.176-1) under
 * QEMU 7.2 (-M malta), November 2026:
 *   The kernel has a built-in device tree (CONFIG_BUILTIN_DTB=y, the kernel's
 *   arch/mips/boot/dts/mti/malta.dts): /proc/device-tree/compatible is "mti,malta"
 *   alone, with no model, no aliases and no stdout-path; the kernel logs
 *   "MIPS: machine is mti,malta". A BOARD=all build therefore picks this table
 *   on the Malta.
 *   GPIO: CONFIG_GPIO_CDEV=y, but the board has no GPIO controller (no
 *   /dev/gpiochip*, no gpio-sim or gpio-mockup module): no buttons. The validator
 *   warns; the console's 'f' + Enter, SIGUSR1 and failsafe= still enter failsafe.
 *   LEDs: the Malta's own indicators (the 8-character ASCII display at 0x1f000400)
 *   are no LED class device. The only LED class devices are the PS/2 keyboard's,
 *   made by input-leds (CONFIG_INPUT_LEDS=y) for the keyboard on the Malta's i8042
 *   (CONFIG_SERIO_I8042=y, CONFIG_KEYBOARD_ATKBD=y; QEMU always plugs one in):
 *   /sys/class/leds/input0::capslock, input0::numlock, input0::scrolllock
 *   (max_brightness 1, default triggers kbd-*). The keyboard is the first input
 *   device the kernel registers (input0; /sys/class/input has input0 and mice).
 *   Scroll lock is the boot LED: the smallest honest choice that gives the board a
 *   real sysfs LED, blinked by the kernel's timer trigger (ledtrig-timer, =m:
 *   the harness loads it) and visible from the host, since QEMU traces what the
 *   guest sends its PS/2 keyboard (-trace ps2_set_ledstate: bit 0 is scroll lock).
 *   The other roles fall back to it (failsafe: 50/50 on the boot LED).
 *   Console: the 8250 at I/O 0x3f8 (built in) is ttyS0; /proc/consoles lists ttyS0.
 *   Network: QEMU's default NIC is an AMD PCnet (pcnet32 + mii, =m) and
 *   -device virtio-net-pci (virtio_net, =m) replaces it; either is eth0, the only
 *   Ethernet device.
 *   Storage: the 4 MiB NOR flash of the DT (partitions "YAMON", "User FS",
 *   "Board Config") holds the boot monitor, and "User FS" is no plain MTD name
 *   (a blank): no storage volumes. The validator warns; the storage applets then
 *   need --rootfs-data / --firmware.
 */
#include "board.h"

const struct board board_qemu_malta = {
	.name = "qemu-malta",
	.model = "QEMU MIPS Malta (test board)",
	.compatible = "mti,malta",
	.cpu = "mipsel",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = NULL,
	.n_buttons = 0,                 /* no GPIO controller on the Malta */
	.leds = {
		[LED_BOOT] = { .sysfs = "input0::scrolllock" },   /* the PS/2 keyboard's, see above */
	},
	.consoles = {
		{ .tty = "ttyS0", .baud = 115200 },
	},
	.net = {
		.ifname = "eth0",               /* pcnet32 or virtio-net */
		.address = "192.168.1.1",
		.prefix_len = 24,
		.broadcast = "192.168.1.255",
	},
	.window_ms = 5000,              /* TCG on a shared host: a little more time to type */
	.storage = {
		.rom = "/",
	},
};
