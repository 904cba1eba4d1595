/* unittests/test_dhcp_serve.c — the DHCP server's decisions as timelines: {time, message in, reply out, table after} */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp_client.h"
#include "dhcp_serve.h"

#define SERVER "192.168.1.1"
#define LEASE_S 60u

enum port { SRV, CLI, PROBE_DONE, END };

struct row {
	uint64_t t_ms;
	enum port port;
	struct client_msg msg;         /* what arrives (CLI: see rival_reply) */
	const char *src;               /* its IP source; NULL: 0.0.0.0 */
	enum dhcp_type reply;          /* DHCP_NONE: nothing sent */
	const char *yiaddr;            /* of the reply, NULL: 0 */
	enum dhcp_dst dst;
	const char *line;              /* a part of the log line, or NULL: not checked */
};

static struct dhcp_serve s;

static void init(unsigned pool_size)
{
	dhcp_serve_init(&s, &(struct dhcp_serve_config){ .server = ip(SERVER), .prefix_len = 24,
							  .pool_first = ip("192.168.1.100"), .pool_size = pool_size,
							  .lease_s = LEASE_S });
}

/* Another server's OFFER to some client, as the board hears it on port 68. */
static size_t rival_reply(const char *server_id, uint8_t *buf)
{
	size_t n = client_build(&(struct client_msg){ .type = DHCP_OFFER, .server_id = server_id, .mac_last = 0x99 },
				buf);

	buf[0] = DHCP_BOOTREPLY;
	return n;
}

static void run(const struct row *rows)
{
	for (const struct row *r = rows; r->port != END; r++) {
		uint8_t in[400], out[DHCP_REPLY_MAX_BYTES];
		struct dhcp_serve_result res;
		struct dhcp_msg back;
		size_t n;

		if (r->port == PROBE_DONE) {
			dhcp_serve_probe_done(&s, r->t_ms, &res);
		} else if (r->port == CLI) {
			n = rival_reply(r->msg.server_id, in);
			dhcp_serve_client_port(&s, in, n, ip(r->src), r->t_ms, &res);
		} else {
			n = client_build(&r->msg, in);
			dhcp_serve_request(&s, in, n, ip(r->src), r->t_ms, out, sizeof(out), &res);
		}
		if (r->line && !strstr(res.line, r->line))
			fail_msg("row at %llu ms: log line \"%s\" does not say \"%s\"", (unsigned long long)r->t_ms,
				 res.line, r->line);
		if (r->reply == DHCP_NONE) {
			if (res.dst != DHCP_DST_NONE)
				fail_msg("row at %llu ms: a reply was sent (%s)", (unsigned long long)r->t_ms, res.line);
			continue;
		}
		if (res.dst == DHCP_DST_NONE)
			fail_msg("row at %llu ms: no reply (%s)", (unsigned long long)r->t_ms, res.line);
		assert_int_equal(dhcp_msg_parse(out, (size_t)res.reply_len, &back, NULL, 0), 0);
		if (back.type != r->reply)
			fail_msg("row at %llu ms: %s, expected %s (%s)", (unsigned long long)r->t_ms,
				 dhcp_type_name(back.type), dhcp_type_name(r->reply), res.line);
		assert_int_equal(back.yiaddr.s_addr, ip(r->yiaddr).s_addr);
		assert_int_equal(back.server_id.s_addr, ip(SERVER).s_addr);
		assert_int_equal(back.xid, r->msg.xid);
		assert_int_equal(res.dst, r->dst);
		if (r->dst == DHCP_DST_HWADDR) {
			assert_int_equal(res.dst_ip.s_addr, ip(r->yiaddr).s_addr);
			assert_int_equal(res.dst_mac[5], r->msg.mac_last);
		}
	}
}

#define DISC(mac, ...) { .type = DHCP_DISCOVER, .mac_last = mac, __VA_ARGS__ }
#define REQ(mac, ...) { .type = DHCP_REQUEST, .mac_last = mac, __VA_ARGS__ }

