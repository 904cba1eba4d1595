/* app/flash/inuse.c — what holds a block device, an MTD partition or a UBI volume: mounts, loops, stacked devices, processes */
#include "inuse.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "io.h"
#include "mountinfo.h"
#include "scan.h"

#define MTD_CHAR_MAJOR 90       /* /dev/mtdN is 90:2N, /dev/mtdNro 90:2N+1 */
#define MTD_BLOCK_MAJOR 31      /* /dev/mtdblockN; a JFFS2 mount's st_dev */

int inuse_load(struct inuse *u, char *why, size_t why_size)
{
	ssize_t n = io_read_file("/proc/self/mountinfo", u->mountinfo, sizeof(u->mountinfo));

	u->self = getpid();
	if (n < 0) {
		snprintf(why, why_size, "/proc/self/mountinfo: %s", strerror((int)-n));
		u->mountinfo[0] = '\0';
		return (int)n;
	}
	return 0;
}

static void set(struct plan_hold *h, struct plan_facts *f, enum plan_hold_kind kind, bool stage2, const char *by)
{
	if (h->kind != PLAN_HOLD_NONE)
		return;   /* the first found says it */
	h->kind = kind;
	h->stage2 = stage2;
	h->by = plan_facts_keep(f, by);
}

static bool find_mount(const struct inuse *u, unsigned maj, unsigned min, struct mount_entry *e)
{
	const char *cur = u->mountinfo;

	while (mountinfo_next(&cur, e))
		if (e->major == maj && e->minor == min)
			return true;
	return false;
}

static int read_attr(const char *path, char *buf, size_t size)
{
	ssize_t n = io_read_file(path, buf, size);

	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static dev_t sysfs_dev(const char *dir)
{
	char path[PATH_MAX], text[32];
	unsigned maj, min;

	snprintf(path, sizeof(path), "%s/dev", dir);
	if (read_attr(path, text, sizeof(text)) < 0 || !scan_pair(text, 10, &maj, &min, NULL))
		return 0;
	return makedev(maj, min);
}

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A process (not this one) with a device node of type (S_IFBLK, S_IFCHR) and number dev open: its pid, else 0. */
static pid_t node_open_by(const struct inuse *u, mode_t type, dev_t dev, unsigned minor_span)
{
	DIR *procs = opendir("/proc");
	struct dirent *p;
	pid_t found = 0;

	if (!procs)
		return 0;
	while (!found && (p = readdir(procs))) {
		char dir[64];
		DIR *fds;
		struct dirent *fd;

		if (!numeric(p->d_name) || atoi(p->d_name) == u->self)
			continue;
		snprintf(dir, sizeof(dir), "/proc/%.20s/fd", p->d_name);
		if (!(fds = opendir(dir)))
			continue;
		while ((fd = readdir(fds))) {
			char path[128];
			struct stat st;

			if (!numeric(fd->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%.20s", dir, fd->d_name);
			if (stat(path, &st) == 0 && (st.st_mode & S_IFMT) == type && major(st.st_rdev) == major(dev) &&
			    minor(st.st_rdev) >= minor(dev) && minor(st.st_rdev) <= minor(dev) + minor_span) {
				found = atoi(p->d_name);
				break;
			}
		}
		closedir(fds);
	}
	closedir(procs);
	return found;
}

void inuse_process_name(pid_t pid, char *name, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_attr(path, name, size) < 0)
		snprintf(name, size, "?");
}

static void opened(const struct inuse *u, mode_t type, dev_t dev, unsigned span, const char *node,
		   struct plan_hold *h, struct plan_facts *f)
{
	pid_t pid = node_open_by(u, type, dev, span);
	char comm[32], by[160];

	if (!pid)
		return;
	inuse_process_name(pid, comm, sizeof(comm));
	snprintf(by, sizeof(by), "pid %d (%s) has %s open", (int)pid, comm, node);
	/* stage2 stops every process but PID 1, which it can only hand over (OpenWrt's preinit protocol) */
	set(h, f, PLAN_HOLD_OPEN, pid != 1, by);
}

static void mounted(const struct inuse *u, dev_t dev, const char *name, struct plan_hold *h, struct plan_facts *f)
{
	struct mount_entry e;
	char by[MOUNTINFO_PATH_BYTES + 96];

	if (!find_mount(u, major(dev), minor(dev), &e))
		return;
	snprintf(by, sizeof(by), "%s is mounted at %s (%s)", name, e.mount_point, e.fstype);
	set(h, f, PLAN_HOLD_MOUNTED, !mountinfo_moves_to_ram(e.mount_point), by);
}

/* Loop devices reading dev (a block device as backing file: fstools' rootfs_data after the root). */
static void loops(const struct inuse *u, dev_t dev, struct plan_hold *h, struct plan_facts *f)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) && h->kind == PLAN_HOLD_NONE) {
		char path[PATH_MAX], backing[PATH_MAX], by[PATH_MAX + 160];
		struct mount_entry e;
		struct stat st;
		dev_t loop;

		if (strncmp(de->d_name, "loop", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%.64s/loop/backing_file", de->d_name);
		if (read_attr(path, backing, sizeof(backing)) < 0 || stat(backing, &st) < 0 || !S_ISBLK(st.st_mode) ||
		    st.st_rdev != dev)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%.64s", de->d_name);
		loop = sysfs_dev(path);
		if (loop && find_mount(u, major(loop), minor(loop), &e))
			snprintf(by, sizeof(by), "%s reads it (mounted at %s, %s)", de->d_name, e.mount_point, e.fstype);
		else
			snprintf(by, sizeof(by), "%s reads it", de->d_name);
		set(h, f, PLAN_HOLD_LOOP, !(loop && find_mount(u, major(loop), minor(loop), &e) &&
					    mountinfo_moves_to_ram(e.mount_point)), by);
	}
	closedir(d);
}

static void stacked(const char *name, struct plan_hold *h, struct plan_facts *f)
{
	char path[PATH_MAX], by[256];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/block/%.64s/holders", name);
	if (!(d = opendir(path)))
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(by, sizeof(by), "%.64s is stacked on it", de->d_name);
			set(h, f, PLAN_HOLD_STACKED, false, by);
			break;
		}
	closedir(d);
}

