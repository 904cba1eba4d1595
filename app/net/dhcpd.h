/* app/net/dhcpd.h — the DHCP server of failsafe: ports 67 and 68 on the failsafe interface, in the loop, no thread or child */
#ifndef APP_DHCPD_H
#define APP_DHCPD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dhcp_serve.h"
#include "loop.h"

#define DHCPD_BURST 64                  /* datagrams read per wake-up: a flood cannot starve the loop */
#define DHCPD_LOG_LINES_PER_S 20        /* lines beyond this in one second are counted, then summed up */
#define DHCPD_DEFAULT_LEASE_S 300u      /* short: a laptop notices soon when the board reboots */

struct dhcpd;
/* r says what changed (leases_changed, conflict_changed) and r->line how, in words (r->quiet: routine). */
typedef void (*dhcpd_changed_cb)(struct dhcpd *d, const struct dhcp_serve_result *r);

struct dhcpd_config {
	const char *ifname;                 /* the failsafe interface (copied) */
	struct dhcp_serve_config serve;
	bool has_mac;
	uint8_t mac[6];                     /* the interface's: our probe's chaddr */
	uint16_t server_port, client_port;  /* 67, 68 */
	dhcpd_changed_cb changed;           /* leases or another server's presence changed; may be NULL */
};

/* One instance per interface; embedded in its owner (container_of from changed). Fields are private. */
struct dhcpd {
	struct loop_fd srv;                 /* port 67: clients' requests */
	struct loop_fd cli;                 /* port 68: our probe's answers and other servers' replies */
	struct loop_timer probe;            /* the few steps of a probe; idle otherwise */
	unsigned probe_step;
	struct dhcp_serve serve;
	struct dhcpd_config cfg;
	char ifname[16];
	bool running;
	uint64_t log_second, log_dropped;
	unsigned log_lines;
	uint64_t send_errors;
	uint32_t xid;
	uint8_t rx[1536];
	uint8_t tx[DHCP_REPLY_MAX_BYTES];
};

/*
 * Open both ports on cfg->ifname (SO_BINDTODEVICE) and look for another
 * DHCP server (a probe: DISCOVERs at 0, 0.5 and 1.5 s, over at 2.5 s);
 * requests are answered from the start. 0, or the -errno of
 * socket/bind (logged with the interface and port).
 */
int dhcpd_start(struct dhcpd *d, const struct dhcpd_config *cfg);
/* The carrier came up: a new cable may bring another server; probe again. */
void dhcpd_carrier_up(struct dhcpd *d);
void dhcpd_stop(struct dhcpd *d);

#endif /* APP_DHCPD_H */
