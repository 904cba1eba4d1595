/* drivers/eth_journal.h — what failsafed did to the port, one line per change, so a restarted failsafed can undo it */
#ifndef DRIVERS_ETH_JOURNAL_H
#define DRIVERS_ETH_JOURNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_JOURNAL_FILE "failsafed.net"   /* in the state directory (tmpfs: gone at reboot, as the changes are) */
#define ETH_JOURNAL_LINE_BYTES 48          /* >= the longest line: "enslaved " + 2 names of IFNAMSIZ - 1 + "\n" */
#define ETH_JOURNAL_BYTES 2048             /* every line of every link (conduit, parent, port, 8 LAN ports) */

/*
 * The lines (pure, on plain buffers):
 *   up IFNAME                  failsafed set the link up (it was down)
 *   created IFNAME             failsafed created the link (a VLAN, the LAN ports' bridge)
 *   enslaved IFNAME BRIDGE     failsafed made the LAN port IFNAME a port of BRIDGE (it had no master)
 *   addr IFNAME A.B.C.D/N      failsafed added the address
 * A daemon killed before it undid them leaves the file behind; the next one
 * adopts each change that is still there, so its normal path undoes it as
 * its own, and what the board had before any failsafed stays untouched.
 */

/* Append one line to buf (NUL-terminated, at most size). -ENOSPC if it does not fit (buf unchanged). */
int eth_journal_add(char *buf, size_t size, const char *kind, const char *ifname);
int eth_journal_add_addr(char *buf, size_t size, const char *ifname, struct in_addr addr, uint8_t prefix_len);
int eth_journal_add_port(char *buf, size_t size, const char *ifname, const char *bridge);

/* Whether journal holds exactly this line (a cut-off last line never matches). */
bool eth_journal_has(const char *journal, const char *kind, const char *ifname);
bool eth_journal_has_addr(const char *journal, const char *ifname, struct in_addr addr, uint8_t prefix_len);
bool eth_journal_has_port(const char *journal, const char *ifname, const char *bridge);

/* Whether any whole line of journal is about the link ifname (its second word): one a restarted run must look at. */
bool eth_journal_mentions(const char *journal, const char *ifname);

#endif /* DRIVERS_ETH_JOURNAL_H */
