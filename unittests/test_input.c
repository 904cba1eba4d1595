/* unittests/test_input.c — the input HAL over a scripted driver: polarity, kernel-debounced lines, and what the boot policy makes of them */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "boot.h"
#include "drivers.h"
#include "input.h"

/* A driver whose lines, levels and pending edges the test sets. */
static struct script {
	int open_rc[BOARD_MAX_BUTTONS];
	uint32_t kernel_ms[BOARD_MAX_BUTTONS];  /* what the kernel applies to each line */
	bool level[BOARD_MAX_BUTTONS];
	struct input_raw_edge pending[8];
	size_t n_pending;
} s;

static int sc_open_line(void *drv, unsigned idx, const struct board_button *btn, char *why, size_t why_size)
{
	(void)drv;
	(void)btn;
	if (s.open_rc[idx])
		snprintf(why, why_size, "scripted failure");
	return s.open_rc[idx];
}

static int sc_get(void *drv, unsigned idx, bool *high)
{
	(void)drv;
	*high = s.level[idx];
	return 0;
}

static int sc_fd(void *drv)
{
	(void)drv;
	return 42;
}

static int sc_read(void *drv, struct input_raw_edge *edges, size_t max)
{
	size_t n = s.n_pending < max ? s.n_pending : max;

	(void)drv;
	memcpy(edges, s.pending, n * sizeof(*edges));
	s.n_pending = 0;
	return (int)n;
}

static void sc_release(void *drv)
{
	(void)drv;
}

static uint32_t sc_kernel_debounce_ms(void *drv, unsigned idx)
{
	(void)drv;
	return s.kernel_ms[idx];
}

static const struct input_ops raw_ops = {
	.open_line = sc_open_line, .get = sc_get, .fd = sc_fd, .read = sc_read, .release = sc_release,
};
static const struct input_ops kernel_ops = {
	.open_line = sc_open_line, .get = sc_get, .fd = sc_fd, .read = sc_read, .release = sc_release,
	.kernel_debounce_ms = sc_kernel_debounce_ms,
};

static const struct board_button buttons[] = {
	{ .name = "reset", .chip = "/soc/pinctrl@1001f000", .line = 9, .active_low = true, .debounce_ms = 20 },
	{ .name = "wps", .chip = "pinctrl_moore", .line = 10, .active_low = false, .debounce_ms = 20 },
	{ .name = "broken", .chip = "pinctrl_moore", .line = 11, .active_low = false, .debounce_ms = 20 },
};
static const struct board board = {
	.name = "scripted", .buttons = buttons, .n_buttons = ARRAY_SIZE(buttons),
};

static void open_with(struct hal_input *in, const struct input_ops *ops)
{
	struct hal_drivers d = { .board = &board, .input = ops, .input_drv = &s };

	assert_int_equal(hal_input_open(in, &d, false), 2);
}

static int reset_script(void **state)
{
	(void)state;
	memset(&s, 0, sizeof(s));
	s.open_rc[2] = -EBUSY;
	s.kernel_ms[0] = 20;        /* reset: the kernel debounces it */
	s.kernel_ms[2] = 20;        /* broken: never opened, so it reports nothing */
	return 0;
}

static void push(unsigned idx, bool high, uint64_t ts_ms)
{
	s.pending[s.n_pending++] = (struct input_raw_edge){ idx, high, ts_ms };
}

static void kernel_debounce_reported_per_line(void **state)
{
	struct hal_input in;

	(void)state;
	open_with(&in, &kernel_ops);
	assert_int_equal(hal_input_kernel_debounce_ms(&in, 0), 20);
	assert_int_equal(hal_input_kernel_debounce_ms(&in, 1), 0);
	assert_int_equal(hal_input_kernel_debounce_ms(&in, 2), 0);            /* did not open */
	assert_int_equal(hal_input_kernel_debounce_ms(&in, BOARD_MAX_BUTTONS), 0);
	assert_int_equal(hal_input_edge_delay_ms(&in, 0), 20 + HAL_INPUT_KERNEL_TICK_MS);
	assert_int_equal(hal_input_edge_delay_ms(&in, 1), 0);
	assert_string_equal(hal_input_why(&in, 2), "scripted failure");
	hal_input_close(&in);
	assert_int_equal(hal_input_kernel_debounce_ms(&in, 0), 0);
	/* A driver without the op (libgpiod 1.6, the simulated board): every line raw. */
	open_with(&in, &raw_ops);
	assert_int_equal(hal_input_kernel_debounce_ms(&in, 0), 0);
	assert_int_equal(hal_input_edge_delay_ms(&in, 0), 0);
	hal_input_close(&in);
}

