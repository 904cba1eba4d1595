/* hal/input.c — button lines: opens each through the driver, applies active-low (the one place that does), stamps kernel-debounced edges */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers.h"
#include "input.h"
#include "log.h"

static void describe(const struct board_button *btn, char *buf, size_t size)
{
	if (btn->line_name)
		snprintf(buf, size, "%s line \"%s\"", btn->chip, btn->line_name);
	else
		snprintf(buf, size, "%s line %d", btn->chip, btn->line);
}

unsigned hal_input_open(struct hal_input *in, const struct hal_drivers *d, bool warn)
{
	const struct board *b = d->board;

	memset(in, 0, sizeof(*in));
	in->board = b;
	in->ops = d->input;
	in->drv = d->input_drv;
	for (unsigned i = 0; i < b->n_buttons; i++) {
		char where[96];
		int rc = -ENODEV;

		describe(&b->buttons[i], where, sizeof(where));
		if (in->ops)
			rc = in->ops->open_line(in->drv, i, &b->buttons[i], in->why[i], sizeof(in->why[i]));
		else
			snprintf(in->why[i], sizeof(in->why[i]), "no GPIO driver");
		if (rc < 0) {
			if (!in->why[i][0])
				snprintf(in->why[i], sizeof(in->why[i]), "%s", strerror(-rc));
			if (warn)
				log_warn("board %s: button %s (%s): %s; this button cannot trigger failsafe",
					 b->name, b->buttons[i].name, where, in->why[i]);
			continue;
		}
		in->why[i][0] = '\0';
		in->line_ok[i] = true;
		in->n_ok++;
		if (in->ops->kernel_debounce_ms)
			in->kernel_debounce_ms[i] = in->ops->kernel_debounce_ms(in->drv, i);
		if (in->kernel_debounce_ms[i])
			log_info("board %s: button %s on %s: debounced by the kernel (%u ms)", b->name,
				 b->buttons[i].name, where, (unsigned)in->kernel_debounce_ms[i]);
		else
			log_debug("board %s: button %s on %s", b->name, b->buttons[i].name, where);
	}
	return in->n_ok;
}

const char *hal_input_why(const struct hal_input *in, unsigned idx)
{
	return idx < BOARD_MAX_BUTTONS ? in->why[idx] : "";
}

bool hal_input_is_trigger(const struct hal_input *in, unsigned idx)
{
	return idx < in->board->n_buttons && in->line_ok[idx] && board_button_is_key(&in->board->buttons[idx]);
}

int hal_input_pressed(struct hal_input *in, unsigned idx, bool *pressed)
{
	bool high;
	int rc;

	if (idx >= in->board->n_buttons || !in->line_ok[idx])
		return -ENODEV;
	rc = in->ops->get(in->drv, idx, &high);
	if (rc < 0)
		return rc;
	*pressed = high != in->board->buttons[idx].active_low;
	return 0;
}

int hal_input_fd(const struct hal_input *in)
{
	return in->n_ok ? in->ops->fd(in->drv) : -1;
}

int hal_input_read(struct hal_input *in, struct input_edge *edges, size_t max)
{
	struct input_raw_edge raw[16];
	int n, out = 0;

	if (!in->n_ok)
		return 0;
	if (max > ARRAY_SIZE(raw))
		max = ARRAY_SIZE(raw);
	n = in->ops->read(in->drv, raw, max);
	for (int i = 0; i < n; i++) {
		unsigned idx = raw[i].idx;
		uint64_t held_back_ms;

		if (idx >= in->board->n_buttons || !in->line_ok[idx])
			continue; /* a driver's stray edge is not a button */
		/* The kernel held this edge back until the level had been stable for its period. */
		held_back_ms = in->kernel_debounce_ms[idx];
		edges[out++] = (struct input_edge){
			.idx = idx, .high = raw[i].high,
			.ts_ms = raw[i].ts_ms > held_back_ms ? raw[i].ts_ms - held_back_ms : 0,
			.pressed = raw[i].high != in->board->buttons[idx].active_low,
		};
	}
	return n < 0 ? n : out;
}

uint32_t hal_input_kernel_debounce_ms(const struct hal_input *in, unsigned idx)
{
	return idx < BOARD_MAX_BUTTONS && in->line_ok[idx] ? in->kernel_debounce_ms[idx] : 0;
}

uint32_t hal_input_edge_delay_ms(const struct hal_input *in, unsigned idx)
{
	uint32_t period_ms = hal_input_kernel_debounce_ms(in, idx);

	return period_ms ? period_ms + HAL_INPUT_KERNEL_TICK_MS : 0;
}

int hal_input_describe(const struct hal_input *in, char *out, size_t out_size)
{
	if (out_size)
		out[0] = '\0';
	if (!in->ops || !in->ops->describe)
		return -EOPNOTSUPP;
	return in->ops->describe(in->drv, out, out_size);
}

void hal_input_close(struct hal_input *in)
{
	if (in->ops)
		in->ops->release(in->drv);
	memset(in->line_ok, 0, sizeof(in->line_ok));
	memset(in->kernel_debounce_ms, 0, sizeof(in->kernel_debounce_ms));
	in->n_ok = 0;
}
