/* app/login/console_line.c — console input to lines (pure) */
#include <string.h>

#include "console_line.h"

void console_line_init(struct console_line *cl)
{
	memset(cl, 0, sizeof(*cl));
}

size_t console_line_feed(struct console_line *cl, const uint8_t *in, size_t n,
			 const char **line, size_t *line_len)
{
	size_t i;

	*line = NULL;
	*line_len = 0;
	for (i = 0; i < n; i++) {
		uint8_t c = in[i];
		bool was_cr = cl->after_cr;

		cl->after_cr = c == '\r';
		if (c == '\n' && was_cr)
			continue; /* the LF of a CR LF: the line ended at the CR */
		if (c == '\r' || c == '\n') {
			bool keep = !cl->overflow;

			*line_len = cl->len;
			cl->len = 0;
			cl->overflow = false;
			if (keep)
				*line = cl->buf;
			return i + 1;
		}
		if (cl->len < sizeof(cl->buf))
			cl->buf[cl->len++] = (char)c;
		else
			cl->overflow = true;
	}
	return n;
}
