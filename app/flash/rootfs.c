/* app/flash/rootfs.c — the overlay root: find and probe rootfs_data, mount it and the overlay, empty the upper layer */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsprobe.h"
#include "inflate.h"
#include "io.h"
#include "mountinfo.h"
#include "rootfs.h"
#include "sysconfig.h"

#define MOUNTINFO_BYTES (256 * 1024)

static int fail(char *why, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, ROOTFS_WHY_BYTES, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *env_or(const char *value, const char *env)
{
	const char *e = getenv(env);

	return value ? value : (e && e[0] ? e : NULL);
}

static int volume_arg(const char *what, const char *text, char *store, size_t size, struct board_volume *out,
		      char *why)
{
	char err[STORAGE_WHY_BYTES];
	int rc;

	snprintf(store, size, "%s", text);
	if ((rc = hal_storage_parse(store, out, err)) < 0)
		return fail(why, rc, "%s: %s", what, err);
	return 0;
}

int rootfs_setup(struct rootfs *r, const struct board *b, const char *root, const char *data, const char *firmware,
		 const char *state_dir, char *why)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->board = b;
	root = env_or(root, "FAILSAFED_ROOT");
	data = env_or(data, "FAILSAFED_ROOTFS_DATA");
	firmware = env_or(firmware, "FAILSAFED_FIRMWARE");
	state_dir = env_or(state_dir, "FAILSAFED_STATE_DIR");
	if (!root)
		root = b->storage.rom ? b->storage.rom : "/";
	if (root[0] != '/' || !realpath(root, r->root))
		return fail(why, -EINVAL, "root %s: %s", root, root[0] != '/' ? "not an absolute path" : strerror(errno));
	snprintf(r->state_dir, sizeof(r->state_dir), "%s", state_dir ? state_dir : "/tmp");
	r->data = b->storage.rootfs_data;
	r->firmware = b->storage.firmware;
	if (data && (rc = volume_arg("no rootfs_data", data, r->data_name, sizeof(r->data_name), &r->data, why)) < 0)
		return rc;
	if (firmware && (rc = volume_arg("no firmware partition", firmware, r->firmware_name, sizeof(r->firmware_name),
					 &r->firmware, why)) < 0)
		return rc;
	return 0;
}

bool rootfs_args_opt(struct rootfs_args *a, int base, int id, const char *value)
{
	const char **slot[] = { &a->root, &a->data, &a->firmware, &a->state_dir, &a->board, &a->dt_compatible };

	if (id < base || id >= base + (int)(sizeof(slot) / sizeof(slot[0])))
		return false;
	*slot[id - base] = value;
	return true;
}

static const char *volume_text(const struct board_volume *v, char *buf, size_t size)
{
	if (v->kind == BOARD_STORAGE_MTD || v->kind == BOARD_STORAGE_UBI || v->kind == BOARD_STORAGE_FILE ||
	    v->kind == BOARD_STORAGE_ROOTDISK)
		snprintf(buf, size, "%s:%s", board_storage_kind_name(v->kind), v->name);
	else
		snprintf(buf, size, "%s", v->name ? v->name : "");
	return buf;
}

void rootfs_export(const struct rootfs *r)
{
	char buf[300];

	setenv("FAILSAFED_ROOT", r->root, 1);
	setenv("FAILSAFED_STATE_DIR", r->state_dir, 1);
	if (r->data.kind)
		setenv("FAILSAFED_ROOTFS_DATA", volume_text(&r->data, buf, sizeof(buf)), 1);
	if (r->firmware.kind)
		setenv("FAILSAFED_FIRMWARE", volume_text(&r->firmware, buf, sizeof(buf)), 1);
}

static int read_mountinfo(char *buf, size_t size)
{
	int n = io_read_file("/proc/self/mountinfo", buf, size);

	return n < 0 ? n : 0;
}

