/* app/net/dhcp_serve.c — the DHCP server's decisions: RFC 2131 §4.3 per message type, another server found -> silence (pure) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcp_serve.h"

void dhcp_serve_init(struct dhcp_serve *s, const struct dhcp_serve_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	dhcp_pool_init(&s->pool, cfg->pool_first, cfg->pool_size);
}

static uint32_t mask_of(uint8_t prefix_len)
{
	return prefix_len ? htonl(~(uint32_t)0 << (32 - (prefix_len > 32 ? 32 : prefix_len))) : 0;
}

static bool in_subnet(const struct dhcp_serve *s, struct in_addr a)
{
	uint32_t m = mask_of(s->cfg.prefix_len);

	return (a.s_addr & m) == (s->cfg.server.s_addr & m);
}

static void say(struct dhcp_serve_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct dhcp_serve_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->line, sizeof(r->line), fmt, ap);
	va_end(ap);
}

/* "aa:bb:cc:dd:ee:ff" (or the hardware address as far as it goes) and " (name)" when the client gave one. */
static void who(const struct dhcp_msg *m, char *out, size_t size)
{
	int n = snprintf(out, size, "%02x:%02x:%02x:%02x:%02x:%02x", m->chaddr[0], m->chaddr[1], m->chaddr[2],
			 m->chaddr[3], m->chaddr[4], m->chaddr[5]);

	if (m->hostname[0] && n > 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, " (%s)", m->hostname);
}

/* The lease this request gets: ours, or the longer one it asks for (RFC 2131 §3.5), within the maximum. */
static uint32_t lease_for(const struct dhcp_serve *s, const struct dhcp_msg *m)
{
	uint32_t max = s->cfg.lease_s > DHCP_SERVE_MAX_LEASE_S ? s->cfg.lease_s : DHCP_SERVE_MAX_LEASE_S;

	if (m->type != DHCP_REQUEST || !m->has_lease_time || m->lease_s <= s->cfg.lease_s)
		return s->cfg.lease_s;
	return m->lease_s < max ? m->lease_s : max;
}

static void reply(struct dhcp_serve *s, const struct dhcp_msg *m, enum dhcp_type type, struct in_addr yiaddr,
		  const char *message, uint8_t *out, size_t cap, struct dhcp_serve_result *r)
{
	struct dhcp_reply_fields f = {
		.type = type,
		.yiaddr = yiaddr,
		.server_id = s->cfg.server,
		.message = message,
	};
	int len;

	if (type != DHCP_NAK) {
		uint32_t mask = mask_of(s->cfg.prefix_len);

		f.mask.s_addr = mask;
		f.broadcast.s_addr = s->cfg.server.s_addr | ~mask;
		f.dns_self = s->cfg.dns_self;
		if (m->type != DHCP_INFORM)
			f.lease_s = lease_for(s, m);
	}
	len = dhcp_msg_build_reply(m, &f, out, cap);
	if (len < 0) {
		say(r, "DHCP: no room for the %s reply (%d bytes of buffer)", dhcp_type_name(type), (int)cap);
		return;
	}
	r->reply_len = len;
	/* RFC 2131 §4.1: a NAK is broadcast; an address the client has is unicast; the broadcast bit or a
	 * hardware address ARP cannot be told about means broadcast; else unicast to the new address. */
	if (type == DHCP_NAK) {
		r->dst = DHCP_DST_BROADCAST;
	} else if (m->ciaddr.s_addr) {
		r->dst = DHCP_DST_UNICAST;
		r->dst_ip = m->ciaddr;
	} else if ((m->flags & DHCP_FLAG_BROADCAST) || m->htype != 1 || m->hlen != 6) {
		r->dst = DHCP_DST_BROADCAST;
	} else {
		r->dst = DHCP_DST_HWADDR;
		r->dst_ip = yiaddr;
		memcpy(r->dst_mac, m->chaddr, 6);
	}
	if (type == DHCP_OFFER)
		s->offers++;
	else if (type == DHCP_ACK)
		s->acks++;
	else
		s->naks++;
}

