/* app/loop/statefiles.c — state files written whole: a reader never sees half a file */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "statefiles.h"

int statefile_write(const char *dir, const char *name, const char *content)
{
	char path[512], tmp[520];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = io_write_all(fd, content, strlen(content));
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
out:
	if (rc)
		log_err("state file %s: %s", path, strerror(-rc));
	return rc;
}

void statefiles_reset(const char *dir)
{
	static const char *const names[] = { "failsafe", "failsafe_button", "debug_level" };
	char path[512];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (int tmp = 0; tmp < 2; tmp++) {
			snprintf(path, sizeof(path), "%s/%s%s", dir, names[i], tmp ? ".tmp" : "");
			if (unlink(path) == 0) {
				if (!tmp)
					log_info("state file %s: removed, left by an earlier run", path);
			} else if (errno != ENOENT) {
				log_warn("state file %s: %s", path, strerror(errno));
			}
		}
	}
}
