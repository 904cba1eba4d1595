/* tools/failsafectl/failsafectl.c — the host-side command: dispatch to subcommands */
#include <stdio.h>
#include <string.h>

#include "failsafectl.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "sim", sim_main, "drive the simulated board: press/release/click buttons, show LEDs, faults" },
	{ "listen", listen_main, "show the boards announcing on UDP 4919; say when to press the button" },
	{ "telnet", telnet_main, "telnet to a board in failsafe (waits for the first one without ADDR)" },
	{ "mkimage", mkimage_main, "append OpenWrt sysupgrade metadata to a firmware file (fwtool format)" },
	{ "serve", serve_main, "check an image, then send it to each board that connects (TCP 3333)" },
	{ "recover", recover_main, "flash an image from this PC: wait for the board, ring, upload, confirm, write" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: failsafectl COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(out, "\n'failsafectl COMMAND --help' tells more.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "failsafectl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
