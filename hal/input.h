/* hal/input.h — button input lines: the driver contract (electrical levels) and the HAL (pressed/released) */
#ifndef HAL_INPUT_H
#define HAL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

struct hal_drivers;

/* One raw edge as a driver reports it: electrical level, monotonic time. */
struct input_raw_edge {
	unsigned idx;           /* index into the board's buttons */
	bool high;              /* electrical level after the edge */
	uint64_t ts_ms;         /* CLOCK_MONOTONIC milliseconds */
};

/* What an input driver provides. Drivers know nothing of polarity. */
struct input_ops {
	/*
	 * Request button idx as an input with both-edge events. 0 or -errno
	 * (-ENODEV: no such chip, -ENOENT: no such line, -EBUSY, -EIO); on
	 * failure why holds a one-line reason naming the chip or line.
	 */
	int (*open_line)(void *drv, unsigned idx, const struct board_button *btn, char *why, size_t why_size);
	/* Current electrical level of an open line. 0 or -errno. */
	int (*get)(void *drv, unsigned idx, bool *high);
	/* One pollable fd that becomes readable when edges are pending, or -1. */
	int (*fd)(void *drv);
	/* Read up to max pending edges without blocking. Count, or -errno (-EIO). */
	int (*read)(void *drv, struct input_raw_edge *edges, size_t max);
	/* Release every line (the driver object itself is freed by hal_drivers_close()). */
	void (*release)(void *drv);
	/* Optional: the input chips on this system, one per line ("gpiochip0 [label] 8 lines: ..."). */
	int (*describe)(void *drv, char *out, size_t out_size);
};

/* The HAL view: the one place that applies active-low. */
struct input_edge {
	unsigned idx;
	bool pressed;           /* logical */
	bool high;              /* electrical, for --probe */
	uint64_t ts_ms;
};

struct hal_input {
	const struct board *board;
	const struct input_ops *ops;
	void *drv;
	bool line_ok[BOARD_MAX_BUTTONS];  /* open_line succeeded */
	unsigned n_ok;
	char why[BOARD_MAX_BUTTONS][160]; /* the driver's reason when a line did not open */
};

/*
 * Open every button line. A failing line is logged with board, button,
 * chip, line and the driver's reason (warn: false keeps it quiet for
 * callers that report it themselves), and skipped. Returns lines opened.
 */
unsigned hal_input_open(struct hal_input *in, const struct hal_drivers *d, bool warn);
/* Why line idx did not open ("" when it did). */
const char *hal_input_why(const struct hal_input *in, unsigned idx);
/* Line idx opened and is a key (not a switch): it can trigger failsafe. */
bool hal_input_is_trigger(const struct hal_input *in, unsigned idx);
/* Logical level (true = pressed) of an open line. 0 or -errno (-ENODEV when the line is not open). */
int hal_input_pressed(struct hal_input *in, unsigned idx, bool *pressed);
/* The pollable fd, or -1 when no line is open. */
int hal_input_fd(const struct hal_input *in);
/* Pending edges as pressed/released. Count, or -errno. */
int hal_input_read(struct hal_input *in, struct input_edge *edges, size_t max);
/* The input chips of this system, for messages ("" when the driver cannot tell). */
int hal_input_describe(const struct hal_input *in, char *out, size_t out_size);
void hal_input_close(struct hal_input *in);

#endif /* HAL_INPUT_H */
