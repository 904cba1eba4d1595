/* hal/drivers.h — the driver set of a board: one owner opens and frees every driver object, whatever the family */
#ifndef HAL_DRIVERS_H
#define HAL_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "eth.h"
#include "input.h"
#include "led.h"
#include "uart.h"

/* A driver option given on the command line ("--sysfs-leds", "/sys/class/leds"). */
struct hal_driver_arg {
	const char *name;
	const char *value;
};

/* The options the driver families understand, for the command line and --help. */
struct hal_driver_option {
	const char *name;                 /* "--sysfs-leds" */
	const char *value_name;           /* "DIR" */
	const char *help;
	bool repeatable;
};
#define HAL_DRIVER_ARGS_MAX 16
/* Every family's options, terminated by an entry with name NULL (defined with the families). */
extern const struct hal_driver_option hal_driver_options[];

struct hal_drivers_config {
	const char *state_dir;            /* drivers that keep files put them below this */
	const struct hal_driver_arg *args;/* driver options from the command line */
	size_t n_args;
};

struct hal_family;

/* Filled by hal_drivers_open(); read only by the hal_* wrappers. */
struct hal_drivers {
	const struct board *board;
	const struct hal_family *family;  /* who opened these objects, and frees them */
	void *family_ctx;
	const struct input_ops *input;    /* NULL: no buttons */
	void *input_drv;
	const struct led_ops *led;        /* NULL: no LEDs */
	void *led_drv;
	const struct uart_ops *uart;      /* NULL: no consoles */
	void *uart_drv;
	const struct eth_ops *eth;        /* NULL: no network */
	void *eth_drv;
	int service_fd;                   /* -1, or an fd the loop watches for the drivers */
	void (*service)(void *ctx, uint64_t now_ms);
	void *service_ctx;
};

/*
 * Open the driver family the board names, with the driver options given.
 * A piece that fails (no GPIO, no LED class) costs only that piece; a
 * failure of the family as a whole, or a bad driver option, returns -errno
 * (-EINVAL bad option, -EADDRINUSE the family's resources are in use) with
 * a message naming the board and what was wrong in err.
 */
int hal_drivers_open(struct hal_drivers *d, const struct board *b, const struct hal_drivers_config *c,
		     char *err, size_t err_size);
/* Free every driver object, after the wrappers (hal_input_close, ...) are closed. Idempotent. */
void hal_drivers_close(struct hal_drivers *d);

/* "real", "simulated": the driver family a board names. */
const char *hal_drivers_family_name(enum board_drivers drivers);

/* The fd to watch for readability on the drivers' behalf, or -1. */
int hal_drivers_service_fd(const struct hal_drivers *d);
/* The service fd is readable. */
void hal_drivers_service(struct hal_drivers *d, uint64_t now_ms);

#endif /* HAL_DRIVERS_H */
