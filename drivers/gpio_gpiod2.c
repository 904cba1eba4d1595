/* drivers/gpio_gpiod2.c — real GPIO via libgpiod 2.x (GPIO uAPI v2): edge-event inputs behind one epoll fd, kernel debounce, LED outputs */
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
#define EVENTS_PER_READ 16

/* Where a requested line is, for messages: the request itself outlives the chip object. */
struct line_at {
	unsigned offset;
	char chip[32];          /* "gpiochip0" */
	char label[64];         /* "9030000.pl061" */
};

/* Label, line count and the first named lines of one chip, for gpio_chip.c's resolution and listing. */
static int chip_info(struct gpio_chip_desc *desc)
{
	struct gpiod_chip *chip = gpiod_chip_open(desc->dev_path);
	struct gpiod_chip_info *info;
	unsigned named = 0;
	size_t n = 0;
	int rc;

	if (!chip)
		return -errno;
	info = gpiod_chip_get_info(chip);
	if (!info) {
		rc = -errno;
		gpiod_chip_close(chip);
		return rc;
	}
	snprintf(desc->label, sizeof(desc->label), "%s", gpiod_chip_info_get_label(info));
	desc->n_lines = (unsigned)gpiod_chip_info_get_num_lines(info);
	gpiod_chip_info_free(info);
	for (unsigned i = 0; i < desc->n_lines && named < 16; i++) {
		struct gpiod_line_info *li = gpiod_chip_get_line_info(chip, i);
		const char *name = li ? gpiod_line_info_get_name(li) : NULL;

		if (name && name[0] && n < sizeof(desc->line_names))
			n += (size_t)snprintf(desc->line_names + n, sizeof(desc->line_names) - n, "%s%u \"%s\"",
					      named++ ? ", " : "", i, name);
		gpiod_line_info_free(li);
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

	snprintf(name, sizeof(name), "libgpiod %s (GPIO uAPI v2)", gpiod_api_version());
	return name;
}

/* Open the chip (by name, number, label or DT path: gpio_chip_resolve) and find the line's offset. */
static int lookup(const char *chip_name, int offset, const char *line_name, struct gpiod_chip **chip,
		  struct line_at *at, char *why, size_t why_size)
{
	struct gpio_chip_desc found;
	struct gpiod_chip_info *info;
	unsigned n_lines;
	int rc = gpio_chip_resolve(&chips, chip_name, &found, why, why_size);

	if (rc < 0)
		return rc;
	*chip = gpiod_chip_open(found.dev_path);
	info = *chip ? gpiod_chip_get_info(*chip) : NULL;
	if (!info) {
		rc = -errno;
		snprintf(why, why_size, "GPIO chip \"%s\" (%s): %s", chip_name, found.dev_path, strerror(-rc));
		goto out_close;
	}
	snprintf(at->chip, sizeof(at->chip), "%s", gpiod_chip_info_get_name(info));
	snprintf(at->label, sizeof(at->label), "%s", gpiod_chip_info_get_label(info));
	n_lines = (unsigned)gpiod_chip_info_get_num_lines(info);
	gpiod_chip_info_free(info);
	if (line_name) {
		rc = gpiod_chip_get_line_offset_from_name(*chip, line_name);
		if (rc < 0) {
			rc = errno == ENOENT || !errno ? -ENOENT : -errno;
			if (rc == -ENOENT)
				snprintf(why, why_size, "no line named \"%s\" on GPIO chip %s [%s]", line_name, at->chip,
					 at->label);
			else
				snprintf(why, why_size, "GPIO chip %s [%s]: looking for line \"%s\": %s", at->chip,
					 at->label, line_name, strerror(-rc));
			goto out_close;
		}
		at->offset = (unsigned)rc;
	} else if (offset < 0 || (unsigned)offset >= n_lines) {
		rc = -ENOENT;
		snprintf(why, why_size, "no line %d on GPIO chip %s [%s] (%u lines)", offset, at->chip, at->label,
			 n_lines);
		goto out_close;
	} else {
		at->offset = (unsigned)offset;
	}
	return 0;

out_close:
	if (*chip)
		gpiod_chip_close(*chip);
	*chip = NULL;
	return rc;
}

/* One line with these settings; NULL with errno set on failure. */
static struct gpiod_line_request *request(struct gpiod_chip *chip, unsigned offset, struct gpiod_line_settings *ls)
{
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	struct gpiod_line_request *req = NULL;
	int err = ENOMEM;

	if (lc && rc && gpiod_line_config_add_line_settings(lc, &offset, 1, ls) == 0) {
		gpiod_request_config_set_consumer(rc, CONSUMER);
		req = gpiod_chip_request_lines(chip, rc, lc);
	}
	if (!req && errno)
		err = errno;
	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	errno = err;
	return req;
}

struct gpiod_input {
	int epoll_fd;                                   /* all line request fds, so the loop sees one fd */
	struct gpiod_line_request *req[BOARD_MAX_BUTTONS];
	struct line_at at[BOARD_MAX_BUTTONS];
	uint32_t kernel_debounce_ms[BOARD_MAX_BUTTONS]; /* 0: the kernel refused, edges are raw */
	struct gpiod_edge_event_buffer *events;
};

int gpiod_input_new(struct gpiod_input **out)
{
	struct gpiod_input *g = calloc(1, sizeof(*g));
	int rc;

	if (!g)
		return -ENOMEM;
	g->events = gpiod_edge_event_buffer_new(EVENTS_PER_READ);
	g->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (!g->events || g->epoll_fd < 0) {
		rc = g->events ? -errno : -ENOMEM;
		if (g->epoll_fd >= 0)
			close(g->epoll_fd);
		gpiod_edge_event_buffer_free(g->events);
		free(g);
		return rc;
	}
	*out = g;
	return 0;
}

static enum gpiod_line_bias bias_of(enum board_bias bias)
{
	switch (bias) {
	case BOARD_BIAS_DISABLED:
		return GPIOD_LINE_BIAS_DISABLED;
	case BOARD_BIAS_PULL_UP:
		return GPIOD_LINE_BIAS_PULL_UP;
	case BOARD_BIAS_PULL_DOWN:
		return GPIOD_LINE_BIAS_PULL_DOWN;
	default:
		return GPIOD_LINE_BIAS_AS_IS;
	}
}

/* The debounce the kernel applies to a requested line, in ms (its line info), or fallback_ms if unreadable. */
static uint32_t debounce_applied_ms(struct gpiod_chip *chip, unsigned offset, uint32_t fallback_ms)
{
	struct gpiod_line_info *li = gpiod_chip_get_line_info(chip, offset);
	unsigned long us;

	if (!li)
		return fallback_ms;
	us = gpiod_line_info_is_debounced(li) ? gpiod_line_info_get_debounce_period_us(li) : 0;
	gpiod_line_info_free(li);
	return (uint32_t)((us + 999) / 1000);
}

static int gi_open_line(void *drv, unsigned idx, const struct board_button *btn, char *why, size_t why_size)
{
	struct gpiod_input *g = drv;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = idx };
	struct line_at *at = &g->at[idx];
	uint32_t debounce_ms = board_debounce_ms(btn);
	struct gpiod_line_settings *ls;
	struct gpiod_chip *chip;
	int rc, refused = 0;

	rc = lookup(btn->chip, btn->line, btn->line_name, &chip, at, why, why_size);
	if (rc < 0)
		return rc;
	ls = gpiod_line_settings_new();
	if (!ls) {
		rc = -ENOMEM;
		goto out_close;
	}
	/* Raw levels: polarity is applied once, in hal/input.c. */
	gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_INPUT);
	gpiod_line_settings_set_edge_detection(ls, GPIOD_LINE_EDGE_BOTH);
	gpiod_line_settings_set_bias(ls, bias_of(btn->bias));
	gpiod_line_settings_set_debounce_period_us(ls, debounce_ms * 1000ul);
	g->req[idx] = request(chip, at->offset, ls);
	if (!g->req[idx] && errno != EBUSY) {
		/* A controller may refuse the debounce (or have no IRQ for the kernel's own): debounce in software. */
		refused = errno;
		gpiod_line_settings_set_debounce_period_us(ls, 0);
		g->req[idx] = request(chip, at->offset, ls);
	}
	if (!g->req[idx]) {
		rc = -errno;
		snprintf(why, why_size, "requesting line %u of %s: %s%s", at->offset, at->chip, strerror(-rc),
			 rc == -EBUSY ? " (another driver or process holds it)" : "");
		goto out_free;
	}
	if (refused)
		log_info("GPIO %s [%s] line %u: the kernel refused a %u ms debounce (%s); debounced in software",
			 at->chip, at->label, at->offset, (unsigned)debounce_ms, strerror(refused));
	else
		g->kernel_debounce_ms[idx] = debounce_applied_ms(chip, at->offset, debounce_ms);
	if (epoll_ctl(g->epoll_fd, EPOLL_CTL_ADD, gpiod_line_request_get_fd(g->req[idx]), &ev) < 0) {
		rc = -errno;
		snprintf(why, why_size, "watching line %u of %s: %s", at->offset, at->chip, strerror(-rc));
		gpiod_line_request_release(g->req[idx]);
		g->req[idx] = NULL;
		g->kernel_debounce_ms[idx] = 0;
		goto out_free;
	}
	rc = 0;
