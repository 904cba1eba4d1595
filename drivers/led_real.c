/* drivers/led_real.c — real LEDs: sysfs LED class (trigger/brightness/delay_on/delay_off) or libgpiod output */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpio_gpiod.h"
#include "io.h"
#include "led_real.h"

#define ATTR_BYTES 32

/* What a sysfs LED showed when failsafed opened it. */
struct found {
	bool known;
	char trigger[ATTR_BYTES];       /* the active trigger, "none" */
	char brightness[ATTR_BYTES];
	char delay_on[ATTR_BYTES];      /* timer trigger only */
	char delay_off[ATTR_BYTES];
};

struct led_real {
	char dir[128];
	const struct board_led *led[LED_ROLE_COUNT];
	unsigned max_brightness[LED_ROLE_COUNT];
	struct found found[LED_ROLE_COUNT];
	struct gpiod_leds *gpio;
};

int led_real_new(struct led_real **out, const char *sysfs_dir)
{
	struct led_real *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	snprintf(l->dir, sizeof(l->dir), "%s", sysfs_dir ? sysfs_dir : "/sys/class/leds");
	*out = l;
	return 0;
}

void led_real_free(struct led_real *l)
{
	if (!l)
		return;
	gpiod_leds_free(l->gpio);
	free(l);
}

static void path_of(const struct led_real *l, unsigned role, const char *attr, char *path, size_t size)
{
	snprintf(path, size, "%s/%s/%s", l->dir, l->led[role]->sysfs, attr);
}

static int attr_write(const struct led_real *l, unsigned role, const char *attr, const char *value)
{
	char path[256];

	path_of(l, role, attr, path, sizeof(path));
	return io_write_file(path, value);
}

static int attr_read(const struct led_real *l, unsigned role, const char *attr, char *buf, size_t size)
{
	char path[256];

	path_of(l, role, attr, path, sizeof(path));
	return io_read_file(path, buf, size);
}

/* The kernel lists triggers as "none [timer] heartbeat": the bracketed one is active. */
static void active_trigger(const char *list, char *out, size_t size)
{
	const char *open = strchr(list, '['), *close = open ? strchr(open, ']') : NULL;

	const char *name = open && close ? open + 1 : list;   /* else a plain value (a scratch directory in tests) */
	size_t len = open && close ? (size_t)(close - open - 1) : strlen(list);

	if (len >= size)
		len = size - 1;
	memcpy(out, name, len);
	out[len] = '\0';
}

static void snapshot(struct led_real *l, unsigned role)
{
	struct found *f = &l->found[role];
	char list[1024];

	memset(f, 0, sizeof(*f));
	if (attr_read(l, role, "trigger", list, sizeof(list)) < 0 ||
	    attr_read(l, role, "brightness", f->brightness, sizeof(f->brightness)) < 0)
		return;
	active_trigger(list, f->trigger, sizeof(f->trigger));
	if (!strcmp(f->trigger, "timer") &&
	    (attr_read(l, role, "delay_on", f->delay_on, sizeof(f->delay_on)) < 0 ||
	     attr_read(l, role, "delay_off", f->delay_off, sizeof(f->delay_off)) < 0))
		return;
	f->known = true;
}

static void list_leds(const struct led_real *l, char *out, size_t size)
{
	DIR *d = opendir(l->dir);
	struct dirent *de;
	size_t n = 0;

	snprintf(out, size, "none");
	if (!d)
		return;
	while ((de = readdir(d)) && n < size) {
		if (de->d_name[0] == '.')
			continue;
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "", de->d_name);
	}
	closedir(d);
	if (!n)
		snprintf(out, size, "none");
}

static unsigned read_max_brightness(const struct led_real *l, unsigned role)
{
	char buf[16], *end;
	unsigned long v;

	if (attr_read(l, role, "max_brightness", buf, sizeof(buf)) < 0)
		return 1;
	v = strtoul(buf, &end, 10);
	if (end == buf || !v || v > UINT_MAX)
		return 1;
	return (unsigned)v;
}

static int lr_open(void *drv, unsigned role, const struct board_led *led, bool off_level, char *why,
		   size_t why_size)
{
	struct led_real *l = drv;
	char path[256], leds[512];
	int rc;

	l->led[role] = led;
	if (led->chip) {
		if (!l->gpio && (rc = gpiod_leds_new(&l->gpio)) < 0)
			return rc;
		return gpiod_leds_open(l->gpio, role, led, off_level, why, why_size);
	}
	path_of(l, role, "brightness", path, sizeof(path));
	if (access(path, W_OK) < 0) {
		rc = -errno;
		list_leds(l, leds, sizeof(leds));
		snprintf(why, why_size, "%s: %s (LEDs in %s: %s)", path, strerror(-rc), l->dir, leds);
		return rc;
	}
	l->max_brightness[role] = read_max_brightness(l, role);
	snapshot(l, role);
	return 0;
}

static int lr_set(void *drv, unsigned role, bool level)
{
	struct led_real *l = drv;
	char value[16];
	int rc;

	if (l->led[role]->chip)
		return gpiod_leds_set(l->gpio, role, level);
	rc = attr_write(l, role, "trigger", "none");
	if (rc < 0)
		return rc;
	snprintf(value, sizeof(value), "%u", level ? l->max_brightness[role] : 0);
	return attr_write(l, role, "brightness", value);
}

static int lr_blink(void *drv, unsigned role, uint32_t on_ms, uint32_t off_ms)
{
	struct led_real *l = drv;
	char value[16];
	int rc;

	if (l->led[role]->chip)
		return -EOPNOTSUPP; /* GPIO LEDs blink from the event loop */
	/* The timer trigger blinks in the kernel, so the pattern outlives the daemon. */
	rc = attr_write(l, role, "trigger", "timer");
	if (rc < 0)
		return rc;
	snprintf(value, sizeof(value), "%u", on_ms);
	rc = attr_write(l, role, "delay_on", value);
	if (rc < 0)
		return rc;
	snprintf(value, sizeof(value), "%u", off_ms);
	return attr_write(l, role, "delay_off", value);
}

static void lr_restore(void *drv, unsigned role)
{
	struct led_real *l = drv;
	const struct found *f = &l->found[role];

	if (l->led[role]->chip) {
		gpiod_leds_restore(l->gpio, role);
		return;
	}
	if (!f->known)
		return;
	attr_write(l, role, "trigger", f->trigger);
	if (!strcmp(f->trigger, "timer")) {
		attr_write(l, role, "delay_on", f->delay_on);
		attr_write(l, role, "delay_off", f->delay_off);
	} else if (!strcmp(f->trigger, "none")) {
		attr_write(l, role, "brightness", f->brightness);
	}
}

static void lr_release(void *drv)
{
	struct led_real *l = drv;

	gpiod_leds_release(l->gpio);
}

const struct led_ops led_real_ops = {
	.open = lr_open,
	.set = lr_set,
	.blink = lr_blink,
	.restore = lr_restore,
	.release = lr_release,
};
