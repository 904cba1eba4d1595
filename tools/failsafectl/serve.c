/* tools/failsafectl/serve.c — failsafectl serve: check an image, then send it whole to each board that connects over TCP, with progress */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>		/* struct tcp_info with tcpi_bytes_acked; glibc's lacks it */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "failsafectl.h"
#include "fwimage.h"
#include "hostnet.h"
#include "imagefile.h"
#include "listen_view.h"
#include "progress.h"

#define PROG			"failsafectl serve"
#define DEFAULT_PORT		3333
#define MAX_CLIENTS		32		/* transfers at once; more are refused */
#define SEND_BUDGET_BYTES	(512 * 1024)	/* per client per wakeup, so one cannot starve another */
#define TICK_MS			100		/* live bars: at most 10 redraws a second */
#define PLAIN_EVERY_MS		1000		/* progress lines off a terminal: at most one a second */
#define ACK_POLL_MS		5		/* after a board's EOF, until it acknowledged every byte */
#define STALL_MS		60000		/* a board that acknowledges nothing this long is dropped */
#define TCPI_STATE_CLOSE	7		/* tcpi_state TCP_CLOSE (include/net/tcp_states.h; not in the uAPI) */
#define LINE_BYTES		512
#define LABEL_BYTES		(INET6_ADDRSTRLEN + 8)

enum { OPT_HELP, OPT_PORT, OPT_BIND, OPT_ONCE, OPT_COUNT, OPT_TIMEOUT, OPT_PLAIN };

static const struct args_opt opts[] = {
	{ "--port", 'p', "PORT", "TCP port to listen on (default 3333)", OPT_PORT },
	{ "--bind", 0, "ADDR", "local address to listen on (default 0.0.0.0: every address)", OPT_BIND },
	{ "--once", 0, NULL, "exit 0 after the first complete transfer", OPT_ONCE },
	{ "--count", 0, "N", "exit 0 after N complete transfers", OPT_COUNT },
	{ "--timeout", 0, "SECONDS", "exit 1 if no transfer completed within SECONDS (e.g. 60, 0.5)", OPT_TIMEOUT },
	{ "--plain", 0, NULL, "progress as plain lines even on a terminal", OPT_PLAIN },
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: failsafectl serve IMAGE [--port PORT] [--bind ADDR] [--once | --count N]\n"
		 "                         [--timeout SECONDS] [--plain]\n"
		 "Check IMAGE (OpenWrt sysupgrade metadata: CRC, board list, version, SHA-256), then\n"
		 "send it whole to each board that connects over TCP, and close. On the board:\n"
		 "  sysupgrade tcp://HOST:3333              (failsafed's sysupgrade)\n"
		 "  nc HOST 3333 > /tmp/fw.bin              (any nc, then sysupgrade /tmp/fw.bin)\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer =
		"A broken image (bad CRC, truncated, ...) is refused before listening. An image without\n"
		"metadata is served with a warning: a board takes it only with sysupgrade -F --sha256\n"
		"(the command is printed). Several boards at once are served side by side.\n"
		"\n"
		"The image's details go to standard output; per board progress (a live bar on a\n"
		"terminal, a line a second otherwise) and one final line per board to standard error:\n"
		"  192.168.1.1: sent 64.0 MiB in 0.41 s (156 MiB/s), done\n"
		"\"done\" means the board acknowledged every byte and closed. With --once or --count\n"
		"no new board is accepted once enough transfers completed; those under way finish\n"
		"first. Ctrl-C (SIGINT, SIGTERM) stops at once with a summary line.\n"
		"Exit status: 0 ok (Ctrl-C included, unless --once/--count was not reached), 1 broken\n"
		"image, no transfer within --timeout, or an error, 2 bad usage.\n",
};

struct serve_args {
	const char *image;
	unsigned port;
	const char *bind;
	unsigned long count;		/* 0: until Ctrl-C */
	int timeout_ms;			/* < 0: none */
	bool plain;
	bool help;
};

enum client_state { CLIENT_SENDING, CLIENT_DRAINING };