static void nak(struct dhcp_serve *s, const struct dhcp_msg *m, const char *why, uint8_t *out, size_t cap,
		struct dhcp_serve_result *r)
{
	char c[64];

	reply(s, m, DHCP_NAK, (struct in_addr){ 0 }, why, out, cap, r);
	who(m, c, sizeof(c));
	say(r, "DHCP: NAK to %s: %s", c, why);
}

static void on_discover(struct dhcp_serve *s, const struct dhcp_msg *m, uint64_t now_ms, uint8_t *out, size_t cap,
			struct dhcp_serve_result *r)
{
	struct in_addr want = m->has_requested_ip ? m->requested_ip : (struct in_addr){ 0 };
	int i = dhcp_pool_choose(&s->pool, &m->id, want, now_ms);
	char a[INET_ADDRSTRLEN], c[64];
	struct in_addr addr;

	who(m, c, sizeof(c));
	if (i < 0) {
		if (!s->exhausted++)
			say(r, "DHCP: every address of the pool is leased; no offer to %s (further ones not logged)", c);
		return;
	}
	addr = dhcp_pool_addr(&s->pool, (unsigned)i);
	dhcp_pool_offer(&s->pool, (unsigned)i, m, now_ms);
	reply(s, m, DHCP_OFFER, addr, NULL, out, cap, r);
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	r->quiet = true;
	say(r, "DHCP: offered %s to %s", a, c);
}

/* Bind addr to the client and ACK, or NAK naming why not. */
static void bind_or_nak(struct dhcp_serve *s, const struct dhcp_msg *m, struct in_addr addr, uint64_t now_ms,
			uint8_t *out, size_t cap, struct dhcp_serve_result *r)
{
	int i = dhcp_pool_index(&s->pool, addr);
	char a[INET_ADDRSTRLEN], c[64], why[128];
	bool renew;

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (!in_subnet(s, addr)) {
		snprintf(why, sizeof(why), "%s is not on this LAN", a);
		nak(s, m, why, out, cap, r);
		return;
	}
	if (i < 0) {
		dhcp_serve_pool_text(s, c, sizeof(c));
		snprintf(why, sizeof(why), "%s is outside the pool %s", a, c);
		nak(s, m, why, out, cap, r);
		return;
	}
	if (!dhcp_pool_bindable(&s->pool, (unsigned)i, &m->id, now_ms)) {
		snprintf(why, sizeof(why), "%s is leased to another client", a);
		nak(s, m, why, out, cap, r);
		return;
	}
	renew = dhcp_lease_state_at(&s->pool.l[i], now_ms) == DHCP_LEASE_BOUND;
	dhcp_pool_bind(&s->pool, (unsigned)i, m, now_ms, (uint64_t)lease_for(s, m) * 1000u);
	reply(s, m, DHCP_ACK, addr, NULL, out, cap, r);
	r->leases_changed = true;
	{
		struct dhcp_msg shown = *m;   /* with the name the lease keeps: a REQUEST often leaves option 12 out */

		memcpy(shown.hostname, s->pool.l[i].hostname, sizeof(shown.hostname));
		who(&shown, c, sizeof(c));
	}
	r->quiet = renew;
	say(r, "DHCP: %s %s to %s for %u s", renew ? "renewed" : "leased", a, c, lease_for(s, m));
}

static void on_request(struct dhcp_serve *s, const struct dhcp_msg *m, uint64_t now_ms, uint8_t *out, size_t cap,
		       struct dhcp_serve_result *r)
{
	char a[INET_ADDRSTRLEN], c[64];
	int i;

