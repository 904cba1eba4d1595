/* app/flash/settings.c — the settings a sysupgrade keeps, found in the overlay and archived (tar, as OpenWrt does) */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "settings.h"
#include "settings_conf.h"

#define LIST_BYTES 65536

/* Append the conf file rel to the list: the overlay's copy if it has one, else rom's (view/rel). */
static void add_conf(const char *upper, const char *view, const char *rel, char *list)
{
	char path[4096], text[8192];

	snprintf(path, sizeof(path), "%s/%s", upper, rel);
	if (io_read_file(path, text, sizeof(text)) < 0) {
		struct stat st;

		if (!view || lstat(path, &st) == 0)
			return; /* a whiteout or other non-file in the overlay hides rom's */
		snprintf(path, sizeof(path), "%s/%s", view, rel);
		if (io_read_file(path, text, sizeof(text)) < 0)
			return;
	}
	settings_conf_parse(text, list, LIST_BYTES);
}

long settings_save(const char *upper, const char *view, const char *archive, char *why)
{
	static char list[LIST_BYTES], kept[LIST_BYTES];
	char path[4096], **argv;
	DIR *d;
	struct dirent *de;
	size_t k = 0;
	long n = 0;
	int rc;

	snprintf(list, sizeof(list), "%s", SETTINGS_CONF_FIXED);
	add_conf(upper, view, "etc/sysupgrade.conf", list);
	for (int layer = 0; layer < 2; layer++) {
		snprintf(path, sizeof(path), "%s/lib/upgrade/keep.d", layer ? view : upper);
		if ((layer && !view) || !(d = opendir(path)))
			continue;
		while ((de = readdir(d))) {
			char rel[600];

			if (de->d_name[0] == '.')
				continue;
			snprintf(rel, sizeof(rel), "lib/upgrade/keep.d/%s", de->d_name);
			add_conf(upper, view, rel, list);   /* a list in both layers is added twice: harmless */
		}
		closedir(d);
	}
	/* Only what the overlay holds: rom's own files come back with the new rom. */
	kept[0] = '\0';
	for (char *line = list, *end; *line; line = end + 1) {
		struct stat st;

		end = strchr(line, '\n');
		*end = '\0';
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", upper, line) >= sizeof(path))
			continue; /* no such path on any filesystem */
		if (lstat(path, &st) == 0 && k + strlen(line) + 2 < sizeof(kept) && !settings_conf_listed(kept, line)) {
			k += (size_t)snprintf(kept + k, sizeof(kept) - k, "%s\n", line);
			n++;
		}
	}
	if (!n)
		return 0;
	/* The names as arguments (OpenWrt's tar -T is not in every BusyBox); none starts with '-'. */
	argv = calloc((size_t)n + 6, sizeof(*argv));
	if (!argv) {
		snprintf(why, SETTINGS_WHY_BYTES, "no memory for the list of %ld paths", n);
		return -ENOMEM;
	}
	argv[0] = "tar";
	argv[1] = "-czf";
	argv[2] = (char *)archive;
	argv[3] = "-C";
	argv[4] = (char *)upper;
	k = 5;
	for (char *line = kept, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		*end = '\0';
		argv[k++] = line;
	}
	rc = io_run(argv, false, why, SETTINGS_WHY_BYTES);
	free(argv);
	if (rc < 0)
		return rc;
	return n;
}
