/* app/net/dhcp_lease.c — the DHCP lease table: fixed slots, lazy expiry, RFC 2131's address choice (pure) */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dhcp_lease.h"

void dhcp_pool_init(struct dhcp_pool *p, struct in_addr first, unsigned size)
{
	memset(p, 0, sizeof(*p));
	p->first = ntohl(first.s_addr);
	p->size = size < DHCP_LEASE_MAX ? size : DHCP_LEASE_MAX;
}

int dhcp_pool_index(const struct dhcp_pool *p, struct in_addr addr)
{
	uint32_t a = ntohl(addr.s_addr);

	return a >= p->first && a - p->first < p->size ? (int)(a - p->first) : -1;
}

struct in_addr dhcp_pool_addr(const struct dhcp_pool *p, unsigned i)
{
	return (struct in_addr){ .s_addr = htonl(p->first + i) };
}

enum dhcp_lease_state dhcp_lease_state_at(const struct dhcp_lease *l, uint64_t now_ms)
{
	return l->state != DHCP_LEASE_FREE && now_ms >= l->expires_ms ? DHCP_LEASE_FREE : l->state;
}

int dhcp_pool_find(const struct dhcp_pool *p, const struct dhcp_client_id *id, uint64_t now_ms)
{
	for (unsigned i = 0; i < p->size; i++) {
		enum dhcp_lease_state s = dhcp_lease_state_at(&p->l[i], now_ms);

		if ((s == DHCP_LEASE_OFFERED || s == DHCP_LEASE_BOUND) && dhcp_client_id_equal(&p->l[i].id, id))
			return (int)i;
	}
	return -1;
}

bool dhcp_pool_available_to(const struct dhcp_pool *p, unsigned i, const struct dhcp_client_id *id, uint64_t now_ms)
{
	enum dhcp_lease_state s;

	if (i >= p->size)
		return false;
	s = dhcp_lease_state_at(&p->l[i], now_ms);
	return s == DHCP_LEASE_FREE ||
	       ((s == DHCP_LEASE_OFFERED || s == DHCP_LEASE_BOUND) && dhcp_client_id_equal(&p->l[i].id, id));
}

bool dhcp_pool_bindable(const struct dhcp_pool *p, unsigned i, const struct dhcp_client_id *id, uint64_t now_ms)
{
	return dhcp_pool_available_to(p, i, id, now_ms) ||
	       (i < p->size && dhcp_lease_state_at(&p->l[i], now_ms) == DHCP_LEASE_OFFERED);
}

int dhcp_pool_choose(const struct dhcp_pool *p, const struct dhcp_client_id *id, struct in_addr requested,
		     uint64_t now_ms)
{
	int fresh = -1, stale = -1, offer = -1, r;

	if ((r = dhcp_pool_find(p, id, now_ms)) >= 0)
		return r;
	for (unsigned i = 0; i < p->size; i++) {
		const struct dhcp_lease *l = &p->l[i];

		if (dhcp_lease_state_at(l, now_ms) == DHCP_LEASE_FREE && l->used && dhcp_client_id_equal(&l->id, id))
			return (int)i;
	}
	if (requested.s_addr && (r = dhcp_pool_index(p, requested)) >= 0 &&
	    dhcp_lease_state_at(&p->l[r], now_ms) == DHCP_LEASE_FREE)
		return r;
	for (unsigned i = 0; i < p->size; i++) {
		const struct dhcp_lease *l = &p->l[i];
		enum dhcp_lease_state s = dhcp_lease_state_at(l, now_ms);

		if (s == DHCP_LEASE_FREE && !l->used) {
			if (fresh < 0)
				fresh = (int)i;
		} else if (s == DHCP_LEASE_FREE) {
			if (stale < 0 || l->expires_ms < p->l[stale].expires_ms)
				stale = (int)i;
		} else if (s == DHCP_LEASE_OFFERED) {
			if (offer < 0 || l->since_ms < p->l[offer].since_ms)
				offer = (int)i;
		}
	}
	if (fresh >= 0)
		return fresh;
	if (stale >= 0)
		return stale;
	return offer >= 0 ? offer : -ENOSPC;
}

static void take(struct dhcp_lease *l, enum dhcp_lease_state s, const struct dhcp_msg *m, uint64_t now_ms,
		 uint64_t hold_ms)
{
	bool same = l->used && dhcp_client_id_equal(&l->id, &m->id);

	l->state = s;
	l->used = true;
	l->id = m->id;
	memcpy(l->mac, m->chaddr, sizeof(l->mac));
	/* A renewal often leaves option 12 out: keep the name the client gave before. */
	if (m->hostname[0] || !same)
		memcpy(l->hostname, m->hostname, sizeof(l->hostname));
	l->since_ms = now_ms;
	l->expires_ms = now_ms + hold_ms;
}

void dhcp_pool_offer(struct dhcp_pool *p, unsigned i, const struct dhcp_msg *m, uint64_t now_ms)
{
	if (i < p->size)
		take(&p->l[i], DHCP_LEASE_OFFERED, m, now_ms, DHCP_OFFER_HOLD_MS);
}

void dhcp_pool_bind(struct dhcp_pool *p, unsigned i, const struct dhcp_msg *m, uint64_t now_ms, uint64_t lease_ms)
{
	if (i >= p->size)
		return;
	/* One address per client: one it held before and now asks past (init-reboot elsewhere) is given up. */
	for (unsigned j = 0; j < p->size; j++) {
		enum dhcp_lease_state s = dhcp_lease_state_at(&p->l[j], now_ms);

		if (j != i && (s == DHCP_LEASE_OFFERED || s == DHCP_LEASE_BOUND) && dhcp_client_id_equal(&p->l[j].id, &m->id))
			dhcp_pool_free(p, j, now_ms);
	}
	take(&p->l[i], DHCP_LEASE_BOUND, m, now_ms, lease_ms);
}

void dhcp_pool_free(struct dhcp_pool *p, unsigned i, uint64_t now_ms)
{
	if (i < p->size && p->l[i].state != DHCP_LEASE_DECLINED) {
		p->l[i].state = DHCP_LEASE_FREE;
		p->l[i].expires_ms = now_ms;   /* free since now: the last to be handed to someone else */
	}
}

void dhcp_pool_decline(struct dhcp_pool *p, unsigned i, uint64_t now_ms)
{
	if (i >= p->size)
		return;
	p->l[i].state = DHCP_LEASE_DECLINED;
	p->l[i].used = false;   /* the client that declined it must not get it back first */
	memset(&p->l[i].id, 0, sizeof(p->l[i].id));
	p->l[i].expires_ms = now_ms + DHCP_DECLINE_HOLD_MS;
}

size_t dhcp_pool_bound(const struct dhcp_pool *p, uint64_t now_ms, unsigned *idx, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < p->size; i++)
		if (dhcp_lease_state_at(&p->l[i], now_ms) == DHCP_LEASE_BOUND) {
			if (n < max)
				idx[n] = i;
			n++;
		}
	return n;
}