static void edges_stamped_when_the_level_changed(void **state)
{
	struct hal_input in;
	struct input_edge e[8];

	(void)state;
	open_with(&in, &kernel_ops);
	push(0, false, 1000);       /* reset is active-low: low = pressed; read at 1000, stable since 980 */
	push(1, true, 1000);        /* wps: raw, as read */
	push(2, true, 1000);        /* a stray edge of a line that is not open */
	push(0, true, 15);          /* early in the clock: never below 0 */
	assert_int_equal(hal_input_read(&in, e, 8), 3);
	assert_int_equal(e[0].idx, 0);
	assert_true(e[0].pressed);
	assert_false(e[0].high);
	assert_int_equal(e[0].ts_ms, 980);
	assert_int_equal(e[1].idx, 1);
	assert_true(e[1].pressed);
	assert_int_equal(e[1].ts_ms, 1000);
	assert_int_equal(e[2].idx, 0);
	assert_false(e[2].pressed);
	assert_int_equal(e[2].ts_ms, 0);
	s.level[0] = false;
	bool pressed = false;
	assert_int_equal(hal_input_pressed(&in, 0, &pressed), 0);
	assert_true(pressed);
	hal_input_close(&in);
}

/* The boot policy with the HAL's edges: what the glue does (app/applets/applet_failsafed.c on_input). */
static uint64_t press_taken_at(const struct input_ops *ops, uint64_t read_ms, unsigned button)
{
	struct hal_input in;
	struct boot b;
	struct boot_actions act;
	struct boot_config cfg = { .window_ms = 4000, .n_buttons = 2, .trigger_mask = 3, .debounce_ms = { 20, 20 } };
	struct input_edge e[8];
	uint64_t taken_ms;
	int n;

	reset_script(NULL);
	open_with(&in, ops);
	boot_init(&b, &cfg);
	boot_step(&b, &(struct boot_event){ .type = BOOT_EV_START }, 0, &act);
	push(button, button == 0 ? false : true, read_ms);   /* pressed */
	n = hal_input_read(&in, e, 8);
	assert_int_equal(n, 1);
	boot_step(&b, &(struct boot_event){ .type = BOOT_EV_EDGE, .button = e[0].idx, .pressed = e[0].pressed,
					    .edge_ms = e[0].ts_ms }, read_ms, &act);
	hal_input_close(&in);
	if (act.flags & BOOT_ACT_FAILSAFE) {
		assert_int_equal(boot_button(&b), button);
		return read_ms;
	}
	assert_true(act.has_deadline);
	taken_ms = act.deadline_ms;
	boot_step(&b, &(struct boot_event){ .type = BOOT_EV_TICK }, taken_ms, &act);
	assert_true(act.flags & BOOT_ACT_FAILSAFE);
	assert_int_equal(boot_button(&b), button);
	return taken_ms;
}

static void kernel_debounced_press_taken_at_once(void **state)
{
	(void)state;
	/* The kernel has already waited 20 ms: the press counts the moment it is read. */
	assert_int_equal(press_taken_at(&kernel_ops, 1000, 0), 1000);
	/* A raw edge (libgpiod 1.6, or the kernel refused): the software debounce waits its 20 ms. */
	assert_int_equal(press_taken_at(&kernel_ops, 1000, 1), 1020);
	assert_int_equal(press_taken_at(&raw_ops, 1000, 0), 1020);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(kernel_debounce_reported_per_line, reset_script),
		cmocka_unit_test_setup(edges_stamped_when_the_level_changed, reset_script),
		cmocka_unit_test_setup(kernel_debounced_press_taken_at_once, reset_script),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
