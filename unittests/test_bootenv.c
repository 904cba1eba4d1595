/* unittests/test_bootenv.c — the boot environment through fw_printenv/fw_setenv: fakes that keep a state file (as RAUC's tests do) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bootenv.h"

static char dir[64], state[96];

/* fw_printenv -n NAME and fw_setenv -s FILE over a "name=value" state file, fw_setenv in either dialect: U-Boot's
 * ("name value" lines; --help exits 1) or, with FAKE_ENV_DIALECT=libubootenv, libubootenv's ("name=value", a line
 * without '=' ignored, as the real one does). FAKE_ENV_IGNORE=1 drops every write and still exits 0 (the silent
 * failure of a wrong fw_env.config). */
static const char printenv_sh[] =
	"#!/bin/sh\n"
	"[ \"$1\" = -n ] || exit 2\n"
	"v=$(grep \"^$2=\" \"$FAKE_ENV\") || { echo \"## Error: \\\"$2\\\" not defined\" >&2; exit 1; }\n"
	"v=$(printf '%s\\n' \"$v\" | tail -1)\n"
	"printf '%s\\n' \"${v#*=}\"\n";
static const char setenv_sh[] =
	"#!/bin/sh\n"
	"if [ \"$1\" = --help ]; then\n"
	"  if [ \"$FAKE_ENV_DIALECT\" = libubootenv ]; then\n"
	"    printf ' -f, --defenv <filename>          : default environment if no one found\\n'; exit 0\n"
	"  fi\n"
	"  printf 'Script Syntax:\\n  key [space] value\\n'; exit 1\n"
	"fi\n"
	"[ \"$1\" = -s ] || exit 2\n"
	"[ \"$FAKE_ENV_IGNORE\" = 1 ] && exit 0\n"
	"cp \"$2\" \"$FAKE_ENV.script\"\n"
	"while read -r line; do\n"
	"  if [ \"$FAKE_ENV_DIALECT\" = libubootenv ]; then\n"
	"    case $line in *=*) name=${line%%=*} value=${line#*=} ;; *) continue ;; esac\n"
	"  else\n"
	"    name=${line%% *} value=${line#* }\n"
	"    case $name in *=*) echo \"## Error: illegal character '=' in variable name \\\"$name\\\"\" >&2; exit 1 ;; esac\n"
	"  fi\n"
	"  grep -v \"^$name=\" \"$FAKE_ENV\" > \"$FAKE_ENV.new\"; mv \"$FAKE_ENV.new\" \"$FAKE_ENV\"\n"
	"  [ -n \"$value\" ] && printf '%s=%s\\n' \"$name\" \"$value\" >> \"$FAKE_ENV\"\n"
	"done < \"$2\"\n";

static void put(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int setup(void **s)
{
	char path[512];

	(void)s;
	snprintf(dir, sizeof(dir), "/tmp/fsd-bootenv.XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("fw_printenv", printenv_sh, 0755);
	put("fw_setenv", setenv_sh, 0755);
	put("env", "boot_part=1\nbootcmd=run nandboot\n", 0644);
	snprintf(state, sizeof(state), "%s/env", dir);
	snprintf(path, sizeof(path), "%s:%s", dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv("FAKE_ENV", state, 1);
	unsetenv("FAKE_ENV_IGNORE");
	unsetenv("FAKE_ENV_DIALECT");
	return 0;
}

static int teardown(void **s)
{
	char cmd[128];

	(void)s;
	snprintf(cmd, sizeof(cmd), "/bin/rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void set_in(const char *dialect, const char *want_script)
{
	const char *vars[] = { "boot_part=2", "bootcmd=run altnandboot", "auto_recovery=yes" };
	char value[BOOTENV_VALUE_BYTES], why[BOOTENV_WHY_BYTES], script[256] = "", path[128];
	FILE *f;

	if (dialect)
		setenv("FAKE_ENV_DIALECT", dialect, 1);
	assert_int_equal(bootenv_get("boot_part", value, sizeof(value), why), 0);
	assert_string_equal(value, "1");
	assert_int_equal(bootenv_get("nosuch", value, sizeof(value), why), -ENOENT);
	assert_non_null(strstr(why, "nosuch is not set"));
	/* one script, then every variable read back */
	assert_int_equal(bootenv_set(vars, 3, why), 0);
	assert_int_equal(bootenv_get("boot_part", value, sizeof(value), why), 0);
	assert_string_equal(value, "2");
	assert_int_equal(bootenv_get("bootcmd", value, sizeof(value), why), 0);
	assert_string_equal(value, "run altnandboot");
	assert_int_equal(bootenv_get("auto_recovery", value, sizeof(value), why), 0);
	assert_string_equal(value, "yes");
	snprintf(path, sizeof(path), "%s.script", state);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(script, 1, sizeof(script) - 1, f) > 0);
	fclose(f);
	assert_string_equal(script, want_script);
}

/* U-Boot's fw_setenv (OpenWrt's uboot-envtools): "name value" */
static void get_and_set_uboot(void **s)
{
	(void)s;
	set_in(NULL, "boot_part 2\nbootcmd run altnandboot\nauto_recovery yes\n");
}

/* libubootenv's (Debian's libubootenv-tool): "name=value"; the other dialect would have set nothing */
static void get_and_set_libubootenv(void **s)
{
	(void)s;
	set_in("libubootenv", "boot_part=2\nbootcmd=run altnandboot\nauto_recovery=yes\n");
}

static void silent_failure_caught(void **s)
{
	const char *vars[] = { "boot_part=2" };
	char why[BOOTENV_WHY_BYTES];

	(void)s;
	setenv("FAKE_ENV_IGNORE", "1", 1);
	assert_int_equal(bootenv_set(vars, 1, why), -EIO);
	assert_non_null(strstr(why, "did not take boot_part=2: it reads back as \"1\""));
	unsetenv("FAKE_ENV_IGNORE");
	/* malformed, and no tools */
	vars[0] = "boot_part";
	assert_int_equal(bootenv_set(vars, 1, why), -EINVAL);
	setenv("PATH", "/nonexistent", 1);
	vars[0] = "boot_part=2";
	assert_int_equal(bootenv_set(vars, 1, why), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(get_and_set_uboot, setup, teardown),
		cmocka_unit_test_setup_teardown(get_and_set_libubootenv, setup, teardown),
		cmocka_unit_test_setup_teardown(silent_failure_caught, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
