/* unittests/test_led_plan.c — LED patterns per phase for boards with separate, shared and missing LEDs */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "led_plan.h"

struct board_shape {
	bool present[LED_ROLE_COUNT];
	bool same[LED_ROLE_COUNT][LED_ROLE_COUNT];
};

static void shape_init(struct board_shape *b, const char *roles /* e.g. "BF": boot, failsafe */, const char *shared)
{
	memset(b, 0, sizeof(*b));
	for (const char *r = roles; *r; r++)
		b->present[*r == 'B' ? LED_BOOT : *r == 'F' ? LED_FAILSAFE : *r == 'R' ? LED_RUNNING : LED_UPGRADE] = true;
	for (unsigned i = 0; i < LED_ROLE_COUNT; i++)
		b->same[i][i] = b->present[i];
	/* shared: pairs like "BF" = boot and failsafe are one LED */
	for (const char *p = shared; p[0] && p[1]; p += 2) {
		unsigned a = p[0] == 'B' ? LED_BOOT : p[0] == 'F' ? LED_FAILSAFE : p[0] == 'R' ? LED_RUNNING : LED_UPGRADE;
		unsigned c = p[1] == 'B' ? LED_BOOT : p[1] == 'F' ? LED_FAILSAFE : p[1] == 'R' ? LED_RUNNING : LED_UPGRADE;

		b->same[a][c] = b->same[c][a] = true;
	}
}

static void expect(const struct led_pattern *p, bool set, uint32_t on_ms, uint32_t off_ms)
{
	assert_int_equal(p->set, set);
	if (set) {
		assert_int_equal(p->on_ms, on_ms);
		assert_int_equal(p->off_ms, off_ms);
	}
}

static void separate_leds(void **s)
{
	struct board_shape b;
	struct led_pattern p[LED_ROLE_COUNT];

	(void)s;
	shape_init(&b, "BF", "");
	led_plan(LED_PHASE_WINDOW, b.present, b.same, p);
	expect(&p[LED_BOOT], true, 100, 100);
	expect(&p[LED_FAILSAFE], true, 0, 0);
	led_plan(LED_PHASE_FAILSAFE, b.present, b.same, p);
	expect(&p[LED_FAILSAFE], true, 50, 50);
	expect(&p[LED_BOOT], true, 0, 0);
	led_plan(LED_PHASE_NORMAL, b.present, b.same, p);
	expect(&p[LED_BOOT], true, 200, 200);
	expect(&p[LED_FAILSAFE], true, 0, 0);
	led_plan(LED_PHASE_FAILED, b.present, b.same, p);      /* a write failed: still failsafe, told apart */
	expect(&p[LED_FAILSAFE], true, 1000, 200);
	expect(&p[LED_BOOT], true, 0, 0);
}

static void one_status_led(void **s)
{
	struct board_shape b;
	struct led_pattern p[LED_ROLE_COUNT];

	(void)s;
	shape_init(&b, "BFRU", "BFBRBUFRFURU");
	led_plan(LED_PHASE_FAILSAFE, b.present, b.same, p);
	expect(&p[LED_FAILSAFE], true, 50, 50);
	expect(&p[LED_BOOT], false, 0, 0);   /* same LED: not switched off behind the carrier's back */
	expect(&p[LED_RUNNING], false, 0, 0);
	led_plan(LED_PHASE_UPGRADE, b.present, b.same, p);
	expect(&p[LED_UPGRADE], true, 200, 200);
	led_plan(LED_PHASE_FAILED, b.present, b.same, p);
	expect(&p[LED_FAILSAFE], true, 1000, 200);
	expect(&p[LED_BOOT], false, 0, 0);
}

/* A flash that failed (here or from RAM): the failsafe LED long on, short off (no other phase blinks so), the rest dark. */
static void flash_failed(void **s)
{
	struct board_shape b;
	struct led_pattern p[LED_ROLE_COUNT];

	(void)s;
	shape_init(&b, "BFRU", "");
	led_plan(LED_PHASE_FAILED, b.present, b.same, p);
	expect(&p[LED_FAILSAFE], true, 1000, 200);
	expect(&p[LED_BOOT], true, 0, 0);
	expect(&p[LED_RUNNING], true, 0, 0);
	shape_init(&b, "B", "");
	led_plan(LED_PHASE_FAILED, b.present, b.same, p);
	expect(&p[LED_BOOT], true, 1000, 200);   /* the only LED carries it */
	assert_string_equal(led_phase_name(LED_PHASE_FAILED), "failed");
	assert_int_equal(led_phase_parse("failed"), LED_PHASE_FAILED);
}

static void no_failsafe_led(void **s)
{
	struct board_shape b;
	struct led_pattern p[LED_ROLE_COUNT];

	(void)s;
	shape_init(&b, "BR", "");
	led_plan(LED_PHASE_FAILSAFE, b.present, b.same, p);
	expect(&p[LED_BOOT], true, 50, 50);   /* visible, unlike OpenWrt's dark LED */
	expect(&p[LED_RUNNING], true, 0, 0);
	expect(&p[LED_FAILSAFE], false, 0, 0);
	led_plan(LED_PHASE_FAILED, b.present, b.same, p);
	expect(&p[LED_BOOT], true, 1000, 200);
	expect(&p[LED_RUNNING], true, 0, 0);
}

static void no_leds_at_all(void **s)
{
	struct board_shape b;
	struct led_pattern p[LED_ROLE_COUNT];

	(void)s;
	shape_init(&b, "", "");
	for (unsigned ph = 0; ph < LED_PHASE_COUNT; ph++) {
		led_plan(ph, b.present, b.same, p);
		for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
			expect(&p[r], false, 0, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(separate_leds),
		cmocka_unit_test(one_status_led),
		cmocka_unit_test(no_failsafe_led),
		cmocka_unit_test(flash_failed),
		cmocka_unit_test(no_leds_at_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
