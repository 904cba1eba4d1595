/* tools/failsafectl/hostnet.h — this PC's network interfaces and IPv4 addresses, for hints (serve, recover) */
#ifndef TOOLS_FAILSAFECTL_HOSTNET_H
#define TOOLS_FAILSAFECTL_HOSTNET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define HOSTNET_MAX_IFS		32	/* interfaces kept (more are left out of hints) */
#define HOSTNET_MAX_ADDRS	4	/* IPv4 addresses kept per interface */

struct hostnet_if {
	char name[IF_NAMESIZE];
	bool up;			/* IFF_UP */
	bool carrier;			/* IFF_RUNNING: a cable and a peer */
	bool loopback;
	unsigned n_addrs;
	struct in_addr addr[HOSTNET_MAX_ADDRS];
	unsigned prefix[HOSTNET_MAX_ADDRS];	/* prefix length of addr[i] */
};

struct hostnet {
	struct hostnet_if ifs[HOSTNET_MAX_IFS];	/* in the order getifaddrs() lists them */
	size_t n;
};

/* hostnet_read - this PC's interfaces (getifaddrs). 0, or -errno. */
int hostnet_read(struct hostnet *h);

/* hostnet_find - the interface called @name, or NULL. */
const struct hostnet_if *hostnet_find(const struct hostnet *h, const char *name);

/* hostnet_holding - the interface that has the address @a, or NULL. */
const struct hostnet_if *hostnet_holding(const struct hostnet *h, struct in_addr a);

/* hostnet_in_net - is @a in @net/@prefix (host order not needed: both as on the wire)? */
bool hostnet_in_net(struct in_addr a, struct in_addr net, unsigned prefix);

/* hostnet_if_has_net - the first address of @i in @net/@prefix, or NULL. */
const struct in_addr *hostnet_if_has_net(const struct hostnet_if *i, struct in_addr net, unsigned prefix);

/*
 * hostnet_if_text - one interface for a hint: "pc0 192.168.1.2/24",
 * "eth1 (no IPv4 address)", "eth2 10.0.0.5/8 (down)", "eth3 (no IPv4 address, no cable)".
 */
void hostnet_if_text(const struct hostnet_if *i, char *out, size_t size);

/*
 * hostnet_local_addrs - this host's IPv4 addresses but loopback for a
 * message ("192.168.1.2, 10.0.0.5"; "" when none), and into @pick (if not
 * NULL) the first one in 192.168.1.0/24, failsafe's subnet, else the first.
 */
void hostnet_local_addrs(char *out, size_t size, char *pick, size_t pick_size);

#endif /* TOOLS_FAILSAFECTL_HOSTNET_H */
