/* app/net/dhcp_serve.h — the DHCP server's decisions (RFC 2131 §4.3): request + now_ms -> reply, lease change, log line (pure) */
#ifndef APP_DHCP_SERVE_H
#define APP_DHCP_SERVE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp_lease.h"
#include "dhcp_msg.h"

#define DHCP_SERVE_LINE_BYTES 160
#define DHCP_SERVE_BANNER_LEASES 8     /* leases listed in the banner; status lists them all */
#define DHCP_SERVE_MAX_LEASE_S 3600u   /* a client asking for a longer lease (option 51) gets up to this */

struct dhcp_serve_config {
	struct in_addr server;          /* the board's address: server identifier, source of replies */
	uint8_t prefix_len;             /* the failsafe subnet */
	struct in_addr pool_first;      /* first address handed out */
	unsigned pool_size;             /* how many (1..DHCP_LEASE_MAX) */
	uint32_t lease_s;               /* lease time offered (a REQUEST may ask for more, up to DHCP_SERVE_MAX_LEASE_S) */
	bool dns_self;                  /* offer the board as the one DNS server (it answers its own names) */
};

/* Where a reply goes (RFC 2131 §4.1). */
enum dhcp_dst {
	DHCP_DST_NONE = 0,              /* nothing to send */
	DHCP_DST_BROADCAST,             /* 255.255.255.255:68 */
	DHCP_DST_UNICAST,               /* dst_ip:68, an address the client has (ciaddr) */
	DHCP_DST_HWADDR,                /* dst_ip:68 at dst_mac: the client has no address yet (no ARP) */
	DHCP_DST_COUNT
};

/* What became of one datagram. */
struct dhcp_serve_result {
	enum dhcp_dst dst;
	int reply_len;                  /* bytes of the reply in the caller's buffer (0 with DHCP_DST_NONE) */
	struct in_addr dst_ip;
	uint8_t dst_mac[6];
	bool leases_changed;            /* a lease was bound, released or declined: show the list again */
	bool conflict_changed;          /* another server was found, or is gone */
	bool malformed;                 /* not a DHCP message we can read: line says why */
	bool quiet;                     /* line is routine (a flood's offers): log it at debug level */
	char line[DHCP_SERVE_LINE_BYTES]; /* what happened, for the log; "" when nothing worth saying */
};

struct dhcp_serve {
	struct dhcp_serve_config cfg;
	struct dhcp_pool pool;
	bool conflict;                  /* another DHCP server answers on this LAN: failsafed stays silent */
	struct in_addr rival;           /* its server identifier (or source address) */
	uint64_t rival_seen_ms;         /* when one of its replies was last seen */
	uint32_t probe_xid;             /* our own DISCOVER, to find other servers */
	bool probing_mac_set;
	uint8_t probe_mac[6];           /* its chaddr: heard back on the server port, it is not a client */
	uint64_t probe_started_ms;
	/* counters */
	uint64_t received, malformed, ignored, offers, acks, naks, exhausted;
};

void dhcp_serve_init(struct dhcp_serve *s, const struct dhcp_serve_config *cfg);

/*
 * A datagram from src arrived on the server port (67): decide, and build
 * the reply into reply[0..cap) (cap >= DHCP_REPLY_MAX_BYTES). DISCOVER gets
 * an OFFER (or nothing when every address is bound), REQUEST an ACK or a
 * NAK (selecting, init-reboot, renewing, rebinding), DECLINE and RELEASE
 * change the table (RELEASE only from the client holding the address, sent
 * from it), INFORM an ACK without a lease. Relayed messages (giaddr), BOOTP
 * without option 53 and replies are ignored; so is everything while another
 * server answers (s->conflict).
 */
void dhcp_serve_request(struct dhcp_serve *s, const uint8_t *buf, size_t len, struct in_addr src, uint64_t now_ms,
			uint8_t *reply, size_t cap, struct dhcp_serve_result *r);

/*
 * A datagram from src arrived on the client port (68): an OFFER or ACK
 * whose server identifier is not the board's is another DHCP server on the
 * LAN. From then on the board stays silent (conflict_changed, line says
 * who) until a probe hears nobody (dhcp_serve_probe_done).
 */
void dhcp_serve_client_port(struct dhcp_serve *s, const uint8_t *buf, size_t len, struct in_addr src,
			    uint64_t now_ms, struct dhcp_serve_result *r);

/* A probe for other servers begins: a DISCOVER from mac into out (its length, or -EMSGSIZE). */
int dhcp_serve_probe(struct dhcp_serve *s, uint32_t xid, const uint8_t mac[6], uint64_t now_ms, uint8_t *out,
		     size_t cap);
/* The probe that began at probe_started_ms is over: nobody answered since, so a conflict is over. */
void dhcp_serve_probe_done(struct dhcp_serve *s, uint64_t now_ms, struct dhcp_serve_result *r);

/* "192.168.1.100-192.168.1.199" into out. */
void dhcp_serve_pool_text(const struct dhcp_serve *s, char *out, size_t size);
/* One line: "serving 192.168.1.100-192.168.1.199, leases of 300 s" or "silent: DHCP server 192.168.1.254 answers this LAN". */
void dhcp_serve_state_text(const struct dhcp_serve *s, char *out, size_t size);
/* Bound slot i as "192.168.1.100 02:00:00:00:00:01 laptop 280" (name "-" when none, seconds left); -ENOENT if not bound. */
int dhcp_serve_lease_text(const struct dhcp_serve *s, unsigned i, uint64_t now_ms, char *out, size_t size);
/* Lines for the failsafe banner: what a plugged-in computer gets and the leases (up to DHCP_SERVE_BANNER_LEASES), or why none. */
void dhcp_serve_banner(const struct dhcp_serve *s, uint64_t now_ms, char *out, size_t size);

#endif /* APP_DHCP_SERVE_H */
