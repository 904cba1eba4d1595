/* drivers/sim_board.c — simulated buttons, LEDs and console behind a control socket back door */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "io.h"
#include "log.h"
#include "sim_board.h"
#include "tty_raw.h"

#define EDGE_QUEUE 64
#define PATTERN_BYTES 24

struct sim_board {
	const struct board *board;
	char dir[108];
	int ctl_fd;                          /* back door datagram socket */
	int edge_fd;                         /* eventfd: readable while edges are queued */
	int log_fd;                          /* leds.log, O_APPEND */
	int pattern_fd;                      /* patterns.log, O_APPEND */
	unsigned faults;                     /* SIM_FAULT_* */
	bool high[BOARD_MAX_BUTTONS];        /* electrical level of each line */
	bool line_open[BOARD_MAX_BUTTONS];
	struct input_raw_edge queue[EDGE_QUEUE];
	unsigned q_head, q_len;
	bool led_level[LED_ROLE_COUNT];
	bool led_known[LED_ROLE_COUNT];
	char pattern[LED_ROLE_COUNT][PATTERN_BYTES];
	struct termios saved[BOARD_MAX_CONSOLES]; /* a terminal console's settings at open */
	bool saved_ok[BOARD_MAX_CONSOLES];
};

static const struct {
	const char *name;
	unsigned bit;
} faults[] = {
	{ "gpio", SIM_FAULT_GPIO },
	{ "gpio-read", SIM_FAULT_GPIO_READ },
	{ "led", SIM_FAULT_LED },
	{ "console", SIM_FAULT_CONSOLE },
	{ "netlink-enobufs", SIM_FAULT_NETLINK_ENOBUFS },
};

unsigned sim_fault_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
		if (!strcmp(faults[i].name, name))
			return faults[i].bit;
	return 0;
}

bool sim_board_take_enobufs(void *board)
{
	struct sim_board *s = board;

	if (!(s->faults & SIM_FAULT_NETLINK_ENOBUFS))
		return false;
	s->faults &= ~SIM_FAULT_NETLINK_ENOBUFS; /* the kernel reports an overflow once, then the queue again */
	return true;
}

int sim_board_button_bit(const struct board *b, const char *name)
{
	for (unsigned i = 0; i < b->n_buttons; i++)
		if (!strcmp(b->buttons[i].name, name))
			return (int)(1u << i);
	return -ENOENT;
}

static void queue_edge(struct sim_board *s, unsigned idx, bool high, uint64_t ts_ms)
{
	uint64_t one = 1;

	if (s->q_len == EDGE_QUEUE) { /* like a kernel event FIFO: the oldest is lost */
		s->q_head = (s->q_head + 1) % EDGE_QUEUE;
		s->q_len--;
	}
	s->queue[(s->q_head + s->q_len) % EDGE_QUEUE] = (struct input_raw_edge){ idx, high, ts_ms };
	s->q_len++;
	if (write(s->edge_fd, &one, sizeof(one)) < 0)
		log_debug("sim: eventfd write: %s", strerror(errno));
}

/* Pressing drives the line to the board's active level, as a switch to ground would. */
static void drive(struct sim_board *s, unsigned idx, bool pressed, uint64_t ts_ms)
{
	bool high = pressed != s->board->buttons[idx].active_low;

	if (s->high[idx] == high)
		return;
	s->high[idx] = high;
	if (s->line_open[idx])
		queue_edge(s, idx, high, ts_ms);
}

static size_t leds_reply(const struct sim_board *s, char *out, size_t size)
{
	size_t n = 0;

	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		const struct board_led *led = &s->board->leds[r];
		int m;

		if (!led->sysfs)
			continue;
		m = snprintf(out + n, size - n, "%s %s %s\n", board_led_role_name(r), led->sysfs,
			     s->pattern[r][0] ? s->pattern[r] : "off");
		if (m < 0 || (size_t)m >= size - n)
			break;
		n += (size_t)m;
	}
	return n;
}

