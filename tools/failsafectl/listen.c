/* tools/failsafectl/listen.c — failsafectl listen: the boards announcing on UDP 4919, live, and when to press the button */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "beacon.h"
#include "clock.h"
#include "failsafectl.h"
#include "hostaddr.h"
#include "listen_view.h"

#define TICK_MS		100	/* live table refresh */
#define DRAIN_BATCH	64	/* datagrams read per wakeup */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define DEFAULT_COLS	80
#define DEFAULT_ROWS	24

#define SGR_BOLD	"\033[1m"
#define SGR_DIM		"\033[2m"
#define SGR_WINDOW	"\033[1;33m"
#define SGR_FAILSAFE	"\033[1;32m"
#define SGR_RESET	"\033[0m"

static const char listen_usage[] =
	"Usage: failsafectl listen [--once] [--timeout SECONDS] [--json | --plain] [--port PORT]\n"
	"                          [--interface IF | --no-address]\n"
	"Show every board announcing its boot window with the failsafe beacon (UDP\n"
	"port 4919): address, board, state, seconds left. Rings the bell when a\n"
	"board's window is open (press its button then) and confirms when it enters\n"
	"failsafe. A live table on a terminal, one line per event otherwise.\n"
	"\n"
	"  --once             exit 0 at the first board that enters failsafe\n"
	"  --timeout SECONDS  give up after SECONDS (e.g. 30, 0.5): exit 1 if no beacon\n"
	"                     (with --once: no failsafe) arrived by then\n"
	"  --json             one JSON object per beacon on stdout, for scripts\n"
	"  --plain            plain lines even on a terminal\n"
	"  --port PORT        UDP port to listen on (default 4919)\n"
	"  --interface IF     the port cabled to the board (default: the only one with a\n"
	"                     cable and no address)\n"
	"  --no-address       never change this PC's addresses\n"
	"\n"
	"This host needs an address in the board's failsafe subnet, 192.168.1.0/24. When\n"
	"none of its ports has one and it runs as root, listen takes a lease from the\n"
	"board (a board in failsafe), or else adds 192.168.1.2xx/24 to the port, says so\n"
	"in one line, and undoes it on exit.\n"
	"Exit status: 0 ok, 1 nothing arrived in time or an error, 2 bad usage.\n";

static volatile sig_atomic_t got_stop, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_stop = 1;
}

struct listener {
	const struct listen_opts *o;
	int fd;
	bool tty;			/* live table, else lines */
	struct lv_boards boards;
	unsigned long beacons, ignored;
	int drawn;			/* table lines on screen, below the events */
	int cols, rows;
	FILE *fr;			/* the frame being built (tty) */
	char *fr_buf;
	size_t fr_len;
	bool done;			/* --once: a board entered failsafe */
	char found[LV_ADDR_MAX];
};

