/* drivers/gpio_gpiod.c — real GPIO via libgpiod 1.6: edge-event inputs behind one epoll fd, LED outputs */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "gpio_chip.h"
#include "gpio_gpiod.h"
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

/* Label, line count and the first named lines of one chip, for gpio_chip.c's resolution and listing. */
static int chip_info(struct gpio_chip_desc *desc)
{
	struct gpiod_chip *chip = gpiod_chip_open(desc->dev_path);
	size_t n = 0;
	unsigned named = 0;

	if (!chip)
		return -errno;
	snprintf(desc->label, sizeof(desc->label), "%s", gpiod_chip_label(chip));
	desc->n_lines = gpiod_chip_num_lines(chip);
	for (unsigned i = 0; i < desc->n_lines && named < 16; i++) {
		/* Needs the v1 line-info ioctl: a kernel without CONFIG_GPIO_CDEV_V1 lists no names. */
		struct gpiod_line *l = gpiod_chip_get_line(chip, i);
		const char *name = l ? gpiod_line_name(l) : NULL;

		if (name && name[0] && n < sizeof(desc->line_names))
			n += (size_t)snprintf(desc->line_names + n, sizeof(desc->line_names) - n, "%s%u \"%s\"",
					      named++ ? ", " : "", i, name);
	}
	gpiod_chip_close(chip);
	return 0;
}

static const struct gpio_chip_env chips = { .sys_root = "/sys", .dev_root = "/dev", .info = chip_info };

int gpiod_describe_chips(char *out, size_t out_size)
{
	return gpio_chip_list(&chips, "\n", out, out_size);
}

const char *hal_input_gpio_api(void)
{
	static char name[48];

	snprintf(name, sizeof(name), "libgpiod %s (GPIO uAPI v1)", gpiod_version_string());
	return name;
}

/* Find chip + line; the chip by name, number, label or DT path (gpio_chip_resolve). */
static int lookup(const char *chip_name, int offset, const char *line_name, struct gpiod_chip **chip,
		  struct gpiod_line **line, char *why, size_t why_size)
{
	struct gpio_chip_desc found;
	int rc = gpio_chip_resolve(&chips, chip_name, &found, why, why_size);

	if (rc < 0)
		return rc;
	*chip = gpiod_chip_open(found.dev_path);
	if (!*chip) {
		rc = -errno;
		snprintf(why, why_size, "GPIO chip \"%s\" (%s): %s", chip_name, found.dev_path, strerror(-rc));
		return rc;
	}
	errno = 0;
	*line = line_name ? gpiod_chip_find_line(*chip, line_name) : gpiod_chip_get_line(*chip, (unsigned)offset);
	if (!*line) {
		rc = errno == EINVAL && (line_name || (unsigned)offset < gpiod_chip_num_lines(*chip)) ? -EINVAL : -ENOENT;
		if (rc == -EINVAL)
			snprintf(why, why_size, "GPIO chip %s [%s]: reading line info: %s (this kernel has no GPIO uAPI v1, "
				 "CONFIG_GPIO_CDEV_V1: build failsafed with libgpiod 2)", gpiod_chip_name(*chip),
				 gpiod_chip_label(*chip), strerror(EINVAL));
		else if (line_name)
			snprintf(why, why_size, "no line named \"%s\" on GPIO chip %s [%s]", line_name,
				 gpiod_chip_name(*chip), gpiod_chip_label(*chip));
		else
			snprintf(why, why_size, "no line %d on GPIO chip %s [%s] (%u lines)", offset,
				 gpiod_chip_name(*chip), gpiod_chip_label(*chip), gpiod_chip_num_lines(*chip));
		gpiod_chip_close(*chip);
		*chip = NULL;
		return rc;
	}
	return 0;
}

