/* drivers/storage_ubidev.c — UBI devices: attach, volumes made and removed by ioctl, ubiformat for ubinized images */
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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "io.h"
#include "storage_priv.h"

#define UBI_CTRL "/dev/ubi_ctrl"

static long long sysfs_num(const char *dir, const char *attr)
{
	char path[400], text[64];

	snprintf(path, sizeof(path), "%.300s/%.60s", dir, attr);
	return io_read_file(path, text, sizeof(text)) > 0 ? strtoll(text, NULL, 0) : -1;
}

/* s is prefix and a decimal number: the number (at most INT_MAX), and in *rest what follows it; else -1. (No sscanf
 * in the daemon: musl's scanf is 5 KB of a static build, docs/performance.md.) */
static int prefixed_num(const char *s, const char *prefix, const char **rest)
{
	size_t len = strlen(prefix);
	char *end;
	long n;

	if (strncmp(s, prefix, len) || !isdigit((unsigned char)s[len]))
		return -1;
	n = strtol(s + len, &end, 10);
	if (n > INT_MAX)
		return -1;
	if (rest)
		*rest = end;
	return (int)n;
}

/* /dev/<name> from the sysfs "dev" (major:minor): devtmpfs makes it, but OpenWrt's nand.sh mknods it if not. */
static int dev_node(const char *sysdir, const char *name, char *path, size_t size)
{
	char attr[400], text[32];
	const char *colon;
	int maj, min = -1;
	struct stat st;

	snprintf(path, size, "/dev/%.60s", name);
	if (stat(path, &st) == 0)
		return 0;
	snprintf(attr, sizeof(attr), "%.300s/dev", sysdir);
	if (io_read_file(attr, text, sizeof(text)) < 0 || (maj = prefixed_num(text, "", &colon)) < 0 || *colon != ':' ||
	    (min = prefixed_num(colon + 1, "", NULL)) < 0)
		return -ENOENT;
	return mknod(path, S_IFCHR | 0600, makedev((unsigned)maj, (unsigned)min)) < 0 && errno != EEXIST ? -errno : 0;
}

/* The attached UBI device whose mtd_num is mtd, or -1. */
static int ubi_on_mtd(int mtd)
{
	DIR *d = opendir("/sys/class/ubi");
	struct dirent *de;
	int found = -1, n;

	if (!d)
		return -1;
	while ((de = readdir(d)) && found < 0) {
		char dir[300];

		if ((n = prefixed_num(de->d_name, "ubi", NULL)) < 0 || strchr(de->d_name, '_'))
			continue;
		snprintf(dir, sizeof(dir), "/sys/class/ubi/%.60s", de->d_name);
		if (sysfs_num(dir, "mtd_num") == mtd)
			found = n;
	}
	closedir(d);
	return found;
}

int hal_ubi_refresh(struct storage_ubi *u, char *why)
{
	char dir[64];
	DIR *d;
	struct dirent *de;

	u->n_volumes = 0;
	if (u->ubi_num < 0)
		return storage_fail(why, -ENODEV, "MTD partition %s holds no attached UBI device", u->mtd_name);
	snprintf(dir, sizeof(dir), "/sys/class/ubi/ubi%d", u->ubi_num);
	u->leb_bytes = (uint32_t)sysfs_num(dir, "eraseblock_size");
	u->avail_lebs = (uint32_t)sysfs_num(dir, "avail_eraseblocks");
	u->total_lebs = (uint32_t)sysfs_num(dir, "total_eraseblocks");
	if (!(d = opendir(dir)))
		return storage_fail(why, -errno, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		struct storage_ubi_volume *v = &u->volume[u->n_volumes];
		char vdir[128], path[160];
		const char *rest;
		int dev, vol;

		if ((dev = prefixed_num(de->d_name, "ubi", &rest)) != u->ubi_num || *rest != '_' ||
		    (vol = prefixed_num(rest + 1, "", NULL)) < 0)
			continue;
		if (u->n_volumes == STORAGE_UBI_MAX_VOLUMES)
			break;
		snprintf(vdir, sizeof(vdir), "%s/%.60s", dir, de->d_name);
		snprintf(path, sizeof(path), "%s/name", vdir);
		if (io_read_file(path, v->name, sizeof(v->name)) < 0)
			continue;
		v->id = vol;
		v->reserved_bytes = (uint64_t)sysfs_num(vdir, "reserved_ebs") * u->leb_bytes;
		v->data_bytes = (uint64_t)sysfs_num(vdir, "data_bytes");
		v->updating = sysfs_num(vdir, "upd_marker") == 1;
		u->n_volumes++;
	}
	closedir(d);
	return 0;
}

