/* drivers/uart_termios.c — real console UARTs: open non-blocking, raw 8N1 at the board's baud, restore on release */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "uart_termios.h"

static speed_t baud_to_speed(uint32_t baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	case 460800: return B460800;
	case 921600: return B921600;
	case 1500000: return B1500000;
	default: return 0;
	}
}

static int ut_open(void *drv, const struct board_console *c, const char *path, struct uart_port *port)
{
	char dev[128];
	struct termios t;
	speed_t speed = baud_to_speed(c->baud);
	int fd;

	(void)drv;
	if (!speed)
		return -EINVAL;
	if (!path) {
		snprintf(dev, sizeof(dev), c->tty[0] == '/' ? "%s" : "/dev/%s", c->tty);
		path = dev;
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &t) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	port->saved = t;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(unsigned)CRTSCTS;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, speed);
	cfsetospeed(&t, speed);
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	port->fd_in = port->fd_out = fd;
	port->raw = true;
	port->saved_ok = true;
	snprintf(port->path, sizeof(port->path), "%s", path);
	return 0;
}

static void ut_release(void *drv, struct uart_port *port)
{
	(void)drv;
	/* TCSANOW: waiting for a slow UART to drain would block the loop. */
	if (port->saved_ok)
		tcsetattr(port->fd_in, TCSANOW, &port->saved);
}

static void ut_close(void *drv, struct uart_port *port)
{
	ut_release(drv, port);
	port->saved_ok = false;
	close(port->fd_in);
	port->fd_in = port->fd_out = -1;
}

const struct uart_ops uart_termios_ops = {
	.open = ut_open,
	.release = ut_release,
	.close = ut_close,
};
