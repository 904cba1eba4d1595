/* tools/failsafectl/sim_cmd.c — failsafectl sim: the simulated board's back door from the command line */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "failsafectl.h"
#include "sim_proto.h"

#define REPLY_TIMEOUT_MS 2000

static const char sim_usage[] =
	"Usage: failsafectl sim [--dir DIR] COMMAND\n"
	"Drive the simulated board of a running failsafed (failsafed --sim-dir DIR).\n"
	"\n"
	"  press BUTTON [press|release BUTTON ...]  one write: several make a bounce train\n"
	"  release BUTTON [...]\n"
	"  click BUTTON [--hold-ms MS]              press, hold (default 100 ms), release\n"
	"  leds                                     each LED: role, name, pattern\n"
	"  fault KNOB on|off                        KNOB: " SIM_FAULT_KNOBS "\n"
	"  watch [--plain]                          draw the LEDs live from DIR/leds.log\n"
	"\n"
	"  --dir DIR   the daemon's --sim-dir (default $FAILSAFED_SIM_DIR or /tmp/failsafed-sim)\n";

/* Our own address, a file next to the daemon's: abstract addresses do not cross network namespaces. */
static struct sockaddr_un self = { .sun_family = AF_UNIX };

static void unbind_self(void)
{
	if (self.sun_path[0])
		unlink(self.sun_path);
	self.sun_path[0] = '\0';
}

static int connect_ctl(const char *dir, struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(self.sun_path, sizeof(self.sun_path), "%.80s/ctl-client.%d.sock", dir, (int)getpid());
	unlink(self.sun_path);
	if (bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		int rc = -errno;

		self.sun_path[0] = '\0';
		close(fd);
		return rc;
	}
	*addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if ((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s", dir, SIM_CTL_SOCK) >=
	    sizeof(addr->sun_path)) {
		close(fd);
		unbind_self();
		return -ENAMETOOLONG;
	}
	return fd;
}

/* Send one datagram, print the answer; 0 when it holds no "error:". */
static int transact(const char *dir, const char *msg, bool print_reply)
{
	struct sockaddr_un addr;
	struct pollfd pfd;
	char reply[2048];
	ssize_t n;
	int fd = connect_ctl(dir, &addr);

	if (fd < 0) {
		fprintf(stderr, "failsafectl sim: socket: %s\n", strerror(-fd));
		return 1;
	}
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "failsafectl sim: %s: %s (is failsafed running with --sim-dir %s?)\n",
			addr.sun_path, strerror(errno), dir);
		close(fd);
		unbind_self();
		return 1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1 || (n = recv(fd, reply, sizeof(reply) - 1, 0)) < 0) {
		fprintf(stderr, "failsafectl sim: no answer from %s within %d ms\n", addr.sun_path, REPLY_TIMEOUT_MS);
		close(fd);
		unbind_self();
		return 1;
	}
	close(fd);
	unbind_self();
	reply[n] = '\0';
	if (strstr(reply, "error:")) {
		fprintf(stderr, "failsafectl sim: %s", reply);
		return 1;
	}
	if (print_reply)
		fputs(reply, stdout);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int buttons(const char *dir, int argc, char **argv)
{
	char msg[1024];
	size_t len = 0;

	if (argc % 2) {
		fprintf(stderr, "failsafectl sim: %s needs a BUTTON\n", argv[argc - 1]);
		return 2;
	}
	for (int i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "press") && strcmp(argv[i], "release")) {
			fprintf(stderr, "failsafectl sim: '%s' is not press or release\n", argv[i]);
			return 2;
		}
		int n = snprintf(msg + len, sizeof(msg) - len, "%s %s\n", argv[i], argv[i + 1]);

		if (n < 0 || (size_t)n >= sizeof(msg) - len) {
			fprintf(stderr, "failsafectl sim: too many commands for one write\n");
			return 2;
		}
		len += (size_t)n;
	}
	return transact(dir, msg, false);
}