static int open_socket(const struct listen_opts *o)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)o->port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		fprintf(stderr, "%s: UDP socket: %s\n", o->prog, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0) {
		fprintf(stderr, "%s: setsockopt SO_REUSEADDR/SO_BROADCAST: %s\n", o->prog, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int err = errno;

		if (err == EADDRINUSE)
			fprintf(stderr, "%s: UDP port %u is already in use by a program that does not share it "
				"(no SO_REUSEADDR); stop that program or use --port\n", o->prog, o->port);
		else if (err == EACCES)
			fprintf(stderr, "%s: UDP port %u: %s (ports below 1024 need root or CAP_NET_BIND_SERVICE)\n",
				o->prog, o->port, strerror(err));
		else
			fprintf(stderr, "%s: bind UDP port %u: %s\n", o->prog, o->port, strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the live table (terminal) ---- */

static void tty_size(struct listener *l)
{
	struct winsize ws;

	l->cols = DEFAULT_COLS;
	l->rows = DEFAULT_ROWS;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		l->cols = ws.ws_col;
		l->rows = ws.ws_row;
	}
}

static void frame_begin(struct listener *l)
{
	l->fr = open_memstream(&l->fr_buf, &l->fr_len);
}

/* Write the frame in one go (no flicker); start the next one. */
static void frame_flush(struct listener *l)
{
	if (l->fr) {
		fclose(l->fr);
		fwrite(l->fr_buf, 1, l->fr_len, stdout);
		free(l->fr_buf);
		l->fr_buf = NULL;
		l->fr = NULL;
	}
	fflush(stdout);
	frame_begin(l);
}

/* Without a frame (out of memory) write straight to stdout. */
static FILE *frame(struct listener *l)
{
	return l->fr ? l->fr : stdout;
}

/* Remove the table: the cursor goes back to where it began. */
static void tty_erase(struct listener *l)
{
	if (l->drawn)
		fprintf(frame(l), "\r\033[%dA\033[J", l->drawn);
	l->drawn = 0;
}

/* One table line, cut to the terminal's width so that it takes exactly one line. */
static void tty_line(struct listener *l, const char *s, const char *sgr)
{
	int n = (int)strlen(s);

	if (n > l->cols - 1)
		n = l->cols - 1;
	fprintf(frame(l), "%s%.*s%s\n", sgr ? sgr : "", n, s, sgr ? SGR_RESET : "");
	l->drawn++;
}

/* The table; @last: the one left on screen at exit, without the running hints. */
static void tty_table(struct listener *l, uint64_t now, uint64_t deadline, bool last)
{
	char line[LV_LINE_MAX];
	size_t n = l->boards.n, shown = n;
	int len;

	tty_erase(l);
	len = snprintf(line, sizeof(line), "%s: UDP port %u, %zu board%s, %lu ignored datagram%s",
		       l->o->prog, l->o->port, n, n == 1 ? "" : "s", l->ignored, l->ignored == 1 ? "" : "s");
	if (!last && len > 0 && deadline)
		len += snprintf(line + len, sizeof(line) - (size_t)len, ", gives up in %llu s",
				(unsigned long long)((deadline > now ? deadline - now : 0) + 999) / 1000);
	if (!last && len > 0)
		snprintf(line + len, sizeof(line) - (size_t)len, ", Ctrl-C quits");
	tty_line(l, line, SGR_BOLD);
	if (!n) {
		tty_line(l, "waiting for beacons: power on the board (this host needs an address in "
			 "its subnet, e.g. 192.168.1.2/24)", NULL);
		return;
	}
	tty_line(l, lv_row_header(), SGR_DIM);
	/* header, column titles, rows, and one line to spare */
	if (l->rows > 3 && n > (size_t)(l->rows - 3))
		shown = (size_t)(l->rows - 4);
	else if (l->rows <= 3)
		shown = 0;
	for (size_t i = 0; i < shown; i++) {
		const struct lv_board *bd = &l->boards.board[i];
		const char *sgr = NULL;

		if (bd->kind == LV_KIND_FAILSAFE)
			sgr = SGR_FAILSAFE;
		else if (bd->kind == LV_KIND_WINDOW && lv_left_ms(bd, now) != 0)
			sgr = SGR_WINDOW;
		if (lv_row(line, sizeof(line), bd, now) >= 0)
			tty_line(l, line, sgr);
	}
	if (shown < n) {
		snprintf(line, sizeof(line), "... and %zu more (a taller terminal shows them)", n - shown);
		tty_line(l, line, NULL);
	}
}

/* An event line above the table: it stays in the terminal's scrollback. */
static void tty_event(struct listener *l, const char *s, bool bell)
{
	tty_erase(l);
	fprintf(frame(l), "%s" SGR_BOLD "%s" SGR_RESET "\n", bell ? "\a" : "", s);
}

/* ---- datagrams ---- */

static const char *decode_error(int ret)
{
	switch (ret) {
	case -ENOMSG:
		return "not a beacon (no 0xDE 0xAD magic)";
	case -EMSGSIZE:
		return "not a beacon (longer than 1001 bytes)";
	case -EBADMSG:
		return "malformed beacon";
	default:
		return strerror(-ret);
	}
}

static void on_event(struct listener *l, unsigned int ev, const struct lv_board *bd)
{
	char line[LV_LINE_MAX];

	if (lv_event_line(line, sizeof(line), ev, bd) < 0)
		return;
	if (l->o->json)
		return;
	if (l->tty)
		tty_event(l, line, ev == LV_EV_PROMPT);
	else
		printf("%s\n", line);
}

static void on_datagram(struct listener *l, const uint8_t *buf, size_t n, const char *from)
{
	char line[LV_JSON_MAX];
	struct lv_board *bd;
	struct beacon b;
	unsigned int ev;
	int ret;

	ret = n > BEACON_LEN_BYTES ? -EMSGSIZE : beacon_decode(buf, n, &b);
	if (ret) {
		l->ignored++;
		if (!l->tty)
			fprintf(stderr, "%s: ignored %zu-byte datagram from %s: %s\n", l->o->prog, n, from,
				decode_error(ret));
		return;
	}
	l->beacons++;
	ev = lv_update(&l->boards, from, &b, hal_now_ms(), &bd);
	if (!bd)
		return;
	if (l->o->json) {
		if (lv_json(line, sizeof(line), from, &b) >= 0)
			printf("%s\n", line);
	} else if (!l->tty) {
		if (lv_plain_line(line, sizeof(line), bd) >= 0)
			printf("%s\n", line);
	}
	if (ev & LV_EV_PROMPT)
		on_event(l, LV_EV_PROMPT, bd);
	if (ev & LV_EV_FAILSAFE) {
		on_event(l, LV_EV_FAILSAFE, bd);
		if (l->o->once && !l->done) {
			l->done = true;
			snprintf(l->found, sizeof(l->found), "%s", from);
		}
	}
	if (!l->tty)
		fflush(stdout);
}

/* Read the queued datagrams (a bounded batch: a flood must not stop the redraw). 0, or -1 on a socket error. */
static int drain(struct listener *l)
{
	uint8_t buf[BEACON_LEN_BYTES + 1];

	for (int batch = 0; batch < DRAIN_BATCH && !l->done; batch++) {
		struct sockaddr_in sin;
		socklen_t slen = sizeof(sin);
		char from[LV_ADDR_MAX];
		ssize_t n = recvfrom(l->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&sin, &slen);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			fprintf(stderr, "%s: recvfrom: %s\n", l->o->prog, strerror(errno));
			return -1;
		}
		if (sin.sin_family != AF_INET || !inet_ntop(AF_INET, &sin.sin_addr, from, sizeof(from)))
			snprintf(from, sizeof(from), "?");
		/* MSG_TRUNC: n is the datagram's real length, longer ones are refused */
		on_datagram(l, buf, (size_t)n, from);
	}
	return 0;
}

/* ---- the loop ---- */

static int finish(struct listener *l, bool timed_out)
{
	const struct listen_opts *o = l->o;

	if (l->done)
		return 0;
	if (!timed_out) {
		if (!o->once)
			return 0;
		fprintf(stderr, "%s: interrupted before a board entered failsafe\n", o->prog);
		return 1;
	}
	if (o->once && l->beacons)
		fprintf(stderr, "%s: no board entered failsafe within %g s (%zu board%s announced: press "
			"the button while its window is open)\n", o->prog, o->timeout_ms / 1000.0,
			l->boards.n, l->boards.n == 1 ? "" : "s");
	else if (!l->beacons)
		fprintf(stderr, "%s: no beacon on UDP port %u within %g s (is the board powered on, and "
			"this host in its failsafe subnet, e.g. 192.168.1.2/24?)\n", o->prog, o->port,
			o->timeout_ms / 1000.0);
	else
		return 0;
	return 1;
}

static int loop(struct listener *l, const sigset_t *waitmask)
{
	uint64_t start = hal_now_ms();
	uint64_t deadline = l->o->timeout_ms >= 0 ? start + (uint64_t)l->o->timeout_ms : 0;
	struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
	bool timed_out = false;

	for (;;) {
		uint64_t now = hal_now_ms();
		struct timespec ts, *tsp = NULL;
		int64_t wait = -1;
		bool end;
		int r;

		if (deadline && now >= deadline)
			timed_out = true;
		end = l->done || got_stop || timed_out;
		if (l->tty) {
			if (got_winch) {
				got_winch = 0;
				tty_size(l);
				/* rewrapped lines make the old table's height unknown */
				fprintf(frame(l), "\033[H\033[2J");
				l->drawn = 0;
			}
			tty_table(l, now, deadline, end);
			frame_flush(l);
		}
		if (end)
			break;
		if (l->tty)
			wait = TICK_MS;
		if (deadline && (wait < 0 || deadline - now < (uint64_t)wait))
			wait = (int64_t)(deadline - now);
		if (wait >= 0) {
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)(wait % 1000) * 1000000L;
			tsp = &ts;
		}
		/* ppoll: the stop and resize signals are taken only while waiting */
		r = ppoll(&pfd, 1, tsp, waitmask);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", l->o->prog, strerror(errno));
			return 1;
		}
		if (r > 0 && drain(l) < 0)
			return 1;
	}
	return finish(l, timed_out);
}

