/* drivers/gpio_gpiod.c — real GPIO via libgpiod 1.6: edge-event inputs behind one epoll fd, LED outputs */
#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gpio_gpiod.h"
#include "clock.h"
#include "log.h"

#define CONSUMER "failsafed"

struct gpiod_input {
	int epoll_fd;                            /* all line event fds, so the loop sees one fd */
	struct gpiod_chip *chip[BOARD_MAX_BUTTONS];
	struct gpiod_line *line[BOARD_MAX_BUTTONS];
};

int gpiod_input_new(struct gpiod_input **out)
{
	struct gpiod_input *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (g->epoll_fd < 0) {
		int rc = -errno;

		free(g);
		return rc;
	}
	*out = g;
	return 0;
}

static int bias_flags(enum board_bias bias)
{
	switch (bias) {
	case BOARD_BIAS_DISABLED:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	case BOARD_BIAS_PULL_UP:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	case BOARD_BIAS_PULL_DOWN:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	default:
		return 0;
	}
}

/* Find chip + line; the chip by name, path, label or number (gpiod_chip_open_lookup). */
static int lookup(const char *chip_name, int offset, const char *line_name,
		  struct gpiod_chip **chip, struct gpiod_line **line)
{
	*chip = gpiod_chip_open_lookup(chip_name);
	if (!*chip)
		return errno ? -errno : -ENODEV;
	*line = line_name ? gpiod_chip_find_line(*chip, line_name) : gpiod_chip_get_line(*chip, (unsigned)offset);
	if (!*line) {
		int rc = errno ? -errno : -ENOENT;

		gpiod_chip_close(*chip);
		*chip = NULL;
		return rc;
	}
	return 0;
}

static int gi_open_line(void *drv, unsigned idx, const struct board_button *btn)
{
	struct gpiod_input *g = drv;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = idx };
	int rc, fd;

	rc = lookup(btn->chip, btn->line, btn->line_name, &g->chip[idx], &g->line[idx]);
	if (rc < 0)
		return rc;
	/* Raw levels: polarity is applied once, in hal/input.c. */
	if (gpiod_line_request_both_edges_events_flags(g->line[idx], CONSUMER, bias_flags(btn->bias)) < 0) {
		rc = -errno;
		goto out_close;
	}
	fd = gpiod_line_event_get_fd(g->line[idx]);
	if (fd < 0 || epoll_ctl(g->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		rc = -errno;
		goto out_close;
	}
	return 0;

out_close:
	gpiod_chip_close(g->chip[idx]);
	g->chip[idx] = NULL;
	g->line[idx] = NULL;
	return rc;
}

static int gi_get(void *drv, unsigned idx, bool *high)
{
	struct gpiod_input *g = drv;
	int v = gpiod_line_get_value(g->line[idx]);

	if (v < 0)
		return -errno;
	*high = v;
	return 0;
}

static int gi_fd(void *drv)
{
	return ((struct gpiod_input *)drv)->epoll_fd;
}

static int gi_read(void *drv, struct input_raw_edge *edges, size_t max)
{
	struct gpiod_input *g = drv;
	struct epoll_event evs[BOARD_MAX_BUTTONS];
	size_t n = 0;
	int ready = epoll_wait(g->epoll_fd, evs, BOARD_MAX_BUTTONS, 0);

	if (ready < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < ready && n < max; i++) {
		unsigned idx = evs[i].data.u32;
		struct gpiod_line_event e;

		if (gpiod_line_event_read(g->line[idx], &e) < 0) {
			/* One broken line costs that button only: stop watching it, keep the others. */
			log_warn("GPIO %s line %u: reading events: %s; this button no longer triggers",
				 gpiod_chip_name(g->chip[idx]), gpiod_line_offset(g->line[idx]), strerror(errno));
			epoll_ctl(g->epoll_fd, EPOLL_CTL_DEL, gpiod_line_event_get_fd(g->line[idx]), NULL);
			continue;
		}
		/* The loop's clock, not the kernel stamp: one clock for every source. */
		edges[n++] = (struct input_raw_edge){ idx, e.event_type == GPIOD_LINE_EVENT_RISING_EDGE, hal_now_ms() };
	}
	return (int)n;
}

static void gi_close(void *drv)
{
	struct gpiod_input *g = drv;

	for (unsigned i = 0; i < BOARD_MAX_BUTTONS; i++)
		if (g->chip[i])
			gpiod_chip_close(g->chip[i]); /* releases the line */
	close(g->epoll_fd);
	free(g);
}

const struct input_ops gpiod_input_ops = {
	.open_line = gi_open_line,
	.get = gi_get,
	.fd = gi_fd,
	.read = gi_read,
	.close = gi_close,
};

struct gpiod_leds {
	struct gpiod_chip *chip[LED_ROLE_COUNT];
	struct gpiod_line *line[LED_ROLE_COUNT];
};

int gpiod_leds_new(struct gpiod_leds **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

int gpiod_leds_open(struct gpiod_leds *g, unsigned role, const struct board_led *led)
{
	/* Two roles on one line share the request of the first. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (r == role || !g->line[r])
			continue;
		/* The board names the chip by name (gpiochip0) or label (9030000.pl061). */
		if (gpiod_line_offset(g->line[r]) == (unsigned)led->line &&
		    (!strcmp(gpiod_chip_name(g->chip[r]), led->chip) ||
		     !strcmp(gpiod_chip_label(g->chip[r]), led->chip))) {
			g->line[role] = g->line[r];
			return 0;
		}
	}
	int rc = lookup(led->chip, led->line, NULL, &g->chip[role], &g->line[role]);

	if (rc < 0)
		return rc;
	/* Start dark: the electrical level for "off" is the inactive one. */
	if (gpiod_line_request_output(g->line[role], CONSUMER, led->active_low ? 1 : 0) < 0) {
		rc = -errno;
		gpiod_chip_close(g->chip[role]);
		g->chip[role] = NULL;
		g->line[role] = NULL;
		return rc;
	}
	return 0;
}

int gpiod_leds_set(struct gpiod_leds *g, unsigned role, bool level)
{
	if (!g->line[role])
		return -ENODEV;
	return gpiod_line_set_value(g->line[role], level) < 0 ? -errno : 0;
}

void gpiod_leds_free(struct gpiod_leds *g)
{
	if (!g)
		return;
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (g->chip[r])
			gpiod_chip_close(g->chip[r]);
	free(g);
}
