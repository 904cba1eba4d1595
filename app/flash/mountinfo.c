/* app/flash/mountinfo.c — parse /proc/self/mountinfo lines (proc(5)): mount point, fstype, source, options (pure) */
#include <stdio.h>
#include <string.h>

#include "mountinfo.h"
#include "scan.h"

/* Copy one space-separated field, decoding \ooo escapes. Returns the rest of the line, or NULL. */
static const char *field(const char *p, char *out, size_t size)
{
	size_t n = 0;

	while (*p == ' ')
		p++;
	if (!*p || *p == '\n')
		return NULL;
	for (; *p && *p != ' ' && *p != '\n'; p++) {
		char c = *p;

		if (c == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
		    p[3] <= '7') {
			c = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
			p += 3;
		}
		if (n + 1 < size)
			out[n++] = c;
	}
	if (size)
		out[n] = '\0';
	return p;
}

static bool parse_line(const char *line, struct mount_entry *e)
{
	char skip[MOUNTINFO_PATH_BYTES], opts[256];
	const char *p = line;

	/* id parent major:minor root mount-point options [optional...] - fstype source super-options */
	for (int i = 0; i < 4 && p; i++) {
		p = field(p, skip, sizeof(skip));
		if (p && i == 2 && !scan_pair(skip, 10, &e->major, &e->minor, NULL))
			return false;
	}
	if (!p || !(p = field(p, e->mount_point, sizeof(e->mount_point))) || !(p = field(p, opts, sizeof(opts))))
		return false;
	e->read_only = !strncmp(opts, "ro", 2) && (opts[2] == ',' || !opts[2]);
	while ((p = field(p, skip, sizeof(skip))) && strcmp(skip, "-"))
		;
	if (!p || !(p = field(p, e->fstype, sizeof(e->fstype))) || !(p = field(p, e->source, sizeof(e->source))))
		return false;
	if (!field(p, e->super_options, sizeof(e->super_options)))
		e->super_options[0] = '\0';
	return true;
}

bool mountinfo_find(const char *text, const char *mount_point, struct mount_entry *out)
{
	bool found = false;

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		struct mount_entry e;

		if (parse_line(line, &e) && !strcmp(e.mount_point, mount_point)) {
			*out = e;
			found = true;
		}
	}
	return found;
}

bool mountinfo_next(const char **cursor, struct mount_entry *out)
{
	const char *line = *cursor;

	while (line && *line) {
		const char *nl = strchr(line, '\n');

		*cursor = nl ? nl + 1 : line + strlen(line);
		if (parse_line(line, out))
			return true;
		line = *cursor;
	}
	return false;
}

bool mountinfo_moves_to_ram(const char *mount_point)
{
	static const char *const moved[] = { "/proc", "/sys", "/dev", "/tmp" };

	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		size_t n = strlen(moved[i]);

		if (!strncmp(mount_point, moved[i], n) && (mount_point[n] == '\0' || mount_point[n] == '/'))
			return true;
	}
	return false;
}

bool mountinfo_option(const char *options, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = options; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;

			snprintf(out, size, "%.*s", (int)strcspn(v, ","), v);
			return true;
		}
	}
	return false;
}
