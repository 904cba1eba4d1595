/* boards/qemu_virt.c — QEMU arm64 "virt" machine (for tests): PL061 power key, two GPIO-line LEDs, ttyAMA0, eth0 */
/*
 * A board for tests, not a product: tests/test_qemu_board.py boots failsafed built
 * for this table on a real Linux kernel under qemu-system-aarch64 (tools/qemu/), so
 * the real drivers (libgpiod edge events, GPIO-line LEDs, termios console) run for real.
 *
 * Facts taken from QEMU's virt machine
 *   qemu/qemu hw/arm/virt.c: create_gpio_devices() maps the non-secure PL061
 *     ("arm,pl061", 8 lines) at 0x09030000; create_gpio_keys() connects PL061
 *     input line 3 to a "gpio-key" device and writes the DT node
 *     /gpio-keys/poweroff { linux,code = KEY_POWER; gpios = <&pl061 3 0>; }
 *     (flags 0: GPIO_ACTIVE_HIGH); virt_powerdown_req() pulses that key on a
 *     QMP/monitor system_powerdown (without ACPI, i.e. a -kernel boot).
 *   qemu/qemu hw/gpio/gpio_key.c: the key raises the line, and drops it 100 ms later.
 *   The DT QEMU 7.2 (Debian 12) generates, dumped with
 *   `qemu-system-aarch64 -M virt,dumpdtb=virt.dtb -cpu cortex-a57 -nic none` and
 *   decompiled with dtc: the only GPIO consumer in the whole tree is
 *   gpio-keys/poweroff, gpios = <0x8004 0x03 0x00>, 0x8004 being pl061@9030000;
 *   no gpio-line-names. Lines 5 and 6 are therefore free and are used as LED outputs
 *   (the PL061 output levels are visible on the host with -trace pl061_set_output).
 *   The secure PL061 (gpio-pwr on lines 0/1) exists only with virt,secure=on.
 * and from Linux
 *   torvalds/linux drivers/gpio/gpio-pl061.c: gc.label = dev_name(dev), so the chip's
 *   label is "9030000.pl061" (gpiodetect: gpiochip0 [9030000.pl061] (8 lines)).
 *   The button names the chip by its device-tree node (QEMU's DT: /pl061@9030000,
 *   the of_node of /sys/bus/gpio/devices/gpiochip0), the LEDs by its label, so both
 *   ways of drivers/gpio_chip.c run on a real kernel; neither depends on probe order.
 *   The gpio_keys driver is a module in Debian's arm64 kernel; with it not loaded
 *   (no udev in the test's initramfs) line 3 is free for failsafed.
 *
 * Console: the PL011 at 0x09000000 (stdout-path = "/pl011@9000000") -> ttyAMA0, 115200.
 * Network: a virtio-net-pci NIC, when QEMU is given one, is eth0.
 */
#include "board.h"

static const struct board_button buttons[] = {
	{
		.name = "power",
		.chip = "/pl061@9030000",   /* by device-tree node; the LEDs name the same chip by label */
		.line = 3,
		.line_name = NULL,
		.active_low = false,    /* gpios = <&pl061 3 GPIO_ACTIVE_HIGH> */
		.bias = BOARD_BIAS_AS_IS,
		.debounce_ms = 20,
		.type = BOARD_BUTTON_KEY,
	},
};
_Static_assert(ARRAY_SIZE(buttons) <= BOARD_MAX_BUTTONS, "qemu_virt: too many buttons");

const struct board board_qemu_virt = {
	.name = "qemu-virt",
	.model = "QEMU arm64 virt (test board)",
	.compatible = "linux,dummy-virt",
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
		.ifname = "eth0",
		.address = "192.168.1.1",
		.prefix_len = 24,
		.broadcast = "192.168.1.255",
	},
	.window_ms = 5000,
	.storage = {
		.rom = "/",
		.rootfs_data = { BOARD_STORAGE_BLOCK, "/dev/vda" },   /* virtio disks, when the runner adds them */
		.firmware = { BOARD_STORAGE_BLOCK, "/dev/vdb" },
	},
};
