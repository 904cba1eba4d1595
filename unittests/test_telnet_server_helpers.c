/* unittests/test_telnet_server_helpers.c — cmocka tests for the telnet server's pure subnet check */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "telnet_server.h"

static bool allowed(const char *peer, const char *subnet, uint8_t prefix_len)
{
	struct in_addr p, s;

	assert_int_equal(inet_pton(AF_INET, peer, &p), 1);
	assert_int_equal(inet_pton(AF_INET, subnet, &s), 1);
	return listener_peer_allowed(p, s, prefix_len);
}

static void test_table(void **state)
{
	static const struct {
		const char *peer, *subnet;
		uint8_t prefix_len;
		bool want;
	} cases[] = {
		{ "192.168.1.2", "192.168.1.0", 24, true },
		{ "192.168.1.254", "192.168.1.1", 24, true },   /* host bits of the subnet ignored */
		{ "192.168.1.255", "192.168.1.1", 24, false },  /* the broadcast address is no host */
		{ "192.168.1.0", "192.168.1.1", 24, false },    /* nor is the network address */
		{ "192.168.1.129", "192.168.1.130", 30, true }, /* /30: .128 network, .129 .130 hosts, .131 broadcast */
		{ "192.168.1.128", "192.168.1.130", 30, false },
		{ "192.168.1.131", "192.168.1.130", 30, false },
		{ "192.168.1.128", "192.168.1.129", 31, true },  /* /31 point-to-point: both addresses are hosts */
		{ "192.168.1.129", "192.168.1.128", 31, true },
		{ "192.168.2.1", "192.168.1.0", 24, false },
		{ "192.168.1.1", "192.168.1.1", 32, true },
		{ "192.168.1.2", "192.168.1.1", 32, false },
		{ "127.0.0.1", "127.0.0.2", 32, false },
		{ "127.255.0.9", "127.0.0.0", 8, true },
		{ "127.255.255.255", "127.0.0.0", 8, false },
		{ "10.0.0.1", "192.168.1.0", 0, true },          /* prefix 0: everyone */
		{ "192.168.1.129", "192.168.1.128", 25, true },
		{ "192.168.1.127", "192.168.1.128", 25, false },
		{ "128.0.0.0", "0.0.0.0", 1, false },
		{ "127.0.0.1", "0.0.0.0", 1, true },
		{ "0.0.0.0", "0.0.0.0", 1, false },
		{ "192.168.1.1", "192.168.1.1", 33, false },     /* invalid prefix matches nothing */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(allowed(cases[i].peer, cases[i].subnet, cases[i].prefix_len), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