static int gi_open_line(void *drv, unsigned idx, const struct board_button *btn, char *why, size_t why_size)
{
	struct gpiod_input *g = drv;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = idx };
	int rc, fd;

	rc = lookup(btn->chip, btn->line, btn->line_name, &g->chip[idx], &g->line[idx], why, why_size);
	if (rc < 0)
		return rc;
	/* Raw levels: polarity is applied once, in hal/input.c. */
	if (gpiod_line_request_both_edges_events_flags(g->line[idx], CONSUMER, bias_flags(btn->bias)) < 0) {
		rc = -errno;
		snprintf(why, why_size, "requesting line %u of %s: %s%s", gpiod_line_offset(g->line[idx]),
			 gpiod_chip_name(g->chip[idx]), strerror(-rc),
			 rc == -EBUSY ? " (another driver or process holds it)" : "");
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
			int err = errno;

			/* One broken line costs that button only: stop watching it, keep the others. */
			log_warn("GPIO %s line %u: reading events: %s; this button no longer triggers",
				 gpiod_chip_name(g->chip[idx]), gpiod_line_offset(g->line[idx]), strerror(err));
			epoll_ctl(g->epoll_fd, EPOLL_CTL_DEL, gpiod_line_event_get_fd(g->line[idx]), NULL);
			continue;
		}
		/* The loop's clock, not the kernel stamp: one clock for every source. */
		edges[n++] = (struct input_raw_edge){ idx, e.event_type == GPIOD_LINE_EVENT_RISING_EDGE, hal_now_ms() };
	}
	return (int)n;
}

static void gi_release(void *drv)
{
	struct gpiod_input *g = drv;

	for (unsigned i = 0; i < BOARD_MAX_BUTTONS; i++) {
		if (g->chip[i])
			gpiod_chip_close(g->chip[i]); /* releases the line and its event fd */
		g->chip[i] = NULL;
		g->line[i] = NULL;
	}
}

static int gi_describe(void *drv, char *out, size_t out_size)
{
	(void)drv;
	return gpiod_describe_chips(out, out_size);
}

void gpiod_input_free(struct gpiod_input *g)
{
	if (!g)
		return;
	gi_release(g);
	close(g->epoll_fd);
	free(g);
}

const struct input_ops gpiod_input_ops = {
	.open_line = gi_open_line,
	.get = gi_get,
	.fd = gi_fd,
	.read = gi_read,
	.release = gi_release,
	.describe = gi_describe,
};

struct gpiod_leds {
	const struct board_led *led[LED_ROLE_COUNT];
	struct gpiod_chip *chip[LED_ROLE_COUNT];     /* owned by the role that requested the line */
	struct gpiod_line *line[LED_ROLE_COUNT];
	int found[LED_ROLE_COUNT];                   /* level at open, -1 when it could not be read */
};

int gpiod_leds_new(struct gpiod_leds **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

/* The line's level before failsafed drove it, read without changing its direction. */
static int read_found(struct gpiod_line *line)
{
	struct gpiod_line_request_config as_is = { .consumer = CONSUMER,
						   .request_type = GPIOD_LINE_REQUEST_DIRECTION_AS_IS };
	int v;

	if (gpiod_line_request(line, &as_is, 0) < 0)
		return -1;
	v = gpiod_line_get_value(line);
	gpiod_line_release(line);
	return v;
}

int gpiod_leds_open(struct gpiod_leds *g, unsigned role, const struct board_led *led, bool off_level,
		    char *why, size_t why_size)
{
	int rc;

	g->led[role] = led;
	g->found[role] = -1;
	/* Two roles on one line share the request of the first. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (r != role && g->chip[r] && board_led_same(g->led[r], led)) {
			g->line[role] = g->line[r];
			g->found[role] = g->found[r];
			return 0;
		}
	}
	rc = lookup(led->chip, led->line, NULL, &g->chip[role], &g->line[role], why, why_size);
	if (rc < 0)
		return rc;
	g->found[role] = read_found(g->line[role]);
	if (gpiod_line_request_output(g->line[role], CONSUMER, off_level) < 0) {
		rc = -errno;
		snprintf(why, why_size, "requesting line %d of %s as an output: %s", led->line, led->chip,
			 strerror(-rc));
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

void gpiod_leds_restore(struct gpiod_leds *g, unsigned role)
{
	if (g->line[role] && g->found[role] >= 0)
		gpiod_line_set_value(g->line[role], g->found[role]);
}

void gpiod_leds_release(struct gpiod_leds *g)
{
	if (!g)
		return;
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (g->chip[r])
			gpiod_chip_close(g->chip[r]);
		g->chip[r] = NULL;
		g->line[r] = NULL;
	}
}

void gpiod_leds_free(struct gpiod_leds *g)
{
	gpiod_leds_release(g);
	free(g);
}