struct client {
	int fd;
	enum client_state state;
	bool eof;			/* the board shut its side (nc does at the end of its stdin) */
	char label[LABEL_BYTES];	/* "192.168.1.1", or with ":port" when that address has two */
	off_t sent;			/* bytes handed to the kernel */
	uint64_t acked_base;		/* tcpi_bytes_acked at accept (the SYN may count) */
	uint64_t acked;			/* bytes the board acknowledged (sent when TCP_INFO lacks it) */
	uint64_t start_ms, moved_ms, line_ms;
};

struct server {
	const struct serve_args *a;
	int image_fd, listen_fd;
	uint64_t size;			/* bytes checked, and served */
	struct stat st;			/* of the checked image: a change is noticed */
	char host[INET6_ADDRSTRLEN];	/* for the hints: where boards reach us */
	struct client c[MAX_CLIENTS];
	size_t n;
	unsigned long done, lost, refused;
	bool tty, replaced_said;
	int cols;
	int drawn;			/* bar lines on screen */
	uint64_t drawn_ms;
	bool dirty;			/* an event line waits to be shown */
	FILE *fr;			/* the terminal frame being built */
	char *fr_buf;
	size_t fr_len;
};

static volatile sig_atomic_t got_stop, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_stop = 1;
}

static int on_opt(void *ctx, int id, const char *v, char *err, size_t err_size)
{
	struct serve_args *a = ctx;
	long n;

	switch (id) {
	case OPT_HELP:
		a->help = true;
		return ARGS_STOP;
	case OPT_PORT:
		if (args_number(v, 1, 65535, &n, err, err_size))
			return -EINVAL;
		a->port = (unsigned)n;
		return 0;
	case OPT_BIND:
		a->bind = v;
		return 0;
	case OPT_ONCE:
		a->count = 1;
		return 0;
	case OPT_COUNT:
		if (args_number(v, 1, 1000000, &n, err, err_size))
			return -EINVAL;
		a->count = (unsigned long)n;
		return 0;
	case OPT_TIMEOUT:
		if (!lv_parse_seconds(v, &a->timeout_ms)) {
			snprintf(err, err_size, "expects seconds (e.g. 60 or 0.5, at most 86400), not '%s'", v);
			return -EINVAL;
		}
		return 0;
	case OPT_PLAIN:
		a->plain = true;
		return 0;
	case ARGS_OPERAND:
		if (a->image) {
			snprintf(err, err_size, "one IMAGE only (already have '%s')", a->image);
			return -EINVAL;
		}
		a->image = v;
		return 0;
	default:
		snprintf(err, err_size, "unexpected argument");
		return -EINVAL;
	}
}

/* ---- the image: checked once, before listening ---- */

/* Check IMAGE (imagefile.c). 0 when it may be served; 1 after saying why not. */
static int check_image(struct server *s, struct fwimage_info *info)
{
	char hex[FWIMAGE_SHA256_HEX_BYTES];

	if (imagefile_check(PROG, s->a->image, "not serving it", &got_stop, &s->image_fd, &s->st, info))
		return 1;
	s->size = info->total_bytes;
	if (!info->has_metadata) {
		fwimage_sha256_hex(info->image_sha256, hex);
		fprintf(stderr, "%s: warning: %s has no OpenWrt metadata (no board list, no CRC): a board takes "
			"it only when forced and given its hash. On the board:\n  sysupgrade -F --sha256 %s "
			"tcp://%s:%u\n", PROG, s->a->image, hex, s->host, s->a->port);
	}
	return 0;
}

/* ---- listening ---- */

