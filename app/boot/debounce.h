/* app/boot/debounce.h — software debounce of one input: a settle timer restarted by every edge (pure) */
#ifndef APP_DEBOUNCE_H
#define APP_DEBOUNCE_H

#include <stdbool.h>
#include <stdint.h>

struct debounce {
	uint32_t debounce_ms;    /* settle time after the last edge */
	bool raw;                /* last level seen (true = pressed) */
	bool stable;             /* debounced level */
	bool settling;           /* a settle period runs */
	uint64_t settle_end_ms;  /* when the settle period ends */
	uint64_t edge_ms;        /* time of the last edge */
	uint64_t burst_ms;       /* time of the first edge since the level last settled */
};

enum debounce_change {
	DEBOUNCE_NONE = 0,
	DEBOUNCE_PRESSED,
	DEBOUNCE_RELEASED,
	DEBOUNCE_CHANGE_COUNT
};

/*
 * Start with the level read when the window opens. The debounced level
 * starts released; a button already pressed starts a settle period, so a
 * button held through power-on is reported pressed debounce_ms later.
 */
void debounce_init(struct debounce *d, uint32_t debounce_ms, bool pressed, uint64_t now_ms);

/* An edge (or a level read) at now_ms: restarts the settle period. */
void debounce_edge(struct debounce *d, bool pressed, uint64_t now_ms);

/*
 * Advance to now_ms. Returns the debounced change, if the settle period
 * ended at or before now_ms and the level differs from the last verdict.
 * A late tick (a clock that jumped ahead) still settles on the last level.
 */
enum debounce_change debounce_tick(struct debounce *d, uint64_t now_ms);

/* True, with *deadline_ms set, while a settle period runs. */
bool debounce_deadline(const struct debounce *d, uint64_t *deadline_ms);

/*
 * A press still settling whose burst began before before_ms: the settle end
 * (a verdict at before_ms must wait for it), else 0. The burst's first edge
 * counts, so a press that bounces across before_ms is not lost.
 */
uint64_t debounce_hold_until(const struct debounce *d, uint64_t before_ms);

#endif /* APP_DEBOUNCE_H */
