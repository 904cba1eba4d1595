/* hal/led.h — LEDs by role: the driver contract and the HAL (logical on/off, hardware blink) */
#ifndef HAL_LED_H
#define HAL_LED_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"

/* What an LED driver provides, per role. */
struct led_ops {
	/* Prepare the LED for role. 0 or -errno (-ENOENT: no such LED). */
	int (*open)(void *drv, unsigned role, const struct board_led *led);
	/* Set the level: electrical for GPIO LEDs, logical for sysfs LEDs. 0 or -errno. */
	int (*set)(void *drv, unsigned role, bool level);
	/* Optional: blink by itself (the kernel's timer trigger). 0 or -errno; NULL if unsupported. */
	int (*blink)(void *drv, unsigned role, uint32_t on_ms, uint32_t off_ms);
	/* Optional: told the pattern the app now runs in software (the simulator reports it). */
	void (*pattern)(void *drv, unsigned role, uint32_t on_ms, uint32_t off_ms);
	void (*close)(void *drv);
};

struct hal_led {
	const struct board *board;
	const struct led_ops *ops;
	void *drv;
	bool ok[LED_ROLE_COUNT];       /* the role has a working LED */
	bool warned[LED_ROLE_COUNT];   /* a write failure was logged once */
};

/* Open every LED role the board has; failures are logged once and cost only that LED. */
void hal_led_open(struct hal_led *l, const struct board *b, const struct led_ops *ops, void *drv);
/* True when the board maps role to an LED that opened. */
bool hal_led_present(const struct hal_led *l, unsigned role);
/* Two roles share one physical LED. */
bool hal_led_same(const struct hal_led *l, unsigned a, unsigned b);
/* Logical on/off; applies active-low for GPIO LEDs. 0 or -errno (logged once per role). */
int hal_led_set(struct hal_led *l, unsigned role, bool on);
/* Hardware blink if the driver can; -EOPNOTSUPP if the app must blink in software. */
int hal_led_blink(struct hal_led *l, unsigned role, uint32_t on_ms, uint32_t off_ms);
/* Tell the driver the pattern the app runs in software (on_ms 0: off; off_ms 0: steady on). */
void hal_led_pattern(struct hal_led *l, unsigned role, uint32_t on_ms, uint32_t off_ms);
const char *hal_led_role_name(unsigned role);
void hal_led_close(struct hal_led *l);

#endif /* HAL_LED_H */
