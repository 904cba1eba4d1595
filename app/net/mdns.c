/* app/net/mdns.c — the mDNS responder's sockets: two groups on the failsafe port, mdns_handle decides, a burst per wake-up */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "mdns.h"

#define ANNOUNCE_GAP_MS 1000u   /* RFC 6762 §8.3: at least two announcements, one second apart */

static struct in_addr mdns_group4(void)
{
	struct in_addr a;

	inet_pton(AF_INET, "224.0.0.251", &a);
	return a;
}

static struct in6_addr mdns_group6(void)
{
	struct in6_addr a;

	inet_pton(AF_INET6, "ff02::fb", &a);
	return a;
}

void mdnsd_refresh_v6(struct mdnsd *d)
{
	struct ifaddrs *ifa, *i;
	const struct in6_addr *found = NULL;

	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i && !found; i = i->ifa_next) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;

		if (s6 && s6->sin6_family == AF_INET6 && i->ifa_name && !strcmp(i->ifa_name, d->ifname) &&
		    IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			found = &s6->sin6_addr;
	}
	mdns_set_v6(&d->m, found);
	freeifaddrs(ifa);
}

static int open4(struct mdnsd *d)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(d->port) };
	struct ip_mreqn mr = { .imr_multiaddr = mdns_group4(), .imr_ifindex = d->ifindex };
	int fd, on = 1, off = 0, ttl = 255, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, d->ifname, (socklen_t)strlen(d->ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off)) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static int open6(struct mdnsd *d)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(d->port) };
	struct ipv6_mreq mr = { .ipv6mr_multiaddr = mdns_group6(), .ipv6mr_interface = (unsigned)d->ifindex };
	int fd, on = 1, off = 0, hops = 255, err;
	unsigned idx = (unsigned)d->ifindex;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, d->ifname, (socklen_t)strlen(d->ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off)) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static void sent(struct mdnsd *d, ssize_t rc)
{
	if (rc < 0 && !d->send_errors++)
		log_warn("mDNS: send on %s: %s (further errors not logged)", d->ifname, strerror(errno));
}

/* IPv6 while the link-local address is still tentative (DAD, a second after the carrier) cannot send yet. */
static void sent6(struct mdnsd *d, ssize_t rc)
{
	if (rc < 0 && (errno == ENETUNREACH || errno == EADDRNOTAVAIL))
		log_debug("mDNS: IPv6 on %s not ready yet: %s", d->ifname, strerror(errno));
	else
		sent(d, rc);
}

static void send_multicast(struct mdnsd *d, const uint8_t *buf, size_t len)
{
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(d->port), .sin_addr = mdns_group4() };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = htons(d->port), .sin6_addr = mdns_group6(),
				    .sin6_scope_id = (uint32_t)d->ifindex };

	if (d->fd4.events)
		sent(d, sendto(d->fd4.fd, buf, len, 0, (struct sockaddr *)&to4, sizeof(to4)));
	/* no link-local address yet (DAD runs after the carrier comes): IPv6 cannot send, and has nothing to say */
	if (d->fd6.events && d->m.has_v6)
		sent6(d, sendto(d->fd6.fd, buf, len, 0, (struct sockaddr *)&to6, sizeof(to6)));
}

