/* app/login/telnet_server.c — failsafe telnet server: accept, a pty and login shell per session, bounded non-blocking relay */
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
#include "outbuf.h"
#include "shell_exec.h"
#include "telnet_proto.h"
#include "telnet_server.h"

#define REPLY_HEADROOM_BYTES 512   /* to_client space pty output leaves free for negotiation replies */
#define HANGUP_GRACE_MS 2000u      /* once ended: time to flush to the client and for the shell to go */
#define BANNER_MAX_BYTES 2048      /* the banner sent first; longer is cut */

struct telnet_session {
	struct telnet_server *srv;
	unsigned slot;
	struct loop_fd sock;             /* client socket */
	struct loop_fd pty;              /* pty master */
	struct loop_child child;         /* the login shell, session and process group leader */
	struct loop_timer timer;         /* the idle deadline; the give-up deadline once ended */
	int sock_fd;                     /* -1 once closed */
	int pty_fd;                      /* -1 once closed */
	bool ended;
	uint64_t started_ms;
	uint64_t last_input_ms;
	char peer[INET_ADDRSTRLEN + 8];  /* "a.b.c.d:port" for logs */
	struct telnet_proto tp;
	struct outbuf to_pty;            /* decoded client data */
	struct outbuf to_client;         /* banner, replies, encoded pty output */
	uint8_t to_pty_buf[TELNET_BUF_BYTES];
	uint8_t to_client_buf[TELNET_BUF_BYTES];
};

/* Single-threaded: one scratch set serves every session. */
static uint8_t scratch_in[TELNET_BUF_BYTES];
static uint8_t scratch_reply[TELNET_REPLY_MAX_BYTES(TELNET_BUF_BYTES)];

static void on_sock(struct loop_fd *f, unsigned events);
static void on_pty(struct loop_fd *f, unsigned events);
static void on_timer(struct loop_timer *t);

/* pty output stops short of the end so replies to the client still fit. */
static size_t pty_room(const struct telnet_session *ss)
{
	size_t room = outbuf_room(&ss->to_client);

	return room > REPLY_HEADROOM_BYTES ? room - REPLY_HEADROOM_BYTES : 0;
}

static void close_sock(struct telnet_session *ss)
{
	if (ss->sock_fd < 0)
		return;
	loop_fd_del(&ss->sock);
	close(ss->sock_fd);
	ss->sock_fd = -1;
	ss->to_client.len_bytes = 0;
}

static void close_pty(struct telnet_session *ss)
{
	if (ss->pty_fd < 0)
		return;
	loop_fd_del(&ss->pty);
	close(ss->pty_fd);
	ss->pty_fd = -1;
	ss->to_pty.len_bytes = 0;
}

/* Bytes for the client through the encoder (a CR of the shell's still gets its NUL first). */
static void tell(struct telnet_session *ss, const char *text)
{
	size_t room, used, len;
	uint8_t *out = outbuf_reserve(&ss->to_client, &room);

	if (room < TELNET_ENCODE_MAX_BYTES(strlen(text)))
		return; /* a client that reads nothing misses the line, never half of it */
	telnet_encode(&ss->tp, (const uint8_t *)text, strlen(text), out, room, &used, &len);
	outbuf_commit(&ss->to_client, len);
}

/* Whole telnet commands (IAC ...) for the client: any CR of the shell's is completed first. */
static void command(struct telnet_session *ss, const uint8_t *cmd, size_t len)
{
	size_t room, n;
	uint8_t *out = outbuf_reserve(&ss->to_client, &room);

	if (room < len + 1)
		return;
	telnet_encode_flush(&ss->tp, out, room, &n);
	outbuf_commit(&ss->to_client, n);
	outbuf_put_all(&ss->to_client, cmd, len);
}

/* End the session once: hang up the shell, keep the socket only to flush what is queued. */
static void sess_end(struct telnet_session *ss, const char *why)
{
	if (ss->ended)
		return;
	ss->ended = true;
	ss->srv->stats.live--;
	log_debug("telnet %s: session closed (%s)", ss->peer, why);
	close_pty(ss);
	if (ss->child.active)
		shell_hangup(ss->child.pid, SIGHUP);
	loop_timer_at(&ss->timer, loop_now_ms() + HANGUP_GRACE_MS, on_timer);
}

static void sock_flush(struct telnet_session *ss)
{
	int rc;

	if (ss->sock_fd < 0)
		return;
	rc = outbuf_flush(&ss->to_client, ss->sock_fd);
	if (rc < 0 && rc != -EAGAIN) {
		close_sock(ss);
		sess_end(ss, strerror(-rc));
	}
}

