/* app/flash/sysconfig.c — one option out of a UCI config file, as `uci get TYPE.@TYPE[0].NAME` reads it (pure) */
#include "sysconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define WORDS 3              /* config TYPE NAME / option NAME VALUE: the first three words matter */
#define WORD_BYTES 256

struct line {
	char word[WORDS][WORD_BYTES];
	unsigned n;
	bool too_long;           /* a word did not fit (only an error if it is the value asked for) */
};

/* One line into words; -EINVAL for an unterminated quote. *pos moves past the line. */
static int split(const char *t, size_t len, size_t *pos, struct line *l)
{
	size_t i = *pos;

	memset(l, 0, sizeof(*l));
	while (i < len && t[i] != '\n') {
		size_t w = 0;
		char *out = l->n < WORDS ? l->word[l->n] : NULL;

		if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r') {
			i++;
			continue;
		}
		if (t[i] == '#') {
			while (i < len && t[i] != '\n')
				i++;
			break;
		}
		/* one word: plain, '...' and "..." parts joined until a blank */
		while (i < len && t[i] != '\n' && t[i] != ' ' && t[i] != '\t' && t[i] != '\r') {
			char q = t[i] == '\'' || t[i] == '"' ? t[i] : 0;
			char c;

			if (q) {
				for (i++; i < len && t[i] != q; i++) {
					if (t[i] == '\n')
						return -EINVAL;
					c = t[i];
					if (q == '"' && c == '\\' && i + 1 < len && t[i + 1] != '\n')
						c = t[++i];
					if (out && w + 1 < WORD_BYTES)
						out[w++] = c;
					else if (out)
						l->too_long = true;
				}
				if (i == len)
					return -EINVAL;
				i++;
				continue;
			}
			if (t[i] == '#' && w == 0)
				break;
			c = t[i];
			if (c == '\\' && i + 1 < len && t[i + 1] != '\n')
				c = t[++i];
			if (out && w + 1 < WORD_BYTES)
				out[w++] = c;
			else if (out)
				l->too_long = true;
			i++;
		}
		if (out)
			out[w] = '\0';
		l->n++;
	}
	*pos = i < len ? i + 1 : len;
	return 0;
}

int sysconfig_option(const char *text, size_t len, const char *type, const char *name, char *out, size_t out_size)
{
	enum { BEFORE, INSIDE, AFTER } where = BEFORE;
	struct line l;
	size_t pos = 0;
	int found = 0, rc;

	while (pos < len && where != AFTER) {
		if ((rc = split(text, len, &pos, &l)) < 0)
			return found ? found : rc;
		if (l.n == 0)
			continue;
		if (!strcmp(l.word[0], "config") || !strcmp(l.word[0], "package")) {
			if (where == INSIDE)
				where = AFTER;
			else if (!strcmp(l.word[0], "config") && l.n >= 2 && !strcmp(l.word[1], type))
				where = INSIDE;
			continue;
		}
		if (where != INSIDE || strcmp(l.word[0], "option") || l.n < 3 || strcmp(l.word[1], name))
			continue;
		if (l.too_long || strlen(l.word[2]) >= out_size)
			return -E2BIG;
		memcpy(out, l.word[2], strlen(l.word[2]) + 1);
		found = 1;
	}
	return found;
}
