/* unittests/test_window.c — boot-window timelines: {time, event, expected actions, state} tables */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "window.h"

#define W 4000u

enum op { START, START_CMDLINE, TICK, PRESS, LINE, SIGNAL, END };

struct row {
	uint64_t t_ms;
	enum op op;
	const char *line;          /* LINE */
	uint64_t edge_ms;          /* PRESS: edge time; TICK/LINE/SIGNAL: hold_until_ms */
	unsigned expect_flags;
	enum window_state expect_state;
	int64_t expect_deadline;   /* -1: none */
};

static void run(const struct row *rows)
{
	struct window w;

	window_init(&w, W);
	for (const struct row *r = rows; r->op != END; r++) {
		struct window_event ev = { 0 };
		struct window_actions act;

		switch (r->op) {
		case START: ev.type = WINDOW_EV_START; break;
		case START_CMDLINE: ev.type = WINDOW_EV_START; ev.cmdline_failsafe = true; break;
		case TICK: ev.type = WINDOW_EV_TICK; ev.hold_until_ms = r->edge_ms; break;
		case PRESS: ev.type = WINDOW_EV_PRESS; ev.button = 1; ev.press_edge_ms = r->edge_ms; break;
		case LINE:
			ev.type = WINDOW_EV_LINE;
			ev.line = r->line;
			ev.line_len = strlen(r->line);
			ev.hold_until_ms = r->edge_ms;
			break;
		case SIGNAL: ev.type = WINDOW_EV_SIGNAL; ev.hold_until_ms = r->edge_ms; break;
		default: break;
		}
		window_step(&w, &ev, r->t_ms, &act);
		print_message("t=%llu op=%d flags=%x state=%d\n", (unsigned long long)r->t_ms, r->op,
			      act.flags, (int)w.state);
		assert_int_equal(act.flags & ~WINDOW_ACT_DEBUG_LEVEL, r->expect_flags & ~WINDOW_ACT_DEBUG_LEVEL);
		assert_int_equal(act.flags & WINDOW_ACT_DEBUG_LEVEL, r->expect_flags & WINDOW_ACT_DEBUG_LEVEL);
		if (act.flags & WINDOW_ACT_DEBUG_LEVEL)
			assert_int_equal(act.debug_level, r->line[0] - '0');
		assert_int_equal(w.state, r->expect_state);
		if (r->expect_deadline < 0) {
			assert_false(act.has_deadline);
		} else {
			assert_true(act.has_deadline);
			assert_int_equal(act.deadline_ms, (uint64_t)r->expect_deadline);
		}
	}
}

#define OPEN WINDOW_ACT_OPEN
#define FS WINDOW_ACT_FAILSAFE
#define NORM WINDOW_ACT_NORMAL
#define DBG WINDOW_ACT_DEBUG_LEVEL

