/* tools/failsafectl/listen_view.h — failsafectl listen's pure part: board table, JSON lines, display rows */
#ifndef TOOLS_FAILSAFECTL_LISTEN_VIEW_H
#define TOOLS_FAILSAFECTL_LISTEN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon.h"

#define LV_ADDR_MAX	46	/* INET6_ADDRSTRLEN: a numeric source address */
#define LV_MAX_BOARDS	64	/* the table forgets the longest-silent board beyond this */
/* Enough for any beacon: every text byte escaped as \u00XX, plus the fields. */
#define LV_JSON_MAX	((BEACON_TEXT_MAX_BYTES + 6 * BEACON_VALUE_MAX_BYTES) * 6 + 512)   /* every string escaped at worst */
/* Enough for a row or a line: the text (sanitised, 998 bytes) plus the rest. */
#define LV_LINE_MAX	(BEACON_TEXT_MAX_BYTES + 512)

/* What a beacon says about its board, from the state field or else the text. */
enum lv_kind {
	LV_KIND_OTHER = 0,	/* unknown text, no state field */
	LV_KIND_WINDOW,		/* in its boot window: press the button now */
	LV_KIND_FAILSAFE,	/* entered failsafe */
	LV_KIND_NORMAL,		/* window over, normal boot */
	LV_KIND_COUNT
};

struct lv_board {
	char addr[LV_ADDR_MAX];	/* source address, the table's key */
	struct beacon last;	/* the last beacon received from it */
	enum lv_kind kind;	/* lv_kind(&last) */
	uint64_t rx_ms;		/* monotonic ms when @last arrived */
	unsigned long count;	/* beacons received */
	bool prompted;		/* "press the button" said for this window */
	bool confirmed;		/* "entered failsafe" said for this episode */
};

struct lv_boards {
	struct lv_board board[LV_MAX_BOARDS];	/* in order of first reception */
	size_t n;
};

/* lv_update() events, a bit mask. */
#define LV_EV_NEW	(1u << 0)	/* first beacon from this address */
#define LV_EV_PROMPT	(1u << 1)	/* board in its window: ring, say "press now" */
#define LV_EV_FAILSAFE	(1u << 2)	/* board entered failsafe: confirm */

/* lv_kind - the state field when present, else "Entering Failsafe!" / the window prompt. */
enum lv_kind lv_kind(const struct beacon *b);

/* lv_kind_name - "window", "failsafe", "normal" or "?" */
const char *lv_kind_name(enum lv_kind kind);

/* lv_boards_init - empty table. */
void lv_boards_init(struct lv_boards *t);

/*
 * lv_update - record beacon @b from @addr received at @now_ms.  Returns the
 * LV_EV_* events it causes and sets *@out (if non-NULL) to the board's entry.
 * LV_EV_PROMPT fires once per window (again after the board left the window
 * or rebooted, i.e. its seq went backwards); LV_EV_FAILSAFE once per failsafe
 * entry.  A full table drops its longest-silent board.  Returns 0 with *@out
 * NULL if an argument is NULL or @addr is too long.
 */
unsigned int lv_update(struct lv_boards *t, const char *addr, const struct beacon *b,
		       uint64_t now_ms, struct lv_board **out);

/*
 * lv_left_ms - milliseconds left in @bd's window at @now_ms (remaining_ms at
 * reception minus the time since, at least 0); -1 when not in a window or the
 * beacon carried no remaining_ms.
 */
int64_t lv_left_ms(const struct lv_board *bd, uint64_t now_ms);

/*
 * lv_json - @b from @from as one JSON object, no newline: from, text, then
 * board, state, remaining_ms, seq, mac, version, via as present, and
 * "plain":true for a beacon without fields.  Text bytes outside printable
 * ASCII are escaped as \u00XX (read as Latin-1), so the output is always
 * valid JSON.  Returns the length written, or -ENOSPC/-EINVAL.
 */
int lv_json(char *out, size_t size, const char *from, const struct beacon *b);

/* lv_sanitize - copy @in to @out (truncating), each byte outside 0x20..0x7e as '?'. */
void lv_sanitize(char *out, size_t size, const char *in);

/* lv_label - "sim" or, without a board name, "the board at ADDR". */
void lv_label(char *out, size_t size, const struct lv_board *bd);

/* lv_row_header - the column titles matching lv_row(). */
const char *lv_row_header(void);

/* lv_row - @bd as one table row at @now_ms (no escape codes, no newline). Returns length or -ENOSPC/-EINVAL. */
int lv_row(char *out, size_t size, const struct lv_board *bd, uint64_t now_ms);

/*
 * lv_plain_line - one log line for a beacon just received, e.g.
 *   192.168.1.1 sim: Please press button now to enter failsafe [window, 2.8 s left, seq 3]
 * Returns length or -ENOSPC/-EINVAL.
 */
int lv_plain_line(char *out, size_t size, const struct lv_board *bd);

/*
 * lv_event_line - the sentence for one event (LV_EV_PROMPT or LV_EV_FAILSAFE), e.g.
 *   press the button on sim now (192.168.1.1, 2.8 s left)
 *   board sim at 192.168.1.1 entered failsafe (via button:reset) — telnet 192.168.1.1
 * Returns length, or -EINVAL for another event, -ENOSPC.
 */
int lv_event_line(char *out, size_t size, unsigned int event, const struct lv_board *bd);

/* ---- command-line values, shared by listen and telnet ---- */

/*
 * lv_opt - does argv[*i] name option @name ("--port 4919" or "--port=4919")?
 * Returns 0 if not; 1 with *@val set (and *@i on the value's index) if so;
 * -1 if it does but the value is missing.
 */
int lv_opt(int argc, char **argv, int *i, const char *name, const char **val);

/* lv_parse_port - a decimal port 1..65535 into *@port; false if not one. */
bool lv_parse_port(const char *s, unsigned int *port);

/* lv_parse_seconds - decimal seconds (e.g. "0.5"), 1 ms..86400 s, into *@ms; false if not. */
bool lv_parse_seconds(const char *s, int *ms);

#endif /* TOOLS_FAILSAFECTL_LISTEN_VIEW_H */
