/* unittests/test_outbuf.c — the bounded writer: accounting timelines, full pipes, dead readers, sockets, 1 MB in order */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "outbuf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PIPE_BYTES 4096                 /* the write end's capacity, shrunk so it fills fast */

enum op { PUT, PUT_ALL, RESERVE, COMMIT, DISCARD, END };

/* One step and the queue after it. */
struct row {
	enum op op;
	const char *data;               /* PUT, PUT_ALL, RESERVE (written in place) */
	size_t len;                     /* PUT, PUT_ALL, COMMIT */
	size_t ret;                     /* PUT: queued; PUT_ALL: 1/0; RESERVE: room */
	const char *queued;             /* the whole queue after the step */
	uint64_t dropped_bytes;
};

static void run(const struct row *rows, size_t cap_bytes)
{
	uint8_t storage[64];
	struct outbuf q;

	assert_true(cap_bytes <= sizeof(storage));
	outbuf_init(&q, storage, cap_bytes);
	assert_int_equal(outbuf_room(&q), cap_bytes);
	for (const struct row *r = rows; r->op != END; r++) {
		size_t ret = 0, n;
		uint8_t *at;

		switch (r->op) {
		case PUT:
			ret = outbuf_put(&q, r->data, r->len);
			break;
		case PUT_ALL:
			ret = outbuf_put_all(&q, r->data, r->len);
			break;
		case RESERVE:
			at = outbuf_reserve(&q, &ret);
			assert_ptr_equal(at, storage + q.len_bytes);
			n = strlen(r->data);
			memcpy(at, r->data, n < ret ? n : ret);
			break;
		case COMMIT:
			outbuf_commit(&q, r->len);
			break;
		case DISCARD:
			/* a broken fd: what was queued is lost, and counted */
			n = q.len_bytes;
			assert_int_equal(outbuf_flush(&q, -1), n ? -EBADF : 0);
			break;
		case END:
			break;
		}
		if (ret != r->ret || q.len_bytes != strlen(r->queued) || q.dropped_bytes != r->dropped_bytes)
			print_message("step %zu: ret %zu, %zu queued, %llu dropped\n", (size_t)(r - rows), ret,
				      q.len_bytes, (unsigned long long)q.dropped_bytes);
		assert_int_equal(ret, r->ret);
		assert_int_equal(q.len_bytes, strlen(r->queued));
		assert_memory_equal(storage, r->queued, q.len_bytes);
		assert_int_equal(q.dropped_bytes, r->dropped_bytes);
		assert_int_equal(outbuf_room(&q), cap_bytes - q.len_bytes);
	}
}

static void accounting(void **s)
{
	static const struct row rows[] = {
		{ PUT, "abc", 3, 3, "abc", 0 },
		{ PUT, "", 0, 0, "abc", 0 },
		{ PUT, NULL, 0, 0, "abc", 0 },                  /* nothing from nowhere (telnet's AO, a bare flush) */
		{ PUT_ALL, NULL, 0, 1, "abc", 0 },
		{ PUT_ALL, "defgh", 5, 1, "abcdefgh", 0 },      /* exactly full */
		{ PUT, "i", 1, 0, "abcdefgh", 1 },
		{ PUT_ALL, "", 0, 1, "abcdefgh", 1 },           /* nothing always fits */
		{ PUT_ALL, "ij", 2, 0, "abcdefgh", 3 },
		{ RESERVE, "", 0, 0, "abcdefgh", 3 },
		{ DISCARD, NULL, 0, 0, "", 11 },                /* discarded bytes count as dropped */
		{ DISCARD, NULL, 0, 0, "", 11 },
		{ PUT_ALL, "123456789", 9, 0, "", 20 },         /* larger than the queue: none of it */
		{ PUT, "123456789", 9, 8, "12345678", 21 },     /* as much as fits */
		{ DISCARD, NULL, 0, 0, "", 29 },
		{ PUT, "ab", 2, 2, "ab", 29 },
		{ RESERVE, "XYZ", 0, 6, "ab", 29 },             /* written in place, not yet queued */
		{ COMMIT, NULL, 2, 0, "abXY", 29 },
		{ COMMIT, NULL, 0, 0, "abXY", 29 },
		{ RESERVE, "1234", 0, 4, "abXY", 29 },
		{ COMMIT, NULL, 9, 0, "abXY1234", 29 },         /* more than the room: clamped */
		{ RESERVE, "", 0, 0, "abXY1234", 29 },
		{ PUT_ALL, "x", 1, 0, "abXY1234", 30 },
		{ END, NULL, 0, 0, NULL, 0 },
	};
	static const struct row zero_cap[] = {
		{ PUT, "a", 1, 0, "", 1 },
		{ PUT_ALL, "", 0, 1, "", 1 },
		{ PUT_ALL, "ab", 2, 0, "", 3 },
		{ RESERVE, "", 0, 0, "", 3 },
		{ COMMIT, NULL, 1, 0, "", 3 },
		{ DISCARD, NULL, 0, 0, "", 3 },
		{ END, NULL, 0, 0, NULL, 0 },
	};

	(void)s;
	run(rows, 8);
	run(zero_cap, 0);
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 31 + (i >> 8) * 7 + (i >> 16));
}