int hal_ubi_open(const char *mtd_name, bool attach, struct storage_ubi *u, char *why)
{
	struct board_volume mv = { BOARD_STORAGE_MTD, mtd_name };
	struct storage_volume m;
	struct ubi_attach_req req;
	int rc, fd;

	memset(u, 0, sizeof(*u));
	u->ubi_num = -1;
	snprintf(u->mtd_name, sizeof(u->mtd_name), "%s", mtd_name);
	if ((rc = hal_storage_find(&mv, NULL, &m, why)) < 0)
		return rc;
	if ((u->mtd_num = prefixed_num(m.dev, "/dev/mtd", NULL)) < 0)
		return storage_fail(why, -ENODEV, "%s: not an MTD device", m.dev);
	u->mtd_bytes = m.size_bytes;
	u->peb_bytes = m.erase_bytes;
	if ((u->ubi_num = ubi_on_mtd(u->mtd_num)) >= 0)
		return hal_ubi_refresh(u, why);
	if (!attach)
		return storage_fail(why, -ENODEV, "MTD partition %s (mtd%d) is not attached to UBI", mtd_name, u->mtd_num);
	if ((fd = open(UBI_CTRL, O_RDONLY | O_CLOEXEC)) < 0)
		return storage_fail(why, -errno, "%s: %s (is UBI in this kernel?)", UBI_CTRL, strerror(errno));
	memset(&req, 0, sizeof(req));
	req.ubi_num = UBI_DEV_NUM_AUTO;
	req.mtd_num = u->mtd_num;
	if (ioctl(fd, UBI_IOCATT, &req) < 0) {
		rc = -errno;
		close(fd);
		return storage_fail(why, rc, "attaching MTD partition %s (mtd%d) to UBI: %s%s", mtd_name, u->mtd_num,
				    strerror(-rc), rc == -EINVAL ? " (not UBI-formatted?)" : "");
	}
	close(fd);
	u->ubi_num = req.ubi_num;
	return hal_ubi_refresh(u, why);
}

int hal_ubi_detach(struct storage_ubi *u, char *why)
{
	int32_t num = u->ubi_num;
	int fd;

	if (num < 0)
		return 0;
	if ((fd = open(UBI_CTRL, O_RDONLY | O_CLOEXEC)) < 0)
		return storage_fail(why, -errno, "%s: %s", UBI_CTRL, strerror(errno));
	if (ioctl(fd, UBI_IOCDET, &num) < 0) {
		int rc = -errno;

		close(fd);
		return storage_fail(why, rc, "detaching ubi%d (MTD partition %s): %s%s", num, u->mtd_name, strerror(-rc),
				    rc == -EBUSY ? " (a volume is mounted or open)" : "");
	}
	close(fd);
	u->ubi_num = -1;
	u->n_volumes = 0;
	return 0;
}

const struct storage_ubi_volume *hal_ubi_find_volume(const struct storage_ubi *u, const char *name)
{
	for (unsigned i = 0; i < u->n_volumes; i++)
		if (!strcmp(u->volume[i].name, name))
			return &u->volume[i];
	return NULL;
}

/* The device node of volume v ("/dev/ubi0_3"), made if missing. */
static int vol_node(const struct storage_ubi *u, const struct storage_ubi_volume *v, char *path, size_t size)
{
	char dir[300], name[64];

	snprintf(name, sizeof(name), "ubi%d_%d", u->ubi_num, v->id);
	snprintf(dir, sizeof(dir), "/sys/class/ubi/%s", name);
	return dev_node(dir, name, path, size);
}

/* The device node of the UBI device ("/dev/ubi0"), made if missing. */
static int dev_path(const struct storage_ubi *u, char *path, size_t size)
{
	char dir[64], name[32];

	snprintf(name, sizeof(name), "ubi%d", u->ubi_num);
	snprintf(dir, sizeof(dir), "/sys/class/ubi/%s", name);
	return dev_node(dir, name, path, size);
}

int hal_ubi_rmvol(struct storage_ubi *u, const char *name, char *why)
{
	const struct storage_ubi_volume *v = hal_ubi_find_volume(u, name);
	char path[64];
	int32_t id;
	int fd, rc;

	if (!v)
		return 0;
	id = v->id;
	/* A ubiblock device on it (a squashfs root) goes first, as nand.sh's `ubiblock -r`: if nothing mounts it. */
	if (vol_node(u, v, path, sizeof(path)) == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		ioctl(fd, UBI_IOCVOLRMBLK);
		close(fd);
	}
	if ((rc = dev_path(u, path, sizeof(path))) < 0)
		return storage_fail(why, rc, "ubi%d: no device node: %s", u->ubi_num, strerror(-rc));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return storage_fail(why, -errno, "%s: %s", path, strerror(errno));
	if (ioctl(fd, UBI_IOCRMVOL, &id) < 0) {
		rc = -errno;
		close(fd);
		return storage_fail(why, rc, "removing UBI volume %s (ubi%d_%d): %s%s", name, u->ubi_num, id,
				    strerror(-rc), rc == -EBUSY ? " (mounted, or held by a mounted ubiblock)" : "");
	}
	close(fd);
	return hal_ubi_refresh(u, why);
}

