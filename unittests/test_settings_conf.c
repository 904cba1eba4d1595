/* unittests/test_settings_conf.c — sysupgrade.conf-style lists: comments, blanks, slashes, limits; the listed check */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "settings_conf.h"

static void parse_conf(void **s)
{
	char out[256] = "etc/config\n";

	(void)s;
	assert_int_equal(settings_conf_parse("## This file contains files and directories that should\n"
					     "/etc/extra.conf\n"
					     "\n"
					     "   /root/.ssh/   \r\n"
					     "#/etc/commented\n"
					     "//etc/double\n"
					     "/\n", out, sizeof(out)), 3);
	assert_string_equal(out, "etc/config\netc/extra.conf\nroot/.ssh/\netc/double\n");
	assert_int_equal(settings_conf_parse("", out, sizeof(out)), 0);
}

static void bounded(void **s)
{
	char out[16] = "";

	(void)s;
	assert_int_equal(settings_conf_parse("/a\n/much/too/long/for/the/buffer\n/b\n", out, sizeof(out)), 2);
	assert_string_equal(out, "a\nb\n");
}

static void listed(void **s)
{
	(void)s;
	assert_true(settings_conf_listed("etc/config\netc/passwd\n", "etc/passwd"));
	assert_true(settings_conf_listed("etc/config\netc/passwd\n", "etc/config"));
	assert_false(settings_conf_listed("etc/config\netc/passwd\n", "etc/pass"));     /* a prefix is not a line */
	assert_false(settings_conf_listed("etc/config\netc/passwd\n", "config"));       /* nor a suffix */
	assert_false(settings_conf_listed("", "etc/passwd"));
	assert_true(settings_conf_listed(SETTINGS_CONF_FIXED, "etc/sysupgrade.conf"));
	/* The empty line (found by fuzz_settings_conf: these hung) is listed only where the list has one. */
	assert_false(settings_conf_listed("", ""));
	assert_false(settings_conf_listed("etc/config\n", ""));
	assert_true(settings_conf_listed("\netc/config\n", ""));
	assert_true(settings_conf_listed("etc/config\n\netc/passwd\n", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_conf),
		cmocka_unit_test(bounded),
		cmocka_unit_test(listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
