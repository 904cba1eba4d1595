/* app/main.c — the multi-call entry: dispatch on the program's name or the first argument, else the daemon */
#include <stdio.h>
#include <string.h>

#include "applet.h"

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

int main(int argc, char **argv)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	const struct applet *a;

	base = base ? base + 1 : (argv[0] ? argv[0] : "failsafed");
	/* A link named after an applet (mount_root, firstboot, sysupgrade, ...). */
	a = applet_find(base);
	if (a && a != &applet_failsafed)
		return a->main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "help"))
		return help();
	if (argc > 1 && argv[1][0] != '-' && (a = applet_find(argv[1])))
		return a->main(argc - 1, argv + 1);
	/* No applet named: the daemon, whatever the program is called. */
	return applet_failsafed.main(argc, argv);
}