int hal_ubi_mkvol(struct storage_ubi *u, const char *name, uint64_t size_bytes, char *why)
{
	struct ubi_mkvol_req req;
	uint64_t lebs;
	char path[64];
	int fd, rc;

	if (!u->leb_bytes)
		return storage_fail(why, -ENODEV, "ubi%d: no LEB size", u->ubi_num);
	if (strlen(name) > UBI_MAX_VOLUME_NAME)
		return storage_fail(why, -ENAMETOOLONG, "UBI volume name \"%s\" is longer than %d bytes", name,
				    UBI_MAX_VOLUME_NAME);
	lebs = size_bytes ? (size_bytes + u->leb_bytes - 1) / u->leb_bytes : u->avail_lebs;
	if (!lebs || lebs > u->avail_lebs)
		return storage_fail(why, -ENOSPC, "UBI volume %s needs %llu LEBs of %u bytes (%llu bytes); ubi%d on %s has "
				    "%u free", name, (unsigned long long)lebs, u->leb_bytes,
				    (unsigned long long)(lebs * u->leb_bytes), u->ubi_num, u->mtd_name, u->avail_lebs);
	memset(&req, 0, sizeof(req));
	req.vol_id = UBI_VOL_NUM_AUTO;
	req.alignment = 1;
	req.bytes = (int64_t)(lebs * u->leb_bytes);
	req.vol_type = UBI_DYNAMIC_VOLUME;
	req.name_len = (int16_t)strlen(name);
	memcpy(req.name, name, strlen(name) + 1);
	if ((rc = dev_path(u, path, sizeof(path))) < 0)
		return storage_fail(why, rc, "ubi%d: no device node: %s", u->ubi_num, strerror(-rc));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return storage_fail(why, -errno, "%s: %s", path, strerror(errno));
	if (ioctl(fd, UBI_IOCMKVOL, &req) < 0) {
		rc = -errno;
		close(fd);
		return storage_fail(why, rc, "making UBI volume %s (%llu bytes) on ubi%d: %s", name,
				    (unsigned long long)req.bytes, u->ubi_num, strerror(-rc));
	}
	close(fd);
	return hal_ubi_refresh(u, why);
}

int hal_ubi_volume(const struct storage_ubi *u, const char *name, struct storage_volume *out, char *why)
{
	const struct storage_ubi_volume *v = hal_ubi_find_volume(u, name);
	int rc;

	memset(out, 0, sizeof(*out));
	out->hold_fd = -1;
	if (!v)
		return storage_fail(why, -ENOENT, "ubi%d on %s has no volume %s", u->ubi_num, u->mtd_name, name);
	if ((rc = vol_node(u, v, out->dev, sizeof(out->dev))) < 0)
		return storage_fail(why, rc, "ubi%d_%d: no device node: %s", u->ubi_num, v->id, strerror(-rc));
	out->kind = BOARD_STORAGE_UBI;
	snprintf(out->name, sizeof(out->name), "%s", name);
	memcpy(out->mount_dev, out->dev, sizeof(out->mount_dev));
	snprintf(out->fs_hint, sizeof(out->fs_hint), "ubifs");
	out->size_bytes = v->reserved_bytes;
	return 0;
}

int hal_ubi_format(const char *mtd_name, const void *image, uint64_t len, char *why)
{
	struct board_volume mv = { BOARD_STORAGE_MTD, mtd_name };
	struct storage_volume m;
	char size[32], err[STORAGE_WHY_BYTES];
	int rc;

	if ((rc = hal_storage_find(&mv, NULL, &m, why)) < 0)
		return rc;
	snprintf(size, sizeof(size), "%llu", (unsigned long long)len);
	if (image) {
		char *argv[] = { "ubiformat", m.dev, "-y", "-q", "-f", "-", "-S", size, NULL };

		rc = io_run_input(argv, image, (size_t)len, false, err, sizeof(err));
	} else {
		char *argv[] = { "ubiformat", m.dev, "-y", "-q", NULL };

		rc = io_run(argv, false, err, sizeof(err));
	}
	if (rc < 0)
		return storage_fail(why, rc, "ubiformat %s (MTD partition %s)%s: %s", m.dev, mtd_name,
				    image ? " with the image" : "", err);
	return 0;
}
