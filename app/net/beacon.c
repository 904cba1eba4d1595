/* app/net/beacon.c — UDP 4919 failsafe beacon codec (OpenWrt netmsg compatible, pure) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strnlen() */
#endif
#include "beacon.h"
#include "hex.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define BEACON_HDR_BYTES	2

static const char *const beacon_state_names[] = {
	[BEACON_STATE_WINDOW] = "window",
	[BEACON_STATE_FAILSAFE] = "failsafe",
	[BEACON_STATE_NORMAL] = "normal",
};

const char *beacon_state_name(enum beacon_state state)
{
	if ((unsigned int)state >= BEACON_STATE_COUNT)
		return NULL;
	return beacon_state_names[state];
}

int beacon_init(struct beacon *b, const char *text)
{
	size_t len;

	if (!b || !text)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	len = strnlen(text, sizeof(b->text));
	if (len >= sizeof(b->text))
		return -EMSGSIZE;
	memcpy(b->text, text, len);
	return 0;
}

/* Printable ASCII allowed in a value: no space, no '=' */
static bool beacon_value_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '=';
}

static bool beacon_key_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* ---- encoder ---- */

struct beacon_line {
	char buf[BEACON_LEN_BYTES];
	size_t len;
	bool overflow;
};

static void line_put(struct beacon_line *l, const char *s, size_t n)
{
	if (l->overflow || n > sizeof(l->buf) - l->len) {
		l->overflow = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_key(struct beacon_line *l, const char *key)
{
	if (l->len)
		line_put(l, " ", 1);
	line_put(l, key, strlen(key));
	line_put(l, "=", 1);
}

static int line_str(struct beacon_line *l, const char *key, const char *val,
		    size_t size)
{
	size_t n = strnlen(val, size);
	size_t i;

	if (n >= size)
		return -EMSGSIZE;
	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!beacon_value_char_ok((unsigned char)val[i]))
			return -EINVAL;
	line_key(l, key);
	line_put(l, val, n);
	return 0;
}

static void line_u32(struct beacon_line *l, const char *key, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	line_key(l, key);
	line_put(l, tmp + sizeof(tmp) - n, n);
}

static void line_mac(struct beacon_line *l, const char *key,
		     const uint8_t mac[BEACON_MAC_BYTES])
{
	static const char hex[] = "0123456789abcdef";
	char tmp[BEACON_MAC_BYTES * 3];
	size_t i;

	for (i = 0; i < BEACON_MAC_BYTES; i++) {
		tmp[i * 3] = hex[mac[i] >> 4];
		tmp[i * 3 + 1] = hex[mac[i] & 0xf];
		tmp[i * 3 + 2] = ':';
	}
	line_key(l, key);
	line_put(l, tmp, sizeof(tmp) - 1);
}

static int beacon_build_line(const struct beacon *b, struct beacon_line *l)
{
	int ret;

	if (b->present & BEACON_HAS_BOARD) {
		ret = line_str(l, "board", b->board, sizeof(b->board));
		if (ret)
			return ret;
	}
	if (b->present & BEACON_HAS_STATE) {
		const char *name = beacon_state_name(b->state);

		if (!name)
			return -EINVAL;
		line_key(l, "state");
		line_put(l, name, strlen(name));
	}
	if (b->present & BEACON_HAS_REMAINING_MS)
		line_u32(l, "remaining_ms", b->remaining_ms);
	if (b->present & BEACON_HAS_SEQ)
		line_u32(l, "seq", b->seq);
	if (b->present & BEACON_HAS_MAC)
		line_mac(l, "mac", b->mac);
	if (b->present & BEACON_HAS_VERSION) {
		ret = line_str(l, "version", b->version, sizeof(b->version));
		if (ret)
			return ret;
	}
	if (b->present & BEACON_HAS_VIA) {
		ret = line_str(l, "via", b->via, sizeof(b->via));
		if (ret)
			return ret;
	}
	if (b->present & BEACON_HAS_SSH_ED25519) {
		ret = line_str(l, "ssh_ed25519", b->ssh_ed25519, sizeof(b->ssh_ed25519));
		if (ret)
			return ret;
	}
	if (b->present & BEACON_HAS_SSH_RSA) {
		ret = line_str(l, "ssh_rsa", b->ssh_rsa, sizeof(b->ssh_rsa));
		if (ret)
			return ret;
	}
	return l->overflow ? -EMSGSIZE : 0;
}

int beacon_encode(const struct beacon *b, uint8_t out[BEACON_LEN_BYTES])
{
	struct beacon_line line;
	size_t text_len, need;
	int ret;

	if (!b || !out)
		return -EINVAL;
	if (b->present & ~BEACON_HAS_ALL)
		return -EINVAL;
	text_len = strnlen(b->text, sizeof(b->text));
	if (text_len >= sizeof(b->text))
		return -EMSGSIZE;

	line.len = 0;
	line.overflow = false;
	ret = beacon_build_line(b, &line);
	if (ret)
		return ret;

	need = BEACON_HDR_BYTES + text_len + 1;
	if (line.len)
		need += line.len + 1;
	if (need > BEACON_LEN_BYTES)
		return -EMSGSIZE;

	memset(out, 0, BEACON_LEN_BYTES);
	out[0] = BEACON_MAGIC_0;
	out[1] = BEACON_MAGIC_1;
	memcpy(out + BEACON_HDR_BYTES, b->text, text_len);
	if (line.len)
		memcpy(out + BEACON_HDR_BYTES + text_len + 1, line.buf,
		       line.len);
	return 0;
}

/* ---- decoder ---- */

static bool all_nul(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool token_is(const uint8_t *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static int parse_u32(const uint8_t *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EBADMSG;
	*out = (uint32_t)v;
	return 0;
}

static int parse_mac(const uint8_t *s, size_t n, uint8_t mac[BEACON_MAC_BYTES])
{
	size_t i;

	if (n != BEACON_MAC_BYTES * 3 - 1)
		return -EBADMSG;
	for (i = 0; i < BEACON_MAC_BYTES; i++) {
		int hi = hex_nibble(s[i * 3]);
		int lo = hex_nibble(s[i * 3 + 1]);

		if (hi < 0 || lo < 0)
			return -EBADMSG;
		if (i + 1 < BEACON_MAC_BYTES && s[i * 3 + 2] != ':')
			return -EBADMSG;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_str(const uint8_t *s, size_t n, char *dst, size_t size)
{
	if (n >= size)
		return -EBADMSG;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int parse_state(const uint8_t *s, size_t n, enum beacon_state *state)
{
	size_t i;

	for (i = 0; i < BEACON_STATE_COUNT; i++) {
		if (token_is(s, n, beacon_state_names[i])) {
			*state = (enum beacon_state)i;
			return 0;
		}
	}
	return -EBADMSG;
}

/* Parse one key=value token (already checked to contain no space/NUL). */
static int parse_token(const uint8_t *tok, size_t n, struct beacon *b)
{
	const uint8_t *eq = memchr(tok, '=', n);
	const uint8_t *val;
	size_t klen, vlen, i;
	unsigned int bit;
	int ret;

	if (!eq)
		return -EBADMSG;
	klen = (size_t)(eq - tok);
	val = eq + 1;
	vlen = n - klen - 1;
	if (klen == 0 || vlen == 0)
		return -EBADMSG;
	for (i = 0; i < klen; i++)
		if (!beacon_key_char_ok(tok[i]))
			return -EBADMSG;
	for (i = 0; i < vlen; i++)
		if (!beacon_value_char_ok(val[i]))
			return -EBADMSG;

	if (token_is(tok, klen, "board")) {
		bit = BEACON_HAS_BOARD;
	} else if (token_is(tok, klen, "state")) {
		bit = BEACON_HAS_STATE;
	} else if (token_is(tok, klen, "remaining_ms")) {
		bit = BEACON_HAS_REMAINING_MS;
	} else if (token_is(tok, klen, "seq")) {
		bit = BEACON_HAS_SEQ;
	} else if (token_is(tok, klen, "mac")) {
		bit = BEACON_HAS_MAC;
	} else if (token_is(tok, klen, "version")) {
		bit = BEACON_HAS_VERSION;
	} else if (token_is(tok, klen, "via")) {
		bit = BEACON_HAS_VIA;
	} else if (token_is(tok, klen, "ssh_ed25519")) {
		bit = BEACON_HAS_SSH_ED25519;
	} else if (token_is(tok, klen, "ssh_rsa")) {
		bit = BEACON_HAS_SSH_RSA;
	} else {
		return 0;	/* unknown key: ignored */
	}
	if (b->present & bit)
		return -EBADMSG;	/* duplicate */

	switch (bit) {
	case BEACON_HAS_BOARD:
		ret = parse_str(val, vlen, b->board, sizeof(b->board));
		break;
	case BEACON_HAS_STATE:
		ret = parse_state(val, vlen, &b->state);
		break;
	case BEACON_HAS_REMAINING_MS:
		ret = parse_u32(val, vlen, &b->remaining_ms);
		break;
	case BEACON_HAS_SEQ:
		ret = parse_u32(val, vlen, &b->seq);
		break;
	case BEACON_HAS_MAC:
		ret = parse_mac(val, vlen, b->mac);
		break;
	case BEACON_HAS_VERSION:
		ret = parse_str(val, vlen, b->version, sizeof(b->version));
		break;
	case BEACON_HAS_SSH_ED25519:
		ret = parse_str(val, vlen, b->ssh_ed25519, sizeof(b->ssh_ed25519));
		break;
	case BEACON_HAS_SSH_RSA:
		ret = parse_str(val, vlen, b->ssh_rsa, sizeof(b->ssh_rsa));
		break;
	default:
		ret = parse_str(val, vlen, b->via, sizeof(b->via));
		break;
	}
	if (ret)
		return ret;
	b->present |= bit;
	return 0;
}

/* @line..@line+@n holds no NUL; tokens separated by exactly one space. */
static int parse_line(const uint8_t *line, size_t n, struct beacon *b)
{
	size_t start = 0;

	for (;;) {
		const uint8_t *sp = memchr(line + start, ' ', n - start);
		size_t end = sp ? (size_t)(sp - line) : n;
		int ret;

		if (end == start)
			return -EBADMSG;	/* empty token */
		ret = parse_token(line + start, end - start, b);
		if (ret)
			return ret;
		if (!sp)
			return 0;
		start = end + 1;
		if (start == n)
			return -EBADMSG;	/* trailing space */
	}
}

static int beacon_decode_inner(const uint8_t *buf, size_t len, struct beacon *b)
{
	const uint8_t *text = buf + BEACON_HDR_BYTES;
	const uint8_t *text_nul, *rest, *line_nul;
	size_t text_len, rest_len, line_len;

	if (len < BEACON_HDR_BYTES || buf[0] != BEACON_MAGIC_0 ||
	    buf[1] != BEACON_MAGIC_1)
		return -ENOMSG;
	if (len > BEACON_LEN_BYTES)
		return -EMSGSIZE;

	text_nul = memchr(text, 0, len - BEACON_HDR_BYTES);
	if (!text_nul)
		return -EBADMSG;
	text_len = (size_t)(text_nul - text);
	/* len <= 1001 guarantees text_len <= BEACON_TEXT_MAX_BYTES */
	memcpy(b->text, text, text_len);
	b->text[text_len] = '\0';

	rest = text_nul + 1;
	rest_len = len - BEACON_HDR_BYTES - text_len - 1;
	if (rest_len == 0 || rest[0] == 0)
		return all_nul(rest, rest_len) ? 0 : -EBADMSG;

	line_nul = memchr(rest, 0, rest_len);
	if (!line_nul)
		return -EBADMSG;
	line_len = (size_t)(line_nul - rest);
	if (!all_nul(line_nul, rest_len - line_len))
		return -EBADMSG;
	return parse_line(rest, line_len, b);
}

int beacon_decode(const uint8_t *buf, size_t len, struct beacon *b)
{
	int ret;

	if (!b)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	if (!buf)
		return -EINVAL;
	ret = beacon_decode_inner(buf, len, b);
	if (ret)
		memset(b, 0, sizeof(*b));
	return ret;
}
