/* drivers/eth_rtnl.h — the failsafe port over rtnetlink (libmnl): links up, address, VLAN, bridge, late ports, undo */
#ifndef DRIVERS_ETH_RTNL_H
#define DRIVERS_ETH_RTNL_H

#include <stdbool.h>

#include "eth.h"

struct eth_rtnl;

/*
 * host_netns_ok false: refuse (-EPERM at start) when running in the same
 * network namespace as PID 1 — the simulated board never touches the
 * host's own network, only namespaces a test or demo made. state_dir (or
 * NULL): where the journal of this run's changes is kept (eth_journal.h),
 * and a previous run's is adopted from.
 */
int eth_rtnl_new(struct eth_rtnl **out, bool host_netns_ok, const char *state_dir);
void eth_rtnl_free(struct eth_rtnl *e);
/* The simulated board's fault knob: when enobufs(ctx) says so, a read fails ENOBUFS as if the kernel dropped
 * notifications. */
void eth_rtnl_set_fault(struct eth_rtnl *e, bool (*enobufs)(void *ctx), void *ctx);
extern const struct eth_ops eth_rtnl_ops;

#endif /* DRIVERS_ETH_RTNL_H */
