/* app/boot/cmdline.h — kernel command line facts (pure) */
#ifndef APP_CMDLINE_H
#define APP_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* True when "failsafe=" appears anywhere in buf[0..len) (OpenWrt's substring match). */
bool cmdline_has_failsafe(const char *buf, size_t len);

#endif /* APP_CMDLINE_H */
