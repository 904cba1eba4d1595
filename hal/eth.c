/* hal/eth.c — the failsafe port: the board's net table turned into the driver's config; start failures logged once */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "drivers.h"
#include "eth.h"
#include "log.h"

int hal_eth_start(struct hal_eth *e, const struct hal_drivers *d, const char *ifname,
		  eth_event_cb cb, void *ctx)
{
	const struct board_net *n = &d->board->net;
	char why[200] = "";
	int rc;

	memset(e, 0, sizeof(*e));
	e->cfg = (struct eth_config){
		.ifname = ifname ? ifname : n->ifname,
		.conduit = n->conduit,
		.vlan_id = n->vlan_id,
		.vlan_parent = n->vlan_parent,
		.prefix_len = n->prefix_len,
		.lan_ports = n->lan_ports,
	};
	while (e->cfg.n_lan_ports < BOARD_MAX_LAN_PORTS && n->lan_ports[e->cfg.n_lan_ports])
		e->cfg.n_lan_ports++;
	if (ifname && e->cfg.n_lan_ports) {
		/* --ifname names one port: that port alone, no bridge */
		e->cfg.lan_ports = NULL;
		e->cfg.n_lan_ports = 0;
	}
	/* board_validate() checked both addresses. */
	inet_pton(AF_INET, n->address, &e->cfg.addr);
	inet_pton(AF_INET, n->broadcast, &e->cfg.broadcast);
	if (!d->eth) {
		log_warn("board %s: no network driver; no failsafe network", d->board->name);
		return -ENODEV;
	}
	rc = d->eth->start(d->eth_drv, &e->cfg, cb, ctx, why, sizeof(why));
	if (rc < 0) {
		log_warn("board %s: network on %s: %s; no failsafe network", d->board->name, e->cfg.ifname,
			 why[0] ? why : strerror(-rc));
		return rc;
	}
	e->ops = d->eth;
	e->drv = d->eth_drv;
	e->started = true;
	return 0;
}

int hal_eth_fd(const struct hal_eth *e)
{
	return e->started ? e->ops->fd(e->drv) : -1;
}

void hal_eth_ready(struct hal_eth *e)
{
	if (e->started)
		e->ops->ready(e->drv);
}

int hal_eth_restore(struct hal_eth *e)
{
	return e->started ? e->ops->restore(e->drv) : -ENOTCONN;
}

void hal_eth_stop(struct hal_eth *e)
{
	if (e->started)
		e->ops->stop(e->drv);
	e->started = false;
}