static void pty_flush(struct telnet_session *ss)
{
	int rc;

	if (ss->pty_fd < 0)
		return;
	rc = outbuf_flush(&ss->to_pty, ss->pty_fd);
	if (rc < 0 && rc != -EAGAIN)
		sess_end(ss, "pty hung up");
}

/* The pty echoes only while the server echoes: a client that echoes itself must not see lines twice. */
static void set_pty_echo(struct telnet_session *ss, bool on)
{
	struct termios t;

	if (ss->pty_fd < 0 || tcgetattr(ss->pty_fd, &t) < 0)
		return;
	if (on)
		t.c_lflag |= ECHO;
	else
		t.c_lflag &= ~(tcflag_t)ECHO;
	if (tcsetattr(ss->pty_fd, TCSANOW, &t) < 0)
		log_debug("telnet %s: pty echo: %s", ss->peer, strerror(errno));
}

/*
 * Drop queued shell output but keep telnet commands (BSD telnetd's netclear): the first two
 * bytes stay, as a command may have been half sent; after them, IAC sequences other than a
 * doubled 0xFF are kept.
 */
static void drop_data(struct outbuf *q)
{
	size_t in = q->len_bytes < 2 ? q->len_bytes : 2, out = in;

	while (in < q->len_bytes) {
		size_t len = 1;
		bool keep = false;

		if (q->buf[in] == TELNET_IAC && in + 1 < q->len_bytes) {
			uint8_t c = q->buf[in + 1];

			len = c >= TELNET_WILL && c <= TELNET_DONT ? 3 : 2;
			keep = c != TELNET_IAC;
		}
		if (in + len > q->len_bytes)
			len = q->len_bytes - in;
		if (keep)
			memmove(q->buf + out, q->buf + in, len), out += len;
		else
			q->dropped_bytes += len;
		in += len;
	}
	q->len_bytes = out;
}

