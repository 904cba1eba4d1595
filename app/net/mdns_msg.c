/* app/net/mdns_msg.c — mDNS: a bounded DNS name reader for untrusted bytes, the board's answers (pure) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mdns_msg.h"

#define HDR_BYTES 12
#define TYPE_A 1
#define TYPE_AAAA 28
#define TYPE_ANY 255
#define CLASS_IN 1
#define CLASS_TOP 0x8000u              /* question: unicast response wanted (QU); record: cache flush */
#define FLAGS_QR 0x8000u
#define FLAGS_AA 0x0400u
#define MAX_JUMPS 16                   /* compression pointers followed for one name */
#define MAX_QUESTIONS 32
#define MAX_KNOWN 32

enum rec { REC_A = 0, REC_AAAA, REC_COUNT };

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

void mdns_init(struct mdns *m, const char *board, struct in_addr v4)
{
	size_t n = board ? strlen(board) : 0;
	bool ok = n > 0 && n <= 63 && board[0] != '-' && board[n - 1] != '-';

	memset(m, 0, sizeof(*m));
	snprintf(m->name[0], sizeof(m->name[0]), "failsafe.local");
	m->n_names = 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = label_char((char)(board[i] >= 'A' && board[i] <= 'Z' ? board[i] - 'A' + 'a' : board[i]));
	if (ok) {
		for (size_t i = 0; i < n; i++)
			m->name[1][i] = (char)(board[i] >= 'A' && board[i] <= 'Z' ? board[i] - 'A' + 'a' : board[i]);
		memcpy(m->name[1] + n, ".failsafe.local", sizeof(".failsafe.local"));
		m->n_names = 2;
	}
	m->v4 = v4;
}

