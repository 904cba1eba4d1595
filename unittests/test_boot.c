/* unittests/test_boot.c — the boot policy as timelines: {time, event, expected actions, phase, deadline, exit} */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot.h"

/* Buttons: 0 "reset" (key, 20 ms), 1 "wps" (key, 50 ms), 2 a switch (not a trigger). */
#define RESET 0u
#define WPS 1u
#define SWITCH 2u

enum op { START, START_CMDLINE, START_FAILED, EDGE, TICK, LINE, TRIGGER, STOP, RESTORED, WRITING, END };

struct row {
	uint64_t t_ms;
	enum op op;
	unsigned arg;              /* START: held mask; EDGE: button; STOP: signum; WRITING: 1 began, 0 ended */
	bool pressed;              /* EDGE */
	const char *line;          /* LINE */
	unsigned expect_flags;
	enum boot_phase expect_phase;
	int64_t expect_deadline;   /* -1: no deadline */
	int expect_exit;           /* with BOOT_ACT_EXIT */
	bool expect_continue;      /* with BOOT_ACT_EXIT */
};

static void run_cfg(const struct row *rows, uint32_t window_ms)
{
	struct boot_config cfg = { .window_ms = window_ms, .n_buttons = 3,
				   .trigger_mask = 1u << RESET | 1u << WPS,
				   .debounce_ms = { 20, 50, 20 } };
	struct boot b;

	boot_init(&b, &cfg);
	for (const struct row *r = rows; r->op != END; r++) {
		struct boot_event ev = { 0 };
		struct boot_actions act;

		switch (r->op) {
		case START: ev.type = BOOT_EV_START; ev.held_mask = r->arg; break;
		case START_CMDLINE: ev.type = BOOT_EV_START; ev.cmdline_failsafe = true; break;
		case START_FAILED: ev.type = BOOT_EV_START_FAILED; break;
		case EDGE:
			ev.type = BOOT_EV_EDGE;
			ev.button = r->arg;
			ev.pressed = r->pressed;
			ev.edge_ms = r->t_ms;
			break;
		case TICK: ev.type = BOOT_EV_TICK; break;
		case LINE: ev.type = BOOT_EV_LINE; ev.line = r->line; ev.line_len = strlen(r->line); break;
		case TRIGGER: ev.type = BOOT_EV_TRIGGER; break;
		case STOP: ev.type = BOOT_EV_STOP; ev.signum = (int)r->arg; break;
		case RESTORED: ev.type = BOOT_EV_RESTORED; break;
		case WRITING: ev.type = BOOT_EV_WRITING; ev.writing = r->arg; break;
		default: break;
		}
		boot_step(&b, &ev, r->t_ms, &act);
		print_message("t=%llu op=%d flags=%x phase=%s deadline=%lld\n", (unsigned long long)r->t_ms, r->op,
			      act.flags, boot_phase_name(b.phase),
			      act.has_deadline ? (long long)act.deadline_ms : -1LL);
		assert_int_equal(act.flags, r->expect_flags);
		assert_int_equal(b.phase, r->expect_phase);
		if (r->expect_deadline < 0) {
			assert_false(act.has_deadline);
		} else {
			assert_true(act.has_deadline);
			assert_int_equal(act.deadline_ms, (uint64_t)r->expect_deadline);
		}
		if (act.flags & BOOT_ACT_EXIT) {
			assert_int_equal(act.exit_code, r->expect_exit);
			assert_int_equal(act.continue_boot, r->expect_continue);
		}
	}
}

static void run(const struct row *rows)
{
	run_cfg(rows, 4000);
}

#define OPEN BOOT_ACT_OPEN
#define PRESS BOOT_ACT_PRESS
#define FS BOOT_ACT_FAILSAFE
#define NORM BOOT_ACT_NORMAL
#define UNDO BOOT_ACT_UNDO
#define EXIT BOOT_ACT_EXIT
#define DBG BOOT_ACT_DEBUG_LEVEL
#define W BOOT_WINDOW
#define F BOOT_FAILSAFE
#define R BOOT_RESTORING
#define S BOOT_STOPPING
#define DR BOOT_DRAINING
#define DRAIN BOOT_ACT_DRAIN
#define D BOOT_DONE
#define X { 0, END, 0, false, NULL, 0, 0, 0, 0, false }