/* RFC 854 AO: throw away the shell's output not yet sent, and mark the point with a Synch (IAC DM, urgent). */
static void abort_output(struct telnet_session *ss)
{
	static const uint8_t synch[2] = { TELNET_IAC, TELNET_DM };

	if (ss->pty_fd >= 0)
		tcflush(ss->pty_fd, TCIFLUSH); /* what the shell wrote and we did not read yet */
	drop_data(&ss->to_client);
	command(ss, NULL, 0);
	/* Urgent only when nothing is queued before it: the DM must not overtake earlier bytes. */
	if (ss->sock_fd >= 0 && outbuf_flush(&ss->to_client, ss->sock_fd) == 0 &&
	    send(ss->sock_fd, &synch[0], 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 &&
	    send(ss->sock_fd, &synch[1], 1, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_OOB) == 1)
		return;
	command(ss, synch, sizeof(synch));
}

static void sock_read(struct telnet_session *ss)
{
	size_t room = outbuf_room(&ss->to_pty);
	struct telnet_rx rx = {
		.data_cap_bytes = room,
		.reply = scratch_reply,
		.reply_cap_bytes = sizeof(scratch_reply),
	};
	ssize_t n;

	rx.data = outbuf_reserve(&ss->to_pty, &room);
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
	outbuf_commit(&ss->to_pty, rx.data_len_bytes);
	/* Replies are whole 3-byte commands: a client that never reads loses some, never a partial one. */
	for (size_t off = 0; off < rx.reply_len_bytes; off += 3)
		command(ss, rx.reply + off, 3);
	if (rx.echo_changed)
		set_pty_echo(ss, rx.echo_on);
	if (rx.abort_output)
		abort_output(ss);
	if (rx.ayt_count)
		tell(ss, "\r\n[failsafed: yes, this session is alive]\r\n");
	if (rx.naws_valid) {
		struct winsize ws = { .ws_row = rx.naws_rows, .ws_col = rx.naws_cols };

		if (ioctl(ss->pty_fd, TIOCSWINSZ, &ws) < 0)
			log_debug("telnet %s: TIOCSWINSZ: %s", ss->peer, strerror(errno));
	}
	pty_flush(ss);
}

/* One read of at most what always fits once encoded (2n + 1). 0 when nothing more is there. */
static size_t pty_read(struct telnet_session *ss)
{
	static uint8_t raw[TELNET_BUF_BYTES / 2];
	size_t room = pty_room(ss), want = room > 1 ? (room - 1) / 2 : 0, used, out_len;
	uint8_t *out;
	ssize_t n;

	if (ss->pty_fd < 0 || !want)
		return 0;
	if (want > sizeof(raw))
		want = sizeof(raw);
	n = read(ss->pty_fd, raw, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		/* EIO: the last slave fd closed, normally because the shell exited. */
		sess_end(ss, "shell hung up");
		return 0;
	}
	out = outbuf_reserve(&ss->to_client, &room);
	telnet_encode(&ss->tp, raw, (size_t)n, out, room, &used, &out_len);
	outbuf_commit(&ss->to_client, out_len);
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
	if (!ss->ended)
		s->stats.live--;
	s->sessions[ss->slot] = NULL;
	s->stats.active--;
	free(ss);
}

/* Back-pressure lives here: a full buffer turns its reader off. May free @ss: call last. */
static void sess_update(struct telnet_session *ss)
{
	unsigned sock_ev = 0, pty_ev = 0;

	if (ss->ended && ss->sock_fd >= 0 && !ss->to_client.len_bytes) {
		shutdown(ss->sock_fd, SHUT_WR);
		close_sock(ss);
	}
	if (ss->sock_fd >= 0) {
		if (ss->ended || outbuf_room(&ss->to_pty))
			sock_ev |= LOOP_READ;
		if (ss->to_client.len_bytes)
			sock_ev |= LOOP_WRITE;
		watch(&ss->sock, ss->sock_fd, sock_ev, on_sock);
	}
	if (ss->pty_fd >= 0) {
		if (pty_room(ss) >= 3)
			pty_ev |= LOOP_READ;
		if (ss->to_pty.len_bytes)
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

/* The idle deadline of an open session; 0 for none. */
static uint64_t next_deadline(const struct telnet_session *ss)
{
	return ss->srv->cfg.idle_timeout_ms ? ss->last_input_ms + ss->srv->cfg.idle_timeout_ms : 0;
}

static void on_timer(struct loop_timer *t)
{
	struct telnet_session *ss = container_of(t, struct telnet_session, timer);
	uint64_t now_ms = loop_now_ms(), next = next_deadline(ss);

	if (ss->ended) {
		close_sock(ss);
		if (ss->child.active)
			shell_hangup(ss->child.pid, SIGKILL);
	} else if (next && now_ms >= next) {
		tell(ss, "\r\nfailsafed: idle timeout\r\n");
		sess_end(ss, "idle timeout");
		sock_flush(ss);
	} else if (next) {
		loop_timer_at(t, next, on_timer);
	}
	sess_update(ss);
}

/* 0 or -errno; on error nothing is left open or allocated except @fd, which the caller keeps. */
static int sess_start(struct telnet_server *s, unsigned slot, int fd, const char *peer, const struct telnet_proto *tp)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct telnet_session *ss;
	char slave_path[64];
	pid_t pid;
	int master, err;

	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return -ENOMEM;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		err = errno;
		goto out_close;
	}
	if ((err = ptsname_r(master, slave_path, sizeof(slave_path))) != 0)
		goto out_close;
	ioctl(master, TIOCSWINSZ, &ws);
	pid = fork();
	if (pid < 0) {
		err = errno;
		goto out_close;
	}
	if (pid == 0)
		shell_exec(s->cfg.shell_argv, slave_path);

	ss->srv = s;
	ss->slot = slot;
	ss->sock_fd = fd;
	ss->pty_fd = master;
	ss->started_ms = ss->last_input_ms = loop_now_ms();
	outbuf_init(&ss->to_pty, ss->to_pty_buf, sizeof(ss->to_pty_buf));
	outbuf_init(&ss->to_client, ss->to_client_buf, sizeof(ss->to_client_buf));
	ss->to_client.socket = true;
	snprintf(ss->peer, sizeof(ss->peer), "%s", peer);
	loop_child_watch(&ss->child, pid, on_child);
	s->sessions[slot] = ss;
	s->stats.active++;
	s->stats.live++;
	s->stats.accepted++;

	ss->tp = *tp; /* the negotiation went out with the connection */
	if (s->cfg.banner) {
		char text[2 * BANNER_MAX_BYTES];
		size_t n = 0;

		/* A network virtual terminal ends lines with CR LF. */
		for (const char *p = s->cfg.banner; *p && n + 2 < sizeof(text); p++) {
			if (*p == '\n' && (p == s->cfg.banner || p[-1] != '\r'))
				text[n++] = '\r';
			text[n++] = *p;
		}
		text[n] = '\0';
		tell(ss, text);
	}
	if (next_deadline(ss))
		loop_timer_at(&ss->timer, next_deadline(ss), on_timer);
	log_debug("telnet %s: session open, shell %s pid %d on %s", peer, s->cfg.shell_argv[0], (int)pid, slave_path);
	sock_flush(ss);
	sess_update(ss); /* its socket is read from here on: the client's first bytes wait there */
	return 0;

out_close:
	if (master >= 0)
		close(master);
	free(ss);
	return -err;
}

/* End the session whose client has been silent longest, to make room for @newcomer. */
static void evict(struct telnet_session *v, const char *newcomer)
{
	char line[128];

	snprintf(line, sizeof(line), "\r\nfailsafed: closing this session to make room for %s (the longest silent one)\r\n",
		 newcomer);
	log_info("telnet %s: closed to make room for %s (silent longest)", v->peer, newcomer);
	tell(v, line);
	v->srv->stats.evicted++;
	sess_end(v, "evicted");
	sock_flush(v);
	sess_update(v);
}

/* A client answered: a session slot by the rule (telnet_slots.h), or one line and closed at once. */
static void admit(struct telnet_server *s, int fd, const char *peer, const struct telnet_proto *tp)
{
	struct telnet_slot_view view[TELNET_SLOTS];
	char line[128];
	unsigned slot, victim = 0;
	int rc;

	for (unsigned i = 0; i < TELNET_SLOTS; i++) {
		const struct telnet_session *ss = s->sessions[i];

		view[i] = (struct telnet_slot_view){ .live = ss && !ss->ended, .last_input_ms = ss ? ss->last_input_ms : 0 };
	}
	switch (telnet_slot_for(view, TELNET_SLOTS, s->cfg.max_sessions, loop_now_ms(), &victim)) {
	case TELNET_SLOT_REFUSE:
		snprintf(line, sizeof(line), "all %u sessions in use", s->cfg.max_sessions);
		listener_log_refusal("telnet", peer, line);
		snprintf(line, sizeof(line), "failsafed: all %u sessions are in use; try again later\r\n",
			 s->cfg.max_sessions);
		listener_refuse(fd, line);
		s->stats.refused_full++;
		return;
	case TELNET_SLOT_EVICT:
		evict(s->sessions[victim], peer);
		break;
	default:
		break;
	}
	for (slot = 0; slot < TELNET_SLOTS && s->sessions[slot]; slot++)
		;
	rc = slot == TELNET_SLOTS ? -EAGAIN : sess_start(s, slot, fd, peer, tp);
	if (rc < 0) {
		log_warn("telnet %s: cannot start a shell: %s", peer, strerror(-rc));
		snprintf(line, sizeof(line), "failsafed: cannot start a shell: %s\r\n", strerror(-rc));
		listener_refuse(fd, line);
		s->stats.refused_full++;
	}
}

/* ---- connections whose client has not spoken yet ---- */

static void pending_free(struct telnet_pending *p)
{
	loop_fd_del(&p->sock);
	loop_timer_cancel(&p->timer);
	p->used = false;
	p->srv->stats.pending--;
}

/* Close a pending connection with a line (NULL: none, the client is gone), logged as a refusal when why is given. */
static void pending_drop(struct telnet_pending *p, const char *line, const char *why)
{
	if (why)
		listener_log_refusal("telnet", p->peer, why);
	if (line)
		listener_refuse(p->fd, line);
	else
		close(p->fd);
	pending_free(p);
}

static void on_pending(struct loop_fd *f, unsigned events)
{
	struct telnet_pending *p = container_of(f, struct telnet_pending, sock);
	struct telnet_server *s = p->srv;
	struct telnet_proto tp;
	char peer[LISTENER_PEER_BYTES];
	uint8_t first;
	ssize_t n;
	int fd;

	(void)events;
	n = recv(p->fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_debug("telnet %s: gone before it said anything", p->peer);
		pending_drop(p, NULL, NULL);
		return;
	}
	fd = p->fd;
	tp = p->tp;
	memcpy(peer, p->peer, sizeof(peer));
	pending_free(p);
	admit(s, fd, peer, &tp);
}

static void on_pending_timer(struct loop_timer *t)
{
	struct telnet_pending *p = container_of(t, struct telnet_pending, timer);

	p->srv->stats.handshake_timeouts++;
	pending_drop(p, "\r\nfailsafed: no answer to the telnet negotiation; closing\r\n",
		     "no answer to the telnet negotiation");
}

/* Dead peers are found by the kernel: keepalive probes while idle, a timeout while output is unacknowledged. */
static void tune_socket(int fd)
{
	int on = 1;

	/* Echo and output come as separate small writes; Nagle would hold the second for a delayed ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/* Urgent data (a client's Synch) stays in the stream, where the parser sees IAC DM. */
	setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on));
	listener_keepalive(fd);
}

