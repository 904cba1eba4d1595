/* hal/outbuf.h — the one bounded, non-blocking writer: bytes queue here, go out when the fd takes them */
#ifndef HAL_OUTBUF_H
#define HAL_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A byte queue over caller-owned storage, flushed to a non-blocking fd.
 * It never blocks and never allocates: what does not fit is dropped and
 * counted. Sockets are written with send(MSG_NOSIGNAL | MSG_DONTWAIT);
 * other fds with write(2), so SIGPIPE must be ignored by the process when
 * they are pipes (a reader that went away is then -EPIPE, not a death).
 */
struct outbuf {
	uint8_t *buf;
	size_t cap_bytes;
	size_t len_bytes;
	uint64_t dropped_bytes;     /* bytes refused because the queue was full, or lost with a dead fd */
	bool socket;                /* the fd is a socket: send() */
};

void outbuf_init(struct outbuf *q, void *storage, size_t cap_bytes);
/* Free space in bytes. */
size_t outbuf_room(const struct outbuf *q);
/* Queue up to len bytes; returns how many were queued, the rest is counted in dropped_bytes. */
size_t outbuf_put(struct outbuf *q, const void *data, size_t len);
/* Queue all len bytes or none (whole lines, whole protocol commands). true when queued. */
bool outbuf_put_all(struct outbuf *q, const void *data, size_t len);
/* Free space at the end, to fill in place (e.g. an encoder); commit what was written. */
uint8_t *outbuf_reserve(struct outbuf *q, size_t *room_bytes);
void outbuf_commit(struct outbuf *q, size_t len);
/*
 * Write what is queued to fd without blocking. 0: everything went out;
 * -EAGAIN: the rest waits for the fd to be writable; other -errno: the fd
 * is broken (the queue is emptied and counted as dropped).
 */
int outbuf_flush(struct outbuf *q, int fd);

#endif /* HAL_OUTBUF_H */
