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
#define LISTEN_BACKLOG 128

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
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], peer[LISTENER_PEER_BYTES], line[160];

	inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
	snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)ntohs(sin->sin_port));
	if (!listener_peer_allowed(sin->sin_addr, l->cfg.subnet, l->cfg.prefix_len)) {
		inet_ntop(AF_INET, &l->cfg.subnet, net, sizeof(net));
		log_info("%s %s: refused, not a host of %s/%u", l->cfg.name, peer, net, (unsigned)l->cfg.prefix_len);
		snprintf(line, sizeof(line), "failsafed: %s only from the failsafe subnet %s/%u%s\r\n", l->cfg.name,
			 net, (unsigned)l->cfg.prefix_len, l->ifname6[0] ? " or IPv6 link-local" : "");
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
		log_info("%s %s: refused, IPv6 only from link-local addresses", l->cfg.name, peer);
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
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(listener_port(l)) };
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
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(cfg->port), .sin_addr = cfg->bind_addr };
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
	/* FREEBIND: the failsafe address may not be on the interface yet. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		err = errno;
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
