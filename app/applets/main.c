/* app/applets/main.c — the multi-call entry: dispatch on the program's name or the first argument, else the daemon */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "board_select.h"

extern const struct applet applet_failsafed;

const struct applet *applet_find(const char *name)
{
	for (size_t i = 0; i < n_applets; i++)
		if (!strcmp(applets[i]->name, name))
			return applets[i];
	return NULL;
}

int applet_args(const char *who, const struct args_spec *spec, int argc, char **argv, args_cb cb, void *ctx,
		const bool *help)
{
	static char text[8192];

	if (args_parse(spec, argc, argv, cb, ctx, text, sizeof(text)) < 0) {
		fprintf(stderr, "%s: %s\n", who, text);
		return APPLET_EXIT_USAGE;
	}
	if (*help) {
		args_usage(spec, text, sizeof(text));
		fputs(text, stdout);
		return 0;
	}
	return APPLET_GO;
}

static int help(void)
{
	printf("Usage: failsafed [OPTIONS]          the daemon: the failsafe boot window (failsafed --help)\n"
	       "       failsafed APPLET [ARGS...]   or a link named APPLET\n\nApplets:\n");
	for (size_t i = 0; i < n_applets; i++)
		printf("  %-12s %s\n", applets[i]->name, applets[i]->summary);
	printf("\n'failsafed APPLET --help' tells more.\n");
	return 0;
}

/*
 * The value of option name in argv ("--board X" or "--board=X"), up to
 * "--" or the daemon's "--then" (what follows is another program's).
 * The applet's own parser takes the same option again and checks it.
 */
static const char *option_value(int argc, char **argv, const char *name, bool *help)
{
	size_t n = strlen(name);
	const char *value = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") || !strcmp(argv[i], "--then"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			*help = true;
		if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
			value = argv[i] + n + 1;
		else if (!strcmp(argv[i], name) && i + 1 < argc)
			value = argv[++i];
	}
	return value;
}

/*
 * Which board this process runs as, once, before any applet: --board,
 * else the compiled-in one or, with BOARD=all, the daemon's
 * FAILSAFED_BOARD (its shells' applets run as the board it runs as), else
 * the device tree's. Without a board the daemon continues the boot (it logs why);
 * the other applets say why and exit 1, unless they are asked for --help.
 */
static int choose_board(const char *who, const struct applet *a, int argc, char **argv)
{
	bool help = false;
	const char *override = option_value(argc, argv, "--board", &help);
	const char *dt_path = option_value(argc, argv, "--dt-compatible", &help);

	if (!override && board_builtin_by_dt)   /* a per-board build has one table: nothing to hand on */
		override = getenv("FAILSAFED_BOARD");
	if (board_select(board_builtin, n_board_builtin, board_builtin_by_dt, override, dt_path) == 0 ||
	    a == &applet_failsafed || a->no_board || help)
		return 0;
	fprintf(stderr, "%s: %s\n", who, board_select_problem());
	return 1;
}

int main(int argc, char **argv)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	const struct applet *a;

	base = base ? base + 1 : (argv[0] ? argv[0] : "failsafed");
	/* A link named after an applet (mount_root, firstboot, sysupgrade, ...). */
	a = applet_find(base);
	if (a && a != &applet_failsafed)
		return choose_board(a->name, a, argc, argv) ? 1 : a->main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "help"))
		return help();
	if (argc > 1 && argv[1][0] != '-' && (a = applet_find(argv[1])))
		return choose_board(a->name, a, argc - 1, argv + 1) ? 1 : a->main(argc - 1, argv + 1);
	/* No applet named: the daemon, whatever the program is called. */
	choose_board("failsafed", &applet_failsafed, argc, argv);
	return applet_failsafed.main(argc, argv);
}