/* A host of the failsafe subnet (the listener refused the others): the negotiation, then wait for its answer. */
static void on_accept(struct listener *l, int fd, const char *peer)
{
	struct telnet_server *s = container_of(l, struct telnet_server, listener);
	uint64_t since[TELNET_PENDING_MAX];
	uint8_t neg[TELNET_START_BYTES];
	struct telnet_pending *p = NULL;
	size_t neg_len = 0;

	for (unsigned i = 0; i < TELNET_PENDING_MAX && !p; i++)
		if (!s->pending[i].used)
			p = &s->pending[i];
	if (!p) {
		for (unsigned i = 0; i < TELNET_PENDING_MAX; i++)
			since[i] = s->pending[i].since_ms;
		p = &s->pending[telnet_pending_oldest(since, TELNET_PENDING_MAX)];
		s->stats.crowded_out++;
		pending_drop(p, "\r\nfailsafed: no answer to the telnet negotiation while others wait; closing\r\n",
			     "no answer to the telnet negotiation while the queue was full");
	}
	tune_socket(fd);
	*p = (struct telnet_pending){ .srv = s, .fd = fd, .used = true, .since_ms = loop_now_ms() };
	snprintf(p->peer, sizeof(p->peer), "%s", peer);
	telnet_init(&p->tp);
	/* Nine bytes into a fresh socket's empty buffer: they fit. */
	if (telnet_start(&p->tp, neg, sizeof(neg), &neg_len) == 0 &&
	    send(fd, neg, neg_len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)neg_len)
		log_debug("telnet %s: negotiation not sent: %s", peer, strerror(errno));
	s->stats.pending++;
	loop_fd_set(&p->sock, fd, LOOP_READ, on_pending);
	loop_timer_at(&p->timer, p->since_ms + TELNET_HANDSHAKE_MS, on_pending_timer);
}

