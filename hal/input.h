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
	uint64_t ts_ms;         /* CLOCK_MONOTONIC milliseconds, when the driver read it */
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
	/* Optional: the input chips on this system, one per line ("gpiochip0 [label] 8 lines, DT /node (...)"). */
	int (*describe)(void *drv, char *out, size_t out_size);
	/*
	 * Optional: the debounce period the kernel applies to open line idx, in
	 * ms, or 0 (none: the driver reports every raw edge). A debounced line
	 * reports a level only once it has been stable that long, so each edge
	 * arrives that much after the level changed.
	 */
	uint32_t (*kernel_debounce_ms)(void *drv, unsigned idx);
};

/*
 * The HAL view: the one place that applies active-low, and that knows which
 * lines the kernel debounces. An edge of such a line is stamped with the time
 * its level became stable (the driver's read time minus the kernel's period):
 * the boot policy's software debounce, which waits the same settle time from
 * the stamp, then takes it at once instead of waiting a second period, and a
 * press is placed in time where it happened. The level read at start
 * (hal_input_pressed) is a single sample, so a button held at start is still
 * settled in software.
 */
struct input_edge {
	unsigned idx;
	bool pressed;           /* logical */
	bool high;              /* electrical, for --probe */
	uint64_t ts_ms;         /* when the level changed (CLOCK_MONOTONIC ms) */
};

struct hal_input {
	const struct board *board;
	const struct input_ops *ops;
	void *drv;
	bool line_ok[BOARD_MAX_BUTTONS];  /* open_line succeeded */
	unsigned n_ok;
	char why[BOARD_MAX_BUTTONS][160]; /* the driver's reason when a line did not open */
	uint32_t kernel_debounce_ms[BOARD_MAX_BUTTONS]; /* 0: edges are raw */
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
/* The kernel's debounce period of open line idx in ms; 0 when the line's edges are raw (or it is not open). */
uint32_t hal_input_kernel_debounce_ms(const struct hal_input *in, unsigned idx);
/*
 * How late an edge of line idx can arrive after its level changed: the
 * kernel's debounce period plus one kernel timer tick, 0 for raw edges. A
 * decision that rests on no edge having come (a button held at start stayed
 * down, no press began before the deadline) must wait this much longer.
 */
#define HAL_INPUT_KERNEL_TICK_MS 10u    /* a timer tick at HZ=100, the coarsest rate Linux is built with */
uint32_t hal_input_edge_delay_ms(const struct hal_input *in, unsigned idx);
/* The input chips of this system, for messages ("" when the driver cannot tell). */
int hal_input_describe(const struct hal_input *in, char *out, size_t out_size);
void hal_input_close(struct hal_input *in);

/*
 * The GPIO API the real input driver compiled into this binary speaks, e.g.
 * "libgpiod 2.2.1 (GPIO uAPI v2)"; implemented by that driver
 * (drivers/gpio_gpiod.c or drivers/gpio_gpiod2.c, chosen by cmake/gpiod.cmake).
 */
const char *hal_input_gpio_api(void);

#endif /* HAL_INPUT_H */
