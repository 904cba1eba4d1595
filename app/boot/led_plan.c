/* app/boot/led_plan.c — LED patterns per boot phase (pure) */
#include <errno.h>
#include <string.h>

#include "led_plan.h"

static const struct {
	enum led_role role;     /* the LED that carries the phase */
	uint32_t on_ms, off_ms;
	bool others_off;        /* boot and running LEDs go dark */
} phases[LED_PHASE_COUNT] = {
	[LED_PHASE_WINDOW] = { LED_BOOT, 100, 100, false },
	[LED_PHASE_FAILSAFE] = { LED_FAILSAFE, 50, 50, true },
	[LED_PHASE_NORMAL] = { LED_BOOT, 200, 200, false },
	[LED_PHASE_UPGRADE] = { LED_UPGRADE, 200, 200, false },
	/* Not OpenWrt's (it reboots after a failed write): long on, short off, told apart from failsafe's 50/50. */
	[LED_PHASE_FAILED] = { LED_FAILSAFE, 1000, 200, true },
};

static const char *const phase_names[LED_PHASE_COUNT] = {
	[LED_PHASE_WINDOW] = "window", [LED_PHASE_FAILSAFE] = "failsafe",
	[LED_PHASE_NORMAL] = "normal", [LED_PHASE_UPGRADE] = "upgrade", [LED_PHASE_FAILED] = "failed",
};

const char *led_phase_name(enum led_phase phase)
{
	return (unsigned)phase < LED_PHASE_COUNT ? phase_names[phase] : "?";
}

int led_phase_parse(const char *name)
{
	for (int p = 0; p < LED_PHASE_COUNT; p++)
		if (!strcmp(phase_names[p], name))
			return p;
	return -ENOENT;
}

void led_plan(enum led_phase phase, const bool present[LED_ROLE_COUNT],
	      const bool same[LED_ROLE_COUNT][LED_ROLE_COUNT], struct led_pattern out[LED_ROLE_COUNT])
{
	enum led_role carrier = phases[phase].role;

	memset(out, 0, sizeof(out[0]) * LED_ROLE_COUNT);
	if (!present[carrier])
		carrier = LED_BOOT;
	if (!present[carrier])
		return;
	out[carrier] = (struct led_pattern){ true, phases[phase].on_ms, phases[phase].off_ms };
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (r == carrier || !present[r] || same[r][carrier])
			continue;
		if (phases[phase].others_off && (r == LED_BOOT || r == LED_RUNNING))
			out[r] = (struct led_pattern){ true, 0, 0 };
		else if (phase != LED_PHASE_UPGRADE && r == LED_FAILSAFE)
			out[r] = (struct led_pattern){ true, 0, 0 };
	}
}
