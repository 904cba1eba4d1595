/* hal/input.c — button lines: opens each, and applies active-low (the one place that does) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "log.h"

static void describe(const struct board_button *btn, char *buf, size_t size)
{
	if (btn->line_name)
		snprintf(buf, size, "%s line \"%s\"", btn->chip, btn->line_name);
	else
		snprintf(buf, size, "%s line %d", btn->chip, btn->line);
}

unsigned hal_input_open(struct hal_input *in, const struct board *b, const struct input_ops *ops, void *drv)
{
	memset(in, 0, sizeof(*in));
	in->board = b;
	in->ops = ops;
	in->drv = drv;
	if (!ops)
		return 0;
	for (unsigned i = 0; i < b->n_buttons; i++) {
		char where[96];
		int rc = ops->open_line(drv, i, &b->buttons[i]);

		describe(&b->buttons[i], where, sizeof(where));
		if (rc < 0) {
			log_warn("board %s: button %s (%s): %s; this button cannot trigger failsafe",
				 b->name, b->buttons[i].name, where, strerror(-rc));
			continue;
		}
		in->line_ok[i] = true;
		in->n_ok++;
		log_debug("board %s: button %s on %s", b->name, b->buttons[i].name, where);
	}
	return in->n_ok;
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
	return in->n_ok && in->ops ? in->ops->fd(in->drv) : -1;
}

int hal_input_read(struct hal_input *in, struct input_edge *edges, size_t max)
{
	struct input_raw_edge raw[16];
	int n;

	if (!in->n_ok)
		return 0;
	if (max > sizeof(raw) / sizeof(raw[0]))
		max = sizeof(raw) / sizeof(raw[0]);
	n = in->ops->read(in->drv, raw, max);
	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		unsigned idx = raw[i].idx;

		edges[i].idx = idx;
		edges[i].ts_ms = raw[i].ts_ms;
		edges[i].pressed = idx < in->board->n_buttons &&
				   raw[i].high != in->board->buttons[idx].active_low;
	}
	return n;
}

void hal_input_close(struct hal_input *in)
{
	if (in->ops && in->ops->close)
		in->ops->close(in->drv);
	in->n_ok = 0;
}
