/* unittests/test_peer.c — cmocka tables for the failsafe subnet's peer check and the refusal log's rate limit */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "listener.h"
#include "peer.h"

static enum peer_verdict check(const char *peer, const char *subnet, uint8_t prefix_len)
{
	struct in_addr p, s;

	assert_int_equal(inet_pton(AF_INET, peer, &p), 1);
	assert_int_equal(inet_pton(AF_INET, subnet, &s), 1);
	/* the listener's (and the page's) yes/no is the verdict's */
	assert_int_equal(listener_peer_allowed(p, s, prefix_len), peer_check_ipv4(p, s, prefix_len) == PEER_HOST);
	return peer_check_ipv4(p, s, prefix_len);
}

static void test_verdicts(void **state)
{
	static const struct {
		const char *peer, *subnet;
		uint8_t prefix_len;
		enum peer_verdict want;
	} cases[] = {
		{ "192.168.1.2", "192.168.1.0", 24, PEER_HOST },
		{ "192.168.1.254", "192.168.1.1", 24, PEER_HOST },            /* host bits of the subnet ignored */
		{ "192.168.1.255", "192.168.1.1", 24, PEER_BROADCAST_ADDR },  /* the red team's shell: no host */
		{ "192.168.1.0", "192.168.1.1", 24, PEER_NETWORK_ADDR },
		{ "192.168.1.129", "192.168.1.130", 30, PEER_HOST },          /* /30: .128 net, .129 .130 hosts, .131 bcast */
		{ "192.168.1.128", "192.168.1.130", 30, PEER_NETWORK_ADDR },
		{ "192.168.1.131", "192.168.1.130", 30, PEER_BROADCAST_ADDR },
		{ "192.168.1.128", "192.168.1.129", 31, PEER_HOST },          /* /31 point-to-point: both are hosts */
		{ "192.168.1.129", "192.168.1.128", 31, PEER_HOST },
		{ "192.168.2.1", "192.168.1.0", 24, PEER_OUTSIDE },
		{ "192.168.2.255", "192.168.1.0", 24, PEER_OUTSIDE },         /* another subnet's broadcast: outside first */
		{ "192.168.1.1", "192.168.1.1", 32, PEER_HOST },
		{ "192.168.1.2", "192.168.1.1", 32, PEER_OUTSIDE },
		{ "127.0.0.1", "127.0.0.2", 32, PEER_OUTSIDE },
		{ "127.255.0.9", "127.0.0.0", 8, PEER_HOST },
		{ "127.255.255.255", "127.0.0.0", 8, PEER_BROADCAST_ADDR },
		{ "10.0.0.1", "192.168.1.0", 0, PEER_HOST },                  /* prefix 0: everyone */
		{ "255.255.255.255", "192.168.1.0", 0, PEER_HOST },
		{ "192.168.1.129", "192.168.1.128", 25, PEER_HOST },
		{ "192.168.1.127", "192.168.1.128", 25, PEER_OUTSIDE },
		{ "192.168.1.128", "192.168.1.200", 25, PEER_NETWORK_ADDR },
		{ "192.168.1.255", "192.168.1.200", 25, PEER_BROADCAST_ADDR },
		{ "128.0.0.0", "0.0.0.0", 1, PEER_OUTSIDE },
		{ "127.0.0.1", "0.0.0.0", 1, PEER_HOST },
		{ "0.0.0.0", "0.0.0.0", 1, PEER_NETWORK_ADDR },
		{ "127.255.255.255", "0.0.0.0", 1, PEER_BROADCAST_ADDR },
		{ "192.168.1.1", "192.168.1.1", 33, PEER_OUTSIDE },           /* an invalid prefix admits nobody */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum peer_verdict got = check(cases[i].peer, cases[i].subnet, cases[i].prefix_len);

		if (got != cases[i].want)
			fail_msg("%s in %s/%u: %s, want %s", cases[i].peer, cases[i].subnet, cases[i].prefix_len,
				 peer_verdict_text(got), peer_verdict_text(cases[i].want));
	}
	assert_string_equal(peer_verdict_text(PEER_BROADCAST_ADDR), "the failsafe subnet's broadcast address, not a host");
	assert_string_equal(peer_verdict_text(PEER_VERDICT_COUNT), "?");
}

