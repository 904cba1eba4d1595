/* app/boot/boot.h — the boot policy: the window, the debounce of every button, and how the daemon stops (pure) */
#ifndef APP_BOOT_H
#define APP_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "debounce.h"
#include "window.h"

enum boot_phase {
	BOOT_IDLE = 0,          /* not started */
	BOOT_WINDOW,            /* the window is open ("preinit") */
	BOOT_FAILSAFE,          /* failsafe: the services run until a STOP */
	BOOT_RESTORING,         /* no failsafe: the port setup is being undone, then the boot goes on */
	BOOT_STOPPING,          /* stopped by a signal: the port setup is being undone, then exit */
	BOOT_DRAINING,          /* stopped in failsafe while a write runs: everything goes on until it ends */
	BOOT_DONE,              /* leave the loop */
	BOOT_PHASE_COUNT
};

enum boot_event_type {
	BOOT_EV_START = 0,      /* the daemon is ready: open the window, or enter failsafe at once */
	BOOT_EV_START_FAILED,   /* the daemon could not start (no loop, drivers in use): the boot goes on */
	BOOT_EV_EDGE,           /* a button edge (logical level) */
	BOOT_EV_TICK,           /* the deadline given last has come */
	BOOT_EV_LINE,           /* a complete console line (terminator stripped) */
	BOOT_EV_TRIGGER,        /* the software trigger (SIGUSR1) */
	BOOT_EV_STOP,           /* a stop signal (SIGTERM, SIGINT, SIGQUIT) */
	BOOT_EV_RESTORED,       /* the port setup was undone (or the undo gave up) */
	BOOT_EV_WRITING,        /* a firmware write or factory reset began (writing) or ended (!writing) */
	BOOT_EV_COUNT
};

struct boot_event {
	enum boot_event_type type;
	bool cmdline_failsafe;  /* START: failsafe= was on the kernel command line */
	unsigned held_mask;     /* START: bit i = button i was pressed when the window opened */
	unsigned button;        /* EDGE: index into the board's buttons */
	bool pressed;           /* EDGE */
	uint64_t edge_ms;       /* EDGE: when the edge happened (CLOCK_MONOTONIC ms) */
	const char *line;       /* LINE: bytes, not NUL-terminated, may contain NUL */
	size_t line_len;
	int signum;             /* STOP */
	bool writing;           /* WRITING: an applet writes the flash now (the page's step, a sysupgrade) */
};

/* Action bits of boot_step(); the glue carries them out in this order. */
enum {
	BOOT_ACT_PRESS       = 1u << 0, /* a debounced press of each button in pressed_mask (for the log) */
	BOOT_ACT_OPEN        = 1u << 1, /* window LED pattern, console prompts, beacons */
	BOOT_ACT_DEBUG_LEVEL = 1u << 2, /* debug_level was chosen: state file, verbosity */
	BOOT_ACT_FAILSAFE    = 1u << 3, /* failsafe LED pattern, banner, state files, services */
	BOOT_ACT_NORMAL      = 1u << 4, /* no failsafe: normal LED pattern */
	BOOT_ACT_UNDO        = 1u << 5, /* undo the port setup; a RESTORED event follows */
	BOOT_ACT_EXIT        = 1u << 6, /* leave the loop with exit_code; continue_boot: exec the next stage */
	BOOT_ACT_DRAIN       = 1u << 7, /* a stop waits for the write: say so; EXIT follows when it ends */
};

struct boot_actions {
	unsigned flags;         /* BOOT_ACT_* */
	unsigned pressed_mask;  /* with BOOT_ACT_PRESS */
	int debug_level;        /* 1..4 with BOOT_ACT_DEBUG_LEVEL */
	int exit_code;          /* with BOOT_ACT_EXIT */
	bool continue_boot;     /* with BOOT_ACT_EXIT: the boot goes on (exec --then when given) */
	bool has_deadline;      /* send a TICK at deadline_ms (one timer: cancel it otherwise) */
	uint64_t deadline_ms;
};

struct boot_config {
	uint32_t window_ms;
	unsigned n_buttons;                         /* at most BOARD_MAX_BUTTONS */
	unsigned trigger_mask;                      /* bit i: button i can trigger (line open, a key) */
	uint32_t debounce_ms[BOARD_MAX_BUTTONS];
	/*
	 * Button i's edges arrive up to this long after its level changed,
	 * stamped with when it changed (a line the kernel debounces:
	 * hal_input_edge_delay_ms; 0 for raw edges). A verdict that rests on no
	 * edge having come waits this much longer: the window's at its deadline
	 * (a press may still be in the kernel's filter) and a button held at
	 * start (a release may be).
	 */
	uint32_t edge_delay_ms[BOARD_MAX_BUTTONS];
};

struct boot {
	struct boot_config cfg;
	enum boot_phase phase;
	struct window win;
	struct debounce deb[BOARD_MAX_BUTTONS];
	int exit_code;          /* what the daemon exits with once DONE */
	bool writing;           /* the last WRITING event said a write runs */
};

void boot_init(struct boot *b, const struct boot_config *cfg);

/*
 * Feed one event at now_ms; fills *act (cleared first). Button edges are
 * debounced (a settle timer restarted by every edge); a press whose burst
 * began inside the window counts even if it settles after the deadline.
 * STOP during the window undoes the port setup before exiting; STOP in
 * failsafe exits at once, unless a write runs (WRITING): then it drains
 * (everything goes on) and exits when the write ends, since a half-written
 * partition is worse than a late stop; a second STOP changes only the exit
 * code. The
 * normal path exits 0 once the port is restored, with continue_boot set;
 * so does a start that failed (exit 1).
 */
void boot_step(struct boot *b, const struct boot_event *ev, uint64_t now_ms, struct boot_actions *act);

/* Milliseconds left in the window at now_ms (0 when not open). */
uint32_t boot_remaining_ms(const struct boot *b, uint64_t now_ms);
/* How failsafe was entered (WINDOW_CAUSE_NONE before), and which button. */
enum window_cause boot_cause(const struct boot *b);
unsigned boot_button(const struct boot *b);
const char *boot_phase_name(enum boot_phase phase);

#endif /* APP_BOOT_H */
