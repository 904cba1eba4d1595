/* app/applets/probe.h — tools for whoever adds a board: --check-board and --probe */
#ifndef APP_PROBE_H
#define APP_PROBE_H

#include "board.h"
#include "drivers.h"

/* Validate and print the board; 0 when valid (warnings printed), 1 with the error naming board and field. */
int probe_check_board(const struct board *b);
/*
 * Print each button's level and every edge (name, pressed/released,
 * electrical level), and blink each LED role in turn, until SIGINT or
 * SIGTERM; LEDs are put back as found. One line per missing GPIO chip.
 * 0, or 1 when no button line and no LED could be opened.
 */
int probe_run(struct hal_drivers *d);

#endif /* APP_PROBE_H */
