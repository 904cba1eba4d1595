/* app/boot/boot.c — the boot policy: window + debounce of each trigger button + stop policy (pure, no clock) */
#include <string.h>

#include "boot.h"

static const char *const phase_names[BOOT_PHASE_COUNT] = {
	[BOOT_IDLE] = "idle", [BOOT_WINDOW] = "window", [BOOT_FAILSAFE] = "failsafe",
	[BOOT_RESTORING] = "normal", [BOOT_STOPPING] = "stopping", [BOOT_DRAINING] = "draining",
	[BOOT_DONE] = "done",
};

const char *boot_phase_name(enum boot_phase phase)
{
	return phase < BOOT_PHASE_COUNT ? phase_names[phase] : "?";
}

void boot_init(struct boot *b, const struct boot_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	if (b->cfg.n_buttons > BOARD_MAX_BUTTONS)
		b->cfg.n_buttons = BOARD_MAX_BUTTONS;
	window_init(&b->win, cfg->window_ms);
}

static bool is_trigger(const struct boot *b, unsigned i)
{
	return i < b->cfg.n_buttons && (b->cfg.trigger_mask >> i & 1u);
}

/*
 * Until when a verdict at now_ms must wait (0: it need not): the latest settle end of a press whose
 * burst began inside the window, and, for a button whose edges arrive late, that delay past the
 * verdict's time (the deadline, or now when a key ends the window early): a press from inside the
 * window may still be on its way.
 */
static uint64_t hold_until(const struct boot *b, uint64_t now_ms)
{
	uint64_t hold = 0, end, verdict_ms = now_ms < b->win.deadline_ms ? now_ms : b->win.deadline_ms;

	for (unsigned i = 0; i < b->cfg.n_buttons; i++) {
		if (!is_trigger(b, i))
			continue;
		if ((end = debounce_hold_until(&b->deb[i], b->win.deadline_ms)) > hold)
			hold = end;
		if (b->cfg.edge_delay_ms[i] && (end = verdict_ms + b->cfg.edge_delay_ms[i]) > hold)
			hold = end;
	}
	return hold;
}

/* One window step, its actions folded into *act and the phase. */
static void window(struct boot *b, struct window_event *ev, uint64_t now_ms, struct boot_actions *act)
{
	struct window_actions wa;

	ev->hold_until_ms = hold_until(b, now_ms);
	window_step(&b->win, ev, now_ms, &wa);
	if (wa.flags & WINDOW_ACT_OPEN) {
		b->phase = BOOT_WINDOW;
		act->flags |= BOOT_ACT_OPEN;
	}
	if (wa.flags & WINDOW_ACT_DEBUG_LEVEL) {
		act->flags |= BOOT_ACT_DEBUG_LEVEL;
		act->debug_level = wa.debug_level;
	}
	if (wa.flags & WINDOW_ACT_FAILSAFE) {
		b->phase = BOOT_FAILSAFE;
		act->flags |= BOOT_ACT_FAILSAFE;
	}
	if (wa.flags & WINDOW_ACT_NORMAL) {
		b->phase = BOOT_RESTORING;
		act->flags |= BOOT_ACT_NORMAL | BOOT_ACT_UNDO;
	}
}

/* Settle every button due by now_ms, then let the window look at the time. */
static void advance(struct boot *b, uint64_t now_ms, struct boot_actions *act)
{
	for (unsigned i = 0; i < b->cfg.n_buttons && b->phase == BOOT_WINDOW; i++) {
		if (!is_trigger(b, i) || debounce_tick(&b->deb[i], now_ms) != DEBOUNCE_PRESSED)
			continue;
		act->flags |= BOOT_ACT_PRESS;
		act->pressed_mask |= 1u << i;
		window(b, &(struct window_event){ .type = WINDOW_EV_PRESS, .button = i,
						  .press_edge_ms = b->deb[i].burst_ms }, now_ms, act);
	}
	if (b->phase == BOOT_WINDOW)
		window(b, &(struct window_event){ .type = WINDOW_EV_TICK }, now_ms, act);
}

static void finish(struct boot *b, int exit_code, bool continue_boot, struct boot_actions *act)
{
	b->phase = BOOT_DONE;
	b->exit_code = exit_code;
	act->flags |= BOOT_ACT_EXIT;
	act->exit_code = exit_code;
	act->continue_boot = continue_boot;
}

