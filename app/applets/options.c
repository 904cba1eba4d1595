/* app/applets/options.c — the daemon applet's command line (pure: argv in, struct options out) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "board_validate.h"
#include "log.h"
#include "options.h"

#if FAILSAFED_RECOVERY_PAGE
#define PAGE_HELP(text) text
#else
#define PAGE_HELP(text) "not in this build (FAILSAFED_RECOVERY_PAGE=OFF)"
#endif

enum opt_id {
	OPT_HELP = 0, OPT_VERSION, OPT_THEN, OPT_CHECK_BOARD, OPT_PROBE, OPT_VERBOSE, OPT_WINDOW_MS,
	OPT_CMDLINE, OPT_STATE_DIR, OPT_CTL, OPT_CONSOLE, OPT_SHELL, OPT_IFNAME, OPT_TELNET_PORT,
	OPT_TELNET_MAX, OPT_TELNET_IDLE, OPT_BEACON_PORT, OPT_ROOT, OPT_ROOTFS_DATA, OPT_FIRMWARE, OPT_BOARD,
	OPT_DT_COMPATIBLE, OPT_HTTP_PORT, OPT_NO_HTTP, OPT_HTTP_STALL, OPT_REBOOT_CMD, OPT_SSH_PORT, OPT_SSH_MAX, OPT_NO_SSH, OPT_DROPBEAR, OPT_DECISION_FD,
	OPT_NO_DHCP, OPT_DHCP_LEASE, OPT_NO_MDNS, OPT_STAGE2, OPT_ID_COUNT,
	OPT_DRIVER_BASE = 100           /* + index into hal_driver_options[] */
};

static const struct args_opt own_opts[] = {
	{ "--window-ms", 0, "MS", "window length (default: the board's, usually 4000)", OPT_WINDOW_MS },
	{ "--cmdline", 0, "FILE", "kernel command line to read failsafe= from (default /proc/cmdline)", OPT_CMDLINE },
	{ "--state-dir", 0, "DIR", "where failsafe, failsafe_button, debug_level go (default /tmp)", OPT_STATE_DIR },
	{ "--ctl-socket", 0, "PATH", "control socket for applets (default <state-dir>/failsafed.sock)", OPT_CTL },
	{ "--console", 0, "PATH", "use this device as the console instead of the board's", OPT_CONSOLE },
	{ "--shell", 0, "'CMD ARGS'", "login shell in failsafe (default '/bin/sh -l')", OPT_SHELL },
	{ "--then", 0, NULL, "CMD [ARGS...]: on the normal path, exec CMD instead of exiting 0", OPT_THEN },
	{ "--decision-fd", 0, "FD", "tell FD 'failsafe' or 'normal' once decided, then close it (preinit)", OPT_DECISION_FD },
	{ "--verbose", 'v', NULL, "more log output (repeat for debug)", OPT_VERBOSE },
	{ "--check-board", 0, NULL, "validate and print the board this binary runs as, then exit", OPT_CHECK_BOARD },
	{ "--board", 0, "NAME", "run as this board table (name, file name or compatible) instead of the one chosen "
	  "from the device tree", OPT_BOARD },
	{ "--dt-compatible", 0, "FILE", "the device tree's compatible, to choose the board (default "
	  "/proc/device-tree/compatible)", OPT_DT_COMPATIBLE },
	{ "--probe", 0, NULL, "show live button edges and blink each LED in turn (Ctrl-C ends)", OPT_PROBE },
	{ "--help", 'h', NULL, "this text", OPT_HELP },
	{ "--version", 0, NULL, "print the version", OPT_VERSION },
	{ "--ifname", 0, "IF", "failsafe port instead of the board's", OPT_IFNAME },
	{ "--telnet-port", 0, "N", "telnet server port in failsafe (default 23)", OPT_TELNET_PORT },
	{ "--telnet-max-sessions", 0, "N", "concurrent telnet sessions (default 8, at most 32)", OPT_TELNET_MAX },
	{ "--telnet-idle-ms", 0, "MS", "close telnet sessions idle this long (default 0: never)", OPT_TELNET_IDLE },
	{ "--beacon-port", 0, "N", "UDP port of the beacon (default 4919)", OPT_BEACON_PORT },
	{ "--ssh-port", 0, "N", "SSH port in failsafe (default 22)", OPT_SSH_PORT },
	{ "--ssh-max-sessions", 0, "N", "concurrent SSH sessions (default 8, at most 32)", OPT_SSH_MAX },
	{ "--no-ssh", 0, NULL, "no SSH in failsafe", OPT_NO_SSH },
	{ "--dropbear", 0, "PATH", "dropbear for SSH (default: dropbear in PATH; dropbearkey beside it)", OPT_DROPBEAR },
	{ "--no-dhcp", 0, NULL, "no DHCP server in failsafe (the board's table may also leave it out)", OPT_NO_DHCP },
	{ "--dhcp-lease-s", 0, "S", "lease time the DHCP server gives (default 300, 10..86400)", OPT_DHCP_LEASE },
	{ "--no-mdns", 0, NULL, "failsafe.local does not answer in failsafe (mDNS)", OPT_NO_MDNS },
	{ "--http-port", 0, "N", PAGE_HELP("recovery page port in failsafe (default 80)"), OPT_HTTP_PORT },
	{ "--no-http", 0, NULL, "no recovery page", OPT_NO_HTTP },
	{ "--http-stall-ms", 0, "MS", PAGE_HELP("drop a page client that sends nothing this long (default 15000)"),
	  OPT_HTTP_STALL },
	{ "--reboot-cmd", 0, "CMD", "what the page's Reboot button runs (default reboot)", OPT_REBOOT_CMD },
	{ "--root", 0, "DIR", "the read-only root for mount_root & co. in failsafe (default: the board's /)", OPT_ROOT },
	{ "--rootfs-data", 0, "VOLUME", "the overlay volume instead of the board's (path, mtd:, ubi:, file:)",
	  OPT_ROOTFS_DATA },
	{ "--firmware", 0, "VOLUME", "the firmware partition instead of the board's", OPT_FIRMWARE },
	{ "--stage2", 0, NULL, "failsafed's own: failsafe again at once, from the root in RAM it moved into for a flash "
	  "(<state-dir>/stage2/request), which it runs", OPT_STAGE2 },
};

