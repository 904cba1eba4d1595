/* tools/failsafectl/hostaddr.h — an address in the failsafe subnet for a PC port that has none: a lease from the board, or a temporary one, undone on exit */
#ifndef TOOLS_FAILSAFECTL_HOSTADDR_H
#define TOOLS_FAILSAFECTL_HOSTADDR_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define HOSTADDR_LEASE_WAIT_MS 1500     /* a board in failsafe answers a DISCOVER within milliseconds */
#define HOSTADDR_LEASE_S 3600u          /* what failsafectl asks the board for: a recovery takes minutes */
#define HOSTADDR_TEMP_FIRST 200u        /* a temporary address: 192.168.1.200-249, outside the board's pool */
#define HOSTADDR_TEMP_COUNT 50u

struct hostaddr {
	char ifname[IF_NAMESIZE];           /* the port it acted on, "" when it did nothing */
	bool added;                         /* an address failsafectl put there: removed by hostaddr_undo */
	bool leased;                        /* ... taken from the board's DHCP: given back (RELEASE) too */
	struct in_addr addr;
	struct in_addr server;              /* the lease's server */
	uint8_t mac[6];
	uint32_t xid;
};

/*
 * When no port of this PC has an address in the failsafe subnet: on
 * @ifname (or, without one, the only port that is up and has no IPv4
 * address at all, cable or not: the board may still be off), take a lease from the board's DHCP server (a
 * board in failsafe) or else add a temporary address 192.168.1.2xx/24
 * (derived from the port's MAC, outside the board's pool), and say in one
 * line on standard error what was done and that it is undone on exit.
 * Needs root (CAP_NET_ADMIN); without it, or when it cannot tell which
 * port, it says so and does nothing. Returns 1 when it
 * changed the network, 0 when it did not (nothing needed, or not possible).
 */
int hostaddr_setup(struct hostaddr *h, const char *prog, const char *ifname);

/* Undo what hostaddr_setup did (RELEASE the lease, remove the address), saying so in one line. */
void hostaddr_undo(struct hostaddr *h, const char *prog);

#endif /* TOOLS_FAILSAFECTL_HOSTADDR_H */
