/* app/login/telnet_slots.h — who holds a telnet session slot: a client that answered, never a silent connection (pure) */
#ifndef APP_TELNET_SLOTS_H
#define APP_TELNET_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The rule. A connection holds nothing but its place in the queue of
 * pending connections (TELNET_PENDING_MAX, the server's) until the client
 * says something: every telnet client answers the server's option
 * negotiation at once. Then it asks for a session slot:
 *   - fewer than max_live sessions are live: it gets one (banner, shell);
 *   - else the live session whose client has been silent longest makes
 *     room, if that is at least TELNET_EVICT_IDLE_MS;
 *   - else it is refused with one line, at once.
 * A pending connection that says nothing is closed after the handshake time,
 * or sooner when the queue is full and a newer one comes (oldest first): a
 * flood of silent connections costs no shell, no slot and no banner.
 */
#define TELNET_EVICT_IDLE_MS 5000u     /* when full, a session whose client was silent this long makes room */

enum telnet_slot_verdict {
	TELNET_SLOT_FREE = 0,            /* a slot is free: take it */
	TELNET_SLOT_EVICT,               /* end session *victim first, then take its place */
	TELNET_SLOT_REFUSE,              /* every session is in use */
};

/* One session as the rule sees it (unused entries: live false). */
struct telnet_slot_view {
	bool live;                       /* holds a slot: not ended */
	uint64_t last_input_ms;          /* when its client last sent a byte */
};

/* A client that answered asks for a session at now_ms, with n entries in v. */
enum telnet_slot_verdict telnet_slot_for(const struct telnet_slot_view *v, unsigned n, unsigned max_live,
					 uint64_t now_ms, unsigned *victim);

/* The pending connection that makes room for a newcomer: the one connected first (since_ms, n > 0). */
unsigned telnet_pending_oldest(const uint64_t *since_ms, unsigned n);

#endif /* APP_TELNET_SLOTS_H */
