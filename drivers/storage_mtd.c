/* drivers/storage_mtd.c — MTD partitions by name: erase before write, bad NAND blocks skipped, read back */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mtd/mtd-user.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "io.h"
#include "storage_priv.h"

/*
 * Where partition n lies: the chip (the sysfs directory above its chain of
 * MTD devices, plus the master's name when the master is in the chain) and
 * its absolute offset (the sum of "offset", which is relative to the parent:
 * OpenWrt nests rootfs_data in rootfs in firmware). Partitions added at run
 * time (mtdpart, BLKPG) of a simulated chip all sit in /sys/devices/virtual/
 * mtd: the type and erase size then tell chips apart as far as they can.
 */
static void mtd_place(int n, const struct mtd_info_user *info, struct storage_volume *out)
{
	char path[64], real[PATH_MAX], attr[PATH_MAX + 16], text[32], *slash;
	const char *top = NULL;

	out->mtd_chip[0] = '\0';
	out->mtd_offset_bytes = 0;
	snprintf(path, sizeof(path), "/sys/class/mtd/mtd%d", n);
	if (!realpath(path, real))
		return;
	while ((slash = strrchr(real, '/')) && !strncmp(slash + 1, "mtd", 3) && slash[4] >= '0' && slash[4] <= '9') {
		snprintf(attr, sizeof(attr), "%s/offset", real);
		if (io_read_file(attr, text, sizeof(text)) > 0) {
			out->mtd_offset_bytes += strtoull(text, NULL, 0);
			top = NULL;
		} else {
			top = slash + 1; /* a master: no offset */
			break;
		}
		*slash = '\0';
	}
	snprintf(out->mtd_chip, sizeof(out->mtd_chip), "%.100s%s%s type%u erase%u", real, top ? "/" : "",
		 top ? top : "", (unsigned)info->type, info->erasesize);
}

/* A line of /proc/mtd, `mtd<N>: <size> <erasesize> "<name>"` (sizes in hex): its number and name; false for the
 * header and anything else. */
static bool mtd_line(const char *line, int *num, char *name, size_t name_size)
{
	const char *q, *e;
	char *end;
	long n;

	if (strncmp(line, "mtd", 3))
		return false;
	n = strtol(line + 3, &end, 10);
	if (end == line + 3 || *end != ':' || n < 0 || n > INT_MAX)
		return false;
	for (int field = 0; field < 2; field++) {   /* size and erasesize, after the ':' */
		const char *at = field ? end : end + 1;

		strtoull(at, &end, 16);
		if (end == at)
			return false;
	}
	q = strchr(end, '"');
	e = q ? strchr(q + 1, '"') : NULL;
	if (!e || e == q + 1 || (size_t)(e - q - 1) >= name_size)
		return false;
	memcpy(name, q + 1, (size_t)(e - q - 1));
	name[e - q - 1] = '\0';
	*num = (int)n;
	return true;
}