int rootfs_state(const struct rootfs *r, struct rootfs_state *st)
{
	static char text[MOUNTINFO_BYTES];
	struct mount_entry e;
	char path[PATH_MAX + 16];
	int rc = read_mountinfo(text, sizeof(text));

	memset(st, 0, sizeof(*st));
	if (rc < 0)
		return rc;
	if (mountinfo_find(text, r->root, &e) && !strcmp(e.fstype, "overlay")) {
		st->overlay = true;
		mountinfo_option(e.super_options, "upperdir", st->upper, sizeof(st->upper));
	}
	snprintf(path, sizeof(path), "%s/overlay", strcmp(r->root, "/") ? r->root : "");
	if (mountinfo_find(text, path, &e)) {
		st->data_mounted = true;
		snprintf(st->data_source, sizeof(st->data_source), "%.31s on %.200s", e.fstype, e.source);
		/* The upper layer as this namespace sees it: through the mount at <root>/overlay. */
		if ((size_t)snprintf(st->upper, sizeof(st->upper), "%s/upper", path) >= sizeof(st->upper))
			return -ENAMETOOLONG;
	}
	return 0;
}

static bool kernel_has(const char *fs)
{
	char text[4096];
	size_t len = strlen(fs);

	if (io_read_file("/proc/filesystems", text, sizeof(text)) < 0)
		return true; /* cannot tell: let mount(2) say */
	/* Lines "nodev\tsysfs" or "\text4" (no sscanf in the daemon: musl's scanf is 5 KB of a static build). */
	for (const char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *w = line + (strncmp(line, "nodev", 5) ? 0 : 5);

		w += strspn(w, " \t");
		if (strcspn(w, " \t\n") == len && !strncmp(w, fs, len))
			return true;
	}
	return false;
}

struct head {
	uint8_t buf[FSPROBE_BYTES];
	size_t len;
};

static int take_head(void *ctx, const void *buf, size_t n)
{
	struct head *h = ctx;
	size_t room = sizeof(h->buf) - h->len;

	memcpy(h->buf + h->len, buf, n < room ? n : room);
	h->len += n < room ? n : room;
	return 0;
}

int rootfs_probe_data(const struct rootfs *r, struct storage_volume *v, char *fstype, size_t fstype_size,
		      bool need_write, char *why)
{
	char err[STORAGE_WHY_BYTES];
	struct head h = { .len = 0 };
	enum fsprobe_blank blank;
	const char *fs;
	int rc;

	if (!r->data.kind)
		return fail(why, ROOTFS_EXIT_MISSING, "board %s declares no rootfs_data (give --rootfs-data)",
			    r->board->name);
	if ((rc = hal_storage_find(&r->data, r->state_dir, v, err)) < 0)
		return fail(why, ROOTFS_EXIT_MISSING, "no rootfs_data: %s", err);
	if (need_write && v->read_only)
		return fail(why, ROOTFS_EXIT_READ_ONLY, "rootfs_data (%s) is on a read-only medium; the overlay needs it "
			    "writable", v->dev);
	if (hal_storage_read(v, v->size_bytes < FSPROBE_BYTES ? v->size_bytes : FSPROBE_BYTES, take_head, &h, NULL,
			     err) < 0)
		return fail(why, ROOTFS_EXIT_FAILED, "rootfs_data: %s", err);
	fs = fsprobe_type(h.buf, h.len);
	blank = fsprobe_blank(h.buf, h.len);
	/* Erased flash is an empty JFFS2, an empty UBI volume an UBIFS to be: the kernel formats both. */
	if (!fs && blank == FSPROBE_ERASED && v->fs_hint[0])
		fs = v->fs_hint;
	if (fs && v->fs_hint[0] && strcmp(fs, v->fs_hint) && !(blank == FSPROBE_ERASED))
		fs = NULL; /* a block filesystem image on flash is not what this medium can mount */
	if (!fs && blank == FSPROBE_ARCHIVE)
		return fail(why, ROOTFS_EXIT_ARCHIVE, "rootfs_data (%s) holds the settings a sysupgrade carried (an "
			    "archive, no filesystem yet)", v->dev);
	if (!fs)
		return fail(why, ROOTFS_EXIT_UNFORMATTED, "rootfs_data (%s) is not formatted%s; firstboot prepares it",
			    v->dev, blank == FSPROBE_MARKED ? " (marked for formatting)" : "");
	if (!kernel_has(fs))
		return fail(why, ROOTFS_EXIT_NO_FS, "rootfs_data (%s) holds %s, which this kernel does not support "
			    "(not in /proc/filesystems)", v->dev, fs);
	snprintf(fstype, fstype_size, "%s", fs);
	return ROOTFS_EXIT_OK;
}

