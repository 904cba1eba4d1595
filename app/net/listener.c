/* app/net/listener.c — the listening socket of telnet and SSH: failsafe address, accept, off-subnet peers refused */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

#define ACCEPT_BURST 64            /* connections taken per wake-up: refusals are cheap, the backlog drains */
#define ACCEPT_RETRY_MS 1000u
#define BIND_RETRY_MS 250u          /* the address in use (a killed failsafed's child still holds it): again */
#define LISTEN_BACKLOG 128

/* One refusal log for every service of the daemon, like the log itself. */
static struct {
	struct peer_log_limit limit;
	struct loop_timer summary;
	bool ready;
} refusals;

static void refusal_summary(uint64_t now_ms)
{
	char line[192];

	if (peer_log_summary(&refusals.limit, now_ms, line, sizeof(line)))
		log_info("%s", line);
}

static void on_refusal_summary(struct loop_timer *t)
{
	(void)t;
	refusal_summary(loop_now_ms());
}

void listener_log_refusal(const char *service, const char *peer, const char *reason)
{
	uint64_t now_ms = loop_now_ms(), due;

	if (!refusals.ready) {
		peer_log_init(&refusals.limit, LISTENER_REFUSAL_LOG_BURST, LISTENER_REFUSAL_LOG_WINDOW_MS);
		refusals.ready = true;
	}
	/* A window that ended with refusals untold: its summary first, then this one in a new window. */
	if ((due = peer_log_deadline(&refusals.limit)) && now_ms >= due)
		refusal_summary(now_ms);
	if (peer_log_take(&refusals.limit, service, now_ms))
		log_info("%s %s: refused: %s", service, peer, reason);
	if ((due = peer_log_deadline(&refusals.limit)) && !refusals.summary.pending)
		loop_timer_at(&refusals.summary, due, on_refusal_summary);
}

void listener_log_refusals_flush(void)
{
	uint64_t due;

	if (!refusals.ready)
		return;
	loop_timer_cancel(&refusals.summary);
	if ((due = peer_log_deadline(&refusals.limit)))
		refusal_summary(due);
}

void listener_refuse(int fd, const char *line)
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

void listener_keepalive(int fd)
{
	int on = 1, idle = LISTENER_KEEPALIVE_IDLE_S, intvl = LISTENER_KEEPALIVE_INTVL_S,
	    cnt = LISTENER_KEEPALIVE_COUNT;
	unsigned user_timeout = LISTENER_USER_TIMEOUT_MS;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
}

static void accept_one(struct listener *l, int fd, const struct sockaddr_in *sin)
{
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], peer[LISTENER_PEER_BYTES], line[192], why[96];
	enum peer_verdict v = peer_check_ipv4(sin->sin_addr, l->cfg.subnet, l->cfg.prefix_len);

	inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)ntohs(sin->sin_port));
	if (v != PEER_HOST) {
		inet_ntop(AF_INET, &l->cfg.subnet, net, sizeof(net));
		snprintf(why, sizeof(why), "%s %s/%u", peer_verdict_text(v), net, (unsigned)l->cfg.prefix_len);
		listener_log_refusal(l->cfg.name, peer, why);
		snprintf(line, sizeof(line), "failsafed: %s only from the failsafe subnet %s/%u%s%s%s%s\r\n", l->cfg.name,
			 net, (unsigned)l->cfg.prefix_len, l->ifname6[0] ? " or IPv6 link-local" : "",
			 v == PEER_OUTSIDE ? "" : " (", v == PEER_OUTSIDE ? "" : addr,
			 v == PEER_NETWORK_ADDR ? " is its network address)" : v == PEER_BROADCAST_ADDR ?
			 " is its broadcast address)" : "");
		listener_refuse(fd, line);
		l->refused_subnet++;
		return;
	}
	l->on_accept(l, fd, peer);
}

static void accept_one6(struct listener *l, int fd, const struct sockaddr_in6 *sin6)
{
	char addr[INET6_ADDRSTRLEN], net[INET_ADDRSTRLEN], peer[LISTENER_PEER_BYTES], line[160];

	inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
	snprintf(peer, sizeof(peer), "[%s%%%s]:%u", addr, l->ifname6, (unsigned)ntohs(sin6->sin6_port));
	if (!listener_peer6_allowed(&sin6->sin6_addr)) {
		inet_ntop(AF_INET, &l->cfg.subnet, net, sizeof(net));
		listener_log_refusal(l->cfg.name, peer, LISTENER_REFUSAL_V6);
		snprintf(line, sizeof(line), "failsafed: %s only from the failsafe subnet %s/%u or IPv6 link-local\r\n",
			 l->cfg.name, net, (unsigned)l->cfg.prefix_len);
		listener_refuse(fd, line);
		l->refused_v6++;
		return;
	}
	l->on_accept(l, fd, peer);
}

static void on_listen(struct loop_fd *f, unsigned events);
static void on_listen6(struct loop_fd *f, unsigned events);

static void on_retry(struct loop_timer *t)
{
	struct listener *l = container_of(t, struct listener, retry);

	if (!l->bind_wait)
		loop_fd_set(&l->fd, l->fd.fd, LOOP_READ, on_listen);
	if (l->ifname6[0])
		loop_fd_set(&l->fd6, l->fd6.fd, LOOP_READ, on_listen6);
}

