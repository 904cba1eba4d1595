/* drivers/storage_ubi.c — UBI volumes by name: an atomic volume update (UBI_IOCVOLUP), read back, emptied */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mtd/ubi-user.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "io.h"
#include "storage_priv.h"

static int find(const struct board_volume *v, const char *base_dir, struct storage_volume *out, char *why)
{
	DIR *d = opendir("/sys/class/ubi");
	struct dirent *de;
	char path[300], text[128], names[512] = "";
	size_t seen = 0;

	(void)base_dir;
	if (!d)
		return storage_fail(why, -ENODEV, "no UBI in this kernel, or no device attached (/sys/class/ubi: %s)",
				    strerror(errno));
	while ((de = readdir(d))) {
		char *end;
		long dev;

		/* ubi<dev>_<vol>: a volume (not ubi<dev>, the device, nor ubi_ctrl) */
		if (strncmp(de->d_name, "ubi", 3) || !isdigit((unsigned char)de->d_name[3]))
			continue;
		dev = strtol(de->d_name + 3, &end, 10);
		if (*end != '_' || !isdigit((unsigned char)end[1]) || dev > INT_MAX)
			continue;
		snprintf(path, sizeof(path), "/sys/class/ubi/%s/name", de->d_name);
		if (io_read_file(path, text, sizeof(text)) < 0)
			continue;
		if (strcmp(text, v->name)) {
			if (seen < sizeof(names))
				seen += (size_t)snprintf(names + seen, sizeof(names) - seen, "%subi%ld:%s",
							 seen ? ", " : "", dev, text);
			continue;
		}
		if ((size_t)snprintf(out->dev, sizeof(out->dev), "/dev/%s", de->d_name) >= sizeof(out->dev))
			continue; /* not a ubiX_Y name */
		memcpy(out->mount_dev, out->dev, sizeof(out->mount_dev));
		snprintf(out->fs_hint, sizeof(out->fs_hint), "ubifs");
		snprintf(path, sizeof(path), "/sys/class/ubi/%s/data_bytes", de->d_name);
		if (io_read_file(path, text, sizeof(text)) > 0)
			out->size_bytes = strtoull(text, NULL, 10);
		closedir(d);
		return 0;
	}
	closedir(d);
	return storage_fail(why, -ENOENT, "no UBI volume named \"%s\" (volumes: %s)", v->name,
			    seen ? names : "none; is the UBI device attached?");
}

static int update(const struct storage_volume *v, int64_t len, int *fd_out, char *why)
{
	int fd = open(v->dev, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s%s", v->dev, strerror(errno),
				    errno == EBUSY ? " (mounted, or held by ubiblock?)" : "");
	/* The volume is replaced as a whole: UBI marks it updating until the last byte arrives. */
	if (ioctl(fd, UBI_IOCVOLUP, &len) < 0) {
		int rc = -errno;

		close(fd);
		return storage_fail(why, rc, "%s: volume update: %s%s", v->dev, strerror(-rc),
				    rc == -EBUSY ? " (mounted, or held by ubiblock?)" : "");
	}
	*fd_out = fd;
	return 0;
}

static int write_vol(const struct storage_volume *v, const uint8_t *data, uint64_t len, bool erase_rest,
		     storage_progress_cb progress, void *ctx, char *why)
{
	int fd, rc;

	(void)erase_rest; /* the update replaces the whole volume */
	if ((rc = update(v, (int64_t)len, &fd, why)) < 0)
		return rc;
	rc = storage_copy(data, fd, len, progress, ctx, why, v->dev);
	close(fd);
	return rc;
}

static int read_vol(const struct storage_volume *v, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		    void *ctx, storage_progress_cb progress, char *why)
{
	int fd = open(v->dev, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	rc = storage_read_fd(fd, 0, len, sink, ctx, progress, why, v->dev);
	close(fd);
	return rc;
}

static int erase_vol(const struct storage_volume *v, const char *fs, char *why)
{
	int fd, rc;

	(void)fs; /* UBIFS formats an empty volume when it is mounted */
	if ((rc = update(v, 0, &fd, why)) < 0)
		return rc;
	close(fd);
	return 0;
}

const struct storage_driver storage_ubi_driver = {
	.find = find,
	.write = write_vol,
	.read = read_vol,
	.erase = erase_vol,
};
