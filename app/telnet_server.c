/* app/telnet_server.c — failsafe telnet server: accept, a pty and login shell per session, bounded non-blocking relay */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "telnet_proto.h"
#include "shell_exec.h"
#include "telnet_server.h"

#define REPLY_HEADROOM_BYTES 512   /* to_client space pty output leaves free for negotiation replies */
#define HANGUP_GRACE_MS 2000u      /* once ended: time to flush to the client and for the shell to go */
#define ACCEPT_BURST 8             /* connections taken per wake-up, so a connect flood cannot starve sessions */
#define ACCEPT_RETRY_MS 1000u
#define LISTEN_BACKLOG 16

struct telnet_session {
	struct telnet_server *srv;
	unsigned slot;
	struct loop_fd sock;             /* client socket */
	struct loop_fd pty;              /* pty master */
	struct loop_child child;         /* the login shell, session and process group leader */
	struct loop_timer timer;         /* idle timeout while open; give-up deadline once ended */
	int sock_fd;                     /* -1 once closed */
	int pty_fd;                      /* -1 once closed */
	bool ended;
	uint64_t last_input_ms;
	char peer[INET_ADDRSTRLEN + 8];  /* "a.b.c.d:port" for logs */
	struct telnet_proto tp;
	size_t to_pty_len;
	size_t to_client_len;
	uint8_t to_pty[TELNET_BUF_BYTES];    /* decoded client data */
	uint8_t to_client[TELNET_BUF_BYTES]; /* banner, replies, encoded pty output */
};

/* Single-threaded: one scratch set serves every session. */
static uint8_t scratch_in[TELNET_BUF_BYTES];
static uint8_t scratch_reply[TELNET_REPLY_MAX_BYTES(TELNET_BUF_BYTES)];

static void on_sock(struct loop_fd *f, unsigned events);
static void on_pty(struct loop_fd *f, unsigned events);

static void queue_client(struct telnet_session *ss, const void *buf, size_t len)
{
	size_t room = sizeof(ss->to_client) - ss->to_client_len;

	if (len > room)
		len = room;
	memcpy(ss->to_client + ss->to_client_len, buf, len);
	ss->to_client_len += len;
}

/* pty output stops short of the end so replies to the client still fit. */
static size_t pty_room(const struct telnet_session *ss)
{
	size_t used = ss->to_client_len + REPLY_HEADROOM_BYTES;

	return used < sizeof(ss->to_client) ? sizeof(ss->to_client) - used : 0;
}

static void close_sock(struct telnet_session *ss)
{
	if (ss->sock_fd < 0)
		return;
	loop_fd_del(&ss->sock);
	close(ss->sock_fd);
	ss->sock_fd = -1;
	ss->to_client_len = 0;
}

static void close_pty(struct telnet_session *ss)
{
	if (ss->pty_fd < 0)
		return;
	loop_fd_del(&ss->pty);
	close(ss->pty_fd);
	ss->pty_fd = -1;
	ss->to_pty_len = 0;
}

static void on_timer(struct loop_timer *t);

/* The shell's process group, and the shell itself: just forked, it may not lead its group yet. */
static void hangup(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);
}

/* End the session once: hang up the shell, keep the socket only to flush what is queued. */
static void sess_end(struct telnet_session *ss, const char *why)
{
	if (ss->ended)
		return;
	ss->ended = true;
	log_debug("telnet %s: session closed (%s)", ss->peer, why);
	close_pty(ss);
	if (ss->child.active)
		hangup(ss->child.pid, SIGHUP);
	loop_timer_at(&ss->timer, loop_now_ms() + HANGUP_GRACE_MS, on_timer);
}

static void sock_flush(struct telnet_session *ss)
{
	ssize_t n;

	if (ss->sock_fd < 0 || !ss->to_client_len)
		return;
	n = send(ss->sock_fd, ss->to_client, ss->to_client_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		int err = errno;

		close_sock(ss);
		sess_end(ss, strerror(err));
		return;
	}
	memmove(ss->to_client, ss->to_client + n, ss->to_client_len - (size_t)n);
	ss->to_client_len -= (size_t)n;
}

static void pty_flush(struct telnet_session *ss)
{
	ssize_t n;

	if (ss->pty_fd < 0 || !ss->to_pty_len)
		return;
	n = write(ss->pty_fd, ss->to_pty, ss->to_pty_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		sess_end(ss, "pty hung up");
		return;
	}
	memmove(ss->to_pty, ss->to_pty + n, ss->to_pty_len - (size_t)n);
	ss->to_pty_len -= (size_t)n;
}

