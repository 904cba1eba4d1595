/* app/net/beacon_tx.c — the beacon sender: SO_BROADCAST + SO_BINDTODEVICE, non-blocking, paced by one loop timer */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "beacon.h"
#include "beacon_tx.h"
#include "log.h"

static void on_timer(struct loop_timer *t);

void beacon_tx_init(struct beacon_tx *b, const char *board, const char *version, struct in_addr broadcast,
		    uint16_t port)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->board = board;
	b->version = version;
	b->dst.sin_family = AF_INET;
	b->dst.sin_addr = broadcast;
	b->dst.sin_port = htons(port);
}

static int open_socket(struct beacon_tx *b)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Out of the failsafe port only, whatever the routing table says. */
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, b->ifname, (socklen_t)strlen(b->ifname) + 1) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	b->fd = fd;
	return 0;
}

static void send_one(struct beacon_tx *b)
{
	struct beacon m;
	uint8_t wire[BEACON_LEN_BYTES];
	uint64_t now_ms = loop_now_ms();
	int rc;

	if (b->fd < 0 && (rc = open_socket(b)) < 0) {
		if (!b->send_errors++)
			log_warn("beacon: socket on %s: %s", b->ifname, strerror(-rc));
		return;
	}
	beacon_init(&m, b->failsafe ? BEACON_TEXT_FAILSAFE : BEACON_TEXT_WINDOW);
	snprintf(m.board, sizeof(m.board), "%s", b->board);
	snprintf(m.version, sizeof(m.version), "%s", b->version);
	m.state = b->failsafe ? BEACON_STATE_FAILSAFE : BEACON_STATE_WINDOW;
	m.seq = ++b->seq;
	m.present = BEACON_HAS_BOARD | BEACON_HAS_STATE | BEACON_HAS_SEQ | BEACON_HAS_VERSION;
	if (!b->failsafe) {
		m.remaining_ms = b->remaining_ms(b->remaining_ctx, now_ms);
		m.present |= BEACON_HAS_REMAINING_MS;
	} else {
		if (b->via[0]) {
			snprintf(m.via, sizeof(m.via), "%s", b->via);
			m.present |= BEACON_HAS_VIA;
		}
		if (b->ssh_ed25519[0]) {
			snprintf(m.ssh_ed25519, sizeof(m.ssh_ed25519), "%s", b->ssh_ed25519);
			m.present |= BEACON_HAS_SSH_ED25519;
		}
		if (b->ssh_rsa[0]) {
			snprintf(m.ssh_rsa, sizeof(m.ssh_rsa), "%s", b->ssh_rsa);
			m.present |= BEACON_HAS_SSH_RSA;
		}
	}
	if (b->has_mac) {
		memcpy(m.mac, b->mac, sizeof(m.mac));
		m.present |= BEACON_HAS_MAC;
	}
	if ((rc = beacon_encode(&m, wire)) < 0) {
		log_err("beacon: encode: %s", strerror(-rc));
		return;
	}
	if (sendto(b->fd, wire, sizeof(wire), 0, (struct sockaddr *)&b->dst, sizeof(b->dst)) < 0) {
		/* Lossy by nature: a full queue or a link still training costs one beacon. */
		if (!b->send_errors++)
			log_warn("beacon: send on %s: %s (further errors not logged)", b->ifname, strerror(errno));
		return;
	}
	log_debug("beacon %u sent on %s: %s", m.seq, b->ifname, m.text);
}

static void schedule(struct beacon_tx *b)
{
	if (!b->ready) {
		loop_timer_cancel(&b->timer);
		return;
	}
	if (b->failsafe) {
		if (b->burst_left)
			loop_timer_at(&b->timer, loop_now_ms() + BEACON_TX_BURST_GAP_MS, on_timer);
		else
			loop_timer_cancel(&b->timer);
	} else if (b->window && b->remaining_ms(b->remaining_ctx, loop_now_ms())) {
		loop_timer_at(&b->timer, loop_now_ms() + BEACON_TX_PERIOD_MS, on_timer);
	}
}

static void fire(struct beacon_tx *b)
{
	if (b->failsafe) {
		if (!b->burst_left)
			return;
		b->burst_left--;
	}
	send_one(b);
	schedule(b);
}

static void on_timer(struct loop_timer *t)
{
	fire(container_of(t, struct beacon_tx, timer));
}

void beacon_tx_window(struct beacon_tx *b, uint32_t (*remaining_ms)(void *ctx, uint64_t now_ms), void *ctx)
{
	b->remaining_ms = remaining_ms;
	b->remaining_ctx = ctx;
	b->window = true;
	b->failsafe = false;
	if (b->ready)
		fire(b);
}

void beacon_tx_ready(struct beacon_tx *b, const char *ifname, const uint8_t *mac)
{
	if (!b->ready || strcmp(b->ifname, ifname)) {
		if (b->fd >= 0)
			close(b->fd);
		b->fd = -1;
		snprintf(b->ifname, sizeof(b->ifname), "%s", ifname);
	}
	b->ready = true;
	b->has_mac = mac != NULL;
	if (mac)
		memcpy(b->mac, mac, sizeof(b->mac));
	/* The first packets of a link often vanish while it trains: start over now. */
	if (b->failsafe && !b->burst_left)
		b->burst_left = BEACON_TX_BURST;
	if (b->failsafe || b->window)
		fire(b);
}

void beacon_tx_failsafe(struct beacon_tx *b, const char *via)
{
	b->failsafe = true;
	b->burst_left = BEACON_TX_BURST;
	snprintf(b->via, sizeof(b->via), "%s", via);
	loop_timer_cancel(&b->timer);
	if (b->ready)
		fire(b);
}

void beacon_tx_ssh(struct beacon_tx *b, const char *ed25519, const char *rsa)
{
	snprintf(b->ssh_ed25519, sizeof(b->ssh_ed25519), "%s", ed25519 ? ed25519 : "");
	snprintf(b->ssh_rsa, sizeof(b->ssh_rsa), "%s", rsa ? rsa : "");
	if (!b->failsafe || b->burst_left)
		return; /* a burst under way carries them */
	/* Host tools learn the fingerprints from a fresh burst: the entry burst went out before the keys existed. */
	b->burst_left = BEACON_TX_BURST;
	loop_timer_cancel(&b->timer);
	if (b->ready)
		fire(b);
}

void beacon_tx_stop(struct beacon_tx *b)
{
	loop_timer_cancel(&b->timer);
	b->window = false;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->ready = false;
}
