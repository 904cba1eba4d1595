/* app/boot/leds.c — LED patterns: kernel timer trigger if the driver has it, else a loop timer per LED */
#include "leds.h"

static void blink_step(struct loop_timer *t)
{
	struct leds_blinker *b = container_of(t, struct leds_blinker, timer);
	uint64_t now_ms = loop_now_ms();

	b->lit = !b->lit;
	hal_led_set(b->owner->hl, b->role, b->lit);
	b->next_ms += b->lit ? b->on_ms : b->off_ms;
	if (b->next_ms <= now_ms) /* fell behind (a stopped clock, a busy host): restart from now */
		b->next_ms = now_ms + (b->lit ? b->on_ms : b->off_ms);
	loop_timer_at(&b->timer, b->next_ms, blink_step);
}

void leds_init(struct leds *l, struct hal_led *hl)
{
	*l = (struct leds){ .hl = hl };
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		l->b[r].owner = l;
		l->b[r].role = r;
	}
}

/* Every role on the same physical LED now shows this pattern. */
static void record(struct leds *l, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (r != role && !(hal_led_present(l->hl, r) && hal_led_same(l->hl, r, role)))
			continue;
		l->b[r].on_ms = on_ms;
		l->b[r].off_ms = off_ms;
		l->b[r].shown = true;
	}
}

void leds_set(struct leds *l, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	struct leds_blinker *b = &l->b[role];

	loop_timer_cancel(&b->timer);
	if (!hal_led_present(l->hl, role))
		return;
	record(l, role, on_ms, off_ms);
	hal_led_pattern(l->hl, role, on_ms, off_ms);
	if (on_ms == 0 || off_ms == 0) {
		hal_led_set(l->hl, role, on_ms != 0);
		return;
	}
	if (hal_led_blink(l->hl, role, on_ms, off_ms) == 0)
		return;
	b->lit = true;
	hal_led_set(l->hl, role, true);
	b->next_ms = loop_now_ms() + on_ms;
	loop_timer_at(&b->timer, b->next_ms, blink_step);
}

void leds_show(struct leds *l, enum led_phase phase)
{
	bool present[LED_ROLE_COUNT], same[LED_ROLE_COUNT][LED_ROLE_COUNT];
	struct led_pattern plan[LED_ROLE_COUNT];

	/* Every role's presence first: same[a][b] reads present[b] of roles after a too. */
	for (unsigned a = 0; a < LED_ROLE_COUNT; a++)
		present[a] = hal_led_present(l->hl, a);
	for (unsigned a = 0; a < LED_ROLE_COUNT; a++)
		for (unsigned b = 0; b < LED_ROLE_COUNT; b++)
			same[a][b] = present[a] && present[b] && hal_led_same(l->hl, a, b);
	led_plan(phase, present, same, plan);
	/* A role left alone but sharing a planned LED must stop its own blinking. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		for (unsigned c = 0; c < LED_ROLE_COUNT; c++)
			if (!plan[r].set && plan[c].set && same[r][c])
				loop_timer_cancel(&l->b[r].timer);
	/* Dark LEDs first, so a shared LED ends with the carrier's pattern. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (plan[r].set && plan[r].on_ms == 0)
			leds_set(l, r, 0, 0);
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (plan[r].set && plan[r].on_ms != 0)
			leds_set(l, r, plan[r].on_ms, plan[r].off_ms);
}

bool leds_get(const struct leds *l, unsigned role, uint32_t *on_ms, uint32_t *off_ms)
{
	if (role >= LED_ROLE_COUNT || !hal_led_present(l->hl, role) || !l->b[role].shown)
		return false;
	*on_ms = l->b[role].on_ms;
	*off_ms = l->b[role].off_ms;
	return true;
}

void leds_stop(struct leds *l)
{
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		loop_timer_cancel(&l->b[r].timer);
}
