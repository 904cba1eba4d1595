/* hal/led.c — LEDs by role through the driver: applies GPIO active-low, logs a failing LED once */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers.h"
#include "led.h"
#include "log.h"

unsigned hal_led_open(struct hal_led *l, const struct hal_drivers *d)
{
	const struct board *b = d->board;
	unsigned n = 0;

	memset(l, 0, sizeof(*l));
	l->board = b;
	l->ops = d->led;
	l->drv = d->led_drv;
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		const struct board_led *led = &b->leds[r];
		char why[256] = "";
		int rc;

		if (!board_led_exists(led))
			continue;
		/* sysfs LEDs carry their polarity in the kernel's device tree binding. */
		rc = l->ops ? l->ops->open(l->drv, r, led, led->chip && led->active_low, why, sizeof(why)) : -ENODEV;
		if (rc < 0) {
			log_warn("board %s: %s LED %s: %s", b->name, board_led_role_name(r), board_led_name(led),
				 why[0] ? why : strerror(-rc));
			continue;
		}
		l->ok[r] = true;
		n++;
	}
	return n;
}

bool hal_led_present(const struct hal_led *l, unsigned role)
{
	return role < LED_ROLE_COUNT && l->ok[role];
}

bool hal_led_same(const struct hal_led *l, unsigned a, unsigned b)
{
	return board_led_same(&l->board->leds[a], &l->board->leds[b]);
}

static int check(struct hal_led *l, unsigned role, int rc, const char *what)
{
	if (rc < 0 && !l->warned[role]) {
		l->warned[role] = true;
		log_warn("board %s: %s LED %s: %s failed: %s (further failures not logged)", l->board->name,
			 board_led_role_name(role), board_led_name(&l->board->leds[role]), what, strerror(-rc));
	}
	return rc;
}

int hal_led_set(struct hal_led *l, unsigned role, bool on)
{
	const struct board_led *led;

	if (!hal_led_present(l, role))
		return -ENODEV;
	led = &l->board->leds[role];
	if (led->chip && led->active_low)
		on = !on;
	return check(l, role, l->ops->set(l->drv, role, on), "set");
}

int hal_led_blink(struct hal_led *l, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	int rc;

	if (!hal_led_present(l, role))
		return -ENODEV;
	if (!l->ops->blink)
		return -EOPNOTSUPP;
	rc = l->ops->blink(l->drv, role, on_ms, off_ms);
	/* A GPIO LED has no kernel blinking: the loop blinks it, nothing failed. */
	return rc == -EOPNOTSUPP ? rc : check(l, role, rc, "blink");
}

void hal_led_pattern(struct hal_led *l, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	if (hal_led_present(l, role) && l->ops->pattern)
		l->ops->pattern(l->drv, role, on_ms, off_ms);
}

void hal_led_restore(struct hal_led *l)
{
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (hal_led_present(l, r) && l->ops->restore)
			l->ops->restore(l->drv, r);
}

void hal_led_close(struct hal_led *l)
{
	if (l->ops)
		l->ops->release(l->drv);
	memset(l->ok, 0, sizeof(l->ok));
}

void led_pattern_text(uint32_t on_ms, uint32_t off_ms, char *out, size_t size)
{
	if (on_ms == 0)
		snprintf(out, size, "off");
	else if (off_ms == 0)
		snprintf(out, size, "on");
	else
		snprintf(out, size, "%u/%u", on_ms, off_ms);
}
