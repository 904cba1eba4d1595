/* app/login/console.h — a console UART: prompts out, lines in, and the failsafe login shell on it */
#ifndef APP_CONSOLE_H
#define APP_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "console_line.h"
#include "loop.h"
#include "outbuf.h"
#include "uart.h"

#define CONSOLE_OUT_BYTES 4096 /* output kept while the port is slow; more is dropped, never blocks */

struct console;
typedef void (*console_line_cb)(struct console *c, const char *line, size_t len);

struct console {
	struct loop_fd rx;               /* fd_in, LOOP_READ */
	struct loop_fd tx;               /* fd_out, LOOP_WRITE while output is pending */
	struct loop_child child;         /* the login shell */
	struct loop_timer restart;       /* shell restart back-off */
	struct hal_uart uart;
	bool reading;
	struct console_line line;
	bool echo_after_cr;              /* the last byte echoed was CR: its LF is not echoed again */
	console_line_cb on_line;
	struct outbuf out;
	uint8_t out_storage[CONSOLE_OUT_BYTES];
	char *const *shell_argv;
	uint64_t shell_started_ms;
	unsigned quick_exits;            /* shells that died at once, for back-off */
};

/* Open the board's console idx (path: an override). 0 or -errno (logged once by the HAL). */
int console_open(struct console *c, const struct hal_drivers *d, unsigned idx, const char *path,
		 console_line_cb on_line);
/* Queue text. Never blocks; overflow is dropped and counted. */
void console_print(struct console *c, const char *text);
/* Stop reading and run argv as a login shell on this console, restarted whenever it exits. */
void console_shell(struct console *c, char *const *argv);
/* Try once to write what is queued (before exit or exec). */
void console_flush(struct console *c);
/* Hang up the shell, give the port back and close it. */
void console_close(struct console *c);

#endif /* APP_CONSOLE_H */
