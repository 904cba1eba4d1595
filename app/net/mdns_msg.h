/* app/net/mdns_msg.h — the board's mDNS answers (RFC 6762): failsafe.local and <board>.failsafe.local, A and AAAA (pure) */
#ifndef APP_MDNS_MSG_H
#define APP_MDNS_MSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MDNS_PORT 5353
#define MDNS_NAME_BYTES 80              /* a name we answer for, dotted, with NUL */
#define MDNS_NAMES 2
#define MDNS_TTL_S 120                  /* RFC 6762 §10: host address records */
#define MDNS_LEGACY_TTL_S 10            /* §6.7: answers to a one-shot resolver */
#define MDNS_REPLY_BYTES 512            /* every answer fits; a querier may not take more than 512 over legacy */
#define MDNS_RATE_MS 1000u              /* §6: a record is multicast at most once a second */
#define MDNS_WHY_BYTES 96

enum mdns_to {
	MDNS_TO_NONE = 0,
	MDNS_TO_MULTICAST,                  /* 224.0.0.251 / ff02::fb, port 5353 */
	MDNS_TO_SOURCE,                     /* the querier's address and port (QU bit, or a legacy resolver) */
	MDNS_TO_COUNT
};

/* The responder: its names and addresses, and when each record was last multicast. */
struct mdns {
	char name[MDNS_NAMES][MDNS_NAME_BYTES];  /* "failsafe.local", "<board>.failsafe.local" */
	unsigned n_names;
	struct in_addr v4;                  /* 0: no A record */
	bool has_v6;
	struct in6_addr v6;                 /* the port's link-local address: the AAAA record */
	uint64_t last_mc_ms[2];             /* A, AAAA: last multicast (0: never) */
	uint64_t queries, answered, malformed;
};

/* What became of one datagram. */
struct mdns_result {
	enum mdns_to to;
	int len;                            /* bytes of the reply in the caller's buffer */
	bool malformed;
	char why[MDNS_WHY_BYTES];           /* for a malformed datagram: one line */
};

/*
 * The names: "failsafe.local" and, when board is a valid DNS label
 * (letters, digits, '-', 1..63), "<board>.failsafe.local", lower case.
 * v4 in network order.
 */
void mdns_init(struct mdns *m, const char *board, struct in_addr v4);
/* The link-local address of the port (for AAAA), or none (NULL). */
void mdns_set_v6(struct mdns *m, const struct in6_addr *v6);

/*
 * One datagram that arrived on port 5353 from src_port: a query whose
 * questions name ours (A, AAAA or ANY; names compare without case; known
 * answers suppress what the querier already has) gets a response in
 * reply[0..cap): multicast, or to the source when the question has the QU
 * bit or the querier is a one-shot resolver (src_port != 5353: the ID and
 * question echoed, TTL 10, RFC 6762 §6.7). A record multicast less than a
 * second ago is not multicast again. Responses, other opcodes and
 * malformed messages get nothing (r->why says what was wrong with the
 * latter). Never reads outside buf[0..len).
 */
void mdns_handle(struct mdns *m, const uint8_t *buf, size_t len, uint16_t src_port, uint64_t now_ms, uint8_t *reply,
		 size_t cap, struct mdns_result *r);

/* An unsolicited response with every record (RFC 6762 §8.3 announcing); its length, or -EMSGSIZE. */
int mdns_announce(struct mdns *m, uint64_t now_ms, uint8_t *out, size_t cap);

#endif /* APP_MDNS_MSG_H */