void mdns_set_v6(struct mdns *m, const struct in6_addr *v6)
{
	m->has_v6 = v6 != NULL;
	if (v6)
		m->v6 = *v6;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Read the name at *off into out (dotted, lower case); *off moves past it
 * (past the first pointer when compressed). 0, or -EBADMSG with why.
 */
static int read_name(const uint8_t *buf, size_t len, size_t *off, char *out, size_t out_size, char *why,
		     size_t why_size)
{
	size_t at = *off, used = 0;
	unsigned jumps = 0;
	bool jumped = false;

	for (;;) {
		uint8_t l;

		if (at >= len) {
			snprintf(why, why_size, "a name runs past the end (at byte %zu)", at);
			return -EBADMSG;
		}
		l = buf[at];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (at + 1 >= len) {
				snprintf(why, why_size, "a compression pointer is cut off (at byte %zu)", at);
				return -EBADMSG;
			}
			to = (size_t)(l & 0x3f) << 8 | buf[at + 1];
			if (!jumped)
				*off = at + 2;
			if (++jumps > MAX_JUMPS || to >= at) {
				snprintf(why, why_size, "a compression pointer at byte %zu loops or points forward", at);
				return -EBADMSG;
			}
			jumped = true;
			at = to;
			continue;
		}
		if (l & 0xc0) {
			snprintf(why, why_size, "label type 0x%02x at byte %zu is not one DNS uses", l & 0xc0, at);
			return -EBADMSG;
		}
		if (l == 0) {
			if (!jumped)
				*off = at + 1;
			out[used] = '\0';
			return 0;
		}
		if (at + 1 + l > len) {
			snprintf(why, why_size, "a label at byte %zu runs past the end", at);
			return -EBADMSG;
		}
		if (used + l + 2 > out_size || used + l + 1 > 255) {
			snprintf(why, why_size, "a name longer than 255 bytes");
			return -EBADMSG;
		}
		if (used)
			out[used++] = '.';
		for (unsigned i = 0; i < l; i++) {
			char c = (char)buf[at + 1 + i];

			out[used++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		at += 1u + l;
	}
}

static int ours(const struct mdns *m, const char *name)
{
	for (unsigned i = 0; i < m->n_names; i++)
		if (!strcmp(m->name[i], name))
			return (int)i;
	return -1;
}

/* ---- building ---- */

struct out {
	uint8_t *p;
	size_t cap, n;
	bool full;
	size_t name_at[MDNS_NAMES];        /* where each of our names was written first (compression), 0: not yet */
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

static void put16(struct out *o, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(o, b, 2);
}

static void put32(struct out *o, uint32_t v)
{
	put16(o, (uint16_t)(v >> 16));
	put16(o, (uint16_t)v);
}

static void put_name(struct out *o, const struct mdns *m, unsigned k)
{
	const char *s = m->name[k];

	if (o->name_at[k]) {
		put16(o, (uint16_t)(0xc000u | o->name_at[k]));
		return;
	}
	if (o->n < 0x3fff)
		o->name_at[k] = o->n;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		uint8_t lb = (uint8_t)l;

		put(o, &lb, 1);
		put(o, s, l);
		s += l + (dot ? 1 : 0);
	}
	put(o, "", 1);
}

static void put_record(struct out *o, const struct mdns *m, unsigned k, enum rec rec, bool legacy)
{
	put_name(o, m, k);
	put16(o, rec == REC_A ? TYPE_A : TYPE_AAAA);
	put16(o, (uint16_t)(CLASS_IN | (legacy ? 0 : CLASS_TOP)));
	put32(o, legacy ? MDNS_LEGACY_TTL_S : MDNS_TTL_S);
	if (rec == REC_A) {
		put16(o, 4);
		put(o, &m->v4, 4);
	} else {
		put16(o, 16);
		put(o, &m->v6, 16);
	}
}

static bool have(const struct mdns *m, enum rec rec)
{
	return rec == REC_A ? m->v4.s_addr != 0 : m->has_v6;
}

/* ---- answering ---- */

struct question {
	int name;                           /* ours, or -1 */
	uint16_t type;
	bool qu;
	size_t at, end;                     /* its bytes in the query, to echo to a legacy resolver */
};

static void bad(struct mdns *m, struct mdns_result *r)
{
	m->malformed++;
	r->malformed = true;
	r->to = MDNS_TO_NONE;
}

void mdns_handle(struct mdns *m, const uint8_t *buf, size_t len, uint16_t src_port, uint64_t now_ms, uint8_t *reply,
		 size_t cap, struct mdns_result *r)
{
	struct question q[MAX_QUESTIONS];
	bool want[MDNS_NAMES][REC_COUNT] = { { false } }, known[MDNS_NAMES][REC_COUNT] = { { false } };
	bool legacy = src_port != MDNS_PORT, unicast = legacy, any = false;
	unsigned qd, an, nq = 0;
	size_t off = HDR_BYTES;
	char name[256];
	struct out o = { .p = reply, .cap = cap };

	memset(r, 0, sizeof(*r));
	m->queries++;
	if (len < HDR_BYTES) {
		snprintf(r->why, sizeof(r->why), "%zu bytes, shorter than a DNS header", len);
		bad(m, r);
		return;
	}
	/* responses and opcodes other than QUERY are not for us to answer (RFC 6762 §18.2, §18.3) */
	if ((get16(buf + 2) & FLAGS_QR) || (get16(buf + 2) & 0x7800u))
		return;
	qd = get16(buf + 4);
	an = get16(buf + 6);
	for (unsigned i = 0; i < qd; i++) {
		struct question one = { .at = off };

		if (read_name(buf, len, &off, name, sizeof(name), r->why, sizeof(r->why)) < 0) {
			bad(m, r);
			return;
		}
		if (off + 4 > len) {
			snprintf(r->why, sizeof(r->why), "question %u is cut off", i + 1);
			bad(m, r);
			return;
		}
		one.name = ours(m, name);
		one.type = get16(buf + off);
		one.qu = get16(buf + off + 2) & CLASS_TOP;
		one.end = off += 4;
		if (one.name >= 0 && (get16(buf + one.end - 2) & 0x7fff) == CLASS_IN) {
			if (one.type == TYPE_A || one.type == TYPE_ANY)
				want[one.name][REC_A] = have(m, REC_A);
			if (one.type == TYPE_AAAA || one.type == TYPE_ANY)
				want[one.name][REC_AAAA] = have(m, REC_AAAA);
			unicast |= one.qu;
			if (nq < MAX_QUESTIONS)
				q[nq++] = one;
		}
	}
	/* known answers (§7.1): what the querier has with at least half its TTL left is not sent again */
	for (unsigned i = 0; i < an && i < MAX_KNOWN; i++) {
		uint16_t type, rdlen;
		uint32_t ttl;
		int k;

		if (read_name(buf, len, &off, name, sizeof(name), r->why, sizeof(r->why)) < 0 || off + 10 > len) {
			if (!r->why[0])
				snprintf(r->why, sizeof(r->why), "answer %u is cut off", i + 1);
			bad(m, r);
			return;
		}
		type = get16(buf + off);
		ttl = (uint32_t)get16(buf + off + 4) << 16 | get16(buf + off + 6);
		rdlen = get16(buf + off + 8);
		off += 10;
		if (off + rdlen > len) {
			snprintf(r->why, sizeof(r->why), "answer %u's data runs past the end", i + 1);
			bad(m, r);
			return;
		}
		k = ours(m, name);
		if (k >= 0 && ttl >= MDNS_TTL_S / 2 && ((type == TYPE_A && rdlen == 4 && !memcmp(buf + off, &m->v4, 4)) ||
						       (type == TYPE_AAAA && rdlen == 16 && m->has_v6 &&
							!memcmp(buf + off, &m->v6, 16))))
			known[k][type == TYPE_A ? REC_A : REC_AAAA] = true;
		off += rdlen;
	}
	for (unsigned k = 0; k < MDNS_NAMES; k++)
		for (unsigned t = 0; t < REC_COUNT; t++) {
			want[k][t] = want[k][t] && !known[k][t];
			/* a multicast answer at most once a second per record (§6); the querier asking for
			 * unicast, or a legacy resolver, is answered each time */
			if (want[k][t] && !unicast && m->last_mc_ms[t] && now_ms - m->last_mc_ms[t] < MDNS_RATE_MS)
				want[k][t] = false;
			any |= want[k][t];
		}
	if (!any)
		return;
	/* header: a legacy resolver gets its ID and questions back (§6.7); mDNS responses carry neither */
	put16(&o, legacy ? get16(buf) : 0);
	put16(&o, FLAGS_QR | FLAGS_AA);
	put16(&o, (uint16_t)(legacy ? nq : 0));
	{
		unsigned n = 0;

		for (unsigned k = 0; k < MDNS_NAMES; k++)
			for (unsigned t = 0; t < REC_COUNT; t++)
				n += want[k][t];
		put16(&o, (uint16_t)n);
	}
	put16(&o, 0);
	put16(&o, 0);
	if (legacy)
		for (unsigned i = 0; i < nq; i++) {
			put_name(&o, m, (unsigned)q[i].name);
			put(&o, buf + q[i].end - 4, 4);
		}
	for (unsigned k = 0; k < MDNS_NAMES; k++)
		for (unsigned t = 0; t < REC_COUNT; t++)
			if (want[k][t]) {
				put_record(&o, m, k, (enum rec)t, legacy);
				if (!unicast)
					m->last_mc_ms[t] = now_ms ? now_ms : 1;
			}
	if (o.full) {
		snprintf(r->why, sizeof(r->why), "the answer does not fit %zu bytes", cap);
		return;
	}
	m->answered++;
	r->to = unicast ? MDNS_TO_SOURCE : MDNS_TO_MULTICAST;
	r->len = (int)o.n;
}

int mdns_announce(struct mdns *m, uint64_t now_ms, uint8_t *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };
	unsigned n = 0;

	for (unsigned k = 0; k < m->n_names; k++)
		for (unsigned t = 0; t < REC_COUNT; t++)
			n += have(m, (enum rec)t);
	put16(&o, 0);
	put16(&o, FLAGS_QR | FLAGS_AA);
	put16(&o, 0);
	put16(&o, (uint16_t)n);
	put16(&o, 0);
	put16(&o, 0);
	for (unsigned k = 0; k < m->n_names; k++)
		for (unsigned t = 0; t < REC_COUNT; t++)
			if (have(m, (enum rec)t))
				put_record(&o, m, k, (enum rec)t, false);
	for (unsigned t = 0; t < REC_COUNT; t++)
		if (have(m, (enum rec)t))
			m->last_mc_ms[t] = now_ms ? now_ms : 1;
	return o.full ? -EMSGSIZE : (int)o.n;
}