static int parse_bind(const struct serve_args *a, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!a->bind || inet_pton(AF_INET, a->bind, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)a->port);
		if (!a->bind)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, a->bind, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)a->port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static int open_listener(struct server *s)
{
	const struct serve_args *a = s->a;
	struct sockaddr_storage ss;
	socklen_t len;
	char addrs[256];
	int one = 1, fd, err;

	if (parse_bind(a, &ss, &len) < 0) {
		fprintf(stderr, "%s: --bind %s: not an IPv4 or IPv6 address\n", PROG, a->bind);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: TCP socket: %s\n", PROG, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		fprintf(stderr, "%s: SO_REUSEADDR: %s\n", PROG, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == 0 && listen(fd, 16) == 0)
		return fd;
	err = errno;
	close(fd);
	if (err == EADDRINUSE) {
		fprintf(stderr, "%s: port %u is in use: another serve running? try --port\n", PROG, a->port);
	} else if (err == EADDRNOTAVAIL) {
		hostnet_local_addrs(addrs, sizeof(addrs), NULL, 0);
		fprintf(stderr, "%s: --bind %s: not an address of this host (it has: %s); leave --bind out "
			"to listen on all\n", PROG, a->bind, addrs[0] ? addrs : "no IPv4 address but loopback");
	} else if (err == EACCES) {
		fprintf(stderr, "%s: port %u: %s (ports below 1024 need root; the default is %d)\n", PROG, a->port,
			strerror(err), DEFAULT_PORT);
	} else {
		fprintf(stderr, "%s: listening on port %u: %s\n", PROG, a->port, strerror(err));
	}
	return -1;
}

/* ---- output: event lines, and live bars on a terminal ---- */

static FILE *out(struct server *s)
{
	return s->fr ? s->fr : stderr;
}

static void tty_erase(struct server *s)
{
	if (s->drawn)
		fprintf(out(s), "\r\033[%dA\033[J", s->drawn);
	s->drawn = 0;
}

/* A line that stays (connected, done, lost): above the bars on a terminal. */
__attribute__((format(printf, 2, 3)))
static void event(struct server *s, const char *fmt, ...)
{
	va_list ap;

	if (s->tty)
		tty_erase(s);
	va_start(ap, fmt);
	vfprintf(out(s), fmt, ap);
	va_end(ap);
	fputc('\n', out(s));
	s->dirty = true;
}

/*
 * Off a terminal: "192.168.1.1: 26.2 MiB of 64.0 MiB (41%), 150 MiB/s, 0.30 s left";
 * a bar: "192.168.1.1     [#####.....]  41%  26.2 MiB / 64.0 MiB  150 MiB/s  ETA 0.30 s" in width columns.
 */
static void client_progress_text(const struct server *s, const struct client *c, uint64_t now, char *buf,
				 size_t size, bool bar, int width)
{
	progress_text(buf, size, c->label, c->acked, s->size, now - c->start_ms, bar, width,
		      c->state == CLIENT_DRAINING ? ", all sent, waiting for the board" : NULL);
}

static void tty_draw(struct server *s, uint64_t now)
{
	char line[LINE_BYTES];
	int width = s->cols - 1;

	tty_erase(s);
	for (size_t i = 0; i < s->n; i++) {
		int len;

		client_progress_text(s, &s->c[i], now, line, sizeof(line), true, width);
		len = (int)strlen(line);
		fprintf(out(s), "%.*s\n", len < s->cols ? len : s->cols - 1, line);
		s->drawn++;
	}
	s->drawn_ms = now;
}

static void frame_flush(struct server *s)
{
	if (s->fr) {
		fclose(s->fr);
		fwrite(s->fr_buf, 1, s->fr_len, stderr);
		free(s->fr_buf);
		s->fr_buf = NULL;
		s->fr = NULL;
	}
	fflush(stderr);
	if (s->tty)
		s->fr = open_memstream(&s->fr_buf, &s->fr_len);
}

static void tty_size(struct server *s)
{
	struct winsize ws;

	s->cols = 80;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		s->cols = ws.ws_col;
}

/* ---- clients ---- */

/* The bytes the peer acknowledged so far; *ok false when the kernel does not say. */
static uint64_t tcp_acked(int fd, bool *ok)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	*ok = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0
	      && len >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked);
	return *ok ? ti.tcpi_bytes_acked : 0;
}

/* The connection was reset or timed out: the kernel closed it under us. */
static bool tcp_closed(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == TCPI_STATE_CLOSE;
}

/* Refresh c->acked; true when the board acknowledged our FIN too (it has every byte). */
static bool client_update(struct server *s, struct client *c, uint64_t now)
{
	bool ok;
	uint64_t raw = tcp_acked(c->fd, &ok), got;

	got = ok ? (raw > c->acked_base ? raw - c->acked_base : 0) : (uint64_t)c->sent;
	if (got > c->acked)
		c->moved_ms = now;
	c->acked = got > s->size ? s->size : got;
	return ok && c->state == CLIENT_DRAINING && got > s->size;
}

static void client_close(struct server *s, struct client *c)
{
	close(c->fd);
	*c = s->c[--s->n];
}

