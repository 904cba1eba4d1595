/* tools/failsafectl/listen_view.c — failsafectl listen's pure part: board table, JSON lines, display rows */
#include "listen_view.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- a bounded string builder ---- */

struct sbuf {
	char *p;
	size_t size, len;
	bool overflow;
};

static void sb_init(struct sbuf *s, char *p, size_t size)
{
	s->p = p;
	s->size = size;
	s->len = 0;
	s->overflow = size == 0;
	if (size)
		p[0] = '\0';
}

static void sb_putc(struct sbuf *s, char c)
{
	if (s->overflow || s->len + 1 >= s->size) {
		s->overflow = true;
		return;
	}
	s->p[s->len++] = c;
	s->p[s->len] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->p + s->len, s->size - s->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= s->size - s->len) {
		s->overflow = true;
		s->p[s->len] = '\0';
		return;
	}
	s->len += (size_t)n;
}

static int sb_result(const struct sbuf *s)
{
	return s->overflow ? -ENOSPC : (int)s->len;
}

/* ---- board table ---- */

enum lv_kind lv_kind(const struct beacon *b)
{
	if (b->present & BEACON_HAS_STATE) {
		switch (b->state) {
		case BEACON_STATE_WINDOW:
			return LV_KIND_WINDOW;
		case BEACON_STATE_FAILSAFE:
			return LV_KIND_FAILSAFE;
		case BEACON_STATE_NORMAL:
			return LV_KIND_NORMAL;
		default:
			return LV_KIND_OTHER;
		}
	}
	if (!strcmp(b->text, BEACON_TEXT_FAILSAFE))
		return LV_KIND_FAILSAFE;
	if (!strcmp(b->text, BEACON_TEXT_WINDOW))
		return LV_KIND_WINDOW;
	return LV_KIND_OTHER;
}

const char *lv_kind_name(enum lv_kind kind)
{
	switch (kind) {
	case LV_KIND_WINDOW:
		return "window";
	case LV_KIND_FAILSAFE:
		return "failsafe";
	case LV_KIND_NORMAL:
		return "normal";
	default:
		return "?";
	}
}

void lv_boards_init(struct lv_boards *t)
{
	memset(t, 0, sizeof(*t));
}

static struct lv_board *lv_find(struct lv_boards *t, const char *addr)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->board[i].addr, addr))
			return &t->board[i];
	return NULL;
}

/* A new entry at the end; when full, the longest-silent board makes room. */
static struct lv_board *lv_add(struct lv_boards *t, const char *addr)
{
	struct lv_board *bd;

	if (t->n == LV_MAX_BOARDS) {
		size_t old = 0;

		for (size_t i = 1; i < t->n; i++)
			if (t->board[i].rx_ms < t->board[old].rx_ms)
				old = i;
		memmove(&t->board[old], &t->board[old + 1], (t->n - old - 1) * sizeof(t->board[0]));
		t->n--;
	}
	bd = &t->board[t->n++];
	memset(bd, 0, sizeof(*bd));
	strcpy(bd->addr, addr);
	return bd;
}

unsigned int lv_update(struct lv_boards *t, const char *addr, const struct beacon *b,
		       uint64_t now_ms, struct lv_board **out)
{
	struct lv_board *bd;
	unsigned int ev = 0;
	enum lv_kind kind;

	if (out)
		*out = NULL;
	if (!t || !addr || !b || strnlen(addr, LV_ADDR_MAX) >= LV_ADDR_MAX)
		return 0;
	kind = lv_kind(b);
	bd = lv_find(t, addr);
	if (!bd) {
		bd = lv_add(t, addr);
		ev |= LV_EV_NEW;
	} else if ((b->present & BEACON_HAS_SEQ) && (bd->last.present & BEACON_HAS_SEQ) &&
		   b->seq < bd->last.seq) {
		/* seq went backwards: the board rebooted, a new episode */
		bd->prompted = false;
		bd->confirmed = false;
	}
	if (kind != LV_KIND_WINDOW)
		bd->prompted = false;
	if (kind != LV_KIND_FAILSAFE)
		bd->confirmed = false;
	if (kind == LV_KIND_WINDOW && !bd->prompted &&
	    (!(b->present & BEACON_HAS_REMAINING_MS) || b->remaining_ms > 0)) {
		bd->prompted = true;
		ev |= LV_EV_PROMPT;
	}
	if (kind == LV_KIND_FAILSAFE && !bd->confirmed) {
		bd->confirmed = true;
		ev |= LV_EV_FAILSAFE;
	}
	bd->last = *b;
	bd->kind = kind;
	bd->rx_ms = now_ms;
	bd->count++;
	if (out)
		*out = bd;
	return ev;
}