static void elapses_normal(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 1000, START, NULL, 0, OPEN, WINDOW_OPEN, 5000 },
		{ 4999, TICK, NULL, 0, 0, WINDOW_OPEN, 5000 },
		{ 5000, TICK, NULL, 0, NORM, WINDOW_NORMAL, -1 },
		{ 5001, TICK, NULL, 0, 0, WINDOW_NORMAL, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void press_at_open(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 20, PRESS, NULL, 0, FS, WINDOW_FAILSAFE, -1 },  /* edge at t=0 */
		{ 4000, TICK, NULL, 0, 0, WINDOW_FAILSAFE, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void press_last_millisecond(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		/* edge at 3999 settles at 4019: the deadline waits for it */
		{ 4000, TICK, NULL, 4019, 0, WINDOW_OPEN, 4019 },
		{ 4019, PRESS, NULL, 3999, FS, WINDOW_FAILSAFE, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void press_at_deadline_is_late(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 4020, PRESS, NULL, 4000, NORM, WINDOW_NORMAL, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void held_press_released_early(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 4000, TICK, NULL, 4019, 0, WINDOW_OPEN, 4019 },
		{ 4019, TICK, NULL, 0, NORM, WINDOW_NORMAL, -1 }, /* bounced away: no press */
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void late_tick(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 60000, LINE, "f", 0, NORM, WINDOW_NORMAL, -1 },  /* the clock jumped: too late for 'f' */
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void console_f(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 100, LINE, "x", 0, 0, WINDOW_OPEN, 4000 },
		{ 200, LINE, "", 0, 0, WINDOW_OPEN, 4000 },
		{ 300, LINE, "ff", 0, 0, WINDOW_OPEN, 4000 },
		{ 400, LINE, "F", 0, 0, WINDOW_OPEN, 4000 },
		{ 3999, LINE, " f ", 0, FS, WINDOW_FAILSAFE, -1 },
		{ 4000, LINE, "1", 0, 0, WINDOW_FAILSAFE, -1 },  /* after the verdict: ignored */
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void debug_levels(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 10, LINE, "5", 0, 0, WINDOW_OPEN, 4000 },
		{ 11, LINE, "0", 0, 0, WINDOW_OPEN, 4000 },
		{ 12, LINE, "3", 0, DBG | NORM, WINDOW_NORMAL, -1 },
		{ 13, LINE, "f", 0, 0, WINDOW_NORMAL, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void cmdline_trigger(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START_CMDLINE, NULL, 0, FS, WINDOW_FAILSAFE, -1 },
		{ 4000, TICK, NULL, 0, 0, WINDOW_FAILSAFE, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void signal_trigger(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, TICK, NULL, 0, 0, WINDOW_IDLE, -1 },       /* nothing before START */
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 1, SIGNAL, NULL, 0, FS, WINDOW_FAILSAFE, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void signal_after_deadline(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 4001, SIGNAL, NULL, 0, NORM, WINDOW_NORMAL, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(rows);
}

static void names_and_remaining(void **s)
{
	struct window w;
	struct window_actions act;

	(void)s;
	window_init(&w, 2000);
	assert_int_equal(window_remaining_ms(&w, 0), 0);
	window_step(&w, &(struct window_event){ .type = WINDOW_EV_START }, 100, &act);
	assert_int_equal(window_remaining_ms(&w, 100), 2000);
	assert_int_equal(window_remaining_ms(&w, 2099), 1);
	assert_int_equal(window_remaining_ms(&w, 2100), 0);
	assert_string_equal(window_cause_name(WINDOW_CAUSE_CMDLINE), "cmdline");
	assert_string_equal(window_cause_name(WINDOW_CAUSE_COUNT), "?");
}

/* A debug key ends the window now, but a press already settling still decides. */
static void debug_key_while_press_settles(void **s)
{
	(void)s;
	static const struct row settles[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 100, LINE, "2", 110, DBG, WINDOW_OPEN, 110 },   /* edge at 90 settles at 110 */
		{ 110, PRESS, NULL, 90, FS, WINDOW_FAILSAFE, -1 },
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	static const struct row bounced_away[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 100, LINE, "2", 110, DBG, WINDOW_OPEN, 110 },
		{ 110, TICK, NULL, 0, NORM, WINDOW_NORMAL, -1 },  /* it was a bounce, not a press */
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	static const struct row press_after_key[] = {
		{ 0, START, NULL, 0, OPEN, WINDOW_OPEN, 4000 },
		{ 100, LINE, "2", 0, DBG | NORM, WINDOW_NORMAL, -1 },
		{ 130, PRESS, NULL, 110, 0, WINDOW_NORMAL, -1 },  /* the window had ended */
		{ 0, END, NULL, 0, 0, 0, 0 },
	};
	run(settles);
	run(bounced_away);
	run(press_after_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debug_key_while_press_settles),
		cmocka_unit_test(elapses_normal),
		cmocka_unit_test(press_at_open),
		cmocka_unit_test(press_last_millisecond),
		cmocka_unit_test(press_at_deadline_is_late),
		cmocka_unit_test(held_press_released_early),
		cmocka_unit_test(late_tick),
		cmocka_unit_test(console_f),
		cmocka_unit_test(debug_levels),
		cmocka_unit_test(cmdline_trigger),
		cmocka_unit_test(signal_trigger),
		cmocka_unit_test(signal_after_deadline),
		cmocka_unit_test(names_and_remaining),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
