/* app/ctl/ctl_server.h — the daemon's local control socket: root-only clients ask for status or hold an LED phase */
#ifndef APP_CTL_SERVER_H
#define APP_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl_proto.h"
#include "loop.h"

#define CTL_CLIENTS_MAX 4

struct ctl_server_ops {
	/* Fill in the daemon's status. */
	void (*status)(void *ctx, struct ctl_status *st);
	/* Show phase while a client holds it; phase -1: back to the daemon's own. */
	void (*led)(void *ctx, int phase);
	/* Take over the flash in <state-dir>/stage2/request (NULL: refused). 0, or -errno with one line in err. */
	int (*stage2)(void *ctx, char *err, size_t err_size);
	/* How a write ended (a sysupgrade says): ok, or failed with its exit status. May be NULL. */
	void (*flash)(void *ctx, bool ok, int code);
	void *ctx;
};

struct ctl_client_slot {
	struct loop_fd fd;
	struct ctl_server *srv;
	bool used;
	bool refused;                   /* not root: its request gets the refusal, then it is closed */
};

struct ctl_server {
	struct loop_fd listen;
	struct loop_timer retry;        /* re-listen after accept ran out of fds */
	char path[108];
	struct ctl_server_ops ops;
	struct ctl_client_slot clients[CTL_CLIENTS_MAX];
	int holder;                     /* client index holding an LED phase, -1: none */
	int held_phase;
	bool running;
};

/*
 * Listen on path (SOCK_SEQPACKET, mode 0600). A live socket at path is
 * another daemon's: -EADDRINUSE; a stale one is replaced. Peers other
 * than root (SO_PEERCRED) get one "error:" line and are closed. 0 or
 * -errno, logged with the path.
 */
int ctl_server_start(struct ctl_server *s, const char *path, const struct ctl_server_ops *ops);
/* The LED phase a client holds, or -1. */
int ctl_server_held_phase(const struct ctl_server *s);
/* Close every client and the socket, and remove its file. */
void ctl_server_stop(struct ctl_server *s);

#endif /* APP_CTL_SERVER_H */