static int command(struct sim_board *s, char *line, uint64_t ts_ms, char *reply, size_t size, size_t *len)
{
	char *verb = strtok(line, " \t"), *arg = strtok(NULL, " \t"), *arg2 = strtok(NULL, " \t");
	int bit;

	if (!verb)
		return 0;
	if (!strcmp(verb, "leds")) {
		*len += leds_reply(s, reply + *len, size - *len);
		return 0;
	}
	if (!strcmp(verb, "press") || !strcmp(verb, "release")) {
		bit = arg ? sim_board_button_bit(s->board, arg) : -ENOENT;
		if (bit < 0)
			return -ENOENT;
		drive(s, (unsigned)__builtin_ctz((unsigned)bit), verb[0] == 'p', ts_ms);
		return 0;
	}
	if (!strcmp(verb, "fault")) {
		unsigned knob = arg ? sim_fault_parse(arg) : 0;

		if (!knob || !arg2 || (strcmp(arg2, "on") && strcmp(arg2, "off")))
			return -EINVAL;
		if (!strcmp(arg2, "on"))
			s->faults |= knob;
		else
			s->faults &= ~knob;
		return 0;
	}
	return -EINVAL;
}

void sim_board_ready(void *ctx, uint64_t ts_ms)
{
	struct sim_board *s = ctx;

	for (;;) {
		char buf[2048], reply[1024];
		struct sockaddr_un from;
		socklen_t from_len = sizeof(from);
		size_t reply_len = 0;
		ssize_t n = recvfrom(s->ctl_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &from_len);
		char *save = NULL;

		if (n < 0)
			return;
		buf[n] = '\0';
		for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char copy[256];
			int rc;

			snprintf(copy, sizeof(copy), "%s", line);
			rc = command(s, line, ts_ms, reply, sizeof(reply), &reply_len);
			if (rc < 0) {
				int m = snprintf(reply + reply_len, sizeof(reply) - reply_len,
						 "error: %s: %s\n", copy,
						 rc == -ENOENT ? "no such button" : "unknown command");
				if (m > 0 && (size_t)m < sizeof(reply) - reply_len)
					reply_len += (size_t)m;
			}
		}
		if (!reply_len)
			reply_len = (size_t)snprintf(reply, sizeof(reply), "ok\n");
		if (from_len > sizeof(sa_family_t))
			sendto(s->ctl_fd, reply, reply_len, MSG_DONTWAIT, (struct sockaddr *)&from, from_len);
	}
}

int sim_board_fd(const struct sim_board *s)
{
	return s->ctl_fd;
}

int sim_board_open(struct sim_board **out, const struct board *b, const struct sim_board_config *o)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sim_board *s;
	char path[256];
	int rc;

	if (!o->dir || !o->dir[0])
		return -EINVAL;
	if (strlen(o->dir) + sizeof(SIM_CTL_SOCK) + 1 > sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->board = b;
	s->faults = o->faults;
	s->ctl_fd = s->edge_fd = s->log_fd = s->pattern_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", o->dir);
	/* A held button is wired like a pressed one: at the board's active level. */
	for (unsigned i = 0; i < b->n_buttons; i++)
		s->high[i] = ((o->held >> i) & 1) != b->buttons[i].active_low;

	if (mkdir(s->dir, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		goto out_free;
	}
	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%.*s/%s", (int)(sizeof(addr.sun_path) - 10),
			     s->dir, SIM_CTL_SOCK) >= sizeof(addr.sun_path)) {
		rc = -ENAMETOOLONG;
		goto out_free;
	}
	s->ctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->ctl_fd < 0) {
		rc = -errno;
		goto out_free;
	}
	/* A socket file nobody answers on is stale: replace it; a live one is another daemon's. */
	if (connect(s->ctl_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		rc = -EADDRINUSE;
		goto out_close;
	}
	unlink(addr.sun_path);
	close(s->ctl_fd);
	s->ctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->ctl_fd < 0 || bind(s->ctl_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		rc = -errno;
		goto out_close;
	}
	s->edge_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->edge_fd < 0) {
		rc = -errno;
		goto out_unlink;
	}
	snprintf(path, sizeof(path), "%s/%s", s->dir, SIM_LEDS_LOG);
	s->log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (s->log_fd < 0) {
		rc = -errno;
		goto out_unlink;
	}
	snprintf(path, sizeof(path), "%s/%s", s->dir, SIM_PATTERNS_LOG);
	s->pattern_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (s->pattern_fd < 0) {
		rc = -errno;
		goto out_unlink;
	}
	*out = s;
	return 0;