#define ARCHIVE_MAX_BYTES (16u << 20)   /* a settings archive is kilobytes; more is not one */

struct take_all {
	uint8_t *buf;
	size_t len, cap;
};

static int take_all(void *ctx, const void *buf, size_t n)
{
	struct take_all *t = ctx;
	size_t room = t->cap - t->len;

	memcpy(t->buf + t->len, buf, n < room ? n : room);
	t->len += n < room ? n : room;
	return 0;
}

int rootfs_unpack_archive(struct storage_volume *v, char *fs_out, size_t fs_size, char *why)
{
	char dir[] = "/tmp/failsafed-archive.XXXXXX", path[64], err[STORAGE_WHY_BYTES];
	struct take_all t = { .cap = v->size_bytes < ARCHIVE_MAX_BYTES ? (size_t)v->size_bytes : ARCHIVE_MAX_BYTES };
	uint64_t len;
	int rc, fd;

	if (!(t.buf = malloc(t.cap)))
		return fail(why, -ENOMEM, "no room for the settings archive");
	if ((rc = hal_storage_read(v, t.cap, take_all, &t, NULL, err)) < 0 ||
	    (rc = inflate_stream_bytes(t.buf, t.len, &len)) < 0) {
		free(t.buf);
		return fail(why, rc < 0 ? rc : -EBADMSG, "rootfs_data (%s): the settings archive at its start cannot be "
			    "read whole%s%s; left as it is (firstboot prepares a fresh one)", v->dev, rc == -EBADMSG ?
			    " (corrupt)" : "", rc == -ENODATA ? " (longer than 16 MiB or cut)" : "");
	}
	snprintf(fs_out, fs_size, "ext4");
	if ((rc = hal_storage_erase(v, fs_out, err)) < 0) {
		free(t.buf);
		return fail(why, rc, "making a filesystem on rootfs_data (%s): %s", v->dev, err);
	}
	if (!mkdtemp(dir)) {
		free(t.buf);
		return fail(why, -errno, "mkdtemp: %s", strerror(errno));
	}
	if ((rc = rootfs_mount_volume(v, fs_out, dir, false, why)) < 0) {
		rmdir(dir);
		free(t.buf);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/sysupgrade.tgz", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rc = fd < 0 ? -errno : io_write_all(fd, t.buf, (size_t)len);
	if (fd >= 0)
		close(fd);
	umount2(dir, 0);
	rmdir(dir);
	free(t.buf);
	if (rc < 0)
		return fail(why, rc, "keeping the settings archive in the new rootfs_data: %s", strerror(-rc));
	return 0;
}

int rootfs_mount_volume(struct storage_volume *v, const char *fstype, const char *dir, bool read_only, char *why)
{
	char err[STORAGE_WHY_BYTES];
	int rc = hal_storage_mount_source(v, err);

	if (rc < 0)
		return fail(why, rc, "%s", err);
	rc = mount(v->mount_dev, dir, fstype, MS_NOATIME | (read_only ? MS_RDONLY : 0), NULL) < 0 ? -errno : 0;
	if (v->hold_fd >= 0) {
		close(v->hold_fd); /* the mount holds the loop device now; it goes with the mount */
		v->hold_fd = -1;
	}
	if (rc < 0)
		return fail(why, rc, "mounting %s (%s) on %s: %s%s", v->mount_dev, fstype, dir, strerror(-rc),
			    rc == -EROFS || rc == -EACCES ? " (read-only medium?)" : "");
	return 0;
}

static int make_dir(const char *path, char *why)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return fail(why, -errno, "mkdir %s: %s", path, strerror(errno));
	return 0;
}

