/* hal/uart.c — consoles through the driver's ops, and the one table of rates termios supports */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers.h"
#include "log.h"
#include "uart.h"

static const struct {
	uint32_t baud;
	speed_t speed;
} rates[] = {
	{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 }, { 150, B150 }, { 200, B200 },
	{ 300, B300 }, { 600, B600 }, { 1200, B1200 }, { 1800, B1800 }, { 2400, B2400 },
	{ 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
	{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
#ifdef B500000
	{ 500000, B500000 },
#endif
#ifdef B576000
	{ 576000, B576000 },
#endif
#ifdef B921600
	{ 921600, B921600 },
#endif
#ifdef B1000000
	{ 1000000, B1000000 },
#endif
#ifdef B1152000
	{ 1152000, B1152000 },
#endif
#ifdef B1500000
	{ 1500000, B1500000 },
#endif
#ifdef B2000000
	{ 2000000, B2000000 },
#endif
#ifdef B2500000
	{ 2500000, B2500000 },
#endif
#ifdef B3000000
	{ 3000000, B3000000 },
#endif
#ifdef B3500000
	{ 3500000, B3500000 },
#endif
#ifdef B4000000
	{ 4000000, B4000000 },
#endif
};

speed_t hal_uart_speed(uint32_t baud)
{
	for (size_t i = 0; i < ARRAY_SIZE(rates); i++)
		if (rates[i].baud == baud)
			return rates[i].speed;
	return 0;
}

const char *hal_uart_rates(void)
{
	static char text[ARRAY_SIZE(rates) * 10];
	size_t n = 0;

	if (text[0])
		return text;
	for (size_t i = 0; i < ARRAY_SIZE(rates) && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%u", i ? ", " : "", rates[i].baud);
	return text;
}

int hal_uart_open(struct hal_uart *u, const struct hal_drivers *d, unsigned idx, const char *path)
{
	const struct board_console *c = &d->board->consoles[idx];
	int rc;

	memset(u, 0, sizeof(*u));
	u->ops = d->uart;
	u->drv = d->uart_drv;
	u->idx = idx;
	u->port.fd_in = u->port.fd_out = -1;
	if (!u->ops) {
		log_warn("board %s: console %s: no console driver", d->board->name, path ? path : c->tty);
		return -ENODEV;
	}
	rc = u->ops->open(u->drv, idx, c, path, &u->port);
	if (rc < 0) {
		log_warn("board %s: console %s: open: %s; no prompt and no console trigger there",
			 d->board->name, path ? path : c->tty, strerror(-rc));
		return rc;
	}
	u->open = true;
	return 0;
}

void hal_uart_release(struct hal_uart *u)
{
	if (u->open)
		u->ops->release(u->drv, u->idx, &u->port);
}

void hal_uart_close(struct hal_uart *u)
{
	if (!u->open)
		return;
	u->ops->close(u->drv, u->idx, &u->port);
	u->open = false;
}
