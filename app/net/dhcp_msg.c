/* app/net/dhcp_msg.c — DHCPv4 codec: a bounded option walker for untrusted bytes, and the board's replies (pure) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dhcp_msg.h"

#define OFF_OPTIONS 240
#define OFF_SNAME 44
#define SNAME_BYTES 64
#define OFF_FILE 108
#define FILE_BYTES 128
#define BOOTP_MIN_REPLY_BYTES 300    /* RFC 1542 §2.1: some BOOTP relays and clients drop shorter ones */
#define GATHER_BYTES 255             /* per kept option, across RFC 3396 parts */

/* The options kept while walking: their parts concatenated. */
enum { K_TYPE, K_REQ_IP, K_SERVER_ID, K_LEASE, K_MAX_SIZE, K_CLIENT_ID, K_HOSTNAME, K_OVERLOAD, K_COUNT };
static const uint8_t kept_code[K_COUNT] = {
	[K_TYPE] = DHCP_OPT_MSG_TYPE, [K_REQ_IP] = DHCP_OPT_REQUESTED_IP, [K_SERVER_ID] = DHCP_OPT_SERVER_ID,
	[K_LEASE] = DHCP_OPT_LEASE_TIME, [K_MAX_SIZE] = DHCP_OPT_MAX_SIZE, [K_CLIENT_ID] = DHCP_OPT_CLIENT_ID,
	[K_HOSTNAME] = DHCP_OPT_HOSTNAME, [K_OVERLOAD] = DHCP_OPT_OVERLOAD,
};

struct gather {
	bool seen[K_COUNT];
	uint16_t len[K_COUNT];           /* total length, even past GATHER_BYTES */
	uint8_t data[K_COUNT][GATHER_BYTES];
};

static const char *const type_names[DHCP_TYPE_COUNT] = {
	"BOOTP", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
};

const char *dhcp_type_name(enum dhcp_type t)
{
	return (unsigned)t < DHCP_TYPE_COUNT ? type_names[t] : "?";
}

