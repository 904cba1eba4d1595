/* hal/uart.h — console UARTs: the driver contract */
#ifndef HAL_UART_H
#define HAL_UART_H

#include <stdbool.h>
#include <termios.h>

#include "board.h"

struct uart_port {
	int fd_in;              /* non-blocking, readable */
	int fd_out;             /* non-blocking, writable (may equal fd_in) */
	bool raw;               /* raw mode: the app echoes input and writes CR LF */
	char path[128];         /* device path for a shell's controlling terminal, "" for stdio */
	bool saved_ok;          /* saved holds the settings found at open */
	struct termios saved;   /* driver-private: given back on release */
};

struct uart_ops {
	/* Open console c (path overrides c->tty when non-NULL). 0 or -errno (-ENOENT, -EACCES, -EINVAL baud). */
	int (*open)(void *drv, const struct board_console *c, const char *path, struct uart_port *port);
	/* Give the port back as found (termios restored) before a shell takes it. */
	void (*release)(void *drv, struct uart_port *port);
	void (*close)(void *drv, struct uart_port *port);
};

#endif /* HAL_UART_H */
