/* app/boot/leds.h — runs LED patterns: hardware blink where the driver can, else toggles from loop timers */
#ifndef APP_LEDS_H
#define APP_LEDS_H

#include <stdbool.h>
#include <stdint.h>

#include "led.h"
#include "led_plan.h"
#include "loop.h"

struct leds_blinker {
	struct loop_timer timer;       /* the callback recovers the blinker with container_of */
	struct leds *owner;
	unsigned role;
	uint32_t on_ms, off_ms;        /* the pattern shown (on 0: off; off 0: steady on) */
	bool shown;                    /* a pattern was set for this role */
	bool lit;
	uint64_t next_ms;              /* drift-free schedule */
};

struct leds {
	struct hal_led *hl;
	struct leds_blinker b[LED_ROLE_COUNT];
};

void leds_init(struct leds *l, struct hal_led *hl);
/* Show a phase's patterns on the board's LEDs (SPEC §3). */
void leds_show(struct leds *l, enum led_phase phase);
/* Show one pattern on one role (--probe); on_ms 0 is off. */
void leds_set(struct leds *l, unsigned role, uint32_t on_ms, uint32_t off_ms);
/* What role shows now; false when nothing was set or the role has no LED. */
bool leds_get(const struct leds *l, unsigned role, uint32_t *on_ms, uint32_t *off_ms);
/* Stop software blinking (before exit/exec; kernel-timer LEDs keep blinking). */
void leds_stop(struct leds *l);

#endif /* APP_LEDS_H */
