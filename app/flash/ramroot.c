/* app/flash/ramroot.c — a root in RAM: programs copied with what they need (OpenWrt's switch_to_ramfs), moved into, old root let go */
#include "ramroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "elf_deps.h"
#include "io.h"
#include "mountinfo.h"

#define DEPTH_MAX 8             /* symbolic links and interpreters followed */
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

struct build {
	struct ramroot *r;
	char *why;
	char busybox[PATH_MAX];         /* BusyBox's real path, once copied */
	int err;
};

static int fail(char *why, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, RAMROOT_WHY_BYTES, fmt, ap);
	va_end(ap);
	return rc;
}

static int mkdirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void parent_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	snprintf(out, size, "%.*s", slash && slash != path ? (int)(slash - path) : 1, slash ? path : "/");
}

/* Read the whole file (programs and libraries are megabytes at most). NULL with errno. */
static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1)) &&
	    (n = read(fd, buf, (size_t)st.st_size)) == st.st_size) {
		*len = (size_t)n;
		close(fd);
		return buf;
	}
	free(buf);
	close(fd);
	errno = errno ? errno : EIO;
	return NULL;
}

static int write_copy(struct build *b, const uint8_t *buf, size_t len, const char *dst, mode_t mode)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	int rc;

	if (fd < 0)
		return -errno;
	rc = io_write_all(fd, buf, len);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc < 0) {
		unlink(dst);
		return rc;
	}
	b->r->bytes += len;
	b->r->files++;
	return 0;
}

static int add_path(struct build *b, const char *path, const char *content_from, int depth);

