/* app/probe.h — tools for whoever adds a board: --check-board and --probe */
#ifndef APP_PROBE_H
#define APP_PROBE_H

#include "board.h"
#include "input.h"
#include "led.h"

/* Validate and print the board; 0 when valid, 1 with the error naming board and field. */
int probe_check_board(const struct board *b);
/* Print live button edges (name, level) and blink each LED role in turn until SIGINT/SIGTERM. 0. */
int probe_run(const struct board *b, struct hal_input *in, struct hal_led *led);

#endif /* APP_PROBE_H */
