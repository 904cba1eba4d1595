/* app/boot/led_plan.h — which LED shows which pattern in each boot state (pure, SPEC §3) */
#ifndef APP_LED_PLAN_H
#define APP_LED_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"

enum led_phase {
	LED_PHASE_WINDOW = 0,   /* "preinit": boot LED 100/100 */
	LED_PHASE_FAILSAFE,     /* failsafe LED 50/50, boot and running off */
	LED_PHASE_NORMAL,       /* "preinit_regular": boot LED 200/200 */
	LED_PHASE_UPGRADE,      /* flashing: upgrade LED 200/200 */
	LED_PHASE_FAILED,       /* failsafe after a flash that failed (here or from RAM): failsafe LED 1000/200, boot
				 * and running off */
	LED_PHASE_COUNT
};

struct led_pattern {
	bool set;               /* false: leave this role as it is */
	uint32_t on_ms;         /* 0: off */
	uint32_t off_ms;        /* 0 with on_ms > 0: steady on */
};

/* "window", "failsafe", "normal", "upgrade", "failed"; "?" out of range. */
const char *led_phase_name(enum led_phase phase);
/* The phase named name, or -ENOENT. */
int led_phase_parse(const char *name);

/*
 * Patterns per role for a phase. present[r]: the role has a working LED;
 * same[a][b]: roles a and b are one physical LED. A role that shares the
 * LED that carries the phase's pattern is left alone; a board without a
 * failsafe (or upgrade) LED blinks its boot LED instead.
 */
void led_plan(enum led_phase phase, const bool present[LED_ROLE_COUNT],
	      const bool same[LED_ROLE_COUNT][LED_ROLE_COUNT], struct led_pattern out[LED_ROLE_COUNT]);

#endif /* APP_LED_PLAN_H */
