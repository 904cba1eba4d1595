/* unittests/test_mdns_msg.c — the mDNS answers: which questions get what, sent where, how often; malformed queries named */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mdns_msg.h"

#define QU 0x8000

/* A query: id, then (name, type, class) questions, then known answers (name, type, ttl, rdata of 4 or 16). */
struct q {
	uint8_t b[512];
	size_t n;
};

static void qname(struct q *q, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		q->b[q->n++] = (uint8_t)l;
		memcpy(q->b + q->n, name, l);
		q->n += l;
		name += l + (dot ? 1 : 0);
	}
	q->b[q->n++] = 0;
}

static void u16(struct q *q, uint16_t v)
{
	q->b[q->n++] = (uint8_t)(v >> 8);
	q->b[q->n++] = (uint8_t)v;
}

static void header(struct q *q, uint16_t id, uint16_t qd, uint16_t an)
{
	q->n = 0;
	u16(q, id);
	u16(q, 0);
	u16(q, qd);
	u16(q, an);
	u16(q, 0);
	u16(q, 0);
}

static void question(struct q *q, const char *name, uint16_t type, uint16_t klass)
{
	qname(q, name);
	u16(q, type);
	u16(q, klass);
}

static struct mdns m;
static uint8_t out[MDNS_REPLY_BYTES];

static void setup_board(const char *board)
{
	struct in_addr v4;
	struct in6_addr a6;

	inet_pton(AF_INET, "192.168.1.1", &v4);
	inet_pton(AF_INET6, "fe80::1:2", &a6);
	mdns_init(&m, board, v4);
	mdns_set_v6(&m, &a6);
}

/* The answers of a response: (type, ttl, class) per record, after its header (and echoed questions). */
static unsigned answers(const uint8_t *b, int len, uint16_t *types, uint32_t *ttls, uint16_t *classes)
{
	unsigned qd = (unsigned)(b[4] << 8 | b[5]), an = (unsigned)(b[6] << 8 | b[7]);
	size_t off = 12;

	for (unsigned i = 0; i < qd + an; i++) {
		while (off < (size_t)len && b[off] && (b[off] & 0xc0) != 0xc0)
			off += 1u + b[off];
		off += (b[off] & 0xc0) == 0xc0 ? 2 : 1;
		if (i < qd) {
			off += 4;
			continue;
		}
		types[i - qd] = (uint16_t)(b[off] << 8 | b[off + 1]);
		classes[i - qd] = (uint16_t)(b[off + 2] << 8 | b[off + 3]);
		ttls[i - qd] = (uint32_t)b[off + 4] << 24 | (uint32_t)b[off + 5] << 16 | (uint32_t)b[off + 6] << 8 | b[off + 7];
		off += 10u + (unsigned)(b[off + 8] << 8 | b[off + 9]);
	}
	assert_int_equal(off, (size_t)len);
	return an;
}

static void a_and_aaaa_multicast(void **state)
{
	struct q q;
	struct mdns_result r;
	uint16_t t[8], c[8];
	uint32_t ttl[8];

	(void)state;
	setup_board("Sim-DSA");
	assert_string_equal(m.name[1], "sim-dsa.failsafe.local");
	header(&q, 0x1234, 2, 0);
	question(&q, "FailSafe.LOCAL", 1, 1);
	question(&q, "sim-dsa.failsafe.local", 28, 1);
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 1000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_MULTICAST);
	assert_int_equal(out[0] << 8 | out[1], 0);             /* multicast responses carry ID 0 */
	assert_int_equal(out[2] << 8 | out[3], 0x8400);        /* QR, AA */
	assert_int_equal(answers(out, r.len, t, ttl, c), 2);
	assert_int_equal(t[0], 1);
	assert_int_equal(ttl[0], MDNS_TTL_S);
	assert_int_equal(c[0], 0x8001);                        /* cache flush: the records are the board's alone */
	assert_int_equal(t[1], 28);
	assert_memory_equal(out + r.len - 16, &m.v6, 16);
	/* the same question within a second: not multicast again (RFC 6762 §6) */
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 1900, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_NONE);
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 2000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_MULTICAST);
}

