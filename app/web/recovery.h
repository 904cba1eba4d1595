/* app/web/recovery.h — the recovery page: HTTP on the failsafe address (libmicrohttpd inside the loop), upload, flash */
#ifndef APP_RECOVERY_H
#define APP_RECOVERY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

struct recovery_config {
	const struct board *board;
	struct in_addr bind_addr;        /* the failsafe address (need not be configured yet) */
	uint16_t port;                   /* 80; 0: the kernel picks (recovery_port()) */
	struct in_addr subnet;           /* only hosts of subnet/prefix_len are served */
	uint8_t prefix_len;
	const char *state_dir;           /* the upload is staged in <state_dir>/recovery/ (tmpfs: RAM) */
	uint32_t stall_timeout_ms;       /* a client that sends nothing this long is dropped */
	const char *version;             /* failsafed's, for the page */
	const char *reboot_cmd;          /* what "Reboot" runs (found in PATH): "reboot" */
	/* The DHCP server's state line and up to max leases ("address mac name seconds"), their number returned;
	 * NULL: the page shows none. */
	unsigned (*dhcp)(char *state, size_t size, char (*leases)[72], unsigned max);
	void (*writing)(bool writing);   /* a flash or factory reset began (true) or ended (false); may be NULL */
};

/*
 * Start serving. The storage applets run as children of the daemon's own
 * binary (/proc/self/exe), with the environment the daemon exported
 * (FAILSAFED_ROOT, ...): sysupgrade writes, firstboot resets. 0, or -errno
 * (logged; failsafe goes on without the page).
 */
int recovery_start(const struct recovery_config *cfg);
/*
 * Also serve IPv6 link-local peers on ifname, the failsafe interface, once it exists (any other IPv6 peer: 403,
 * logged by listener_log_refusal). While the page's port is still in use (tried again), it is remembered and
 * listened on once the page is up. 0 or -errno (logged).
 */
int recovery_listen6(const char *ifname);
/* The port actually listened on (0 when not running). */
uint16_t recovery_port(void);
/*
 * Stop serving. A settings backup or reboot still running is ended (SIGTERM,
 * SIGKILL after 2 s); an applet that writes the flash never is: it is left
 * to finish on its own (the daemon waits for it before stopping: cfg.writing).
 */
void recovery_stop(void);

#endif /* APP_RECOVERY_H */