static void sock_read(struct telnet_session *ss)
{
	size_t room = sizeof(ss->to_pty) - ss->to_pty_len;
	struct telnet_rx rx = {
		.data = ss->to_pty + ss->to_pty_len,
		.data_cap_bytes = room,
		.reply = scratch_reply,
		.reply_cap_bytes = sizeof(scratch_reply),
	};
	ssize_t n;

	if (ss->ended)
		room = sizeof(scratch_in); /* only drained, so closing sends FIN, not RST */
	if (!room)
		return;
	n = recv(ss->sock_fd, scratch_in, room, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		int err = errno;

		close_sock(ss);
		sess_end(ss, n ? strerror(err) : "client closed");
		return;
	}
	if (ss->ended)
		return;
	ss->last_input_ms = loop_now_ms();
	telnet_rx(&ss->tp, scratch_in, (size_t)n, &rx);
	ss->to_pty_len += rx.data_len_bytes;
	/* Replies are whole 3-byte commands: a client that never reads loses some, never a partial one. */
	if (rx.reply_len_bytes > sizeof(ss->to_client) - ss->to_client_len)
		rx.reply_len_bytes = (sizeof(ss->to_client) - ss->to_client_len) / 3 * 3;
	queue_client(ss, rx.reply, rx.reply_len_bytes);
	if (rx.naws_valid) {
		struct winsize ws = { .ws_row = rx.naws_rows, .ws_col = rx.naws_cols };

		if (ioctl(ss->pty_fd, TIOCSWINSZ, &ws) < 0)
			log_debug("telnet %s: TIOCSWINSZ: %s", ss->peer, strerror(errno));
	}
	pty_flush(ss);
}

/* One read of at most half the room: IAC doubling then always fits. 0 when nothing more is there. */
static size_t pty_read(struct telnet_session *ss)
{
	static uint8_t raw[TELNET_BUF_BYTES / 2];
	size_t want = pty_room(ss) / 2, used, out_len;
	ssize_t n;

	if (ss->pty_fd < 0 || !want)
		return 0;
	n = read(ss->pty_fd, raw, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		/* EIO: the last slave fd closed, normally because the shell exited. */
		sess_end(ss, "shell hung up");
		return 0;
	}
	telnet_encode(raw, (size_t)n, ss->to_client + ss->to_client_len,
		      sizeof(ss->to_client) - ss->to_client_len, &used, &out_len);
	ss->to_client_len += out_len;
	return (size_t)n;
}

static void watch(struct loop_fd *f, int fd, unsigned events, loop_fd_cb cb)
{
	if (events != f->events)
		loop_fd_set(f, fd, events, cb);
}

static void sess_free(struct telnet_session *ss)
{
	struct telnet_server *s = ss->srv;

	loop_timer_cancel(&ss->timer);
	loop_child_cancel(&ss->child);
	close_sock(ss);
	close_pty(ss);
	s->sessions[ss->slot] = NULL;
	s->stats.active--;
	free(ss);
}

/* Back-pressure lives here: a full buffer turns its reader off. May free @ss: call last. */
static void sess_update(struct telnet_session *ss)
{
	unsigned sock_ev = 0, pty_ev = 0;

	if (ss->ended && ss->sock_fd >= 0 && !ss->to_client_len) {
		shutdown(ss->sock_fd, SHUT_WR);
		close_sock(ss);
	}
	if (ss->sock_fd >= 0) {
		if (ss->ended || ss->to_pty_len < sizeof(ss->to_pty))
			sock_ev |= LOOP_READ;
		if (ss->to_client_len)
			sock_ev |= LOOP_WRITE;
		watch(&ss->sock, ss->sock_fd, sock_ev, on_sock);
	}
	if (ss->pty_fd >= 0) {
		if (pty_room(ss) >= 2)
			pty_ev |= LOOP_READ;
		if (ss->to_pty_len)
			pty_ev |= LOOP_WRITE;
		watch(&ss->pty, ss->pty_fd, pty_ev, on_pty);
	}
	if (ss->sock_fd < 0 && ss->pty_fd < 0 && !ss->child.active)
		sess_free(ss);
}

static void on_sock(struct loop_fd *f, unsigned events)
{
	struct telnet_session *ss = container_of(f, struct telnet_session, sock);

	if (events & LOOP_WRITE)
		sock_flush(ss);
	if ((events & LOOP_READ) && ss->sock_fd >= 0)
		sock_read(ss);
	sess_update(ss);
}

static void on_pty(struct loop_fd *f, unsigned events)
{
	struct telnet_session *ss = container_of(f, struct telnet_session, pty);

	if (events & LOOP_WRITE)
		pty_flush(ss);
	if ((events & LOOP_READ) && pty_read(ss))
		sock_flush(ss);
	sess_update(ss);
}

