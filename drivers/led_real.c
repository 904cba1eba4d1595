/* drivers/led_real.c — real LEDs: sysfs LED class (trigger/brightness/delay_on/delay_off) or libgpiod output */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpio_gpiod.h"
#include "led_real.h"

struct led_real {
	char dir[128];
	const struct board_led *led[LED_ROLE_COUNT];
	unsigned max_brightness[LED_ROLE_COUNT];
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

static int attr_write(const struct led_real *l, unsigned role, const char *attr, const char *value)
{
	char path[256];
	size_t len = strlen(value);
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", l->dir, l->led[role]->sysfs, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

static unsigned read_max_brightness(const struct led_real *l, unsigned role)
{
	char path[256], buf[16] = "";
	unsigned v = 1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/max_brightness", l->dir, l->led[role]->sysfs);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (read(fd, buf, sizeof(buf) - 1) > 0 && sscanf(buf, "%u", &v) == 1 && v > 0)
		;
	else
		v = 1;
	close(fd);
	return v;
}

static int lr_open(void *drv, unsigned role, const struct board_led *led)
{
	struct led_real *l = drv;
	char path[256];
	int rc;

	l->led[role] = led;
	if (led->chip) {
		if (!l->gpio && (rc = gpiod_leds_new(&l->gpio)) < 0)
			return rc;
		return gpiod_leds_open(l->gpio, role, led);
	}
	snprintf(path, sizeof(path), "%s/%s/brightness", l->dir, led->sysfs);
	if (access(path, W_OK) < 0)
		return -errno;
	l->max_brightness[role] = read_max_brightness(l, role);
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

static void lr_close(void *drv)
{
	struct led_real *l = drv;

	gpiod_leds_free(l->gpio);
	free(l);
}

const struct led_ops led_real_ops = {
	.open = lr_open,
	.set = lr_set,
	.blink = lr_blink,
	.close = lr_close,
};
