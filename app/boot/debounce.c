/* app/boot/debounce.c — software debounce: settle timer restarted by every edge (pure, no clock) */
#include "debounce.h"

void debounce_init(struct debounce *d, uint32_t debounce_ms, bool pressed, uint64_t now_ms)
{
	*d = (struct debounce){ .debounce_ms = debounce_ms };
	if (pressed)
		debounce_edge(d, true, now_ms);
}

void debounce_edge(struct debounce *d, bool pressed, uint64_t now_ms)
{
	/* Edges stamped out of order (two clocks, a late read) never move time back. */
	if (d->settling && now_ms < d->edge_ms)
		now_ms = d->edge_ms;
	if (!d->settling)
		d->burst_ms = now_ms;
	d->raw = pressed;
	d->edge_ms = now_ms;
	d->settling = true;
	d->settle_end_ms = now_ms + d->debounce_ms;
}

enum debounce_change debounce_tick(struct debounce *d, uint64_t now_ms)
{
	if (!d->settling || now_ms < d->settle_end_ms)
		return DEBOUNCE_NONE;
	d->settling = false;
	if (d->raw == d->stable)
		return DEBOUNCE_NONE;
	d->stable = d->raw;
	return d->stable ? DEBOUNCE_PRESSED : DEBOUNCE_RELEASED;
}

bool debounce_deadline(const struct debounce *d, uint64_t *deadline_ms)
{
	if (d->settling)
		*deadline_ms = d->settle_end_ms;
	return d->settling;
}

uint64_t debounce_hold_until(const struct debounce *d, uint64_t before_ms)
{
	if (!d->settling || d->stable || d->burst_ms >= before_ms)
		return 0;
	return d->settle_end_ms;
}
