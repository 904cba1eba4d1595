/* app/flash/bootenv.c — the bootloader's environment through fw_printenv and fw_setenv, every write read back */
#include "bootenv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Two fw_setenv speak two script dialects: U-Boot's own (OpenWrt's uboot-envtools) "name value", libubootenv's
 * (Debian's libubootenv-tool) "name=value", where a line without '=' is ignored and U-Boot's refuses a name with
 * '=' in it. Only libubootenv's has -f/--defenv (its help names it in every version; 0.3.2, Debian 12's, has no
 * "Script Syntax" section yet, later ones say "key=value"). 1: name=value.
 */
static int equals_dialect(void)
{
	char *argv[] = { "fw_setenv", "--help", NULL };
	char out[2048], err[200];

	out[0] = '\0';
	(void)io_run_output(argv, out, sizeof(out), err, sizeof(err));   /* U-Boot's exits non-zero after --help */
	return strstr(out, "--defenv") != NULL || strstr(out, "key=value") != NULL;
}

/* The script goes in a file: U-Boot's fw_setenv reads "-s -" from stdin, libubootenv's only a file; both a file. */
static int run_script(const char *script, size_t len, char *why)
{
	char path[] = "/tmp/failsafed-fw_setenv.XXXXXX", err[200];
	char *argv[] = { "fw_setenv", "-s", path, NULL };
	int fd = mkstemp(path), rc;

	if (fd < 0) {
		snprintf(why, BOOTENV_WHY_BYTES, "mkstemp %s: %s", path, strerror(errno));
		return -errno;
	}
	rc = io_write_all(fd, script, len);
	close(fd);
	if (!rc && (rc = io_run(argv, false, err, sizeof(err))) < 0)
		snprintf(why, BOOTENV_WHY_BYTES, "fw_setenv: %.200s", err);
	else if (rc < 0)
		snprintf(why, BOOTENV_WHY_BYTES, "writing %s: %s", path, strerror(-rc));
	unlink(path);
	return rc;
}

int bootenv_set(const char *const *vars, size_t n, char *why)
{
	char script[SCRIPT_BYTES] = "", err[BOOTENV_WHY_BYTES], got[BOOTENV_VALUE_BYTES];
	size_t used = 0;
	int rc, eq_dialect = equals_dialect();

	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(vars[i], '=');

		if (!eq || eq == vars[i] || strchr(vars[i], '\n')) {
			snprintf(why, BOOTENV_WHY_BYTES, "\"%s\" is not name=value", vars[i]);
			return -EINVAL;
		}
		used += (size_t)snprintf(script + used, sizeof(script) - used, "%.*s%c%s\n", (int)(eq - vars[i]), vars[i],
					 eq_dialect ? '=' : ' ', eq + 1);
		if (used >= sizeof(script)) {
			snprintf(why, BOOTENV_WHY_BYTES, "the boot environment script is longer than %d bytes", SCRIPT_BYTES);
			return -E2BIG;
		}
	}
	if ((rc = run_script(script, used, why)) < 0)
		return rc;
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
