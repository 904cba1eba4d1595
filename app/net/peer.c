/* app/net/peer.c — the failsafe subnet's hosts (network and broadcast addresses are none) and the refusal log limit */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "peer.h"

enum peer_verdict peer_check_ipv4(struct in_addr peer, struct in_addr subnet, uint8_t prefix_len)
{
	uint32_t mask, host;

	if (prefix_len > 32)
		return PEER_OUTSIDE;
	mask = prefix_len ? ~(uint32_t)0 << (32 - prefix_len) : 0;
	if ((ntohl(peer.s_addr) ^ ntohl(subnet.s_addr)) & mask)
		return PEER_OUTSIDE;
	if (prefix_len == 0 || prefix_len > 30)
		return PEER_HOST;
	host = ntohl(peer.s_addr) & ~mask;
	if (host == 0)
		return PEER_NETWORK_ADDR;
	if (host == ~mask)
		return PEER_BROADCAST_ADDR;
	return PEER_HOST;
}

const char *peer_verdict_text(enum peer_verdict v)
{
	static const char *const text[PEER_VERDICT_COUNT] = {
		[PEER_HOST] = "a host of the failsafe subnet",
		[PEER_OUTSIDE] = "outside the failsafe subnet",
		[PEER_NETWORK_ADDR] = "the failsafe subnet's network address, not a host",
		[PEER_BROADCAST_ADDR] = "the failsafe subnet's broadcast address, not a host",
	};

	return (unsigned)v < PEER_VERDICT_COUNT ? text[v] : "?";
}

void peer_log_init(struct peer_log_limit *l, unsigned burst, uint32_t window_ms)
{
	memset(l, 0, sizeof(*l));
	l->burst = burst;
	l->window_ms = window_ms ? window_ms : 1;
}

static void close_window(struct peer_log_limit *l)
{
	l->open = false;
	l->logged = l->suppressed = 0;
	memset(l->service, 0, sizeof(l->service));
	memset(l->service_suppressed, 0, sizeof(l->service_suppressed));
}

bool peer_log_take(struct peer_log_limit *l, const char *service, uint64_t now_ms)
{
	unsigned i;

	if (l->open && now_ms >= l->window_start_ms + l->window_ms)
		close_window(l);
	if (!l->open) {
		l->open = true;
		l->window_start_ms = now_ms;
	}
	if (l->logged < l->burst) {
		l->logged++;
		return true;
	}
	l->suppressed++;
	for (i = 0; i < PEER_LOG_SERVICES && l->service[i] && strcmp(l->service[i], service); i++)
		;
	if (i == PEER_LOG_SERVICES) {
		i = PEER_LOG_SERVICES - 1; /* more services than slots: the last one counts the rest */
		l->service[i] = "other";
	} else if (!l->service[i]) {
		l->service[i] = service;
	}
	l->service_suppressed[i]++;
	return false;
}

uint64_t peer_log_deadline(const struct peer_log_limit *l)
{
	return l->open && l->suppressed ? l->window_start_ms + l->window_ms : 0;
}

bool peer_log_summary(struct peer_log_limit *l, uint64_t now_ms, char *buf, size_t size)
{
	size_t n;
	int m;

	if (!l->open || now_ms < l->window_start_ms + l->window_ms)
		return false;
	if (!l->suppressed) {
		close_window(l);
		return false;
	}
	m = snprintf(buf, size, "%u refusal%s not logged in the last %u.%u s (", l->suppressed,
		     l->suppressed == 1 ? "" : "s", l->window_ms / 1000, l->window_ms % 1000 / 100);
	n = m > 0 ? (size_t)m : 0;
	for (unsigned i = 0; i < PEER_LOG_SERVICES && l->service_suppressed[i] && n < size; i++) {
		m = snprintf(buf + n, size - n, "%s%s %u", i ? ", " : "", l->service[i] ? l->service[i] : "other",
			     l->service_suppressed[i]);
		n += m > 0 ? (size_t)m : 0;
	}
	if (n < size)
		snprintf(buf + n, size - n, ")");
	close_window(l);
	return true;
}
