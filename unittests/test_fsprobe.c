/* unittests/test_fsprobe.c — filesystem magic and blank volumes: a table of first bytes */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fsprobe.h"

static uint8_t buf[FSPROBE_BYTES];

static void put(size_t off, const char *bytes, size_t n)
{
	memcpy(buf + off, bytes, n);
}

static void types(void **s)
{
	static const struct {
		size_t off;
		const char *bytes;
		size_t n;
		const char *want;
	} rows[] = {
		{ 1080, "\x53\xef", 2, "ext4" },
		{ 1024, "\x10\x20\xf5\xf2", 4, "f2fs" },
		{ 0, "hsqs", 4, "squashfs" },
		{ 0, "\x31\x18\x10\x06", 4, "ubifs" },
		{ 0, "\x85\x19\x03\x20", 4, "jffs2" },        /* a little-endian cleanmarker */
		{ 0, "\x19\x85\x20\x03", 4, "jffs2" },        /* big-endian */
		{ 1080, "\x53\xee", 2, NULL },
		{ 0, "\x19\x86", 2, NULL },
	};

	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got;

		memset(buf, 0x42, sizeof(buf));
		put(rows[i].off, rows[i].bytes, rows[i].n);
		got = fsprobe_type(buf, sizeof(buf));
		if (rows[i].want)
			assert_string_equal(got, rows[i].want);
		else
			assert_null(got);
	}
	/* too short to hold the magic: nothing read past len */
	memset(buf, 0, sizeof(buf));
	put(1080, "\x53\xef", 2);
	assert_null(fsprobe_type(buf, 1081));
	assert_string_equal(fsprobe_type(buf, 1082), "ext4");
	assert_null(fsprobe_type(buf, 0));
}

static void blanks(void **s)
{
	(void)s;
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(fsprobe_blank(buf, sizeof(buf)), FSPROBE_ERASED);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(fsprobe_blank(buf, sizeof(buf)), FSPROBE_ZEROED);
	put(0, "\xde\xad\xc0\xde", 4);
	assert_int_equal(fsprobe_blank(buf, sizeof(buf)), FSPROBE_MARKED);
	memset(buf, 0xff, sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	assert_int_equal(fsprobe_blank(buf, sizeof(buf)), FSPROBE_NOT_BLANK);
	memset(buf, 7, sizeof(buf));
	assert_int_equal(fsprobe_blank(buf, sizeof(buf)), FSPROBE_NOT_BLANK);
	assert_int_equal(fsprobe_blank(buf, 0), FSPROBE_NOT_BLANK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(types),
		cmocka_unit_test(blanks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
