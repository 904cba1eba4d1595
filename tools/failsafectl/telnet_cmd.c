/* tools/failsafectl/telnet_cmd.c — failsafectl telnet: a telnet session to a board in failsafe, waiting for one if need be */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "beacon.h"
#include "failsafectl.h"
#include "listen_view.h"

#define TELNET_PORT		23
#define DEFAULT_TIMEOUT_MS	60000

static const char telnet_usage[] =
	"Usage: failsafectl telnet [--port-telnet PORT] ADDR\n"
	"       failsafectl telnet [--timeout SECONDS] [--port PORT] [--plain] [--port-telnet PORT]\n"
	"Open a session with the system's telnet client to the board at ADDR. Without\n"
	"ADDR, first wait like 'failsafectl listen --once' for a board to enter\n"
	"failsafe (power it on, press its button when told) and telnet to its address.\n"
	"\n"
	"  --timeout SECONDS   wait at most SECONDS for a board (default 60)\n"
	"  --port PORT         the beacon's UDP port (default 4919)\n"
	"  --plain             plain lines while waiting, even on a terminal\n"
	"  --port-telnet PORT  telnet's TCP port (default 23)\n";

/* Is there an executable @name in $PATH (as execvp() would search)? */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n == 0) {
			if (access(name, X_OK) == 0)	/* empty entry: the current directory */
				return true;
		} else if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name) < sizeof(buf) &&
			   access(buf, X_OK) == 0) {
			return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static int exec_telnet(const char *addr, unsigned int port)
{
	char port_s[8];
	char *argv[4] = { "telnet", (char *)addr, NULL, NULL };

	if (port != TELNET_PORT) {
		snprintf(port_s, sizeof(port_s), "%u", port);
		argv[2] = port_s;
	}
	fprintf(stderr, "failsafectl telnet: telnet %s%s%s\n", addr, argv[2] ? " " : "", argv[2] ? argv[2] : "");
	fflush(stdout);
	fflush(stderr);
	execvp(argv[0], argv);
	if (errno == ENOENT)
		fprintf(stderr, "failsafectl telnet: no 'telnet' program in PATH: install the telnet package "
			"(e.g. apt install telnet)\n");
	else
		fprintf(stderr, "failsafectl telnet: cannot run telnet: %s\n", strerror(errno));
	return 1;
}

int telnet_main(int argc, char **argv)
{
	struct listen_opts o = {
		.prog = "failsafectl telnet",
		.port = BEACON_UDP_PORT,
		.timeout_ms = DEFAULT_TIMEOUT_MS,
		.once = true,
	};
	unsigned int tport = TELNET_PORT;
	const char *addr = NULL;
	char found[LV_ADDR_MAX];
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		int r;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(telnet_usage, stdout);
			return 0;
		} else if (!strcmp(a, "--plain")) {
			o.plain = true;
		} else if ((r = lv_opt(argc, argv, &i, "--port-telnet", &val))) {
			if (r < 0) {
				fprintf(stderr, "%s: --port-telnet needs a value\n", o.prog);
				return 2;
			}
			if (!lv_parse_port(val, &tport)) {
				fprintf(stderr, "%s: --port-telnet expects a TCP port 1..65535, not '%s'\n", o.prog, val);
				return 2;
			}
		} else if ((r = listen_opt(&o, argc, argv, &i))) {
			if (r < 0)
				return 2;
		} else if (a[0] == '-') {
			fprintf(stderr, "%s: unknown option '%s' (see --help)\n", o.prog, a);
			return 2;
		} else if (addr) {
			fprintf(stderr, "%s: one ADDR only ('%s' and '%s')\n", o.prog, addr, a);
			return 2;
		} else if (!*a) {
			fprintf(stderr, "%s: ADDR is empty\n", o.prog);
			return 2;
		} else {
			addr = a;
		}
	}
	/* Before waiting a minute for a board: is there a client to hand it to? */
	if (!in_path("telnet")) {
		fprintf(stderr, "%s: no 'telnet' program in PATH: install the telnet package "
			"(e.g. apt install telnet)\n", o.prog);
		return 1;
	}
	if (!addr) {
		ret = listen_run(&o, found, sizeof(found));
		if (ret)
			return ret;
		addr = found;
	}
	return exec_telnet(addr, tport);
}
