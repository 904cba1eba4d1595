/* app/net/peer.h — who may use a failsafe service (a host of the subnet) and a rate limit for logging refusals (pure) */
#ifndef APP_PEER_H
#define APP_PEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an IPv4 peer is to the failsafe subnet. */
enum peer_verdict {
	PEER_HOST = 0,          /* a host of the subnet: served */
	PEER_OUTSIDE,           /* another network */
	PEER_NETWORK_ADDR,      /* the subnet's network address (host bits all 0): no host */
	PEER_BROADCAST_ADDR,    /* the subnet's broadcast address (host bits all 1): no host */
	PEER_VERDICT_COUNT
};

/*
 * @peer against @subnet/@prefix_len (network order; the subnet's host bits
 * are ignored). Prefix 0 admits everyone; more than 32 admits nobody
 * (PEER_OUTSIDE). Up to /30 the network and broadcast addresses are no
 * hosts (RFC 919, 922); /31 (RFC 3021) and /32 have none.
 */
enum peer_verdict peer_check_ipv4(struct in_addr peer, struct in_addr subnet, uint8_t prefix_len);

/* "outside the failsafe subnet", "the subnet's broadcast address", ... for logs and refusal lines. */
const char *peer_verdict_text(enum peer_verdict v);

/*
 * Refusals in the log: at most `burst` lines per window of `window_ms`;
 * the rest are counted, per service, and summed up in one line when the
 * window ends. A flood of refused peers costs a few lines, never the log.
 */
#define PEER_LOG_SERVICES 4            /* telnet, ssh, http and one more */

struct peer_log_limit {
	uint32_t window_ms;
	unsigned burst;
	uint64_t window_start_ms;
	bool open;                       /* a window is running */
	unsigned logged;                 /* lines in this window */
	unsigned suppressed;             /* refusals not logged in this window */
	const char *service[PEER_LOG_SERVICES]; /* names as given (static strings) */
	unsigned service_suppressed[PEER_LOG_SERVICES];
};

void peer_log_init(struct peer_log_limit *l, unsigned burst, uint32_t window_ms);

/*
 * One refusal by @service at @now_ms: true if it gets its own log line,
 * false if it is only counted. A window that ended is closed first (its
 * summary must be taken with peer_log_summary before, or it is lost:
 * call peer_log_summary at peer_log_deadline).
 */
bool peer_log_take(struct peer_log_limit *l, const char *service, uint64_t now_ms);

/* When the current window ends and its summary is due (0: nothing to sum up). */
uint64_t peer_log_deadline(const struct peer_log_limit *l);

/*
 * At or after the deadline: the window closes. If refusals went unlogged,
 * writes "N refusals not logged in the last S s (telnet 90, ssh 5)" into
 * buf and returns true. Returns false (buf untouched) before the deadline
 * or when there is nothing to say.
 */
bool peer_log_summary(struct peer_log_limit *l, uint64_t now_ms, char *buf, size_t size);

#endif /* APP_PEER_H */
