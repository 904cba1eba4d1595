/* drivers/storage_block.c — block devices, partitions (by path, PARTLABEL or name) and plain files as volumes */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpt.h"
#include "io.h"
#include "storage_priv.h"

/* Whether the block device name is a partition of disk: /sys/class/block/<disk>/<name> exists. */
static bool on_disk(const char *disk, const char *name)
{
	char path[300];
	struct stat st;

	if (!strncmp(disk, "/dev/", 5))
		disk += 5;
	snprintf(path, sizeof(path), "/sys/class/block/%.100s/%.100s", disk, name);
	return stat(path, &st) == 0;
}

/*
 * The GPT name of partition de (its uevent has PARTN but no PARTNAME: a kernel without GPT support, partitions
 * added with partx): read from the disk it sits on, as blkid does. 0 with name, or -ENOENT.
 */
static int gpt_name(const char *part, const char *uevent, char *name, size_t size)
{
	char link[300], target[300], dev[80];
	const char *p = strstr(uevent, "PARTN=");
	uint8_t hdr[GPT_SECTOR_BYTES], *entries;
	uint64_t lba;
	uint32_t count, entry_bytes;
	ssize_t n, got;
	char *slash;
	int fd, rc;

	if (!p)
		return -ENOENT;
	/* /sys/class/block/<part> -> .../block/<disk>/<part>: the disk is the parent directory */
	snprintf(link, sizeof(link), "/sys/class/block/%s", part);
	if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
		return -ENOENT;
	target[n] = '\0';
	if (!(slash = strrchr(target, '/')))
		return -ENOENT;
	*slash = '\0';
	if (!(slash = strrchr(target, '/')))
		return -ENOENT;
	snprintf(dev, sizeof(dev), "/dev/%.60s", slash + 1);
	if ((fd = open(dev, O_RDONLY | O_CLOEXEC)) < 0)
		return -ENOENT;
	if (pread(fd, hdr, sizeof(hdr), GPT_SECTOR_BYTES) != (ssize_t)sizeof(hdr) ||
	    gpt_entries_at(hdr, &lba, &count, &entry_bytes) < 0 || !(entries = malloc((size_t)count * entry_bytes))) {
		close(fd);
		return -ENOENT;
	}
	got = pread(fd, entries, (size_t)count * entry_bytes, (off_t)(lba * GPT_SECTOR_BYTES));
	close(fd);
	rc = got == (ssize_t)((size_t)count * entry_bytes) ?
	     gpt_entry_name(entries, (size_t)got, entry_bytes, (unsigned)strtoul(p + 6, NULL, 10), name, size) : -ENOENT;
	free(entries);
	return rc;
}

/*
 * The partition whose uevent says PARTNAME=label (GPT name; udev's /dev/disk/by-partlabel may not exist),
 * "label@disk": only among that disk's partitions (emmc.sh's CI_ROOTDEV).
 */
static int by_label(const char *spec, char *dev, size_t size, char *why)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *de;
	char path[300], text[1024], seen[512] = "", label[128], disk[64] = "", gpt[40];
	const char *at = strchr(spec, '@');
	size_t n = 0;

	snprintf(label, sizeof(label), "%.*s", at ? (int)(at - spec) : (int)strlen(spec), spec);
	if (at)
		snprintf(disk, sizeof(disk), "%s", at + 1);
	if (!d)
		return storage_fail(why, -errno, "/sys/class/block: %s", strerror(errno));
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.' || (disk[0] && !on_disk(disk, de->d_name)))
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%s/uevent", de->d_name);
		if (io_read_file(path, text, sizeof(text)) < 0 || !strstr(text, "DEVTYPE=partition"))
			continue;
		if ((p = strstr(text, "PARTNAME="))) {
			p += 9;
			p[strcspn(p, "\n")] = '\0';
		} else if (gpt_name(de->d_name, text, gpt, sizeof(gpt)) == 0) {
			p = gpt;
		} else {
			continue;
		}
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
	return storage_fail(why, -ENOENT, "no partition labelled \"%s\"%s%s (labelled partitions%s%s: %s)", label,
			    disk[0] ? " on " : "", disk, disk[0] ? " of " : "", disk, n ? seen : "none");
}

#define ROOTDISK_ALIGN_BYTES 65536u   /* libfstools ROOTDEV_OVERLAY_ALIGN */