	who(m, c, sizeof(c));
	if (m->has_server_id) {                                  /* SELECTING */
		if (m->server_id.s_addr != s->cfg.server.s_addr) {
			if ((i = dhcp_pool_find(&s->pool, &m->id, now_ms)) >= 0 &&
			    dhcp_lease_state_at(&s->pool.l[i], now_ms) == DHCP_LEASE_OFFERED)
				dhcp_pool_free(&s->pool, (unsigned)i, now_ms);
			inet_ntop(AF_INET, &m->server_id, a, sizeof(a));
			say(r, "DHCP: %s chose the offer of server %s", c, a);
			s->ignored++;
			return;
		}
		if (!m->has_requested_ip) {
			say(r, "DHCP: REQUEST from %s names this server but no address (option 50): ignored", c);
			s->ignored++;
			return;
		}
		bind_or_nak(s, m, m->requested_ip, now_ms, out, cap, r);
	} else if (m->has_requested_ip) {                        /* INIT-REBOOT */
		bind_or_nak(s, m, m->requested_ip, now_ms, out, cap, r);
	} else if (m->ciaddr.s_addr) {                           /* RENEWING, REBINDING */
		bind_or_nak(s, m, m->ciaddr, now_ms, out, cap, r);
	} else {
		say(r, "DHCP: REQUEST from %s without server identifier, requested address or ciaddr: ignored", c);
		s->ignored++;
	}
}

/* RELEASE and DECLINE: the address named by a client that holds it, or nothing. */
static int held_slot(struct dhcp_serve *s, const struct dhcp_msg *m, struct in_addr addr, uint64_t now_ms,
		     const char *what, struct dhcp_serve_result *r)
{
	int i = dhcp_pool_index(&s->pool, addr);
	char a[INET_ADDRSTRLEN], c[64];
	enum dhcp_lease_state st;

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	who(m, c, sizeof(c));
	if (m->has_server_id && m->server_id.s_addr != s->cfg.server.s_addr)
		return -ENOENT; /* meant for another server */
	st = i >= 0 ? dhcp_lease_state_at(&s->pool.l[i], now_ms) : DHCP_LEASE_FREE;
	if (i < 0 || (st != DHCP_LEASE_BOUND && st != DHCP_LEASE_OFFERED) ||
	    !dhcp_client_id_equal(&s->pool.l[i].id, &m->id)) {
		say(r, "DHCP: %s of %s from %s, which does not hold it: ignored", what, a, c);
		s->ignored++;
		return -EPERM;
	}
	return i;
}

static void on_release(struct dhcp_serve *s, const struct dhcp_msg *m, struct in_addr src, uint64_t now_ms,
		       struct dhcp_serve_result *r)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int i;

	inet_ntop(AF_INET, &m->ciaddr, a, sizeof(a));
	/* A client releases from the address it gives back; one sent from elsewhere is someone else's word. */
	if (src.s_addr != m->ciaddr.s_addr) {
		inet_ntop(AF_INET, &src, b, sizeof(b));
		say(r, "DHCP: RELEASE of %s sent from %s: ignored", a, b);
		s->ignored++;
		return;
	}
	if ((i = held_slot(s, m, m->ciaddr, now_ms, "RELEASE", r)) < 0)
		return;
	dhcp_pool_free(&s->pool, (unsigned)i, now_ms);
	r->leases_changed = true;
	say(r, "DHCP: %s released", a);
}

static void on_decline(struct dhcp_serve *s, const struct dhcp_msg *m, uint64_t now_ms, struct dhcp_serve_result *r)
{
	char a[INET_ADDRSTRLEN];
	int i;

	if (!m->has_requested_ip) {
		say(r, "DHCP: DECLINE without the address (option 50): ignored");
		s->ignored++;
		return;
	}
	if ((i = held_slot(s, m, m->requested_ip, now_ms, "DECLINE", r)) < 0)
		return;
	dhcp_pool_decline(&s->pool, (unsigned)i, now_ms);
	r->leases_changed = true;
	inet_ntop(AF_INET, &m->requested_ip, a, sizeof(a));
	say(r, "DHCP: a client found %s in use by another host; not offered for %u s", a, DHCP_DECLINE_HOLD_MS / 1000);
}

