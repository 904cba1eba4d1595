/* hal/log.c — logging to stderr with a level, one write per message */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <errno.h>

#include "log.h"

static enum log_level max_level = LOG_LVL_INFO;
static const char *ident = "failsafed";

void log_set_level(enum log_level level)
{
	max_level = level < LOG_LVL_COUNT ? level : LOG_LVL_DEBUG;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_set_ident(const char *name)
{
	ident = name;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tags[LOG_LVL_COUNT] = { "error: ", "warning: ", "", "debug: " };
	char buf[512];
	int saved = errno;
	int n, m;
	va_list ap;

	if (level > max_level)
		return;
	n = snprintf(buf, sizeof(buf), "%s: %s", ident, tags[level < LOG_LVL_COUNT ? level : LOG_LVL_DEBUG]);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write keeps lines whole when several processes share stderr. */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}
