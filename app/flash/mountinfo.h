/* app/flash/mountinfo.h — what is mounted where: /proc/self/mountinfo parsed (pure) */
#ifndef APP_MOUNTINFO_H
#define APP_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#define MOUNTINFO_PATH_BYTES 256

struct mount_entry {
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

/* The value of key in a comma-separated option list ("upperdir"), copied to out. true when present. */
bool mountinfo_option(const char *options, const char *key, char *out, size_t size);

#endif /* APP_MOUNTINFO_H */
