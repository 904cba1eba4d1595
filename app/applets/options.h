/* app/applets/options.h — the daemon applet's command line: parsed into a struct, no side effects */
#ifndef APP_OPTIONS_H
#define APP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers.h"

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
	const char *ctl_path;           /* NULL: <state-dir>/failsafed.sock */
	const char *root;               /* NULL: the board's rom; handed to applets (mount_root, ...) */
	const char *rootfs_data;        /* NULL: the board's; a path, mtd:NAME, ubi:NAME, PARTLABEL=, file: */
	const char *firmware;           /* NULL: the board's */
	const char *console_path;       /* NULL: the board's consoles */
	const char *board;              /* --board: the table main chose (NULL: the device tree's, or the only one) */
	const char *dt_compatible;      /* --dt-compatible: where main read the DT's compatible (NULL: /proc/...) */
	char shell_buf[256];            /* --shell, split in place into shell_argv */
	char *shell_argv[OPTIONS_SHELL_ARGS + 1];
	const char *ifname;             /* NULL: the board's failsafe port */
	uint16_t beacon_port;           /* 4919 */
	uint16_t telnet_port;           /* 23 */
	unsigned telnet_max_sessions;   /* 8 */
	uint32_t telnet_idle_ms;        /* 0: off */
	uint16_t ssh_port;              /* 22 */
	unsigned ssh_max_sessions;      /* 8 */
	bool no_ssh;                    /* --no-ssh: no SSH in failsafe */
	const char *dropbear;           /* --dropbear: NULL: "dropbear" in PATH */
	bool no_dhcp;                   /* --no-dhcp: no DHCP server in failsafe */
	uint32_t dhcp_lease_s;          /* --dhcp-lease-s: 0: DHCPD_DEFAULT_LEASE_S */
	bool no_mdns;                   /* --no-mdns: failsafe.local does not answer */
	uint16_t http_port;             /* the recovery page: 80; 0: off (--no-http) */
	uint32_t http_stall_ms;         /* a page client silent this long is dropped */
	const char *reboot_cmd;         /* the page's Reboot button: "reboot" */
	int verbosity;                  /* log level, LOG_LVL_INFO by default */
	char **then_argv;               /* --then CMD ARGS...: exec'd on the normal path */
	int decision_fd;                /* --decision-fd: told "failsafe" or "normal" once decided; -1: none */
	bool stage2;                    /* --stage2: the successor in RAM of a daemon that moved there for a flash */
	struct hal_driver_arg driver_args[HAL_DRIVER_ARGS_MAX];  /* --sim-dir DIR, --sysfs-leds DIR, ... */
	size_t n_driver_args;
};

/*
 * Parse argv. driver_opts: the options the driver families take (the
 * HAL's hal_driver_options), recorded by name in o->driver_args for the
 * family to check. Returns 0, or -EINVAL with a message naming the option
 * in err. Pointers into argv stay valid as long as argv.
 */
int options_parse(struct options *o, const struct hal_driver_option *driver_opts, int argc, char **argv,
		  char *err, size_t err_size);
/* The --help text (driver options included). */
const char *options_usage(const struct hal_driver_option *driver_opts);

#endif /* APP_OPTIONS_H */
