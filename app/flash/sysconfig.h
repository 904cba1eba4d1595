/* app/flash/sysconfig.h — one option out of a UCI config file (/etc/config/system's compat_version), as `uci get` reads it (pure) */
#ifndef APP_SYSCONFIG_H
#define APP_SYSCONFIG_H

#include <stddef.h>

/*
 * The value of `option NAME` in the first `config TYPE` section of a UCI
 * file (uci's TYPE.@TYPE[0].NAME; OpenWrt's fwtool_check_image reads
 * system.@system[0].compat_version). UCI's syntax: one statement a line,
 * words separated by blanks, quoted with '...' or "..." (backslash escapes
 * inside double quotes and outside quotes), adjacent quoted parts joined,
 * '#' starting a comment; a later `option` of the same name wins, as in uci.
 * Returns 1 with the value in out, 0 when the section or option is absent,
 * -E2BIG when the value does not fit out_size, -EINVAL for a line uci would
 * refuse (an unterminated quote) before the value was found.
 */
int sysconfig_option(const char *text, size_t len, const char *type, const char *name, char *out, size_t out_size);

#endif /* APP_SYSCONFIG_H */