/* A timeline: each row one refusal (or a look at the summary) at a time, and what the limit says. */
static void test_log_limit_timeline(void **state)
{
	enum { TAKE, SUMMARY };
	static const struct {
		int what;
		uint64_t now_ms;
		const char *service;
		bool want;                 /* TAKE: logged; SUMMARY: a summary line */
		uint64_t want_deadline_ms; /* after the row */
		const char *want_line;     /* SUMMARY: the line */
	} rows[] = {
		{ TAKE, 1000, "telnet", true, 0, NULL },        /* burst 3 per 10 s */
		{ TAKE, 1001, "ssh", true, 0, NULL },
		{ SUMMARY, 5000, NULL, false, 0, NULL },         /* nothing suppressed: nothing to say */
		{ TAKE, 2000, "telnet", true, 0, NULL },
		{ TAKE, 2001, "telnet", false, 11000, NULL },    /* the 4th in the window: counted, a summary due at its end */
		{ TAKE, 2002, "http", false, 11000, NULL },
		{ TAKE, 9000, "telnet", false, 11000, NULL },
		{ SUMMARY, 10999, NULL, false, 11000, NULL },    /* not yet */
		{ SUMMARY, 11000, NULL, true, 0, "3 refusals not logged in the last 10.0 s (telnet 2, http 1)" },
		{ SUMMARY, 11001, NULL, false, 0, NULL },        /* said once */
		{ TAKE, 11002, "ssh", true, 0, NULL },           /* a new window: its own burst */
		{ TAKE, 11003, "ssh", true, 0, NULL },
		{ TAKE, 11004, "ssh", true, 0, NULL },
		{ TAKE, 11005, "ssh", false, 21002, NULL },
		{ SUMMARY, 50000, NULL, true, 0, "1 refusal not logged in the last 10.0 s (ssh 1)" },
		{ TAKE, 50001, "a", true, 0, NULL },             /* more services than slots: the last slot says other */
		{ TAKE, 50002, "a", true, 0, NULL },
		{ TAKE, 50003, "a", true, 0, NULL },
		{ TAKE, 50004, "a", false, 60001, NULL },
		{ TAKE, 50005, "b", false, 60001, NULL },
		{ TAKE, 50006, "c", false, 60001, NULL },
		{ TAKE, 50007, "d", false, 60001, NULL },
		{ TAKE, 50008, "e", false, 60001, NULL },
		{ SUMMARY, 60001, NULL, true, 0, "5 refusals not logged in the last 10.0 s (a 1, b 1, c 1, other 2)" },
	};
	struct peer_log_limit l;
	char line[160];

	(void)state;
	peer_log_init(&l, 3, 10000);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool got;

		line[0] = '\0';
		if (rows[i].what == TAKE)
			got = peer_log_take(&l, rows[i].service, rows[i].now_ms);
		else
			got = peer_log_summary(&l, rows[i].now_ms, line, sizeof(line));
		if (got != rows[i].want || peer_log_deadline(&l) != rows[i].want_deadline_ms)
			fail_msg("row %zu: got %d deadline %llu", i, got, (unsigned long long)peer_log_deadline(&l));
		if (rows[i].want_line)
			assert_string_equal(line, rows[i].want_line);
	}
}

/* However many refusals come in a window, burst lines plus one summary. */
static void test_log_limit_flood(void **state)
{
	struct peer_log_limit l;
	unsigned lines = 0;
	char line[160];

	(void)state;
	peer_log_init(&l, 20, 10000);
	for (uint64_t t = 0; t < 100000; t++) {
		uint64_t due = peer_log_deadline(&l);

		if (due && t >= due && peer_log_summary(&l, t, line, sizeof(line)))
			lines++;
		lines += peer_log_take(&l, t % 2 ? "telnet" : "ssh", t);
	}
	assert_int_equal(lines, 10 * 20 + 9); /* ten windows, the last one's summary not due yet */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_log_limit_timeline),
		cmocka_unit_test(test_log_limit_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