out_unlink:
	unlink(addr.sun_path);
	if (s->log_fd >= 0)
		close(s->log_fd);
	if (s->pattern_fd >= 0)
		close(s->pattern_fd);
out_close:
	if (s->edge_fd >= 0)
		close(s->edge_fd);
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
out_free:
	free(s);
	return rc;
}

void sim_board_free(struct sim_board *s)
{
	char path[256];

	if (!s)
		return;
	snprintf(path, sizeof(path), "%s/%s", s->dir, SIM_CTL_SOCK);
	unlink(path);
	close(s->ctl_fd);
	close(s->edge_fd);
	close(s->log_fd);
	close(s->pattern_fd);
	free(s);
}

/* ---- input lines ---- */

static int sim_open_line(void *drv, unsigned idx, const struct board_button *btn, char *why, size_t why_size)
{
	struct sim_board *s = drv;

	if (s->faults & SIM_FAULT_GPIO) {
		snprintf(why, why_size, "GPIO chip \"%s\" not found (simulated fault \"gpio\")", btn->chip);
		return -ENODEV;
	}
	s->line_open[idx] = true;
	return 0;
}

static int sim_get(void *drv, unsigned idx, bool *high)
{
	struct sim_board *s = drv;

	if (s->faults & SIM_FAULT_GPIO_READ)
		return -EIO;
	*high = s->high[idx];
	return 0;
}

static int sim_input_fd(void *drv)
{
	return ((struct sim_board *)drv)->edge_fd;
}