static void pipe_nb(int fds[2])
{
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	assert_true(fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES) >= PIPE_BYTES);
}

/* Read what is there (up to max) and check it continues the pattern at *at. */
static size_t drain(int fd, uint64_t *at, size_t max)
{
	uint8_t buf[8192];
	ssize_t n = read(fd, buf, max < sizeof(buf) ? max : sizeof(buf));

	if (n < 0) {
		assert_int_equal(errno, EAGAIN);
		return 0;
	}
	for (ssize_t i = 0; i < n; i++, (*at)++)
		if (buf[i] != pattern(*at))
			fail_msg("byte %llu: 0x%02x, expected 0x%02x", (unsigned long long)*at, buf[i],
				 pattern(*at));
	return (size_t)n;
}

/* A pipe that fills: -EAGAIN keeps the rest, in order, and nothing is dropped. */
static void flush_full_pipe(void **s)
{
	uint8_t storage[PIPE_BYTES + 1000];
	struct outbuf q;
	uint64_t at = 0;
	int fds[2];

	(void)s;
	pipe_nb(fds);
	outbuf_init(&q, storage, sizeof(storage));
	assert_int_equal(outbuf_flush(&q, -1), 0);      /* nothing queued: the fd is not touched */
	for (uint64_t i = 0; i < sizeof(storage); i++)
		assert_true(outbuf_put_all(&q, &(uint8_t){ pattern(i) }, 1));
	assert_int_equal(outbuf_flush(&q, fds[1]), -EAGAIN);
	assert_true(q.len_bytes > 0 && q.len_bytes < sizeof(storage));
	assert_int_equal(storage[0], pattern(sizeof(storage) - q.len_bytes));   /* the rest moved to the front */
	assert_int_equal(outbuf_flush(&q, fds[1]), -EAGAIN);                      /* still full: no change */
	assert_int_equal(q.dropped_bytes, 0);
	while (drain(fds[0], &at, SIZE_MAX))
		;
	assert_int_equal(at, sizeof(storage) - q.len_bytes);
	assert_int_equal(outbuf_flush(&q, fds[1]), 0);
	assert_int_equal(q.len_bytes, 0);
	while (drain(fds[0], &at, SIZE_MAX))
		;
	assert_int_equal(at, sizeof(storage));
	assert_int_equal(q.dropped_bytes, 0);
	close(fds[0]);
	close(fds[1]);
}

/*
 * 1 MB through a queue into a 4 KiB pipe, drained in odd chunks: every byte in
 * order, none dropped. A queue up to PIPE_BUF is written all or nothing (POSIX);
 * a larger one also goes out in parts, and the rest must move to the front.
 */
static void stream(size_t cap_bytes, bool expect_partial)
{
	static const size_t chunks[] = { 1, 100, 300, 7, 2000, 50, 700 };  /* less than a queue a step, on average */
	const uint64_t total = 1u << 20;
	uint8_t storage[8192], chunk[8192];
	struct outbuf q;
	uint64_t put = 0, got = 0;
	unsigned eagain = 0, partial = 0;
	int fds[2];

	assert_true(cap_bytes <= sizeof(storage));
	pipe_nb(fds);
	outbuf_init(&q, storage, cap_bytes);
	for (size_t step = 0; got < total; step++) {
		size_t n = outbuf_room(&q), before;
		int rc;

		if (n > total - put)
			n = (size_t)(total - put);
		for (size_t i = 0; i < n; i++)
			chunk[i] = pattern(put + i);
		assert_int_equal(outbuf_put(&q, chunk, n), n);
		put += n;
		before = q.len_bytes;
		rc = outbuf_flush(&q, fds[1]);
		assert_true(rc == 0 || rc == -EAGAIN);
		eagain += rc == -EAGAIN;
		partial += rc == -EAGAIN && q.len_bytes < before;
		drain(fds[0], &got, chunks[step % ARRAY_SIZE(chunks)]);    /* advances got */
	}
	if (!eagain || (partial > 0) != expect_partial)
		print_message("queue %zu: %u waits, %u partial flushes\n", cap_bytes, eagain, partial);
	assert_int_equal(put, total);
	assert_int_equal(q.len_bytes, 0);
	assert_int_equal(q.dropped_bytes, 0);
	assert_true(eagain > 0);
	assert_int_equal(partial > 0, expect_partial);
	close(fds[0]);
	close(fds[1]);
}

static void many_partial_flushes(void **s)
{
	static const struct {
		size_t cap_bytes;
		bool partial;
	} rows[] = {
		{ 777, false },
		{ PIPE_BUF, false },
		{ PIPE_BUF + 1, true },
		{ 5003, true },
		{ 8192, true },
	};

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		stream(rows[i].cap_bytes, rows[i].partial);
}

