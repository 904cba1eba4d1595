/* app/net/beacon_tx.h — sends the UDP 4919 beacon out of the failsafe port: every second in the window, a burst on entry */
#ifndef APP_BEACON_TX_H
#define APP_BEACON_TX_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "loop.h"

#define BEACON_TX_PERIOD_MS 1000u
#define BEACON_TX_BURST 3           /* "Entering Failsafe!" is sent this often, broadcasts are lossy */
#define BEACON_TX_BURST_GAP_MS 100u

struct beacon_tx {
	struct loop_timer timer;
	int fd;                          /* -1 until the port is configured */
	char ifname[16];
	struct sockaddr_in dst;
	const char *board;
	const char *version;
	bool has_mac;
	uint8_t mac[6];
	bool ready;                      /* the port has its address: sending can work */
	bool failsafe;                   /* false: window messages; true: the entry burst */
	char via[64];
	char ssh_ed25519[64];            /* SSH host key fingerprints, "" until known */
	char ssh_rsa[64];
	unsigned burst_left;
	bool window;                     /* the window is open: one beacon per second */
	uint32_t seq;
	unsigned send_errors;
	uint32_t (*remaining_ms)(void *ctx, uint64_t now_ms);  /* the window's time left */
	void *remaining_ctx;
};

/* Set up (no socket yet). port is 4919 outside tests. */
void beacon_tx_init(struct beacon_tx *b, const char *board, const char *version, struct in_addr broadcast,
		    uint16_t port);
/* The window is open: one beacon per second once the port is ready, with remaining_ms(ctx, now) in it. */
void beacon_tx_window(struct beacon_tx *b, uint32_t (*remaining_ms)(void *ctx, uint64_t now_ms), void *ctx);
/* The port got its address (ifname, mac), or its carrier came up: send now, restart the period. */
void beacon_tx_ready(struct beacon_tx *b, const char *ifname, const uint8_t *mac);
/* Failsafe was entered (via e.g. "button:reset"): the burst, now or as soon as the port is ready. */
void beacon_tx_failsafe(struct beacon_tx *b, const char *via);
/* SSH host key fingerprints ("" or NULL: none) for the failsafe beacons; a new burst says so unless one is under way. */
void beacon_tx_ssh(struct beacon_tx *b, const char *ed25519, const char *rsa);
void beacon_tx_stop(struct beacon_tx *b);

#endif /* APP_BEACON_TX_H */