static void on_child(struct loop_child *c, int status)
{
	struct telnet_session *ss = container_of(c, struct telnet_session, child);

	log_debug("telnet %s: shell %d exited (%s %d)", ss->peer, (int)c->pid,
		  WIFSIGNALED(status) ? "signal" : "status",
		  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	if (!ss->ended) {
		/* Its last words may still sit in the pty (a background job can keep the slave open). */
		while (pty_read(ss))
			;
		sess_end(ss, "shell exited");
	}
	sock_flush(ss);
	sess_update(ss);
}

static void on_timer(struct loop_timer *t)
{
	struct telnet_session *ss = container_of(t, struct telnet_session, timer);
	static const char idle_msg[] = "\r\nfailsafed: idle timeout\r\n";
	uint64_t deadline_ms = ss->last_input_ms + ss->srv->cfg.idle_timeout_ms;

	if (!ss->ended && loop_now_ms() < deadline_ms) {
		loop_timer_at(t, deadline_ms, on_timer);
		return;
	}
	if (!ss->ended) {
		queue_client(ss, idle_msg, sizeof(idle_msg) - 1);
		sess_end(ss, "idle timeout");
		sock_flush(ss);
	} else {
		close_sock(ss);
		if (ss->child.active)
			hangup(ss->child.pid, SIGKILL);
	}
	sess_update(ss);
}

/* 0 or -errno; on error nothing is left open or allocated except @fd, which the caller keeps. */
static int sess_start(struct telnet_server *s, unsigned slot, int fd, const char *peer)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct telnet_session *ss;
	uint8_t neg[TELNET_START_BYTES];
	char slave_path[64];
	size_t neg_len;
	pid_t pid;
	int master, err, on = 1;

	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return -ENOMEM;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, slave_path, sizeof(slave_path)) != 0) {
		err = errno ? errno : EIO;
		goto out_close;
	}
	ioctl(master, TIOCSWINSZ, &ws);
	pid = fork();
	if (pid < 0) {
		err = errno;
		goto out_close;
	}
	if (pid == 0)
		shell_exec(s->cfg.shell_argv, slave_path);

	/* Echo and output come as separate small writes; Nagle would hold the second for a delayed ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	ss->srv = s;
	ss->slot = slot;
	ss->sock_fd = fd;
	ss->pty_fd = master;
	ss->last_input_ms = loop_now_ms();
	snprintf(ss->peer, sizeof(ss->peer), "%s", peer);
	loop_child_watch(&ss->child, pid, on_child);
	s->sessions[slot] = ss;
	s->stats.active++;
	s->stats.accepted++;

	for (const char *p = s->cfg.banner; p && *p; p++) {
		if (*p == '\n' && (p == s->cfg.banner || p[-1] != '\r'))
			queue_client(ss, "\r", 1);
		queue_client(ss, p, 1);
	}
	telnet_init(&ss->tp);
	if (telnet_start(&ss->tp, neg, sizeof(neg), &neg_len) == 0)
		queue_client(ss, neg, neg_len);
	if (s->cfg.idle_timeout_ms)
		loop_timer_at(&ss->timer, ss->last_input_ms + s->cfg.idle_timeout_ms, on_timer);
	log_debug("telnet %s: session open, shell %s pid %d on %s", peer, s->cfg.shell_argv[0], (int)pid, slave_path);
	sock_flush(ss);
	sess_update(ss);
	return 0;

out_close:
	if (master >= 0)
		close(master);
	free(ss);
	return -err;
}

static void refuse(int fd, const char *line)
{
	char drain[256];

	if (send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the peer is gone already; nothing to tell it */
	}
	shutdown(fd, SHUT_WR);
	/* Unread input would turn close() into a reset that can overtake the line; bounded, a
	 * refused peer that keeps sending must not hold the loop. */
	for (int i = 0; i < 8 && recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
}

static void on_listen(struct loop_fd *f, unsigned events);

static void on_retry(struct loop_timer *t)
{
	struct telnet_server *s = container_of(t, struct telnet_server, retry);

	loop_fd_set(&s->listen, s->listen.fd, LOOP_READ, on_listen);
}