static void normal_path_continues_the_boot(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 1000, START, 0, false, NULL, OPEN, W, 5000, 0, false },
		{ 4999, TICK, 0, false, NULL, 0, W, 5000, 0, false },
		{ 5000, TICK, 0, false, NULL, NORM | UNDO, R, -1, 0, false },
		{ 5001, EDGE, RESET, true, NULL, 0, R, -1, 0, false },       /* too late: ignored */
		{ 5010, RESTORED, 0, false, NULL, EXIT, D, -1, 0, true },
		X,
	};
	run(rows);
}

static void debounced_press_enters_failsafe(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 1000, EDGE, RESET, true, NULL, 0, W, 1020, 0, false },
		{ 1019, TICK, 0, false, NULL, 0, W, 1020, 0, false },
		{ 1020, TICK, 0, false, NULL, PRESS | FS, F, -1, 0, false },
		{ 1100, EDGE, RESET, false, NULL, 0, F, -1, 0, false },
		{ 4000, TICK, 0, false, NULL, 0, F, -1, 0, false },
		{ 9000, STOP, SIGTERM, false, NULL, EXIT, D, -1, 128 + SIGTERM, false },
		X,
	};
	run(rows);
}

static void press_bouncing_across_the_deadline(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 3990, EDGE, RESET, true, NULL, 0, W, 4010, 0, false },     /* the verdict waits for the settle */
		{ 3995, EDGE, RESET, false, NULL, 0, W, 4015, 0, false },
		{ 3999, EDGE, RESET, true, NULL, 0, W, 4019, 0, false },
		{ 4005, EDGE, RESET, false, NULL, 0, W, 4025, 0, false },    /* bounces past the deadline */
		{ 4006, EDGE, RESET, true, NULL, 0, W, 4026, 0, false },
		{ 4026, TICK, 0, false, NULL, PRESS | FS, F, -1, 0, false }, /* the burst began at 3990 */
		X,
	};
	run(rows);
}

static void press_beginning_at_the_deadline_is_late(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 4000, EDGE, RESET, true, NULL, NORM | UNDO, R, -1, 0, false },
		X,
	};
	run(rows);
}

static void short_press_is_not_a_press(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 100, EDGE, WPS, true, NULL, 0, W, 150, 0, false },
		{ 120, EDGE, WPS, false, NULL, 0, W, 170, 0, false },         /* released within 50 ms */
		{ 170, TICK, 0, false, NULL, 0, W, 4000, 0, false },
		{ 4000, TICK, 0, false, NULL, NORM | UNDO, R, -1, 0, false },
		X,
	};
	run(rows);
}

static void held_at_power_on(void **s)
{
	(void)s;
	static const struct row held[] = {
		{ 0, START, 1u << WPS, false, NULL, OPEN, W, 50, 0, false },
		{ 50, TICK, 0, false, NULL, PRESS | FS, F, -1, 0, false },
		X,
	};
	static const struct row held_switch[] = {
		{ 0, START, 1u << SWITCH, false, NULL, OPEN, W, 4000, 0, false },   /* a switch never triggers */
		{ 100, EDGE, SWITCH, false, NULL, 0, W, 4000, 0, false },
		{ 4000, TICK, 0, false, NULL, NORM | UNDO, R, -1, 0, false },
		X,
	};
	run(held);
	run(held_switch);
}

static void debug_key_while_a_press_settles(void **s)
{
	(void)s;
	static const struct row press_wins[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 100, EDGE, WPS, true, NULL, 0, W, 150, 0, false },
		{ 120, LINE, 0, false, "2", DBG, W, 150, 0, false },          /* the level is taken, the press decides */
		{ 150, TICK, 0, false, NULL, PRESS | FS, F, -1, 0, false },
		X,
	};
	static const struct row bounce_loses[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 100, EDGE, WPS, true, NULL, 0, W, 150, 0, false },
		{ 120, LINE, 0, false, "3", DBG, W, 150, 0, false },
		{ 130, EDGE, WPS, false, NULL, 0, W, 180, 0, false },
		{ 180, TICK, 0, false, NULL, NORM | UNDO, R, -1, 0, false },
		{ 181, RESTORED, 0, false, NULL, EXIT, D, -1, 0, true },
		X,
	};
	static const struct row no_press[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 120, LINE, 0, false, "1", DBG | NORM | UNDO, R, -1, 0, false },
		X,
	};
	run(press_wins);
	run(bounce_loses);
	run(no_press);
}