int64_t lv_left_ms(const struct lv_board *bd, uint64_t now_ms)
{
	uint64_t since;

	if (bd->kind != LV_KIND_WINDOW || !(bd->last.present & BEACON_HAS_REMAINING_MS))
		return -1;
	since = now_ms > bd->rx_ms ? now_ms - bd->rx_ms : 0;
	if (since >= bd->last.remaining_ms)
		return 0;
	return (int64_t)(bd->last.remaining_ms - since);
}

/* ---- JSON ---- */

/* @val as a quoted JSON string */
static void json_val(struct sbuf *s, const char *val)
{
	sb_putc(s, '"');
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		switch (*p) {
		case '"':
			sb_printf(s, "\\\"");
			break;
		case '\\':
			sb_printf(s, "\\\\");
			break;
		case '\n':
			sb_printf(s, "\\n");
			break;
		case '\r':
			sb_printf(s, "\\r");
			break;
		case '\t':
			sb_printf(s, "\\t");
			break;
		default:
			if (*p < 0x20 || *p > 0x7e)
				sb_printf(s, "\\u%04x", *p);
			else
				sb_putc(s, (char)*p);
		}
	}
	sb_putc(s, '"');
}

static void json_str(struct sbuf *s, const char *key, const char *val)
{
	sb_printf(s, ",\"%s\":", key);
	json_val(s, val);
}

int lv_json(char *out, size_t size, const char *from, const struct beacon *b)
{
	struct sbuf s;

	if (!out || !from || !b)
		return -EINVAL;
	sb_init(&s, out, size);
	sb_printf(&s, "{\"from\":");
	json_val(&s, from);
	json_str(&s, "text", b->text);
	if (b->present & BEACON_HAS_BOARD)
		json_str(&s, "board", b->board);
	if (b->present & BEACON_HAS_STATE) {
		const char *name = beacon_state_name(b->state);

		json_str(&s, "state", name ? name : "?");
	}
	if (b->present & BEACON_HAS_REMAINING_MS)
		sb_printf(&s, ",\"remaining_ms\":%lu", (unsigned long)b->remaining_ms);
	if (b->present & BEACON_HAS_SEQ)
		sb_printf(&s, ",\"seq\":%lu", (unsigned long)b->seq);
	if (b->present & BEACON_HAS_MAC)
		sb_printf(&s, ",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", b->mac[0], b->mac[1],
			  b->mac[2], b->mac[3], b->mac[4], b->mac[5]);
	if (b->present & BEACON_HAS_VERSION)
		json_str(&s, "version", b->version);
	if (b->present & BEACON_HAS_VIA)
		json_str(&s, "via", b->via);
	if (b->present & BEACON_HAS_SSH_ED25519)
		json_str(&s, "ssh_ed25519", b->ssh_ed25519);
	if (b->present & BEACON_HAS_SSH_RSA)
		json_str(&s, "ssh_rsa", b->ssh_rsa);
	if (!b->present)
		sb_printf(&s, ",\"plain\":true");
	sb_putc(&s, '}');
	return sb_result(&s);
}

/* ---- human text ---- */

void lv_sanitize(char *out, size_t size, const char *in)
{
	size_t i;

	if (!size)
		return;
	for (i = 0; i + 1 < size && in[i]; i++)
		out[i] = (in[i] >= 0x20 && in[i] <= 0x7e) ? in[i] : '?';
	out[i] = '\0';
}

void lv_label(char *out, size_t size, const struct lv_board *bd)
{
	if (bd->last.present & BEACON_HAS_BOARD)
		snprintf(out, size, "%s", bd->last.board);
	else
		snprintf(out, size, "the board at %s", bd->addr);
}

/* "2.8 s": ms as seconds with one decimal, rounded down */
static void fmt_secs(char *out, size_t size, uint64_t ms)
{
	snprintf(out, size, "%llu.%llu s", (unsigned long long)(ms / 1000),
		 (unsigned long long)(ms % 1000 / 100));
}

const char *lv_row_header(void)
{
	return "ADDRESS         BOARD        STATE       LEFT    SEQ   HEARD  LAST MESSAGE";
}