void dhcp_serve_request(struct dhcp_serve *s, const uint8_t *buf, size_t len, struct in_addr src, uint64_t now_ms,
			uint8_t *out, size_t cap, struct dhcp_serve_result *r)
{
	struct dhcp_msg m;
	char why[DHCP_WHY_BYTES], c[64], a[INET_ADDRSTRLEN];

	memset(r, 0, sizeof(*r));
	s->received++;
	if (dhcp_msg_parse(buf, len, &m, why, sizeof(why)) < 0) {
		s->malformed++;
		r->malformed = true;
		inet_ntop(AF_INET, &src, a, sizeof(a));
		say(r, "DHCP: malformed message from %s dropped: %s", a, why);
		return;
	}
	if (s->probing_mac_set && m.xid == s->probe_xid && !memcmp(m.chaddr, s->probe_mac, 6))
		return; /* our own probe, looped back by the kernel */
	who(&m, c, sizeof(c));
	if (m.op != DHCP_BOOTREQUEST || m.type == DHCP_NONE || m.giaddr.s_addr) {
		s->ignored++;
		say(r, "DHCP: %s from %s ignored: %s", dhcp_type_name(m.type), c,
		    m.op != DHCP_BOOTREQUEST ? "a reply on the server port" :
		    m.type == DHCP_NONE ? "BOOTP without a DHCP message type is not served" :
		    "relayed (giaddr set): failsafed serves only the LAN it is on");
		return;
	}
	if (s->conflict) {
		s->ignored++;
		r->quiet = true;
		inet_ntop(AF_INET, &s->rival, a, sizeof(a));
		say(r, "DHCP: %s from %s not answered: DHCP server %s answers this LAN", dhcp_type_name(m.type), c, a);
		return;
	}
	switch (m.type) {
	case DHCP_DISCOVER:
		on_discover(s, &m, now_ms, out, cap, r);
		break;
	case DHCP_REQUEST:
		on_request(s, &m, now_ms, out, cap, r);
		break;
	case DHCP_DECLINE:
		on_decline(s, &m, now_ms, r);
		break;
	case DHCP_RELEASE:
		on_release(s, &m, src, now_ms, r);
		break;
	case DHCP_INFORM:
		if (!m.ciaddr.s_addr || !in_subnet(s, m.ciaddr)) {
			inet_ntop(AF_INET, &m.ciaddr, a, sizeof(a));
			say(r, "DHCP: INFORM from %s with ciaddr %s, not on this LAN: ignored", c, a);
			s->ignored++;
			break;
		}
		reply(s, &m, DHCP_ACK, (struct in_addr){ 0 }, NULL, out, cap, r);
		inet_ntop(AF_INET, &m.ciaddr, a, sizeof(a));
		say(r, "DHCP: INFORM from %s at %s answered", c, a);
		break;
	default:
		s->ignored++;
		say(r, "DHCP: %s from %s on the server port: ignored", dhcp_type_name(m.type), c);
		break;
	}
}

void dhcp_serve_client_port(struct dhcp_serve *s, const uint8_t *buf, size_t len, struct in_addr src,
			    uint64_t now_ms, struct dhcp_serve_result *r)
{
	struct dhcp_msg m;
	struct in_addr rival;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	memset(r, 0, sizeof(*r));
	if (dhcp_msg_parse(buf, len, &m, NULL, 0) < 0 || m.op != DHCP_BOOTREPLY ||
	    (m.type != DHCP_OFFER && m.type != DHCP_ACK && m.type != DHCP_NAK))
		return;
	rival = m.has_server_id ? m.server_id : src;
	if (rival.s_addr == s->cfg.server.s_addr || (!m.has_server_id && src.s_addr == 0))
		return; /* our own broadcast, heard back */
	s->rival_seen_ms = now_ms;
	if (s->conflict && s->rival.s_addr == rival.s_addr)
		return;
	s->conflict = true;
	s->rival = rival;
	r->conflict_changed = true;
	inet_ntop(AF_INET, &rival, a, sizeof(a));
	inet_ntop(AF_INET, &src, b, sizeof(b));
	say(r, "DHCP: another DHCP server answers on this LAN (server %s, from %s, its %s); failsafed hands out no "
	    "addresses while it does", a, b, dhcp_type_name(m.type));
}

int dhcp_serve_probe(struct dhcp_serve *s, uint32_t xid, const uint8_t mac[6], uint64_t now_ms, uint8_t *out,
		     size_t cap)
{
	s->probe_xid = xid;
	s->probe_started_ms = now_ms;
	memcpy(s->probe_mac, mac, 6);
	s->probing_mac_set = true;
	return dhcp_msg_build_discover(xid, mac, out, cap);
}