static int find(const struct board_volume *v, const char *base_dir, struct storage_volume *out, char *why)
{
	FILE *f = fopen("/proc/mtd", "re");
	char line[256], names[512] = "";
	struct mtd_info_user info;
	size_t seen = 0;
	int n = -1, fd;

	(void)base_dir;
	if (!f)
		return storage_fail(why, -ENODEV, "no MTD in this kernel (/proc/mtd: %s)", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		int num;

		if (!mtd_line(line, &num, name, sizeof(name)))
			continue;
		if (!strcmp(name, v->name)) {
			n = num;
			break;
		}
		if (seen < sizeof(names))
			seen += (size_t)snprintf(names + seen, sizeof(names) - seen, "%s%s", seen ? ", " : "", name);
	}
	fclose(f);
	if (n < 0)
		return storage_fail(why, -ENOENT, "no MTD partition named \"%s\" (partitions: %s)", v->name,
				    seen ? names : "none");
	snprintf(out->dev, sizeof(out->dev), "/dev/mtd%d", n);
	snprintf(out->mount_dev, sizeof(out->mount_dev), "/dev/mtdblock%d", n);
	snprintf(out->fs_hint, sizeof(out->fs_hint), "jffs2");
	fd = open(out->dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return storage_fail(why, -errno, "%s (MTD partition %s): %s", out->dev, v->name, strerror(errno));
	if (ioctl(fd, MEMGETINFO, &info) < 0) {
		int rc = -errno;

		close(fd);
		return storage_fail(why, rc, "%s: MEMGETINFO: %s", out->dev, strerror(-rc));
	}
	close(fd);
	out->size_bytes = info.size;
	out->erase_bytes = info.erasesize;
	out->page_bytes = info.writesize;
	out->nand = info.type == MTD_NANDFLASH || info.type == MTD_MLCNANDFLASH;
	out->read_only = !(info.flags & MTD_WRITEABLE);
	mtd_place(n, &info, out);
	return 0;
}

static bool bad_block(int fd, const struct storage_volume *v, uint64_t off)
{
	loff_t o = (loff_t)off;

	return v->nand && ioctl(fd, MEMGETBADBLOCK, &o) > 0;
}

static int erase_block(int fd, const struct storage_volume *v, uint64_t off, char *why)
{
	struct erase_info_user e = { .start = (uint32_t)off, .length = v->erase_bytes };

	if (ioctl(fd, MEMERASE, &e) < 0)
		return storage_fail(why, -errno, "%s: erasing block at %llu: %s", v->dev, (unsigned long long)off,
				    strerror(errno));
	return 0;
}

static int write_vol(const struct storage_volume *v, const uint8_t *data, uint64_t len, bool erase_rest,
		     storage_progress_cb progress, void *ctx, char *why)
{
	uint8_t *block = malloc(v->erase_bytes);
	uint64_t off = 0, done = 0;
	int fd, rc = 0;

	if (!block)
		return storage_fail(why, -ENOMEM, "no memory for an erase block");
	fd = open(v->dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		free(block);
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	}
	/* Block by block: erase, then write; a bad NAND block is skipped and the data moves on (as nandwrite). */
	for (; !rc && off < v->size_bytes && (done < len || erase_rest); off += v->erase_bytes) {
		size_t want = len - done < v->erase_bytes ? (size_t)(len - done) : v->erase_bytes;

		if (bad_block(fd, v, off))
			continue;
		if ((rc = erase_block(fd, v, off, why)) < 0)
			break;
		if (done >= len)
			continue; /* erase_rest: blank from here on */
		/* A whole block straight from the image; the last, partial one padded as erased flash reads. */
		const uint8_t *src = data + done;

		if (want < v->erase_bytes) {
			memset(block, 0xff, v->erase_bytes);
			memcpy(block, src, want);
			src = block;
		}
		if (pwrite(fd, src, v->erase_bytes, (off_t)off) != (ssize_t)v->erase_bytes) {
			rc = storage_fail(why, -errno, "%s: writing block at %llu: %s", v->dev, (unsigned long long)off,
					  strerror(errno));
			break;
		}
		done += want;
		if (progress)
			progress(ctx, done, len);
	}
	if (!rc && done < len)
		rc = storage_fail(why, -ENOSPC, "%s: only %llu of %llu bytes fit (bad blocks?)", v->dev,
				  (unsigned long long)done, (unsigned long long)len);
	/* MTD writes are done when write() returns (the character device has no fsync: EINVAL). */
	if (!rc && fsync(fd) < 0 && errno != EINVAL)
		rc = storage_fail(why, -errno, "%s: sync: %s", v->dev, strerror(errno));
	close(fd);
	free(block);
	storage_forget_cache(v->mount_dev);
	return rc;
}

static int read_vol(const struct storage_volume *v, uint64_t len, int (*sink)(void *ctx, const void *buf, size_t n),
		    void *ctx, storage_progress_cb progress, char *why)
{
	uint8_t *block = malloc(v->erase_bytes);
	uint64_t off = 0, done = 0;
	int fd, rc = 0;

	if (!block)
		return storage_fail(why, -ENOMEM, "no memory for an erase block");
	fd = open(v->dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(block);
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	}
	for (; !rc && done < len && off < v->size_bytes; off += v->erase_bytes) {
		size_t want = len - done < v->erase_bytes ? (size_t)(len - done) : v->erase_bytes;
		ssize_t n;

		if (bad_block(fd, v, off))
			continue;
		n = pread(fd, block, want, (off_t)off);
		if (n != (ssize_t)want) {
			rc = storage_fail(why, n < 0 ? -errno : -EIO, "%s: reading back at %llu: %s", v->dev,
					  (unsigned long long)off, n < 0 ? strerror(errno) : "short read");
			break;
		}
		if ((rc = sink(ctx, block, want)) < 0)
			break;
		done += want;
		if (progress)
			progress(ctx, done, len);
	}
	if (!rc && done < len)
		rc = storage_fail(why, -EIO, "%s: could read back only %llu bytes", v->dev, (unsigned long long)done);
	close(fd);
	free(block);
	return rc;
}

static int erase_vol(const struct storage_volume *v, const char *fs, char *why)
{
	int fd = open(v->dev, O_RDWR | O_CLOEXEC), rc = 0;

	(void)fs; /* an erased NOR or NAND partition is an empty JFFS2 */
	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	for (uint64_t off = 0; !rc && off < v->size_bytes; off += v->erase_bytes)
		if (!bad_block(fd, v, off))
			rc = erase_block(fd, v, off, why);
	close(fd);
	return rc;
}

const struct storage_driver storage_mtd_driver = {
	.find = find,
	.write = write_vol,
	.read = read_vol,
	.erase = erase_vol,
};