out_free:
	gpiod_line_settings_free(ls);
out_close:
	gpiod_chip_close(chip); /* a request lives on without its chip object */
	return rc;
}

static int gi_get(void *drv, unsigned idx, bool *high)
{
	struct gpiod_input *g = drv;
	enum gpiod_line_value v = gpiod_line_request_get_value(g->req[idx], g->at[idx].offset);

	if (v == GPIOD_LINE_VALUE_ERROR)
		return -errno;
	*high = v == GPIOD_LINE_VALUE_ACTIVE;
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
		size_t want = max - n < EVENTS_PER_READ ? max - n : EVENTS_PER_READ;
		/* epoll said readable: this read does not block. */
		int got = gpiod_line_request_read_edge_events(g->req[idx], g->events, want);

		if (got < 0) {
			int err = errno;

			/* One broken line costs that button only: stop watching it, keep the others. */
			log_warn("GPIO %s line %u: reading events: %s; this button no longer triggers", g->at[idx].chip,
				 g->at[idx].offset, strerror(err));
			epoll_ctl(g->epoll_fd, EPOLL_CTL_DEL, gpiod_line_request_get_fd(g->req[idx]), NULL);
			continue;
		}
		for (int k = 0; k < got; k++) {
			struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(g->events, (unsigned long)k);
			bool rising = gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE;

			/* The loop's clock, not the kernel stamp: one clock for every source. */
			edges[n++] = (struct input_raw_edge){ idx, rising, hal_now_ms() };
		}
	}
	return (int)n;
}

