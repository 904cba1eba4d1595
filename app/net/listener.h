/* app/net/listener.h — a failsafe TCP service's listening socket: the failsafe address, subnet check, accepts */
#ifndef APP_LISTENER_H
#define APP_LISTENER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "peer.h"

#define LISTENER_KEEPALIVE_IDLE_S 10      /* TCP keepalive: a vanished peer is found in about 25 s */
#define LISTENER_KEEPALIVE_INTVL_S 5
#define LISTENER_KEEPALIVE_COUNT 3
#define LISTENER_USER_TIMEOUT_MS 30000u   /* unacknowledged output to a vanished peer ends the connection */
#define LISTENER_PEER_BYTES (INET6_ADDRSTRLEN + 16 + 10) /* "a.b.c.d:port", "[fe80::1%eth0]:port" */
#define LISTENER_REFUSAL_LOG_BURST 20     /* refusals logged one by one per window, every service together */
#define LISTENER_REFUSAL_LOG_WINDOW_MS 10000u /* the rest are counted and summed up once it ends */
#define LISTENER_REFUSAL_V6 "IPv6 only from link-local addresses" /* why an IPv6 peer is refused (log) */

struct listener;

/* A peer of the subnet connected: fd (non-blocking, close-on-exec) is the callee's. */
typedef void (*listener_accept_cb)(struct listener *l, int fd, const char *peer);

struct listener_config {
	const char *name;                /* "telnet", "ssh": in logs and in the refusal line; must outlive the listener */
	struct in_addr bind_addr;        /* listen here only; need not be configured yet (IP_FREEBIND) */
	uint16_t port;                   /* host order; 0 lets the kernel pick (see listener_port) */
	struct in_addr subnet;           /* peers outside subnet/prefix_len get one line and are closed */
	uint8_t prefix_len;              /* 0..32; 0 admits every peer */
};

/* Embedded in its owner (container_of in the callback); every field is private. */
struct listener {
	struct loop_fd fd;               /* the listening socket, LOOP_READ */
	struct loop_fd fd6;              /* [::]:port on the failsafe interface (listener_add_v6), or not watched */
	struct loop_timer retry;         /* re-listen after accept ran out of fds/memory */
	struct loop_timer bind_retry;    /* the IPv4 address was in use at start: bind again */
	struct listener_config cfg;
	listener_accept_cb on_accept;
	uint64_t refused_subnet;         /* peers outside the subnet */
	uint64_t refused_v6;             /* IPv6 peers that are not link-local */
	char ifname6[16];                /* the interface of fd6, "" without */
	bool bind_wait;                  /* fd is not bound yet (bind_retry runs) */
	bool running;
};

/* True if @peer is a host of @subnet/@prefix_len (peer_check_ipv4: network order, pure). */
static inline bool listener_peer_allowed(struct in_addr peer, struct in_addr subnet, uint8_t prefix_len)
{
	return peer_check_ipv4(peer, subnet, prefix_len) == PEER_HOST;
}

/*
 * True if an IPv6 peer may use a failsafe service: link-local (fe80::/10)
 * only, on the failsafe port (the socket is bound to it), so a laptop
 * without any configured address reaches the board. Pure.
 */
static inline bool listener_peer6_allowed(const struct in6_addr *peer)
{
	return IN6_IS_ADDR_LINKLOCAL(peer);
}

/*
 * Listen on cfg->bind_addr:cfg->port (SO_REUSEADDR, IP_FREEBIND) and hand
 * every host of the subnet to on_accept from the loop. Any other peer
 * (outside, or the subnet's network or broadcast address) gets
 * "failsafed: <name> only from the failsafe subnet a.b.c.d/n" (and why, for
 * those two addresses), is closed, and is logged (listener_log_refusal). Out of fds or memory, accepting pauses for a
 * second instead of spinning. An address in use (a failsafed killed a moment
 * ago, whose child has not exec'd yet, still holds it) is tried again every
 * 250 ms until it is free (logged when it is). *cfg is copied, its name is
 * not. Returns 0, -EINVAL (prefix_len > 32, no name, already running) or
 * the -errno of socket/setsockopt/bind/listen, logged with the address.
 */
int listener_start(struct listener *l, const struct listener_config *cfg, listener_accept_cb on_accept);

/*
 * Also listen on [::]:<the same port> bound to ifname (IPV6_V6ONLY) for
 * link-local peers; any other IPv6 peer gets the refusal line and is logged
 * (listener_log_refusal, LISTENER_REFUSAL_V6). Call once the interface
 * exists; IPv4 may still be waiting for its address to be free. 0, -EINVAL
 * (not running, already listening on IPv6), or the -errno of
 * socket/bind/listen (logged; IPv4 goes on).
 */
int listener_add_v6(struct listener *l, const char *ifname);

/* Close the listening socket. Safe on a listener that is not running. */
void listener_stop(struct listener *l);

/* The bound port in host order (useful with cfg.port 0), or 0 when not running. */
uint16_t listener_port(const struct listener *l);

/*
 * Say line to a peer we do not serve and close fd: never blocks, and a
 * little unread input is drained first so the close is a FIN, not a reset
 * that could overtake the line.
 */
void listener_refuse(int fd, const char *line);

/*
 * Log a refused peer: "<service> <peer>: refused: <reason>". Every service
 * (telnet, SSH, the page) shares one limit: LISTENER_REFUSAL_LOG_BURST lines
 * per LISTENER_REFUSAL_LOG_WINDOW_MS, the rest counted per service and
 * summed up in one line when the window ends (a loop timer), so a flood
 * costs a few lines and the log keeps what else happens.
 */
void listener_log_refusal(const char *service, const char *peer, const char *reason);

/* Say now how many refusals went unlogged (the daemon is stopping). */
void listener_log_refusals_flush(void);

/* TCP keepalive and TCP_USER_TIMEOUT (LISTENER_KEEPALIVE_*): the kernel finds vanished peers. */
void listener_keepalive(int fd);

#endif /* APP_LISTENER_H */
