/* app/flash/receive.c — receive an image into RAM with a cap, folding it into the fwimage verifier on the way */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "clock.h"
#include "io.h"
#include "receive.h"

#define CONNECT_TIMEOUT_MS 10000
#define IDLE_TIMEOUT_MS 30000      /* a source that sends nothing this long has dropped */
#define CHUNK_BYTES (256 * 1024)
#define SLOTS 8                    /* chunks in flight between the receiving and the verifying thread */
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC 0x858458f6
#endif

static int fail(char *why, size_t size, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t size, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return code;
}

/* tcp://HOST:PORT: a connected socket, or -1 with why. */
static int dial(const char *url, char *why, size_t why_size)
{
	char host[256], *port;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc;

	snprintf(host, sizeof(host), "%s", url + 6);
	port = strrchr(host, ':');
	if (!port || !port[1] || port == host)
		return fail(why, why_size, -1, "%s: expected tcp://HOST:PORT", url);
	*port++ = '\0';
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return fail(why, why_size, -1, "%s: %s", url, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;

		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			rc = errno;
			close(fd);
			fd = -1;
			continue;
		}
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, CONNECT_TIMEOUT_MS) == 1) {
			socklen_t len = sizeof(rc);

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &len);
			/* Reset after it connected: the read says so (a dropped transfer, not an absent server). */
			if (!rc || rc == ECONNRESET || rc == EPIPE)
				break;
		} else {
			rc = ETIMEDOUT;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fail(why, why_size, -1, "%s: cannot connect: %s", url, strerror(rc));
	return fd;
}

/*
 * The verifier's two sums (CRC-32 and SHA-256 over every byte) run on two
 * more threads, each with its own part reader, fed through a ring of chunks:
 * checking then costs no time on a link slower than one core hashes, and
 * little on a faster one. The threads share nothing else; the process stays
 * single-threaded everywhere outside receive_image().
 */
enum { SUMS = 2 };

struct ring {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint8_t buf[SLOTS][CHUNK_BYTES];
	size_t len[SLOTS];
	unsigned head;                     /* the receiver fills the slot at head */
	unsigned tail[SUMS];               /* each summer reads the slot at its tail */
	bool done;
};

struct summer {
	struct ring *ring;
	unsigned id;
	struct fwimage_reader reader;
	pthread_t thread;
};

