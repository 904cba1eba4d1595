/* app/flash/settings_conf.c — which settings sysupgrade keeps: OpenWrt's sysupgrade.conf-style lists, parsed and merged (pure) */
#include <string.h>

#include "settings_conf.h"

/* line (without its newline) is one of the lines of list. */
bool settings_conf_listed(const char *list, const char *line)
{
	size_t n = strlen(line);

	if (!n)   /* strstr finds "" everywhere and the loop below would not move */
		return list[0] == '\n' || strstr(list, "\n\n");
	for (const char *p = list; (p = strstr(p, line)); p += n)
		if ((p == list || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

size_t settings_conf_parse(const char *text, char *out, size_t out_size)
{
	size_t len = strlen(out), added = 0;

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t n = strcspn(line, "\n");
		const char *p = line;

		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		if (!n || *p == '#')
			continue;
		while (n && *p == '/')
			p++, n--;
		if (!n || len + n + 2 > out_size)
			continue;
		memcpy(out + len, p, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
		added++;
	}
	return added;
}
