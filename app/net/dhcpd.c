/* app/net/dhcpd.c — the DHCP server's sockets: read a burst, let dhcp_serve decide, send the reply where RFC 2131 says */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcpd.h"
#include "log.h"

static const uint32_t probe_at_ms[] = { 0, 500, 1500, 2500 };   /* DISCOVERs, then the end of the probe */
#define PROBE_STEPS (sizeof(probe_at_ms) / sizeof(probe_at_ms[0]))

/* At most DHCPD_LOG_LINES_PER_S lines a second: a flood is counted, not written line by line. */
static void say(struct dhcpd *d, const struct dhcp_serve_result *r, uint64_t now_ms)
{
	if (!r->line[0])
		return;
	if (r->quiet) {
		log_debug("%s", r->line);
		return;
	}
	if (now_ms / 1000 != d->log_second) {
		if (d->log_dropped)
			log_info("DHCP: %llu more lines in the last flood not logged", (unsigned long long)d->log_dropped);
		d->log_second = now_ms / 1000;
		d->log_lines = 0;
		d->log_dropped = 0;
	}
	if (d->log_lines < DHCPD_LOG_LINES_PER_S)
		log_info("%s", r->line);
	else if (d->log_lines == DHCPD_LOG_LINES_PER_S)
		log_info("DHCP: more than %u lines in a second (a flood?): the rest are counted, not logged",
			 DHCPD_LOG_LINES_PER_S);
	if (d->log_lines++ >= DHCPD_LOG_LINES_PER_S)
		d->log_dropped++;
}

static int open_port(struct dhcpd *d, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, on = 1, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, d->ifname, (socklen_t)strlen(d->ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	log_err("DHCP: UDP port %u on %s: %s; no DHCP server", (unsigned)port, d->ifname, strerror(err));
	if (fd >= 0)
		close(fd);
	return -err;
}

/* Tell the kernel the client's hardware address: it cannot answer ARP for an address it does not have yet. */
static int arp_entry(struct dhcpd *d, struct in_addr ip, const uint8_t mac[6])
{
	struct arpreq req;
	struct sockaddr_in *pa = (struct sockaddr_in *)(void *)&req.arp_pa;

	memset(&req, 0, sizeof(req));
	pa->sin_family = AF_INET;
	pa->sin_addr = ip;
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, 6);
	req.arp_flags = ATF_COM;
	snprintf(req.arp_dev, sizeof(req.arp_dev), "%s", d->ifname);
	return ioctl(d->srv.fd, SIOCSARP, &req) < 0 ? -errno : 0;
}

static void send_reply(struct dhcpd *d, const struct dhcp_serve_result *r)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(d->cfg.client_port),
				  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };

	if (r->dst == DHCP_DST_NONE || r->reply_len <= 0)
		return;
	if (r->dst == DHCP_DST_UNICAST)
		to.sin_addr = r->dst_ip;
	else if (r->dst == DHCP_DST_HWADDR && arp_entry(d, r->dst_ip, r->dst_mac) == 0)
		to.sin_addr = r->dst_ip;
	if (sendto(d->srv.fd, d->tx, (size_t)r->reply_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
	    !d->send_errors++)
		log_warn("DHCP: send on %s: %s (further errors not logged)", d->ifname, strerror(errno));
}

static void on_srv(struct loop_fd *f, unsigned events)
{
	struct dhcpd *d = container_of(f, struct dhcpd, srv);

	(void)events;
	for (int i = 0; i < DHCPD_BURST; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		struct dhcp_serve_result r;
		ssize_t n = recvfrom(f->fd, d->rx, sizeof(d->rx), MSG_TRUNC, (struct sockaddr *)&from, &flen);
		uint64_t now_ms;

		if (n < 0)
			return; /* EAGAIN: drained; anything else is the next datagram's problem */
		now_ms = loop_now_ms();
		dhcp_serve_request(&d->serve, d->rx, (size_t)n < sizeof(d->rx) ? (size_t)n : sizeof(d->rx),
				   from.sin_addr, now_ms, d->tx, sizeof(d->tx), &r);
		send_reply(d, &r);
		say(d, &r, now_ms);
		if ((r.leases_changed || r.conflict_changed) && d->cfg.changed)
			d->cfg.changed(d, &r);
	}
}

