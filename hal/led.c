/* hal/led.c — LEDs by role: opens each, applies GPIO active-low, logs a failing LED once */
#include <errno.h>
#include <string.h>

#include "led.h"
#include "log.h"

static const char *const role_names[LED_ROLE_COUNT] = {
	[LED_BOOT] = "boot", [LED_FAILSAFE] = "failsafe",
	[LED_RUNNING] = "running", [LED_UPGRADE] = "upgrade",
};

const char *hal_led_role_name(unsigned role)
{
	return role < LED_ROLE_COUNT ? role_names[role] : "?";
}

static bool exists(const struct board_led *led)
{
	return led->sysfs || led->chip;
}

static const char *led_name(const struct board_led *led)
{
	return led->sysfs ? led->sysfs : led->chip;
}

void hal_led_open(struct hal_led *l, const struct board *b, const struct led_ops *ops, void *drv)
{
	memset(l, 0, sizeof(*l));
	l->board = b;
	l->ops = ops;
	l->drv = drv;
	if (!ops)
		return;
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		const struct board_led *led = &b->leds[r];
		int rc;

		if (!exists(led))
			continue;
		rc = ops->open(drv, r, led);
		if (rc < 0) {
			log_warn("board %s: %s LED %s: %s", b->name, role_names[r], led_name(led), strerror(-rc));
			continue;
		}
		l->ok[r] = true;
	}
}

bool hal_led_present(const struct hal_led *l, unsigned role)
{
	return role < LED_ROLE_COUNT && l->ok[role];
}

bool hal_led_same(const struct hal_led *l, unsigned a, unsigned b)
{
	const struct board_led *x = &l->board->leds[a], *y = &l->board->leds[b];

	if (x->sysfs && y->sysfs)
		return !strcmp(x->sysfs, y->sysfs);
	if (x->chip && y->chip)
		return !strcmp(x->chip, y->chip) && x->line == y->line;
	return false;
}

static int check(struct hal_led *l, unsigned role, int rc, const char *what)
{
	if (rc < 0 && !l->warned[role]) {
		l->warned[role] = true;
		log_warn("board %s: %s LED %s: %s failed: %s (further failures not logged)", l->board->name,
			 role_names[role], led_name(&l->board->leds[role]), what, strerror(-rc));
	}
	return rc;
}

int hal_led_set(struct hal_led *l, unsigned role, bool on)
{
	const struct board_led *led;

	if (!hal_led_present(l, role))
		return -ENODEV;
	led = &l->board->leds[role];
	/* sysfs LEDs carry their polarity in the kernel's device tree binding. */
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

void hal_led_close(struct hal_led *l)
{
	if (l->ops && l->ops->close)
		l->ops->close(l->drv);
	memset(l->ok, 0, sizeof(l->ok));
}