int lv_row(char *out, size_t size, const struct lv_board *bd, uint64_t now_ms)
{
	char text[BEACON_TEXT_MAX_BYTES + 1], left[32], seq[16], heard[32];
	int64_t left_ms;
	struct sbuf s;

	if (!out || !bd)
		return -EINVAL;
	left_ms = lv_left_ms(bd, now_ms);
	if (left_ms >= 0)
		fmt_secs(left, sizeof(left), (uint64_t)left_ms);
	else
		snprintf(left, sizeof(left), "%s", bd->kind == LV_KIND_WINDOW ? "?" : "-");
	if (bd->last.present & BEACON_HAS_SEQ)
		snprintf(seq, sizeof(seq), "%lu", (unsigned long)bd->last.seq);
	else
		snprintf(seq, sizeof(seq), "-");
	fmt_secs(heard, sizeof(heard), now_ms > bd->rx_ms ? now_ms - bd->rx_ms : 0);
	lv_sanitize(text, sizeof(text), bd->last.text);
	sb_init(&s, out, size);
	sb_printf(&s, "%-15s %-12.12s %-8s %7s %6s %7s  %s", bd->addr,
		  (bd->last.present & BEACON_HAS_BOARD) ? bd->last.board : "?",
		  lv_kind_name(bd->kind), left, seq, heard, text);
	return sb_result(&s);
}

int lv_plain_line(char *out, size_t size, const struct lv_board *bd)
{
	char text[BEACON_TEXT_MAX_BYTES + 1], secs[32];
	const struct beacon *b;
	struct sbuf s;

	if (!out || !bd)
		return -EINVAL;
	b = &bd->last;
	lv_sanitize(text, sizeof(text), b->text);
	sb_init(&s, out, size);
	sb_printf(&s, "%s %s: %s [", bd->addr, (b->present & BEACON_HAS_BOARD) ? b->board : "?", text);
	if (!b->present) {
		sb_printf(&s, "plain beacon");
	} else {
		sb_printf(&s, "%s", lv_kind_name(bd->kind));
		if (b->present & BEACON_HAS_REMAINING_MS) {
			fmt_secs(secs, sizeof(secs), b->remaining_ms);
			sb_printf(&s, ", %s left", secs);
		}
		if (b->present & BEACON_HAS_SEQ)
			sb_printf(&s, ", seq %lu", (unsigned long)b->seq);
		if (b->present & BEACON_HAS_VIA)
			sb_printf(&s, ", via %s", b->via);
	}
	sb_putc(&s, ']');
	return sb_result(&s);
}

int lv_event_line(char *out, size_t size, unsigned int event, const struct lv_board *bd)
{
	const struct beacon *b;
	char secs[32];
	struct sbuf s;

	if (!out || !bd)
		return -EINVAL;
	b = &bd->last;
	sb_init(&s, out, size);
	if (event == LV_EV_PROMPT) {
		if (b->present & BEACON_HAS_BOARD)
			sb_printf(&s, "press the button on %s now (%s", b->board, bd->addr);
		else
			sb_printf(&s, "press the button on the board at %s now (", bd->addr);
		if (b->present & BEACON_HAS_REMAINING_MS) {
			fmt_secs(secs, sizeof(secs), b->remaining_ms);
			sb_printf(&s, "%s%s left", (b->present & BEACON_HAS_BOARD) ? ", " : "", secs);
		} else if (!(b->present & BEACON_HAS_BOARD)) {
			sb_printf(&s, "its window is open");
		}
		sb_putc(&s, ')');
	} else if (event == LV_EV_FAILSAFE) {
		if (b->present & BEACON_HAS_BOARD)
			sb_printf(&s, "board %s at %s entered failsafe", b->board, bd->addr);
		else
			sb_printf(&s, "the board at %s entered failsafe", bd->addr);
		if (b->present & BEACON_HAS_VIA)
			sb_printf(&s, " (via %s)", b->via);
		sb_printf(&s, " \xe2\x80\x94 telnet %s", bd->addr);
	} else {
		return -EINVAL;
	}
	return sb_result(&s);
}

/* ---- command-line values ---- */

int lv_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

bool lv_parse_port(const char *s, unsigned int *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*port = (unsigned int)v;
	return true;
}

bool lv_parse_seconds(const char *s, int *ms)
{
	unsigned long whole = 0, frac_ms = 0, scale = 100;
	const char *p = s;

	/* digits [. digits]: no strtod, so no locale, sign, exponent, inf or nan */
	if (!*p || *p == '.')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (unsigned long)(*p - '0');
		if (whole > 86400)
			return false;
	}
	if (*p == '.') {
		if (!p[1])
			return false;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			frac_ms += (unsigned long)(*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p)
		return false;
	if (whole * 1000 + frac_ms == 0 || whole * 1000 + frac_ms > 86400ul * 1000)
		return false;
	*ms = (int)(whole * 1000 + frac_ms);
	return true;
}
