/* unittests/test_sysconfig.c — /etc/config/system's compat_version as `uci get system.@system[0].compat_version` reads it */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sysconfig.h"

static int get(const char *text, char *out, size_t n)
{
	return sysconfig_option(text, strlen(text), "system", "compat_version", out, n);
}

static void openwrt_files(void **s)
{
	char v[16];

	(void)s;
	/* as config_generate writes it */
	assert_int_equal(get("\nconfig system\n\toption hostname 'OpenWrt'\n\toption timezone 'UTC'\n"
			     "\toption ttylogin '0'\n\toption log_size '128'\n\toption urandom_seed '0'\n"
			     "\toption compat_version '2.0'\n\nconfig timeserver 'ntp'\n\toption enabled '1'\n", v, sizeof(v)), 1);
	assert_string_equal(v, "2.0");
	/* named section, double quotes, no quotes, CR LF, trailing comment */
	assert_int_equal(get("config system 'main'\r\n\toption compat_version \"1.1\"\r\n", v, sizeof(v)), 1);
	assert_string_equal(v, "1.1");
	assert_int_equal(get("config system\n  option compat_version 1.2 # bumped\n", v, sizeof(v)), 1);
	assert_string_equal(v, "1.2");
	/* joined parts and escapes */
	assert_int_equal(get("config system\noption compat_version '1'.\"3\"\n", v, sizeof(v)), 1);
	assert_string_equal(v, "1.3");
	/* the last of two wins, as in uci */
	assert_int_equal(get("config system\noption compat_version 1.0\noption compat_version 2.0\n", v, sizeof(v)), 1);
	assert_string_equal(v, "2.0");
}

static void first_section_only(void **s)
{
	char v[16] = "";

	(void)s;
	/* @system[0]: the second system section's value is not read */
	assert_int_equal(get("config system\n\toption hostname x\nconfig system\n\toption compat_version '9.0'\n", v,
			     sizeof(v)), 0);
	/* an option of another section type, or before any section */
	assert_int_equal(get("option compat_version 3.0\nconfig timeserver\n\toption compat_version 4.0\n", v,
			     sizeof(v)), 0);
	assert_int_equal(get("config timeserver\n\toption compat_version 4.0\nconfig system\n\toption compat_version 5.0\n",
			     v, sizeof(v)), 1);
	assert_string_equal(v, "5.0");
	/* commented out, a list, or a name that only starts alike */
	assert_int_equal(get("config system\n#\toption compat_version 2.0\n\tlist compat_version 2.0\n"
			     "\toption compat_versions 2.0\n", v, sizeof(v)), 0);
	assert_int_equal(get("", v, sizeof(v)), 0);
}

static void bad_input(void **s)
{
	char v[4];

	(void)s;
	assert_int_equal(get("config system\n\toption compat_version '10.0.1'\n", v, sizeof(v)), -E2BIG);
	assert_int_equal(get("config system\n\toption compat_version '2.0\n", v, sizeof(v)), -EINVAL);
	/* an unterminated quote after the value was found does not take it back */
	assert_int_equal(get("config system\n\toption compat_version 2.0\n\toption x 'y\n", v, sizeof(v)), 1);
	assert_string_equal(v, "2.0");
	/* a NUL byte inside is just a byte; not a line end */
	static const char nul[] = "config system\n\toption compat_version 1\0x\n";

	assert_int_equal(sysconfig_option(nul, sizeof(nul) - 1, "system", "compat_version", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(openwrt_files),
		cmocka_unit_test(first_section_only),
		cmocka_unit_test(bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
