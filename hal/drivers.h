/* hal/drivers.h — the driver set for a board: chosen by board->drivers, opened and closed as one */
#ifndef HAL_DRIVERS_H
#define HAL_DRIVERS_H

#include <stdint.h>

#include "board.h"
#include "eth.h"
#include "input.h"
#include "led.h"
#include "uart.h"

/* Fault knobs of the simulated drivers (tests make each driver fail on demand). */
enum {
	HAL_FAULT_GPIO = 1u << 0,     /* input lines: the chip is missing (open fails -ENODEV) */
	HAL_FAULT_GPIO_READ = 1u << 1,/* input lines: event reads fail -EIO */
	HAL_FAULT_LED = 1u << 2,      /* LEDs: every write fails -EIO */
	HAL_FAULT_CONSOLE = 1u << 3,  /* consoles: open fails -ENOENT */
};

struct hal_options {
	const char *sim_dir;              /* simulator: control socket and leds.log live here */
	unsigned sim_held;                /* simulator: bit i = button i held at power-on */
	unsigned sim_faults;              /* simulator: HAL_FAULT_* at start */
	const char *sysfs_leds_dir;       /* real: LED class directory (default /sys/class/leds) */
};

/* An extra fd a driver needs the loop to serve (the simulator's back door). */
struct hal_aux {
	int fd;                           /* -1: none */
	void (*ready)(void *ctx, uint64_t now_ms);
	void *ctx;
};

struct hal_drivers {
	const struct input_ops *input;
	void *input_drv;
	const struct led_ops *led;
	void *led_drv;
	const struct uart_ops *uart;
	void *uart_drv;
	const struct eth_ops *eth;        /* NULL: no network */
	void *eth_drv;
	struct hal_aux aux;
};

/*
 * Set up the driver family the board names. Sim drivers need o->sim_dir.
 * 0 or -errno (-EINVAL: option missing, -EADDRINUSE: sim_dir in use);
 * a failure here is the whole family, not one line or LED.
 */
int hal_drivers_open(const struct board *b, const struct hal_options *o, struct hal_drivers *d);
void hal_drivers_close(struct hal_drivers *d);

/* Parse a fault knob name ("gpio", "gpio-read", "led", "console"); the HAL_FAULT_* bit or 0. */
unsigned hal_fault_parse(const char *name);

#endif /* HAL_DRIVERS_H */
