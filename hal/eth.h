/* hal/eth.h — the failsafe Ethernet port: the driver contract (asynchronous, one pollable fd) and the HAL */
#ifndef HAL_ETH_H
#define HAL_ETH_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "board.h"

struct hal_drivers;

enum eth_event {
	ETH_EV_WAITING = 0,     /* a link does not exist yet: configured the moment it appears */
	ETH_EV_CONFIGURED,      /* links up, address added (or already there) */
	ETH_EV_CARRIER_UP,      /* the port's carrier came up (after CONFIGURED) */
	ETH_EV_CARRIER_DOWN,
	ETH_EV_FAILED,          /* a kernel error; detail names the step and the error */
	ETH_EV_RESTORED,        /* everything added was removed, links set back as found */
	ETH_EV_COUNT
};

struct eth_port_info {
	char ifname[16];
	int ifindex;
	bool has_mac;
	uint8_t mac[6];
	bool carrier;
};

typedef void (*eth_event_cb)(void *ctx, enum eth_event ev, const struct eth_port_info *info,
			     const char *detail);

/* The port to configure: the board's net table, resolved by the HAL. */
struct eth_config {
	const char *ifname;     /* the failsafe port */
	const char *conduit;    /* DSA conduit brought up first, or NULL */
	uint16_t vlan_id;       /* 0, or ifname is created as a VLAN of vlan_parent */
	const char *vlan_parent;
	const char *const *lan_ports; /* n_lan_ports LAN ports bridged into ifname (created), or none */
	unsigned n_lan_ports;
	struct in_addr addr;    /* network order */
	struct in_addr broadcast;
	uint8_t prefix_len;
};

struct eth_ops {
	/*
	 * Begin configuring (non-blocking). 0 or -errno (-EPERM: not allowed
	 * here, -ENOMEM, socket errors); on failure why may hold a reason
	 * that says more than the errno.
	 */
	int (*start)(void *drv, const struct eth_config *cfg, eth_event_cb cb, void *ctx,
		     char *why, size_t why_size);
	/* The fd to poll for readability, or -1. */
	int (*fd)(void *drv);
	/* The fd is readable: process replies and notifications, send the next request. */
	void (*ready)(void *drv);
	/* Undo exactly what start() did. ETH_EV_RESTORED follows (at once if nothing to undo). 0 or -errno. */
	int (*restore)(void *drv);
	/* Close the socket (the driver object itself is freed by hal_drivers_close()). */
	void (*stop)(void *drv);
};

/* The HAL view of the port. */
struct hal_eth {
	const struct eth_ops *ops;
	void *drv;
	struct eth_config cfg;
	bool started;
};

/*
 * Resolve the board's port (ifname overrides its name) and start
 * configuring it. A failure is logged once, naming the board, the port and
 * the reason; it costs only the network. 0 or -errno.
 */
int hal_eth_start(struct hal_eth *e, const struct hal_drivers *d, const char *ifname,
		  eth_event_cb cb, void *ctx);
/* The fd to poll, or -1 when not started. */
int hal_eth_fd(const struct hal_eth *e);
void hal_eth_ready(struct hal_eth *e);
/* Undo the setup; ETH_EV_RESTORED follows. -ENOTCONN when nothing was started. */
int hal_eth_restore(struct hal_eth *e);
void hal_eth_stop(struct hal_eth *e);

#endif /* HAL_ETH_H */