static void on_cli(struct loop_fd *f, unsigned events)
{
	struct dhcpd *d = container_of(f, struct dhcpd, cli);

	(void)events;
	for (int i = 0; i < DHCPD_BURST; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		struct dhcp_serve_result r;
		ssize_t n = recvfrom(f->fd, d->rx, sizeof(d->rx), 0, (struct sockaddr *)&from, &flen);

		if (n < 0)
			return;
		dhcp_serve_client_port(&d->serve, d->rx, (size_t)n, from.sin_addr, loop_now_ms(), &r);
		if (r.line[0])
			log_warn("%s", r.line);
		if (r.conflict_changed && d->cfg.changed)
			d->cfg.changed(d, &r);
	}
}

static void on_probe(struct loop_timer *t)
{
	struct dhcpd *d = container_of(t, struct dhcpd, probe);
	uint64_t now_ms = loop_now_ms(), start_ms = d->probe.deadline_ms - probe_at_ms[d->probe_step];
	struct dhcp_serve_result r;

	if (d->probe_step + 1 < PROBE_STEPS) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(d->cfg.server_port),
					  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
		int len = d->probe_step ? dhcp_msg_build_discover(d->xid, d->cfg.mac, d->tx, sizeof(d->tx)) :
			  dhcp_serve_probe(&d->serve, ++d->xid, d->cfg.mac, now_ms, d->tx, sizeof(d->tx));

		if (len > 0 && sendto(d->cli.fd, d->tx, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			log_debug("DHCP: probe on %s: %s", d->ifname, strerror(errno));
		d->probe_step++;
		loop_timer_at(&d->probe, start_ms + probe_at_ms[d->probe_step], on_probe);
		return;
	}
	dhcp_serve_probe_done(&d->serve, now_ms, &r);
	if (r.line[0])
		log_info("%s", r.line);
	if (r.conflict_changed && d->cfg.changed)
		d->cfg.changed(d, &r);
}

static void probe_start(struct dhcpd *d)
{
	if (!d->cfg.has_mac)
		return; /* no hardware address to ask with: other servers are found from their replies to clients */
	d->probe_step = 0;
	loop_timer_at(&d->probe, loop_now_ms(), on_probe);
}

int dhcpd_start(struct dhcpd *d, const struct dhcpd_config *cfg)
{
	char pool[40];
	int fd;

	if (d->running || !cfg->ifname)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	snprintf(d->ifname, sizeof(d->ifname), "%s", cfg->ifname);
	d->cfg.ifname = d->ifname;
	dhcp_serve_init(&d->serve, &cfg->serve);
	d->xid = (uint32_t)loop_now_ms() * 2654435761u ^ (uint32_t)getpid();
	if ((fd = open_port(d, cfg->server_port)) < 0)
		return fd;
	loop_fd_set(&d->srv, fd, LOOP_READ, on_srv);
	if ((fd = open_port(d, cfg->client_port)) < 0) {
		loop_fd_del(&d->srv);
		close(d->srv.fd);
		return fd;
	}
	loop_fd_set(&d->cli, fd, LOOP_READ, on_cli);
	d->running = true;
	dhcp_serve_pool_text(&d->serve, pool, sizeof(pool));
	log_info("DHCP: serving %s on %s, leases of %u s", pool, d->ifname, cfg->serve.lease_s);
	probe_start(d);
	return 0;
}

void dhcpd_carrier_up(struct dhcpd *d)
{
	if (d->running)
		probe_start(d);
}

void dhcpd_stop(struct dhcpd *d)
{
	if (!d->running)
		return;
	loop_timer_cancel(&d->probe);
	loop_fd_del(&d->srv);
	loop_fd_del(&d->cli);
	close(d->srv.fd);
	close(d->cli.fd);
	d->running = false;
}
