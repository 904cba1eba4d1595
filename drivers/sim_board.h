/* drivers/sim_board.h — the simulated board's drivers: buttons, LEDs, console, and their back door */
#ifndef DRIVERS_SIM_BOARD_H
#define DRIVERS_SIM_BOARD_H

#include <stdint.h>

#include "board.h"
#include "input.h"
#include "led.h"
#include "sim_proto.h"
#include "uart.h"

/* Fault knobs (tests make each driver fail on demand; see sim_proto.h). */
enum {
	SIM_FAULT_GPIO = 1u << 0,      /* input lines: the chip is missing (open fails -ENODEV) */
	SIM_FAULT_GPIO_READ = 1u << 1, /* input lines: event reads fail -EIO */
	SIM_FAULT_LED = 1u << 2,       /* LEDs: every write fails -EIO */
	SIM_FAULT_CONSOLE = 1u << 3,   /* consoles: open fails -ENOENT */
	SIM_FAULT_NETLINK_ENOBUFS = 1u << 4, /* the port's netlink socket: its next read fails ENOBUFS (once) */
};

struct sim_board_config {
	const char *dir;                /* control socket and logs live here */
	unsigned held;                  /* bit i: button i held at power-on */
	unsigned faults;                /* SIM_FAULT_* at start */
};

extern const struct input_ops sim_input_ops;
extern const struct led_ops sim_led_ops;
extern const struct uart_ops sim_uart_ops;

struct sim_board;

/* 0 or -errno (-EINVAL: no dir, -EADDRINUSE: a daemon already serves dir). */
int sim_board_open(struct sim_board **out, const struct board *b, const struct sim_board_config *c);
/* Serve pending back-door datagrams. */
void sim_board_ready(void *ctx, uint64_t now_ms);
int sim_board_fd(const struct sim_board *s);
void sim_board_free(struct sim_board *s);

/* The bit of the button named name (for held), or -ENOENT. */
int sim_board_button_bit(const struct board *b, const char *name);
/* The netlink-enobufs knob, taken: true once per time it was set (the eth driver's fault hook). */
bool sim_board_take_enobufs(void *board);

/* Parse a fault knob name; the SIM_FAULT_* bit or 0. */
unsigned sim_fault_parse(const char *name);

#endif /* DRIVERS_SIM_BOARD_H */
