/* app/boot/window.h — the boot-window state machine: (state, event, now_ms) -> actions + next deadline (pure) */
#ifndef APP_WINDOW_H
#define APP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum window_state {
	WINDOW_IDLE = 0,        /* not started */
	WINDOW_OPEN,            /* "preinit": waiting for a trigger */
	WINDOW_FAILSAFE,        /* a trigger entered failsafe */
	WINDOW_NORMAL,          /* the window elapsed or a debug level ended it */
	WINDOW_STATE_COUNT
};

enum window_cause {
	WINDOW_CAUSE_NONE = 0,
	WINDOW_CAUSE_BUTTON,    /* a debounced press of a key button */
	WINDOW_CAUSE_CONSOLE,   /* "f" + Enter */
	WINDOW_CAUSE_CMDLINE,   /* failsafe= on the kernel command line */
	WINDOW_CAUSE_SIGNAL,    /* SIGUSR1 */
	WINDOW_CAUSE_COUNT
};

enum window_event_type {
	WINDOW_EV_START = 0,    /* the daemon is ready: open the window (or enter failsafe) */
	WINDOW_EV_TICK,         /* a deadline may have passed */
	WINDOW_EV_PRESS,        /* a debounced press of button .button */
	WINDOW_EV_LINE,         /* a complete console line (terminator stripped) */
	WINDOW_EV_SIGNAL,       /* the software trigger */
	WINDOW_EV_COUNT
};

struct window_event {
	enum window_event_type type;
	bool cmdline_failsafe;  /* START: failsafe= was on the command line */
	unsigned button;        /* PRESS: index into the board's buttons */
	uint64_t press_edge_ms; /* PRESS: when the press edge happened (before settling) */
	const char *line;       /* LINE: bytes, not NUL-terminated, may contain NUL */
	size_t line_len;
	uint64_t hold_until_ms; /* any event: a press edge seen before the deadline settles until here (0: none) */
};

/* Action bits returned by window_step(). */
enum {
	WINDOW_ACT_OPEN        = 1u << 0, /* window LED pattern, console prompts */
	WINDOW_ACT_FAILSAFE    = 1u << 1, /* failsafe LED pattern, banner, state files, services */
	WINDOW_ACT_NORMAL      = 1u << 2, /* normal LED pattern, undo, exit or exec */
	WINDOW_ACT_DEBUG_LEVEL = 1u << 3, /* write .debug_level to the state file, set verbosity */
};

struct window_actions {
	unsigned flags;         /* WINDOW_ACT_* */
	int debug_level;        /* 1..4 with WINDOW_ACT_DEBUG_LEVEL */
	bool has_deadline;      /* the machine wants a TICK at deadline_ms */
	uint64_t deadline_ms;
};

struct window {
	enum window_state state;
	uint32_t window_ms;     /* window length */
	uint64_t deadline_ms;   /* when the window opened + window_ms */
	enum window_cause cause;
	unsigned button;        /* with WINDOW_CAUSE_BUTTON */
};

void window_init(struct window *w, uint32_t window_ms);

/*
 * Feed one event at now_ms; fills *act (cleared first). Events after the
 * verdict (failsafe or normal) are ignored. A press whose edge came before
 * the deadline counts even if it settles after it: the TICK event carries
 * hold_until_ms for such a press, and the verdict waits until then. A
 * debug-level key ends the window at once (the deadline becomes now), so
 * only a press already settling can still turn the verdict to failsafe.
 */
void window_step(struct window *w, const struct window_event *ev, uint64_t now_ms,
		 struct window_actions *act);

/* Milliseconds left in an open window at now_ms (0 when not open or past). */
uint32_t window_remaining_ms(const struct window *w, uint64_t now_ms);

const char *window_cause_name(enum window_cause cause);

#endif /* APP_WINDOW_H */