void inuse_block(const struct inuse *u, dev_t dev, const char *name, struct plan_hold *h, struct plan_facts *f)
{
	char node[96], by[256];
	int fd;

	mounted(u, dev, name, h, f);
	loops(u, dev, h, f);
	stacked(name, h, f);
	snprintf(node, sizeof(node), "/dev/%.64s", name);
	opened(u, S_IFBLK, dev, 0, node, h, f);
	if (h->kind != PLAN_HOLD_NONE)
		return;
	/* A filesystem the kernel still has on it with no mount left to show (a root let go lazily, still used) */
	fd = open(node, O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
	} else if (errno == EBUSY) {
		snprintf(by, sizeof(by), "the kernel refuses to let go of %s (a filesystem on it no longer mounted "
			 "anywhere is still used by a program)", node);
		set(h, f, PLAN_HOLD_BUSY, true, by);
	}
}

void inuse_mtd(const struct inuse *u, int mtd_num, bool raw, struct plan_hold *h, struct plan_facts *f)
{
	char name[32], node[48], by[160];
	DIR *d;
	struct dirent *de;

	snprintf(name, sizeof(name), "mtdblock%d", mtd_num);
	mounted(u, makedev(MTD_BLOCK_MAJOR, (unsigned)mtd_num), name, h, f);
	if (raw && (d = opendir("/sys/class/ubi"))) {
		while ((de = readdir(d))) {
			char path[PATH_MAX], num[16];

			snprintf(path, sizeof(path), "/sys/class/ubi/%.64s/mtd_num", de->d_name);
			if (read_attr(path, num, sizeof(num)) == 0 && atoi(num) == mtd_num) {
				snprintf(by, sizeof(by), "UBI device %.64s is attached to it", de->d_name);
				set(h, f, PLAN_HOLD_UBI, false, by);
				break;
			}
		}
		closedir(d);
	}
	snprintf(node, sizeof(node), "/dev/mtdblock%d", mtd_num);
	opened(u, S_IFBLK, makedev(MTD_BLOCK_MAJOR, (unsigned)mtd_num), 0, node, h, f);
	snprintf(node, sizeof(node), "/dev/mtd%d", mtd_num);
	opened(u, S_IFCHR, makedev(MTD_CHAR_MAJOR, (unsigned)mtd_num * 2), 1, node, h, f);
}

void inuse_ubi_volume(const struct inuse *u, int ubi_num, int vol_id, const char *name, struct plan_hold *h,
		      struct plan_facts *f)
{
	char dir[PATH_MAX], node[64], by[MOUNTINFO_PATH_BYTES + 128], src[4][96];
	const char *cur = u->mountinfo;
	struct mount_entry e;
	dev_t dev;
	int fd;

