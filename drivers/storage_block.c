/* drivers/storage_block.c — block devices, partitions (by path, PARTLABEL or name) and plain files as volumes */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "storage_priv.h"

/* The partition whose uevent says PARTNAME=label (GPT name; udev's /dev/disk/by-partlabel may not exist). */
static int by_label(const char *label, char *dev, size_t size, char *why)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *de;
	char path[300], text[1024], seen[512] = "";
	size_t n = 0;

	if (!d)
		return storage_fail(why, -errno, "/sys/class/block: %s", strerror(errno));
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%s/uevent", de->d_name);
		if (io_read_file(path, text, sizeof(text)) < 0 || !(p = strstr(text, "PARTNAME=")))
			continue;
		p += 9;
		p[strcspn(p, "\n")] = '\0';
		if (!strcmp(p, label)) {
			int len = snprintf(dev, size, "/dev/%s", de->d_name);

			closedir(d);
			return len > 0 && (size_t)len < size ? 0 : storage_fail(why, -ENAMETOOLONG, "/dev/%s: name too long",
									    de->d_name);
		}
		if (n < sizeof(seen))
			n += (size_t)snprintf(seen + n, sizeof(seen) - n, "%s%s=%s", n ? ", " : "", de->d_name, p);
	}
	closedir(d);
	return storage_fail(why, -ENOENT, "no partition labelled \"%s\" (labelled partitions: %s)", label,
			    n ? seen : "none");
}

static int find(const struct board_volume *v, const char *base_dir, struct storage_volume *out, char *why)
{
	struct stat st;
	int fd, ro = 0;

	if (v->kind == BOARD_STORAGE_FILE) {
		if (v->name[0] == '/' || !base_dir)
			snprintf(out->dev, sizeof(out->dev), "%s", v->name);
		else
			snprintf(out->dev, sizeof(out->dev), "%s/%s", base_dir, v->name);
	} else if (!strncmp(v->name, "PARTLABEL=", 10)) {
		int rc = by_label(v->name + 10, out->dev, sizeof(out->dev), why);

		if (rc < 0)
			return rc;
	} else if (v->name[0] == '/') {
		snprintf(out->dev, sizeof(out->dev), "%s", v->name);
	} else {
		snprintf(out->dev, sizeof(out->dev), "/dev/%s", v->name);
	}
	if (stat(out->dev, &st) < 0)
		return storage_fail(why, -errno, "%s: %s", out->dev, strerror(errno));
	if (v->kind == BOARD_STORAGE_FILE ? !S_ISREG(st.st_mode) : !S_ISBLK(st.st_mode))
		return storage_fail(why, -ENODEV, "%s is not a %s", out->dev,
				    v->kind == BOARD_STORAGE_FILE ? "regular file" : "block device");
	snprintf(out->mount_dev, sizeof(out->mount_dev), "%s", out->dev);
	if (v->kind == BOARD_STORAGE_FILE) {
		out->size_bytes = (uint64_t)st.st_size;
		out->read_only = access(out->dev, W_OK) < 0;
		return 0;
	}
	fd = open(out->dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s", out->dev, strerror(errno));
	if (ioctl(fd, BLKGETSIZE64, &out->size_bytes) < 0 || ioctl(fd, BLKROGET, &ro) < 0) {
		int rc = -errno;

		close(fd);
		return storage_fail(why, rc, "%s: %s", out->dev, strerror(-rc));
	}
	close(fd);
	out->read_only = ro;
	return 0;
}

static int write_vol(const struct storage_volume *v, const uint8_t *data, uint64_t len, bool erase_rest,
		     storage_progress_cb progress, void *ctx, char *why)
{
	/* O_EXCL on a block device fails while it is mounted: never write under a filesystem. */
	int fd = open(v->dev, O_WRONLY | O_CLOEXEC | (v->kind == BOARD_STORAGE_BLOCK ? O_EXCL : 0));
	int rc;

	(void)erase_rest;
	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s%s", v->dev, strerror(errno),
				    errno == EBUSY ? " (mounted, or in use)" : "");
	rc = storage_copy(data, fd, len, progress, ctx, why, v->dev);
	if (!rc && fdatasync(fd) < 0)
		rc = storage_fail(why, -errno, "%s: sync: %s", v->dev, strerror(errno));
	close(fd);
	return rc;
}

/* Read back past the page cache: O_DIRECT in large aligned reads where the device allows it. */
static int read_direct(const struct storage_volume *v, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		       void *ctx, storage_progress_cb progress, char *why)
{
	enum { DIRECT_BYTES = 4 << 20, ALIGN_BYTES = 4096 };
	int fd = open(v->dev, O_RDONLY | O_CLOEXEC | O_DIRECT), rc = 0;
	uint64_t done = 0;
	void *buf;

	if (fd < 0)
		return -errno;
	if (posix_memalign(&buf, ALIGN_BYTES, DIRECT_BYTES)) {
		close(fd);
		return -ENOMEM;
	}
	while (!rc && done < len) {
		size_t want = len - done < DIRECT_BYTES ? (size_t)(len - done) : DIRECT_BYTES;
		size_t ask = (want + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
		ssize_t n = pread(fd, buf, ask, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)want) {
			/* EINVAL: the device or its alignment refuses O_DIRECT; the caller reads it the usual way. */
			rc = n < 0 && errno == EINVAL && !done ? -EINVAL
				: storage_fail(why, n < 0 ? -errno : -EIO, "%s: reading back at %llu: %s", v->dev,
					       (unsigned long long)done, n < 0 ? strerror(errno) : "ended early");
			break;
		}
		if ((rc = sink(ctx, buf, want)) < 0)
			break;
		done += want;
		if (progress)
			progress(ctx, done, len);
	}
	free(buf);
	close(fd);
	return rc;
}

static int read_vol(const struct storage_volume *v, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		    void *ctx, storage_progress_cb progress, char *why)
{
	int fd, rc;

	if (v->kind == BOARD_STORAGE_BLOCK && (rc = read_direct(v, len, sink, ctx, progress, why)) != -EINVAL)
		return rc;
	fd = open(v->dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	/* Read the medium, not what the page cache remembers of the write. */
	if (v->kind == BOARD_STORAGE_BLOCK)
		ioctl(fd, BLKFLSBUF, 0);
	else
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	rc = storage_read_fd(fd, len, sink, ctx, progress, why, v->dev);
	close(fd);
	return rc;
}

/* A fresh filesystem from the system's mkfs: e2fsprogs' mkfs.ext4, f2fs-tools' mkfs.f2fs. */
static int erase_vol(const struct storage_volume *v, const char *fs, char *why)
{
	char dev[STORAGE_PATH_BYTES];
	char *ext4[] = { "mkfs.ext4", "-q", "-F", "-L", "rootfs_data", dev, NULL };
	char *f2fs[] = { "mkfs.f2fs", "-q", "-f", "-l", "rootfs_data", dev, NULL };

	snprintf(dev, sizeof(dev), "%s", v->dev);
	if (fs && !strcmp(fs, "ext4"))
		return io_run(ext4, false, why, STORAGE_WHY_BYTES);
	if (fs && !strcmp(fs, "f2fs"))
		return io_run(f2fs, false, why, STORAGE_WHY_BYTES);
	return storage_fail(why, -EINVAL, "%s: cannot prepare a \"%s\" filesystem (ext4 or f2fs)", v->dev,
			    fs ? fs : "");
}

const struct storage_driver storage_block_driver = {
	.find = find,
	.write = write_vol,
	.read = read_vol,
	.erase = erase_vol,
};