static void gi_release(void *drv)
{
	struct gpiod_input *g = drv;

	for (unsigned i = 0; i < BOARD_MAX_BUTTONS; i++) {
		if (g->req[i])
			gpiod_line_request_release(g->req[i]); /* closes its fd: epoll forgets it */
		g->req[i] = NULL;
		g->kernel_debounce_ms[i] = 0;
	}
}

static int gi_describe(void *drv, char *out, size_t out_size)
{
	(void)drv;
	return gpiod_describe_chips(out, out_size);
}

static uint32_t gi_kernel_debounce_ms(void *drv, unsigned idx)
{
	struct gpiod_input *g = drv;

	return idx < BOARD_MAX_BUTTONS && g->req[idx] ? g->kernel_debounce_ms[idx] : 0;
}

void gpiod_input_free(struct gpiod_input *g)
{
	if (!g)
		return;
	gi_release(g);
	close(g->epoll_fd);
	gpiod_edge_event_buffer_free(g->events);
	free(g);
}

const struct input_ops gpiod_input_ops = {
	.open_line = gi_open_line,
	.get = gi_get,
	.fd = gi_fd,
	.read = gi_read,
	.release = gi_release,
	.describe = gi_describe,
	.kernel_debounce_ms = gi_kernel_debounce_ms,
};

