/* unittests/test_options.c — failsafed's command line: values, errors that name the option */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"

#define ARGV(...) (char *[]){ "failsafed", __VA_ARGS__, NULL }

/* Driver options as the simulated board's (drivers/drivers.c): the parser is tested with a table of its own, the
 * same in every build (router builds have no simulated board, FAILSAFED_SIM). */
static const struct hal_driver_option driver_options[] = {
	{ "--sysfs-leds", "DIR", "LED class directory of a real board", false },
	{ "--sim-dir", "DIR", "simulated board: control socket", false },
	{ "--sim-held", "BUTTON", "simulated board: BUTTON is held down at power-on (repeatable)", true },
	{ "--sim-fault", "KNOB", "simulated board: make a driver fail (repeatable)", true },
	{ NULL, NULL, NULL, false },
};

static int parse(struct options *o, char **argv, int argc, char *err)
{
	return options_parse(o, driver_options, argc, argv, err, 256);
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
	assert_int_equal(o.decision_fd, -1);
}

static void values(void **s)
{
	struct options o;
	char err[256];
	char **argv = ARGV("--window-ms", "1500", "--state-dir", "/x", "--sim-held", "reset", "--sim-fault",
			   "led", "--shell", "/bin/bash --login -i", "-v", "--decision-fd", "3", "--then", "/sbin/init",
			   "--window-ms", "9");

	(void)s;
	assert_int_equal(parse(&o, argv, 17, err), 0);
	assert_int_equal(o.window_ms, 1500);
	assert_int_equal(o.decision_fd, 3);
	assert_string_equal(o.state_dir, "/x");
	/* driver options are kept by name for the driver family, which checks them */
	assert_int_equal(o.n_driver_args, 2);
	assert_string_equal(o.driver_args[0].name, "--sim-held");
	assert_string_equal(o.driver_args[0].value, "reset");
	assert_string_equal(o.driver_args[1].name, "--sim-fault");
	assert_string_equal(o.driver_args[1].value, "led");
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
		{ "--sim-dir", NULL, "--sim-dir: needs a value" },
		{ "--telnet-port", "0", "--telnet-port: expects a number from 1 to 65535" },
		{ "--decision-fd", "1", "--decision-fd: expects a number from 3 to 65535" },   /* never stdout */
		{ "--ifname", "averyveryverylongname", "--ifname" },
		{ "stray", NULL, "stray: unexpected argument" },
		{ "--check-board=yes", NULL, "--check-board: takes no value" },
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
	assert_non_null(strstr(options_usage(driver_options), "--window-ms"));
	assert_non_null(strstr(options_usage(driver_options), "--sim-held"));   /* driver options are listed too */
	assert_non_null(strstr(options_usage(hal_driver_options), "--sysfs-leds"));   /* this build's, real ones always */
}

static void equals_form_and_repeats(void **s)
{
	struct options o;
	char err[256] = "";

	(void)s;
	assert_int_equal(parse(&o, ARGV("--window-ms=250", "--ctl-socket=/run/fs.sock", "-vv"), 4, err), 0);
	assert_int_equal(o.window_ms, 250);
	assert_string_equal(o.ctl_path, "/run/fs.sock");
	assert_int_equal(o.verbosity, 3);
	/* a driver option that is not repeatable, given twice */
	assert_int_equal(parse(&o, ARGV("--sim-dir", "/a", "--sim-dir", "/b"), 5, err), -22);
	assert_non_null(strstr(err, "--sim-dir: given twice"));
	/* repeatable ones are kept in order */
	assert_int_equal(parse(&o, ARGV("--sim-held", "reset", "--sim-held", "wps"), 5, err), 0);
	assert_int_equal(o.n_driver_args, 2);
	assert_string_equal(o.driver_args[1].value, "wps");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(values),
		cmocka_unit_test(errors_name_the_option),
		cmocka_unit_test(modes),
		cmocka_unit_test(equals_form_and_repeats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
