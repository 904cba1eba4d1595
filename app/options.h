/* app/options.h — failsafed's command line: parsed into a struct, no side effects */
#ifndef APP_OPTIONS_H
#define APP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

#define OPTIONS_SHELL_ARGS 8

enum options_mode {
	OPTIONS_RUN = 0,
	OPTIONS_HELP,
	OPTIONS_VERSION,
	OPTIONS_CHECK_BOARD,
	OPTIONS_PROBE,
	OPTIONS_MODE_COUNT
};

struct options {
	enum options_mode mode;
	int32_t window_ms;              /* -1: the board's */
	const char *cmdline_path;       /* /proc/cmdline */
	const char *state_dir;          /* /tmp */
	const char *console_path;       /* NULL: the board's consoles */
	char shell_buf[256];            /* --shell, split in place into shell_argv */
	char *shell_argv[OPTIONS_SHELL_ARGS + 1];
	const char *sim_dir;            /* NULL: <state-dir>/failsafed-sim */
	const char *sim_held[BOARD_MAX_BUTTONS];
	size_t n_sim_held;
	const char *sim_faults[8];
	size_t n_sim_faults;
	const char *sysfs_leds_dir;     /* /sys/class/leds */
	const char *ifname;             /* NULL: the board's failsafe port */
	uint16_t beacon_port;           /* 4919 */
	uint16_t telnet_port;           /* 23 */
	unsigned telnet_max_sessions;   /* 8 */
	uint32_t telnet_idle_ms;        /* 0: off */
	int verbosity;                  /* log level, LOG_LVL_INFO by default */
	char **then_argv;               /* --then CMD ARGS...: exec'd on the normal path */
};

/*
 * Parse argv. Returns 0, or -EINVAL with a message naming the option in err.
 * Pointers into argv stay valid as long as argv.
 */
int options_parse(struct options *o, int argc, char **argv, char *err, size_t err_size);
/* The --help text. */
const char *options_usage(void);

#endif /* APP_OPTIONS_H */
