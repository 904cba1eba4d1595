/* drivers/sim_proto.h — the simulated board's back door as seen from outside: file names and commands */
#ifndef DRIVERS_SIM_PROTO_H
#define DRIVERS_SIM_PROTO_H

/*
 * Back door: a datagram socket at <sim_dir>/ctl.sock. Each datagram holds
 * newline-separated commands, all stamped with the datagram's arrival time:
 *   press NAME | release NAME     drive a button (logical: pressed/released)
 *   leds                          reply: one line per LED role "ROLE NAME PATTERN"
 *   fault KNOB on|off             KNOB: gpio, gpio-read, led, console, netlink-enobufs (one read, then off)
 * Each datagram is answered to the sender's address (when it has one): the
 * "leds" lines, "error: ..." lines for bad commands, or "ok". Every LED
 * level change is appended to <sim_dir>/leds.log as
 * "<monotonic_ms> <led-name> <0|1>", and every pattern the app sets to
 * <sim_dir>/patterns.log as "<monotonic_ms> <role> <led-name> <pattern>".
 */
#define SIM_CTL_SOCK "ctl.sock"
#define SIM_LEDS_LOG "leds.log"
#define SIM_PATTERNS_LOG "patterns.log"
#define SIM_FAULT_KNOBS "gpio, gpio-read, led, console, netlink-enobufs"

#endif /* DRIVERS_SIM_PROTO_H */