static void *sum_thread(void *arg)
{
	struct summer *s = arg;
	struct ring *r = s->ring;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		unsigned slot;

		while (r->tail[s->id] == r->head && !r->done)
			pthread_cond_wait(&r->changed, &r->lock);
		if (r->tail[s->id] == r->head)
			break;
		slot = r->tail[s->id] % SLOTS;
		pthread_mutex_unlock(&r->lock);
		fwimage_reader_feed(&s->reader, r->buf[slot], r->len[slot]);
		pthread_mutex_lock(&r->lock);
		r->tail[s->id]++;
		pthread_cond_broadcast(&r->changed);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* A slot every summer is done with (waits while one is still reading the oldest). */
static uint8_t *ring_slot(struct ring *r)
{
	uint8_t *p;

	pthread_mutex_lock(&r->lock);
	while (r->head - r->tail[0] == SLOTS || r->head - r->tail[1] == SLOTS)
		pthread_cond_wait(&r->changed, &r->lock);
	p = r->buf[r->head % SLOTS];
	pthread_mutex_unlock(&r->lock);
	return p;
}

static void ring_push(struct ring *r, size_t n)
{
	pthread_mutex_lock(&r->lock);
	r->len[r->head % SLOTS] = n;
	r->head++;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
}

static void ring_finish(struct ring *r, struct summer *s, unsigned started)
{
	pthread_mutex_lock(&r->lock);
	r->done = true;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(s[i].thread, NULL);
}

/* A regular file on tmpfs or ramfs. */
static bool in_ram(int fd)
{
	struct statfs sfs;
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fstatfs(fd, &sfs) == 0 &&
	       (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC);
}

void receive_release(struct received *r)
{
	if (r->path[0] && !r->borrowed)
		unlink(r->path);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->path[0] = '\0';
}

static void progress_line(uint64_t bytes, uint64_t start_ms, bool last)
{
	double s = (double)(hal_now_ms() - start_ms) / 1000.0;

	bool tty = isatty(STDERR_FILENO);

	/* A terminal gets one line redrawn, a log one line per report. */
	fprintf(stderr, "%ssysupgrade: received %.1f MiB (%.1f MiB/s)%s", tty ? "\r" : "", (double)bytes / 1048576.0,
		s > 0 ? (double)bytes / 1048576.0 / s : 0.0, last || !tty ? "\n" : "");
}

int receive_image(const char *source, const char *tmp_dir, uint64_t cap_bytes, bool progress,
		  struct received *out, char *why, size_t why_size)
{
	static struct ring ring = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };
	static struct summer sums[SUMS];
	const unsigned fold[SUMS] = { FWIMAGE_FOLD_CRC, FWIMAGE_FOLD_SHA256 };
	unsigned started = 0;
	uint64_t start_ms = hal_now_ms(), shown_ms = start_ms;
	bool is_net = !strncmp(source, "tcp://", 6);
	struct statfs sfs;
	int in, tmp, rc, code = RECEIVE_OK;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!strcmp(source, "-"))
		in = dup(STDIN_FILENO);
	else if (is_net)
		in = dial(source, why, why_size);
	else
		in = open(source, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return is_net ? RECEIVE_SOURCE : fail(why, why_size, RECEIVE_SOURCE, "%s: %s", source, strerror(errno));
	if (!is_net && in_ram(in)) {
		/* Already in RAM: verified where it is; nothing to copy, nothing of ours to remove. The writer
		 * maps this very descriptor ("-" is stdin, and a path may be replaced meanwhile). */
		snprintf(out->path, sizeof(out->path), "%s", source);
		out->borrowed = true;
		out->fd = in;
		tmp = -1;
	} else {
		if (statfs(tmp_dir, &sfs) == 0 && sfs.f_type != TMPFS_MAGIC && sfs.f_type != RAMFS_MAGIC)
			fprintf(stderr, "sysupgrade: note: %s is not in RAM (tmpfs); the image is kept there\n", tmp_dir);
		snprintf(out->path, sizeof(out->path), "%s/failsafed-sysupgrade.XXXXXX", tmp_dir);
		tmp = mkostemp(out->path, O_CLOEXEC);
		if (tmp < 0) {
			close(in);
			return fail(why, why_size, RECEIVE_NO_ROOM, "%s: %s", tmp_dir, strerror(errno));
		}
	}
	ring.head = ring.tail[0] = ring.tail[1] = 0;
	ring.done = false;
	for (rc = 0; started < SUMS && !rc; started += !rc) {
		sums[started] = (struct summer){ .ring = &ring, .id = started };
		fwimage_reader_init_part(&sums[started].reader, fold[started]);
		rc = pthread_create(&sums[started].thread, NULL, sum_thread, &sums[started]);
	}
	if (rc) {
		ring_finish(&ring, sums, started);
		if (!out->borrowed)
			close(in);
		if (tmp >= 0)
			close(tmp);
		receive_release(out);
		return fail(why, why_size, RECEIVE_NO_ROOM, "cannot start the verifier: %s", strerror(rc));
	}
	if (is_net) {
		int rcvbuf = CHUNK_BYTES * 4;

		/* Room for the sender to keep going while a chunk is handed over. */
		setsockopt(in, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	for (;;) {
		struct pollfd p = { .fd = in, .events = POLLIN };
		uint8_t *buf = ring_slot(&ring);
		ssize_t n = 0, got = 0;
		int err = 0;

		/* A whole chunk per hand-over (the summers wake once per chunk, not per segment); the socket is
		 * non-blocking, so poll only once it is drained. */
		while (n < CHUNK_BYTES) {
			got = read(in, buf + n, CHUNK_BYTES - (size_t)n);
			err = got < 0 ? errno : 0;
			if (got > 0)
				n += got;
			else if (err == EINTR)
				continue;
			else if (err == EAGAIN && !n && poll(&p, 1, IDLE_TIMEOUT_MS) != 0)
				continue;
			else
				break;
		}
		if (err == EAGAIN && !n) {
			code = fail(why, why_size, RECEIVE_DROPPED, "%s: nothing arrived for %d s after %llu bytes", source,
				    IDLE_TIMEOUT_MS / 1000, (unsigned long long)out->bytes);
			break;
		}
		if (err && err != EAGAIN) {
			code = fail(why, why_size, RECEIVE_DROPPED, "%s: the transfer broke off after %llu bytes: %s", source,
				    (unsigned long long)(out->bytes + (uint64_t)n), strerror(err));
			break;
		}
		if (n == 0)
			break;
		if (out->bytes + (uint64_t)n > cap_bytes) {
			code = fail(why, why_size, RECEIVE_TOO_LARGE, "the image is larger than the firmware partition "
				    "(more than %llu bytes); nothing was written", (unsigned long long)cap_bytes);
			break;
		}
		if (tmp >= 0 && (rc = io_write_all(tmp, buf, (size_t)n)) < 0) {
			code = fail(why, why_size, RECEIVE_NO_ROOM, "%s: %s after %llu bytes (not enough RAM?)", tmp_dir,
				    strerror(-rc), (unsigned long long)out->bytes);
			break;
		}
		ring_push(&ring, (size_t)n);
		out->bytes += (uint64_t)n;
		if (progress && hal_now_ms() - shown_ms >= 1000) {
			shown_ms = hal_now_ms();
			progress_line(out->bytes, start_ms, false);
		}
	}
	ring_finish(&ring, sums, started);
	if (!out->borrowed)
		close(in);
	if (progress)
		progress_line(out->bytes, start_ms, true);
	if (tmp >= 0 && close(tmp) < 0 && code == RECEIVE_OK)
		code = fail(why, why_size, RECEIVE_NO_ROOM, "%s: %s", tmp_dir, strerror(errno));
	if (code != RECEIVE_OK) {
		receive_release(out);
		return code;
	}
	/* A reader that cannot finish leaves out->info incomplete: fwimage_check() calls that broken. */
	if (fwimage_reader_join(&sums[0].reader, &sums[1].reader) == 0)
		fwimage_reader_finish(&sums[0].reader, &out->info);
	return RECEIVE_OK;
}
