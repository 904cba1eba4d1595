/* unittests/test_debounce.c — debounce timelines: {time, input, expected} tables */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "debounce.h"

enum op { EDGE_DOWN, EDGE_UP, TICK, END };

struct row {
	uint64_t t_ms;
	enum op op;
	enum debounce_change expect;   /* for TICK */
	int64_t deadline_ms;           /* after the row: -1 none */
};

static void run(const struct row *rows, uint32_t debounce_ms, bool initial)
{
	struct debounce d;

	debounce_init(&d, debounce_ms, initial, 0);
	for (const struct row *r = rows; r->op != END; r++) {
		uint64_t dl;
		bool has;

		if (r->op == EDGE_DOWN || r->op == EDGE_UP)
			debounce_edge(&d, r->op == EDGE_DOWN, r->t_ms);
		else
			assert_int_equal(debounce_tick(&d, r->t_ms), r->expect);
		has = debounce_deadline(&d, &dl);
		if (r->deadline_ms < 0)
			assert_false(has);
		else {
			assert_true(has);
			assert_int_equal(dl, (uint64_t)r->deadline_ms);
		}
	}
}

static void clean_press(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ 0, TICK, DEBOUNCE_NONE, -1 },
		{ 100, EDGE_DOWN, 0, 120 },
		{ 119, TICK, DEBOUNCE_NONE, 120 },  /* one ms short */
		{ 120, TICK, DEBOUNCE_PRESSED, -1 },/* exactly at the settle end */
		{ 121, TICK, DEBOUNCE_NONE, -1 },   /* reported once */
		{ 300, EDGE_UP, 0, 320 },
		{ 320, TICK, DEBOUNCE_RELEASED, -1 },
		{ 0, END, 0, 0 },
	};
	run(rows, 20, false);
}

static void bounce_train(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ 10, EDGE_DOWN, 0, 30 },
		{ 13, EDGE_UP, 0, 33 },
		{ 15, EDGE_DOWN, 0, 35 },
		{ 30, TICK, DEBOUNCE_NONE, 35 },    /* restarted by every edge */
		{ 31, EDGE_UP, 0, 51 },
		{ 32, EDGE_DOWN, 0, 52 },
		{ 51, TICK, DEBOUNCE_NONE, 52 },
		{ 52, TICK, DEBOUNCE_PRESSED, -1 },
		{ 0, END, 0, 0 },
	};
	run(rows, 20, false);
}

static void press_shorter_than_debounce(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ 50, EDGE_DOWN, 0, 70 },
		{ 60, EDGE_UP, 0, 80 },             /* released after 10 ms */
		{ 80, TICK, DEBOUNCE_NONE, -1 },    /* never reported */
		{ 1000, TICK, DEBOUNCE_NONE, -1 },
		{ 0, END, 0, 0 },
	};
	run(rows, 20, false);
}

static void held_at_start(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ 19, TICK, DEBOUNCE_NONE, 20 },
		{ 20, TICK, DEBOUNCE_PRESSED, -1 },
		{ 0, END, 0, 0 },
	};
	run(rows, 20, true);
}

static void late_tick_clock_jump(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ 5, EDGE_DOWN, 0, 25 },
		{ 90000, TICK, DEBOUNCE_PRESSED, -1 },  /* tick arrives very late: still settles */
		{ 90001, EDGE_UP, 0, 90021 },
		{ 90000, TICK, DEBOUNCE_NONE, 90021 },  /* a tick from the past changes nothing */
		{ 0, END, 0, 0 },
	};
	run(rows, 20, false);
}

static void out_of_order_edge(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ 100, EDGE_DOWN, 0, 120 },
		{ 90, EDGE_UP, 0, 120 },            /* stamped earlier: time does not go back */
		{ 120, TICK, DEBOUNCE_NONE, -1 },   /* settled released: no change */
		{ 0, END, 0, 0 },
	};
	run(rows, 20, false);
}

static void zero_debounce(void **state)
{
	(void)state;
	static const struct row rows[] = {
		{ 7, EDGE_DOWN, 0, 7 },
		{ 7, TICK, DEBOUNCE_PRESSED, -1 },
		{ 0, END, 0, 0 },
	};
	run(rows, 0, false);
}

/* A press that bounces across a deadline (t=1000) keeps the time its burst began. */
static void hold_across_deadline(void **state)
{
	static const struct {
		uint64_t t_ms;
		int edge;               /* 1 down, 0 up, -1 tick */
		uint64_t hold_until_ms; /* debounce_hold_until(d, 1000) after the row */
	} rows[] = {
		{ 992, 1, 1012 },
		{ 995, 0, 1015 },       /* momentarily released: still a burst, the verdict waits... */
		{ 1003, 1, 1023 },      /* ...bounced back: the burst began at 992, before the deadline */
		{ 1023, -1, 0 },        /* settled pressed: nothing to wait for */
	};
	struct debounce d;

	(void)state;
	debounce_init(&d, 20, false, 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].edge >= 0)
			debounce_edge(&d, rows[i].edge, rows[i].t_ms);
		else
			assert_int_equal(debounce_tick(&d, rows[i].t_ms), DEBOUNCE_PRESSED);
		assert_int_equal(debounce_hold_until(&d, 1000), rows[i].hold_until_ms);
	}
	assert_int_equal(d.burst_ms, 992);   /* what the window compares with its deadline */

	debounce_init(&d, 20, false, 0);
	debounce_edge(&d, true, 1000);       /* a burst that begins at the deadline is late */
	assert_int_equal(debounce_hold_until(&d, 1000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_press),
		cmocka_unit_test(bounce_train),
		cmocka_unit_test(press_shorter_than_debounce),
		cmocka_unit_test(held_at_start),
		cmocka_unit_test(late_tick_clock_jump),
		cmocka_unit_test(out_of_order_edge),
		cmocka_unit_test(zero_debounce),
		cmocka_unit_test(hold_across_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