static int click(const char *dir, int argc, char **argv)
{
	unsigned hold_ms = 100;
	char msg[128];
	int rc;

	if (argc == 3 && !strcmp(argv[1], "--hold-ms")) {
		char *end;
		long v = strtol(argv[2], &end, 10);

		if (*end || end == argv[2] || v < 0 || v > 60000) {
			fprintf(stderr, "failsafectl sim: --hold-ms expects 0..60000\n");
			return 2;
		}
		hold_ms = (unsigned)v;
	} else if (argc != 1) {
		fprintf(stderr, "failsafectl sim: usage: click BUTTON [--hold-ms MS]\n");
		return 2;
	}
	snprintf(msg, sizeof(msg), "press %s\n", argv[0]);
	rc = transact(dir, msg, false);
	if (rc)
		return rc;
	sleep_ms(hold_ms);
	snprintf(msg, sizeof(msg), "release %s\n", argv[0]);
	return transact(dir, msg, false);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Follow leds.log; draw each LED as a lamp in the top-right corner (or print lines). */
static int watch(const char *dir, bool plain)
{
	char path[512], buf[4096], names[4][32] = { { 0 } };
	int levels[4] = { 0 }, n_leds = 0;
	size_t have = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, SIM_LEDS_LOG);
	for (int tries = 0; (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0; tries++) {
		if (tries == 50) {
			fprintf(stderr, "failsafectl sim watch: %s: %s\n", path, strerror(errno));
			return 1;
		}
		sleep_ms(100);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line, *nl;

		if (n <= 0) {
			sleep_ms(10);
			continue;
		}
		have += (size_t)n;
		buf[have] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			unsigned long long ms;
			char name[32];
			int level, i;

			*nl = '\0';
			if (sscanf(line, "%llu %31s %d", &ms, name, &level) == 3) {
				for (i = 0; i < n_leds && strcmp(names[i], name); i++)
					;
				if (i == n_leds && n_leds < 4)
					snprintf(names[n_leds++], sizeof(names[0]), "%s", name);
				if (i < 4)
					levels[i] = level;
				if (plain) {
					printf("%llu %s %s\n", ms, name, level ? "on" : "off");
				} else {
					/* Save cursor, draw at the right end of row 1, restore: the console is untouched. */
					struct winsize ws = { .ws_col = 80 };
					int col;

					ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
					col = ws.ws_col > 16 * n_leds ? ws.ws_col - 16 * n_leds + 1 : 1;
					printf("\0337\033[1;%dH\033[K", col);
					for (int k = 0; k < n_leds; k++)
						printf("%9.9s %s ", names[k], levels[k] ? "\033[1;32m(*)\033[0m" : "( )");
					printf("\0338");
				}
				fflush(stdout);
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	close(fd);
	return 0;
}

int sim_main(int argc, char **argv)
{
	const char *dir = getenv("FAILSAFED_SIM_DIR");
	int i = 1;

	if (!dir)
		dir = "/tmp/failsafed-sim";
	if (i < argc && !strcmp(argv[i], "--dir")) {
		if (i + 1 >= argc) {
			fprintf(stderr, "failsafectl sim: --dir needs a directory\n");
			return 2;
		}
		dir = argv[i + 1];
		i += 2;
	}
	if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		fputs(sim_usage, i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	if (!strcmp(argv[i], "press") || !strcmp(argv[i], "release"))
		return buttons(dir, argc - i, argv + i);
	if (!strcmp(argv[i], "click") && i + 1 < argc)
		return click(dir, argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "leds") && i + 1 == argc)
		return transact(dir, "leds\n", true);
	if (!strcmp(argv[i], "fault") && i + 3 == argc) {
		char msg[128];

		snprintf(msg, sizeof(msg), "fault %s %s\n", argv[i + 1], argv[i + 2]);
		return transact(dir, msg, false);
	}
	if (!strcmp(argv[i], "watch"))
		return watch(dir, i + 1 < argc && !strcmp(argv[i + 1], "--plain"));
	fprintf(stderr, "failsafectl sim: bad command '%s'\n%s", argv[i], sim_usage);
	return 2;
}
