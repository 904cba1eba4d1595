/* unittests/test_dhcp_msg.c — the DHCP codec: what a client sends parses, malformed bytes are named, replies are RFC 2131's */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp_client.h"
#include "dhcp_msg.h"

static void parses_a_discover(void **state)
{
	uint8_t buf[400];
	size_t n = client_build(&(struct client_msg){ .type = DHCP_DISCOVER, .mac_last = 7, .hostname = "lap top\x01",
						   .requested = "192.168.1.150", .xid = 0x11223344,
						   .flags = DHCP_FLAG_BROADCAST }, buf);
	struct dhcp_msg m;
	char why[DHCP_WHY_BYTES];

	(void)state;
	assert_int_equal(dhcp_msg_parse(buf, n, &m, why, sizeof(why)), 0);
	assert_int_equal(m.op, DHCP_BOOTREQUEST);
	assert_int_equal(m.type, DHCP_DISCOVER);
	assert_int_equal(m.xid, 0x11223344);
	assert_int_equal(m.flags, DHCP_FLAG_BROADCAST);
	assert_true(m.has_requested_ip);
	assert_int_equal(m.requested_ip.s_addr, ip("192.168.1.150").s_addr);
	assert_false(m.has_server_id);
	assert_string_equal(m.hostname, "lap?top?");   /* only safe characters are kept for display */
	assert_false(m.id_from_option);
	assert_int_equal(m.id.len, 7);                  /* htype + 6-byte chaddr */
	assert_int_equal(m.chaddr[5], 7);
}

static void client_id_option_wins_over_chaddr(void **state)
{
	uint8_t a[400], b[400];
	size_t na = client_build(&(struct client_msg){ .type = DHCP_REQUEST, .mac_last = 1, .client_id = "x" }, a);
	size_t nb = client_build(&(struct client_msg){ .type = DHCP_REQUEST, .mac_last = 2, .client_id = "x" }, b);
	struct dhcp_msg ma, mb;

	(void)state;
	assert_int_equal(dhcp_msg_parse(a, na, &ma, NULL, 0), 0);
	assert_int_equal(dhcp_msg_parse(b, nb, &mb, NULL, 0), 0);
	assert_true(ma.id_from_option);
	assert_true(dhcp_client_id_equal(&ma.id, &mb.id));   /* one client, two interfaces */
	nb = client_build(&(struct client_msg){ .type = DHCP_REQUEST, .mac_last = 1, .client_id = "y" }, b);
	assert_int_equal(dhcp_msg_parse(b, nb, &mb, NULL, 0), 0);
	assert_false(dhcp_client_id_equal(&ma.id, &mb.id));
}

/* A long client identifier in two parts (RFC 3396) is one identifier; it differs from one that only shares its start. */
static void split_option_is_concatenated(void **state)
{
	uint8_t buf[600];
	struct dhcp_msg m1, m2;
	size_t n = DHCP_MIN_BYTES;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = 1, buf[1] = 1, buf[2] = 6;
	buf[236] = 99, buf[237] = 130, buf[238] = 83, buf[239] = 99;
	buf[n++] = 53, buf[n++] = 1, buf[n++] = 1;
	buf[n++] = 61, buf[n++] = 200;
	memset(buf + n, 'a', 200), n += 200;
	buf[n++] = 61, buf[n++] = 40;
	memset(buf + n, 'b', 40), n += 40;
	buf[n++] = 255;
	assert_int_equal(dhcp_msg_parse(buf, n, &m1, NULL, 0), 0);
	assert_int_equal(m1.id.len, 240);
	buf[n - 2] = 'c';
	assert_int_equal(dhcp_msg_parse(buf, n, &m2, NULL, 0), 0);
	assert_false(dhcp_client_id_equal(&m1.id, &m2.id));
}

/* Options in file and sname when option 52 says so, in that order. */
static void overloaded_fields_are_read(void **state)
{
	uint8_t buf[400];
	struct dhcp_msg m;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = 1, buf[1] = 1, buf[2] = 6;
	buf[236] = 99, buf[237] = 130, buf[238] = 83, buf[239] = 99;
	buf[240] = 52, buf[241] = 1, buf[242] = 3, buf[243] = 255;
	buf[108] = 53, buf[109] = 1, buf[110] = 3, buf[111] = 255;                     /* file */
	buf[44] = 50, buf[45] = 4, buf[46] = 192, buf[47] = 168, buf[48] = 1, buf[49] = 120; /* sname */
	buf[50] = 255;
	assert_int_equal(dhcp_msg_parse(buf, 244, &m, NULL, 0), 0);
	assert_int_equal(m.type, DHCP_REQUEST);
	assert_int_equal(m.requested_ip.s_addr, ip("192.168.1.120").s_addr);
}

