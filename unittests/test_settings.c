/* unittests/test_settings.c — sysupgrade.conf-style lists: comments, blanks, slashes, limits */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "settings.h"

static void parse_conf(void **s)
{
	char out[256] = "etc/config\n";

	(void)s;
	assert_int_equal(settings_parse_conf("## This file contains files and directories that should\n"
					     "/etc/extra.conf\n"
					     "\n"
					     "   /root/.ssh/   \r\n"
					     "#/etc/commented\n"
					     "//etc/double\n"
					     "/\n", out, sizeof(out)), 3);
	assert_string_equal(out, "etc/config\netc/extra.conf\nroot/.ssh/\netc/double\n");
	assert_int_equal(settings_parse_conf("", out, sizeof(out)), 0);
}

static void bounded(void **s)
{
	char out[16] = "";

	(void)s;
	assert_int_equal(settings_parse_conf("/a\n/much/too/long/for/the/buffer\n/b\n", out, sizeof(out)), 2);
	assert_string_equal(out, "a\nb\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_conf),
		cmocka_unit_test(bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
