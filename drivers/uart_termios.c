/* drivers/uart_termios.c — real console UARTs: open non-blocking, the console line discipline at the board's rate */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tty_raw.h"
#include "uart_termios.h"

struct uart_termios {
	struct termios saved[BOARD_MAX_CONSOLES];  /* settings found at open, per console */
	bool saved_ok[BOARD_MAX_CONSOLES];
};

int uart_termios_new(struct uart_termios **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void uart_termios_free(struct uart_termios *u)
{
	free(u);
}

static int ut_open(void *drv, unsigned idx, const struct board_console *c, const char *path,
		   struct uart_port *port)
{
	struct uart_termios *u = drv;
	speed_t speed = hal_uart_speed(c->baud);
	const char *name = path ? path : c->tty;
	char dev[128];
	int fd, rc;

	if (!speed)
		return -EINVAL;
	if (!path) {
		snprintf(dev, sizeof(dev), c->tty[0] == '/' ? "%s" : "/dev/%s", c->tty);
		path = dev;
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = tty_raw_enter(fd, speed, &u->saved[idx]);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	u->saved_ok[idx] = true;
	port->fd_in = port->fd_out = fd;
	port->echo = true;
	snprintf(port->path, sizeof(port->path), "%s", path);
	snprintf(port->name, sizeof(port->name), "%s", name);
	return 0;
}

static void ut_release(void *drv, unsigned idx, struct uart_port *port)
{
	struct uart_termios *u = drv;

	if (u->saved_ok[idx])
		tty_raw_leave(port->fd_in, &u->saved[idx]);
}

static void ut_close(void *drv, unsigned idx, struct uart_port *port)
{
	struct uart_termios *u = drv;

	ut_release(drv, idx, port);
	u->saved_ok[idx] = false;
	close(port->fd_in);
	port->fd_in = port->fd_out = -1;
}

const struct uart_ops uart_termios_ops = {
	.open = ut_open,
	.release = ut_release,
	.close = ut_close,
};