#define N_DRIVER_OPTS 8
static struct args_opt all_opts[ARRAY_SIZE(own_opts) + N_DRIVER_OPTS];
static struct args_spec spec = {
	.usage = "Usage: failsafed [OPTIONS] [--then CMD [ARGS...]]\n"
		 "       failsafed APPLET [ARGS...]   (failsafed help lists the applets)\n"
		 "Open the failsafe boot window of this board, or enter failsafe mode.\n",
	.opts = all_opts,
	.footer = "Triggers: a button press, 'f' + Enter on a console, SIGUSR1, failsafe= on the\n"
		  "kernel command line. '1'..'4' + Enter sets the debug level and ends the window.\n",
};

static void build_spec(const struct hal_driver_option *driver_opts)
{
	size_t n = ARRAY_SIZE(own_opts);

	memcpy(all_opts, own_opts, sizeof(own_opts));
	for (size_t i = 0; driver_opts && driver_opts[i].name && n < ARRAY_SIZE(all_opts); i++)
		all_opts[n++] = (struct args_opt){ driver_opts[i].name, 0, driver_opts[i].value_name,
						   driver_opts[i].help, OPT_DRIVER_BASE + (int)i };
	spec.n_opts = n;
}

const char *options_usage(const struct hal_driver_option *driver_opts)
{
	static char text[4096];

	build_spec(driver_opts);
	args_usage(&spec, text, sizeof(text));
	return text;
}

