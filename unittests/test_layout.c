/* unittests/test_layout.c — which image formats a board's firmware storage takes: the whole format × storage table, and the refusal's line */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"

static const struct board nand = { .name = "mercusys-mr85x" };

static enum layout_handler decide(enum payload_format f, bool gz, enum board_storage_kind k, char *why)
{
	struct payload_id p = { .format = f, .gzip = gz };
	struct board_volume v = { k, "rootfs" };

	if (f == PAYLOAD_SYSUPGRADE_TAR)
		strcpy(p.dir, "sysupgrade-mercusys_mr85x");
	return layout_decide(&p, &nand, &v, why, LAYOUT_WHY_BYTES);
}

/* Every format on every storage kind: R raw write, - refused. Columns: block, mtd, ubi, file. */
static void the_table(void **s)
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
			enum layout_handler h = decide(rows[r].f, false, kinds[k], why);

			assert_int_equal(h, rows[r].kinds[k] == 'R' ? LAYOUT_RAW : LAYOUT_REFUSED);
			assert_true((h == LAYOUT_REFUSED) == (why[0] != '\0'));
			assert_null(strchr(why, '\n'));
			/* compressed, nothing is written as it is */
			assert_int_equal(decide(rows[r].f, true, kinds[k], why), LAYOUT_REFUSED);
		}
}

/* The brick this guards against: an OpenWrt NAND tar onto the MR85X's UBI volume, written raw. */
static void nand_tar_on_a_volume(void **s)
{
	char why[LAYOUT_WHY_BYTES];

	(void)s;
	assert_int_equal(decide(PAYLOAD_SYSUPGRADE_TAR, false, BOARD_STORAGE_UBI, why), LAYOUT_REFUSED);
	assert_string_equal(why, "this is an OpenWrt sysupgrade tar (sysupgrade-mercusys_mr85x/: kernel and root for "
			    "separate volumes or partitions), but board mercusys-mr85x writes its firmware as it is to ubi "
			    "rootfs, which takes a squashfs, a UBIFS: the board's table declares no NAND/UBI or eMMC layout "
			    "to unpack it into");
	assert_int_equal(decide(PAYLOAD_SQUASHFS, true, BOARD_STORAGE_MTD, why), LAYOUT_REFUSED);
	assert_non_null(strstr(why, "gzip-compressed squashfs"));
	assert_non_null(strstr(why, "(uncompressed)"));
	assert_string_equal(layout_handler_name(LAYOUT_RAW), "raw");
	assert_string_equal(layout_handler_name(LAYOUT_HANDLER_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_table),
		cmocka_unit_test(nand_tar_on_a_volume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
