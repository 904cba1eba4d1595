/* hal/uart.h — console UARTs: the driver contract and the HAL (one line discipline for every driver) */
#ifndef HAL_UART_H
#define HAL_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "board.h"

struct hal_drivers;

struct uart_port {
	int fd_in;              /* non-blocking, readable */
	int fd_out;             /* non-blocking, writable (may equal fd_in) */
	bool echo;              /* the line discipline does not echo: the app echoes what a person types */
	char path[128];         /* device path for a shell's controlling terminal, "" for stdin/stdout */
	char name[64];          /* for logs: "ttyS0", "/dev/pts/3", "stdin/stdout" */
};

/*
 * What a UART driver provides. Every driver applies the same line
 * discipline to a terminal: input raw (no canonical mode, no echo, no
 * signal keys, no EOF key: ^D is a byte like any other), output with
 * NL -> CR NL, and gives the port back as it found it.
 */
struct uart_ops {
	/* Open console idx; path overrides c->tty when non-NULL. 0 or -errno (-ENOENT, -EACCES, -EINVAL rate). */
	int (*open)(void *drv, unsigned idx, const struct board_console *c, const char *path,
		    struct uart_port *port);
	/* Give the port back as found (termios restored) before a shell takes it. */
	void (*release)(void *drv, unsigned idx, struct uart_port *port);
	/* Release and close. */
	void (*close)(void *drv, unsigned idx, struct uart_port *port);
};

/* The HAL view of one console. */
struct hal_uart {
	const struct uart_ops *ops;
	void *drv;
	unsigned idx;
	bool open;
	struct uart_port port;
};

/*
 * Open the board's console idx (path: an override, e.g. a pty in tests).
 * A failure is logged once with the board and device. 0 or -errno.
 */
int hal_uart_open(struct hal_uart *u, const struct hal_drivers *d, unsigned idx, const char *path);
/* Give the port back as found before a shell takes it (the fds stay open). */
void hal_uart_release(struct hal_uart *u);
void hal_uart_close(struct hal_uart *u);

/* The termios speed for a rate in baud, or 0 when termios has none. */
speed_t hal_uart_speed(uint32_t baud);
/* Every rate hal_uart_speed() accepts, as text for messages: "50, 75, ..., 4000000". */
const char *hal_uart_rates(void);

#endif /* HAL_UART_H */