static int split_shell(struct options *o, const char *text, char *err, size_t err_size)
{
	size_t n = 0;
	char *save = NULL;

	if (strlen(text) >= sizeof(o->shell_buf)) {
		snprintf(err, err_size, "command too long");
		return -EINVAL;
	}
	snprintf(o->shell_buf, sizeof(o->shell_buf), "%s", text);
	for (char *w = strtok_r(o->shell_buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == OPTIONS_SHELL_ARGS) {
			snprintf(err, err_size, "more than %d words", OPTIONS_SHELL_ARGS);
			return -EINVAL;
		}
		o->shell_argv[n++] = w;
	}
	if (!n) {
		snprintf(err, err_size, "empty command");
		return -EINVAL;
	}
	o->shell_argv[n] = NULL;
	return 0;
}

struct parse {
	struct options *o;
	const struct hal_driver_option *driver_opts;
	bool then;                      /* --then seen: the rest of argv is the command */
};

static int on_opt(void *ctx, int id, const char *v, char *err, size_t err_size)
{
	struct options *o = ((struct parse *)ctx)->o;
	long n;

	switch (id) {
	case OPT_HELP:
		o->mode = OPTIONS_HELP;
		return ARGS_STOP;
	case OPT_VERSION:
		o->mode = OPTIONS_VERSION;
		return ARGS_STOP;
	case OPT_THEN:
		((struct parse *)ctx)->then = true;
		return ARGS_STOP;
	case OPT_CHECK_BOARD:
		o->mode = OPTIONS_CHECK_BOARD;
		return 0;
	case OPT_PROBE:
		o->mode = OPTIONS_PROBE;
		return 0;
	case OPT_VERBOSE:
		if (o->verbosity < LOG_LVL_DEBUG)
			o->verbosity++;
		return 0;
	case OPT_WINDOW_MS:
		if (args_number(v, 0, 600000, &n, err, err_size))
			return -EINVAL;
		o->window_ms = (int32_t)n;
		return 0;
	case OPT_BEACON_PORT:
	case OPT_TELNET_PORT:
		if (args_number(v, 1, 65535, &n, err, err_size))
			return -EINVAL;
		*(id == OPT_BEACON_PORT ? &o->beacon_port : &o->telnet_port) = (uint16_t)n;
		return 0;
	case OPT_HTTP_PORT:
	case OPT_HTTP_STALL:
		if (!FAILSAFED_RECOVERY_PAGE) {
			snprintf(err, err_size, "this failsafed was built without the recovery page "
				 "(FAILSAFED_RECOVERY_PAGE=OFF)");
			return -EINVAL;
		}
		if (id == OPT_HTTP_STALL) {
			if (args_number(v, 1000, 3600000, &n, err, err_size))
				return -EINVAL;
			o->http_stall_ms = (uint32_t)n;
			return 0;
		}
		if (args_number(v, 1, 65535, &n, err, err_size))
			return -EINVAL;
		o->http_port = (uint16_t)n;
		return 0;
	case OPT_NO_HTTP:
		o->http_port = 0;
		return 0;
	case OPT_REBOOT_CMD:
		o->reboot_cmd = v;
		return 0;
	case OPT_TELNET_MAX:
		if (args_number(v, 1, 32, &n, err, err_size))
			return -EINVAL;
		o->telnet_max_sessions = (unsigned)n;
		return 0;
	case OPT_SSH_PORT:
		if (args_number(v, 1, 65535, &n, err, err_size))
			return -EINVAL;
		o->ssh_port = (uint16_t)n;
		return 0;
	case OPT_SSH_MAX:
		if (args_number(v, 1, 32, &n, err, err_size))
			return -EINVAL;
		o->ssh_max_sessions = (unsigned)n;
		return 0;
	case OPT_NO_SSH:
		o->no_ssh = true;
		return 0;
	case OPT_NO_DHCP:
		o->no_dhcp = true;
		return 0;
	case OPT_STAGE2:
		o->stage2 = true;
		return 0;
	case OPT_NO_MDNS:
		o->no_mdns = true;
		return 0;
	case OPT_DHCP_LEASE:
		if (args_number(v, 10, 86400, &n, err, err_size))
			return -EINVAL;
		o->dhcp_lease_s = (uint32_t)n;
		return 0;
	case OPT_DROPBEAR:
		o->dropbear = v;
		return 0;
	case OPT_DECISION_FD:
		if (args_number(v, 3, 65535, &n, err, err_size))
			return -EINVAL;
		o->decision_fd = (int)n;
		return 0;
	case OPT_TELNET_IDLE:
		if (args_number(v, 0, 86400000, &n, err, err_size))
			return -EINVAL;
		o->telnet_idle_ms = (uint32_t)n;
		return 0;
	case OPT_IFNAME:
		if (board_ifname_problem(v)) {
			snprintf(err, err_size, "\"%s\" is not an interface name: %s", v, board_ifname_problem(v));
			return -EINVAL;
		}
		o->ifname = v;
		return 0;
	case OPT_CMDLINE:
		o->cmdline_path = v;
		return 0;
	case OPT_STATE_DIR:
		o->state_dir = v;
		return 0;
	case OPT_CTL:
		o->ctl_path = v;
		return 0;
	case OPT_CONSOLE:
		o->console_path = v;
		return 0;
	case OPT_ROOT:
		o->root = v;
		return 0;
	case OPT_ROOTFS_DATA:
		o->rootfs_data = v;
		return 0;
	case OPT_FIRMWARE:
		o->firmware = v;
		return 0;
	case OPT_BOARD:         /* main chose the board with these before the daemon ran (board_select.h) */
		o->board = v;
		return 0;
	case OPT_DT_COMPATIBLE:
		o->dt_compatible = v;
		return 0;
	case OPT_SHELL:
		return split_shell(o, v, err, err_size);
	case ARGS_OPERAND:
		snprintf(err, err_size, "unexpected argument");
		return -EINVAL;
	default:
		snprintf(err, err_size, "unknown option");
		return -EINVAL;
	}
}