static int bad(char *why, size_t why_size, const char *fmt, unsigned a, unsigned b)
{
	if (why && why_size)
		snprintf(why, why_size, fmt, a, b);
	return -EBADMSG;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walk one option area; stops at END. 0 or -EBADMSG (an option running past the area). */
static int walk(const uint8_t *p, size_t n, const char *area, struct gather *g, char *why, size_t why_size)
{
	size_t i = 0;

	while (i < n) {
		uint8_t code = p[i], olen;

		if (code == DHCP_OPT_END)
			return 0;
		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (i + 1 >= n || i + 2 + p[i + 1] > n) {
			if (why && why_size)
				snprintf(why, why_size, "option %u in %s runs past its end", code, area);
			return -EBADMSG;
		}
		olen = p[i + 1];
		for (unsigned k = 0; k < K_COUNT; k++) {
			if (kept_code[k] != code)
				continue;
			if (g->len[k] < GATHER_BYTES)
				memcpy(g->data[k] + g->len[k], p + i + 2,
				       olen < GATHER_BYTES - g->len[k] ? olen : GATHER_BYTES - g->len[k]);
			g->len[k] = (uint16_t)(g->len[k] + olen);
			g->seen[k] = true;
		}
		i += 2u + olen;
	}
	return 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

void dhcp_client_id_of(struct dhcp_client_id *id, const uint8_t *bytes, size_t len)
{
	memset(id, 0, sizeof(*id));
	id->len = (uint16_t)(len > 0xffff ? 0xffff : len);
	memcpy(id->prefix, bytes, len < DHCP_ID_PREFIX_BYTES ? len : DHCP_ID_PREFIX_BYTES);
	id->hash = fnv1a(bytes, len);
}

bool dhcp_client_id_equal(const struct dhcp_client_id *a, const struct dhcp_client_id *b)
{
	return a->len && a->len == b->len && a->hash == b->hash && !memcmp(a->prefix, b->prefix, sizeof(a->prefix));
}

static void keep_hostname(char *out, const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < DHCP_HOSTNAME_BYTES; i++) {
		uint8_t c = p[i];

		if (c == 0)
			break;
		out[k++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				  c == '-' || c == '_' || c == '.' ? c : '?');
	}
	out[k] = '\0';
}

static int fixed_len(const struct gather *g, unsigned k, unsigned want, const char *name, char *why, size_t why_size)
{
	if (g->seen[k] && g->len[k] != want) {
		if (why && why_size)
			snprintf(why, why_size, "option %u (%s) is %u bytes, not %u", kept_code[k], name,
				 (unsigned)g->len[k], want);
		return -EBADMSG;
	}
	return 0;
}

int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m, char *why, size_t why_size)
{
	struct gather g;
	uint8_t idbuf[1 + DHCP_CHADDR_BYTES];
	int rc;

	memset(m, 0, sizeof(*m));
	if (why && why_size)
		why[0] = '\0';
	if (len < DHCP_MIN_BYTES)
		return bad(why, why_size, "%u bytes, shorter than the %u of a DHCP header and cookie",
			   (unsigned)len, DHCP_MIN_BYTES);
	if (get32(buf + DHCP_FIXED_BYTES) != DHCP_MAGIC_COOKIE)
		return bad(why, why_size, "no DHCP magic cookie (99.130.83.99) after the %u-byte header",
			   DHCP_FIXED_BYTES, 0);
	m->op = buf[0];
	if (m->op != DHCP_BOOTREQUEST && m->op != DHCP_BOOTREPLY)
		return bad(why, why_size, "op %u is neither BOOTREQUEST (1) nor BOOTREPLY (2)", m->op, 0);
	m->htype = buf[1];
	m->hlen = buf[2];
	if (m->hlen > DHCP_CHADDR_BYTES)
		return bad(why, why_size, "hardware address length %u is more than %u", m->hlen, DHCP_CHADDR_BYTES);
	m->hops = buf[3];
	m->xid = get32(buf + 4);
	m->secs = (uint16_t)(buf[8] << 8 | buf[9]);
	m->flags = (uint16_t)(buf[10] << 8 | buf[11]);
	memcpy(&m->ciaddr, buf + 12, 4);
	memcpy(&m->yiaddr, buf + 16, 4);
	memcpy(&m->siaddr, buf + 20, 4);
	memcpy(&m->giaddr, buf + 24, 4);
	memcpy(m->chaddr, buf + 28, DHCP_CHADDR_BYTES);

	memset(&g, 0, sizeof(g));
	if ((rc = walk(buf + OFF_OPTIONS, len - OFF_OPTIONS, "the options field", &g, why, why_size)) < 0)
		return rc;
	if (g.seen[K_OVERLOAD]) {
		uint8_t ov = g.data[K_OVERLOAD][0];

		if (g.len[K_OVERLOAD] != 1 || ov < 1 || ov > 3)
			return bad(why, why_size, "option 52 (overload) is %u bytes of value %u, not 1 byte of 1-3",
				   g.len[K_OVERLOAD], g.len[K_OVERLOAD] ? ov : 0);
		if ((ov & 1) && (rc = walk(buf + OFF_FILE, FILE_BYTES, "file", &g, why, why_size)) < 0)
			return rc;
		if ((ov & 2) && (rc = walk(buf + OFF_SNAME, SNAME_BYTES, "sname", &g, why, why_size)) < 0)
			return rc;
	}
	if ((rc = fixed_len(&g, K_TYPE, 1, "message type", why, why_size)) < 0 ||
	    (rc = fixed_len(&g, K_REQ_IP, 4, "requested address", why, why_size)) < 0 ||
	    (rc = fixed_len(&g, K_SERVER_ID, 4, "server identifier", why, why_size)) < 0 ||
	    (rc = fixed_len(&g, K_LEASE, 4, "lease time", why, why_size)) < 0 ||
	    (rc = fixed_len(&g, K_MAX_SIZE, 2, "maximum message size", why, why_size)) < 0)
		return rc;
	if (g.seen[K_TYPE]) {
		uint8_t t = g.data[K_TYPE][0];

		if (t < DHCP_DISCOVER || t >= DHCP_TYPE_COUNT)
			return bad(why, why_size, "option 53 (message type) is %u, not 1-8", t, 0);
		m->type = (enum dhcp_type)t;
	}
	if (g.seen[K_CLIENT_ID] && g.len[K_CLIENT_ID] < 2)
		return bad(why, why_size, "option 61 (client identifier) is %u bytes, shorter than 2",
			   g.len[K_CLIENT_ID], 0);
	if ((m->has_requested_ip = g.seen[K_REQ_IP]))
		memcpy(&m->requested_ip, g.data[K_REQ_IP], 4);
	if ((m->has_server_id = g.seen[K_SERVER_ID]))
		memcpy(&m->server_id, g.data[K_SERVER_ID], 4);
	if ((m->has_lease_time = g.seen[K_LEASE]))
		m->lease_s = get32(g.data[K_LEASE]);
	if (g.seen[K_MAX_SIZE])
		m->max_size = (uint16_t)(g.data[K_MAX_SIZE][0] << 8 | g.data[K_MAX_SIZE][1]);
	if (g.seen[K_HOSTNAME])
		keep_hostname(m->hostname, g.data[K_HOSTNAME],
			      g.len[K_HOSTNAME] < GATHER_BYTES ? g.len[K_HOSTNAME] : GATHER_BYTES);
	if (g.seen[K_CLIENT_ID] && g.len[K_CLIENT_ID] <= GATHER_BYTES) {
		dhcp_client_id_of(&m->id, g.data[K_CLIENT_ID], g.len[K_CLIENT_ID]);
		m->id_from_option = true;
	} else if (g.seen[K_CLIENT_ID]) {
		return bad(why, why_size, "option 61 (client identifier) is %u bytes, more than %u",
			   g.len[K_CLIENT_ID], GATHER_BYTES);
	} else {
		idbuf[0] = m->htype;
		memcpy(idbuf + 1, m->chaddr, m->hlen);
		dhcp_client_id_of(&m->id, idbuf, 1u + m->hlen);
	}
	return 0;
}