/* A socket: send() with q.socket; a full socket waits, a closed peer is -EPIPE without a SIGPIPE. */
static void flush_socket(void **s)
{
	uint8_t storage[65536], buf[sizeof(storage)];
	struct outbuf q;
	uint64_t put = 0, got = 0;
	int sv[2];
	void (*old)(int);

	(void)s;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	outbuf_init(&q, storage, sizeof(storage));
	q.socket = true;
	assert_true(outbuf_put_all(&q, "hello", 5));
	assert_int_equal(outbuf_flush(&q, sv[0]), 0);
	assert_int_equal(recv(sv[1], buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);

	/* Fill the socket (the fd itself is blocking: MSG_DONTWAIT must keep the flush from waiting). */
	for (int rc = 0; rc == 0;) {
		size_t n = outbuf_room(&q);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(put + i);
		assert_int_equal(outbuf_put(&q, buf, n), n);
		put += n;
		rc = outbuf_flush(&q, sv[0]);
		assert_true(rc == 0 || rc == -EAGAIN);
	}
	assert_true(q.len_bytes > 0);
	while (got < put) {
		ssize_t n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			outbuf_flush(&q, sv[0]);
			continue;
		}
		for (ssize_t i = 0; i < n; i++, got++)
			assert_int_equal(buf[i], pattern(got));
	}
	assert_int_equal(q.len_bytes, 0);
	assert_int_equal(q.dropped_bytes, 0);

	/* The peer goes away with SIGPIPE at its default (death): send() must not raise it. */
	old = signal(SIGPIPE, SIG_DFL);
	close(sv[1]);
	assert_true(outbuf_put_all(&q, "bye", 3));
	assert_int_equal(outbuf_flush(&q, sv[0]), -EPIPE);
	assert_int_equal(q.len_bytes, 0);
	assert_int_equal(q.dropped_bytes, 3);
	signal(SIGPIPE, old);
	close(sv[0]);
}

enum fd_kind { FD_NONE, FD_PIPE_NO_READER, FD_PIPE_READ_END, FD_PIPE_AS_SOCKET, FD_SOCKET_NO_PEER, FD_DEV_FULL };

/* A broken fd: the error comes back, the queue is emptied and counted, the next put starts afresh. */
static void flush_broken(void **s)
{
	static const struct {
		enum fd_kind kind;
		bool socket;
		int ret;
	} rows[] = {
		{ FD_NONE, false, -EBADF },
		{ FD_NONE, true, -EBADF },
		{ FD_PIPE_NO_READER, false, -EPIPE },
		{ FD_PIPE_READ_END, false, -EBADF },
		{ FD_PIPE_AS_SOCKET, true, -ENOTSOCK },
		{ FD_SOCKET_NO_PEER, true, -EPIPE },
		{ FD_SOCKET_NO_PEER, false, -EPIPE },   /* write(): SIGPIPE ignored, as the header asks */
		{ FD_DEV_FULL, false, -ENOSPC },
	};

	(void)s;
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		uint8_t storage[32];
		struct outbuf q;
		int fds[2] = { -1, -1 }, fd = -1, rc;

		switch (rows[i].kind) {
		case FD_NONE:
			break;
		case FD_PIPE_NO_READER:
		case FD_PIPE_READ_END:
		case FD_PIPE_AS_SOCKET:
			pipe_nb(fds);
			if (rows[i].kind == FD_PIPE_NO_READER) {
				close(fds[0]);
				fds[0] = -1;
			}
			fd = rows[i].kind == FD_PIPE_READ_END ? fds[0] : fds[1];
			break;
		case FD_SOCKET_NO_PEER:
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
			close(fds[1]);
			fds[1] = -1;
			fd = fds[0];
			break;
		case FD_DEV_FULL:
			fd = fds[0] = open("/dev/full", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				continue;       /* no /dev/full in this sandbox */
			break;
		}
		outbuf_init(&q, storage, sizeof(storage));
		q.socket = rows[i].socket;
		assert_int_equal(outbuf_put(&q, "0123456789abcdef", 16), 16);
		rc = outbuf_flush(&q, fd);
		if (rc != rows[i].ret)
			print_message("row %zu: %d\n", i, rc);
		assert_int_equal(rc, rows[i].ret);
		assert_int_equal(q.len_bytes, 0);
		assert_int_equal(q.dropped_bytes, 16);
		assert_int_equal(outbuf_put(&q, "xy", 2), 2);           /* usable again */
		assert_int_equal(outbuf_flush(&q, fd), rows[i].ret);
		assert_int_equal(q.dropped_bytes, 18);
		for (int k = 0; k < 2; k++)
			if (fds[k] >= 0)
				close(fds[k]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accounting),
		cmocka_unit_test(flush_full_pipe),
		cmocka_unit_test(many_partial_flushes),
		cmocka_unit_test(flush_socket),
		cmocka_unit_test(flush_broken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
