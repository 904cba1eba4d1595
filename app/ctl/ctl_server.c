/* app/ctl/ctl_server.c — control socket in the loop: SO_PEERCRED root check, status replies, LED phase holds */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_server.h"
#include "log.h"

#define ACCEPT_RETRY_MS 1000u

static void reply(int fd, const char *text)
{
	if (send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control: reply: %s", strerror(errno));
}

static void release_hold(struct ctl_server *s, unsigned i)
{
	if (s->holder != (int)i)
		return;
	s->holder = -1;
	s->held_phase = -1;
	s->ops.led(s->ops.ctx, -1);
}

static void drop(struct ctl_server *s, unsigned i)
{
	struct ctl_client_slot *c = &s->clients[i];

	if (!c->used)
		return;
	loop_fd_del(&c->fd);
	close(c->fd.fd);
	c->used = false;
	/* A client that held an LED phase and went away (finished, or crashed) gives it back. */
	release_hold(s, i);
}

static void on_client(struct loop_fd *f, unsigned events)
{
	struct ctl_client_slot *c = container_of(f, struct ctl_client_slot, fd);
	struct ctl_server *s = c->srv;
	unsigned i = (unsigned)(c - s->clients);
	char msg[256], out[CTL_MSG_BYTES], err[400];
	struct ctl_status st;
	struct ctl_req req;
	ssize_t n;

	(void)events;
	n = recv(f->fd, msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(s, i);
		return;
	}
	if (c->refused) {
		/* Answered now rather than at accept: closing with its request unread would reset the reply. */
		reply(f->fd, "error: root only\n");
		drop(s, i);
		return;
	}
	if (ctl_parse_request(msg, (size_t)n, &req, err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "error: %s\n", err);
		reply(f->fd, out);
		return;
	}
	switch (req.kind) {
	case CTL_REQ_STATUS:
		memset(&st, 0, sizeof(st));
		s->ops.status(s->ops.ctx, &st);
		ctl_format_status(&st, out, sizeof(out));
		reply(f->fd, out);
		break;
	case CTL_REQ_LED:
		s->holder = (int)i;
		s->held_phase = (int)req.phase;
		s->ops.led(s->ops.ctx, (int)req.phase);
		reply(f->fd, "ok\n");
		break;
	case CTL_REQ_STAGE2:
		err[0] = '\0';
		if (!s->ops.stage2 || s->ops.stage2(s->ops.ctx, err, sizeof(err)) < 0) {
			snprintf(out, sizeof(out), "error: %s\n", err[0] ? err : "this daemon does not flash from RAM");
			reply(f->fd, out);
		} else {
			reply(f->fd, "ok\n");
		}
		break;
	case CTL_REQ_FLASH:
		if (s->ops.flash)
			s->ops.flash(s->ops.ctx, req.flash_ok, req.flash_code);
		reply(f->fd, "ok\n");
		break;
	default:
		release_hold(s, i);
		reply(f->fd, "ok\n");
		break;
	}
}

static void on_listen(struct loop_fd *f, unsigned events);

static void on_retry(struct loop_timer *t)
{
	struct ctl_server *s = container_of(t, struct ctl_server, retry);

	loop_fd_set(&s->listen, s->listen.fd, LOOP_READ, on_listen);
}

static void on_listen(struct loop_fd *f, unsigned events)
{
	struct ctl_server *s = container_of(f, struct ctl_server, listen);
	unsigned i;
	int fd;

	(void)events;
	for (;;) {
		struct ucred cred = { .uid = (uid_t)-1 };
		socklen_t len = sizeof(cred);
		bool root;

		fd = accept4(f->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN) {
				/* Out of fds: the listener stays readable; pause it rather than spin. */
				log_warn("control: accept: %s; pausing %u ms", strerror(errno), ACCEPT_RETRY_MS);
				loop_fd_del(f);
				loop_timer_at(&s->retry, loop_now_ms() + ACCEPT_RETRY_MS, on_retry);
			}
			return;
		}
		root = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
		if (!root)
			log_info("control: refused a client (uid %ld, pid %ld): root only", (long)cred.uid,
				 (long)cred.pid);
		for (i = 0; i < CTL_CLIENTS_MAX && s->clients[i].used; i++)
			;
		if (i == CTL_CLIENTS_MAX) {
			reply(fd, root ? "error: busy (too many control clients)\n" : "error: root only\n");
			close(fd);
			continue;
		}
		s->clients[i].used = true;
		s->clients[i].refused = !root;
		s->clients[i].srv = s;
		loop_fd_set(&s->clients[i].fd, fd, LOOP_READ, on_client);
	}
}

int ctl_server_start(struct ctl_server *s, const char *path, const struct ctl_server_ops *ops)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	memset(s, 0, sizeof(*s));
	s->holder = -1;
	s->held_phase = -1;
	s->ops = *ops;
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >= (int)sizeof(addr.sun_path)) {
		log_warn("control socket %s: path too long; applets cannot reach the daemon", path);
		return -ENAMETOOLONG;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A socket file somebody answers on is another daemon's; one nobody answers on is stale. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		close(fd);
		log_warn("control socket %s: another failsafed answers there; applets will talk to it", path);
		return -EADDRINUSE;
	}
	unlink(path);
	close(fd);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, CTL_CLIENTS_MAX) < 0)
		goto fail;
	loop_fd_set(&s->listen, fd, LOOP_READ, on_listen);
	s->running = true;
	log_debug("control socket %s", path);
	return 0;
fail:
	err = errno;
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	log_warn("control socket %s: %s; applets cannot reach the daemon", path, strerror(err));
	return -err;
}

int ctl_server_held_phase(const struct ctl_server *s)
{
	return s->held_phase;
}

void ctl_server_stop(struct ctl_server *s)
{
	if (!s->running)
		return;
	s->holder = -1; /* no LED change on the way out */
	for (unsigned i = 0; i < CTL_CLIENTS_MAX; i++)
		drop(s, i);
	loop_timer_cancel(&s->retry);
	loop_fd_del(&s->listen);
	close(s->listen.fd);
	unlink(s->path);
	s->running = false;
}