static int move(const char *from, const char *to, char *why)
{
	if (mount(from, to, NULL, MS_MOVE, NULL) < 0)
		return fail(why, -errno, "moving the mount %s to %s: %s", from, to, strerror(errno));
	return 0;
}

/* A NOR flash carried the settings across a sysupgrade as /sysupgrade.tgz in the new JFFS2: restore it. */
static int restore_carried(const char *data_dir, char *why)
{
	char tgz[PATH_MAX + 16], upper[PATH_MAX + 8];
	int rc;

	snprintf(tgz, sizeof(tgz), "%.4000s/sysupgrade.tgz", data_dir);
	if (access(tgz, F_OK) < 0)
		return 0;
	snprintf(upper, sizeof(upper), "%.4000s/upper", data_dir);
	if ((rc = make_dir(upper, why)) < 0 || (rc = rootfs_untar(tgz, upper, why)) < 0)
		return rc;
	if (unlink(tgz) < 0)
		return fail(why, -errno, "removing %s: %s", tgz, strerror(errno));
	printf("mount_root: settings saved by sysupgrade restored\n");
	return 0;
}

/* The overlay on a root other than "/" (a rehearsal in a scratch directory): stacked on it. */
static int stack_overlay(const char *root, const char *base, char *why)
{
	char data[PATH_MAX], rom[PATH_MAX], opts[3 * PATH_MAX + 64], at[PATH_MAX + 16];
	int rc;

	snprintf(data, sizeof(data), "%s/data", base);
	snprintf(rom, sizeof(rom), "%s/rom", base);
	if ((rc = make_dir(rom, why)) < 0)
		return rc;
	if (mount(root, rom, NULL, MS_BIND, NULL) < 0)
		return fail(why, -errno, "binding %s to %s: %s", root, rom, strerror(errno));
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", rom, data, data);
	if (mount("overlayfs:/overlay", root, "overlay", MS_NOATIME, opts) < 0) {
		rc = fail(why, -errno, "mounting the overlay on %s: %s", root, strerror(errno));
		umount2(rom, MNT_DETACH);
		return rc;
	}
	snprintf(at, sizeof(at), "%s/overlay", root);
	if ((rc = make_dir(at, why)) < 0 || (rc = move(data, at, why)) < 0)
		goto undo;
	snprintf(at, sizeof(at), "%s/rom", root);
	if ((rc = make_dir(at, why)) < 0 || (rc = move(rom, at, why)) < 0)
		goto undo;
	return 0;
undo:
	umount2(root, MNT_DETACH);
	umount2(rom, MNT_DETACH);
	return rc;
}

static bool mounted_at(const char *path)
{
	static char text[MOUNTINFO_BYTES];
	struct mount_entry e;

	return read_mountinfo(text, sizeof(text)) == 0 && mountinfo_find(text, path, &e);
}

