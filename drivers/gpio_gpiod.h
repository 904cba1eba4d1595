/* drivers/gpio_gpiod.h — real GPIO through libgpiod 1.6: button inputs with edge events, LED outputs */
#ifndef DRIVERS_GPIO_GPIOD_H
#define DRIVERS_GPIO_GPIOD_H

#include "input.h"
#include "led.h"

struct gpiod_input;

/* 0 or -ENOMEM. Lines are requested later, one by one, through the ops. */
int gpiod_input_new(struct gpiod_input **out);
extern const struct input_ops gpiod_input_ops;

/* GPIO LEDs (board_led.chip set): outputs requested per role. */
struct gpiod_leds;
int gpiod_leds_new(struct gpiod_leds **out);
int gpiod_leds_open(struct gpiod_leds *g, unsigned role, const struct board_led *led);
int gpiod_leds_set(struct gpiod_leds *g, unsigned role, bool level);
void gpiod_leds_free(struct gpiod_leds *g);

#endif /* DRIVERS_GPIO_GPIOD_H */
