/* hal/outbuf.c — bounded non-blocking output queue (console, telnet sessions, the log) */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "outbuf.h"

void outbuf_init(struct outbuf *q, void *storage, size_t cap_bytes)
{
	*q = (struct outbuf){ .buf = storage, .cap_bytes = cap_bytes };
}

size_t outbuf_room(const struct outbuf *q)
{
	return q->cap_bytes - q->len_bytes;
}

size_t outbuf_put(struct outbuf *q, const void *data, size_t len)
{
	size_t n = len < outbuf_room(q) ? len : outbuf_room(q);

	if (n)  /* data may be NULL when len is 0: memcpy from NULL is undefined even for 0 bytes */
		memcpy(q->buf + q->len_bytes, data, n);
	q->len_bytes += n;
	q->dropped_bytes += len - n;
	return n;
}

bool outbuf_put_all(struct outbuf *q, const void *data, size_t len)
{
	if (len > outbuf_room(q)) {
		q->dropped_bytes += len;
		return false;
	}
	outbuf_put(q, data, len);
	return true;
}

uint8_t *outbuf_reserve(struct outbuf *q, size_t *room_bytes)
{
	*room_bytes = outbuf_room(q);
	return q->buf + q->len_bytes;
}

void outbuf_commit(struct outbuf *q, size_t len)
{
	q->len_bytes += len <= outbuf_room(q) ? len : outbuf_room(q);
}

int outbuf_flush(struct outbuf *q, int fd)
{
	size_t off = 0;
	int rc = 0;

	while (off < q->len_bytes) {
		ssize_t n = q->socket ? send(fd, q->buf + off, q->len_bytes - off, MSG_NOSIGNAL | MSG_DONTWAIT) :
					write(fd, q->buf + off, q->len_bytes - off);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		rc = n < 0 ? -errno : -EPIPE; /* a write of 0 bytes makes no progress: treat as gone */
		break;
	}
	if (rc == -EAGAIN || rc == 0) {
		memmove(q->buf, q->buf + off, q->len_bytes - off);
		q->len_bytes -= off;
		return q->len_bytes ? -EAGAIN : 0;
	}
	q->dropped_bytes += q->len_bytes - off;
	q->len_bytes = 0;
	return rc;
}