struct bad_case {
	const char *name;
	size_t len;                  /* of the built message, 0: as built */
	size_t at;                   /* byte to set, 0: none */
	uint8_t value;
	const char *why;             /* a part of the one-line reason */
};

static void malformed_messages_are_named(void **state)
{
	static const struct bad_case cases[] = {
		{ "short", 239, 0, 0, "shorter than the 240" },
		{ "cookie", 0, 236, 98, "no DHCP magic cookie" },
		{ "type 9", 0, 242, 9, "option 53 (message type) is 9" },
		{ "type len", 0, 241, 2, "option 53 (message type) is 2 bytes" },
		{ "hlen", 0, 2, 17, "hardware address length 17" },
		{ "runs past", 0, 244, 250, "runs past its end" },
	};
	uint8_t buf[400];
	struct dhcp_msg m;
	char why[DHCP_WHY_BYTES];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* option 53 alone when its length is the fault: 53 2 1 END reads as a 2-byte type */
		size_t n = client_build(&(struct client_msg){ .type = DHCP_DISCOVER,
							      .requested = cases[i].at == 241 ? NULL : "192.168.1.5" }, buf);

		if (cases[i].at)
			buf[cases[i].at] = cases[i].value;
		if (cases[i].at == 244)
			n = 250;   /* option 50 claims 250 bytes of a short buffer */
		memset(&m, 0x5a, sizeof(m));
		assert_int_equal(dhcp_msg_parse(buf, cases[i].len ? cases[i].len : n, &m, why, sizeof(why)), -EBADMSG);
		if (!strstr(why, cases[i].why))
			fail_msg("%s: \"%s\" does not say \"%s\"", cases[i].name, why, cases[i].why);
	}
	/* op 3 */
	client_build(&(struct client_msg){ .type = DHCP_DISCOVER }, buf);
	buf[0] = 3;
	assert_int_equal(dhcp_msg_parse(buf, 300, &m, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "op 3"));
}

static uint32_t opt32(const uint8_t *buf, int len, uint8_t code)
{
	for (int i = DHCP_MIN_BYTES; i + 1 < len && buf[i] != 255;) {
		if (buf[i] == 0) {
			i++;
			continue;
		}
		if (buf[i] == code)
			return (uint32_t)buf[i + 2] << 24 | (uint32_t)buf[i + 3] << 16 | (uint32_t)buf[i + 4] << 8 | buf[i + 5];
		i += 2 + buf[i + 1];
	}
	return 0xdeadbeef;
}

static void reply_carries_rfc2132_options(void **state)
{
	uint8_t req[400], out[DHCP_REPLY_MAX_BYTES];
	size_t n = client_build(&(struct client_msg){ .type = DHCP_REQUEST, .mac_last = 9, .xid = 77 }, req);
	struct dhcp_msg m, back;
	int len;

	(void)state;
	assert_int_equal(dhcp_msg_parse(req, n, &m, NULL, 0), 0);
	len = dhcp_msg_build_reply(&m, &(struct dhcp_reply_fields){
		.type = DHCP_ACK, .yiaddr = ip("192.168.1.100"), .server_id = ip("192.168.1.1"), .lease_s = 300,
		.mask = ip("255.255.255.0"), .broadcast = ip("192.168.1.255") }, out, sizeof(out));
	assert_true(len >= 300 && len <= DHCP_REPLY_MAX_BYTES);
	assert_int_equal(dhcp_msg_parse(out, (size_t)len, &back, NULL, 0), 0);
	assert_int_equal(back.op, DHCP_BOOTREPLY);
	assert_int_equal(back.type, DHCP_ACK);
	assert_int_equal(back.xid, 77);
	assert_int_equal(back.yiaddr.s_addr, ip("192.168.1.100").s_addr);
	assert_int_equal(back.server_id.s_addr, ip("192.168.1.1").s_addr);
	assert_int_equal(back.lease_s, 300);
	assert_int_equal(back.chaddr[5], 9);
	assert_int_equal(opt32(out, len, DHCP_OPT_T1), 150);
	assert_int_equal(opt32(out, len, DHCP_OPT_T2), 262);
	assert_int_equal(opt32(out, len, DHCP_OPT_SUBNET_MASK), 0xffffff00);
	assert_int_equal(opt32(out, len, DHCP_OPT_BROADCAST), 0xc0a801ff);
	assert_int_equal(opt32(out, len, 3), 0xdeadbeef);            /* no router */
	assert_int_equal(opt32(out, len, DHCP_OPT_DNS), 0xdeadbeef); /* no DNS unless asked for */
	assert_int_equal(dhcp_msg_build_reply(&m, &(struct dhcp_reply_fields){ .type = DHCP_NAK }, out, 100), -EMSGSIZE);
	assert_int_equal(dhcp_msg_build_reply(&m, &(struct dhcp_reply_fields){ .type = DHCP_DISCOVER }, out, sizeof(out)),
			 -EINVAL);
}

