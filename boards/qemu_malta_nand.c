/* boards/qemu_malta_nand.c — QEMU MIPS Malta with NAND/UBI storage (for tests): nandsim as the board's "ubi" partition */
/*
 * A board for tests, not a product: tests/test_qemu_nand_e2e.py boots the static musl mipsel failsafed built for
 * this table on Debian's 4kc-malta kernel under qemu-system-mipsel (tools/qemu-malta/ with --nand), a PC in a
 * network namespace on its LAN port, and flashes OpenWrt's NAND sysupgrade tar onto it with `failsafectl recover`
 * and through the recovery page, as a user would.
 *
 * Why the Malta and not the arm64 "virt" board (boards/qemu_virt.c): Debian 12's arm64 kernel
 * (linux-image-6.1.0-57-arm64, config-6.1.0-57-arm64) has UBI and UBIFS but no NAND simulator, no raw NAND core
 * and no RAM-backed MTD at all (CONFIG_MTD_NAND_NANDSIM, CONFIG_MTD_RAW_NAND, CONFIG_MTD_PHRAM and
 * CONFIG_MTD_MTDRAM are not set), so no UBI can exist on it. The 4kc-malta kernel (linux-image-6.1.0-50-4kc-malta)
 * has all of them as modules (CONFIG_MTD_NAND_NANDSIM=m, CONFIG_MTD_RAW_NAND=m with software Hamming ECC built in,
 * CONFIG_MTD_UBI=m, CONFIG_UBIFS_FS=m), and the Malta is a MIPS board like most routers.
 *
 * Everything but the storage is boards/qemu_malta.c's (no GPIO controller, so no buttons: the console's 'f' + Enter
 * or failsafe= enters failsafe; the PS/2 keyboard's scroll lock as the boot LED; ttyS0; eth0). Its own compatible,
 * so a BOARD=all build never picks it on a plain Malta.
 *
 * Storage: nandsim with id_bytes=0x20,0xaa,0x00,0x15 (256 MiB, 2 KiB pages, 128 KiB erase blocks, like the SPI-NAND
 * of a Filogic router) split by nandsim.parts: its first partition plays OpenWrt's CI_UBIPART. nandsim names its
 * partitions "NAND simulator partition N" and nothing names them otherwise (no device-tree node for it, and
 * CONFIG_MTD_CMDLINE_PARTS is not set: no mtdparts=), so that is the name here, as in boards/sim_nand.c. The volumes are nand.sh's defaults: "kernel",
 * "rootfs", "rootfs_data"; a plain squashfs root (failsafectl mkimage) goes to "rootfs".
 */
#include "board.h"

const struct board board_qemu_malta_nand = {
	.name = "qemu-malta-nand",
	.model = "QEMU MIPS Malta with NAND (test board)",
	.compatible = "failsafed,qemu-malta-nand",
	.cpu = "mipsel",
	.drivers = BOARD_DRIVERS_REAL,
	.buttons = NULL,
	.n_buttons = 0,                 /* no GPIO controller on the Malta */
	.leds = {
		[LED_BOOT] = { .sysfs = "input0::scrolllock" },   /* the PS/2 keyboard's, as boards/qemu_malta.c */
	},
	.consoles = {
		{ .tty = "ttyS0", .baud = 115200 },
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
		.rootfs_data = { BOARD_STORAGE_UBI, "rootfs_data" },
		.firmware = { BOARD_STORAGE_UBI, "rootfs" },
		.layout = BOARD_LAYOUT_NAND,
		.nand = { .ubi_mtd = "NAND simulator partition 0" },
	},
};