/* The overlay on "/": mounted aside, then pivoted in, the old root kept at /rom (OpenWrt's fstools fopivot). */
static int pivot_overlay(const char *base, char *why)
{
	static const char *const keep[] = { "/proc", "/dev", "/sys", "/tmp" };
	char data[PATH_MAX], newroot[PATH_MAX], opts[2 * PATH_MAX + 64], path[PATH_MAX + 16];
	int rc;

	snprintf(data, sizeof(data), "%s/data", base);
	snprintf(newroot, sizeof(newroot), "%s/new", base);
	if ((rc = make_dir(newroot, why)) < 0)
		return rc;
	snprintf(opts, sizeof(opts), "lowerdir=/,upperdir=%s/upper,workdir=%s/work", data, data);
	if (mount("overlayfs:/overlay", newroot, "overlay", MS_NOATIME, opts) < 0)
		return fail(why, -errno, "mounting the overlay on %s: %s", newroot, strerror(errno));
	snprintf(path, sizeof(path), "%s/overlay", newroot);
	if ((rc = make_dir(path, why)) < 0)
		goto undo;
	snprintf(path, sizeof(path), "%s/rom", newroot);
	if ((rc = make_dir(path, why)) < 0)
		goto undo;
	if (syscall(SYS_pivot_root, newroot, path) < 0) {
		rc = fail(why, -errno, "pivot_root %s: %s", newroot, strerror(errno));
		goto undo;
	}
	if (chdir("/") < 0)
		return fail(why, -errno, "chdir /: %s", strerror(errno));
	/* The kernel's filesystems and /tmp (rootfs_data's mount sits on it) move over from the old root. */
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(path, sizeof(path), "/rom%s", keep[i]);
		if (mounted_at(path) && (rc = move(path, keep[i], why)) < 0)
			return rc;
	}
	if (!mounted_at(data))
		snprintf(data, sizeof(data), "/rom%s/data", base);
	return move(data, "/overlay", why);
undo:
	umount2(newroot, MNT_DETACH);
	return rc;
}

int rootfs_mount_root(const struct rootfs *r, struct storage_volume *v, const char *fstype, char *why)
{
	char base[] = "/tmp/failsafed-mount_root.XXXXXX", data[PATH_MAX], dir[PATH_MAX + 16];
	int rc;

	if (!mkdtemp(base))
		return fail(why, -errno, "mkdtemp %s: %s", base, strerror(errno));
	snprintf(data, sizeof(data), "%s/data", base);
	if ((rc = make_dir(data, why)) < 0 || (rc = rootfs_mount_volume(v, fstype, data, false, why)) < 0)
		goto out;
	if ((rc = restore_carried(data, why)) < 0)
		goto out_umount;
	snprintf(dir, sizeof(dir), "%s/upper", data);
	if ((rc = make_dir(dir, why)) < 0)
		goto out_umount;
	snprintf(dir, sizeof(dir), "%s/work", data);
	if ((rc = make_dir(dir, why)) < 0)
		goto out_umount;
	rc = strcmp(r->root, "/") ? stack_overlay(r->root, base, why) : pivot_overlay(base, why);
	if (rc == 0)
		goto out;
out_umount:
	umount2(data, MNT_DETACH);
out:
	rmdir(data);
	snprintf(dir, sizeof(dir), "%s/rom", base);
	rmdir(dir);
	rmdir(base);
	return rc;
}

static long empty_at(int dirfd, dev_t dev, char *why)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	long removed = 0;

	if (!d) {
		close(dirfd);
		return fail(why, -errno, "opendir: %s", strerror(errno));
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (st.st_dev != dev)
			continue; /* another filesystem mounted below: not ours to erase */
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			long n;

			if (sub < 0)
				continue;
			if ((n = empty_at(sub, dev, why)) < 0) {
				closedir(d);
				return n;
			}
			removed += n;
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) == 0)
				removed++;
		} else if (unlinkat(dirfd, de->d_name, 0) == 0) {
			removed++;
		}
	}
	closedir(d);
	return removed;
}

/* Remove everything below dir, staying on dir's filesystem. Entries removed, or -errno with why. */
static long rootfs_empty_dir(const char *dir, char *why)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return fail(why, -errno, "%s: %s", dir, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return fail(why, -errno, "%s: %s", dir, strerror(errno));
	}
	return empty_at(fd, st.st_dev, why);
}