static void start(struct boot *b, const struct boot_event *ev, uint64_t now_ms, struct boot_actions *act)
{
	for (unsigned i = 0; i < b->cfg.n_buttons; i++) {
		bool held = is_trigger(b, i) && (ev->held_mask >> i & 1u);

		/* A release of a held button may arrive edge_delay_ms late: the level read now counts from then. */
		debounce_init(&b->deb[i], b->cfg.debounce_ms[i] ? b->cfg.debounce_ms[i] : BOARD_DEFAULT_DEBOUNCE_MS,
			      held, now_ms + (held ? b->cfg.edge_delay_ms[i] : 0));
	}
	window(b, &(struct window_event){ .type = WINDOW_EV_START, .cmdline_failsafe = ev->cmdline_failsafe },
	       now_ms, act);
	/* A zero-length window (or a held button already settled) is decided by the first tick. */
	if (b->phase == BOOT_WINDOW)
		advance(b, now_ms, act);
}

static void stop(struct boot *b, int signum, struct boot_actions *act)
{
	b->exit_code = 128 + signum;
	switch (b->phase) {
	case BOOT_WINDOW:
		/* Stopped during the window: leave the port as it was found, then exit. */
		b->phase = BOOT_STOPPING;
		act->flags |= BOOT_ACT_UNDO;
		break;
	case BOOT_RESTORING:
		b->phase = BOOT_STOPPING; /* the undo in flight ends it */
		break;
	case BOOT_STOPPING:
	case BOOT_DRAINING:
	case BOOT_DONE:
		break;
	case BOOT_FAILSAFE:
		if (b->writing) {
			/* Killing a writer leaves a half-written partition: the stop waits for the write. */
			b->phase = BOOT_DRAINING;
			act->flags |= BOOT_ACT_DRAIN;
			break;
		}
		finish(b, b->exit_code, false, act);
		break;
	default:
		/* Failsafe keeps its network to the end; before any window there is nothing to undo. */
		finish(b, b->exit_code, false, act);
		break;
	}
}

static void deadline(const struct boot *b, uint64_t now_ms, struct boot_actions *act)
{
	uint64_t next, end, hold = hold_until(b, now_ms);

	if (b->phase != BOOT_WINDOW)
		return;
	/* The verdict is due at the deadline, or once a press from inside the window has settled. */
	next = hold > b->win.deadline_ms ? hold : b->win.deadline_ms;
	for (unsigned i = 0; i < b->cfg.n_buttons; i++)
		if (is_trigger(b, i) && debounce_deadline(&b->deb[i], &end) && end < next)
			next = end;
	act->has_deadline = true;
	act->deadline_ms = next;
}

void boot_step(struct boot *b, const struct boot_event *ev, uint64_t now_ms, struct boot_actions *act)
{
	memset(act, 0, sizeof(*act));
	switch (ev->type) {
	case BOOT_EV_START:
		if (b->phase == BOOT_IDLE)
			start(b, ev, now_ms, act);
		break;
	case BOOT_EV_START_FAILED:
		if (b->phase == BOOT_IDLE)
			finish(b, 1, true, act);
		break;
	case BOOT_EV_EDGE:
		if (b->phase != BOOT_WINDOW)
			break;
		if (is_trigger(b, ev->button))
			debounce_edge(&b->deb[ev->button], ev->pressed, ev->edge_ms);
		advance(b, now_ms, act);
		break;
	case BOOT_EV_TICK:
		if (b->phase == BOOT_WINDOW)
			advance(b, now_ms, act);
		break;
	case BOOT_EV_LINE:
		if (b->phase == BOOT_WINDOW)
			window(b, &(struct window_event){ .type = WINDOW_EV_LINE, .line = ev->line,
							  .line_len = ev->line_len }, now_ms, act);
		break;
	case BOOT_EV_TRIGGER:
		if (b->phase == BOOT_WINDOW)
			window(b, &(struct window_event){ .type = WINDOW_EV_SIGNAL }, now_ms, act);
		break;
	case BOOT_EV_STOP:
		stop(b, ev->signum, act);
		break;
	case BOOT_EV_WRITING:
		b->writing = ev->writing;
		if (!b->writing && b->phase == BOOT_DRAINING)
			finish(b, b->exit_code, false, act);
		break;
	case BOOT_EV_RESTORED:
		if (b->phase == BOOT_RESTORING)
			finish(b, 0, true, act);
		else if (b->phase == BOOT_STOPPING)
			finish(b, b->exit_code, false, act);
		break;
	default:
		break;
	}
	deadline(b, now_ms, act);
}

uint32_t boot_remaining_ms(const struct boot *b, uint64_t now_ms)
{
	return b->phase == BOOT_WINDOW ? window_remaining_ms(&b->win, now_ms) : 0;
}

enum window_cause boot_cause(const struct boot *b)
{
	return b->win.cause;
}

unsigned boot_button(const struct boot *b)
{
	return b->win.button;
}