/* ---- building ---- */

struct out {
	uint8_t *p;
	size_t cap, n;
	bool full;
};

static void put(struct out *o, const void *b, size_t n)
{
	if (o->full || o->n + n > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, b, n);
	o->n += n;
}

static void put_opt(struct out *o, uint8_t code, const void *b, uint8_t n)
{
	uint8_t h[2] = { code, n };

	put(o, h, 2);
	put(o, b, n);
}

static void put_opt32(struct out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put_opt(o, code, b, 4);
}

static void put_header(struct out *o, uint8_t op, uint8_t htype, uint8_t hlen, uint32_t xid, uint16_t flags)
{
	uint8_t h[DHCP_MIN_BYTES];

	memset(h, 0, sizeof(h));
	h[0] = op;
	h[1] = htype;
	h[2] = hlen;
	h[4] = (uint8_t)(xid >> 24), h[5] = (uint8_t)(xid >> 16), h[6] = (uint8_t)(xid >> 8), h[7] = (uint8_t)xid;
	h[10] = (uint8_t)(flags >> 8), h[11] = (uint8_t)flags;
	h[236] = 99, h[237] = 130, h[238] = 83, h[239] = 99;
	put(o, h, sizeof(h));
}

static int finish(struct out *o)
{
	uint8_t end = DHCP_OPT_END, zero = 0;

	put(o, &end, 1);
	while (!o->full && o->n < BOOTP_MIN_REPLY_BYTES)
		put(o, &zero, 1);
	return o->full ? -EMSGSIZE : (int)o->n;
}

