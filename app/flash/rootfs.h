/* app/flash/rootfs.h — OpenWrt's overlay root: where rom, rootfs_data and the firmware are; mounting and resetting them */
#ifndef APP_ROOTFS_H
#define APP_ROOTFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "board.h"
#include "storage.h"

#define ROOTFS_WHY_BYTES 512

/* The options every storage applet takes (ids from base), for its args table. */
#define ROOTFS_ARGS_OPTS(base) \
	{ "--root", 0, "DIR", "the read-only root (default: the daemon's, else the board's: /)", (base) }, \
	{ "--rootfs-data", 0, "VOLUME", "the overlay volume: a path, mtd:NAME, ubi:NAME, PARTLABEL=NAME, file:PATH", \
	  (base) + 1 }, \
	{ "--firmware", 0, "VOLUME", "the firmware partition, in the same forms", (base) + 2 }, \
	{ "--state-dir", 0, "DIR", "the daemon's state directory (default: the daemon's, else /tmp)", (base) + 3 }, \
	{ "--board", 0, "NAME", "the board table (name, file name or compatible; default: the one built in, or " \
	  "with BOARD=all the daemon's, else the device tree's)", (base) + 4 }, \
	{ "--dt-compatible", 0, "FILE", "the device tree's compatible (default /proc/device-tree/compatible)", \
	  (base) + 5 }

/*
 * Their values, filled by rootfs_args_opt(). board and dt_compatible were
 * acted on by main before the applet ran (board_select.h): the applet's
 * board is board_current().
 */
struct rootfs_args {
	const char *root, *data, *firmware, *state_dir, *board, *dt_compatible;
};
/* Take id (base..base+5) into a; false when id is not one of them. */
bool rootfs_args_opt(struct rootfs_args *a, int base, int id, const char *value);

/* Exit codes shared by mount_root and firstboot. */
enum {
	ROOTFS_EXIT_OK = 0,
	ROOTFS_EXIT_FAILED = 1,         /* a mount or a write failed */
	ROOTFS_EXIT_USAGE = 2,
	ROOTFS_EXIT_MISSING = 3,        /* no such volume on this system */
	ROOTFS_EXIT_UNFORMATTED = 4,    /* rootfs_data holds no filesystem (firstboot prepares it) */
	ROOTFS_EXIT_NO_FS = 5,          /* its filesystem is not in this kernel */
	ROOTFS_EXIT_READ_ONLY = 6,      /* the medium is read-only */
	ROOTFS_EXIT_ANSWER_NO = 7,      /* firstboot: not confirmed, nothing changed */
	ROOTFS_EXIT_ARCHIVE = 8,        /* rootfs_data holds the settings archive a sysupgrade wrote raw (eMMC):
					 * mount_root makes a filesystem and restores it */
};

/* Where things are, from the command line, else the daemon's environment, else the board. */
struct rootfs {
	const struct board *board;
	char root[PATH_MAX];            /* the read-only root's mount point */
	char state_dir[PATH_MAX];       /* the daemon's state directory: relative FILE volumes live here */
	struct board_volume data;       /* rootfs_data */
	struct board_volume firmware;
	char data_name[256];            /* storage for the names above */
	char firmware_name[256];
};

/* What is mounted at the root now. */
struct rootfs_state {
	bool overlay;                   /* an overlay is mounted on the root */
	bool data_mounted;              /* rootfs_data is mounted at <root>/overlay */
	char upper[PATH_MAX];           /* the overlay's upper directory, when overlay */
	char data_source[256];          /* what is mounted at <root>/overlay */
};

/*
 * Resolve where things are. root, data, firmware, state_dir: command-line
 * values or NULL (then FAILSAFED_ROOT, FAILSAFED_ROOTFS_DATA,
 * FAILSAFED_FIRMWARE, FAILSAFED_STATE_DIR from the daemon, then the
 * board). 0, or -EINVAL (a bad value) or -ENOENT (a volume path that does
 * not exist) with why naming it.
 */
int rootfs_setup(struct rootfs *r, const struct board *b, const char *root, const char *data, const char *firmware,
		 const char *state_dir, char *why);
/* The environment applets started from the daemon's shells inherit (FAILSAFED_ROOT, ...). */
void rootfs_export(const struct rootfs *r);

/* What is mounted at the root. 0 or -errno. */
int rootfs_state(const struct rootfs *r, struct rootfs_state *st);

/*
 * Find and probe rootfs_data: returns a ROOTFS_EXIT_* with a one-line
 * message in why when it cannot be mounted (missing, unformatted, fs not
 * in the kernel, read-only), with its filesystem type in fstype otherwise.
 */
int rootfs_probe_data(const struct rootfs *r, struct storage_volume *v, char *fstype, size_t fstype_size,
		      bool need_write, char *why);

/*
 * rootfs_data holds the settings archive a sysupgrade wrote raw at its start
 * (emmc_copy_config; ROOTFS_EXIT_ARCHIVE): keep the archive, make a fresh
 * filesystem (fs_out: "ext4") and put the archive into it as
 * sysupgrade.tgz, which mount_root then restores, as fstools' rootdisk does.
 * 0, or -errno with why (the volume is left as it was when the archive
 * cannot be read whole).
 */
int rootfs_unpack_archive(struct storage_volume *v, char *fs_out, size_t fs_size, char *why);

/* Mount a probed volume at dir (read_only: MS_RDONLY). 0, or -errno with why. */
int rootfs_mount_volume(struct storage_volume *v, const char *fstype, const char *dir, bool read_only, char *why);

/*
 * OpenWrt's mount_root: rootfs_data at <root>/overlay, an overlayfs
 * (upper <root>/overlay/upper, work <root>/overlay/work) over the root,
 * rom at <root>/rom; a sysupgrade.tgz left in rootfs_data by a flash of a
 * NOR board is restored into the upper layer first. For the root "/" the
 * new root is pivoted in as OpenWrt's fstools does; for another directory
 * (a rehearsal) the overlay is stacked on it. 0, or -errno with why.
 */
int rootfs_mount_root(const struct rootfs *r, struct storage_volume *v, const char *fstype, char *why);

/*
 * Empty a mounted overlay's upper layer and make the overlay forget what
 * it cached of it, so the root shows rom again. Entries removed, or -errno.
 */
long rootfs_reset_upper(const char *upper, char *why);

/*
 * Call fn with the overlay's upper directory: as mounted, or rootfs_data
 * mounted read-only for the call (and unmounted after). Returns -ENOENT
 * (no rootfs_data) or -ENOMEDIUM (unformatted) when there is no overlay to
 * look at, -EIO or another -errno when it is there but unreadable (why says
 * each), else what fn returned.
 */
typedef long (*rootfs_upper_fn)(const struct rootfs *r, const char *upper, void *ctx, char *why);
long rootfs_with_upper(const struct rootfs *r, rootfs_upper_fn fn, void *ctx, char *why);

/*
 * The device's compat_version as OpenWrt's fwtool_check_image reads it
 * (uci get system.@system[0].compat_version; lib/upgrade/fwtool.sh): the
 * settings' /etc/config/system (the overlay's upper layer: mounted, or with
 * may_mount rootfs_data looked at read-only), else rom's, else "1.0". Where
 * it came from, for people, in from.
 */
void rootfs_device_compat(const struct rootfs *r, bool may_mount, char *value, size_t value_size, char *from,
			  size_t from_size);

/* Extract a tar.gz archive into dir with the system's tar. 0, or -errno with why. */
int rootfs_untar(const char *archive, const char *dir, char *why);

#endif /* APP_ROOTFS_H */
