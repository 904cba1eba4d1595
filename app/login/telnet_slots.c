/* app/login/telnet_slots.c — the telnet session slot rule: answered clients only, the longest silent makes room (pure) */
#include "telnet_slots.h"

enum telnet_slot_verdict telnet_slot_for(const struct telnet_slot_view *v, unsigned n, unsigned max_live,
					 uint64_t now_ms, unsigned *victim)
{
	unsigned live = 0, idle = n;

	for (unsigned i = 0; i < n; i++) {
		if (!v[i].live)
			continue;
		live++;
		if (now_ms >= v[i].last_input_ms && now_ms - v[i].last_input_ms >= TELNET_EVICT_IDLE_MS &&
		    (idle == n || v[i].last_input_ms < v[idle].last_input_ms))
			idle = i;
	}
	if (live < max_live)
		return TELNET_SLOT_FREE;
	if (idle == n)
		return TELNET_SLOT_REFUSE;
	*victim = idle;
	return TELNET_SLOT_EVICT;
}

unsigned telnet_pending_oldest(const uint64_t *since_ms, unsigned n)
{
	unsigned oldest = 0;

	for (unsigned i = 1; i < n; i++)
		if (since_ms[i] < since_ms[oldest])
			oldest = i;
	return oldest;
}
