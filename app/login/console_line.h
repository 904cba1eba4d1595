/* app/login/console_line.h — console input to lines: CR, LF, CR LF end a line; overlong lines dropped (pure) */
#ifndef APP_CONSOLE_LINE_H
#define APP_CONSOLE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 128 /* bytes kept per line; longer lines are discarded whole */

struct console_line {
	char buf[CONSOLE_LINE_MAX];
	size_t len;
	bool overflow;  /* the current line grew past CONSOLE_LINE_MAX: drop it at its end */
	bool after_cr;  /* the last byte was CR: a following LF belongs to it */
};

void console_line_init(struct console_line *cl);

/*
 * Consume bytes from in[0..n) up to and including the first line end.
 * Returns how many bytes were consumed. When a complete, not overlong line
 * ended, *line points at it (valid until the next call) and *line_len is its
 * length (terminator stripped, NUL bytes kept); else *line is NULL.
 */
size_t console_line_feed(struct console_line *cl, const uint8_t *in, size_t n,
			 const char **line, size_t *line_len);

#endif /* APP_CONSOLE_LINE_H */
