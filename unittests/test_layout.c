/* unittests/test_layout.c — which image formats a board's storage takes: format × layout × storage kind, and the refusal's line */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"

static const struct board single = { .name = "mercusys-mr85x" };
static const struct board nand = { .name = "nand-board", .storage = { .layout = BOARD_LAYOUT_NAND,
	.firmware = { BOARD_STORAGE_UBI, "rootfs" }, .nand = { .ubi_mtd = "ubi0" } } };
static const struct board emmc = { .name = "emmc-board", .storage = { .layout = BOARD_LAYOUT_EMMC,
	.firmware = { BOARD_STORAGE_BLOCK, "PARTLABEL=rootfs" }, .emmc = { .kernel_part = "kernel", .root_part = "rootfs" } } };

static enum layout_handler decide(const struct board *b, enum payload_format f, bool gz, enum board_storage_kind k,
				  char *why)
{
	struct payload_id p = { .format = f, .gzip = gz };
	struct board_volume v = { k, "rootfs" };

	if (f == PAYLOAD_SYSUPGRADE_TAR)
		strcpy(p.dir, "sysupgrade-mercusys_mr85x");
	return layout_decide(&p, b, k ? &v : NULL, why, LAYOUT_WHY_BYTES);
}

/* The single layout: every format on every storage kind. R raw write, - refused. Columns: block, mtd, ubi, file. */
static void single_table(void **s)
{
	static const struct {
		enum payload_format f;
		const char *kinds;      /* block mtd ubi file */
	} rows[] = {
		{ PAYLOAD_RAW, "RR-R" },
		{ PAYLOAD_UIMAGE, "RR-R" },
		{ PAYLOAD_FIT, "RR-R" },
		{ PAYLOAD_SQUASHFS, "RRRR" },
		{ PAYLOAD_UBIFS, "--R-" },
		{ PAYLOAD_EXT4, "R--R" },
		{ PAYLOAD_DISK, "R--R" },
		{ PAYLOAD_UBI, "----" },
		{ PAYLOAD_SYSUPGRADE_TAR, "----" },
		{ PAYLOAD_TAR, "----" },
		{ PAYLOAD_GZIP_UNKNOWN, "----" },
		{ PAYLOAD_EMPTY, "----" },
	};
	static const enum board_storage_kind kinds[] = { BOARD_STORAGE_BLOCK, BOARD_STORAGE_MTD, BOARD_STORAGE_UBI,
							  BOARD_STORAGE_FILE };
	char why[LAYOUT_WHY_BYTES];

	(void)s;
	assert_int_equal(sizeof(rows) / sizeof(rows[0]), PAYLOAD_FORMAT_COUNT);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		for (size_t k = 0; k < 4; k++) {
			enum layout_handler h = decide(&single, rows[r].f, false, kinds[k], why);

			assert_int_equal(h, rows[r].kinds[k] == 'R' ? LAYOUT_RAW : LAYOUT_REFUSED);
			assert_true((h == LAYOUT_REFUSED) == (why[0] != '\0'));
			assert_null(strchr(why, '\n'));
			/* compressed, nothing is written as it is */
			assert_int_equal(decide(&single, rows[r].f, true, kinds[k], why), LAYOUT_REFUSED);
		}
}