static void qu_and_legacy_go_to_the_source(void **state)
{
	struct q q;
	struct mdns_result r;
	uint16_t t[8], c[8];
	uint32_t ttl[8];

	(void)state;
	setup_board("sim");
	header(&q, 0x77, 1, 0);
	question(&q, "failsafe.local", 1, 1 | QU);
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 1000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_SOURCE);
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 1001, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_SOURCE);                /* unicast answers are not rate limited */
	/* a one-shot resolver (source port not 5353): its ID and question back, TTL 10, no cache flush */
	header(&q, 0xbeef, 1, 0);
	question(&q, "sim.failsafe.local", 1, 1);
	mdns_handle(&m, q.b, q.n, 40000, 1002, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_SOURCE);
	assert_int_equal(out[0] << 8 | out[1], 0xbeef);
	assert_int_equal(out[4] << 8 | out[5], 1);
	assert_int_equal(answers(out, r.len, t, ttl, c), 1);
	assert_int_equal(ttl[0], MDNS_LEGACY_TTL_S);
	assert_int_equal(c[0], 1);
}

static void other_names_types_and_known_answers(void **state)
{
	struct q q;
	struct mdns_result r;
	struct in_addr v4;

	(void)state;
	setup_board("sim");
	header(&q, 0, 2, 0);
	question(&q, "printer.local", 1, 1);
	question(&q, "failsafe.local", 16, 1);                 /* TXT: not ours to answer */
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 1000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_NONE);
	assert_false(r.malformed);
	/* the querier already has our A record with most of its TTL: nothing to send */
	header(&q, 0, 1, 1);
	question(&q, "failsafe.local", 1, 1);
	qname(&q, "failsafe.local");
	u16(&q, 1), u16(&q, 1), u16(&q, 0), u16(&q, 100), u16(&q, 4);
	inet_pton(AF_INET, "192.168.1.1", &v4);
	memcpy(q.b + q.n, &v4, 4), q.n += 4;
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 5000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_NONE);
	/* with less than half its TTL left it is refreshed */
	q.b[q.n - 8] = 0, q.b[q.n - 7] = 30;
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 5000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_MULTICAST);
	/* a response on the wire is never answered */
	header(&q, 0, 1, 0);
	q.b[2] = 0x84;
	question(&q, "failsafe.local", 1, 1);
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 9000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_NONE);
	/* a board name that is no DNS label: failsafe.local only */
	mdns_init(&m, "a_b", v4);
	assert_int_equal(m.n_names, 1);
}

static void compressed_and_malformed(void **state)
{
	struct q q;
	struct mdns_result r;
	static const struct {
		const char *name;
		uint8_t bytes[32];
		size_t len;
		const char *why;
	} bad[] = {
		{ "short", { 0 }, 11, "shorter than a DNS header" },
		{ "cut name", { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 8, 'f', 'a' }, 15, "runs past the end" },
		{ "loop", { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12 }, 14, "loops or points forward" },
		{ "label type", { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80 }, 13, "label type 0x80" },
		{ "no type", { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 15, "question 1 is cut off" },
	};

	(void)state;
	setup_board("sim");
	/* the second question points back at the first's name */
	header(&q, 0, 2, 0);
	question(&q, "failsafe.local", 1, 1);
	q.b[q.n++] = 0xc0, q.b[q.n++] = 12;
	u16(&q, 28), u16(&q, 1);
	mdns_handle(&m, q.b, q.n, MDNS_PORT, 1000, out, sizeof(out), &r);
	assert_int_equal(r.to, MDNS_TO_MULTICAST);
	assert_int_equal(out[6] << 8 | out[7], 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mdns_handle(&m, bad[i].bytes, bad[i].len, MDNS_PORT, 5000, out, sizeof(out), &r);
		assert_int_equal(r.to, MDNS_TO_NONE);
		assert_true(r.malformed);
		if (!strstr(r.why, bad[i].why))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].name, r.why, bad[i].why);
	}
}

static void announcement_has_every_record(void **state)
{
	uint16_t t[8], c[8];
	uint32_t ttl[8];
	int len;

	(void)state;
	setup_board("sim");
	len = mdns_announce(&m, 1000, out, sizeof(out));
	assert_true(len > 0);
	assert_int_equal(answers(out, len, t, ttl, c), 4);     /* A and AAAA of both names */
	assert_int_equal(mdns_announce(&m, 1000, out, 20), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_and_aaaa_multicast),
		cmocka_unit_test(qu_and_legacy_go_to_the_source),
		cmocka_unit_test(other_names_types_and_known_answers),
		cmocka_unit_test(compressed_and_malformed),
		cmocka_unit_test(announcement_has_every_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