static void accept_one(struct telnet_server *s, int fd, const struct sockaddr_in *sin)
{
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN + 8], line[96];
	unsigned slot;
	int rc;

	inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)ntohs(sin->sin_port));
	if (!telnet_peer_allowed(sin->sin_addr, s->cfg.subnet, s->cfg.prefix_len)) {
		inet_ntop(AF_INET, &s->cfg.subnet, net, sizeof(net));
		log_info("telnet %s: refused, not in %s/%u", peer, net, (unsigned)s->cfg.prefix_len);
		snprintf(line, sizeof(line), "failsafed: telnet only from the failsafe subnet %s/%u\r\n",
			 net, (unsigned)s->cfg.prefix_len);
		refuse(fd, line);
		s->stats.refused_subnet++;
		return;
	}
	for (slot = 0; slot < s->cfg.max_sessions && s->sessions[slot]; slot++)
		;
	if (slot == s->cfg.max_sessions) {
		log_info("telnet %s: refused, %u sessions already", peer, s->cfg.max_sessions);
		snprintf(line, sizeof(line), "failsafed: too many sessions (%u)\r\n", s->cfg.max_sessions);
		refuse(fd, line);
		s->stats.refused_full++;
		return;
	}
	rc = sess_start(s, slot, fd, peer);
	if (rc < 0) {
		log_warn("telnet %s: cannot start a shell: %s", peer, strerror(-rc));
		snprintf(line, sizeof(line), "failsafed: cannot start a shell: %s\r\n", strerror(-rc));
		refuse(fd, line);
		s->stats.refused_full++;
	}
}

static void on_listen(struct loop_fd *f, unsigned events)
{
	struct telnet_server *s = container_of(f, struct telnet_server, listen);

	(void)events;
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		int fd = accept4(f->fd, (struct sockaddr *)&sin, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(s, fd, &sin);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN)
			return;
		/* Out of fds or memory: the listener stays readable, so pause it rather than spin. */
		log_warn("telnet: accept: %s; pausing %u ms", strerror(errno), ACCEPT_RETRY_MS);
		loop_fd_del(f);
		loop_timer_at(&s->retry, loop_now_ms() + ACCEPT_RETRY_MS, on_retry);
		return;
	}
}

int telnet_server_start(struct telnet_server *s, const struct telnet_server_config *cfg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(cfg->port), .sin_addr = cfg->bind_addr };
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	int fd, on = 1, err;

	if (s->running || !cfg->shell_argv || !cfg->shell_argv[0] || cfg->prefix_len > 32 ||
	    cfg->max_sessions > TELNET_SESSIONS_MAX)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.max_sessions)
		s->cfg.max_sessions = TELNET_SESSIONS_DEFAULT;
	inet_ntop(AF_INET, &cfg->bind_addr, addr, sizeof(addr));
	inet_ntop(AF_INET, &cfg->subnet, net, sizeof(net));

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		log_err("telnet %s:%u: socket: %s", addr, (unsigned)cfg->port, strerror(err));
		return -err;
	}
	/* FREEBIND: the failsafe address may not be on the interface yet. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		err = errno;
		log_err("telnet %s:%u: %s", addr, (unsigned)cfg->port, strerror(err));
		close(fd);
		return -err;
	}
	loop_fd_set(&s->listen, fd, LOOP_READ, on_listen);
	s->running = true;
	log_info("telnet: listening on %s:%u for %s/%u, at most %u sessions", addr,
		 (unsigned)telnet_server_port(s), net, (unsigned)cfg->prefix_len, s->cfg.max_sessions);
	return 0;
}

/* Synchronous: the loop may never run again (exec into the normal boot). */
static void reap(pid_t pid, uint64_t deadline_ms)
{
	struct timespec nap = { .tv_nsec = 5 * 1000000L };
	pid_t r;

	while ((r = waitpid(pid, NULL, WNOHANG)) == 0 && loop_now_ms() < deadline_ms)
		nanosleep(&nap, NULL);
	if (r == 0) {
		hangup(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

void telnet_server_stop(struct telnet_server *s)
{
	uint64_t deadline_ms = loop_now_ms() + TELNET_STOP_GRACE_MS;

	if (!s->running)
		return;
	loop_timer_cancel(&s->retry);
	loop_fd_del(&s->listen);
	close(s->listen.fd);
	for (unsigned i = 0; i < TELNET_SESSIONS_MAX; i++) {
		struct telnet_session *ss = s->sessions[i];

		if (!ss)
			continue;
		close_sock(ss);
		close_pty(ss);
		if (ss->child.active)
			hangup(ss->child.pid, SIGHUP);
	}
	for (unsigned i = 0; i < TELNET_SESSIONS_MAX; i++) {
		struct telnet_session *ss = s->sessions[i];

		if (!ss)
			continue;
		if (ss->child.active) {
			loop_child_cancel(&ss->child);
			reap(ss->child.pid, deadline_ms);
		}
		log_debug("telnet %s: session closed (server stopped)", ss->peer);
		sess_free(ss);
	}
	s->running = false;
}

void telnet_server_get_stats(const struct telnet_server *s, struct telnet_server_stats *out)
{
	*out = s->stats;
}

uint16_t telnet_server_port(const struct telnet_server *s)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (!s->running)
		return 0;
	if (getsockname(s->listen.fd, (struct sockaddr *)&sin, &len) < 0)
		return 0;
	return ntohs(sin.sin_port);
}