static void client_done(struct server *s, struct client *c, uint64_t now)
{
	char label[LABEL_BYTES + 8], line[LINE_BYTES];

	snprintf(label, sizeof(label), "%s: sent", c->label);
	progress_done_text(line, sizeof(line), label, s->size, now - c->start_ms);
	event(s, "%s, done", line);
	s->done++;
	client_close(s, c);
}

static void client_lost(struct server *s, struct client *c, const char *why)
{
	char got[32];

	mkimage_size_text(got, sizeof(got), c->acked);
	event(s, "%s: connection lost after %s (%s)", c->label, got, why);
	s->lost++;
	client_close(s, c);
}

/* An error or EOF on a board's socket: it got everything (done) or it did not (lost). */
static void client_ended(struct server *s, struct client *c, uint64_t now, const char *why)
{
	client_update(s, c, now);
	if (c->state == CLIENT_DRAINING && c->acked >= s->size)
		client_done(s, c, now);
	else
		client_lost(s, c, why);
}

static void client_send(struct server *s, struct client *c, uint64_t now)
{
	size_t budget = SEND_BUDGET_BYTES;

	while (budget && (uint64_t)c->sent < s->size) {
		uint64_t left = s->size - (uint64_t)c->sent;
		ssize_t n = sendfile(c->fd, s->image_fd, &c->sent, left < budget ? (size_t)left : budget);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			client_ended(s, c, now, strerror(errno));
			return;
		}
		if (!n) {
			client_lost(s, c, "the image file shrank while serving");
			return;
		}
		budget -= (size_t)n;
	}
	if ((uint64_t)c->sent == s->size) {
		/* EOF for the board: nc and sysupgrade read until it. */
		shutdown(c->fd, SHUT_WR);
		c->state = CLIENT_DRAINING;
	}
}

/*
 * All sent: discard whatever the board says and wait until it has every
 * byte. Its EOF is not the end: busybox nc half-closes as soon as its stdin
 * ends. After EOF both directions are shut and poll would report POLLHUP
 * without end, so tick() watches the socket instead: the acknowledgement of
 * our FIN, or the kernel closing it (reset, timeout).
 */
static void client_drain(struct server *s, struct client *c, uint64_t now)
{
	char buf[4096];
	bool ok;

	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			client_ended(s, c, now, strerror(errno));
			return;
		}
		tcp_acked(c->fd, &ok);
		if (client_update(s, c, now) || !ok)
			client_done(s, c, now);	/* without TCP_INFO its close is the best sign */
		else
			c->eof = true;
		return;
	}
}

static void label(struct server *s, struct client *c, const struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		port = ntohs(sin6->sin6_port);
		if (!strncmp(a, "::ffff:", 7) && strchr(a, '.'))
			memmove(a, a + 7, strlen(a + 7) + 1);
	}
	snprintf(c->label, sizeof(c->label), "%s", a);
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].label, a)) {
			snprintf(c->label, sizeof(c->label), "%s:%u", a, port);
			break;
		}
}

/* The checked image must still be what is sent: same size and time, in the file we hold. */
static bool image_unchanged(struct server *s)
{
	struct stat named;

	if (!imagefile_unchanged(s->image_fd, &s->st))
		return false;
	if (!s->replaced_said && stat(s->a->image, &named) == 0
	    && (named.st_ino != s->st.st_ino || named.st_dev != s->st.st_dev)) {
		event(s, "%s: note: %s was replaced on disk; still serving the image checked at start "
		      "(restart serve for the new one)", PROG, s->a->image);
		s->replaced_said = true;
	}
	return true;
}

static void accept_all(struct server *s, uint64_t now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct client c;
		char size[32];
		bool ok;
		int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				event(s, "%s: accept: %s", PROG, strerror(errno));
			return;
		}
		c = (struct client){ .fd = fd, .start_ms = now, .moved_ms = now, .line_ms = now };
		label(s, &c, &ss);
		if (s->n == MAX_CLIENTS || !image_unchanged(s)) {
			event(s, "%s: refused: %s", c.label, s->n == MAX_CLIENTS ?
			      "too many transfers under way" : "the image changed on disk since it was checked "
			      "(restart serve to check it again)");
			s->refused++;
			close(fd);
			continue;
		}
		c.acked_base = tcp_acked(fd, &ok);
		s->c[s->n++] = c;
		mkimage_size_text(size, sizeof(size), s->size);
		event(s, "%s: connected, sending %s", c.label, size);
	}
}

