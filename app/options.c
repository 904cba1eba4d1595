/* app/options.c — failsafed's command line parser (pure: argv in, struct options out) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "options.h"

static const char usage[] =
	"Usage: failsafed [OPTIONS] [--then CMD [ARGS...]]\n"
	"Open the failsafe boot window of this board, or enter failsafe mode.\n"
	"\n"
	"  --window-ms MS       window length (default: the board's, usually 4000)\n"
	"  --cmdline FILE       kernel command line to read failsafe= from (default /proc/cmdline)\n"
	"  --state-dir DIR      where failsafe, failsafe_button, debug_level go (default /tmp)\n"
	"  --console PATH       use this device as the console instead of the board's\n"
	"  --shell 'CMD ARGS'   login shell in failsafe (default '/bin/sh -l')\n"
	"  --then CMD [ARGS]    on the normal path, exec CMD instead of exiting 0\n"
	"  -v, --verbose        more log output (repeat for debug)\n"
	"  --check-board        validate and print the compiled-in board, then exit\n"
	"  --probe              show live button edges and blink each LED in turn (Ctrl-C ends)\n"
	"  -h, --help           this text\n"
	"  --version            print the version\n"
	"\n"
	"Network (SPEC 4, 5, 7):\n"
	"  --ifname IF          failsafe port instead of the board's\n"
	"  --telnet-port N      telnet server port in failsafe (default 23)\n"
	"  --telnet-max-sessions N  concurrent telnet sessions (default 8, at most 32)\n"
	"  --telnet-idle-ms MS  close idle telnet sessions (default 0: never)\n"
	"  --beacon-port N      UDP port of the beacon (default 4919)\n"
	"\n"
	"Real boards:\n"
	"  --sysfs-leds DIR     LED class directory (default /sys/class/leds)\n"
	"\n"
	"Simulated board (cmake -DBOARD=sim):\n"
	"  --sim-dir DIR        control socket and leds.log (default <state-dir>/failsafed-sim)\n"
	"  --sim-held BUTTON    BUTTON is held down at power-on (repeatable)\n"
	"  --sim-fault KNOB     make a driver fail: gpio, gpio-read, led, console (repeatable)\n"
	"\n"
	"Triggers: a button press, 'f' + Enter on a console, SIGUSR1, failsafe= on the\n"
	"kernel command line. '1'..'4' + Enter sets the debug level and ends the window.\n";

const char *options_usage(void)
{
	return usage;
}

static int bad(char *err, size_t err_size, const char *opt, const char *why)
{
	snprintf(err, err_size, "%s: %s (see --help)", opt, why);
	return -EINVAL;
}

static int number(const char *opt, const char *val, long min, long max, long *out, char *err, size_t err_size)
{
	char *end;
	char why[64];

	errno = 0;
	*out = strtol(val, &end, 10);
	if (errno || end == val || *end || *out < min || *out > max) {
		snprintf(why, sizeof(why), "expects a number from %ld to %ld", min, max);
		return bad(err, err_size, opt, why);
	}
	return 0;
}

static int split_shell(struct options *o, const char *text, char *err, size_t err_size)
{
	size_t n = 0;
	char *save = NULL;

	if (strlen(text) >= sizeof(o->shell_buf))
		return bad(err, err_size, "--shell", "command too long");
	snprintf(o->shell_buf, sizeof(o->shell_buf), "%s", text);
	for (char *w = strtok_r(o->shell_buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == OPTIONS_SHELL_ARGS)
			return bad(err, err_size, "--shell", "more than 8 words");
		o->shell_argv[n++] = w;
	}
	if (!n)
		return bad(err, err_size, "--shell", "empty command");
	o->shell_argv[n] = NULL;
	return 0;
}

int options_parse(struct options *o, int argc, char **argv, char *err, size_t err_size)
{
	memset(o, 0, sizeof(*o));
	o->window_ms = -1;
	o->cmdline_path = "/proc/cmdline";
	o->state_dir = "/tmp";
	o->verbosity = LOG_LVL_INFO;
	o->beacon_port = 4919;
	o->telnet_port = 23;
	o->telnet_max_sessions = 8;
	split_shell(o, "/bin/sh -l", err, err_size);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->mode = OPTIONS_HELP;
			return 0;
		} else if (!strcmp(a, "--version")) {
			o->mode = OPTIONS_VERSION;
			return 0;
		} else if (!strcmp(a, "--then")) {
			if (!val)
				return bad(err, err_size, a, "needs a command");
			o->then_argv = &argv[i + 1];
			break;
		} else if (!strcmp(a, "--check-board")) {
			o->mode = OPTIONS_CHECK_BOARD;
			takes = false;
		} else if (!strcmp(a, "--probe")) {
			o->mode = OPTIONS_PROBE;
			takes = false;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			if (o->verbosity < LOG_LVL_DEBUG)
				o->verbosity++;
			takes = false;
		} else if (!val) {
			return bad(err, err_size, a, strncmp(a, "--", 2) && a[0] == '-' ? "unknown option" :
				   (strncmp(a, "--", 2) ? "unexpected argument" : "unknown option or missing value"));
		} else if (!strcmp(a, "--window-ms")) {
			long v;

			if (number(a, val, 0, 600000, &v, err, err_size))
				return -EINVAL;
			o->window_ms = (int32_t)v;
		} else if (!strcmp(a, "--beacon-port") || !strcmp(a, "--telnet-port")) {
			long v;

			if (number(a, val, 1, 65535, &v, err, err_size))
				return -EINVAL;
			*(a[2] == 'b' ? &o->beacon_port : &o->telnet_port) = (uint16_t)v;
		} else if (!strcmp(a, "--telnet-max-sessions")) {
			long v;

			if (number(a, val, 1, 32, &v, err, err_size))
				return -EINVAL;
			o->telnet_max_sessions = (unsigned)v;
		} else if (!strcmp(a, "--telnet-idle-ms")) {
			long v;

			if (number(a, val, 0, 86400000, &v, err, err_size))
				return -EINVAL;
			o->telnet_idle_ms = (uint32_t)v;
		} else if (!strcmp(a, "--ifname")) {
			if (!val[0] || strlen(val) > 15)
				return bad(err, err_size, a, "expects an interface name of 1 to 15 bytes");
			o->ifname = val;
		} else if (!strcmp(a, "--cmdline")) {
			o->cmdline_path = val;
		} else if (!strcmp(a, "--state-dir")) {
			o->state_dir = val;
		} else if (!strcmp(a, "--console")) {
			o->console_path = val;
		} else if (!strcmp(a, "--shell")) {
			int rc = split_shell(o, val, err, err_size);

			if (rc)
				return rc;
		} else if (!strcmp(a, "--sim-dir")) {
			o->sim_dir = val;
		} else if (!strcmp(a, "--sim-held")) {
			if (o->n_sim_held == BOARD_MAX_BUTTONS)
				return bad(err, err_size, a, "given too often");
			o->sim_held[o->n_sim_held++] = val;
		} else if (!strcmp(a, "--sim-fault")) {
			if (o->n_sim_faults == sizeof(o->sim_faults) / sizeof(o->sim_faults[0]))
				return bad(err, err_size, a, "given too often");
			o->sim_faults[o->n_sim_faults++] = val;
		} else if (!strcmp(a, "--sysfs-leds")) {
			o->sysfs_leds_dir = val;
		} else {
			return bad(err, err_size, a, "unknown option");
		}
		if (takes)
			i++;
	}
	return 0;
}
