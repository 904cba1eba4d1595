/* app/boot/cmdline.c — kernel command line facts (pure) */
#include <string.h>

#include "cmdline.h"

bool cmdline_has_failsafe(const char *buf, size_t len)
{
	static const char key[] = "failsafe=";
	const size_t key_len = sizeof(key) - 1;

	for (size_t i = 0; i + key_len <= len; i++)
		if (!memcmp(buf + i, key, key_len))
			return true;
	return false;
}
