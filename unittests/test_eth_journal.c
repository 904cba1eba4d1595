/* unittests/test_eth_journal.c — cmocka tests for the port's change journal (lines built and looked up) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>

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
		cmocka_unit_test(test_cut_and_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
