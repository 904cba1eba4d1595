/* drivers/storage.c — hal_storage_*: parse a volume name, dispatch to the driver of its kind, shared copy loops */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "storage_priv.h"

int storage_fail(char *why, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, STORAGE_WHY_BYTES, fmt, ap);
	va_end(ap);
	return rc;
}

static const struct storage_driver *driver(enum board_storage_kind kind)
{
	switch (kind) {
	case BOARD_STORAGE_BLOCK:
	case BOARD_STORAGE_FILE:
	case BOARD_STORAGE_ROOTDISK:
		return &storage_block_driver;
	case BOARD_STORAGE_MTD:
		return &storage_mtd_driver;
	case BOARD_STORAGE_UBI:
		return &storage_ubi_driver;
	default:
		return NULL;
	}
}

int hal_storage_parse(const char *text, struct board_volume *out, char *why)
{
	struct stat st;

	if (!text || !text[0])
		return storage_fail(why, -EINVAL, "empty volume name");
	if (!strncmp(text, "mtd:", 4) && text[4])
		*out = (struct board_volume){ BOARD_STORAGE_MTD, text + 4 };
	else if (!strncmp(text, "ubi:", 4) && text[4])
		*out = (struct board_volume){ BOARD_STORAGE_UBI, text + 4 };
	else if (!strncmp(text, "file:", 5) && text[5])
		*out = (struct board_volume){ BOARD_STORAGE_FILE, text + 5 };
	else if (!strncmp(text, "PARTLABEL=", 10) && text[10])
		*out = (struct board_volume){ BOARD_STORAGE_BLOCK, text };
	else if (!strncmp(text, "rootdisk:", 9) && text[9])
		*out = (struct board_volume){ BOARD_STORAGE_ROOTDISK, text + 9 };
	else if (text[0] == '/' && stat(text, &st) == 0 && S_ISBLK(st.st_mode))
		*out = (struct board_volume){ BOARD_STORAGE_BLOCK, text };
	else if (text[0] == '/' && stat(text, &st) == 0 && S_ISREG(st.st_mode))
		*out = (struct board_volume){ BOARD_STORAGE_FILE, text };
	else if (text[0] == '/')
		return storage_fail(why, -ENOENT, "%s: no such block device or file", text);
	else
		return storage_fail(why, -EINVAL, "\"%s\": give a path, mtd:NAME, ubi:NAME, PARTLABEL=NAME[@DISK], "
				    "rootdisk:SPEC or file:PATH", text);
	return 0;
}

int hal_storage_find(const struct board_volume *v, const char *base_dir, struct storage_volume *out, char *why)
{
	const struct storage_driver *d = driver(v->kind);

	memset(out, 0, sizeof(*out));
	out->mtd_chip[0] = '\0';
	out->hold_fd = -1;
	why[0] = '\0';
	if (!d || !v->name)
		return storage_fail(why, -ENODEV, "the board declares no such volume");
	out->kind = v->kind;
	snprintf(out->name, sizeof(out->name), "%s", v->name);
	return d->find(v, base_dir, out, why);
}

int hal_storage_write(const struct storage_volume *v, const void *data, uint64_t len, bool erase_rest,
		      storage_progress_cb progress, void *ctx, char *why)
{
	if (len > v->size_bytes)
		return storage_fail(why, -EFBIG, "%llu bytes do not fit %s (%llu bytes)", (unsigned long long)len,
				    v->dev, (unsigned long long)v->size_bytes);
	if (v->read_only)
		return storage_fail(why, -EROFS, "%s is read-only", v->dev);
	return driver(v->kind)->write(v, data, len, erase_rest, progress, ctx, why);
}

int hal_storage_read(const struct storage_volume *v, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		     void *ctx, storage_progress_cb progress, char *why)
{
	return driver(v->kind)->read(v, len, sink, ctx, progress, why);
}

