/* app/applets/applet_status.c — `failsafed status`: the running daemon's state, cause, time left and LEDs, asked over its socket */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "args.h"
#include "ctl_client.h"
#include "ctl_proto.h"

#define REPLY_TIMEOUT_MS 2000

enum { OPT_HELP = 0, OPT_STATE_DIR, OPT_SOCKET, OPT_RAW };

static const struct args_opt opts[] = {
	{ "--state-dir", 0, "DIR", "the daemon's --state-dir (default /tmp)", OPT_STATE_DIR },
	{ "--ctl-socket", 0, "PATH", "the daemon's --ctl-socket (default <state-dir>/failsafed.sock)", OPT_SOCKET },
	{ "--raw", 0, NULL, "print the daemon's key=value reply as it is", OPT_RAW },
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: failsafed status [--state-dir DIR | --ctl-socket PATH] [--raw]\n"
		 "Show the running failsafed: board, state, how failsafe was entered, the time left\n"
		 "in the window and what each LED shows. Root only.\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer = "Exit status: 0 ok, 1 no daemon or no answer, 2 bad usage.\n",
};

struct status_args {
	const char *state_dir;
	const char *socket;
	bool raw;
	bool help;
};

static int on_opt(void *ctx, int id, const char *v, char *err, size_t err_size)
{
	struct status_args *a = ctx;

	switch (id) {
	case OPT_HELP:
		a->help = true;
		return ARGS_STOP;
	case OPT_STATE_DIR:
		a->state_dir = v;
		return 0;
	case OPT_SOCKET:
		a->socket = v;
		return 0;
	case OPT_RAW:
		a->raw = true;
		return 0;
	default:
		snprintf(err, err_size, "unexpected argument");
		return -EINVAL;
	}
}

static void print_status(const struct ctl_status *st)
{
	bool any = false;

	printf("failsafed %s on board %s (%s, %s), pid %ld\n", st->version, st->board, st->model, st->compatible,
	       st->pid);
	if (!strcmp(st->state, "window"))
		printf("state:   window open, %.1f s left of %.1f s\n", st->remaining_ms / 1000.0, st->window_ms / 1000.0);
	else
		printf("state:   %s\n", st->state);
	printf("cause:   %s\n", strcmp(st->cause, "none") ? st->cause : "-");
	printf("LEDs:   ");
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (!st->led[r][0])
			continue;
		printf("%s %s %s", any ? "," : "", board_led_role_name(r), st->led[r]);
		any = true;
	}
	printf("%s\n", any ? "" : " none");
	if (strcmp(st->led_hold, "none"))
		printf("         (an applet holds the %s phase)\n", st->led_hold);
	if (strcmp(st->flash, "none"))
		printf("flash:   %s%s\n", st->flash, strncmp(st->flash, "failed", 6) ? "" :
		       ": still in failsafe, flash again");
	printf("telnet:  %u session%s\n", st->telnet_sessions, st->telnet_sessions == 1 ? "" : "s");
	printf("DHCP:    %s\n", st->dhcp[0] ? st->dhcp : "off");
	if (st->leases)
		printf("leases:  %u (address, MAC, name, seconds left)\n", st->leases);
	for (unsigned i = 0; i < st->leases && i < CTL_LEASES_MAX; i++)
		printf("         %s\n", st->lease[i]);
	if (st->leases > CTL_LEASES_MAX)
		printf("         and %u more\n", st->leases - CTL_LEASES_MAX);
	if (st->stage2[0])
		printf("stage2:  %s\n", st->stage2);
}

static int status_main(int argc, char **argv)
{
	struct status_args a = { 0 };
	char err[256], path[256], reply[CTL_MSG_BYTES];
	struct ctl_status st;
	int fd, n;

	if ((n = applet_args("failsafed status", &spec, argc, argv, on_opt, &a, &a.help)) != APPLET_GO)
		return n;
	ctl_client_path(a.socket, a.state_dir, path, sizeof(path));
	fd = ctl_client_open(path, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "failsafed status: %s\n", err);
		return 1;
	}
	n = ctl_client_ask(fd, "status", reply, sizeof(reply), REPLY_TIMEOUT_MS, err, sizeof(err));
	close(fd);
	if (n < 0) {
		fprintf(stderr, "failsafed status: %s\n", err);
		return 1;
	}
	if (a.raw) {
		fputs(reply, stdout);
		return 0;
	}
	if (ctl_parse_status(reply, (size_t)n, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "failsafed status: %s\n", err);
		return 1;
	}
	print_status(&st);
	return 0;
}

const struct applet applet_status = {
	.name = "status",
	.summary = "show the running daemon: state, cause, time left, LEDs",
	.main = status_main,
	.no_board = true,
};
