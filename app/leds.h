/* app/leds.h — runs LED patterns: hardware blink where the driver can, else toggles from loop timers */
#ifndef APP_LEDS_H
#define APP_LEDS_H

#include "led.h"
#include "led_plan.h"

/* Show a phase's patterns on the board's LEDs (SPEC §3). */
void leds_show(struct hal_led *hl, enum led_phase phase);
/* Blink one role (used by --probe); on_ms 0 is off. */
void leds_set(struct hal_led *hl, unsigned role, uint32_t on_ms, uint32_t off_ms);
/* Stop software blinking (before exit/exec; kernel-timer LEDs keep blinking). */
void leds_stop(void);

#endif /* APP_LEDS_H */