int hal_storage_write_verify(const struct storage_volume *v, const void *data, uint64_t len, bool erase_rest,
			     int (*sink)(void *ctx, const void *buf, size_t n), void *sink_ctx,
			     storage_progress_cb progress, void *ctx, char *why)
{
	const struct storage_driver *d = driver(v->kind);
	int rc = -EOPNOTSUPP;

	if (d && d->write_verify && !erase_rest && len <= v->size_bytes && !v->read_only)
		rc = d->write_verify(v, data, len, sink, sink_ctx, progress, ctx, why);
	if (rc != -EOPNOTSUPP)
		return rc;
	if ((rc = hal_storage_write(v, data, len, erase_rest, progress, ctx, why)) < 0)
		return rc == -EBADMSG ? -EIO : rc;
	return hal_storage_read(v, len, sink, sink_ctx, NULL, why) < 0 ? -EBADMSG : 0;
}

int hal_storage_erase(const struct storage_volume *v, const char *fs, char *why)
{
	if (v->read_only)
		return storage_fail(why, -EROFS, "%s is read-only", v->dev);
	return driver(v->kind)->erase(v, fs, why);
}

bool hal_storage_contains(const struct storage_volume *outer, const struct storage_volume *inner, uint64_t *at_bytes)
{
	if (outer->kind != BOARD_STORAGE_MTD || inner->kind != BOARD_STORAGE_MTD || !outer->mtd_chip[0] ||
	    strcmp(outer->mtd_chip, inner->mtd_chip) || inner->mtd_offset_bytes < outer->mtd_offset_bytes ||
	    inner->mtd_offset_bytes + inner->size_bytes > outer->mtd_offset_bytes + outer->size_bytes)
		return false;
	*at_bytes = inner->mtd_offset_bytes - outer->mtd_offset_bytes;
	return true;
}

void storage_forget_cache(const char *dev)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ioctl(fd, BLKFLSBUF, 0);
		close(fd);
	}
}

