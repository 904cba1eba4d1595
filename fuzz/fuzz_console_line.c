/* fuzz/fuzz_console_line.c — libFuzzer target: console bytes through the line assembler into the window machine */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console_line.h"
#include "window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct console_line cl;
	struct window w;
	struct window_actions act;
	size_t off = 0;
	uint64_t now_ms = 0;
	/* The first byte picks the read size, so every split point gets exercised. */
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;

	console_line_init(&cl);
	window_init(&w, 4000);
	window_step(&w, &(struct window_event){ .type = WINDOW_EV_START }, now_ms, &act);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk, used = 0;

		while (used < n) {
			const char *line;
			size_t len;
			size_t k = console_line_feed(&cl, data + off + used, n - used, &line, &len);

			if (k == 0 || k > n - used)
				abort();
			used += k;
			if (!line)
				continue;
			if (len > CONSOLE_LINE_MAX || memchr(line, '\n', len) || memchr(line, '\r', len))
				abort();
			window_step(&w, &(struct window_event){ .type = WINDOW_EV_LINE, .line = line,
								 .line_len = len }, now_ms, &act);
			/* Only "f" (with blanks) may enter failsafe, only a digit 1-4 may end the window. */
			if ((act.flags & WINDOW_ACT_FAILSAFE) && !memchr(line, 'f', len))
				abort();
			if ((act.flags & WINDOW_ACT_DEBUG_LEVEL) && (act.debug_level < 1 || act.debug_level > 4))
				abort();
		}
		off += n;
		now_ms += 1;
	}
	return 0;
}
