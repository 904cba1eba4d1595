/* app/applets/stage2_req.c — the stage2 request file: format and parse "key=value" lines (pure) */
#include "stage2_req.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int put(char *out, size_t size, size_t *n, const char *key, const char *value)
{
	int w;

	if (strchr(value, '\n') || strchr(value, '\r'))
		return -EINVAL;
	w = snprintf(*n < size ? out + *n : NULL, *n < size ? size - *n : 0, "%s=%s\n", key, value);
	*n += (size_t)w;
	return *n < size ? 0 : -E2BIG;
}

int stage2_req_format(const struct stage2_req *r, char *out, size_t size)
{
	size_t n = 0;
	int rc = 0;

	if (!r->argc || r->argc > STAGE2_ARGS_MAX || r->n_tools > STAGE2_TOOLS_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < r->argc && !rc; i++)
		rc = put(out, size, &n, "arg", r->argv[i]);
	for (unsigned i = 0; i < r->n_tools && !rc; i++)
		rc = put(out, size, &n, "tool", r->tool[i]);
	if (!rc && r->why[0])
		rc = put(out, size, &n, "why", r->why);
	if (!rc && r->cause[0])
		rc = put(out, size, &n, "cause", r->cause);
	if (!rc && r->button[0])
		rc = put(out, size, &n, "button", r->button);
	if (!rc && r->abandoned[0])
		rc = put(out, size, &n, "abandoned", r->abandoned);
	return rc < 0 ? rc : (int)n;
}

/* Copy value (len bytes) into dst of size: false when it does not fit. */
static bool take(char *dst, size_t size, const char *value, size_t len)
{
	if (len >= size)
		return false;
	memcpy(dst, value, len);
	dst[len] = '\0';
	return true;
}

int stage2_req_parse(const char *text, struct stage2_req *r, char *why, size_t why_size)
{
	memset(r, 0, sizeof(*r));
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n"), klen = strcspn(line, "=");
		const char *v = line + klen + 1;
		size_t vlen = klen < len ? len - klen - 1 : 0;
		bool ok = true;

		if (klen >= len) {
			/* no '=': not a line of ours */
		} else if (klen == 3 && !strncmp(line, "arg", 3)) {
			if (r->argc == STAGE2_ARGS_MAX) {
				snprintf(why, why_size, "more than %d arguments", STAGE2_ARGS_MAX);
				return -EINVAL;
			}
			ok = take(r->argv[r->argc++], sizeof(r->argv[0]), v, vlen);
		} else if (klen == 4 && !strncmp(line, "tool", 4)) {
			if (r->n_tools == STAGE2_TOOLS_MAX) {
				snprintf(why, why_size, "more than %d tools", STAGE2_TOOLS_MAX);
				return -EINVAL;
			}
			ok = take(r->tool[r->n_tools++], sizeof(r->tool[0]), v, vlen);
		} else if (klen == 3 && !strncmp(line, "why", 3)) {
			ok = take(r->why, sizeof(r->why), v, vlen);
		} else if (klen == 5 && !strncmp(line, "cause", 5)) {
			ok = take(r->cause, sizeof(r->cause), v, vlen);
		} else if (klen == 6 && !strncmp(line, "button", 6)) {
			ok = take(r->button, sizeof(r->button), v, vlen);
		} else if (klen == 9 && !strncmp(line, "abandoned", 9)) {
			ok = take(r->abandoned, sizeof(r->abandoned), v, vlen);
		}
		if (!ok) {
			snprintf(why, why_size, "a value of \"%.*s\" is too long", (int)(klen < 16 ? klen : 16), line);
			return -EINVAL;
		}
		line += len + (line[len] == '\n');
	}
	if (!r->argc) {
		snprintf(why, why_size, "no sysupgrade to run (no arg= line)");
		return -EINVAL;
	}
	return 0;
}

int stage2_openwrt_handover(const char *prefix, const char *path, const char *command, char *out, size_t size)
{
	size_t a = strlen(prefix) + 1, b = strlen(path) + 1, c = strlen(command) + 1;

	if (a + b + c > size)
		return -E2BIG;
	memcpy(out, prefix, a);
	memcpy(out + a, path, b);
	memcpy(out + a + b, command, c);
	return (int)(a + b + c);
}
