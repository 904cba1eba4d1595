/* unittests/test_cmdline.c — failsafe= detection on kernel command lines */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"

static void table(void **s)
{
	static const struct {
		const char *cmdline;
		bool failsafe;
	} rows[] = {
		{ "console=ttyS0,115200 rootfstype=squashfs", false },
		{ "failsafe=1", true },
		{ "console=ttyS0 failsafe=true quiet\n", true },
		{ "failsafe", false },           /* needs the '=' */
		{ "failsafe =1", false },
		{ "nofailsafe=1", true },        /* substring match, as OpenWrt's grep */
		{ "", false },
		{ "failsafe=", true },
		{ "failsafe", false },
	};

	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(cmdline_has_failsafe(rows[i].cmdline, strlen(rows[i].cmdline)), rows[i].failsafe);
}

static void bounded_by_length(void **s)
{
	(void)s;
	/* The match must lie inside len: "failsafe=" cut short is no match. */
	assert_false(cmdline_has_failsafe("failsafe=", 8));
	assert_true(cmdline_has_failsafe("x\0failsafe=1", 12)); /* NUL inside is just a byte */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(bounded_by_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