long rootfs_reset_upper(const char *upper, char *why)
{
	long removed = rootfs_empty_dir(upper, why);

	if (removed < 0)
		return removed;
	/* Cached lookups of the overlay still know the removed files: forget them. */
	sync();
	io_write_file("/proc/sys/vm/drop_caches", "2");
	return removed;
}

int rootfs_untar(const char *archive, const char *dir, char *why)
{
	char *argv[] = { "tar", "-xzf", (char *)archive, "-C", (char *)dir, NULL };

	return io_run(argv, false, why, ROOTFS_WHY_BYTES);
}

long rootfs_with_upper(const struct rootfs *r, rootfs_upper_fn fn, void *ctx, char *why)
{
	char dir[] = "/tmp/failsafed-rootfs-data.XXXXXX", upper[PATH_MAX + 16], fstype[16];
	struct rootfs_state st;
	struct storage_volume v;
	long n;
	int rc;

	if (rootfs_state(r, &st) == 0 && (st.data_mounted || st.overlay))
		return fn(r, st.upper, ctx, why);
	rc = rootfs_probe_data(r, &v, fstype, sizeof(fstype), false, why);
	if (rc == ROOTFS_EXIT_MISSING)
		return -ENOENT;
	if (rc == ROOTFS_EXIT_UNFORMATTED || rc == ROOTFS_EXIT_ARCHIVE)
		return -ENOMEDIUM;
	if (rc != ROOTFS_EXIT_OK)
		return -EIO;   /* there but unreadable (an I/O error, a filesystem this kernel lacks): why says */
	if (!mkdtemp(dir))
		return fail(why, -errno, "mkdtemp: %s", strerror(errno));
	if ((rc = rootfs_mount_volume(&v, fstype, dir, true, why)) < 0) {
		rmdir(dir);
		/* UBIFS will not mount an empty volume read-only (it would have to format it): nothing in it yet. */
		return rc == -EROFS && !strcmp(fstype, "ubifs") ? -ENOMEDIUM : rc;
	}
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	n = fn(r, upper, ctx, why);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return n;
}

/* system.@system[0].compat_version from <dir>/etc/config/system: 1 found, 0 not, <0 unreadable. */
static long compat_in(const char *dir, char *out, size_t n)
{
	char path[PATH_MAX + 32], text[16384];
	int len;

	snprintf(path, sizeof(path), "%s/etc/config/system", strcmp(dir, "/") ? dir : "");
	if ((len = io_read_file(path, text, sizeof(text))) < 0)
		return len == -ENOENT ? 0 : len;
	return sysconfig_option(text, (size_t)len, "system", "compat_version", out, n);
}

struct compat {
	char *value, *from;
	size_t value_size, from_size;
};

static long compat_upper(const struct rootfs *r, const char *upper, void *ctx, char *why)
{
	struct compat *c = ctx;
	long rc = compat_in(upper, c->value, c->value_size);

	(void)r;
	(void)why;
	if (rc > 0)
		snprintf(c->from, c->from_size, "the settings' /etc/config/system");
	return rc;
}

void rootfs_device_compat(const struct rootfs *r, bool may_mount, char *value, size_t value_size, char *from,
			  size_t from_size)
{
	struct compat c = { value, from, value_size, from_size };
	char why[ROOTFS_WHY_BYTES];
	struct rootfs_state st;

	value[0] = '\0';
	if (may_mount) {
		if (rootfs_with_upper(r, compat_upper, &c, why) > 0)
			return;
	} else if (rootfs_state(r, &st) == 0 && (st.data_mounted || st.overlay) && compat_upper(r, st.upper, &c, why) > 0) {
		return;
	}
	if (compat_in(r->root, value, value_size) > 0) {
		snprintf(from, from_size, "rom's /etc/config/system");
		return;
	}
	snprintf(value, value_size, "1.0");
	snprintf(from, from_size, "not set in /etc/config/system: the default");
}