int listen_run(const struct listen_opts *o, char *addr, size_t addr_size)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	struct sigaction sa = { .sa_handler = on_signal }, old[ARRAY_SIZE(sigs)];
	sigset_t block, oldmask, waitmask;
	struct listener *l;
	int ret;

	l = calloc(1, sizeof(*l));
	if (!l) {
		fprintf(stderr, "%s: out of memory\n", o->prog);
		return 1;
	}
	l->o = o;
	l->tty = !o->json && !o->plain && isatty(STDOUT_FILENO);
	lv_boards_init(&l->boards);
	l->fd = open_socket(o);
	if (l->fd < 0) {
		free(l);
		return 1;
	}

	got_stop = 0;
	got_winch = 0;
	sigemptyset(&block);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, &old[i]);	/* no SA_RESTART: ppoll returns EINTR */
	}
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	waitmask = oldmask;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigdelset(&waitmask, sigs[i]);

	if (l->tty) {
		tty_size(l);
		frame_begin(l);
		fprintf(frame(l), "\033[?25l");	/* hide the cursor while redrawing */
	}
	ret = loop(l, &waitmask);
	if (l->tty) {
		fprintf(frame(l), "\033[?25h");
		frame_flush(l);
		if (l->fr)
			fclose(l->fr);
		free(l->fr_buf);
	}
	fflush(stdout);

	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	close(l->fd);
	if (l->done && addr && addr_size)
		snprintf(addr, addr_size, "%s", l->found);
	free(l);
	return ret;
}

