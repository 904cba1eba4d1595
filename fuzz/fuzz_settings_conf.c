/* fuzz/fuzz_settings_conf.c — libFuzzer target: a sysupgrade.conf-style list (from the overlay: any bytes) into the list of kept paths */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "settings_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[1 << 16], out[1 << 12], one[1 << 12];
	size_t cap, added, lines = 0;

	if (size < 1)
		return 0;
	cap = sizeof(SETTINGS_CONF_FIXED) + data[0] * 8u;   /* the list's room: tight to roomy */
	if (cap > sizeof(out))
		cap = sizeof(out);
	size--;
	data++;
	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	memcpy(out, SETTINGS_CONF_FIXED, sizeof(SETTINGS_CONF_FIXED));
	memset(out + sizeof(SETTINGS_CONF_FIXED), 0x55, sizeof(out) - sizeof(SETTINGS_CONF_FIXED));
	added = settings_conf_parse(text, out, cap);
	/* Still a string inside the room, the fixed list first, then one relative, non-empty path per line, without trailing blanks. */
	check(memchr(out, 0, cap) != NULL);
	check(!strncmp(out, SETTINGS_CONF_FIXED, sizeof(SETTINGS_CONF_FIXED) - 1));
	for (char *line = out + sizeof(SETTINGS_CONF_FIXED) - 1, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		check(end && end > line && line[0] != '/');     /* " c" or "#x" after the slashes: names, kept */
		check(end[-1] != ' ' && end[-1] != '\t' && end[-1] != '\r');
		memcpy(one, line, (size_t)(end - line));
		one[end - line] = '\0';
		check(settings_conf_listed(out, one));    /* each added line is found in the list */
		lines++;
	}
	check(lines == added);
	/* Any line looked up in any list: no hang, no read past the strings. */
	check(!settings_conf_listed("", text) || !text[0]);
	settings_conf_listed(text, "");
	settings_conf_listed(text, "etc/config");
	return 0;
}
