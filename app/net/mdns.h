/* app/net/mdns.h — the mDNS responder of failsafe: failsafe.local on the failsafe port, IPv4 and IPv6, in the loop */
#ifndef APP_MDNS_H
#define APP_MDNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "mdns_msg.h"

#define MDNSD_BURST 32                  /* datagrams read per wake-up and socket */
#define MDNSD_LOG_LINES_PER_S 5         /* malformed queries logged per second; the rest counted */

struct mdnsd_config {
	const char *ifname;                 /* the failsafe interface (copied) */
	int ifindex;
	const char *board;                  /* <board>.failsafe.local */
	struct in_addr v4;                  /* the failsafe address */
	uint16_t port;                      /* 5353 (tests may move it) */
};

/* One instance per interface, embedded in its owner. Fields are private. */
struct mdnsd {
	struct loop_fd fd4, fd6;            /* 224.0.0.251 and ff02::fb, port 5353, bound to the interface */
	struct loop_timer announce;         /* two announcements a second apart, then idle */
	unsigned announce_left;
	struct mdns m;
	char ifname[16];
	int ifindex;
	uint16_t port;
	bool running;
	uint64_t log_second, log_dropped;
	unsigned log_lines;
	uint64_t send_errors;
	uint8_t rx[1500];
	uint8_t tx[MDNS_REPLY_BYTES];
};

/*
 * Join the mDNS groups on cfg->ifname (IPv4, and IPv6 when the kernel has
 * it: a failure there is logged and costs only IPv6) and announce. 0, or
 * the -errno of the IPv4 socket (logged).
 */
int mdnsd_start(struct mdnsd *d, const struct mdnsd_config *cfg);
/* The carrier came up (a new cable): look up the link-local address again and announce. */
void mdnsd_carrier_up(struct mdnsd *d);
/* The port's IPv6 link-local address for AAAA (read from the interface: NULL when it has none yet). */
void mdnsd_refresh_v6(struct mdnsd *d);
void mdnsd_stop(struct mdnsd *d);

#endif /* APP_MDNS_H */
