/* hal/board_select.c — the board of this process: match the device tree's compatible, --board; the current board (pure but for it) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "board_select.h"

static const struct board *current;
static char problem[BOARD_SELECT_WHY_BYTES];

/* The next non-empty string of dt at *pos (not necessarily NUL-terminated at len), with its length. */
static const char *next_string(const char *dt, size_t len, size_t *pos, size_t *n)
{
	while (*pos < len && !dt[*pos])
		(*pos)++;
	if (*pos >= len)
		return NULL;
	const char *s = dt + *pos;

	*n = strnlen(s, len - *pos);
	*pos += *n;
	return s;
}

int board_match(const char *dt, size_t len, const struct board_entry *boards, size_t n)
{
	size_t pos = 0, slen;

	for (const char *s; dt && (s = next_string(dt, len, &pos, &slen));)
		for (size_t i = 0; i < n; i++) {
			const char *c = boards[i].board->compatible;

			if (c && strlen(c) == slen && !memcmp(c, s, slen))
				return (int)i;
		}
	return -ENOENT;
}

int board_find(const char *what, const struct board_entry *boards, size_t n)
{
	if (!what || !what[0])
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		const struct board *b = boards[i].board;

		if ((b->name && !strcmp(what, b->name)) || (boards[i].file && !strcmp(what, boards[i].file)) ||
		    (b->compatible && !strcmp(what, b->compatible)))
			return (int)i;
	}
	return -ENOENT;
}

/* Append to out (size bytes, always NUL-terminated); text that does not fit is cut. */
__attribute__((format(printf, 3, 4)))
static void append(char *out, size_t size, const char *fmt, ...)
{
	size_t used = strnlen(out, size);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, size - used, fmt, ap);
	va_end(ap);
}

void board_dt_text(const char *dt, size_t len, char *out, size_t size)
{
	size_t pos = 0, slen;
	const char *s;
	char text[BOARD_COMPATIBLE_BYTES * 2];

	if (!size)
		return;
	out[0] = '\0';
	for (unsigned k = 0; dt && (s = next_string(dt, len, &pos, &slen)); k++) {
		size_t m = slen < sizeof(text) - 1 ? slen : sizeof(text) - 1;

		for (size_t j = 0; j < m; j++)
			text[j] = s[j] >= ' ' && s[j] <= '~' && s[j] != '"' ? s[j] : '?';
		text[m] = '\0';
		append(out, size, "%s\"%s\"", k ? ", " : "", text);
	}
	if (!out[0])
		snprintf(out, size, "none");
}

void board_known_text(const struct board_entry *boards, size_t n, char *out, size_t size)
{
	if (!size)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		append(out, size, "%s%s (%s)", i ? ", " : "", boards[i].board->name,
		       boards[i].board->compatible ? boards[i].board->compatible : "no compatible");
	if (!n)
		snprintf(out, size, "none");
}

int board_choose(const struct board_entry *boards, size_t n, bool by_dt, const char *override, const char *dt,
		 size_t len, int dt_err, const char *dt_path, char *why, size_t why_size)
{
	char known[BOARD_SELECT_WHY_BYTES / 2], seen[BOARD_SELECT_WHY_BYTES / 4];
	int i;

	board_known_text(boards, n, known, sizeof(known));
	if (override) {
		if ((i = board_find(override, boards, n)) >= 0)
			return i;
		snprintf(why, why_size, "board \"%s\": not in this build (boards: %s)", override, known);
		return -ENOENT;
	}
	if (!by_dt && n == 1)
		return 0;
	if (dt_err) {
		snprintf(why, why_size, "board: cannot read the device tree's compatible %s: %s; give --board NAME "
			 "(boards: %s)", dt_path, strerror(-dt_err), known);
		return -ENOENT;
	}
	if ((i = board_match(dt, len, boards, n)) >= 0)
		return i;
	board_dt_text(dt, len, seen, sizeof(seen));
	snprintf(why, why_size, "board: no board of this build for this device (compatible in %s: %s; boards: %s)",
		 dt_path, seen, known);
	return -ENOENT;
}

void board_select_set(const struct board *b, const char *why)
{
	current = b;
	snprintf(problem, sizeof(problem), "%s", b || !why ? "" : why);
}

const struct board *board_current(void)
{
	return current;
}

const char *board_select_problem(void)
{
	return problem;
}