/* A library by name: DT_RUNPATH (with $ORIGIN), then /lib, /usr/lib, lib64 and the multiarch directories. */
static int add_library(struct build *b, const char *name, const char *runpath, const char *origin, int depth)
{
	static const char *const plain[] = { "/lib", "/usr/lib", "/lib64", "/usr/lib64" };
	char dirs[24][PATH_MAX];
	unsigned n = 0;
	char rp[ELF_DEPS_PATH_BYTES], *save = NULL;

	snprintf(rp, sizeof(rp), "%s", runpath);
	for (char *d = strtok_r(rp, ":", &save); d && n < 8; d = strtok_r(NULL, ":", &save)) {
		if (!strncmp(d, "$ORIGIN", 7))
			snprintf(dirs[n++], PATH_MAX, "%s%s", origin, d + 7);
		else if (!strncmp(d, "${ORIGIN}", 9))
			snprintf(dirs[n++], PATH_MAX, "%s%s", origin, d + 9);
		else if (d[0] == '/')
			snprintf(dirs[n++], PATH_MAX, "%s", d);
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		snprintf(dirs[n++], PATH_MAX, "%s", plain[i]);
	/* Debian's multiarch directories, /lib/aarch64-linux-gnu: glibc searches them without ld.so.cache */
	for (size_t i = 0; i < 2; i++) {
		DIR *d = opendir(plain[i]);
		struct dirent *de;

		while (d && (de = readdir(d)) && n < sizeof(dirs) / sizeof(dirs[0]))
			if (strstr(de->d_name, "-linux-"))
				snprintf(dirs[n++], PATH_MAX, "%s/%.200s", plain[i], de->d_name);
		if (d)
			closedir(d);
	}
	for (unsigned i = 0; i < n; i++) {
		char path[PATH_MAX + 200];

		snprintf(path, sizeof(path), "%.3000s/%.128s", dirs[i], name);
		if (access(path, F_OK) == 0)
			return add_path(b, path, NULL, depth + 1);
	}
	return fail(b->why, -ENOENT, "%s needs %s and it is nowhere a loader looks", origin, name);
}

/* A copied regular file's interpreter and libraries (ELF), or its interpreter (a script). */
static int add_needs(struct build *b, const char *path, const uint8_t *buf, size_t len, int depth)
{
	struct elf_deps d;
	char origin[PATH_MAX], interp[PATH_MAX], err[128];
	int rc;

	if (elf_deps_script(buf, len, interp, sizeof(interp)))
		return interp[0] == '/' ? add_path(b, interp, NULL, depth + 1) : 0;
	if ((rc = elf_deps_parse(buf, len, &d, err, sizeof(err))) < 0)
		return fail(b->why, rc, "%s: %s", path, err);
	if (!d.is_elf)
		return 0;
	if (d.interp[0] && (rc = add_path(b, d.interp, NULL, depth + 1)) < 0)
		return rc;
	parent_of(path, origin, sizeof(origin));
	for (unsigned i = 0; i < d.n_needed; i++)
		if ((rc = add_library(b, d.needed[i], d.runpath, origin, depth)) < 0)
			return rc;
	return 0;
}

/*
 * path into the RAM root at the same path: a symbolic link as a link (and what it points to), a file as a copy
 * (its content read from content_from when given: /proc/self/exe), with what it needs.
 */
static int add_path(struct build *b, const char *path, const char *content_from, int depth)
{
	char dst[PATH_MAX * 2], parent[PATH_MAX * 2], target[PATH_MAX], next[PATH_MAX * 2];
	struct stat st;
	uint8_t *buf;
	size_t len;
	ssize_t n;
	int rc;

	if (depth > DEPTH_MAX)
		return fail(b->why, -ELOOP, "%s: too many links or interpreters on the way", path);
	snprintf(dst, sizeof(dst), "%s%s", b->r->dir, path);
	if (lstat(dst, &st) == 0)
		return 0;   /* there already */
	if ((content_from ? stat(content_from, &st) : lstat(path, &st)) < 0)
		return fail(b->why, -errno, "%s: %s", path, strerror(errno));
	parent_of(dst, parent, sizeof(parent));
	if ((rc = mkdirs(parent)) < 0)
		return fail(b->why, rc, "%s: %s", parent, strerror(-rc));
	if (S_ISLNK(st.st_mode) && !content_from) {
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			return fail(b->why, -errno, "%s: %s", path, strerror(errno));
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return fail(b->why, -errno, "%s: %s", dst, strerror(errno));
		if (target[0] == '/') {
			snprintf(next, sizeof(next), "%s", target);
		} else {
			parent_of(path, parent, sizeof(parent));
			snprintf(next, sizeof(next), "%.3000s/%.3000s", parent, target);
		}
		return add_path(b, next, NULL, depth + 1);
	}
	if (S_ISDIR(st.st_mode))
		return mkdirs(dst) < 0 ? fail(b->why, -errno, "%s: %s", dst, strerror(errno)) : 0;
	if (!S_ISREG(st.st_mode))
		return fail(b->why, -EINVAL, "%s: not a program or a file", path);
	if (!(buf = slurp(content_from ? content_from : path, &len)))
		return fail(b->why, -errno, "%s: %s", path, strerror(errno));
	rc = write_copy(b, buf, len, dst, st.st_mode);
	if (rc < 0)
		rc = fail(b->why, rc, "%s: %s%s", dst, strerror(-rc), rc == -ENOSPC ? " (no room in RAM)" : "");
	else if (!strcmp(strrchr(path, '/') ? strrchr(path, '/') + 1 : path, "busybox"))
		snprintf(b->busybox, sizeof(b->busybox), "%s", path);
	if (!rc)
		rc = add_needs(b, path, buf, len, depth);
	free(buf);
	return rc;
}

/* A name in PATH (or a path) to the path it is at; false when it is not there. */
static bool which(const char *name, char *out, size_t size)
{
	const char *env = getenv("PATH");
	char path[4096], *save = NULL;

	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return access(out, X_OK) == 0;
	}
	snprintf(path, sizeof(path), "%s", env ? env : "/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue;
		snprintf(out, size, "%s/%s", d, name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* Every link to BusyBox in the usual directories, so the shell in RAM has its applets (ls, cat, reboot ...). */
static int busybox_links(struct build *b)
{
	static const char *const dirs[] = { "/bin", "/sbin", "/usr/bin", "/usr/sbin" };
	char real[PATH_MAX];

	if (!b->busybox[0] || !realpath(b->busybox, real))
		return 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char path[PATH_MAX], to[PATH_MAX];
			struct stat st;

			snprintf(path, sizeof(path), "%s/%.200s", dirs[i], de->d_name);
			if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, to) && !strcmp(to, real) &&
			    add_path(b, path, NULL, 0) < 0) {
				closedir(d);
				return -EIO;
			}
		}
		if (d)
			closedir(d);
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void ramroot_remove(const char *dir)
{
	/* a tree of links and copies; FTW_MOUNT: never into something mounted below it */
	if (dir[0] == '/' && strcmp(dir, "/"))
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int ramroot_build(struct ramroot *r, const char *dir, const char *const *programs, const char *required,
		  const char *const *files, char *why)
{
	static const char *const skeleton[] = { "proc", "sys", "dev", "tmp", "etc", "root", "var/lock" };
	struct build b = { .r = r, .why = why };
	char self[PATH_MAX], path[PATH_MAX], link[PATH_MAX * 2], parent[PATH_MAX];
	struct statfs fs;
	ssize_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	parent_of(dir, parent, sizeof(parent));
	if (statfs(parent, &fs) < 0)
		return fail(why, -errno, "%s: %s", parent, strerror(errno));
	if ((unsigned long)fs.f_type != TMPFS_MAGIC && (unsigned long)fs.f_type != RAMFS_MAGIC)
		return fail(why, -EXDEV, "%s is not in RAM (tmpfs): the root to flash from must be", parent);
	ramroot_remove(dir);
	for (size_t i = 0; i < sizeof(skeleton) / sizeof(skeleton[0]); i++) {
		snprintf(link, sizeof(link), "%s/%s", dir, skeleton[i]);
		if ((rc = mkdirs(link)) < 0)
			return fail(why, rc, "%s: %s", link, strerror(-rc));
	}
	/* this program, where it runs from, and the names failsafe and procd look for */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		return fail(why, -errno, "/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	if ((rc = add_path(&b, self, "/proc/self/exe", 0)) < 0)
		goto out;
	for (size_t i = 0; i < 2; i++) {
		snprintf(link, sizeof(link), "%s%s", dir, i ? "/sbin/upgraded" : "/usr/sbin/failsafed");
		parent_of(link, parent, sizeof(parent));
		if (strcmp(self, "/usr/sbin/failsafed") || i)
			if (mkdirs(parent) < 0 || (symlink(self, link) < 0 && errno != EEXIST)) {
				rc = fail(why, -errno, "%s: %s", link, strerror(errno));
				goto out;
			}
	}
	if (required && (!which(required, path, sizeof(path)) || (rc = add_path(&b, path, NULL, 0)) < 0)) {
		rc = rc < 0 ? rc : fail(why, -ENOENT, "%s is not on this system", required);
		goto out;
	}
	for (size_t i = 0; programs && programs[i]; i++)
		if (which(programs[i], path, sizeof(path)) && (rc = add_path(&b, path, NULL, 0)) < 0)
			goto out;
	if ((rc = busybox_links(&b)) < 0)
		goto out;
	for (size_t i = 0; files && files[i]; i++)
		if (access(files[i], R_OK) == 0 && (rc = add_path(&b, files[i], NULL, 0)) < 0)
			goto out;
	r->busybox = b.busybox[0] != '\0';
	return 0;
out:
	ramroot_remove(dir);
	return rc;
}

static bool mounted_at(const char *text, const char *point)
{
	struct mount_entry e;

	return mountinfo_find(text, point, &e);
}

/* Move mount from onto to (MS_MOVE); 0 when nothing is mounted at from. */
static int move(const char *mounts, const char *from, const char *to)
{
	if (!mounted_at(mounts, from))
		return 0;
	return mount(from, to, NULL, MS_MOVE, NULL) < 0 ? -errno : 0;
}

int ramroot_enter(const char *dir, const char *old_name, char *why)
{
	static char mounts[65536];
	char sub[PATH_MAX + 16], old[PATH_MAX + 16], from[PATH_MAX + 16];
	static const char *const later[] = { "/sys", "/dev", "/tmp" };
	int rc;

	if (io_read_file("/proc/self/mountinfo", mounts, sizeof(mounts)) < 0)
		return fail(why, -EIO, "/proc/self/mountinfo cannot be read");
	/* pivot_root wants no shared propagation around it (a systemd host shares everything) */
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
		return fail(why, -errno, "bind-mounting %s on itself: %s", dir, strerror(errno));
	snprintf(old, sizeof(old), "%s%s", dir, old_name);
	if (mkdir(old, 0755) < 0 && errno != EEXIST) {
		rc = fail(why, -errno, "%s: %s", old, strerror(errno));
		goto unbind;
	}
	snprintf(sub, sizeof(sub), "%s/proc", dir);
	if ((rc = move(mounts, "/proc", sub)) < 0) {
		fail(why, rc, "moving /proc into %s: %s", dir, strerror(-rc));
		goto unbind;
	}
	if (syscall(SYS_pivot_root, dir, old) < 0) {
		rc = fail(why, -errno, "pivot_root %s %s: %s", dir, old, strerror(errno));
		move(mounts, sub, "/proc");
		goto unbind;
	}
	if (chdir("/") < 0)
		return fail(why, -errno, "chdir / in the RAM root: %s", strerror(errno));
	/* the rest as the old root saw them, now below old_name */
	if (io_read_file("/proc/self/mountinfo", mounts, sizeof(mounts)) < 0)
		return fail(why, -EIO, "/proc/self/mountinfo cannot be read in the RAM root");
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", old_name, later[i]);
		if ((rc = move(mounts, from, later[i])) < 0)
			return fail(why, rc, "moving %s to %s: %s", from, later[i], strerror(-rc));
	}
	return 0;
unbind:
	umount2(dir, MNT_DETACH);
	return rc;
}

int ramroot_release(const char *old, char *why)
{
	if (umount2(old, MNT_DETACH) < 0 && errno != EINVAL)
		return fail(why, -errno, "letting go of the old root at %s: %s", old, strerror(errno));
	rmdir(old);
	return 0;
}
