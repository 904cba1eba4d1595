/* app/login/telnet_server.h — failsafe telnet server: one login shell per connection, each on its own pty */
#ifndef APP_TELNET_SERVER_H
#define APP_TELNET_SERVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "listener.h"
#include "loop.h"
#include "telnet_proto.h"
#include "telnet_slots.h"

#define TELNET_SESSIONS_DEFAULT 8
#define TELNET_SESSIONS_MAX 32
#define TELNET_SLOTS (2 * TELNET_SESSIONS_MAX) /* live sessions plus ended ones still flushing or reaping */
#define TELNET_PENDING_MAX 64           /* connections waiting for their client's first byte (telnet_slots.h) */
#define TELNET_BUF_BYTES 16384          /* per direction per session; a full one stops the reader */
#define TELNET_HANDSHAKE_MS 5000u       /* a client that answers nothing in this time is no telnet client */

struct telnet_server_config {
	struct in_addr bind_addr;        /* listen here only; need not be configured yet (IP_FREEBIND) */
	uint16_t port;                   /* host order; 0 lets the kernel pick (see telnet_server_port) */
	struct in_addr subnet;           /* peers outside subnet/prefix_len get one line and are closed */
	uint8_t prefix_len;              /* 0..32; 0 admits every peer */
	unsigned max_sessions;           /* 0 = TELNET_SESSIONS_DEFAULT; at most TELNET_SESSIONS_MAX */
	uint32_t idle_timeout_ms;        /* no client input for this long ends the session; 0 = never */
	char *const *shell_argv;         /* login shell, e.g. {"/bin/sh", "-l", NULL}; must outlive the server */
	const char *banner;              /* sent first, "\n" as CR LF; NULL = none; must outlive the server */
};

struct telnet_server_stats {
	unsigned active;                 /* sessions holding a slot (shell not yet reaped included) */
	unsigned live;                   /* of those, sessions not ended: what max_sessions limits */
	uint64_t accepted;               /* sessions started */
	uint64_t refused_subnet;         /* peers outside the subnet */
	uint64_t refused_full;           /* clients over max_sessions with nobody to evict (or pty/fork failure) */
	uint64_t evicted;                /* sessions closed to make room: their client silent longest */
	uint64_t handshake_timeouts;     /* connections that never answered the option negotiation */
	uint64_t crowded_out;            /* pending connections closed for a newer one (the queue was full) */
	unsigned pending;                /* connections waiting for their client's first byte */
};

struct telnet_session;

/* A connection whose client has not said anything yet: no slot, no shell, no banner (telnet_slots.h). */
struct telnet_pending {
	struct telnet_server *srv;
	struct loop_fd sock;             /* LOOP_READ: the client's first byte (peeked, left for the session) */
	struct loop_timer timer;         /* TELNET_HANDSHAKE_MS after the connection */
	int fd;
	bool used;
	uint64_t since_ms;
	char peer[LISTENER_PEER_BYTES];
	struct telnet_proto tp;          /* the negotiation already sent: the session goes on from here */
};

/* Caller-owned, zeroed (static storage) or stopped before start; every field is private. */
struct telnet_server {
	struct listener listener;        /* the listening socket and the subnet check, shared with SSH */
	struct telnet_server_config cfg;
	struct telnet_pending pending[TELNET_PENDING_MAX];
	struct telnet_session *sessions[TELNET_SLOTS]; /* malloc'ed when a client answered, freed once closed and reaped */
	struct telnet_server_stats stats;
	bool running;
};

/*
 * Listen on cfg->bind_addr:cfg->port and serve sessions from the loop
 * (loop_init() must have been called).  *cfg is copied; the strings it
 * points to are not.  Each connection gets IAC WILL ECHO, WILL SGA, DO
 * NAWS at once and waits, holding no session slot, until its client says
 * anything (telnet_slots.h: the slot rule).  Then the session: the banner,
 * a login shell as session leader on a fresh pty with the daemon's
 * environment (TERM=vt100 added if unset), nothing taken from the client.
 * Closing either side ends the session: the shell's process group gets
 * SIGHUP (SIGKILL if it is still there after a grace period) and is reaped
 * through the loop.  What is buffered per session is bounded: 
 * TELNET_BUF_BYTES each way; a full buffer stops reading its source (the
 * shell then blocks on its pty), whatever the client does.
 *
 * A live client can always get in: a connection that answers nothing
 * within TELNET_HANDSHAKE_MS is dropped (and sooner, oldest first, when
 * TELNET_PENDING_MAX wait), TCP keepalive and TCP_USER_TIMEOUT end
 * sessions whose peer vanished, and when max_sessions are live a client
 * that answers closes the session whose client has been silent longest (at
 * least TELNET_EVICT_IDLE_MS); only when every session is in use is it
 * refused, with one line, at once.
 *
 * Returns 0, -EINVAL (no shell, prefix_len > 32, max_sessions too big,
 * already running) or the -errno of socket/setsockopt/bind/listen
 * (e.g. -EADDRINUSE, -EACCES), logged with the address.
 */
int telnet_server_start(struct telnet_server *s, const struct telnet_server_config *cfg);

/*
 * Close the listener, every pending connection and every session: SIGHUP each shell's process
 * group, wait briefly for it (SIGKILL after TELNET_STOP_GRACE_MS), reap
 * it and free everything.  Blocks at most about TELNET_STOP_GRACE_MS.
 * Safe to call on a server that is not running.
 */
#define TELNET_STOP_GRACE_MS 200
/* Also serve IPv6 link-local peers on ifname, the failsafe interface, once it exists. 0 or -errno (logged). */
int telnet_server_listen6(struct telnet_server *s, const char *ifname);
void telnet_server_stop(struct telnet_server *s);

/* Counters for logs and tests. */
void telnet_server_get_stats(const struct telnet_server *s, struct telnet_server_stats *out);

/* The bound port in host order (useful with cfg.port 0), or 0 when not running. */
uint16_t telnet_server_port(const struct telnet_server *s);

#endif /* APP_TELNET_SERVER_H */