void dhcp_serve_probe_done(struct dhcp_serve *s, uint64_t now_ms, struct dhcp_serve_result *r)
{
	char a[INET_ADDRSTRLEN];

	memset(r, 0, sizeof(*r));
	(void)now_ms;
	if (!s->conflict || s->rival_seen_ms >= s->probe_started_ms)
		return;
	inet_ntop(AF_INET, &s->rival, a, sizeof(a));
	s->conflict = false;
	r->conflict_changed = true;
	say(r, "DHCP: server %s no longer answers; failsafed hands out addresses again", a);
}

void dhcp_serve_pool_text(const struct dhcp_serve *s, char *out, size_t size)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct in_addr last = dhcp_pool_addr(&s->pool, s->pool.size ? s->pool.size - 1 : 0);

	inet_ntop(AF_INET, &s->cfg.pool_first, a, sizeof(a));
	inet_ntop(AF_INET, &last, b, sizeof(b));
	snprintf(out, size, "%s-%s", a, b);
}

void dhcp_serve_state_text(const struct dhcp_serve *s, char *out, size_t size)
{
	char pool[40], a[INET_ADDRSTRLEN];

	if (s->conflict) {
		inet_ntop(AF_INET, &s->rival, a, sizeof(a));
		snprintf(out, size, "silent: DHCP server %s answers this LAN", a);
		return;
	}
	dhcp_serve_pool_text(s, pool, sizeof(pool));
	snprintf(out, size, "serving %s, leases of %u s", pool, s->cfg.lease_s);
}

int dhcp_serve_lease_text(const struct dhcp_serve *s, unsigned i, uint64_t now_ms, char *out, size_t size)
{
	const struct dhcp_lease *l = &s->pool.l[i];
	char a[INET_ADDRSTRLEN];
	struct in_addr addr = dhcp_pool_addr(&s->pool, i);

	if (i >= s->pool.size || dhcp_lease_state_at(l, now_ms) != DHCP_LEASE_BOUND)
		return -ENOENT;
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(out, size, "%s %02x:%02x:%02x:%02x:%02x:%02x %s %llu", a, l->mac[0], l->mac[1], l->mac[2], l->mac[3],
		 l->mac[4], l->mac[5], l->hostname[0] ? l->hostname : "-",
		 (unsigned long long)((l->expires_ms - now_ms + 999) / 1000));
	return 0;
}

void dhcp_serve_banner(const struct dhcp_serve *s, uint64_t now_ms, char *out, size_t size)
{
	unsigned idx[DHCP_SERVE_BANNER_LEASES];
	size_t n = dhcp_pool_bound(&s->pool, now_ms, idx, DHCP_SERVE_BANNER_LEASES), used;
	char pool[40], a[INET_ADDRSTRLEN], line[96];

	if (s->conflict) {
		inet_ntop(AF_INET, &s->rival, a, sizeof(a));
		snprintf(out, size, "DHCP: off - another DHCP server (%s) answers on this LAN and failsafed does not\n"
			 "      fight it: unplug that router, or give the computer 192.168.1.2/24 by hand\n", a);
		return;
	}
	dhcp_serve_pool_text(s, pool, sizeof(pool));
	used = (size_t)snprintf(out, size, "DHCP: a computer plugged in here gets an address from %s\n"
				"      (no gateway, leases of %u s); %zu leased%s\n", pool, s->cfg.lease_s, n,
				n ? ":" : "");
	for (size_t k = 0; k < n && k < DHCP_SERVE_BANNER_LEASES && used < size; k++) {
		if (dhcp_serve_lease_text(s, idx[k], now_ms, line, sizeof(line)) == 0)
			used += (size_t)snprintf(out + used, size - used, "      %s s left\n", line);
	}
	if (n > DHCP_SERVE_BANNER_LEASES && used < size)
		snprintf(out + used, size - used, "      and %zu more (failsafed status)\n", n - DHCP_SERVE_BANNER_LEASES);
}
