/* drivers/gpio_gpiod.h — GPIO inputs and outputs through libgpiod: gpio_gpiod.c (1.6, uAPI v1) or gpio_gpiod2.c (2.x, v2) */
#ifndef DRIVERS_GPIO_GPIOD_H
#define DRIVERS_GPIO_GPIOD_H

#include <stdbool.h>
#include <stddef.h>

#include "input.h"
#include "led.h"

struct gpiod_input;

/* 0 or -errno. Lines are requested later, one by one, through the ops. */
int gpiod_input_new(struct gpiod_input **out);
void gpiod_input_free(struct gpiod_input *g);
extern const struct input_ops gpiod_input_ops;

/* GPIO LEDs (board_led.chip set): outputs requested per role; two roles on one line share it. */
struct gpiod_leds;
int gpiod_leds_new(struct gpiod_leds **out);
int gpiod_leds_open(struct gpiod_leds *g, unsigned role, const struct board_led *led, bool off_level,
		    char *why, size_t why_size);
int gpiod_leds_set(struct gpiod_leds *g, unsigned role, bool level);
/* Back to the level found at open (as far as the chip let it be read). */
void gpiod_leds_restore(struct gpiod_leds *g, unsigned role);
void gpiod_leds_release(struct gpiod_leds *g);
void gpiod_leds_free(struct gpiod_leds *g);

/* The GPIO chips of this system, one per line: "gpiochip0 [label] 8 lines (3 \"BTN\", ...)". Length or -errno. */
int gpiod_describe_chips(char *out, size_t out_size);

#endif /* DRIVERS_GPIO_GPIOD_H */
