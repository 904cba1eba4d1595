/* app/flash/mountinfo.h — what is mounted where: /proc/self/mountinfo parsed (pure) */
#ifndef APP_MOUNTINFO_H
#define APP_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#define MOUNTINFO_PATH_BYTES 256

struct mount_entry {
	unsigned major, minor;          /* the filesystem's device (st_dev): a block device's, or anonymous 0:N */
	char mount_point[MOUNTINFO_PATH_BYTES];
	char fstype[32];
	char source[MOUNTINFO_PATH_BYTES];
	char super_options[512];        /* e.g. "rw,lowerdir=/,upperdir=/overlay/upper,workdir=/overlay/work" */
	bool read_only;                 /* the mount's own "ro" */
};

/*
 * The topmost mount at mount_point in text (the content of
 * /proc/self/mountinfo): the last such line, as later mounts stack on top.
 * Octal escapes (\040 for a blank) are decoded. true when found.
 */
bool mountinfo_find(const char *text, const char *mount_point, struct mount_entry *out);

/*
 * Every mount in text in order: call with *cursor = text, then again while
 * it returns true (lines that do not parse are skipped).
 */
bool mountinfo_next(const char **cursor, struct mount_entry *out);

/*
 * Whether a mount at mount_point goes along into the RAM root when stage2
 * moves the running root into RAM (OpenWrt's supivot moves /proc, /sys,
 * /dev, /tmp and what is mounted below them), rather than being let go with
 * the old root.
 */
bool mountinfo_moves_to_ram(const char *mount_point);

/* The value of key in a comma-separated option list ("upperdir"), copied to out. true when present. */
bool mountinfo_option(const char *options, const char *key, char *out, size_t size);

#endif /* APP_MOUNTINFO_H */
