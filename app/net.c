/* app/net.c — the failsafe network service: port events drive the beacon; failsafe adds telnet */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "beacon_tx.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "telnet_server.h"

#define RESTORE_WAIT_MS 2000u   /* the boot goes on even if the kernel never answers */

static struct {
	struct net_options opt;
	struct hal_eth eth;
	struct loop_fd fd;
	struct beacon_tx beacon;
	struct telnet_server telnet;
	struct loop_timer restore_wait;
	void (*restored)(void);
} n;

static void on_fd(struct loop_fd *f, unsigned events)
{
	(void)f;
	(void)events;
	hal_eth_ready(&n.eth);
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
	inet_ntop(AF_INET, &n.eth.cfg.addr, addr, sizeof(addr));
	switch (ev) {
	case ETH_EV_WAITING:
		log_info("network: %s; waiting for it", detail);
		break;
	case ETH_EV_CONFIGURED:
		log_info("network: %s up at %s/%u%s", info->ifname, addr, n.eth.cfg.prefix_len,
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
		log_info("network: %s restored as found", n.eth.cfg.ifname);
		finish_restore();
		break;
	default:
		break;
	}
}

void net_start(const struct hal_drivers *d, const struct net_options *o)
{
	memset(&n, 0, sizeof(n));
	n.opt = *o;
	if (hal_eth_start(&n.eth, d, o->ifname, on_event, NULL) < 0)
		return;
	beacon_tx_init(&n.beacon, d->board->name, o->version, n.eth.cfg.broadcast, o->beacon_port);
	loop_fd_set(&n.fd, hal_eth_fd(&n.eth), LOOP_READ, on_fd);
}

void net_window(uint32_t (*remaining_ms)(void *ctx, uint64_t now_ms), void *ctx)
{
	if (n.eth.started)
		beacon_tx_window(&n.beacon, remaining_ms, ctx);
}

void net_failsafe(const char *via, const char *banner)
{
	struct telnet_server_config tc;

	if (!n.eth.started)
		return;
	/* Bound to the failsafe address only (IP_FREEBIND: the port may still be coming up).
	 * Listening before "Entering Failsafe!" goes out: a host may telnet the moment it hears it. */
	tc = (struct telnet_server_config){
		.bind_addr = n.eth.cfg.addr,
		.port = n.opt.telnet_port,
		.subnet = n.eth.cfg.addr,
		.prefix_len = n.eth.cfg.prefix_len,
		.max_sessions = n.opt.telnet_max_sessions,
		.idle_timeout_ms = n.opt.telnet_idle_ms,
		.shell_argv = n.opt.shell_argv,
		.banner = banner,
	};
	telnet_server_start(&n.telnet, &tc); /* a failure is logged there; the console shell still works */
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
	if (!n.eth.started) {
		finish_restore();
		return;
	}
	beacon_tx_stop(&n.beacon);
	loop_timer_at(&n.restore_wait, loop_now_ms() + RESTORE_WAIT_MS, on_restore_wait);
	if (hal_eth_restore(&n.eth) < 0)
		finish_restore();
}

unsigned net_telnet_sessions(void)
{
	struct telnet_server_stats st;

	telnet_server_get_stats(&n.telnet, &st);
	return st.active;
}

void net_stop(void)
{
	if (!n.eth.started)
		return;
	beacon_tx_stop(&n.beacon);
	telnet_server_stop(&n.telnet);
	loop_timer_cancel(&n.restore_wait);
	loop_fd_del(&n.fd);
	hal_eth_stop(&n.eth);
}
