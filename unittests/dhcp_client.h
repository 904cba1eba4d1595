/* unittests/dhcp_client.h — builds the DHCP messages a client sends, for the codec and server tables */
#ifndef UNITTESTS_DHCP_CLIENT_H
#define UNITTESTS_DHCP_CLIENT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "dhcp_msg.h"

struct client_msg {
	enum dhcp_type type;
	uint8_t mac_last;          /* chaddr 02:00:00:00:00:<mac_last> */
	const char *ciaddr;        /* NULL: 0.0.0.0 */
	const char *requested;     /* option 50, or NULL */
	const char *server_id;     /* option 54, or NULL */
	const char *hostname;      /* option 12, or NULL */
	const char *client_id;     /* option 61's bytes after type 0, or NULL */
	uint16_t flags;
	uint32_t xid;
};

static inline struct in_addr ip(const char *s)
{
	struct in_addr a = { 0 };

	if (s)
		inet_pton(AF_INET, s, &a);
	return a;
}

/* The UDP payload of c into out (at least 400 bytes); its length. */
static inline size_t client_build(const struct client_msg *c, uint8_t *out)
{
	size_t n = DHCP_MIN_BYTES;
	struct in_addr a;

	memset(out, 0, 400);
	out[0] = DHCP_BOOTREQUEST;
	out[1] = 1;
	out[2] = 6;
	out[4] = (uint8_t)(c->xid >> 24), out[5] = (uint8_t)(c->xid >> 16), out[6] = (uint8_t)(c->xid >> 8);
	out[7] = (uint8_t)c->xid;
	out[10] = (uint8_t)(c->flags >> 8), out[11] = (uint8_t)c->flags;
	a = ip(c->ciaddr);
	memcpy(out + 12, &a, 4);
	out[28] = 2, out[33] = c->mac_last;
	out[236] = 99, out[237] = 130, out[238] = 83, out[239] = 99;
	if (c->type) {
		out[n++] = DHCP_OPT_MSG_TYPE, out[n++] = 1, out[n++] = (uint8_t)c->type;
	}
	if (c->requested) {
		a = ip(c->requested);
		out[n++] = DHCP_OPT_REQUESTED_IP, out[n++] = 4;
		memcpy(out + n, &a, 4), n += 4;
	}
	if (c->server_id) {
		a = ip(c->server_id);
		out[n++] = DHCP_OPT_SERVER_ID, out[n++] = 4;
		memcpy(out + n, &a, 4), n += 4;
	}
	if (c->hostname) {
		out[n++] = DHCP_OPT_HOSTNAME, out[n++] = (uint8_t)strlen(c->hostname);
		memcpy(out + n, c->hostname, strlen(c->hostname)), n += strlen(c->hostname);
	}
	if (c->client_id) {
		out[n++] = DHCP_OPT_CLIENT_ID, out[n++] = (uint8_t)(1 + strlen(c->client_id)), out[n++] = 0;
		memcpy(out + n, c->client_id, strlen(c->client_id)), n += strlen(c->client_id);
	}
	out[n++] = DHCP_OPT_END;
	return n;
}

#endif /* UNITTESTS_DHCP_CLIENT_H */
