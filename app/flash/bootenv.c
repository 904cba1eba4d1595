/* app/flash/bootenv.c — the bootloader's environment through fw_printenv and fw_setenv, every write read back */
#include "bootenv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

#define SCRIPT_BYTES 4096

int bootenv_get(const char *name, char *value, size_t value_size, char *why)
{
	char *argv[] = { "fw_printenv", "-n", (char *)name, NULL };
	char err[200];
	size_t n;
	int rc;

	value[0] = '\0';
	if ((rc = io_run_output(argv, value, value_size, err, sizeof(err))) < 0) {
		/* fw_printenv -n of a variable that is not set exits 1 with a message on stderr */
		if (rc == -EIO && !value[0]) {
			snprintf(why, BOOTENV_WHY_BYTES, "%s is not set in the boot environment", name);
			return -ENOENT;
		}
		snprintf(why, BOOTENV_WHY_BYTES, "reading %s from the boot environment: %s", name, err);
		return rc;
	}
	n = strlen(value);
	while (n && (value[n - 1] == '\n' || value[n - 1] == '\r'))
		value[--n] = '\0';
	return 0;
}

int bootenv_set(const char *const *vars, size_t n, char *why)
{
	char *argv[] = { "fw_setenv", "-s", "-", NULL };
	char script[SCRIPT_BYTES] = "", err[BOOTENV_WHY_BYTES], got[BOOTENV_VALUE_BYTES];
	size_t used = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(vars[i], '=');

		if (!eq || eq == vars[i] || strchr(vars[i], '\n')) {
			snprintf(why, BOOTENV_WHY_BYTES, "\"%s\" is not name=value", vars[i]);
			return -EINVAL;
		}
		used += (size_t)snprintf(script + used, sizeof(script) - used, "%.*s %s\n", (int)(eq - vars[i]), vars[i],
					 eq + 1);
		if (used >= sizeof(script)) {
			snprintf(why, BOOTENV_WHY_BYTES, "the boot environment script is longer than %d bytes", SCRIPT_BYTES);
			return -E2BIG;
		}
	}
	if ((rc = io_run_input(argv, script, used, false, err, 200)) < 0) {
		snprintf(why, BOOTENV_WHY_BYTES, "fw_setenv: %.200s", err);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(vars[i], '=');
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - vars[i]), vars[i]);
		if ((rc = bootenv_get(name, got, sizeof(got), err)) < 0 || strcmp(got, eq + 1)) {
			snprintf(why, BOOTENV_WHY_BYTES, "the boot environment did not take %.60s: it reads back as %s%.120s%s (check "
				 "/etc/fw_env.config against the partition's erase size)", vars[i], rc < 0 ? "" : "\"",
				 rc < 0 ? err : got, rc < 0 ? "" : "\"");
			return -EIO;
		}
	}
	return 0;
}
