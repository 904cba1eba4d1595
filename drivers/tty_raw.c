/* drivers/tty_raw.c — one line discipline for real and simulated consoles: raw input, NL -> CR NL output */
#include <errno.h>

#include "tty_raw.h"

int tty_raw_enter(int fd, speed_t speed, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	*saved = t;
	cfmakeraw(&t);
	/* Lines a person reads: the terminal turns NL into CR NL for every writer, logs included. */
	t.c_oflag |= OPOST | ONLCR;
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)CRTSCTS;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (speed) {
		cfsetispeed(&t, speed);
		cfsetospeed(&t, speed);
	}
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

void tty_raw_leave(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSANOW, saved);
}