/* ---- the loop ---- */

static void tick(struct server *s, uint64_t now)
{
	char line[LINE_BYTES];

	for (size_t i = 0; i < s->n;) {
		struct client *c = &s->c[i];

		if (client_update(s, c, now)) {
			client_done(s, c, now);	/* all acknowledged; the board keeps its socket open */
			continue;
		}
		if (c->eof && tcp_closed(c->fd)) {
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			client_lost(s, c, strerror(err ? err : ECONNRESET));
			continue;
		}
		if (now - c->moved_ms >= STALL_MS) {
			client_lost(s, c, "stalled: nothing acknowledged for 60 s");
			continue;
		}
		if (!s->tty && now - c->line_ms >= PLAIN_EVERY_MS) {
			client_progress_text(s, c, now, line, sizeof(line), false, 0);
			event(s, "%s", line);
			c->line_ms = now;
		}
		i++;
	}
}

static int run(struct server *s, const sigset_t *waitmask)
{
	const struct serve_args *a = s->a;
	uint64_t start = hal_now_ms(), deadline = a->timeout_ms >= 0 ? start + (uint64_t)a->timeout_ms : 0;
	struct pollfd pfd[MAX_CLIENTS + 1];
	char secs[32];

	for (;;) {
		uint64_t now = hal_now_ms();
		struct timespec ts, *tsp = NULL;
		size_t nfd = 0;
		bool waiting_ack = false;
		int r;

		tick(s, now);
		if (a->count && s->done >= a->count && s->listen_fd >= 0) {
			close(s->listen_fd);	/* enough: no new board, those under way finish */
			s->listen_fd = -1;
		}
		if (s->tty && (s->dirty || now - s->drawn_ms >= TICK_MS || got_winch)) {
			if (got_winch) {
				got_winch = 0;
				tty_size(s);
			}
			tty_draw(s, now);
		}
		if (s->dirty || s->tty) {
			frame_flush(s);
			s->dirty = false;
		}
		if (got_stop || (s->listen_fd < 0 && !s->n))
			break;
		if (deadline && !s->done && now >= deadline) {
			progress_secs_text(secs, sizeof(secs), a->timeout_ms / 1000.0);
			event(s, "%s: no transfer completed within %s (on the board: nc %s %u > /tmp/fw.bin)", PROG,
			      secs, s->host, a->port);
			return 1;
		}
		if (s->listen_fd >= 0)
			pfd[nfd++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < s->n; i++) {
			const struct client *c = &s->c[i];

			/* after the board's EOF, tick() watches it (a negative fd is skipped) */
			pfd[nfd++] = (struct pollfd){ .fd = c->eof ? -1 : c->fd,
				.events = c->state == CLIENT_SENDING ? POLLOUT : POLLIN };
			waiting_ack |= c->eof;
		}
		if (s->n || s->tty) {
			/* no event says "our FIN was acknowledged": look often while a board is that close */
			ts = (struct timespec){ .tv_nsec = (waiting_ack ? ACK_POLL_MS : TICK_MS) * 1000000L };
			tsp = &ts;
		} else if (deadline && !s->done) {
			ts.tv_sec = (time_t)((deadline - now) / 1000);
			ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000L;
			tsp = &ts;
		}
		r = ppoll(pfd, nfd, tsp, waitmask);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", PROG, strerror(errno));
			return 1;
		}
		if (r <= 0)
			continue;
		now = hal_now_ms();
		/* Clients by fd: the array moves when one ends. */
		for (size_t k = 0; k < nfd; k++) {
			if (!pfd[k].revents)
				continue;
			if (pfd[k].fd == s->listen_fd) {
				accept_all(s, now);
				continue;
			}
			for (size_t i = 0; i < s->n; i++) {
				if (s->c[i].fd != pfd[k].fd)
					continue;
				if (s->c[i].state == CLIENT_SENDING)
					client_send(s, &s->c[i], now);
				else
					client_drain(s, &s->c[i], now);
				break;
			}
		}
	}
	return 0;
}