static int sim_read(void *drv, struct input_raw_edge *edges, size_t max)
{
	struct sim_board *s = drv;
	uint64_t count;
	size_t n = 0;

	if (read(s->edge_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return -errno;
	if (s->faults & SIM_FAULT_GPIO_READ) {
		s->q_len = 0;
		return -EIO;
	}
	while (n < max && s->q_len) {
		edges[n++] = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % EDGE_QUEUE;
		s->q_len--;
	}
	if (s->q_len) { /* more than max: stay readable */
		count = 1;
		if (write(s->edge_fd, &count, sizeof(count)) < 0)
			return -errno;
	}
	return (int)n;
}

static void sim_input_release(void *drv)
{
	struct sim_board *s = drv;

	memset(s->line_open, 0, sizeof(s->line_open));
}

const struct input_ops sim_input_ops = {
	.open_line = sim_open_line,
	.get = sim_get,
	.fd = sim_input_fd,
	.read = sim_read,
	.release = sim_input_release,
};

/* ---- LEDs ---- */

static int sim_led_open(void *drv, unsigned role, const struct board_led *led, bool off_level,
			char *why, size_t why_size)
{
	struct sim_board *s = drv;

	(void)led;
	(void)off_level; /* simulated LEDs are sysfs-like: no polarity, "unknown" until first set */
	if (s->faults & SIM_FAULT_LED) {
		snprintf(why, why_size, "%s (simulated fault \"led\")", strerror(EIO));
		return -EIO;
	}
	s->led_known[role] = false;
	return 0;
}

static int sim_led_set(void *drv, unsigned role, bool level)
{
	struct sim_board *s = drv;
	const char *name = s->board->leds[role].sysfs;
	char line[96];
	int n;

	if (s->faults & SIM_FAULT_LED)
		return -EIO;
	/* Roles that share a physical LED share its level. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (r == role || !board_led_same(&s->board->leds[r], &s->board->leds[role]))
			continue;
		s->led_known[r] = true;
		s->led_level[r] = level;
	}
	if (s->led_known[role] && s->led_level[role] == level)
		return 0;
	s->led_known[role] = true;
	s->led_level[role] = level;
	n = snprintf(line, sizeof(line), "%llu %s %d\n", (unsigned long long)hal_now_ms(), name, level);
	return io_write_all(s->log_fd, line, (size_t)n);
}

static void sim_led_pattern(void *drv, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	struct sim_board *s = drv;
	char line[96];
	int n;

	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (board_led_same(&s->board->leds[r], &s->board->leds[role]))
			led_pattern_text(on_ms, off_ms, s->pattern[r], PATTERN_BYTES);
	n = snprintf(line, sizeof(line), "%llu %s %s %s\n", (unsigned long long)hal_now_ms(),
		     board_led_role_name(role), s->board->leds[role].sysfs, s->pattern[role]);
	if ((n = io_write_all(s->pattern_fd, line, (size_t)n)) < 0)
		log_debug("sim: patterns.log: %s", strerror(-n));
}

static void sim_led_release(void *drv)
{
	(void)drv;
}

const struct led_ops sim_led_ops = {
	.open = sim_led_open,
	.set = sim_led_set,
	.pattern = sim_led_pattern,
	.release = sim_led_release,
};

/* ---- console: stdin/stdout, or a path (a pty in tests), with the real console's line discipline ---- */

/* Our own non-blocking description of fd: O_NONBLOCK on the fd itself would reach the shell sharing it. */
static int reopen(int fd, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

static int sim_uart_open(void *drv, unsigned idx, const struct board_console *c, const char *path,
			 struct uart_port *port)
{
	struct sim_board *s = drv;
	int in, out, rc;

	if (s->faults & SIM_FAULT_CONSOLE)
		return -ENOENT;
	if (!path && c->tty && strcmp(c->tty, "-"))
		path = c->tty;
	if (!path) {
		if ((in = reopen(STDIN_FILENO, O_RDONLY)) < 0)
			return in;
		if ((out = reopen(STDOUT_FILENO, O_WRONLY)) < 0) {
			close(in);
			return out;
		}
		*port = (struct uart_port){ .fd_in = in, .fd_out = out };
		snprintf(port->name, sizeof(port->name), "stdin/stdout");
	} else {
		in = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (in < 0)
			return -errno;
		*port = (struct uart_port){ .fd_in = in, .fd_out = in };
		snprintf(port->path, sizeof(port->path), "%s", path);
		snprintf(port->name, sizeof(port->name), "%s", path);
	}
	/* A terminal gets what a real UART gets: ^D, ^C and the like are bytes, the app echoes. */
	if (isatty(port->fd_in)) {
		rc = tty_raw_enter(port->fd_in, 0, &s->saved[idx]);
		if (rc < 0) {
			if (port->fd_out != port->fd_in)
				close(port->fd_out);
			close(port->fd_in);
			return rc;
		}
		s->saved_ok[idx] = true;
		port->echo = true;
	}
	return 0;
}

static void sim_uart_release(void *drv, unsigned idx, struct uart_port *port)
{
	struct sim_board *s = drv;

	if (s->saved_ok[idx])
		tty_raw_leave(port->fd_in, &s->saved[idx]);
}

static void sim_uart_close(void *drv, unsigned idx, struct uart_port *port)
{
	struct sim_board *s = drv;

	sim_uart_release(drv, idx, port);
	s->saved_ok[idx] = false;
	if (port->fd_out != port->fd_in)
		close(port->fd_out);
	close(port->fd_in);
	port->fd_in = port->fd_out = -1;
}

const struct uart_ops sim_uart_ops = {
	.open = sim_uart_open,
	.release = sim_uart_release,
	.close = sim_uart_close,
};