/* NAND and eMMC boards: OpenWrt's own formats, gzip'd or not, each to its handler; a plain root raw. */
static void layout_tables(void **s)
{
	static const struct {
		const struct board *b;
		enum payload_format f;
		enum layout_handler plain, gz;
	} rows[] = {
		{ &nand, PAYLOAD_SYSUPGRADE_TAR, LAYOUT_NAND_TAR, LAYOUT_NAND_TAR },
		{ &nand, PAYLOAD_UBI, LAYOUT_NAND_UBI, LAYOUT_NAND_UBI },
		{ &nand, PAYLOAD_UBIFS, LAYOUT_NAND_UBIFS, LAYOUT_NAND_UBIFS },
		{ &nand, PAYLOAD_FIT, LAYOUT_NAND_FIT, LAYOUT_NAND_FIT },
		{ &nand, PAYLOAD_SQUASHFS, LAYOUT_RAW, LAYOUT_REFUSED },
		{ &nand, PAYLOAD_RAW, LAYOUT_REFUSED, LAYOUT_REFUSED },
		{ &nand, PAYLOAD_UIMAGE, LAYOUT_REFUSED, LAYOUT_REFUSED },
		{ &nand, PAYLOAD_EXT4, LAYOUT_REFUSED, LAYOUT_REFUSED },
		{ &nand, PAYLOAD_TAR, LAYOUT_REFUSED, LAYOUT_REFUSED },
		{ &emmc, PAYLOAD_SYSUPGRADE_TAR, LAYOUT_EMMC_TAR, LAYOUT_EMMC_TAR },
		{ &emmc, PAYLOAD_FIT, LAYOUT_EMMC_FIT, LAYOUT_EMMC_FIT },
		{ &emmc, PAYLOAD_SQUASHFS, LAYOUT_RAW, LAYOUT_REFUSED },
		{ &emmc, PAYLOAD_EXT4, LAYOUT_RAW, LAYOUT_REFUSED },
		{ &emmc, PAYLOAD_UBI, LAYOUT_REFUSED, LAYOUT_REFUSED },
		{ &emmc, PAYLOAD_UBIFS, LAYOUT_REFUSED, LAYOUT_REFUSED },
		{ &emmc, PAYLOAD_DISK, LAYOUT_REFUSED, LAYOUT_REFUSED },
	};
	char why[LAYOUT_WHY_BYTES];

	(void)s;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		enum board_storage_kind k = rows[r].b->storage.firmware.kind;

		assert_int_equal(decide(rows[r].b, rows[r].f, false, k, why), rows[r].plain);
		assert_int_equal(decide(rows[r].b, rows[r].f, true, k, why), rows[r].gz);
	}
	/* a plain root needs the firmware volume the table names; OpenWrt's own images do not */
	assert_int_equal(decide(&nand, PAYLOAD_SQUASHFS, false, BOARD_STORAGE_NONE, why), LAYOUT_REFUSED);
	assert_int_equal(decide(&nand, PAYLOAD_SYSUPGRADE_TAR, false, BOARD_STORAGE_NONE, why), LAYOUT_NAND_TAR);
}

/* The brick this guards against: an OpenWrt NAND tar onto a board whose table writes one UBI volume, written raw. */
static void refusal_lines(void **s)
{
	char why[LAYOUT_WHY_BYTES];

	(void)s;
	assert_int_equal(decide(&single, PAYLOAD_SYSUPGRADE_TAR, false, BOARD_STORAGE_UBI, why), LAYOUT_REFUSED);
	assert_string_equal(why, "this is an OpenWrt sysupgrade tar (sysupgrade-mercusys_mr85x/: kernel and root for "
			    "separate volumes or partitions), but board mercusys-mr85x writes its firmware as it is to ubi "
			    "rootfs, which takes a squashfs, a UBIFS: the board's table declares no NAND/UBI or eMMC layout "
			    "to unpack it into");
	assert_int_equal(decide(&single, PAYLOAD_SQUASHFS, true, BOARD_STORAGE_MTD, why), LAYOUT_REFUSED);
	assert_non_null(strstr(why, "gzip-compressed squashfs"));
	assert_non_null(strstr(why, ": gunzip it first"));
	assert_int_equal(decide(&emmc, PAYLOAD_UBI, false, BOARD_STORAGE_BLOCK, why), LAYOUT_REFUSED);
	assert_string_equal(why, "this is a ubinized image (UBI#: a whole UBI device), but board emmc-board keeps its "
			    "firmware in eMMC partitions (kernel kernel, root rootfs), which takes an OpenWrt sysupgrade "
			    "tar (gzip'd too), a FIT (gzip'd too), a squashfs, an ext4");
	assert_int_equal(decide(&nand, PAYLOAD_RAW, false, BOARD_STORAGE_UBI, why), LAYOUT_REFUSED);
	assert_non_null(strstr(why, "keeps its firmware in UBI volumes on NAND (mtd ubi0)"));
	assert_string_equal(layout_handler_name(LAYOUT_RAW), "raw");
	assert_string_equal(layout_handler_name(LAYOUT_NAND_TAR), "nand-tar");
	assert_string_equal(layout_handler_name(LAYOUT_HANDLER_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_table),
		cmocka_unit_test(layout_tables),
		cmocka_unit_test(refusal_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