int telnet_server_start(struct telnet_server *s, const struct telnet_server_config *cfg)
{
	struct listener_config lc = { .name = "telnet", .bind_addr = cfg->bind_addr, .port = cfg->port,
				      .subnet = cfg->subnet, .prefix_len = cfg->prefix_len };
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	int rc;

	if (s->running || !cfg->shell_argv || !cfg->shell_argv[0] || cfg->prefix_len > 32 ||
	    cfg->max_sessions > TELNET_SESSIONS_MAX)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.max_sessions)
		s->cfg.max_sessions = TELNET_SESSIONS_DEFAULT;
	inet_ntop(AF_INET, &cfg->bind_addr, addr, sizeof(addr));
	inet_ntop(AF_INET, &cfg->subnet, net, sizeof(net));
	if ((rc = listener_start(&s->listener, &lc, on_accept)) < 0)
		return rc;
	s->running = true;
	log_info("telnet: listening on %s:%u for %s/%u, at most %u sessions", addr,
		 (unsigned)telnet_server_port(s), net, (unsigned)cfg->prefix_len, s->cfg.max_sessions);
	return 0;
}

int telnet_server_listen6(struct telnet_server *s, const char *ifname)
{
	return s->running ? listener_add_v6(&s->listener, ifname) : -ENOTCONN;
}

void telnet_server_stop(struct telnet_server *s)
{
	uint64_t deadline_ms = loop_now_ms() + TELNET_STOP_GRACE_MS;

	if (!s->running)
		return;
	listener_stop(&s->listener);
	for (unsigned i = 0; i < TELNET_PENDING_MAX; i++)
		if (s->pending[i].used)
			pending_drop(&s->pending[i], NULL, NULL);
	for (unsigned i = 0; i < TELNET_SLOTS; i++) {
		struct telnet_session *ss = s->sessions[i];

		if (!ss)
			continue;
		close_sock(ss);
		close_pty(ss);
		if (ss->child.active)
			shell_hangup(ss->child.pid, SIGHUP);
	}
	for (unsigned i = 0; i < TELNET_SLOTS; i++) {
		struct telnet_session *ss = s->sessions[i];

		if (!ss)
			continue;
		if (ss->child.active) {
			loop_child_cancel(&ss->child);
			shell_reap(ss->child.pid, deadline_ms);
		}
		log_debug("telnet %s: session closed (server stopped)", ss->peer);
		sess_free(ss);
	}
	s->running = false;
}

void telnet_server_get_stats(const struct telnet_server *s, struct telnet_server_stats *out)
{
	*out = s->stats;
	out->refused_subnet = s->listener.refused_subnet;
}

uint16_t telnet_server_port(const struct telnet_server *s)
{
	return s->running ? listener_port(&s->listener) : 0;
}
