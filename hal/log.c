/* hal/log.c — logging to stderr with a level; in the daemon through a bounded queue that never blocks */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "outbuf.h"

#define LOG_QUEUE_BYTES 16384
#define LOG_LINE_BYTES 1024

static enum log_level max_level = LOG_LVL_INFO;
static const char *ident = "failsafed";

static struct {
	bool on;                    /* log_nonblocking() succeeded */
	int fd;                     /* stderr, or our own non-blocking description of it (valid when on) */
	void (*wake)(int fd);
	struct outbuf q;
	unsigned long dropped;      /* lines lost since start */
	unsigned long reported;     /* of those, already reported */
	uint8_t storage[LOG_QUEUE_BYTES];
} nb;                          /* all zero: .bss, so the queue costs no flash */

void log_set_level(enum log_level level)
{
	max_level = level < LOG_LVL_COUNT ? level : LOG_LVL_DEBUG;
}

void log_set_ident(const char *name)
{
	ident = name;
}

int log_nonblocking(void (*wake)(int fd))
{
	struct stat st;
	int fd = STDERR_FILENO;

	if (fstat(STDERR_FILENO, &st) < 0)
		return -errno;
	outbuf_init(&nb.q, nb.storage, sizeof(nb.storage));
	nb.q.socket = S_ISSOCK(st.st_mode);
	/*
	 * A pipe or tty gets a description of its own with O_NONBLOCK (set on fd 2
	 * itself it would reach a shell sharing the terminal). A file never blocks
	 * for long and shares its offset with stdout when both go there: keep it.
	 */
	if (!S_ISREG(st.st_mode) && !nb.q.socket) {
		fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
	}
	nb.fd = fd;
	nb.wake = wake;
	nb.on = true;
	return 0;
}

bool log_flush(void)
{
	char line[96];
	int n;

	if (!nb.on)
		return false;
	if (outbuf_flush(&nb.q, nb.fd) == -EAGAIN)
		return true;
	if (nb.dropped > nb.reported) {
		n = snprintf(line, sizeof(line), "%s: warning: %lu log lines dropped (stderr did not keep up)\n",
			     ident, nb.dropped - nb.reported);
		if (n < 0 || (size_t)n >= sizeof(line))
			n = sizeof(line) - 1;
		nb.reported = nb.dropped;
		outbuf_put_all(&nb.q, line, (size_t)n);
		return outbuf_flush(&nb.q, nb.fd) == -EAGAIN;
	}
	return false;
}

static void emit(const char *buf, size_t len)
{
	if (!nb.on) {
		/* One write keeps lines whole when several processes share stderr. */
		if (write(STDERR_FILENO, buf, len) < 0) {
			/* nowhere left to report it */
		}
		return;
	}
	if (!outbuf_put_all(&nb.q, buf, len)) {
		nb.dropped++;
		return;
	}
	if (log_flush() && nb.wake)
		nb.wake(nb.fd);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tags[LOG_LVL_COUNT] = { "error: ", "warning: ", "", "debug: " };
	char buf[LOG_LINE_BYTES];
	int saved = errno;
	int n, m;
	va_list ap;

	if (level > max_level)
		return;
	n = snprintf(buf, sizeof(buf), "%s: %s", ident, tags[level < LOG_LVL_COUNT ? level : LOG_LVL_DEBUG]);
	if (n < 0 || (size_t)n >= sizeof(buf) / 2)
		n = 0; /* an absurd ident: the message matters more */
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	emit(buf, (size_t)n);
	errno = saved;
}
