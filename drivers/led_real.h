/* drivers/led_real.h — real LEDs: the sysfs LED class (kernel timer trigger blinks) or a GPIO line */
#ifndef DRIVERS_LED_REAL_H
#define DRIVERS_LED_REAL_H

#include "led.h"

struct led_real;

/* sysfs_dir: the LED class directory (NULL: /sys/class/leds; tests pass a scratch copy). 0 or -ENOMEM. */
int led_real_new(struct led_real **out, const char *sysfs_dir);
void led_real_free(struct led_real *l);
extern const struct led_ops led_real_ops;

#endif /* DRIVERS_LED_REAL_H */