/* Driver options are recorded by name; the driver family checks them when it opens. */
static int on_driver_opt(struct options *o, const struct hal_driver_option *d, const char *v, char *err,
			 size_t err_size)
{
	if (!d->repeatable)
		for (size_t k = 0; k < o->n_driver_args; k++)
			if (!strcmp(o->driver_args[k].name, d->name)) {
				snprintf(err, err_size, "given twice");
				return -EINVAL;
			}
	if (o->n_driver_args == HAL_DRIVER_ARGS_MAX) {
		snprintf(err, err_size, "given too often");
		return -EINVAL;
	}
	o->driver_args[o->n_driver_args++] = (struct hal_driver_arg){ d->name, v };
	return 0;
}

static int dispatch(void *ctx, int id, const char *v, char *err, size_t err_size)
{
	struct parse *p = ctx;

	if (id >= OPT_DRIVER_BASE)
		return on_driver_opt(p->o, &p->driver_opts[id - OPT_DRIVER_BASE], v, err, err_size);
	return on_opt(ctx, id, v, err, err_size);
}

int options_parse(struct options *o, const struct hal_driver_option *driver_opts, int argc, char **argv,
		  char *err, size_t err_size)
{
	struct parse p = { .o = o, .driver_opts = driver_opts };
	int next;

	build_spec(driver_opts);
	memset(o, 0, sizeof(*o));
	o->window_ms = -1;
	o->decision_fd = -1;
	o->cmdline_path = "/proc/cmdline";
	o->state_dir = "/tmp";
	o->verbosity = LOG_LVL_INFO;
	o->beacon_port = 4919;
	o->telnet_port = 23;
	o->telnet_max_sessions = 8;
	o->ssh_port = 22;
	o->ssh_max_sessions = 8;
	o->http_port = FAILSAFED_RECOVERY_PAGE ? 80 : 0;
	o->http_stall_ms = 15000;
	o->reboot_cmd = "reboot";
	split_shell(o, "/bin/sh -l", err, err_size);

	next = args_parse(&spec, argc, argv, dispatch, &p, err, err_size);
	if (next < 0)
		return next;
	if (p.then) {
		if (next >= argc) {
			snprintf(err, err_size, "--then: needs a command (see --help)");
			return -EINVAL;
		}
		o->then_argv = &argv[next];
	}
	return 0;
}
