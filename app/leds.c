/* app/leds.c — LED patterns: kernel timer trigger if the driver has it, else a loop timer per LED */
#include <stddef.h>

#include "leds.h"
#include "loop.h"

struct blinker {
	struct loop_timer timer;       /* the timer callback recovers the blinker with container_of */
	struct hal_led *hl;
	unsigned role;
	uint32_t on_ms, off_ms;
	bool lit;
	uint64_t next_ms;              /* drift-free schedule */
};

static struct blinker blinkers[LED_ROLE_COUNT];

static void blink_step(struct loop_timer *t)
{
	struct blinker *b = container_of(t, struct blinker, timer);
	uint64_t now_ms = loop_now_ms();

	b->lit = !b->lit;
	hal_led_set(b->hl, b->role, b->lit);
	b->next_ms += b->lit ? b->on_ms : b->off_ms;
	if (b->next_ms <= now_ms) /* fell behind (a stopped clock, a busy host): restart from now */
		b->next_ms = now_ms + (b->lit ? b->on_ms : b->off_ms);
	loop_timer_at(&b->timer, b->next_ms, blink_step);
}

void leds_set(struct hal_led *hl, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	struct blinker *b = &blinkers[role];

	loop_timer_cancel(&b->timer);
	if (!hal_led_present(hl, role))
		return;
	hal_led_pattern(hl, role, on_ms, off_ms);
	if (on_ms == 0 || off_ms == 0) {
		hal_led_set(hl, role, on_ms != 0);
		return;
	}
	if (hal_led_blink(hl, role, on_ms, off_ms) == 0)
		return;
	*b = (struct blinker){ .hl = hl, .role = role, .on_ms = on_ms, .off_ms = off_ms, .lit = true };
	hal_led_set(hl, role, true);
	b->next_ms = loop_now_ms() + on_ms;
	loop_timer_at(&b->timer, b->next_ms, blink_step);
}

void leds_show(struct hal_led *hl, enum led_phase phase)
{
	bool present[LED_ROLE_COUNT], same[LED_ROLE_COUNT][LED_ROLE_COUNT];
	struct led_pattern plan[LED_ROLE_COUNT];

	for (unsigned a = 0; a < LED_ROLE_COUNT; a++) {
		present[a] = hal_led_present(hl, a);
		for (unsigned b = 0; b < LED_ROLE_COUNT; b++)
			same[a][b] = present[a] && present[b] && hal_led_same(hl, a, b);
	}
	led_plan(phase, present, same, plan);
	/* A role left alone but sharing a planned LED must stop its own blinking. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		for (unsigned c = 0; c < LED_ROLE_COUNT; c++)
			if (!plan[r].set && plan[c].set && same[r][c])
				loop_timer_cancel(&blinkers[r].timer);
	/* Dark LEDs first, so a shared LED ends with the carrier's pattern. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (plan[r].set && plan[r].on_ms == 0)
			leds_set(hl, r, 0, 0);
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (plan[r].set && plan[r].on_ms != 0)
			leds_set(hl, r, plan[r].on_ms, plan[r].off_ms);
}

void leds_stop(void)
{
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		loop_timer_cancel(&blinkers[r].timer);
}
