/* fuzz/fuzz_mountinfo.c — libFuzzer target: /proc/self/mountinfo text (mount points and options can hold anything) and option lookup */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[1 << 16];
	static const char *const points[] = { "/", "/overlay", "/rom", "/tmp", "/mnt/a b" };
	struct mount_entry e;
	char value[64];

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		memset(&e, 0x55, sizeof(e));
		if (!mountinfo_find(text, points[i], &e))
			continue;
		check(!strcmp(e.mount_point, points[i]));
		check(memchr(e.fstype, 0, sizeof(e.fstype)) && memchr(e.source, 0, sizeof(e.source)));
		check(memchr(e.super_options, 0, sizeof(e.super_options)) != NULL);
		for (const char *k = "upperdir\0lowerdir\0workdir\0rw\0"; *k; k += strlen(k) + 1)
			if (mountinfo_option(e.super_options, k, value, sizeof(value)))
				check(memchr(value, 0, sizeof(value)) != NULL);
	}
	/* The option list itself as input. */
	if (mountinfo_option(text, "upperdir", value, sizeof(value)))
		check(memchr(value, 0, sizeof(value)) != NULL);
	mountinfo_option(text, "", value, 1);
	return 0;
}
