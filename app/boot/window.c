/* app/boot/window.c — the boot-window state machine (pure: no clock, no I/O) */
#include <string.h>

#include "window.h"

static const char *const cause_names[WINDOW_CAUSE_COUNT] = {
	[WINDOW_CAUSE_NONE] = "none",
	[WINDOW_CAUSE_BUTTON] = "button",
	[WINDOW_CAUSE_CONSOLE] = "console",
	[WINDOW_CAUSE_CMDLINE] = "cmdline",
	[WINDOW_CAUSE_SIGNAL] = "signal",
};

const char *window_cause_name(enum window_cause cause)
{
	return cause < WINDOW_CAUSE_COUNT ? cause_names[cause] : "?";
}

void window_init(struct window *w, uint32_t window_ms)
{
	*w = (struct window){ .state = WINDOW_IDLE, .window_ms = window_ms };
}

uint32_t window_remaining_ms(const struct window *w, uint64_t now_ms)
{
	if (w->state != WINDOW_OPEN || now_ms >= w->deadline_ms)
		return 0;
	return (uint32_t)(w->deadline_ms - now_ms);
}

static void enter_failsafe(struct window *w, enum window_cause cause, unsigned button,
			   struct window_actions *act)
{
	w->state = WINDOW_FAILSAFE;
	w->cause = cause;
	w->button = button;
	act->flags |= WINDOW_ACT_FAILSAFE;
}

static void enter_normal(struct window *w, struct window_actions *act)
{
	w->state = WINDOW_NORMAL;
	act->flags |= WINDOW_ACT_NORMAL;
}

/* Strip blanks around a console line; returns the trimmed length. */
static size_t trim(const char **s, size_t len)
{
	while (len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		len--;
	}
	while (len && ((*s)[len - 1] == ' ' || (*s)[len - 1] == '\t'))
		len--;
	return len;
}

static void on_tick(struct window *w, uint64_t hold_until_ms, uint64_t now_ms,
		    struct window_actions *act)
{
	if (hold_until_ms > now_ms)
		return; /* a press from inside the window is still settling */
	enter_normal(w, act);
}

static void on_line(struct window *w, const char *line, size_t len, uint64_t hold_until_ms,
		    uint64_t now_ms, struct window_actions *act)
{
	len = trim(&line, len);
	if (len != 1)
		return;
	if (line[0] == 'f') {
		enter_failsafe(w, WINDOW_CAUSE_CONSOLE, 0, act);
	} else if (line[0] >= '1' && line[0] <= '4') {
		act->debug_level = line[0] - '0';
		act->flags |= WINDOW_ACT_DEBUG_LEVEL;
		/* The window ends now; a press already settling still decides for failsafe. */
		w->deadline_ms = now_ms;
		on_tick(w, hold_until_ms, now_ms, act);
	}
}

void window_step(struct window *w, const struct window_event *ev, uint64_t now_ms,
		 struct window_actions *act)
{
	memset(act, 0, sizeof(*act));

	switch (w->state) {
	case WINDOW_IDLE:
		if (ev->type != WINDOW_EV_START)
			break;
		if (ev->cmdline_failsafe) {
			enter_failsafe(w, WINDOW_CAUSE_CMDLINE, 0, act);
			break;
		}
		w->state = WINDOW_OPEN;
		w->deadline_ms = now_ms + w->window_ms;
		act->flags |= WINDOW_ACT_OPEN;
		/* A zero-length window still gives the verdict through a TICK. */
		break;
	case WINDOW_OPEN:
		if (ev->type == WINDOW_EV_PRESS && ev->press_edge_ms < w->deadline_ms) {
			enter_failsafe(w, WINDOW_CAUSE_BUTTON, ev->button, act);
			break;
		}
		/* Past the deadline nothing but a press from inside the window counts. */
		if (now_ms >= w->deadline_ms) {
			on_tick(w, ev->hold_until_ms, now_ms, act);
			break;
		}
		if (ev->type == WINDOW_EV_LINE)
			on_line(w, ev->line, ev->line_len, ev->hold_until_ms, now_ms, act);
		else if (ev->type == WINDOW_EV_SIGNAL)
			enter_failsafe(w, WINDOW_CAUSE_SIGNAL, 0, act);
		break;
	default:
		break; /* the verdict is final */
	}

	if (w->state == WINDOW_OPEN) {
		act->has_deadline = true;
		act->deadline_ms = w->deadline_ms;
		if (now_ms >= w->deadline_ms && ev->hold_until_ms > now_ms)
			act->deadline_ms = ev->hold_until_ms;
	}
}