static void on_packet(struct mdnsd *d, struct loop_fd *f, const struct sockaddr *from, socklen_t flen, size_t n)
{
	uint64_t now_ms = loop_now_ms();
	uint16_t port = from->sa_family == AF_INET ? ntohs(((const struct sockaddr_in *)(const void *)from)->sin_port)
						     : ntohs(((const struct sockaddr_in6 *)(const void *)from)->sin6_port);
	struct mdns_result r;

	if (!d->m.has_v6)
		mdnsd_refresh_v6(d);   /* the link-local address comes with the carrier, after DAD */
	mdns_handle(&d->m, d->rx, n, port, now_ms, d->tx, sizeof(d->tx), &r);
	if (r.malformed) {
		if (now_ms / 1000 != d->log_second) {
			if (d->log_dropped)
				log_info("mDNS: %llu more malformed queries not logged", (unsigned long long)d->log_dropped);
			d->log_second = now_ms / 1000;
			d->log_lines = 0;
			d->log_dropped = 0;
		}
		if (d->log_lines++ < MDNSD_LOG_LINES_PER_S)
			log_info("mDNS: malformed query dropped: %s", r.why);
		else
			d->log_dropped++;
		return;
	}
	if (r.to == MDNS_TO_MULTICAST)
		send_multicast(d, d->tx, (size_t)r.len);
	else if (r.to == MDNS_TO_SOURCE)
		sent(d, sendto(f->fd, d->tx, (size_t)r.len, 0, from, flen));
}

static void on_readable(struct mdnsd *d, struct loop_fd *f)
{
	for (int i = 0; i < MDNSD_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(f->fd, d->rx, sizeof(d->rx), 0, (struct sockaddr *)&from, &flen);

		if (n < 0)
			return;
		on_packet(d, f, (struct sockaddr *)&from, flen, (size_t)n);
	}
}

static void on_fd4(struct loop_fd *f, unsigned events)
{
	(void)events;
	on_readable(container_of(f, struct mdnsd, fd4), f);
}

static void on_fd6(struct loop_fd *f, unsigned events)
{
	(void)events;
	on_readable(container_of(f, struct mdnsd, fd6), f);
}

static void on_announce(struct loop_timer *t)
{
	struct mdnsd *d = container_of(t, struct mdnsd, announce);
	int len;

	mdnsd_refresh_v6(d);
	len = mdns_announce(&d->m, loop_now_ms(), d->tx, sizeof(d->tx));
	if (len > 0)
		send_multicast(d, d->tx, (size_t)len);
	if (--d->announce_left)
		loop_timer_at(&d->announce, loop_now_ms() + ANNOUNCE_GAP_MS, on_announce);
}

static void announce(struct mdnsd *d)
{
	d->announce_left = 2;
	loop_timer_at(&d->announce, loop_now_ms(), on_announce);
}

int mdnsd_start(struct mdnsd *d, const struct mdnsd_config *cfg)
{
	int fd;

	if (d->running || !cfg->ifname)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	snprintf(d->ifname, sizeof(d->ifname), "%s", cfg->ifname);
	d->ifindex = cfg->ifindex ? cfg->ifindex : (int)if_nametoindex(cfg->ifname);
	d->port = cfg->port ? cfg->port : MDNS_PORT;
	mdns_init(&d->m, cfg->board, cfg->v4);
	if ((fd = open4(d)) < 0) {
		log_err("mDNS: UDP %u on %s: %s; failsafe.local does not answer", (unsigned)d->port, d->ifname,
			strerror(-fd));
		return fd;
	}
	loop_fd_set(&d->fd4, fd, LOOP_READ, on_fd4);
	if ((fd = open6(d)) < 0)
		log_warn("mDNS: IPv6 on %s: %s; failsafe.local answers over IPv4 only", d->ifname, strerror(-fd));
	else
		loop_fd_set(&d->fd6, fd, LOOP_READ, on_fd6);
	d->running = true;
	log_info("mDNS: %s%s%s answer on %s", d->m.name[0], d->m.n_names > 1 ? " and " : "",
		 d->m.n_names > 1 ? d->m.name[1] : "", d->ifname);
	announce(d);
	return 0;
}

void mdnsd_carrier_up(struct mdnsd *d)
{
	if (d->running)
		announce(d);
}

void mdnsd_stop(struct mdnsd *d)
{
	if (!d->running)
		return;
	loop_timer_cancel(&d->announce);
	if (d->fd4.events) {
		loop_fd_del(&d->fd4);
		close(d->fd4.fd);
	}
	if (d->fd6.events) {
		loop_fd_del(&d->fd6);
		close(d->fd6.fd);
	}
	d->running = false;
}
