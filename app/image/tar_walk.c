/* app/image/tar_walk.c — a tar archive walked as it streams by: headers, sizes, extended headers, the members of sysupgrade-<board>/ (pure) */
#include "tar_walk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

enum { ST_HEADER = 0, ST_DATA, ST_PAD, ST_ENDED, ST_FAILED };
enum { DATA_FILE = 0, DATA_LONGNAME, DATA_PAX, DATA_SKIP };
enum { PAX_LEN = 0, PAX_KEY, PAX_VALUE, PAX_NL };

static const char *const member_names[PAYLOAD_MEMBER_COUNT] = { "CONTROL", "kernel", "root", "dtb" };

__attribute__((format(printf, 3, 4)))
static void fail(struct tar_walk *w, uint64_t at, const char *fmt, ...)
{
	va_list ap;

	w->state = ST_FAILED;
	w->err_at = at;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
}

/* A name for a message: control bytes and quotes become '?'. */
static const char *shown(const char *s, char *buf, size_t n)
{
	size_t i = 0;

	for (; s[i] && i + 1 < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* An octal field (leading spaces, digits, then spaces or NULs); -1 when it holds anything else. */
static int64_t octal(const uint8_t *f, size_t n)
{
	int64_t v = 0;
	size_t i = 0;

	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 59)
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return v;
}

/* The size field: octal, or GNU's base-256 (first byte 0x80, big-endian); -1 when neither. */
static int64_t size_field(const uint8_t *f)
{
	int64_t v = 0;

	if (f[0] != 0x80)
		return octal(f, 12);
	for (int i = 1; i < 12; i++) {
		if (v >> 55)
			return -1;
		v = v << 8 | f[i];
	}
	return v;
}

bool tar_header_ok(const uint8_t h[TAR_BLOCK_BYTES])
{
	int64_t want = octal(h + 148, 8), sum_u = 0, sum_s = 0;

	if (memcmp(h + 257, "ustar", 5) || want < 0)
		return false;
	for (size_t i = 0; i < TAR_BLOCK_BYTES; i++) {
		uint8_t c = i >= 148 && i < 156 ? ' ' : h[i];

		sum_u += c;
		sum_s += (signed char)c;
	}
	return want == sum_u || want == sum_s;
}

void tar_walk_init(struct tar_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->cur = -1;
}

/* "sysupgrade-x" + "/" + rest: the length of "sysupgrade-x", or 0 (x is one non-empty path component). */
static size_t sysupgrade_prefix(const char *name)
{
	const char *slash;

	if (strncmp(name, "sysupgrade-", 11) || !(slash = strchr(name + 11, '/')) || slash == name + 11)
		return 0;
	return (size_t)(slash - name);
}

/* The member's name from the extended headers or the header (POSIX prefix joined), "./" in front dropped. */
static void member_name(struct tar_walk *w, const uint8_t *h)
{
	char raw[TAR_NAME_BYTES + 8];   /* prefix 155 + '/' + name 100 */
	const char *s = raw;
	size_t len;

	w->name_cut = w->next_name_set && w->next_name_cut;
	if (w->next_name_set)
		memcpy(raw, w->next_name, sizeof(w->next_name));
	else if (!memcmp(h + 257, "ustar\0", 6) && h[345])
		snprintf(raw, sizeof(raw), "%.155s/%.100s", (const char *)h + 345, (const char *)h);
	else
		snprintf(raw, sizeof(raw), "%.100s", (const char *)h);
	while (!strncmp(s, "./", 2))
		s += 2;
	len = strnlen(s, sizeof(w->name) - 1);   /* a longer name is cut: it matches nothing looked for */
	w->name_cut = w->name_cut || s[len];
	memcpy(w->name, s, len);
	w->name[len] = '\0';
}

/* nand.sh's board_dir, and the members of any sysupgrade-<x>/ directory. */
static void classify(struct tar_walk *w, uint8_t type)
{
	size_t len = strlen(w->name), pre = sysupgrade_prefix(w->name);
	bool entry = pre && w->name[pre + 1] == '\0';

	if (!pre && type == '5' && !strncmp(w->name, "sysupgrade-", 11) && len > 11 && !strchr(w->name, '/')) {
		pre = len;
		entry = true;
	}
	w->cur = -1;
	if (!pre || w->name_cut)
		return;
	if (pre >= PAYLOAD_DIR_BYTES) {
		if (entry && !w->dir_from_entry)
			fail(w, w->pos_bytes - TAR_BLOCK_BYTES, "the directory %.40s... has a name longer than %d bytes",
			     w->name, PAYLOAD_DIR_BYTES - 1);
		return;
	}
	if ((entry && !w->dir_from_entry) || !w->dir_found) {
		memcpy(w->dir, w->name, pre);
		w->dir[pre] = '\0';
		w->dir_found = true;
		w->dir_from_entry = entry;
	}
	if (entry)
		return;
	for (int m = 0; m < PAYLOAD_MEMBER_COUNT; m++) {
		struct tar_candidate *c;

		if (strcmp(w->name + pre + 1, member_names[m]))
			continue;
		for (unsigned i = 0; i < w->n_cand; i++) {
			if (w->cand[i].member == m && strlen(w->cand[i].dir) == pre && !strncmp(w->cand[i].dir, w->name, pre)) {
				w->cand[i].dup = true;
				return;
			}
		}
		if (w->n_cand == TAR_CANDIDATES) {
			fail(w, w->pos_bytes - TAR_BLOCK_BYTES, "more than %d CONTROL, kernel, root or dtb members in "
			     "sysupgrade-* directories", TAR_CANDIDATES);
			return;
		}
		c = &w->cand[w->n_cand];
		memset(c, 0, sizeof(*c));
		memcpy(c->dir, w->name, pre);
		c->member = (uint8_t)m;
		c->type = type;
		c->offset_bytes = w->pos_bytes;
		c->size_bytes = w->size_bytes;
		w->cur = (int)w->n_cand++;
		return;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The header's own name field, for a message. */
static const char *field_name(const uint8_t *h, char *buf, size_t n)
{
	char raw[101];

	snprintf(raw, sizeof(raw), "%.100s", (const char *)h);
	return shown(raw, buf, n);
}

static void header(struct tar_walk *w)
{
	const uint8_t *h = w->block;
	uint64_t at = w->pos_bytes - TAR_BLOCK_BYTES;
	int64_t sum = octal(h + 148, 8), size;
	uint8_t type = h[156];
	char name[80];

	if (all_zero(h, TAR_BLOCK_BYTES)) {
		if (w->zero_block) {
			w->state = ST_ENDED;
			w->end_bytes = w->pos_bytes;
		}
		w->zero_block = true;
		return;
	}
	if (w->zero_block) {
		fail(w, at - TAR_BLOCK_BYTES, "a lone zero block at byte %llu, with more of the archive after it",
		     (unsigned long long)(at - TAR_BLOCK_BYTES));
		return;
	}
	if (memcmp(h + 257, "ustar", 5)) {
		fail(w, at, "the tar header at byte %llu is not one (no \"ustar\" magic)", (unsigned long long)at);
		return;
	}
	if (sum < 0) {
		fail(w, at, "the tar header at byte %llu has a checksum field that is not an octal number",
		     (unsigned long long)at);
		return;
	}
	if (!tar_header_ok(h)) {
		int64_t actual = 0;

		for (size_t i = 0; i < TAR_BLOCK_BYTES; i++)
			actual += i >= 148 && i < 156 ? ' ' : h[i];
		fail(w, at, "the tar header at byte %llu (%s) is damaged: its checksum says %llo, its bytes add up to %llo",
		     (unsigned long long)at, field_name(h, name, sizeof(name)),
		     (unsigned long long)sum, (unsigned long long)actual);
		return;
	}
	size = size_field(h + 124);
	if (size < 0) {
		fail(w, at, "the tar header at byte %llu (%.60s) has a size field that is not a number",
		     (unsigned long long)at, field_name(h, name, sizeof(name)));
		return;
	}
	if (w->next_size_set && type != 'x' && type != 'g' && type != 'L' && type != 'K')
		size = (int64_t)w->next_size;
	w->left_bytes = (uint64_t)size;
	w->pad_bytes = (TAR_BLOCK_BYTES - (uint64_t)size % TAR_BLOCK_BYTES) % TAR_BLOCK_BYTES;
	w->cur = -1;
	switch (type) {
	case 'L':
		w->data_kind = DATA_LONGNAME;
		w->next_name_len = 0;
		w->next_name_set = true;
		w->next_name_cut = false;
		memset(w->next_name, 0, sizeof(w->next_name));
		break;
	case 'x':
		w->data_kind = DATA_PAX;
		memset(&w->pax, 0, sizeof(w->pax));
		break;
	case 'K':
	case 'g':
		w->data_kind = DATA_SKIP;
		break;
	default:
		w->data_kind = DATA_FILE;
		member_name(w, h);
		w->next_name_set = false;
		w->next_name_cut = false;
		w->next_size_set = false;
		w->data_at = w->pos_bytes;
		w->size_bytes = (uint64_t)size;
		w->entries++;
		classify(w, type);
		break;
	}
	if (w->state == ST_FAILED)
		return;
	w->state = w->left_bytes ? ST_DATA : w->pad_bytes ? ST_PAD : ST_HEADER;
}

/* pax records "<len> <key>=<value>\n": path and size apply to the next member. */
static void pax_byte(struct tar_walk *w, uint8_t c, uint64_t at)
{
	struct tar_pax *x = &w->pax;

	x->rec_pos++;
	switch (x->phase) {
	case PAX_LEN:
		if (c == ' ' && x->rec_pos > 1 && x->rec_len >= x->rec_pos + 3) {
			x->phase = PAX_KEY;
		} else if (c >= '0' && c <= '9' && x->rec_len < (1ULL << 40)) {
			x->rec_len = x->rec_len * 10 + (c - '0');
		} else {
			fail(w, at, "a pax record at byte %llu has no length", (unsigned long long)at);
			return;
		}
		break;
	case PAX_KEY:
		if (c == '=') {
			x->phase = PAX_VALUE;
		} else if (c == '\n' || !c) {
			fail(w, at, "a pax record at byte %llu has no '='", (unsigned long long)at);
			return;
		} else if (x->key_len + 1 < sizeof(x->key)) {
			x->key[x->key_len++] = (char)c;
		} else {
			x->key[0] = '?';   /* a key this long is none we read */
		}
		break;
	case PAX_VALUE:
		if (x->rec_pos == x->rec_len) {
			if (c != '\n') {
				fail(w, at, "a pax record at byte %llu does not end with a newline",
				     (unsigned long long)at);
				return;
			}
			x->phase = PAX_NL;
		} else if (x->val_len + 1 < sizeof(x->val)) {
			x->val[x->val_len++] = (char)c;
		} else {
			x->val_len = sizeof(x->val);   /* too long to keep: marked */
		}
		break;
	}
	if (x->rec_len && x->rec_pos > x->rec_len) {
		fail(w, at, "a pax record at byte %llu is longer than its length", (unsigned long long)at);
		return;
	}
	if (x->phase != PAX_NL)
		return;
	x->key[x->key_len] = '\0';
	if (!strcmp(x->key, "path")) {
		w->next_name_cut = x->val_len >= sizeof(x->val) - 1;
		if (x->val_len >= sizeof(x->val))
			x->val_len = sizeof(x->val) - 1;   /* cut: matches nothing we look for */
		x->val[x->val_len] = '\0';
		memcpy(w->next_name, x->val, x->val_len + 1);
		w->next_name_set = true;
	} else if (!strcmp(x->key, "size")) {
		int64_t v = 0;

		x->val[x->val_len < sizeof(x->val) ? x->val_len : sizeof(x->val) - 1] = '\0';
		for (size_t i = 0; i < x->val_len && v >= 0; i++)
			v = x->val[i] >= '0' && x->val[i] <= '9' && v < (1LL << 58) ? v * 10 + (x->val[i] - '0') : -1;
		if (!x->val_len || v < 0) {
			fail(w, at, "a pax size record at byte %llu is not a number", (unsigned long long)at);
			return;
		}
		w->next_size = (uint64_t)v;
		w->next_size_set = true;
	}
	memset(x, 0, sizeof(*x));
}

static void data(struct tar_walk *w, const uint8_t *p, size_t n)
{
	if (w->data_kind == DATA_FILE && w->cur >= 0) {
		struct tar_candidate *c = &w->cand[w->cur];
		size_t keep = sizeof(c->keep) - c->keep_len;

		c->crc32 = (uint32_t)crc32_z(c->crc32, p, n);
		if (c->member == PAYLOAD_MEMBER_CONTROL && keep) {
			keep = keep < n ? keep : n;
			memcpy(c->keep + c->keep_len, p, keep);
			c->keep_len = (uint16_t)(c->keep_len + keep);
		}
	} else if (w->data_kind == DATA_LONGNAME) {
		for (size_t i = 0; i < n; i++) {
			if (w->next_name_len + 1 < sizeof(w->next_name))
				w->next_name[w->next_name_len++] = (char)p[i];
			else if (p[i] && !memchr(w->next_name, 0, w->next_name_len))
				w->next_name_cut = true;   /* more name than fits (before its NUL) */
		}
	} else if (w->data_kind == DATA_PAX) {
		for (size_t i = 0; i < n && w->state != ST_FAILED; i++)
			pax_byte(w, p[i], w->pos_bytes + i);
	}
}

void tar_walk_feed(struct tar_walk *w, const uint8_t *p, size_t n)
{
	while (n && w->state != ST_ENDED && w->state != ST_FAILED) {
		size_t k;

		switch (w->state) {
		case ST_HEADER:
			k = TAR_BLOCK_BYTES - w->block_len;
			k = k < n ? k : n;
			memcpy(w->block + w->block_len, p, k);
			w->block_len += k;
			w->pos_bytes += k;
			if (w->block_len == TAR_BLOCK_BYTES) {
				w->block_len = 0;
				header(w);
			}
			break;
		case ST_DATA:
			k = w->left_bytes < n ? (size_t)w->left_bytes : n;
			data(w, p, k);
			if (w->state == ST_FAILED)
				return;
			w->pos_bytes += k;
			w->left_bytes -= k;
			if (!w->left_bytes) {
				if (w->data_kind == DATA_PAX && w->pax.phase != PAX_LEN)
					fail(w, w->pos_bytes, "the pax header ending at byte %llu ends inside a record",
					     (unsigned long long)w->pos_bytes);
				else
					w->state = w->pad_bytes ? ST_PAD : ST_HEADER;
			}
			break;
		default:   /* ST_PAD */
			k = w->pad_bytes < n ? (size_t)w->pad_bytes : n;
			w->pos_bytes += k;
			w->pad_bytes -= k;
			if (!w->pad_bytes)
				w->state = ST_HEADER;
			break;
		}
		p += k;
		n -= k;
	}
}

__attribute__((format(printf, 3, 4)))
static int refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* BOARD=<value> from CONTROL's first bytes ("" when there is no such line). */
static void control_board(const struct tar_candidate *c, char *out, size_t n)
{
	size_t i = 0, o = 0;

	out[0] = '\0';
	while (i < c->keep_len) {
		if (c->keep_len - i >= 6 && !memcmp(c->keep + i, "BOARD=", 6)) {
			for (i += 6; i < c->keep_len && c->keep[i] != '\n' && c->keep[i] != '\r' && o + 1 < n; i++)
				out[o++] = (unsigned char)c->keep[i] < 0x20 || c->keep[i] == 0x7f ? '?' : c->keep[i];
			out[o] = '\0';
			return;
		}
		while (i < c->keep_len && c->keep[i] != '\n')
			i++;
		i++;
	}
}

static int sysupgrade_members(const struct tar_walk *w, struct payload_id *id, char *why, size_t why_size)
{
	char other[PAYLOAD_DIR_BYTES] = "";

	for (unsigned i = 0; i < w->n_cand; i++) {
		const struct tar_candidate *c = &w->cand[i];
		struct payload_member *m = &id->member[c->member];

		if (strcmp(c->dir, w->dir)) {
			if (!other[0])
				memcpy(other, c->dir, sizeof(other));
			continue;
		}
		if (c->dup)
			return refuse(why, why_size, "%s/%s is in the tar twice", w->dir, member_names[c->member]);
		if (c->type != '0' && c->type != '\0' && c->type != '7')
			return refuse(why, why_size, "%s/%s is not a regular file (tar type '%c')", w->dir,
				      member_names[c->member], c->type >= 0x20 && c->type < 0x7f ? c->type : '?');
		m->offset_bytes = c->offset_bytes;
		m->size_bytes = c->size_bytes;
		m->crc32 = c->crc32;
		/* As nand.sh: a member of length 0 counts as absent (CONTROL: checked below). */
		m->present = c->size_bytes > 0 || c->member == PAYLOAD_MEMBER_CONTROL;
		if (c->member == PAYLOAD_MEMBER_CONTROL)
			control_board(c, id->control_board, sizeof(id->control_board));
	}
	if (!id->member[PAYLOAD_MEMBER_CONTROL].present)
		return refuse(why, why_size, "%s/ has no CONTROL file", w->dir);
	if (!id->member[PAYLOAD_MEMBER_CONTROL].size_bytes)
		return refuse(why, why_size, "%s/CONTROL is empty", w->dir);
	if (!id->member[PAYLOAD_MEMBER_KERNEL].present && !id->member[PAYLOAD_MEMBER_ROOT].present)
		return refuse(why, why_size, "%s/ has neither kernel nor root%s%s%s", w->dir,
			      other[0] ? " (those in " : "", other,
			      other[0] ? "/ are not used: OpenWrt takes the first sysupgrade-*/ directory)" : "");
	return 0;
}

int tar_walk_finish(const struct tar_walk *w, uint64_t end_bytes, struct payload_id *id, char *why, size_t why_size)
{
	char name[80];

	why[0] = '\0';
	id->format = w->dir_found ? PAYLOAD_SYSUPGRADE_TAR : PAYLOAD_TAR;
	snprintf(id->dir, sizeof(id->dir), "%s", w->dir_found ? w->dir : "");
	if (w->state == ST_FAILED && w->err_at < end_bytes)
		return refuse(why, why_size, "%s", w->why);
	if (w->state != ST_ENDED || w->end_bytes > end_bytes) {
		if (w->entries && w->data_at <= end_bytes && w->data_at + w->size_bytes > end_bytes)
			return refuse(why, why_size, "%s is cut short: %llu bytes from byte %llu, but the tar ends at byte "
				      "%llu", shown(w->name, name, sizeof(name)), (unsigned long long)w->size_bytes,
				      (unsigned long long)w->data_at, (unsigned long long)end_bytes);
		return refuse(why, why_size, "the tar is cut short: no end-of-archive blocks before byte %llu",
			      (unsigned long long)end_bytes);
	}
	id->own_bytes = w->end_bytes;
	if (w->dir_found && sysupgrade_members(w, id, why, why_size))
		return -EBADMSG;
	id->walked = true;
	return 0;
}
