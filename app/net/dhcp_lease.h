/* app/net/dhcp_lease.h — the DHCP lease table: one fixed slot per pool address, states that end by time (pure, now_ms in) */
#ifndef APP_DHCP_LEASE_H
#define APP_DHCP_LEASE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp_msg.h"

#define DHCP_LEASE_MAX 253                 /* slots: a /24 without network, broadcast and the board */
#define DHCP_OFFER_HOLD_MS 30000u          /* an offer reserves its address this long (RFC 2131 §4.3.1) */
#define DHCP_DECLINE_HOLD_MS 600000u       /* an address a client found in use is not offered for 10 min */

enum dhcp_lease_state {
	DHCP_LEASE_FREE = 0,
	DHCP_LEASE_OFFERED,                /* reserved for a client that was offered it */
	DHCP_LEASE_BOUND,                  /* acknowledged: the client's until expires_ms */
	DHCP_LEASE_DECLINED,               /* a client said another host uses it (DHCPDECLINE) */
	DHCP_LEASE_STATE_COUNT
};

struct dhcp_lease {
	enum dhcp_lease_state state;       /* as last set; dhcp_lease_state_at() applies expiry */
	bool used;                         /* ever offered or bound: id, mac, hostname say to whom */
	struct dhcp_client_id id;          /* kept after expiry and release: the client gets it back first */
	uint8_t mac[6];
	char hostname[DHCP_HOSTNAME_BYTES];
	uint64_t expires_ms;               /* when OFFERED, BOUND or DECLINED ends */
	uint64_t since_ms;                 /* when it was last offered or bound */
};

struct dhcp_pool {
	uint32_t first;                    /* host order */
	unsigned size;                     /* 1..DHCP_LEASE_MAX */
	struct dhcp_lease l[DHCP_LEASE_MAX];
};

/* An empty pool of size addresses from first (network order); size is capped at DHCP_LEASE_MAX. */
void dhcp_pool_init(struct dhcp_pool *p, struct in_addr first, unsigned size);
/* The slot of addr, or -1 when addr is outside the pool. */
int dhcp_pool_index(const struct dhcp_pool *p, struct in_addr addr);
/* The address of slot i (network order). */
struct in_addr dhcp_pool_addr(const struct dhcp_pool *p, unsigned i);
/* The state of a slot at now_ms: OFFERED, BOUND and DECLINED end at expires_ms. */
enum dhcp_lease_state dhcp_lease_state_at(const struct dhcp_lease *l, uint64_t now_ms);
/* The client's offered or bound slot at now_ms, or -1. */
int dhcp_pool_find(const struct dhcp_pool *p, const struct dhcp_client_id *id, uint64_t now_ms);
/* Slot i may be given to id now: free, or already offered or bound to id. */
bool dhcp_pool_available_to(const struct dhcp_pool *p, unsigned i, const struct dhcp_client_id *id, uint64_t now_ms);
/*
 * Slot i may be bound to id by its REQUEST: available to it, or only offered
 * to another client. The first REQUEST wins: under a flood of DISCOVERs an
 * offer is recycled before its client can ask for it, and it must still
 * get it.
 */
bool dhcp_pool_bindable(const struct dhcp_pool *p, unsigned i, const struct dhcp_client_id *id, uint64_t now_ms);

/*
 * The slot to offer id (RFC 2131 §4.3.1's order): its current binding, its
 * previous address if free, the requested address (0: none) if free, a
 * free address nobody had yet, the free one unused longest, and when none
 * is free the oldest offer to another client (a flood of DISCOVERs
 * recycles offers, never a bound lease). -ENOSPC when every address is
 * bound or declined.
 */
int dhcp_pool_choose(const struct dhcp_pool *p, const struct dhcp_client_id *id, struct in_addr requested,
		     uint64_t now_ms);
/* Reserve slot i for id for DHCP_OFFER_HOLD_MS. */
void dhcp_pool_offer(struct dhcp_pool *p, unsigned i, const struct dhcp_msg *m, uint64_t now_ms);
/* Bind slot i to id until now_ms + lease_ms; any other slot id held is freed (one address per client). */
void dhcp_pool_bind(struct dhcp_pool *p, unsigned i, const struct dhcp_msg *m, uint64_t now_ms, uint64_t lease_ms);
/* The client gives slot i back (DHCPRELEASE) or took another server's offer: free, id kept. */
void dhcp_pool_free(struct dhcp_pool *p, unsigned i, uint64_t now_ms);
/* Slot i is in use by a host we do not know (DHCPDECLINE): not offered for DHCP_DECLINE_HOLD_MS. */
void dhcp_pool_decline(struct dhcp_pool *p, unsigned i, uint64_t now_ms);
/* Slots bound at now_ms, in address order, into idx (up to max). Returns how many there are (may exceed max). */
size_t dhcp_pool_bound(const struct dhcp_pool *p, uint64_t now_ms, unsigned *idx, size_t max);

#endif /* APP_DHCP_LEASE_H */