static void stop_in_each_phase(void **s)
{
	(void)s;
	static const struct row idle[] = {
		{ 0, STOP, SIGTERM, false, NULL, EXIT, D, -1, 128 + SIGTERM, false },
		{ 1, START, 0, false, NULL, 0, D, -1, 0, false },
		X,
	};
	static const struct row window[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 500, STOP, SIGTERM, false, NULL, UNDO, S, -1, 0, false },   /* the port is put back first */
		{ 510, EDGE, RESET, true, NULL, 0, S, -1, 0, false },
		{ 4000, TICK, 0, false, NULL, 0, S, -1, 0, false },
		{ 600, RESTORED, 0, false, NULL, EXIT, D, -1, 128 + SIGTERM, false },
		X,
	};
	static const struct row twice[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 500, STOP, SIGTERM, false, NULL, UNDO, S, -1, 0, false },
		{ 501, STOP, SIGINT, false, NULL, 0, S, -1, 0, false },       /* only the exit code changes */
		{ 600, RESTORED, 0, false, NULL, EXIT, D, -1, 128 + SIGINT, false },
		X,
	};
	static const struct row restoring[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 4000, TICK, 0, false, NULL, NORM | UNDO, R, -1, 0, false },
		{ 4001, STOP, SIGTERM, false, NULL, 0, S, -1, 0, false },     /* the undo in flight ends it */
		{ 4010, RESTORED, 0, false, NULL, EXIT, D, -1, 128 + SIGTERM, false },
		X,
	};
	static const struct row failsafe[] = {
		{ 0, START_CMDLINE, 0, false, NULL, FS, F, -1, 0, false },
		{ 100, STOP, SIGQUIT, false, NULL, EXIT, D, -1, 128 + SIGQUIT, false },
		{ 200, RESTORED, 0, false, NULL, 0, D, -1, 0, false },
		X,
	};
	run(idle);
	run(window);
	run(twice);
	run(restoring);
	run(failsafe);
}

static void start_failed_before_any_window(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START_FAILED, 0, false, NULL, EXIT, D, -1, 1, true },     /* the boot goes on */
		{ 1, START, 0, false, NULL, 0, D, -1, 0, false },
		X,
	};
	run(rows);
}

static void other_triggers(void **s)
{
	(void)s;
	static const struct row cmdline[] = {
		{ 0, START_CMDLINE, 0, false, NULL, FS, F, -1, 0, false },
		{ 10, EDGE, RESET, true, NULL, 0, F, -1, 0, false },
		X,
	};
	static const struct row signal_trigger[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 10, TRIGGER, 0, false, NULL, FS, F, -1, 0, false },
		{ 20, TRIGGER, 0, false, NULL, 0, F, -1, 0, false },
		X,
	};
	static const struct row console_f[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 10, LINE, 0, false, "x", 0, W, 4000, 0, false },
		{ 20, LINE, 0, false, "f", FS, F, -1, 0, false },
		X,
	};
	run(cmdline);
	run(signal_trigger);
	run(console_f);
}

static void window_edges(void **s)
{
	(void)s;
	static const struct row zero[] = {
		{ 0, START, 0, false, NULL, OPEN | NORM | UNDO, R, -1, 0, false },
		X,
	};
	static const struct row zero_held[] = {
		/* no window at all: not even a button held through power-on counts */
		{ 0, START, 1u << RESET, false, NULL, OPEN | NORM | UNDO, R, -1, 0, false },
		X,
	};
	static const struct row late_tick[] = {
		/* the clock jumped ahead: the press from inside the window still counts */
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 100, EDGE, RESET, true, NULL, 0, W, 120, 0, false },
		{ 60000, TICK, 0, false, NULL, PRESS | FS, F, -1, 0, false },
		X,
	};
	static const struct row both_buttons[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 100, EDGE, WPS, true, NULL, 0, W, 150, 0, false },
		{ 130, EDGE, RESET, true, NULL, 0, W, 150, 0, false },
		{ 150, TICK, 0, false, NULL, PRESS | FS, F, -1, 0, false },    /* one press decides; the other is moot */
		X,
	};
	run_cfg(zero, 0);
	run_cfg(zero_held, 0);
	run(late_tick);
	run(both_buttons);
}

