/* hal/led.h — LEDs by role: the driver contract and the HAL (logical on/off, hardware blink, polarity) */
#ifndef HAL_LED_H
#define HAL_LED_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"

struct hal_drivers;

/* What an LED driver provides, per role. Drivers know nothing of polarity. */
struct led_ops {
	/*
	 * Prepare the LED for role; a GPIO LED starts at off_level, the
	 * electrical level that is "off". What open() found is kept for
	 * restore(). 0 or -errno (-ENOENT: no such LED, -ENODEV: no such
	 * chip); on failure why holds a one-line reason naming what is missing.
	 */
	int (*open)(void *drv, unsigned role, const struct board_led *led, bool off_level,
		    char *why, size_t why_size);
	/* Set the level: electrical for GPIO LEDs, logical for sysfs LEDs. 0 or -errno. */
	int (*set)(void *drv, unsigned role, bool level);
	/* Optional: blink by itself (the kernel's timer trigger). 0 or -errno; -EOPNOTSUPP: the app blinks. */
	int (*blink)(void *drv, unsigned role, uint32_t on_ms, uint32_t off_ms);
	/* Optional: told the pattern the app now shows (the simulator reports it). */
	void (*pattern)(void *drv, unsigned role, uint32_t on_ms, uint32_t off_ms);
	/* Optional: put the LED back as open() found it (trigger, brightness, level). */
	void (*restore)(void *drv, unsigned role);
	/* Release every LED (the driver object itself is freed by hal_drivers_close()). */
	void (*release)(void *drv);
};

struct hal_led {
	const struct board *board;
	const struct led_ops *ops;
	void *drv;
	bool ok[LED_ROLE_COUNT];       /* the role has a working LED */
	bool warned[LED_ROLE_COUNT];   /* a write failure was logged once */
};

/* Open every LED role the board has; a failure is logged once and costs only that LED. Returns LEDs opened. */
unsigned hal_led_open(struct hal_led *l, const struct hal_drivers *d);
/* True when the board maps role to an LED that opened. */
bool hal_led_present(const struct hal_led *l, unsigned role);
/* Two roles share one physical LED. */
bool hal_led_same(const struct hal_led *l, unsigned a, unsigned b);
/* Logical on/off; applies active-low for GPIO LEDs. 0 or -errno (logged once per role). */
int hal_led_set(struct hal_led *l, unsigned role, bool on);
/* Hardware blink if the driver can; -EOPNOTSUPP if the app must blink in software. */
int hal_led_blink(struct hal_led *l, unsigned role, uint32_t on_ms, uint32_t off_ms);
/* Tell the driver the pattern the app shows (on_ms 0: off; off_ms 0: steady on). */
void hal_led_pattern(struct hal_led *l, unsigned role, uint32_t on_ms, uint32_t off_ms);
/* Put every opened LED back as it was found (--probe). */
void hal_led_restore(struct hal_led *l);
void hal_led_close(struct hal_led *l);

/* A pattern as people read it: "100/100", "50/50", "on" (off_ms 0), "off" (on_ms 0). */
void led_pattern_text(uint32_t on_ms, uint32_t off_ms, char *out, size_t size);

#endif /* HAL_LED_H */