static void accept_burst(struct listener *l, struct loop_fd *f, bool v6)
{
	for (int i = 0; i < ACCEPT_BURST && l->running; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(f->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			if (v6)
				accept_one6(l, fd, (const struct sockaddr_in6 *)(const void *)&ss);
			else
				accept_one(l, fd, (const struct sockaddr_in *)(const void *)&ss);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN)
			return;
		/* Out of fds or memory: the listener stays readable, so pause it rather than spin. */
		log_warn("%s: accept: %s; pausing %u ms", l->cfg.name, strerror(errno), ACCEPT_RETRY_MS);
		loop_fd_del(&l->fd);
		if (l->ifname6[0])
			loop_fd_del(&l->fd6);
		loop_timer_at(&l->retry, loop_now_ms() + ACCEPT_RETRY_MS, on_retry);
		return;
	}
}

/* bind + listen the socket in l->fd.fd; 0 or -errno. */
static int bind_listen(struct listener *l)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(l->cfg.port), .sin_addr = l->cfg.bind_addr };

	if (bind(l->fd.fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l->fd.fd, LISTEN_BACKLOG) < 0)
		return -errno;
	return 0;
}

static void on_bind_retry(struct loop_timer *t)
{
	struct listener *l = container_of(t, struct listener, bind_retry);
	char addr[INET_ADDRSTRLEN];
	int rc = bind_listen(l);

	inet_ntop(AF_INET, &l->cfg.bind_addr, addr, sizeof(addr));
	if (rc == -EADDRINUSE) {
		loop_timer_at(&l->bind_retry, loop_now_ms() + BIND_RETRY_MS, on_bind_retry);
	} else if (rc < 0) {
		log_err("%s %s:%u: %s", l->cfg.name, addr, (unsigned)l->cfg.port, strerror(-rc));
		listener_stop(l);   /* and the IPv6 socket, if the port came up meanwhile */
	} else {
		l->bind_wait = false;
		log_info("%s %s:%u: free again: listening", l->cfg.name, addr, (unsigned)l->cfg.port);
		loop_fd_set(&l->fd, l->fd.fd, LOOP_READ, on_listen);
	}
}

static void on_listen(struct loop_fd *f, unsigned events)
{
	(void)events;
	accept_burst(container_of(f, struct listener, fd), f, false);
}

static void on_listen6(struct loop_fd *f, unsigned events)
{
	(void)events;
	accept_burst(container_of(f, struct listener, fd6), f, true);
}

int listener_add_v6(struct listener *l, const char *ifname)
{
	/* The configured port, even while IPv4 waits for it to be free (listener_port would say 0 then). */
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(l->cfg.port ? l->cfg.port : listener_port(l)) };
	int fd, on = 1, err;

	if (!l->running || l->ifname6[0] || !ifname || !ifname[0])
		return -EINVAL;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		err = errno;
		log_warn("%s [::]:%u on %s: %s; IPv4 only", l->cfg.name, (unsigned)ntohs(sin6.sin6_port), ifname,
			 strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	snprintf(l->ifname6, sizeof(l->ifname6), "%s", ifname);
	loop_fd_set(&l->fd6, fd, LOOP_READ, on_listen6);
	log_info("%s: also on IPv6 link-local [fe80::...%%%s]:%u", l->cfg.name, ifname, (unsigned)ntohs(sin6.sin6_port));
	return 0;
}

int listener_start(struct listener *l, const struct listener_config *cfg, listener_accept_cb on_accept)
{
	char addr[INET_ADDRSTRLEN];
	int fd, on = 1, err;

	if (l->running || !cfg->name || cfg->prefix_len > 32 || !on_accept)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	l->on_accept = on_accept;
	inet_ntop(AF_INET, &cfg->bind_addr, addr, sizeof(addr));

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		log_err("%s %s:%u: socket: %s", cfg->name, addr, (unsigned)cfg->port, strerror(err));
		return -err;
	}
	l->fd.fd = fd;
	/* FREEBIND: the failsafe address may not be on the interface yet. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) < 0)
		err = errno;
	else
		err = -bind_listen(l);
	if (err == EADDRINUSE && cfg->port) {
		/* Held by someone else for now: a failsafed killed a moment ago, its child not yet exec'd. */
		log_warn("%s %s:%u: %s; trying again every %u ms", cfg->name, addr, (unsigned)cfg->port, strerror(err),
			 BIND_RETRY_MS);
		loop_timer_at(&l->bind_retry, loop_now_ms() + BIND_RETRY_MS, on_bind_retry);
		l->bind_wait = l->running = true;
		return 0;
	}
	if (err) {
		log_err("%s %s:%u: %s", cfg->name, addr, (unsigned)cfg->port, strerror(err));
		close(fd);
		return -err;
	}
	loop_fd_set(&l->fd, fd, LOOP_READ, on_listen);
	l->running = true;
	return 0;
}

void listener_stop(struct listener *l)
{
	if (!l->running)
		return;
	loop_timer_cancel(&l->retry);
	loop_timer_cancel(&l->bind_retry);
	loop_fd_del(&l->fd);
	close(l->fd.fd);
	if (l->ifname6[0]) {
		loop_fd_del(&l->fd6);
		close(l->fd6.fd);
		l->ifname6[0] = '\0';
	}
	l->running = false;
}

uint16_t listener_port(const struct listener *l)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (!l->running)
		return 0;
	if (getsockname(l->fd.fd, (struct sockaddr *)&sin, &len) < 0)
		return 0;
	return ntohs(sin.sin_port);
}