	/* UBIFS names its volume in the mount source, in one of these ways (its dev is anonymous) */
	snprintf(src[0], sizeof(src[0]), "ubi%d:%.64s", ubi_num, name);
	snprintf(src[1], sizeof(src[1]), "ubi%d_%d", ubi_num, vol_id);
	snprintf(src[2], sizeof(src[2]), "/dev/ubi%d_%d", ubi_num, vol_id);
	snprintf(src[3], sizeof(src[3]), "ubi:%.64s", name);
	while (mountinfo_next(&cur, &e)) {
		if (strcmp(e.fstype, "ubifs"))
			continue;
		for (int i = 0; i < 4; i++)
			if (!strcmp(e.source, src[i]) && (i < 3 || ubi_num == 0)) {
				snprintf(by, sizeof(by), "UBIFS on it is mounted at %s", e.mount_point);
				set(h, f, PLAN_HOLD_MOUNTED, !mountinfo_moves_to_ram(e.mount_point), by);
			}
	}
	/* its ubiblock: an unused one is removed with the volume; one in use is a hold */
	snprintf(dir, sizeof(dir), "/sys/block/ubiblock%d_%d", ubi_num, vol_id);
	if ((dev = sysfs_dev(dir))) {
		snprintf(node, sizeof(node), "ubiblock%d_%d", ubi_num, vol_id);
		inuse_block(u, dev, node, h, f);
	}
	snprintf(dir, sizeof(dir), "/sys/class/ubi/ubi%d_%d", ubi_num, vol_id);
	snprintf(node, sizeof(node), "/dev/ubi%d_%d", ubi_num, vol_id);
	if ((dev = sysfs_dev(dir)))
		opened(u, S_IFCHR, dev, 0, node, h, f);
	if (h->kind != PLAN_HOLD_NONE)
		return;
	/* UBI lets one writer at a time open a volume: UBIFS is one, also where no mount shows it */
	fd = open(node, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
	} else if (errno == EBUSY) {
		snprintf(by, sizeof(by), "UBI refuses a writer on %s (UBIFS or a program writes it)", node);
		set(h, f, PLAN_HOLD_BUSY, false, by);
	}
}

unsigned inuse_root_devs(const struct inuse *u, dev_t *devs, unsigned max)
{
	const char *cur = u->mountinfo;
	struct mount_entry e;
	unsigned n = 0;

	while (n < max && mountinfo_next(&cur, &e)) {
		dev_t d = makedev(e.major, e.minor);
		bool seen = false;

		if (mountinfo_moves_to_ram(e.mount_point))
			continue;
		for (unsigned i = 0; i < n; i++)
			seen |= devs[i] == d;
		if (!seen)
			devs[n++] = d;
	}
	return n;
}

static bool on(const struct stat *st, const dev_t *devs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (st->st_dev == devs[i])
			return true;
	return false;
}

/* A mapped file of the process on one of devs (the maps' device is major:minor in hex): its path. */
static bool maps_on(pid_t pid, const dev_t *devs, unsigned n, char *what, size_t what_size)
{
	char path[64], line[PATH_MAX + 128];
	bool found = false;
	FILE *m;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (!(m = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), m)) {
		unsigned maj, min;
		unsigned long inode;
		const char *p = line;

		/* "address perms offset dev inode path": skip three fields */
		for (int f = 0; f < 3; f++) {
			p += strspn(p, " \t");
			p += strcspn(p, " \t\n");
		}
		p += strspn(p, " \t");
		if (!scan_pair(p, 16, &maj, &min, &p))
			continue;
		p += strspn(p, " \t");
		if (!scan_unsigned(p, 10, &inode, &p) || !inode)
			continue;
		p += strspn(p, " \t");
		for (unsigned i = 0; i < n && !found; i++)
			if (major(devs[i]) == maj && minor(devs[i]) == min) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(what, what_size, "%s (mapped)", *p ? p : "a file");
				found = true;
			}
	}
	fclose(m);
	return found;
}

bool inuse_process_uses(pid_t pid, const dev_t *devs, unsigned n, char *what, size_t what_size)
{
	static const struct { const char *link, *role; } links[] = {
		{ "exe", "its program" }, { "cwd", "its working directory" }, { "root", "its root" },
	};
	char path[64], target[PATH_MAX];
	struct stat st;
	DIR *fds;
	struct dirent *fd;
	ssize_t len;

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, links[i].link);
		if (stat(path, &st) == 0 && on(&st, devs, n)) {
			len = readlink(path, target, sizeof(target) - 1);
			target[len > 0 ? len : 0] = '\0';
			snprintf(what, what_size, "%s (%s)", target, links[i].role);
			return true;
		}
	}
	if (maps_on(pid, devs, n, what, what_size))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(fds = opendir(path)))
		return false;
	while ((fd = readdir(fds))) {
		char fdpath[96];

		if (!numeric(fd->d_name))
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%.20s", path, fd->d_name);
		if (stat(fdpath, &st) == 0 && on(&st, devs, n)) {
			len = readlink(fdpath, target, sizeof(target) - 1);
			target[len > 0 ? len : 0] = '\0';
			snprintf(what, what_size, "%s (open)", target);
			closedir(fds);
			return true;
		}
	}
	closedir(fds);
	return false;
}