/* Button 0's edges come through a kernel debounce: stamped when the level changed, arriving up to 30 ms late. */
static struct boot late_board(unsigned held_mask, uint64_t start_ms, struct boot_actions *act)
{
	struct boot_config cfg = { .window_ms = 4000, .n_buttons = 1, .trigger_mask = 1, .debounce_ms = { 20 },
				   .edge_delay_ms = { 30 } };
	struct boot b;

	boot_init(&b, &cfg);
	boot_step(&b, &(struct boot_event){ .type = BOOT_EV_START, .held_mask = held_mask }, start_ms, act);
	assert_true(act->flags & BOOT_ACT_OPEN);
	return b;
}

static void step_expect(struct boot *b, const struct boot_event *ev, uint64_t now_ms, unsigned flags, int64_t next)
{
	struct boot_actions act;

	boot_step(b, ev, now_ms, &act);
	assert_int_equal(act.flags, flags);
	if (next < 0) {
		assert_false(act.has_deadline);
	} else {
		assert_true(act.has_deadline);
		assert_int_equal(act.deadline_ms, (uint64_t)next);
	}
}

static void edges_arriving_late(void **s)
{
	const struct boot_event tick = { .type = BOOT_EV_TICK };
	struct boot_actions act;
	struct boot b;

	(void)s;
	/* A settled press, stamped 3995, read at 4016: the verdict waited for it. */
	b = late_board(0, 0, &act);
	assert_int_equal(act.deadline_ms, 4000);
	step_expect(&b, &tick, 4000, 0, 4030);
	step_expect(&b, &(struct boot_event){ .type = BOOT_EV_EDGE, .button = 0, .pressed = true, .edge_ms = 3995 },
		    4016, PRESS | FS, -1);
	/* No press: the normal path, 30 ms after the deadline. */
	b = late_board(0, 0, &act);
	step_expect(&b, &tick, 4000, 0, 4030);
	step_expect(&b, &tick, 4029, 0, 4030);
	step_expect(&b, &tick, 4030, NORM | UNDO, -1);
	/* A press stamped at the deadline is late (logged as a press, no failsafe), though it arrives in the grace. */
	b = late_board(0, 0, &act);
	step_expect(&b, &tick, 4000, 0, 4030);
	step_expect(&b, &(struct boot_event){ .type = BOOT_EV_EDGE, .button = 0, .pressed = true, .edge_ms = 4000 },
		    4020, PRESS, 4030);
	step_expect(&b, &tick, 4030, NORM | UNDO, -1);
	/* Held at start: it counts once a release could no longer be on its way (30 + 20 ms) ... */
	b = late_board(1, 0, &act);
	assert_int_equal(act.deadline_ms, 50);
	step_expect(&b, &tick, 20, 0, 50);
	step_expect(&b, &tick, 50, PRESS | FS, -1);
	/* ... and a release the kernel held back, stamped 5, read at 25, still cancels it. */
	b = late_board(1, 0, &act);
	step_expect(&b, &(struct boot_event){ .type = BOOT_EV_EDGE, .button = 0, .pressed = false, .edge_ms = 5 },
		    25, 0, 50);
	step_expect(&b, &tick, 50, 0, 4000);
	/* A debug key ends the window once a press in flight would have arrived, not at the old deadline. */
	b = late_board(0, 0, &act);
	step_expect(&b, &(struct boot_event){ .type = BOOT_EV_LINE, .line = "2", .line_len = 1 }, 1000, DBG, 1030);
	step_expect(&b, &tick, 1030, NORM | UNDO, -1);
}

