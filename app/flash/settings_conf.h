/* app/flash/settings_conf.h — which settings sysupgrade keeps: OpenWrt's sysupgrade.conf-style lists, parsed and merged (pure) */
#ifndef APP_SETTINGS_CONF_H
#define APP_SETTINGS_CONF_H

#include <stdbool.h>
#include <stddef.h>

/* What OpenWrt always keeps, relative to "/", one per line (sysupgrade's add_conffiles and its fixed list). */
#define SETTINGS_CONF_FIXED "etc/config\netc/passwd\netc/shadow\netc/group\netc/sysupgrade.conf\n"

/*
 * Add the paths named in a sysupgrade.conf-style text (one absolute path
 * per line; blank lines and '#' comments skipped) to out as paths
 * relative to "/" (leading slashes dropped), one per line. Returns how
 * many were added.
 */
size_t settings_conf_parse(const char *text, char *out, size_t out_size);

/* line (without its newline) is one of the lines of list. */
bool settings_conf_listed(const char *list, const char *line);

#endif /* APP_SETTINGS_CONF_H */