/* fstools' rootdisk: the overlay starts after the squashfs at the partition's start, rounded up to 64 KiB. */
static int rootdisk_offset(struct storage_volume *out, char *why)
{
	uint8_t sb[96];
	uint64_t used = 0;
	int fd = open(out->dev, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s", out->dev, strerror(errno));
	n = pread(fd, sb, sizeof(sb), 0);
	close(fd);
	if (n != (ssize_t)sizeof(sb) || memcmp(sb, "hsqs", 4))
		return storage_fail(why, -ENODEV, "%s starts with no squashfs, so there is no overlay after it",
				    out->dev);
	for (int i = 7; i >= 0; i--)
		used = used << 8 | sb[40 + i];   /* squashfs super block: le64 bytes_used at 40 */
	out->offset_bytes = (used + ROOTDISK_ALIGN_BYTES - 1) / ROOTDISK_ALIGN_BYTES * ROOTDISK_ALIGN_BYTES;
	if (out->offset_bytes >= out->size_bytes)
		return storage_fail(why, -ENOSPC, "%s: the squashfs (%llu bytes) leaves no room for an overlay",
				    out->dev, (unsigned long long)used);
	out->size_bytes -= out->offset_bytes;
	return 0;
}

static int find(const struct board_volume *v, const char *base_dir, struct storage_volume *out, char *why)
{
	struct stat st;
	const char *name = v->name;
	int fd, ro = 0;

	if (v->kind == BOARD_STORAGE_FILE) {
		if (name[0] == '/' || !base_dir)
			snprintf(out->dev, sizeof(out->dev), "%s", name);
		else
			snprintf(out->dev, sizeof(out->dev), "%s/%s", base_dir, name);
	} else if (!strncmp(name, "PARTLABEL=", 10)) {
		int rc = by_label(name + 10, out->dev, sizeof(out->dev), why);

		if (rc < 0)
			return rc;
	} else if (name[0] == '/') {
		snprintf(out->dev, sizeof(out->dev), "%s", name);
	} else {
		snprintf(out->dev, sizeof(out->dev), "/dev/%s", name);
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
	return v->kind == BOARD_STORAGE_ROOTDISK ? rootdisk_offset(out, why) : 0;
}

#define DIRECT_ALIGN_BYTES 4096u        /* offsets, lengths and buffers of O_DIRECT: every sector size up to 4 KiB */
#define DIRECT_CHUNK_BYTES (16u << 20)   /* one O_DIRECT write: the device gets large requests to merge */

/*
 * Write data to v past the page cache (O_DIRECT) from where it lies: the verified image in RAM is not copied
 * into cache pages first (on a router that is a second copy of the image in RAM), and the device gets large
 * requests as they come rather than a flood at the final sync (docs/performance.md, issue 19). The part
 * under one 4 KiB block at the end (and the rest after a short write off that alignment) goes through the
 * cache on the same descriptor; then one fdatasync. 0, -EOPNOTSUPP when this cannot be done (a filesystem
 * without O_DIRECT, a source or an offset off the alignment, such as a member inside a tar: the caller
 * writes through the cache as before), or -errno with why.
 */
static int write_direct(const struct storage_volume *v, int flags, const uint8_t *data, uint64_t len,
			storage_progress_cb progress, void *ctx, char *why)
{
	uint64_t done = 0;
	bool direct = true;
	int fd, rc = 0;

	if (len < DIRECT_ALIGN_BYTES || v->offset_bytes % DIRECT_ALIGN_BYTES || (uintptr_t)data % DIRECT_ALIGN_BYTES)
		return -EOPNOTSUPP;
	fd = open(v->dev, flags | O_DIRECT);
	if (fd < 0)
		return errno == EINVAL ? -EOPNOTSUPP
			: storage_fail(why, -errno, "%s: %s%s", v->dev, strerror(errno),
				       errno == EBUSY ? " (mounted, or in use)" : "");
	while (done < len) {
		size_t n = len - done < DIRECT_CHUNK_BYTES ? (size_t)(len - done) : DIRECT_CHUNK_BYTES;
		ssize_t w;

		if (direct && (n < DIRECT_ALIGN_BYTES || done % DIRECT_ALIGN_BYTES)) {
			/* The end under one block, or the rest after a short write off the alignment. */
			if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT) < 0) {
				rc = storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
				break;
			}
			direct = false;
		}
		if (direct)
			n = n / DIRECT_ALIGN_BYTES * DIRECT_ALIGN_BYTES;
		w = pwrite(fd, data + done, n, (off_t)(v->offset_bytes + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && direct && !done) {
			rc = -EOPNOTSUPP;   /* some filesystems refuse O_DIRECT only at the first write */
			break;
		}
		if (w <= 0) {
			rc = storage_fail(why, w < 0 ? -errno : -EIO, "%s: writing at %llu: %s", v->dev,
					  (unsigned long long)done, w < 0 ? strerror(errno) : "no progress");
			break;
		}
		done += (uint64_t)w;
		if (progress)
			progress(ctx, done, len);
	}
	if (!rc && fdatasync(fd) < 0)
		rc = storage_fail(why, -errno, "%s: sync: %s", v->dev, strerror(errno));
	close(fd);
	return rc;
}

static int write_vol(const struct storage_volume *v, const uint8_t *data, uint64_t len, bool erase_rest,
		     storage_progress_cb progress, void *ctx, char *why)
{
	/* O_EXCL on a block device fails while it is mounted: never write under a filesystem. */
	int flags = O_WRONLY | O_CLOEXEC | (v->kind == BOARD_STORAGE_BLOCK ? O_EXCL : 0);
	int fd, rc;

	(void)erase_rest;
	if ((rc = write_direct(v, flags, data, len, progress, ctx, why)) != -EOPNOTSUPP)
		return rc;
	fd = open(v->dev, flags);
	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s%s", v->dev, strerror(errno),
				    errno == EBUSY ? " (mounted, or in use)" : "");
	if (v->offset_bytes && lseek(fd, (off_t)v->offset_bytes, SEEK_SET) < 0) {
		rc = -errno;
		close(fd);
		return storage_fail(why, rc, "%s: seek to %llu: %s", v->dev, (unsigned long long)v->offset_bytes,
				    strerror(-rc));
	}
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
		return -EINVAL;   /* the usual way then says why, or reads what O_DIRECT cannot */
	if (posix_memalign(&buf, ALIGN_BYTES, DIRECT_BYTES)) {
		close(fd);
		return -EINVAL;
	}
	while (!rc && done < len) {
		size_t want = len - done < DIRECT_BYTES ? (size_t)(len - done) : DIRECT_BYTES;
		size_t ask = (want + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
		ssize_t n = pread(fd, buf, ask, (off_t)(v->offset_bytes + done));

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

	if ((rc = read_direct(v, len, sink, ctx, progress, why)) != -EINVAL)
		return rc;
	fd = open(v->dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	/* Read the medium, not what the page cache remembers of the write. */
	if (v->kind != BOARD_STORAGE_FILE)
		ioctl(fd, BLKFLSBUF, 0);
	else
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	rc = storage_read_fd(fd, v->offset_bytes, len, sink, ctx, progress, why, v->dev);
	close(fd);
	return rc;
}

#define OVERLAP_BYTES (4u << 20)   /* a stretch written while the one before it is read back */

/* Wait until the stretch is on the medium, drop its cached pages, read it back from the medium into sink. */
static int verify_stretch(const struct storage_volume *v, int wfd, int rfd, uint8_t *buf, uint64_t off, size_t n,
			  int (*sink)(void *ctx, const void *buf, size_t n), void *sink_ctx, char *why)
{
	off_t at = (off_t)(v->offset_bytes + off);
	size_t done = 0;

	if (sync_file_range(wfd, at, (off_t)n, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			    SYNC_FILE_RANGE_WAIT_AFTER) < 0) {
		if ((errno == EINVAL || errno == ESPIPE) && !off)
			return -EOPNOTSUPP;   /* no ranges here: the caller writes, syncs, then reads */
		return storage_fail(why, errno == EBADMSG ? -EIO : -errno, "%s: writing at %llu: %s", v->dev,
				    (unsigned long long)off, strerror(errno));
	}
	/* Written back, so clean: the cached copy is dropped and the read below comes from the medium. */
	posix_fadvise(wfd, at, (off_t)n, POSIX_FADV_DONTNEED);
	while (done < n) {
		ssize_t got = pread(rfd, buf + done, n - done, at + (off_t)done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return storage_fail(why, -EBADMSG, "%s: reading back at %llu: %s", v->dev,
					    (unsigned long long)(off + done), got < 0 ? strerror(errno) : "ended early");
		done += (size_t)got;
	}
	return sink(sink_ctx, buf, n) < 0 ? -EBADMSG : 0;
}

/*
 * A file (the NOR-style volume): written past the page cache (O_DIRECT), then
 * read back from the medium (O_DIRECT too), as a block device is (write_vol,
 * read_vol): the fastest way measured (docs/performance.md, issue 19). Where
 * the filesystem takes no O_DIRECT: stretch k is written and its write-back
 * started, then stretch k-1 is waited for and read back, so the medium writes
 * one while the other is read and compared; the last is read back after the
 * final sync.
 */
static int write_verify_vol(const struct storage_volume *v, const uint8_t *data, uint64_t len,
			    int (*sink)(void *ctx, const void *buf, size_t n), void *sink_ctx,
			    storage_progress_cb progress, void *ctx, char *why)
{
	int wfd, rfd, rc = 0;
	uint64_t off, prev = 0;
	size_t prev_n = 0;
	uint8_t *buf;

	if (v->kind != BOARD_STORAGE_FILE)
		return -EOPNOTSUPP;
	if ((rc = write_direct(v, O_WRONLY | O_CLOEXEC, data, len, progress, ctx, why)) != -EOPNOTSUPP) {
		if (rc < 0)
			return rc == -EBADMSG ? -EIO : rc;
		return read_vol(v, len, sink, sink_ctx, NULL, why) < 0 ? -EBADMSG : 0;
	}
	rc = 0;
	wfd = open(v->dev, O_WRONLY | O_CLOEXEC);
	if (wfd < 0)
		return storage_fail(why, -errno, "%s: %s", v->dev, strerror(errno));
	rfd = open(v->dev, O_RDONLY | O_CLOEXEC);
	buf = malloc(OVERLAP_BYTES);
	if (rfd < 0 || !buf) {
		rc = storage_fail(why, rfd < 0 ? -errno : -ENOMEM, "%s: %s", v->dev,
				  rfd < 0 ? strerror(errno) : "no memory for the read-back");
		goto out;
	}
	for (off = 0; !rc && off < len; off += prev_n) {
		size_t n = len - off < OVERLAP_BYTES ? (size_t)(len - off) : OVERLAP_BYTES;

		for (size_t done = 0; done < n;) {
			ssize_t w = pwrite(wfd, data + off + done, n - done, (off_t)(v->offset_bytes + off + done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = storage_fail(why, w < 0 ? -errno : -EIO, "%s: writing at %llu: %s", v->dev,
						  (unsigned long long)(off + done), w < 0 ? strerror(errno) : "no progress");
				goto out;
			}
			done += (size_t)w;
		}
		sync_file_range(wfd, (off_t)(v->offset_bytes + off), (off_t)n, SYNC_FILE_RANGE_WRITE);
		if (off)
			rc = verify_stretch(v, wfd, rfd, buf, prev, prev_n, sink, sink_ctx, why);
		prev = off;
		prev_n = n;
		if (!rc && progress)
			progress(ctx, off + n, len);
	}
	if (!rc && fdatasync(wfd) < 0)
		rc = storage_fail(why, -errno, "%s: sync: %s", v->dev, strerror(errno));
	if (!rc && prev_n)
		rc = verify_stretch(v, wfd, rfd, buf, prev, prev_n, sink, sink_ctx, why);
out:
	free(buf);
	if (rfd >= 0)
		close(rfd);
	close(wfd);
	return rc;
}

/* A fresh filesystem from the system's mkfs: e2fsprogs' mkfs.ext4, f2fs-tools' mkfs.f2fs; a rootdisk through a loop. */
static int erase_vol(const struct storage_volume *v, const char *fs, char *why)
{
	struct storage_volume loop = *v;
	char dev[STORAGE_PATH_BYTES];
	char *ext4[] = { "mkfs.ext4", "-q", "-F", "-L", "rootfs_data", dev, NULL };
	char *f2fs[] = { "mkfs.f2fs", "-q", "-f", "-l", "rootfs_data", dev, NULL };
	int rc;

	if (!fs || (strcmp(fs, "ext4") && strcmp(fs, "f2fs")))
		return storage_fail(why, -EINVAL, "%s: cannot prepare a \"%s\" filesystem (ext4 or f2fs)", v->dev,
				    fs ? fs : "");
	if (v->kind == BOARD_STORAGE_ROOTDISK && (rc = hal_storage_mount_source(&loop, why)) < 0)
		return rc;
	snprintf(dev, sizeof(dev), "%s", loop.mount_dev);
	rc = io_run(!strcmp(fs, "ext4") ? ext4 : f2fs, false, why, STORAGE_WHY_BYTES);
	if (loop.hold_fd >= 0)
		close(loop.hold_fd);   /* autoclear: the loop device goes with its last user */
	return rc;
}

const struct storage_driver storage_block_driver = {
	.find = find,
	.write = write_vol,
	.read = read_vol,
	.erase = erase_vol,
	.write_verify = write_verify_vol,
};
