/* unittests/test_scan.c — the /proc and /sys number readers that stand in for sscanf: {text, base, result, rest} tables */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scan.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void pairs(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int base;
		bool ok;
		unsigned major, minor;
		const char *rest;
	} rows[] = {
		{ "31:2\n", 10, true, 31, 2, "\n" },                    /* sysfs dev */
		{ "0:23 / /rom ro", 10, true, 0, 23, " / /rom ro" },     /* mountinfo */
		{ "1f:03 1234 /lib/libc.so", 16, true, 31, 3, " 1234 /lib/libc.so" },   /* /proc/PID/maps */
		{ "fe:1a", 16, true, 254, 26, "" },
		{ "fe:1a", 10, false, 0, 0, NULL },                      /* hex where decimal is wanted */
		{ " 31:2", 10, false, 0, 0, NULL },                      /* no blanks before */
		{ "+31:2", 10, false, 0, 0, NULL },                      /* no sign */
		{ "31: 2", 10, false, 0, 0, NULL },
		{ "31-2", 10, false, 0, 0, NULL },
		{ "31:", 10, false, 0, 0, NULL },
		{ ":2", 10, false, 0, 0, NULL },
		{ "", 10, false, 0, 0, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		unsigned maj = 77, min = 77;
		const char *rest = NULL;

		print_message("row %zu: %s\n", i, rows[i].text);
		assert_int_equal(scan_pair(rows[i].text, rows[i].base, &maj, &min, &rest), rows[i].ok);
		if (!rows[i].ok)
			continue;
		assert_int_equal(maj, rows[i].major);
		assert_int_equal(min, rows[i].minor);
		assert_string_equal(rest, rows[i].rest);
	}
}

static void unsigned_numbers(void **state)
{
	(void)state;
	unsigned long n = 0;
	const char *rest;

	assert_true(scan_unsigned("12 S", 10, &n, &rest));
	assert_int_equal(n, 12);
	assert_string_equal(rest, " S");
	assert_true(scan_unsigned("7", 10, &n, NULL));
	assert_int_equal(n, 7);
	assert_false(scan_unsigned("-1", 10, &n, NULL));
	assert_false(scan_unsigned(" 1", 10, &n, NULL));
	assert_false(scan_unsigned("x1", 16, &n, NULL));
	assert_true(scan_unsigned("Ab", 16, &n, NULL));
	assert_int_equal(n, 0xab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pairs),
		cmocka_unit_test(unsigned_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
