/* app/common/scan.h — the numbers failsafed reads from /proc and /sys ("31:2", "1f:3"), without sscanf */
#ifndef APP_SCAN_H
#define APP_SCAN_H

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>

/*
 * No sscanf in the daemon: musl's scanf engine (vfscanf and the float
 * parser it brings) is about 10 KB of a static build (docs/performance.md).
 */

/* An unsigned number in @base (10 or 16) starting right at @s (no blanks, no sign): true, *end after it. */
static inline bool scan_unsigned(const char *s, int base, unsigned long *out, const char **end)
{
	char *e;

	if (!(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)))
		return false;
	*out = strtoul(s, &e, base);
	if (end)
		*end = e;
	return true;
}

/* "MAJOR:MINOR" in @base at @s (sysfs dev and mountinfo: decimal; /proc/PID/maps: hex): true, *end after it. */
static inline bool scan_pair(const char *s, int base, unsigned *major_out, unsigned *minor_out, const char **end)
{
	unsigned long a, b;
	const char *p;

	if (!scan_unsigned(s, base, &a, &p) || *p != ':' || !scan_unsigned(p + 1, base, &b, &p))
		return false;
	*major_out = (unsigned)a;
	*minor_out = (unsigned)b;
	if (end)
		*end = p;
	return true;
}

#endif /* APP_SCAN_H */