/* DISCOVER, OFFER, REQUEST, ACK; renew unicast; release; the same client gets its address back. */
static void whole_lease(void **state)
{
	static const struct row rows[] = {
		{ 0, SRV, DISC(1, .xid = 1, .hostname = "laptop"), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR,
		  "offered 192.168.1.100 to 02:00:00:00:00:01 (laptop)" },
		{ 5, SRV, REQ(1, .xid = 1, .server_id = SERVER, .requested = "192.168.1.100"), NULL, DHCP_ACK,
		  "192.168.1.100", DHCP_DST_HWADDR, "leased 192.168.1.100 to 02:00:00:00:00:01 (laptop) for 60 s" },
		/* a second client with the broadcast bit: broadcast replies, the next address */
		{ 10, SRV, DISC(2, .xid = 2, .flags = DHCP_FLAG_BROADCAST), NULL, DHCP_OFFER, "192.168.1.101",
		  DHCP_DST_BROADCAST, NULL },
		/* T1: renewing, unicast from its address */
		{ 30005, SRV, REQ(1, .xid = 3, .ciaddr = "192.168.1.100"), "192.168.1.100", DHCP_ACK, "192.168.1.100",
		  DHCP_DST_UNICAST, "renewed 192.168.1.100" },
		{ 40000, SRV, { .type = DHCP_RELEASE, .mac_last = 1, .ciaddr = "192.168.1.100", .server_id = SERVER },
		  "192.168.1.100", DHCP_NONE, NULL, 0, "192.168.1.100 released" },
		/* a new client does not get the released address while a never-used one is left */
		{ 41000, SRV, DISC(3, .xid = 4), NULL, DHCP_OFFER, "192.168.1.102", DHCP_DST_HWADDR, NULL },
		/* the one that released it comes back: its own address again */
		{ 42000, SRV, DISC(1, .xid = 5), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
	};

	(void)state;
	init(100);
	run(rows);
}

static void nak_for_what_is_not_ours(void **state)
{
	static const struct row rows[] = {
		/* INIT-REBOOT asking for an address outside the pool, in the subnet */
		{ 0, SRV, REQ(1, .xid = 1, .requested = "192.168.1.20"), NULL, DHCP_NAK, NULL, DHCP_DST_BROADCAST,
		  "192.168.1.20 is outside the pool 192.168.1.100-192.168.1.199" },
		/* another network (the laptop comes from home) */
		{ 1, SRV, REQ(1, .xid = 2, .requested = "10.0.0.7"), NULL, DHCP_NAK, NULL, DHCP_DST_BROADCAST,
		  "10.0.0.7 is not on this LAN" },
		/* an address in the pool that another client holds */
		{ 2, SRV, DISC(2, .xid = 3), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 3, SRV, REQ(2, .xid = 3, .server_id = SERVER, .requested = "192.168.1.100"), NULL, DHCP_ACK,
		  "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 4, SRV, REQ(1, .xid = 4, .requested = "192.168.1.100"), NULL, DHCP_NAK, NULL, DHCP_DST_BROADCAST,
		  "leased to another client" },
		/* INIT-REBOOT of a free pool address: the board is the LAN's only server, so it is granted */
		{ 5, SRV, REQ(1, .xid = 5, .requested = "192.168.1.150"), NULL, DHCP_ACK, "192.168.1.150",
		  DHCP_DST_HWADDR, NULL },
		/* rebinding from an address of another network */
		{ 6, SRV, REQ(3, .xid = 6, .ciaddr = "172.16.0.9", .flags = DHCP_FLAG_BROADCAST), NULL, DHCP_NAK, NULL,
		  DHCP_DST_BROADCAST, "not on this LAN" },
		/* a REQUEST for another server's offer: ours is taken back, nothing sent */
		{ 7, SRV, DISC(4, .xid = 7), NULL, DHCP_OFFER, "192.168.1.101", DHCP_DST_HWADDR, NULL },
		{ 8, SRV, REQ(4, .xid = 7, .server_id = "192.168.1.254", .requested = "192.168.1.7"), NULL, DHCP_NONE,
		  NULL, 0, "chose the offer of server 192.168.1.254" },
		{ 9, SRV, DISC(5, .xid = 8), NULL, DHCP_OFFER, "192.168.1.102", DHCP_DST_HWADDR, NULL },
		{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
	};

	(void)state;
	init(100);
	run(rows);
	assert_int_equal(s.naks, 4);
}

/* Spoofed RELEASEs free nothing: from another address, or naming a client that does not hold the lease. */
static void spoofed_release_and_decline(void **state)
{
	static const struct row rows[] = {
		{ 0, SRV, DISC(1, .xid = 1), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 1, SRV, REQ(1, .xid = 1, .server_id = SERVER, .requested = "192.168.1.100"), NULL, DHCP_ACK,
		  "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 2, SRV, { .type = DHCP_RELEASE, .mac_last = 1, .ciaddr = "192.168.1.100", .server_id = SERVER },
		  "192.168.1.77", DHCP_NONE, NULL, 0, "RELEASE of 192.168.1.100 sent from 192.168.1.77: ignored" },
		{ 3, SRV, { .type = DHCP_RELEASE, .mac_last = 66, .ciaddr = "192.168.1.100", .server_id = SERVER },
		  "192.168.1.100", DHCP_NONE, NULL, 0, "which does not hold it" },
		{ 4, SRV, { .type = DHCP_DECLINE, .mac_last = 66, .requested = "192.168.1.100", .server_id = SERVER },
		  NULL, DHCP_NONE, NULL, 0, "DECLINE of 192.168.1.100 from 02:00:00:00:00:42, which does not hold it" },
		/* still client 1's: it renews */
		{ 5, SRV, REQ(1, .xid = 2, .ciaddr = "192.168.1.100"), "192.168.1.100", DHCP_ACK, "192.168.1.100",
		  DHCP_DST_UNICAST, NULL },
		/* its own DECLINE: the address is set aside, the client gets another */
		{ 6, SRV, { .type = DHCP_DECLINE, .mac_last = 1, .requested = "192.168.1.100", .server_id = SERVER },
		  NULL, DHCP_NONE, NULL, 0, "in use by another host" },
		{ 7, SRV, DISC(1, .xid = 3), NULL, DHCP_OFFER, "192.168.1.101", DHCP_DST_HWADDR, NULL },
		{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
	};

	(void)state;
	init(100);
	run(rows);
}

/* A flood of DISCOVERs from new hardware addresses recycles offers; a bound lease stays. */
static void flood_keeps_bound_leases(void **state)
{
	uint8_t in[400], out[DHCP_REPLY_MAX_BYTES];
	struct dhcp_serve_result res;
	unsigned idx[4];
	static const struct row bind_one[] = {
		{ 0, SRV, DISC(1, .xid = 1), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 1, SRV, REQ(1, .xid = 1, .server_id = SERVER, .requested = "192.168.1.100"), NULL, DHCP_ACK,
		  "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
	};

	(void)state;
	init(4);
	run(bind_one);
	for (unsigned k = 0; k < 10000; k++) {
		struct client_msg c = { .type = DHCP_DISCOVER, .xid = k, .mac_last = 0 };
		size_t n = client_build(&c, in);

		in[30] = (uint8_t)(k >> 16), in[31] = (uint8_t)(k >> 8), in[32] = (uint8_t)k, in[33] = 0xee;
		dhcp_serve_request(&s, in, n, ip(NULL), 10 + k, out, sizeof(out), &res);
		assert_int_not_equal(res.dst, DHCP_DST_NONE);
		assert_true(res.quiet);
	}
	assert_int_equal(dhcp_pool_bound(&s.pool, 20000, idx, 4), 1);
	assert_int_equal(idx[0], 0);
	/* a real client in the middle of the flood still completes: it is offered the oldest offer, and its
	 * REQUEST binds it even if the flood re-offered it in between */
	{
		struct dhcp_msg offer;
		char a[INET_ADDRSTRLEN];
		size_t n = client_build(&(struct client_msg){ .type = DHCP_DISCOVER, .xid = 9, .mac_last = 2 }, in);

		dhcp_serve_request(&s, in, n, ip(NULL), 20000, out, sizeof(out), &res);
		assert_int_equal(dhcp_msg_parse(out, (size_t)res.reply_len, &offer, NULL, 0), 0);
		assert_int_equal(offer.type, DHCP_OFFER);
		assert_int_not_equal(offer.yiaddr.s_addr, ip("192.168.1.100").s_addr);
		inet_ntop(AF_INET, &offer.yiaddr, a, sizeof(a));
		for (unsigned k = 0; k < 8; k++) {
			n = client_build(&(struct client_msg){ .type = DHCP_DISCOVER, .xid = k, .mac_last = (uint8_t)(100 + k) },
					 in);
			dhcp_serve_request(&s, in, n, ip(NULL), 20001 + k, out, sizeof(out), &res);
		}
		n = client_build(&(struct client_msg){ .type = DHCP_REQUEST, .xid = 9, .mac_last = 2, .server_id = SERVER,
						       .requested = a }, in);
		dhcp_serve_request(&s, in, n, ip(NULL), 20010, out, sizeof(out), &res);
		assert_int_equal(dhcp_msg_parse(out, (size_t)res.reply_len, &offer, NULL, 0), 0);
		assert_int_equal(offer.type, DHCP_ACK);
		assert_int_equal(dhcp_pool_bound(&s.pool, 20010, idx, 4), 2);
	}
	/* every address bound: a new DISCOVER gets nothing, said once */
	init(1);
	run(bind_one);
	{
		static const struct row full[] = {
			{ 2, SRV, DISC(3, .xid = 5), NULL, DHCP_NONE, NULL, 0, "every address of the pool is leased" },
			{ 3, SRV, DISC(4, .xid = 6), NULL, DHCP_NONE, NULL, 0, "" },
			/* the lease runs out after 60 s: the address is free again */
			{ 61002, SRV, DISC(4, .xid = 7), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR, NULL },
			{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
		};
		run(full);
	}
}

/* Another server's OFFER on port 68: silent until a probe hears nobody. */
static void rival_server_means_silence(void **state)
{
	static const struct row rows[] = {
		{ 0, SRV, DISC(1, .xid = 1), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR, NULL },
		/* our own OFFER heard back: not a rival */
		{ 1, CLI, { .server_id = SERVER }, SERVER, DHCP_NONE, NULL, 0, "" },
		{ 2, CLI, { .server_id = "192.168.1.254" }, "192.168.1.254", DHCP_NONE, NULL, 0,
		  "another DHCP server answers on this LAN (server 192.168.1.254" },
		{ 3, SRV, DISC(2, .xid = 2), NULL, DHCP_NONE, NULL, 0, "DHCP server 192.168.1.254 answers this LAN" },
		{ 4, SRV, REQ(1, .xid = 1, .server_id = SERVER, .requested = "192.168.1.100"), NULL, DHCP_NONE, NULL, 0,
		  NULL },
		{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
	};
	uint8_t probe[DHCP_REPLY_MAX_BYTES];
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x10 };
	struct dhcp_serve_result res;

	(void)state;
	init(100);
	run(rows);
	assert_true(s.conflict);
	/* a probe that hears the rival again keeps the silence */
	assert_true(dhcp_serve_probe(&s, 7, mac, 10000, probe, sizeof(probe)) > 0);
	{
		uint8_t in[400];
		size_t n = rival_reply("192.168.1.254", in);

		dhcp_serve_client_port(&s, in, n, ip("192.168.1.254"), 10002, &res);
	}
	dhcp_serve_probe_done(&s, 12500, &res);
	assert_true(s.conflict);
	assert_false(res.conflict_changed);
	/* our own probe, looped back to the server port, is not a client */
	dhcp_serve_request(&s, probe, DHCP_REPLY_MAX_BYTES, ip(NULL), 20000, (uint8_t[DHCP_REPLY_MAX_BYTES]){ 0 },
			   DHCP_REPLY_MAX_BYTES, &res);
	assert_true(dhcp_serve_probe(&s, 8, mac, 20000, probe, sizeof(probe)) > 0);
	dhcp_serve_request(&s, probe, DHCP_REPLY_MAX_BYTES, ip(NULL), 20001, (uint8_t[DHCP_REPLY_MAX_BYTES]){ 0 },
			   DHCP_REPLY_MAX_BYTES, &res);
	assert_string_equal(res.line, "");
	/* the rival is gone: nobody answered the probe */
	dhcp_serve_probe_done(&s, 22500, &res);
	assert_false(s.conflict);
	assert_true(res.conflict_changed);
	assert_non_null(strstr(res.line, "no longer answers"));
	{
		static const struct row after[] = {
			{ 23000, SRV, DISC(2, .xid = 2), NULL, DHCP_OFFER, "192.168.1.101", DHCP_DST_HWADDR, NULL },
			{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
		};
		run(after);
	}
}

static void ignored_kinds_say_why(void **state)
{
	uint8_t in[400], out[DHCP_REPLY_MAX_BYTES];
	struct dhcp_serve_result res;
	size_t n;

	(void)state;
	init(100);
	n = client_build(&(struct client_msg){ .type = DHCP_NONE, .mac_last = 1 }, in);
	dhcp_serve_request(&s, in, n, ip(NULL), 0, out, sizeof(out), &res);
	assert_int_equal(res.dst, DHCP_DST_NONE);
	assert_non_null(strstr(res.line, "BOOTP without a DHCP message type"));
	n = client_build(&(struct client_msg){ .type = DHCP_DISCOVER, .mac_last = 1 }, in);
	in[24] = 10;   /* giaddr */
	dhcp_serve_request(&s, in, n, ip(NULL), 0, out, sizeof(out), &res);
	assert_non_null(strstr(res.line, "relayed"));
	dhcp_serve_request(&s, in, 100, ip("192.168.1.9"), 0, out, sizeof(out), &res);
	assert_true(res.malformed);
	assert_non_null(strstr(res.line, "malformed message from 192.168.1.9 dropped: 100 bytes"));
	/* INFORM: an ACK without a lease, to the address the client has */
	n = client_build(&(struct client_msg){ .type = DHCP_INFORM, .mac_last = 1, .ciaddr = "192.168.1.2" }, in);
	dhcp_serve_request(&s, in, n, ip("192.168.1.2"), 0, out, sizeof(out), &res);
	assert_int_equal(res.dst, DHCP_DST_UNICAST);
	{
		struct dhcp_msg back;

		assert_int_equal(dhcp_msg_parse(out, (size_t)res.reply_len, &back, NULL, 0), 0);
		assert_int_equal(back.type, DHCP_ACK);
		assert_false(back.has_lease_time);
		assert_int_equal(back.yiaddr.s_addr, 0);
	}
	assert_int_equal(s.malformed, 1);
}

/* A REQUEST asking for a longer lease gets it, up to an hour; asking for less changes nothing. */
static void requested_lease_time(void **state)
{
	uint8_t in[400], out[DHCP_REPLY_MAX_BYTES];
	struct dhcp_serve_result res;
	struct dhcp_msg back;
	static const uint32_t ask[] = { 600, 86400, 5 };
	static const uint32_t get[] = { 600, 3600, LEASE_S };

	(void)state;
	init(100);
	for (unsigned i = 0; i < 3; i++) {
		size_t n = client_build(&(struct client_msg){ .type = DHCP_REQUEST, .mac_last = (uint8_t)(1 + i),
							      .requested = "192.168.1.150" }, in);

		in[n - 1] = DHCP_OPT_LEASE_TIME, in[n++] = 4;
		in[n++] = (uint8_t)(ask[i] >> 24), in[n++] = (uint8_t)(ask[i] >> 16), in[n++] = (uint8_t)(ask[i] >> 8);
		in[n++] = (uint8_t)ask[i], in[n++] = DHCP_OPT_END;
		in[33] = (uint8_t)(1 + i);
		dhcp_serve_request(&s, in, n, ip(NULL), 1000 * i, out, sizeof(out), &res);
		assert_int_equal(dhcp_msg_parse(out, (size_t)res.reply_len, &back, NULL, 0), 0);
		assert_int_equal(back.type, DHCP_ACK);
		assert_int_equal(back.lease_s, get[i]);
		/* the address moves from client to client: each REQUEST frees the last (init-reboot of a bound one
		 * would be NAKed), so give it back */
		dhcp_pool_free(&s.pool, 50, 1000 * i);
	}
}

static void banner_and_status_words(void **state)
{
	static const struct row rows[] = {
		{ 0, SRV, DISC(1, .xid = 1, .hostname = "laptop"), NULL, DHCP_OFFER, "192.168.1.100", DHCP_DST_HWADDR,
		  NULL },
		{ 1000, SRV, REQ(1, .xid = 1, .server_id = SERVER, .requested = "192.168.1.100"), NULL, DHCP_ACK,
		  "192.168.1.100", DHCP_DST_HWADDR, NULL },
		{ 0, END, { 0 }, NULL, 0, NULL, 0, NULL },
	};
	char text[1024];

	(void)state;
	init(100);
	run(rows);
	dhcp_serve_banner(&s, 11000, text, sizeof(text));
	assert_string_equal(text, "DHCP: a computer plugged in here gets an address from 192.168.1.100-192.168.1.199\n"
			    "      (no gateway, leases of 60 s); 1 leased:\n"
			    "      192.168.1.100 02:00:00:00:00:01 laptop 50 s left\n");
	dhcp_serve_state_text(&s, text, sizeof(text));
	assert_string_equal(text, "serving 192.168.1.100-192.168.1.199, leases of 60 s");
	assert_int_equal(dhcp_serve_lease_text(&s, 1, 11000, text, sizeof(text)), -ENOENT);
	s.conflict = true;
	s.rival = ip("192.168.1.254");
	dhcp_serve_state_text(&s, text, sizeof(text));
	assert_string_equal(text, "silent: DHCP server 192.168.1.254 answers this LAN");
	dhcp_serve_banner(&s, 11000, text, sizeof(text));
	assert_non_null(strstr(text, "another DHCP server (192.168.1.254) answers on this LAN"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_lease),
		cmocka_unit_test(nak_for_what_is_not_ours),
		cmocka_unit_test(spoofed_release_and_decline),
		cmocka_unit_test(flood_keeps_bound_leases),
		cmocka_unit_test(rival_server_means_silence),
		cmocka_unit_test(ignored_kinds_say_why),
		cmocka_unit_test(requested_lease_time),
		cmocka_unit_test(banner_and_status_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
