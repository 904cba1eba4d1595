/* drivers/sim_board.h — the simulated board's drivers: buttons, LEDs, console, and their back door */
#ifndef DRIVERS_SIM_BOARD_H
#define DRIVERS_SIM_BOARD_H

#include <stdint.h>

#include "board.h"
#include "drivers.h"

/*
 * Back door: a datagram socket at <sim_dir>/ctl.sock. Each datagram holds
 * newline-separated commands, all stamped with the datagram's arrival time:
 *   press NAME | release NAME     drive a button (logical: pressed/released)
 *   leds                          reply: one line per LED role "ROLE NAME PATTERN"
 *   fault KNOB on|off             KNOB: gpio, gpio-read, led, console
 * Each datagram is answered to the sender's address (when it has one): the
 * "leds" lines, "error: ..." lines for bad commands, or "ok". Every LED level change is appended to <sim_dir>/leds.log
 * as "<monotonic_ms> <led-name> <0|1>", and every pattern the app sets to
 * <sim_dir>/patterns.log as "<monotonic_ms> <role> <led-name> <pattern>".
 */
#define SIM_CTL_SOCK "ctl.sock"
#define SIM_LEDS_LOG "leds.log"
#define SIM_PATTERNS_LOG "patterns.log"

extern const struct input_ops sim_input_ops;
extern const struct led_ops sim_led_ops;
extern const struct uart_ops sim_uart_ops;

struct sim_board;

/* 0 or -errno (-EINVAL: no sim_dir, -EADDRINUSE: a daemon already serves sim_dir). */
int sim_board_open(struct sim_board **out, const struct board *b, const struct hal_options *o);
/* Serve pending back-door datagrams (the hal_aux ready callback). */
void sim_board_ready(void *ctx, uint64_t now_ms);
int sim_board_fd(const struct sim_board *s);
void sim_board_close(struct sim_board *s);

#endif /* DRIVERS_SIM_BOARD_H */
