/* app/net.c — the failsafe network service: eth driver events drive the beacon; failsafe adds telnet */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "beacon.h"
#include "beacon_tx.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "telnet_server.h"

#define RESTORE_WAIT_MS 2000u   /* the boot goes on even if the kernel never answers */

static struct {
	const struct board *board;
	const struct eth_ops *ops;
	void *drv;
	struct net_options opt;
	struct eth_config cfg;
	struct loop_fd fd;
	struct beacon_tx beacon;
	struct telnet_server telnet;
	struct loop_timer restore_wait;
	void (*restored)(void);
	bool started;
	bool configured;
} n;

static void on_fd(struct loop_fd *f, unsigned events)
{
	(void)f;
	(void)events;
	n.ops->ready(n.drv);
}

static void finish_restore(void)
{
	void (*done)(void) = n.restored;

	n.restored = NULL;
	loop_timer_cancel(&n.restore_wait);
	if (done)
		done();
}

static void on_event(void *ctx, enum eth_event ev, const struct eth_port_info *info, const char *detail)
{
	char addr[INET_ADDRSTRLEN];

	(void)ctx;
	inet_ntop(AF_INET, &n.cfg.addr, addr, sizeof(addr));
	switch (ev) {
	case ETH_EV_WAITING:
		log_info("network: %s; waiting for it", detail);
		break;
	case ETH_EV_CONFIGURED:
		n.configured = true;
		log_info("network: %s up at %s/%u%s", info->ifname, addr, n.cfg.prefix_len,
			 info->carrier ? "" : " (no carrier yet)");
		beacon_tx_ready(&n.beacon, info->ifname, info->has_mac ? info->mac : NULL);
		break;
	case ETH_EV_CARRIER_UP:
		log_info("network: carrier up on %s", info->ifname);
		beacon_tx_ready(&n.beacon, info->ifname, info->has_mac ? info->mac : NULL);
		break;
	case ETH_EV_CARRIER_DOWN:
		log_info("network: carrier down on %s", info->ifname);
		break;
	case ETH_EV_FAILED:
		log_warn("network: %s; no failsafe network", detail);
		break;
	case ETH_EV_RESTORED:
		log_info("network: %s restored as found", n.cfg.ifname);
		finish_restore();
		break;
	default:
		break;
	}
}

void net_start(const struct board *b, const struct eth_ops *ops, void *drv, const struct net_options *o)
{
	struct in_addr brd;
	int rc;

	memset(&n, 0, sizeof(n));
	n.board = b;
	n.opt = *o;
	if (!ops) {
		log_warn("board %s: no network driver; no failsafe network", b->name);
		return;
	}
	n.cfg = (struct eth_config){
		.ifname = o->ifname ? o->ifname : b->net.ifname,
		.conduit = b->net.conduit,
		.vlan_id = b->net.vlan_id,
		.vlan_parent = b->net.vlan_parent,
		.prefix_len = b->net.prefix_len,
	};
	/* board_validate() checked both addresses. */
	inet_pton(AF_INET, b->net.address, &n.cfg.addr);
	inet_pton(AF_INET, b->net.broadcast, &brd);
	beacon_tx_init(&n.beacon, b->name, o->version, brd, o->beacon_port);
	rc = ops->start(drv, &n.cfg, on_event, NULL);
	if (rc < 0) {
		if (rc == -EPERM && b->drivers == BOARD_DRIVERS_SIM)
			log_warn("board %s: not touching this host's own network; run failsafed inside a "
				 "network namespace (ip netns exec) for the failsafe network", b->name);
		else
			log_warn("board %s: network on %s: %s; no failsafe network", b->name, n.cfg.ifname,
				 strerror(-rc));
		return;
	}
	n.ops = ops;
	n.drv = drv;
	n.started = true;
	loop_fd_set(&n.fd, ops->fd(drv), LOOP_READ, on_fd);
}

void net_window(uint64_t deadline_ms)
{
	if (n.started)
		beacon_tx_window(&n.beacon, deadline_ms);
}

void net_failsafe(const char *via, const char *banner)
{
	struct telnet_server_config tc;
	char addr[INET_ADDRSTRLEN];
	int rc;

	if (!n.started)
		return;
	/* Bound to the failsafe address only (IP_FREEBIND: the port may still be coming up).
	 * Listening before "Entering Failsafe!" goes out: a host may telnet the moment it hears it. */
	tc = (struct telnet_server_config){
		.bind_addr = n.cfg.addr,
		.port = n.opt.telnet_port,
		.subnet = n.cfg.addr,
		.prefix_len = n.cfg.prefix_len,
		.max_sessions = n.opt.telnet_max_sessions,
		.idle_timeout_ms = n.opt.telnet_idle_ms,
		.shell_argv = n.opt.shell_argv,
		.banner = banner,
	};
	inet_ntop(AF_INET, &n.cfg.addr, addr, sizeof(addr));
	rc = telnet_server_start(&n.telnet, &tc);
	if (rc < 0)
		log_warn("telnet: cannot serve %s:%u: %s; the console shell still works", addr, n.opt.telnet_port,
			 strerror(-rc));
	beacon_tx_failsafe(&n.beacon, via);
}

static void on_restore_wait(struct loop_timer *t)
{
	(void)t;
	log_warn("network: no answer from the kernel in %u ms; continuing the boot", RESTORE_WAIT_MS);
	finish_restore();
}

void net_restore(void (*done)(void))
{
	n.restored = done;
	if (!n.started) {
		finish_restore();
		return;
	}
	beacon_tx_stop(&n.beacon);
	loop_timer_at(&n.restore_wait, loop_now_ms() + RESTORE_WAIT_MS, on_restore_wait);
	if (n.ops->restore(n.drv) < 0)
		finish_restore();
}

void net_stop(void)
{
	if (!n.started)
		return;
	beacon_tx_stop(&n.beacon);
	telnet_server_stop(&n.telnet);
	loop_timer_cancel(&n.restore_wait);
	loop_fd_del(&n.fd);
	n.started = false;
}