int dhcp_msg_build_reply(const struct dhcp_msg *req, const struct dhcp_reply_fields *f, uint8_t *buf, size_t cap)
{
	struct out o = { .p = buf, .cap = cap < DHCP_REPLY_MAX_BYTES ? cap : DHCP_REPLY_MAX_BYTES };
	uint16_t flags = req->flags;
	uint8_t type = (uint8_t)f->type;

	if (f->type != DHCP_OFFER && f->type != DHCP_ACK && f->type != DHCP_NAK)
		return -EINVAL;
	if (f->type == DHCP_NAK)
		flags |= DHCP_FLAG_BROADCAST;
	put_header(&o, DHCP_BOOTREPLY, req->htype, req->hlen, req->xid, flags);
	if (o.full)
		return -EMSGSIZE;
	/* ciaddr is echoed in an ACK to INFORM and to a renewal (RFC 2131 table 3) */
	if (f->type == DHCP_ACK)
		memcpy(buf + 12, &req->ciaddr, 4);
	memcpy(buf + 16, &f->yiaddr, 4);
	memcpy(buf + 24, &req->giaddr, 4);
	memcpy(buf + 28, req->chaddr, DHCP_CHADDR_BYTES);
	put_opt(&o, DHCP_OPT_MSG_TYPE, &type, 1);
	put_opt(&o, DHCP_OPT_SERVER_ID, &f->server_id, 4);
	if (f->lease_s) {
		put_opt32(&o, DHCP_OPT_LEASE_TIME, f->lease_s);
		put_opt32(&o, DHCP_OPT_T1, f->lease_s / 2);
		put_opt32(&o, DHCP_OPT_T2, (uint32_t)((uint64_t)f->lease_s * 7 / 8));
	}
	if (f->mask.s_addr) {
		put_opt(&o, DHCP_OPT_SUBNET_MASK, &f->mask, 4);
		put_opt(&o, DHCP_OPT_BROADCAST, &f->broadcast, 4);
	}
	if (f->dns_self)
		put_opt(&o, DHCP_OPT_DNS, &f->server_id, 4);
	if (f->message)
		put_opt(&o, DHCP_OPT_MESSAGE, f->message, (uint8_t)(strlen(f->message) > 200 ? 200 : strlen(f->message)));
	return finish(&o);
}

int dhcp_msg_build_discover(uint32_t xid, const uint8_t mac[6], uint8_t *buf, size_t cap)
{
	struct out o = { .p = buf, .cap = cap };
	uint8_t type = DHCP_DISCOVER, id[7] = { 1 };
	uint8_t params[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_BROADCAST, DHCP_OPT_LEASE_TIME, DHCP_OPT_SERVER_ID };

	put_header(&o, DHCP_BOOTREQUEST, 1, 6, xid, DHCP_FLAG_BROADCAST);
	if (o.full)
		return -EMSGSIZE;
	memcpy(buf + 28, mac, 6);
	memcpy(id + 1, mac, 6);
	put_opt(&o, DHCP_OPT_MSG_TYPE, &type, 1);
	put_opt(&o, DHCP_OPT_CLIENT_ID, id, sizeof(id));
	put_opt(&o, DHCP_OPT_PARAM_LIST, params, sizeof(params));
	return finish(&o);
}

int dhcp_msg_build_client(const struct dhcp_client_fields *f, uint8_t *buf, size_t cap)
{
	struct out o = { .p = buf, .cap = cap };
	uint8_t type = (uint8_t)f->type, id[7] = { 1 };

	if (f->type != DHCP_REQUEST && f->type != DHCP_RELEASE)
		return -EINVAL;
	put_header(&o, DHCP_BOOTREQUEST, 1, 6, f->xid, f->type == DHCP_REQUEST ? DHCP_FLAG_BROADCAST : 0);
	if (o.full)
		return -EMSGSIZE;
	memcpy(buf + 12, &f->ciaddr, 4);
	memcpy(buf + 28, f->mac, 6);
	memcpy(id + 1, f->mac, 6);
	put_opt(&o, DHCP_OPT_MSG_TYPE, &type, 1);
	put_opt(&o, DHCP_OPT_CLIENT_ID, id, sizeof(id));
	put_opt(&o, DHCP_OPT_SERVER_ID, &f->server_id, 4);
	if (f->type == DHCP_REQUEST) {
		put_opt(&o, DHCP_OPT_REQUESTED_IP, &f->requested, 4);
		if (f->lease_s)
			put_opt32(&o, DHCP_OPT_LEASE_TIME, f->lease_s);
	}
	if (f->hostname && f->hostname[0])
		put_opt(&o, DHCP_OPT_HOSTNAME, f->hostname, (uint8_t)(strlen(f->hostname) > 63 ? 63 : strlen(f->hostname)));
	return finish(&o);
}
