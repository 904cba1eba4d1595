/* app/applets/daemon_net.h — the failsafe network phase: the port through the HAL, the beacon, and the services of failsafe */
#ifndef APP_DAEMON_NET_H
#define APP_DAEMON_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers.h"

struct daemon_net_options {
	const char *ifname;             /* overrides the board's port, or NULL */
	uint16_t beacon_port;           /* 4919 */
	uint16_t telnet_port;           /* 23 */
	unsigned telnet_max_sessions;   /* 8 */
	uint32_t telnet_idle_ms;        /* 0: no idle timeout */
	char *const *shell_argv;        /* login shell of telnet sessions */
	const char *version;
	uint16_t http_port;             /* the recovery page (80); 0: none */
	uint32_t http_stall_ms;         /* a page client silent this long is dropped */
	const char *reboot_cmd;         /* the page's Reboot button */
	const char *state_dir;          /* the page stages uploads under it; SSH keeps its host keys in <it>/ssh */
	bool no_ssh;                    /* offer no SSH (dropbear) in failsafe */
	uint16_t ssh_port;              /* 22 */
	unsigned ssh_max_sessions;      /* 0: SSH_SESSIONS_DEFAULT */
	const char *dropbear;           /* NULL: "dropbear" in PATH */
	void (*announce)(const char *text); /* lines for the consoles (SSH host key fingerprints); may be NULL */
	bool no_dhcp;                   /* no DHCP server in failsafe (the board's table may say so too) */
	uint32_t dhcp_lease_s;          /* 0: DHCPD_DEFAULT_LEASE_S */
	bool no_mdns;                   /* failsafe.local does not answer (mDNS) */
	void (*page_writing)(bool writing); /* the page's applet began or ended writing the flash; may be NULL */
};

/* Start bringing the port up (non-blocking); failures are logged and cost only the network. */
void daemon_net_start(const struct hal_drivers *d, const struct daemon_net_options *o);
/* The window is open: beacons once per second carrying remaining_ms(ctx, now). */
void daemon_net_window(uint32_t (*remaining_ms)(void *ctx, uint64_t now_ms), void *ctx);
/* Failsafe entered: the telnet server, then the beacon burst. via e.g. "button:reset"; banner for sessions. */
void daemon_net_failsafe(const char *via, const char *banner);
/* Normal path: undo the port setup; done() is called when finished or after a bounded wait. */
void daemon_net_restore(void (*done)(void));
/* Telnet sessions holding a slot now. */
unsigned daemon_net_telnet_sessions(void);
/* The DHCP server in one line (dhcp_serve_state_text, or "off" and why), and its leases (up to max lines). */
void daemon_net_dhcp_state(char *out, size_t size);
unsigned daemon_net_dhcp_leases(char (*lines)[72], unsigned max);
/* Stop everything (shutdown). */
void daemon_net_stop(void);

#endif /* APP_DAEMON_NET_H */
