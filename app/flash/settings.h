/* app/flash/settings.h — the settings sysupgrade keeps, archived with tar from the overlay's upper layer (settings_conf.h: which) */
#ifndef APP_SETTINGS_H
#define APP_SETTINGS_H

#include <stddef.h>

#define SETTINGS_WHY_BYTES 512

/*
 * Archive the settings found in upper (the overlay's upper layer: what
 * differs from rom): /etc/config/, /etc/passwd, /etc/shadow, /etc/group,
 * and what /etc/sysupgrade.conf and /lib/upgrade/keep.d/ list (read from
 * upper, else from view: the root as mounted, rom or the overlay; NULL:
 * upper only), into the tar.gz archive (the system's tar). Returns the
 * number of paths saved (0: nothing to keep, no archive written), or
 * -errno with why.
 */
long settings_save(const char *upper, const char *view, const char *archive, char *why);

#endif /* APP_SETTINGS_H */