static void cause_and_remaining(void **s)
{
	struct boot_config cfg = { .window_ms = 4000, .n_buttons = 2, .trigger_mask = 3, .debounce_ms = { 20, 20 } };
	struct boot_actions act;
	struct boot b;

	(void)s;
	boot_init(&b, &cfg);
	assert_int_equal(boot_remaining_ms(&b, 0), 0);
	boot_step(&b, &(struct boot_event){ .type = BOOT_EV_START }, 1000, &act);
	assert_int_equal(boot_remaining_ms(&b, 1000), 4000);
	assert_int_equal(boot_remaining_ms(&b, 4999), 1);
	assert_int_equal(boot_cause(&b), WINDOW_CAUSE_NONE);
	boot_step(&b, &(struct boot_event){ .type = BOOT_EV_EDGE, .button = 1, .pressed = true, .edge_ms = 2000 }, 2000,
		  &act);
	boot_step(&b, &(struct boot_event){ .type = BOOT_EV_TICK }, 2020, &act);
	assert_int_equal(boot_cause(&b), WINDOW_CAUSE_BUTTON);
	assert_int_equal(boot_button(&b), 1);
	assert_int_equal(act.pressed_mask, 2);
	assert_int_equal(boot_remaining_ms(&b, 2020), 0);
	assert_string_equal(boot_phase_name(b.phase), "failsafe");
	assert_string_equal(boot_phase_name(BOOT_PHASE_COUNT), "?");
}

static void stop_during_a_write_waits_for_it(void **s)
{
	(void)s;
	static const struct row rows[] = {
		{ 0, START_CMDLINE, 0, false, NULL, FS, F, -1, 0, false },
		{ 100, WRITING, 1, false, NULL, 0, F, -1, 0, false },
		{ 200, STOP, SIGTERM, false, NULL, DRAIN, DR, -1, 0, false },   /* the writer is not killed */
		{ 300, STOP, SIGINT, false, NULL, 0, DR, -1, 0, false },        /* a second stop: still waiting */
		{ 400, TICK, 0, false, NULL, 0, DR, -1, 0, false },
		{ 9000, WRITING, 0, false, NULL, EXIT, D, -1, 128 + SIGINT, false },
		X,
	};
	static const struct row ended_before[] = {
		{ 0, START_CMDLINE, 0, false, NULL, FS, F, -1, 0, false },
		{ 100, WRITING, 1, false, NULL, 0, F, -1, 0, false },
		{ 150, WRITING, 0, false, NULL, 0, F, -1, 0, false },           /* done: a stop is immediate again */
		{ 200, STOP, SIGTERM, false, NULL, EXIT, D, -1, 128 + SIGTERM, false },
		X,
	};
	static const struct row in_the_window[] = {
		{ 0, START, 0, false, NULL, OPEN, W, 4000, 0, false },
		{ 100, WRITING, 1, false, NULL, 0, W, 4000, 0, false },         /* no writer runs before failsafe */
		{ 200, STOP, SIGTERM, false, NULL, UNDO, S, -1, 0, false },
		{ 300, RESTORED, 0, false, NULL, EXIT, D, -1, 128 + SIGTERM, false },
		{ 400, WRITING, 0, false, NULL, 0, D, -1, 0, false },
		X,
	};
	run(rows);
	run(ended_before);
	run(in_the_window);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normal_path_continues_the_boot),
		cmocka_unit_test(debounced_press_enters_failsafe),
		cmocka_unit_test(press_bouncing_across_the_deadline),
		cmocka_unit_test(press_beginning_at_the_deadline_is_late),
		cmocka_unit_test(short_press_is_not_a_press),
		cmocka_unit_test(held_at_power_on),
		cmocka_unit_test(debug_key_while_a_press_settles),
		cmocka_unit_test(stop_in_each_phase),
		cmocka_unit_test(stop_during_a_write_waits_for_it),
		cmocka_unit_test(start_failed_before_any_window),
		cmocka_unit_test(other_triggers),
		cmocka_unit_test(window_edges),
		cmocka_unit_test(cause_and_remaining),
		cmocka_unit_test(edges_arriving_late),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