/* Clients cut by Ctrl-C, then one line for the whole run. */
static void summary(struct server *s, uint64_t start_ms)
{
	char got[32], secs[32];

	while (s->n) {
		struct client *c = &s->c[0];

		client_update(s, c, hal_now_ms());
		mkimage_size_text(got, sizeof(got), c->acked);
		event(s, "%s: interrupted after %s", c->label, got);
		client_close(s, c);
		s->lost++;
	}
	progress_secs_text(secs, sizeof(secs), (double)(hal_now_ms() - start_ms) / 1000);
	event(s, "%s: %lu transfer%s done, %lu lost%s, in %s", PROG, s->done, s->done == 1 ? "" : "s", s->lost,
	      s->refused ? ", some refused" : "", secs);
}

static void hints(const struct server *s, const struct fwimage_info *info)
{
	char addrs[256], hex[FWIMAGE_SHA256_HEX_BYTES];

	hostnet_local_addrs(addrs, sizeof(addrs), NULL, 0);
	printf("%s: serving %s on %s:%u (this host: %s); Ctrl-C stops\n", PROG, s->a->image,
	       s->a->bind ? s->a->bind : "0.0.0.0", s->a->port, addrs[0] ? addrs : "no IPv4 address");
	fwimage_sha256_hex(info->image_sha256, hex);
	if (info->has_metadata)
		printf("on the board: sysupgrade tcp://%s:%u\n", s->host, s->a->port);
	else
		printf("on the board: sysupgrade -F --sha256 %s tcp://%s:%u\n", hex, s->host, s->a->port);
	printf("          or: nc %s %u > /tmp/fw.bin && sha256sum /tmp/fw.bin   (%s)\n", s->host, s->a->port, hex);
	fflush(stdout);
}

static int serve(struct server *s)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	struct sigaction sa = { .sa_handler = on_signal }, old[sizeof(sigs) / sizeof(sigs[0])], oldpipe;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct fwimage_info *info = malloc(sizeof(*info));
	sigset_t block, oldmask, waitmask;
	uint64_t start;
	int rc = 1;

	if (!info) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	if (s->a->bind)
		snprintf(s->host, sizeof(s->host), "%s", s->a->bind);
	else
		hostnet_local_addrs((char[256]){ 0 }, 256, s->host, sizeof(s->host));
	if (!s->host[0])
		snprintf(s->host, sizeof(s->host), "HOST");
	if (check_image(s, info))
		goto out;
	imagefile_check_sum(PROG, s->a->image, info);
	fflush(stdout);
	s->listen_fd = open_listener(s);
	if (s->listen_fd < 0)
		goto out;
	hints(s, info);

	sigemptyset(&block);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, &old[i]);	/* no SA_RESTART: ppoll returns EINTR */
	}
	sigaction(SIGPIPE, &ign, &oldpipe);		/* a board gone mid-send is an EPIPE, not a death */
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	waitmask = oldmask;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(&waitmask, sigs[i]);
	s->tty = !s->a->plain && isatty(STDERR_FILENO);
	if (s->tty) {
		tty_size(s);
		s->fr = open_memstream(&s->fr_buf, &s->fr_len);
	}

	start = hal_now_ms();
	rc = run(s, &waitmask);
	if (s->a->count && s->done < s->a->count)
		rc = 1;
	if (s->tty)
		tty_erase(s);
	summary(s, start);
	if (s->fr) {
		fclose(s->fr);
		fwrite(s->fr_buf, 1, s->fr_len, stderr);
		free(s->fr_buf);
		s->fr = NULL;
	}
	fflush(stderr);

	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
out:
	if (s->image_fd >= 0)
		close(s->image_fd);
	free(info);
	return rc;
}

int serve_main(int argc, char **argv)
{
	struct serve_args a = { .port = DEFAULT_PORT, .timeout_ms = -1 };
	struct server *s;
	char err[256], *help;
	int rc;

	if (args_parse(&spec, argc, argv, on_opt, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return 2;
	}
	if (a.help) {
		help = malloc(8192);
		if (!help)
			return 1;
		args_usage(&spec, help, 8192);
		fputs(help, stdout);
		free(help);
		return 0;
	}
	if (!a.image) {
		fprintf(stderr, "%s: no IMAGE given: the firmware image to serve (see --help)\n", PROG);
		return 2;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	s->a = &a;
	s->image_fd = s->listen_fd = -1;
	got_stop = got_winch = 0;
	rc = serve(s);
	free(s);
	return rc;
}
