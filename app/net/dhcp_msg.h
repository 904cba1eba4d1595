/* app/net/dhcp_msg.h — DHCPv4 messages (RFC 2131/2132): parse what a peer sent, build what the board sends (pure) */
#ifndef APP_DHCP_MSG_H
#define APP_DHCP_MSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_BYTES 236          /* op .. file: the BOOTP header */
#define DHCP_MIN_BYTES 240            /* the header and the magic cookie */
#define DHCP_MAGIC_COOKIE 0x63825363u /* 99.130.83.99 */
#define DHCP_CHADDR_BYTES 16
#define DHCP_REPLY_MAX_BYTES 548      /* what every client must accept (576 - IP - UDP), RFC 2131 §2 */
#define DHCP_FLAG_BROADCAST 0x8000u
#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_HOSTNAME_BYTES 33        /* option 12 as kept for display: 32 safe characters and NUL */
#define DHCP_ID_PREFIX_BYTES 32       /* a client identifier is kept as its first bytes, length and hash */
#define DHCP_WHY_BYTES 96

/* Option codes used here (RFC 2132). */
enum {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_END = 255,
};

/* Option 53's values. */
enum dhcp_type {
	DHCP_NONE = 0,                  /* BOOTP: no option 53 */
	DHCP_DISCOVER = 1,
	DHCP_OFFER,
	DHCP_REQUEST,
	DHCP_DECLINE,
	DHCP_ACK,
	DHCP_NAK,
	DHCP_RELEASE,
	DHCP_INFORM,
	DHCP_TYPE_COUNT
};

/*
 * Who a client is (RFC 2131 §4.2): option 61 when it sent one, else its
 * hardware type and address. Kept as length, first bytes and a 64-bit hash
 * of all of them, so any length compares in fixed space.
 */
struct dhcp_client_id {
	uint16_t len;                   /* 0: none */
	uint8_t prefix[DHCP_ID_PREFIX_BYTES];
	uint64_t hash;                  /* FNV-1a over every byte */
};

/* One parsed message. Addresses in network order. */
struct dhcp_msg {
	uint8_t op;                     /* DHCP_BOOTREQUEST, DHCP_BOOTREPLY */
	uint8_t htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_BYTES];
	enum dhcp_type type;
	bool has_requested_ip;
	struct in_addr requested_ip;    /* option 50 */
	bool has_server_id;
	struct in_addr server_id;       /* option 54 */
	bool has_lease_time;
	uint32_t lease_s;               /* option 51 (a REQUEST's wish) */
	uint16_t max_size;              /* option 57, 0 when absent */
	struct dhcp_client_id id;       /* option 61, or htype + chaddr */
	bool id_from_option;            /* id came from option 61 */
	char hostname[DHCP_HOSTNAME_BYTES]; /* option 12: letters, digits, '-', '_', '.'; others as '?' */
};

/*
 * Parse one UDP payload. Options are read from the options field, then
 * from file and sname when option 52 says they carry options (RFC 2131
 * §4.1); an option given more than once is the concatenation of its parts
 * (RFC 3396). Returns 0, or -EBADMSG with one line in why (at least
 * DHCP_WHY_BYTES) naming what was wrong: too short, no magic cookie, an
 * option running past the end, a bad length of option 50/51/53/54/57, an
 * unknown message type, a hardware address longer than 16. Never reads
 * outside buf[0..len).
 */
int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m, char *why, size_t why_size);

/* The client identifier of option 61's bytes, or of htype + chaddr (hlen capped at 16). */
void dhcp_client_id_of(struct dhcp_client_id *id, const uint8_t *bytes, size_t len);
bool dhcp_client_id_equal(const struct dhcp_client_id *a, const struct dhcp_client_id *b);

/* "DISCOVER", "OFFER", ... "BOOTP" for DHCP_NONE, "?" out of range. */
const char *dhcp_type_name(enum dhcp_type t);

/* What the board puts into a reply. */
struct dhcp_reply_fields {
	enum dhcp_type type;            /* OFFER, ACK or NAK */
	struct in_addr yiaddr;          /* 0 for NAK and for an ACK to INFORM */
	struct in_addr server_id;
	uint32_t lease_s;               /* 0: no lease options (NAK, INFORM) */
	struct in_addr mask;            /* 0: no options 1 and 28 (NAK) */
	struct in_addr broadcast;
	bool dns_self;                  /* option 6 = server_id: the board answers DNS for its own names */
	const char *message;            /* option 56 (NAK): why, or NULL */
};

/*
 * Build the reply to request req: BOOTREPLY with req's htype, hlen, xid,
 * flags (the broadcast bit forced on for a NAK), giaddr and chaddr,
 * yiaddr, options 53, 54, then 51/58/59 (T1 = lease/2, T2 = lease*7/8),
 * 1, 28, 6 as given, 56, END, padded to 300 bytes as BOOTP clients expect.
 * Returns the length (<= DHCP_REPLY_MAX_BYTES), or -EMSGSIZE when cap is
 * too small, -EINVAL for a type other than OFFER/ACK/NAK.
 */
int dhcp_msg_build_reply(const struct dhcp_msg *req, const struct dhcp_reply_fields *f, uint8_t *out, size_t cap);

/*
 * Build a DHCPDISCOVER as a client would send it, to find other servers on
 * the LAN: broadcast bit set (replies come broadcast, so the board sees
 * them), chaddr = mac, client id 01:mac. Returns the length or -EMSGSIZE.
 */
int dhcp_msg_build_discover(uint32_t xid, const uint8_t mac[6], uint8_t *out, size_t cap);

/* What a client puts into a REQUEST or RELEASE (failsafectl taking a lease from the board). */
struct dhcp_client_fields {
	enum dhcp_type type;            /* DHCP_REQUEST (selecting) or DHCP_RELEASE */
	uint32_t xid;
	uint8_t mac[6];                 /* chaddr, and the client id 01:mac */
	struct in_addr ciaddr;          /* RELEASE: the address given back */
	struct in_addr requested;       /* REQUEST: option 50 */
	struct in_addr server_id;       /* option 54 */
	uint32_t lease_s;               /* REQUEST: option 51, the lease time asked for; 0: none */
	const char *hostname;           /* option 12, or NULL */
};

/* Build it, broadcast bit set for a REQUEST. Returns the length, -EMSGSIZE, or -EINVAL for another type. */
int dhcp_msg_build_client(const struct dhcp_client_fields *f, uint8_t *out, size_t cap);

#endif /* APP_DHCP_MSG_H */