int hal_storage_write_at(const struct storage_volume *v, uint64_t offset_bytes, const void *buf, size_t len,
			 char *why)
{
	int fd, rc;

	if (v->kind == BOARD_STORAGE_UBI)
		return storage_fail(why, -EOPNOTSUPP, "%s: a UBI volume is written whole, not at an offset", v->dev);
	if (v->kind == BOARD_STORAGE_MTD && v->nand && v->page_bytes &&
	    (offset_bytes % v->page_bytes || len % v->page_bytes))
		return storage_fail(why, -EINVAL, "%s: NAND takes whole %u-byte pages (%zu bytes at %llu)", v->dev,
				    v->page_bytes, len, (unsigned long long)offset_bytes);
	if (offset_bytes + len > v->size_bytes)
		return storage_fail(why, -ENOSPC, "%zu bytes at %llu do not fit %s", len,
				    (unsigned long long)offset_bytes, v->dev);
	fd = open(v->dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	rc = lseek(fd, (off_t)(v->offset_bytes + offset_bytes), SEEK_SET) < 0 ? -errno : io_write_all(fd, buf, len);
	if (!rc && fsync(fd) < 0 && errno != EINVAL)   /* MTD: written when write() returns, no fsync */
		rc = -errno;
	close(fd);
	storage_forget_cache(v->kind == BOARD_STORAGE_MTD ? v->mount_dev : v->dev);
	return rc ? storage_fail(why, rc, "%s: writing at %llu: %s", v->dev, (unsigned long long)offset_bytes,
				 strerror(-rc)) : 0;
}

int hal_storage_read_at(const struct storage_volume *v, uint64_t offset_bytes, uint64_t len,
			int (*sink)(void *ctx, const void *buf, size_t n), void *ctx, char *why)
{
	int fd, rc;

	/* What the medium holds, not what the cache kept: the cache is dropped first. */
	storage_forget_cache(v->kind == BOARD_STORAGE_MTD ? v->mount_dev : v->dev);
	if ((fd = open(v->dev, O_RDONLY | O_CLOEXEC)) < 0)
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	rc = storage_read_fd(fd, v->offset_bytes + offset_bytes, len, sink, ctx, NULL, why, v->dev);
	close(fd);
	return rc;
}

int hal_storage_mount_source(struct storage_volume *v, char *why)
{
	struct loop_info64 info = { .lo_flags = LO_FLAGS_AUTOCLEAR };
	char path[32];
	int ctl, n, loop, file;

	if (v->kind != BOARD_STORAGE_FILE && v->kind != BOARD_STORAGE_ROOTDISK)
		return 0;
	/* A file, or the space after a squashfs, is mounted through a loop device that goes away with the mount
	 * (autoclear). */
	info.lo_offset = v->offset_bytes;
	info.lo_sizelimit = v->kind == BOARD_STORAGE_ROOTDISK ? v->size_bytes : 0;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return storage_fail(why, -errno, "/dev/loop-control: %s", strerror(errno));
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (n < 0)
		return storage_fail(why, -errno, "no free loop device: %s", strerror(errno));
	snprintf(path, sizeof(path), "/dev/loop%d", n);
	loop = open(path, O_RDWR | O_CLOEXEC);
	file = open(v->dev, (v->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (loop < 0 || file < 0 || ioctl(loop, LOOP_SET_FD, file) < 0) {
		int rc = -errno;

		if (loop >= 0)
			close(loop);
		if (file >= 0)
			close(file);
		return storage_fail(why, rc, "%s on %s: %s", v->dev, path, strerror(-rc));
	}
	close(file);
	if (ioctl(loop, LOOP_SET_STATUS64, &info) < 0) {
		int rc = -errno;

		ioctl(loop, LOOP_CLR_FD, 0);
		close(loop);
		return storage_fail(why, rc, "%s: %s", path, strerror(-rc));
	}
	snprintf(v->mount_dev, sizeof(v->mount_dev), "%s", path);
	v->hold_fd = loop;
	return 0;
}

#define KICK_BYTES (4u << 20)

int storage_copy(const uint8_t *data, int dst_fd, uint64_t len, storage_progress_cb progress, void *ctx, char *why,
		 const char *what)
{
	off_t start = lseek(dst_fd, 0, SEEK_CUR);
	uint64_t done = 0;

	while (done < len) {
		size_t n = len - done < STORAGE_CHUNK_BYTES ? (size_t)(len - done) : STORAGE_CHUNK_BYTES;
		int rc;

		if ((rc = io_write_all(dst_fd, data + done, n)) < 0)
			return storage_fail(why, rc, "%s: writing at %llu: %s", what, (unsigned long long)done,
					    strerror(-rc));
		done += n;
		/* Start the medium on each written stretch instead of leaving it all to the final sync, which then
		 * has less to wait for. Advisory: where it does not apply (a character device) the end syncs all. */
		if (start >= 0 && (done % KICK_BYTES == 0 || done == len))
			sync_file_range(dst_fd, start + (off_t)((done - 1) / KICK_BYTES * KICK_BYTES),
					(off_t)(done - (done - 1) / KICK_BYTES * KICK_BYTES), SYNC_FILE_RANGE_WRITE);
		if (progress)
			progress(ctx, done, len);
	}
	return 0;
}

int storage_read_fd(int fd, uint64_t start, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		    void *ctx, storage_progress_cb progress, char *why, const char *what)
{
	static uint8_t buf[STORAGE_CHUNK_BYTES];
	uint64_t done = 0;

	while (done < len) {
		size_t want = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)(start + done));
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return storage_fail(why, n < 0 ? -errno : -EIO, "%s: reading back at %llu: %s", what,
					    (unsigned long long)done, n < 0 ? strerror(errno) : "ended early");
		if ((rc = sink(ctx, buf, (size_t)n)) < 0)
			return rc;
		done += (uint64_t)n;
		if (progress)
			progress(ctx, done, len);
	}
	return 0;
}
