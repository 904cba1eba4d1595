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
#include "log.h"
#include "sim_board.h"

#define EDGE_QUEUE 64
#define PATTERN_MAX 24

struct sim_board {
	const struct board *board;
	char dir[108];
	int ctl_fd;                          /* back door datagram socket */
	int edge_fd;                         /* eventfd: readable while edges are queued */
	int log_fd;                          /* leds.log, O_APPEND */
	int pattern_fd;                      /* patterns.log, O_APPEND */
	unsigned faults;                     /* HAL_FAULT_* */
	bool high[BOARD_MAX_BUTTONS];        /* electrical level of each line */
	bool line_open[BOARD_MAX_BUTTONS];
	struct input_raw_edge queue[EDGE_QUEUE];
	unsigned q_head, q_len;
	bool led_level[LED_ROLE_COUNT];
	bool led_known[LED_ROLE_COUNT];
	char pattern[LED_ROLE_COUNT][PATTERN_MAX];
	int stdin_flags;                     /* to restore O_NONBLOCK on stdin */
};

static int button_index(const struct sim_board *s, const char *name)
{
	for (unsigned i = 0; i < s->board->n_buttons; i++)
		if (!strcmp(s->board->buttons[i].name, name))
			return (int)i;
	return -1;
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

static void pattern_text(char *buf, uint32_t on_ms, uint32_t off_ms)
{
	if (on_ms == 0)
		snprintf(buf, PATTERN_MAX, "off");
	else if (off_ms == 0)
		snprintf(buf, PATTERN_MAX, "on");
	else
		snprintf(buf, PATTERN_MAX, "%u/%u", on_ms, off_ms);
}

static size_t leds_reply(const struct sim_board *s, char *out, size_t size)
{
	size_t n = 0;

	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		const struct board_led *led = &s->board->leds[r];
		int m;

		if (!led->sysfs)
			continue;
		m = snprintf(out + n, size - n, "%s %s %s\n", hal_led_role_name(r), led->sysfs,
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
	int idx;

	if (!verb)
		return 0;
	if (!strcmp(verb, "leds")) {
		*len += leds_reply(s, reply + *len, size - *len);
		return 0;
	}
	if (!strcmp(verb, "press") || !strcmp(verb, "release")) {
		idx = arg ? button_index(s, arg) : -1;
		if (idx < 0)
			return -ENOENT;
		drive(s, (unsigned)idx, verb[0] == 'p', ts_ms);
		return 0;
	}
	if (!strcmp(verb, "fault")) {
		unsigned bit = arg ? hal_fault_parse(arg) : 0;

		if (!bit || !arg2 || (strcmp(arg2, "on") && strcmp(arg2, "off")))
			return -EINVAL;
		if (!strcmp(arg2, "on"))
			s->faults |= bit;
		else
			s->faults &= ~bit;
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

int sim_board_open(struct sim_board **out, const struct board *b, const struct hal_options *o)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sim_board *s;
	char path[256];
	int rc;

	if (!o->sim_dir || !o->sim_dir[0])
		return -EINVAL;
	if (strlen(o->sim_dir) + sizeof(SIM_CTL_SOCK) + 1 > sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->board = b;
	s->faults = o->sim_faults;
	s->ctl_fd = s->edge_fd = s->log_fd = s->pattern_fd = -1;
	s->stdin_flags = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", o->sim_dir);
	for (unsigned i = 0; i < b->n_buttons; i++)
		s->high[i] = ((o->sim_held >> i) & 1) != b->buttons[i].active_low;

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
	snprintf(path, sizeof(path), "%s/%s", s->dir, SIM_PATTERNS_LOG);
	s->pattern_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (s->log_fd < 0 || s->pattern_fd < 0) {
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

void sim_board_close(struct sim_board *s)
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

static int sim_open_line(void *drv, unsigned idx, const struct board_button *btn)
{
	struct sim_board *s = drv;

	(void)btn;
	if (s->faults & HAL_FAULT_GPIO)
		return -ENODEV;
	s->line_open[idx] = true;
	return 0;
}

static int sim_get(void *drv, unsigned idx, bool *high)
{
	struct sim_board *s = drv;

	if (s->faults & HAL_FAULT_GPIO_READ)
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
	if (s->faults & HAL_FAULT_GPIO_READ) {
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

static void sim_input_close(void *drv)
{
	struct sim_board *s = drv;

	memset(s->line_open, 0, sizeof(s->line_open));
}

const struct input_ops sim_input_ops = {
	.open_line = sim_open_line,
	.get = sim_get,
	.fd = sim_input_fd,
	.read = sim_read,
	.close = sim_input_close,
};

/* ---- LEDs ---- */

static int sim_led_open(void *drv, unsigned role, const struct board_led *led)
{
	struct sim_board *s = drv;

	(void)led;
	if (s->faults & HAL_FAULT_LED)
		return -EIO;
	s->led_known[role] = false;
	return 0;
}

static int sim_led_set(void *drv, unsigned role, bool level)
{
	struct sim_board *s = drv;
	const char *name = s->board->leds[role].sysfs;
	char line[96];
	int n;

	if (s->faults & HAL_FAULT_LED)
		return -EIO;
	/* Roles that share a physical LED share its level. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		const char *other = s->board->leds[r].sysfs;

		if (r == role || !other || strcmp(other, name))
			continue;
		s->led_known[r] = true;
		s->led_level[r] = level;
	}
	if (s->led_known[role] && s->led_level[role] == level)
		return 0;
	s->led_known[role] = true;
	s->led_level[role] = level;
	n = snprintf(line, sizeof(line), "%llu %s %d\n", (unsigned long long)hal_now_ms(), name, level);
	if (write(s->log_fd, line, (size_t)n) != n)
		return -EIO;
	return 0;
}

static void sim_led_pattern(void *drv, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	struct sim_board *s = drv;
	char line[96];
	int n;

	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (s->board->leds[r].sysfs && !strcmp(s->board->leds[r].sysfs, s->board->leds[role].sysfs))
			pattern_text(s->pattern[r], on_ms, off_ms);
	n = snprintf(line, sizeof(line), "%llu %s %s %s\n", (unsigned long long)hal_now_ms(),
		     hal_led_role_name(role), s->board->leds[role].sysfs, s->pattern[role]);
	if (write(s->pattern_fd, line, (size_t)n) != n)
		log_debug("sim: patterns.log: %s", strerror(errno));
}

const struct led_ops sim_led_ops = {
	.open = sim_led_open,
	.set = sim_led_set,
	.pattern = sim_led_pattern,
};

/* ---- console: stdin/stdout, or a path (a pty in tests) ---- */

static int sim_uart_open(void *drv, const struct board_console *c, const char *path, struct uart_port *port)
{
	struct sim_board *s = drv;
	int fd;

	if (s->faults & HAL_FAULT_CONSOLE)
		return -ENOENT;
	if (!path && c->tty && strcmp(c->tty, "-"))
		path = c->tty;
	if (!path) {
		s->stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
		if (s->stdin_flags < 0 || fcntl(STDIN_FILENO, F_SETFL, s->stdin_flags | O_NONBLOCK) < 0)
			return -errno;
		*port = (struct uart_port){ .fd_in = STDIN_FILENO, .fd_out = STDOUT_FILENO };
		return 0;
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*port = (struct uart_port){ .fd_in = fd, .fd_out = fd };
	snprintf(port->path, sizeof(port->path), "%s", path);
	return 0;
}

static void sim_uart_release(void *drv, struct uart_port *port)
{
	struct sim_board *s = drv;

	if (port->fd_in == STDIN_FILENO && s->stdin_flags >= 0)
		fcntl(STDIN_FILENO, F_SETFL, s->stdin_flags);
}

static void sim_uart_close(void *drv, struct uart_port *port)
{
	sim_uart_release(drv, port);
	if (port->fd_in > STDERR_FILENO)
		close(port->fd_in);
	port->fd_in = port->fd_out = -1;
}

const struct uart_ops sim_uart_ops = {
	.open = sim_uart_open,
	.release = sim_uart_release,
	.close = sim_uart_close,
};