static void nak_is_broadcast_and_says_why(void **state)
{
	uint8_t req[400], out[DHCP_REPLY_MAX_BYTES];
	size_t n = client_build(&(struct client_msg){ .type = DHCP_REQUEST, .mac_last = 9 }, req);
	struct dhcp_msg m, back;
	int len;

	(void)state;
	assert_int_equal(dhcp_msg_parse(req, n, &m, NULL, 0), 0);
	len = dhcp_msg_build_reply(&m, &(struct dhcp_reply_fields){ .type = DHCP_NAK, .server_id = ip("192.168.1.1"),
								  .message = "no" }, out, sizeof(out));
	assert_true(len > 0);
	assert_int_equal(dhcp_msg_parse(out, (size_t)len, &back, NULL, 0), 0);
	assert_int_equal(back.type, DHCP_NAK);
	assert_int_equal(back.flags & DHCP_FLAG_BROADCAST, DHCP_FLAG_BROADCAST);
	assert_int_equal(back.yiaddr.s_addr, 0);
	assert_false(back.has_lease_time);
}

static void probe_is_a_broadcast_discover(void **state)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x42 };
	uint8_t out[DHCP_REPLY_MAX_BYTES];
	struct dhcp_msg m;
	int len = dhcp_msg_build_discover(5, mac, out, sizeof(out));

	(void)state;
	assert_true(len > 0);
	assert_int_equal(dhcp_msg_parse(out, (size_t)len, &m, NULL, 0), 0);
	assert_int_equal(m.op, DHCP_BOOTREQUEST);
	assert_int_equal(m.type, DHCP_DISCOVER);
	assert_int_equal(m.flags, DHCP_FLAG_BROADCAST);
	assert_true(m.id_from_option);
	assert_memory_equal(m.chaddr, mac, 6);
	assert_int_equal(dhcp_msg_build_discover(5, mac, out, 200), -EMSGSIZE);
}

/* What failsafectl sends to take and give back a lease: a REQUEST asking for an hour, a RELEASE. */
static void client_request_and_release(void **state)
{
	uint8_t out[DHCP_REPLY_MAX_BYTES];
	struct dhcp_msg m;
	struct dhcp_client_fields f = { .type = DHCP_REQUEST, .xid = 9, .mac = { 2, 0, 0, 0, 0, 7 },
					.requested = ip("192.168.1.100"), .server_id = ip("192.168.1.1"),
					.lease_s = 3600, .hostname = "failsafectl" };
	int len = dhcp_msg_build_client(&f, out, sizeof(out));

	(void)state;
	assert_true(len > 0);
	assert_int_equal(dhcp_msg_parse(out, (size_t)len, &m, NULL, 0), 0);
	assert_int_equal(m.type, DHCP_REQUEST);
	assert_int_equal(m.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(m.requested_ip.s_addr, ip("192.168.1.100").s_addr);
	assert_int_equal(m.server_id.s_addr, ip("192.168.1.1").s_addr);
	assert_int_equal(m.lease_s, 3600);
	assert_string_equal(m.hostname, "failsafectl");
	assert_true(m.id_from_option);
	f.type = DHCP_RELEASE;
	f.ciaddr = ip("192.168.1.100");
	len = dhcp_msg_build_client(&f, out, sizeof(out));
	assert_int_equal(dhcp_msg_parse(out, (size_t)len, &m, NULL, 0), 0);
	assert_int_equal(m.type, DHCP_RELEASE);
	assert_int_equal(m.ciaddr.s_addr, ip("192.168.1.100").s_addr);
	assert_false(m.has_requested_ip);
	f.type = DHCP_OFFER;
	assert_int_equal(dhcp_msg_build_client(&f, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_discover),
		cmocka_unit_test(client_id_option_wins_over_chaddr),
		cmocka_unit_test(split_option_is_concatenated),
		cmocka_unit_test(overloaded_fields_are_read),
		cmocka_unit_test(malformed_messages_are_named),
		cmocka_unit_test(reply_carries_rfc2132_options),
		cmocka_unit_test(nak_is_broadcast_and_says_why),
		cmocka_unit_test(probe_is_a_broadcast_discover),
		cmocka_unit_test(client_request_and_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