int listen_opt(struct listen_opts *o, int argc, char **argv, int *i)
{
	const char *val;
	int r;

	if ((r = lv_opt(argc, argv, i, "--port", &val))) {
		if (r < 0) {
			fprintf(stderr, "%s: --port needs a value\n", o->prog);
			return -1;
		}
		if (!lv_parse_port(val, &o->port)) {
			fprintf(stderr, "%s: --port expects a UDP port 1..65535, not '%s'\n", o->prog, val);
			return -1;
		}
		return 1;
	}
	if ((r = lv_opt(argc, argv, i, "--timeout", &val))) {
		if (r < 0) {
			fprintf(stderr, "%s: --timeout needs a value\n", o->prog);
			return -1;
		}
		if (!lv_parse_seconds(val, &o->timeout_ms)) {
			fprintf(stderr, "%s: --timeout expects seconds (e.g. 30 or 0.5, at most 86400), not '%s'\n",
				o->prog, val);
			return -1;
		}
		return 1;
	}
	return 0;
}

int listen_main(int argc, char **argv)
{
	struct listen_opts o = {
		.prog = "failsafectl listen",
		.port = BEACON_UDP_PORT,
		.timeout_ms = -1,
	};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(listen_usage, stdout);
			return 0;
		} else if (!strcmp(a, "--once")) {
			o.once = true;
		} else if (!strcmp(a, "--json")) {
			o.json = true;
		} else if (!strcmp(a, "--plain")) {
			o.plain = true;
		} else if (!strcmp(a, "--no-address")) {
			o.no_address = true;
		} else if (!strcmp(a, "--interface") || !strcmp(a, "-i")) {
			if (++i >= argc) {
				fprintf(stderr, "%s: --interface needs a value\n", o.prog);
				return 2;
			}
			o.ifname = argv[i];
		} else if ((r = listen_opt(&o, argc, argv, &i))) {
			if (r < 0)
				return 2;
		} else {
			fprintf(stderr, "%s: unknown option or argument '%s' (see --help)\n", o.prog, a);
			return 2;
		}
	}
	if (o.json && o.plain) {
		fprintf(stderr, "%s: --json and --plain exclude each other\n", o.prog);
		return 2;
	}
	{
		struct hostaddr h = { 0 };
		int ret;

		if (!o.no_address)
			hostaddr_setup(&h, o.prog, o.ifname);
		ret = listen_run(&o, NULL, 0);
		hostaddr_undo(&h, o.prog);
		return ret;
	}
}
