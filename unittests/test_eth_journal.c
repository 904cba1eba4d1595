/* unittests/test_eth_journal.c — cmocka tests for the port's change journal (lines built and looked up) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "eth_journal.h"

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	return a;
}

static void test_build_and_find(void **state)
{
	char j[ETH_JOURNAL_BYTES] = "";

	(void)state;
	assert_int_equal(eth_journal_add(j, sizeof(j), "created", "eth0.1"), 0);
	assert_int_equal(eth_journal_add(j, sizeof(j), "up", "eth0"), 0);
	assert_int_equal(eth_journal_add_addr(j, sizeof(j), "eth0.1", ip("192.168.1.1"), 24), 0);
	assert_string_equal(j, "created eth0.1\nup eth0\naddr eth0.1 192.168.1.1/24\n");
	assert_true(eth_journal_has(j, "up", "eth0"));
	assert_true(eth_journal_has(j, "created", "eth0.1"));
	assert_false(eth_journal_has(j, "up", "eth0.1"));        /* a line is matched whole, not as a prefix */
	assert_false(eth_journal_has(j, "up", "eth"));
	assert_false(eth_journal_has(j, "created", "eth0"));
	assert_true(eth_journal_has_addr(j, "eth0.1", ip("192.168.1.1"), 24));
	assert_false(eth_journal_has_addr(j, "eth0.1", ip("192.168.1.1"), 16)); /* another prefix: not ours */
	assert_false(eth_journal_has_addr(j, "eth0", ip("192.168.1.1"), 24));
	assert_false(eth_journal_has("", "up", "eth0"));
}

static void test_bridge_lines(void **state)
{
	char j[ETH_JOURNAL_BYTES] = "";

	(void)state;
	/* a DSA board's LAN ports: the bridge made, each port up and put in it, the address on the bridge */
	assert_int_equal(eth_journal_add(j, sizeof(j), "up", "eth0"), 0);
	assert_int_equal(eth_journal_add(j, sizeof(j), "created", "br-lan"), 0);
	assert_int_equal(eth_journal_add(j, sizeof(j), "up", "lan1"), 0);
	assert_int_equal(eth_journal_add_port(j, sizeof(j), "lan1", "br-lan"), 0);
	assert_int_equal(eth_journal_add_port(j, sizeof(j), "lan2", "br-lan"), 0);
	assert_int_equal(eth_journal_add_addr(j, sizeof(j), "br-lan", ip("192.168.1.1"), 24), 0);
	assert_string_equal(j, "up eth0\ncreated br-lan\nup lan1\nenslaved lan1 br-lan\nenslaved lan2 br-lan\n"
			    "addr br-lan 192.168.1.1/24\n");
	assert_true(eth_journal_has_port(j, "lan1", "br-lan"));
	assert_true(eth_journal_has_port(j, "lan2", "br-lan"));
	assert_false(eth_journal_has_port(j, "lan1", "br-other"));  /* another bridge: not ours to release */
	assert_false(eth_journal_has_port(j, "lan", "br-lan"));
	assert_false(eth_journal_has_port(j, "lan1", "br"));
	assert_false(eth_journal_has_port(j, "br-lan", "lan1"));
	assert_false(eth_journal_has(j, "enslaved", "lan1"));       /* the bridge is part of the line */
	assert_false(eth_journal_has(j, "up", "lan2"));             /* lan2 was up already: only its port line */
	assert_true(eth_journal_has(j, "created", "br-lan"));
	assert_false(eth_journal_has_port("enslaved lan1 br-lan", "lan1", "br-lan")); /* cut off: no newline */

	/* the links a restarted run must look at: the second word of a whole line */
	assert_true(eth_journal_mentions(j, "eth0"));
	assert_true(eth_journal_mentions(j, "br-lan"));
	assert_true(eth_journal_mentions(j, "lan1"));
	assert_true(eth_journal_mentions(j, "lan2"));
	assert_false(eth_journal_mentions(j, "lan"));
	assert_false(eth_journal_mentions(j, "lan3"));
	assert_false(eth_journal_mentions(j, "eth0.1"));
	assert_false(eth_journal_mentions(j, "192.168.1.1/24"));
	assert_false(eth_journal_mentions("", "eth0"));
	assert_false(eth_journal_mentions("up eth0", "eth0"));        /* cut off */
	assert_true(eth_journal_mentions("addr eth0.1 192.168.1.1/24\n", "eth0.1"));
	assert_false(eth_journal_mentions("addr eth0.1 192.168.1.1/24\n", "eth0"));
}

static void test_every_link_fits(void **state)
{
	static const char name15[] = "abcdefghijklmno";   /* IFNAMSIZ - 1 */
	char j[ETH_JOURNAL_BYTES] = "", line[96];

	(void)state;
	/* conduit, VLAN parent, port and 8 LAN ports, every kind of line with the longest names, and the address */
	for (int link = 0; link < 3 + 8; link++) {
		assert_int_equal(eth_journal_add(j, sizeof(j), "created", name15), 0);
		assert_int_equal(eth_journal_add(j, sizeof(j), "up", name15), 0);
		assert_int_equal(eth_journal_add_port(j, sizeof(j), name15, name15), 0);
	}
	assert_int_equal(eth_journal_add_addr(j, sizeof(j), name15, ip("255.255.255.255"), 32), 0);
	snprintf(line, sizeof(line), "enslaved %s %s\n", name15, name15);
	assert_true(strlen(line) <= ETH_JOURNAL_LINE_BYTES);
}

static void test_cut_and_full(void **state)
{
	char small[16] = "";

	(void)state;
	/* a last line without its newline (cut off) never matches */
	assert_false(eth_journal_has("up eth0\naddr eth0 192.168.1.1/2", "addr", "eth0"));
	assert_false(eth_journal_has_addr("up eth0\naddr eth0 192.168.1.1/2", "eth0", ip("192.168.1.1"), 24));
	assert_false(eth_journal_has("up eth0", "up", "eth0"));
	assert_int_equal(eth_journal_add(small, sizeof(small), "up", "eth0"), 0);
	assert_int_equal(eth_journal_add(small, sizeof(small), "up", "eth1"), -ENOSPC); /* does not fit: unchanged */
	assert_string_equal(small, "up eth0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_find),
		cmocka_unit_test(test_bridge_lines),
		cmocka_unit_test(test_every_link_fits),
		cmocka_unit_test(test_cut_and_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