struct gpiod_leds {
	const struct board_led *led[LED_ROLE_COUNT];
	struct gpiod_line_request *req[LED_ROLE_COUNT]; /* shared by roles on one line */
	bool owner[LED_ROLE_COUNT];                     /* this role requested it (and releases it) */
	struct line_at at[LED_ROLE_COUNT];
	int found[LED_ROLE_COUNT];                      /* level at open, -1 when it could not be read */
};

int gpiod_leds_new(struct gpiod_leds **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

/* The line's level before failsafed drove it, read without changing its direction. */
static int read_found(struct gpiod_chip *chip, unsigned offset)
{
	struct gpiod_line_settings *as_is = gpiod_line_settings_new(); /* direction AS_IS by default */
	struct gpiod_line_request *req = as_is ? request(chip, offset, as_is) : NULL;
	int v = -1;

	if (req) {
		enum gpiod_line_value lv = gpiod_line_request_get_value(req, offset);

		v = lv == GPIOD_LINE_VALUE_ERROR ? -1 : lv == GPIOD_LINE_VALUE_ACTIVE;
		gpiod_line_request_release(req);
	}
	gpiod_line_settings_free(as_is);
	return v;
}

static enum gpiod_line_value value_of(bool level)
{
	return level ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

int gpiod_leds_open(struct gpiod_leds *g, unsigned role, const struct board_led *led, bool off_level,
		    char *why, size_t why_size)
{
	struct gpiod_line_settings *ls;
	struct gpiod_chip *chip;
	int rc;

	g->led[role] = led;
	g->found[role] = -1;
	/* Two roles on one line share the request of the first. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (r != role && g->owner[r] && board_led_same(g->led[r], led)) {
			g->req[role] = g->req[r];
			g->at[role] = g->at[r];
			g->found[role] = g->found[r];
			return 0;
		}
	}
	rc = lookup(led->chip, led->line, NULL, &chip, &g->at[role], why, why_size);
	if (rc < 0)
		return rc;
	g->found[role] = read_found(chip, g->at[role].offset);
	ls = gpiod_line_settings_new();
	if (ls) {
		gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_OUTPUT);
		gpiod_line_settings_set_output_value(ls, value_of(off_level));
		g->req[role] = request(chip, g->at[role].offset, ls);
	}
	rc = g->req[role] ? 0 : ls ? -errno : -ENOMEM;
	if (rc < 0)
		snprintf(why, why_size, "requesting line %d of %s as an output: %s", led->line, led->chip,
			 strerror(-rc));
	g->owner[role] = rc == 0;
	gpiod_line_settings_free(ls);
	gpiod_chip_close(chip);
	return rc;
}

int gpiod_leds_set(struct gpiod_leds *g, unsigned role, bool level)
{
	if (!g->req[role])
		return -ENODEV;
	return gpiod_line_request_set_value(g->req[role], g->at[role].offset, value_of(level)) < 0 ? -errno : 0;
}

void gpiod_leds_restore(struct gpiod_leds *g, unsigned role)
{
	if (g->req[role] && g->found[role] >= 0)
		gpiod_line_request_set_value(g->req[role], g->at[role].offset, value_of(g->found[role]));
}

void gpiod_leds_release(struct gpiod_leds *g)
{
	if (!g)
		return;
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		if (g->owner[r])
			gpiod_line_request_release(g->req[r]);
		g->req[r] = NULL;
		g->owner[r] = false;
	}
}

void gpiod_leds_free(struct gpiod_leds *g)
{
	gpiod_leds_release(g);
	free(g);
}
