/* app/common/json.c — a strict JSON reader into a flat value array, and a writer into a growing buffer (pure) */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_TEXT_BYTES (1u << 30)

struct parser {
	struct json_doc *d;
	const char *s;
	size_t len, pos;
};

static int fail(struct parser *p, const char *why)
{
	p->d->error = p->pos >= p->len ? "unexpected end" : why;
	p->d->end = p->pos;
	return -EBADMSG;
}

static void skip_blanks(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n'
				   || p->s[p->pos] == '\r'))
		p->pos++;
}

/* A new value of @type at the end of the array: its index, or -ENOMEM. */
static int new_val(struct parser *p, enum json_type type)
{
	struct json_doc *d = p->d;

	if (d->n == d->cap) {
		uint32_t cap = d->cap ? 2 * d->cap : 16;
		struct json_val *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n] = (struct json_val){ .type = (uint8_t)type };
	return (int)d->n++;
}

/* The strings area holds len + 1 bytes: a string's text is shorter than its quoted form, a number's NUL takes
 * the byte after it (a delimiter, or the one extra byte at the very end). */
static void put_byte(struct parser *p, uint8_t c)
{
	p->d->strings[p->d->used++] = (char)c;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++, p->pos++) {
		char c = p->pos < p->len ? p->s[p->pos] : 0;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (unsigned)((c | 0x20) - 'a' + 10);
		else
			return fail(p, "invalid \\u escape");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct parser *p, unsigned cp)
{
	if (cp < 0x80) {
		put_byte(p, (uint8_t)cp);
	} else if (cp < 0x800) {
		put_byte(p, (uint8_t)(0xc0 | cp >> 6));
		put_byte(p, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put_byte(p, (uint8_t)(0xe0 | cp >> 12));
		put_byte(p, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
		put_byte(p, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		put_byte(p, (uint8_t)(0xf0 | cp >> 18));
		put_byte(p, (uint8_t)(0x80 | (cp >> 12 & 0x3f)));
		put_byte(p, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
		put_byte(p, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* \uXXXX after the backslash and 'u'; a surrogate without its other half becomes U+FFFD. */
static int unicode_escape(struct parser *p)
{
	unsigned cp, lo;
	int err = hex4(p, &cp);

	if (err)
		return err;
	if (cp >= 0xd800 && cp < 0xdc00 && p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
		size_t back = p->pos;

		p->pos += 2;
		if ((err = hex4(p, &lo)))
			return err;
		if (lo >= 0xdc00 && lo < 0xe000)
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		else
			p->pos = back;  /* not a low half: a value of its own */
	}
	put_utf8(p, cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp);
	return 0;
}

/* The string at p->pos (its opening quote) into value @idx. */
static int parse_string(struct parser *p, int idx)
{
	size_t start = p->d->used;
	int err;

	p->pos++;
	for (;;) {
		uint8_t c;

		if (p->pos >= p->len)
			return fail(p, "unexpected end");
		c = (uint8_t)p->s[p->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, "control character in a string");
		p->pos++;
		if (c != '\\') {
			put_byte(p, c);
			continue;
		}
		if (p->pos >= p->len)
			return fail(p, "unexpected end");
		switch (p->s[p->pos++]) {
		case '"': put_byte(p, '"'); break;
		case '\\': put_byte(p, '\\'); break;
		case '/': put_byte(p, '/'); break;
		case 'b': put_byte(p, '\b'); break;
		case 'f': put_byte(p, '\f'); break;
		case 'n': put_byte(p, '\n'); break;
		case 'r': put_byte(p, '\r'); break;
		case 't': put_byte(p, '\t'); break;
		case 'u':
			if ((err = unicode_escape(p)))
				return err;
			break;
		default:
			p->pos--;
			return fail(p, "invalid escape");
		}
	}
	p->pos++;
	p->d->v[idx].text = (uint32_t)start;
	p->d->v[idx].n = (uint32_t)(p->d->used - start);
	put_byte(p, 0);
	return 0;
}

static bool digit_at(const struct parser *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

static int digits(struct parser *p)
{
	if (!digit_at(p))
		return fail(p, "digit expected");
	while (digit_at(p))
		p->pos++;
	return 0;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct parser *p, int idx)
{
	size_t start = p->pos;
	int err;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if ((err = digits(p)))
		return err;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if ((err = digits(p)))
			return err;
	}
	if (p->pos < p->len && (p->s[p->pos] | 0x20) == 'e') {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if ((err = digits(p)))
			return err;
	}
	p->d->v[idx].text = (uint32_t)p->d->used;
	p->d->v[idx].n = (uint32_t)(p->pos - start);
	memcpy(p->d->strings + p->d->used, p->s + start, p->pos - start);
	p->d->used += p->pos - start;
	put_byte(p, 0);
	return 0;
}

static int parse_word(struct parser *p, int idx, const char *word, enum json_type type)
{
	size_t n = strlen(word);

	for (size_t i = 0; i < n; i++, p->pos++)
		if (p->pos >= p->len || p->s[p->pos] != word[i])
			return fail(p, "unexpected character");
	p->d->v[idx].type = (uint8_t)type;
	return 0;
}

static int parse_value(struct parser *p, unsigned depth);

/* An object's or array's members after its opening bracket, each a value (arrays) or key : value (objects). */
static int parse_members(struct parser *p, int idx, unsigned depth, char close)
{
	int err, key;

	skip_blanks(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_blanks(p);
		if (close == '}') {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "a key string expected");
			if ((key = new_val(p, JSON_STRING)) < 0)
				return key;
			if ((err = parse_string(p, key)))
				return err;
			p->d->v[key].next = p->d->n;
			skip_blanks(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, "':' expected");
			p->pos++;
		}
		if ((err = parse_value(p, depth + 1)))
			return err;
		p->d->v[idx].n++;
		skip_blanks(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		return fail(p, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
	}
}

static int parse_value(struct parser *p, unsigned depth)
{
	int idx, err;
	char c;

	skip_blanks(p);
	if (p->pos >= p->len)
		return fail(p, "unexpected end");
	if ((idx = new_val(p, JSON_NONE)) < 0)
		return idx;
	c = p->s[p->pos];
	if (c == '{' || c == '[') {
		if (depth == JSON_MAX_DEPTH)
			return fail(p, "nesting too deep");
		p->d->v[idx].type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
		p->pos++;
		err = parse_members(p, idx, depth, c == '{' ? '}' : ']');
	} else if (c == '"') {
		p->d->v[idx].type = JSON_STRING;
		err = parse_string(p, idx);
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		p->d->v[idx].type = JSON_NUMBER;
		err = parse_number(p, idx);
	} else if (c == 't') {
		err = parse_word(p, idx, "true", JSON_TRUE);
	} else if (c == 'f') {
		err = parse_word(p, idx, "false", JSON_FALSE);
	} else if (c == 'n') {
		err = parse_word(p, idx, "null", JSON_NULL);
	} else {
		err = fail(p, "unexpected character");
	}
	p->d->v[idx].next = p->d->n;
	return err;
}

int json_parse(struct json_doc *d, const char *text, size_t len)
{
	struct parser p = { .d = d, .s = text, .len = len };
	int err;

	memset(d, 0, sizeof(*d));
	if (len > JSON_MAX_TEXT_BYTES)
		return -E2BIG;
	if (!(d->strings = malloc(len + 1)))
		return -ENOMEM;
	if ((err = parse_value(&p, 0)))
		return err;
	skip_blanks(&p);
	d->end = p.pos;
	return 0;
}

void json_free(struct json_doc *d)
{
	free(d->v);
	free(d->strings);
	d->v = NULL;
	d->strings = NULL;
	d->n = d->cap = 0;
}

enum json_type json_type(const struct json_doc *d, int v)
{
	return v >= 0 && (uint32_t)v < d->n ? (enum json_type)d->v[v].type : JSON_NONE;
}

size_t json_len(const struct json_doc *d, int v)
{
	enum json_type t = json_type(d, v);

	return t == JSON_OBJECT || t == JSON_ARRAY || t == JSON_STRING ? d->v[v].n : 0;
}

int json_get(const struct json_doc *d, int obj, const char *key)
{
	size_t n = json_type(d, obj) == JSON_OBJECT ? d->v[obj].n : 0, klen = strlen(key);
	uint32_t k = (uint32_t)obj + 1;
	int found = -1;

	for (size_t m = 0; m < n; m++, k = d->v[k + 1].next)
		if (d->v[k].n == klen && !memcmp(d->strings + d->v[k].text, key, klen))
			found = (int)k + 1;
	return found;
}

int json_at(const struct json_doc *d, int arr, size_t i)
{
	uint32_t k = (uint32_t)arr + 1;

	if (json_type(d, arr) != JSON_ARRAY || i >= d->v[arr].n)
		return -1;
	while (i--)
		k = d->v[k].next;
	return (int)k;
}

const char *json_str(const struct json_doc *d, int v)
{
	return json_type(d, v) == JSON_STRING ? d->strings + d->v[v].text : NULL;
}

const char *json_str_or(const struct json_doc *d, int v, const char *def)
{
	const char *s = json_str(d, v);

	return s ? s : def;
}

/* No strtod: a static failsafed would link musl's float parser (5 KB) for numbers it never reads. */
bool json_int(const struct json_doc *d, int v, int64_t *out)
{
	const char *s, *c;
	long exp = 0, keep;
	uint64_t acc = 0;
	bool neg;

	if (json_type(d, v) != JSON_NUMBER)
		return false;
	s = d->strings + d->v[v].text;
	if ((neg = *s == '-'))
		s++;
	c = s + strcspn(s, "eE");
	if (*c) {
		/* The grammar made this [+-]?[0-9]+; past 4 digits the answer is 0 or too large either way. */
		bool minus = c[1] == '-';

		for (c += 1 + (c[1] == '-' || c[1] == '+'); *c; c++)
			exp = exp < 10000 ? exp * 10 + (*c - '0') : exp;
		exp = minus ? -exp : exp;
	}
	/* The integer part: the first (integer digits + exponent) digits of the mantissa, zeros after its end. */
	keep = (long)strspn(s, "0123456789") + exp;
	for (c = s; keep > 0; keep--) {
		unsigned digit = 0;

		c += *c == '.';
		if (*c >= '0' && *c <= '9')
			digit = (unsigned)(*c++ - '0');
		if (acc > (UINT64_MAX - digit) / 10)
			return false;
		acc = acc * 10 + digit;
	}
	if (acc > (uint64_t)INT64_MAX + neg)
		return false;
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return true;
}

bool json_bool(const struct json_doc *d, int v, bool *out)
{
	enum json_type t = json_type(d, v);

	if (t != JSON_TRUE && t != JSON_FALSE)
		return false;
	*out = t == JSON_TRUE;
	return true;
}

/* ---- writer ---- */

static void put(struct json_out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *p;

		while (o->len + n + 1 > cap)
			cap *= 2;
		if (!(p = realloc(o->p, cap))) {
			o->oom = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put_quoted(struct json_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		char esc[6] = { '\\', 0, '0', '0', hex[c >> 4], hex[c & 15] };
		const char *named = c == '"' ? "\"" : c == '\\' ? "\\" : c == '\b' ? "b" : c == '\f' ? "f"
				    : c == '\n' ? "n" : c == '\r' ? "r" : c == '\t' ? "t" : NULL;

		if (c >= 0x20 && !named)
			continue;
		put(o, s + run, i - run);
		run = i + 1;
		esc[1] = named ? *named : 'u';
		put(o, esc, named ? 2 : 6);
	}
	put(o, s + run, n - run);
	put(o, "\"", 1);
}

/* The comma before a value and its key. */
static void begin(struct json_out *o, const char *key)
{
	if (o->comma)
		put(o, ",", 1);
	if (key) {
		put_quoted(o, key, strlen(key));
		put(o, ":", 1);
	}
	o->comma = true;
}

void json_open(struct json_out *o, const char *key, char bracket)
{
	begin(o, key);
	put(o, &bracket, 1);
	o->comma = false;
}

void json_close(struct json_out *o, char bracket)
{
	put(o, &bracket, 1);
	o->comma = true;
}

void json_put_strn(struct json_out *o, const char *key, const char *s, size_t n)
{
	begin(o, key);
	put_quoted(o, s, n);
}

void json_put_str(struct json_out *o, const char *key, const char *s)
{
	json_put_strn(o, key, s ? s : "", s ? strlen(s) : 0);
}

void json_put_int(struct json_out *o, const char *key, int64_t n)
{
	char buf[24];

	begin(o, key);
	put(o, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRId64, n));
}

void json_put_bool(struct json_out *o, const char *key, bool b)
{
	begin(o, key);
	put(o, b ? "true" : "false", b ? 4 : 5);
}

void json_put_null(struct json_out *o, const char *key)
{
	begin(o, key);
	put(o, "null", 4);
}

char *json_out_take(struct json_out *o, size_t *len)
{
	char *p = o->p;

	if (!o->oom && !p)
		put(o, "", 0);
	p = o->oom ? NULL : o->p;
	if (o->oom)
		free(o->p);
	if (len)
		*len = p ? o->len : 0;
	*o = (struct json_out){ 0 };
	return p;
}
