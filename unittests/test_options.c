/* unittests/test_options.c — failsafed's command line: values, errors that name the option */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"

#define ARGV(...) (char *[]){ "failsafed", __VA_ARGS__, NULL }

static int parse(struct options *o, char **argv, int argc, char *err)
{
	return options_parse(o, argc, argv, err, 256);
}

static void defaults(void **s)
{
	struct options o;
	char err[256];
	char *argv[] = { "failsafed", NULL };

	(void)s;
	assert_int_equal(parse(&o, argv, 1, err), 0);
	assert_int_equal(o.mode, OPTIONS_RUN);
	assert_int_equal(o.window_ms, -1);
	assert_string_equal(o.cmdline_path, "/proc/cmdline");
	assert_string_equal(o.state_dir, "/tmp");
	assert_string_equal(o.shell_argv[0], "/bin/sh");
	assert_string_equal(o.shell_argv[1], "-l");
	assert_null(o.shell_argv[2]);
	assert_null(o.then_argv);
}

static void values(void **s)
{
	struct options o;
	char err[256];
	char **argv = ARGV("--window-ms", "1500", "--state-dir", "/x", "--sim-held", "reset", "--sim-fault",
			   "led", "--shell", "/bin/bash --login -i", "-v", "--then", "/sbin/init", "--window-ms", "9");

	(void)s;
	assert_int_equal(parse(&o, argv, 15, err), 0);
	assert_int_equal(o.window_ms, 1500);
	assert_string_equal(o.state_dir, "/x");
	assert_int_equal(o.n_sim_held, 1);
	assert_string_equal(o.sim_faults[0], "led");
	assert_string_equal(o.shell_argv[2], "-i");
	assert_string_equal(o.then_argv[0], "/sbin/init");
	assert_string_equal(o.then_argv[1], "--window-ms");  /* everything after --then is CMD's */
}

static void errors_name_the_option(void **s)
{
	static const struct {
		const char *a, *b;
		const char *needle;
	} rows[] = {
		{ "--window-ms", "abc", "--window-ms" },
		{ "--window-ms", "-5", "--window-ms" },
		{ "--window-ms", "10ms", "--window-ms" },
		{ "--window-ms", "99999999999", "--window-ms" },
		{ "--bogus", "x", "--bogus: unknown option" },
		{ "--shell", "", "--shell: empty command" },
		{ "--state-dir", NULL, "--state-dir" },
		{ "--then", NULL, "--then: needs a command" },
	};

	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct options o;
		char err[256] = "";
		char *argv[] = { "failsafed", (char *)rows[i].a, (char *)rows[i].b, NULL };

		assert_int_equal(parse(&o, argv, rows[i].b ? 3 : 2, err), -22);
		assert_non_null(strstr(err, rows[i].needle));
	}
}

static void modes(void **s)
{
	struct options o;
	char err[256];

	(void)s;
	assert_int_equal(parse(&o, ARGV("--help"), 2, err), 0);
	assert_int_equal(o.mode, OPTIONS_HELP);
	assert_int_equal(parse(&o, ARGV("--check-board"), 2, err), 0);
	assert_int_equal(o.mode, OPTIONS_CHECK_BOARD);
	assert_int_equal(parse(&o, ARGV("--probe"), 2, err), 0);
	assert_int_equal(o.mode, OPTIONS_PROBE);
	assert_non_null(strstr(options_usage(), "--window-ms"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(values),
		cmocka_unit_test(errors_name_the_option),
		cmocka_unit_test(modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
