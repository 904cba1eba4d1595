/* unittests/test_telnet_slots.c — cmocka tables for the telnet session slot rule */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "telnet_slots.h"

#define N 4

static void test_slot_rule(void **state)
{
	static const struct {
		const char *what;
		struct telnet_slot_view v[N];
		unsigned max_live;
		uint64_t now_ms;
		enum telnet_slot_verdict want;
		unsigned want_victim;
	} cases[] = {
		{ "empty", { { 0 } }, 2, 1000, TELNET_SLOT_FREE, 0 },
		{ "one of two live", { { true, 900 } }, 2, 1000, TELNET_SLOT_FREE, 0 },
		{ "ended sessions hold no slot", { { false, 0 }, { false, 0 }, { true, 900 } }, 2, 1000, TELNET_SLOT_FREE, 0 },
		{ "full, both spoke just now: refused", { { true, 900 }, { true, 950 } }, 2, 1000, TELNET_SLOT_REFUSE, 0 },
		{ "full, one silent 4999 ms: still refused", { { true, 1 }, { true, 900 } }, 2, 5000, TELNET_SLOT_REFUSE, 0 },
		{ "full, one silent 5000 ms: it makes room", { { true, 0 }, { true, 900 } }, 2, 5000, TELNET_SLOT_EVICT, 0 },
		{ "the longest silent goes", { { true, 3000 }, { true, 1000 }, { true, 2000 } }, 3, 9000, TELNET_SLOT_EVICT, 1 },
		{ "an ended one is no victim", { { false, 0 }, { true, 8000 }, { true, 9000 } }, 2, 9100, TELNET_SLOT_REFUSE, 0 },
		{ "over the limit (limit lowered): still one victim", { { true, 0 }, { true, 10 }, { true, 20 } }, 1, 6000,
		  TELNET_SLOT_EVICT, 0 },
		{ "input stamped after now (clock): never a victim", { { true, 7000 } }, 1, 6000, TELNET_SLOT_REFUSE, 0 },
		{ "max 0: nobody", { { 0 } }, 0, 1000, TELNET_SLOT_REFUSE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned victim = 99;
		enum telnet_slot_verdict got = telnet_slot_for(cases[i].v, N, cases[i].max_live, cases[i].now_ms, &victim);

		if (got != cases[i].want || (got == TELNET_SLOT_EVICT && victim != cases[i].want_victim))
			fail_msg("%s: verdict %d victim %u", cases[i].what, got, victim);
	}
}

static void test_pending_oldest(void **state)
{
	static const uint64_t a[] = { 50, 10, 30, 10 }, b[] = { 7 };

	(void)state;
	assert_int_equal(telnet_pending_oldest(a, 4), 1); /* the first of equals */
	assert_int_equal(telnet_pending_oldest(b, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_rule),
		cmocka_unit_test(test_pending_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
