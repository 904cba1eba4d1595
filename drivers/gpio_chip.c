/* drivers/gpio_chip.c — GPIO chips by name, number, label or device-tree path (sysfs of_node), and the chip listing */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_chip.h"

#define PREFIX "gpiochip"

/* "gpiochipN" (digits only after the prefix) -> N. */
static bool chip_number(const char *name, unsigned *number)
{
	const char *p = name + strlen(PREFIX);
	unsigned long v;
	char *end;

	if (strncmp(name, PREFIX, strlen(PREFIX)) || *p < '0' || *p > '9')
		return false;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (*end || errno || v > 1000000)
		return false;
	*number = (unsigned)v;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The chip's device-tree node relative to the DT base ("" when it has none or sysfs cannot tell). */
static void dt_node(const struct gpio_chip_env *env, const char *name, char *out, size_t out_size)
{
	char link[PATH_MAX], node[PATH_MAX], base[PATH_MAX];
	size_t n;

	out[0] = '\0';
	snprintf(link, sizeof(link), "%s/bus/gpio/devices/%s/of_node", env->sys_root, name);
	if (!realpath(link, node))
		return;
	snprintf(link, sizeof(link), "%s/firmware/devicetree/base", env->sys_root);
	if (!realpath(link, base))
		return;
	n = strlen(base);
	if (strncmp(node, base, n) || (node[n] != '/' && node[n] != '\0'))
		return;
	snprintf(out, out_size, "%s", node[n] ? node + n : "/");
}

static int by_number(const void *a, const void *b)
{
	const struct gpio_chip_desc *x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

int gpio_chip_scan(const struct gpio_chip_env *env, struct gpio_chip_desc *out, size_t max)
{
	char dir[PATH_MAX];
	bool from_sysfs = true;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/bus/gpio/devices", env->sys_root);
	d = opendir(dir);
	if (!d) {
		/* No sysfs (a chroot, an early boot stage): the device files still name the chips. */
		from_sysfs = false;
		d = opendir(env->dev_root);
		if (!d)
			return errno == ENOENT ? 0 : -errno;
	}
	while ((de = readdir(d)) && n < max) {
		struct gpio_chip_desc *c = &out[n];
		unsigned number;

		if (!chip_number(de->d_name, &number))
			continue;
		memset(c, 0, sizeof(*c));
		c->number = number;
		if ((size_t)snprintf(c->name, sizeof(c->name), "%s", de->d_name) >= sizeof(c->name) ||
		    (size_t)snprintf(c->dev_path, sizeof(c->dev_path), "%s/%s", env->dev_root, de->d_name) >=
			    sizeof(c->dev_path))
			continue;
		if (from_sysfs)
			dt_node(env, de->d_name, c->dt_path, sizeof(c->dt_path));
		n++;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), by_number);
	return (int)n;
}

int gpio_chip_info(const struct gpio_chip_env *env, struct gpio_chip_desc *desc)
{
	if (!desc->info_done) {
		desc->info_done = 1;
		desc->info_err = env->info ? env->info(desc) : -EOPNOTSUPP;
		if (desc->info_err < 0) {
			desc->label[0] = '\0';
			desc->n_lines = 0;
			desc->line_names[0] = '\0';
		}
	}
	return desc->info_err;
}

/* snprintf at out + n, never past out_size; returns the new length (it may exceed out_size: truncated). */
__attribute__((format(printf, 4, 5)))
static size_t add(char *out, size_t out_size, size_t n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(out + (n < out_size ? n : out_size), n < out_size ? out_size - n : 0, fmt, ap);
	va_end(ap);
	return n + (k > 0 ? (size_t)k : 0);
}

static size_t describe_one(const struct gpio_chip_desc *c, char *out, size_t out_size, size_t n)
{
	if (c->info_err < 0)
		n = add(out, out_size, n, "%s [?] (cannot be opened: %s)", c->name, strerror(-c->info_err));
	else
		n = add(out, out_size, n, "%s [%s] %u lines", c->name, c->label, c->n_lines);
	if (c->dt_path[0])
		n = add(out, out_size, n, ", DT %s", c->dt_path);
	if (c->info_err >= 0 && c->line_names[0])
		n = add(out, out_size, n, " (%s)", c->line_names);
	return n;
}

static int list_into(const struct gpio_chip_env *env, struct gpio_chip_desc *all, int count, const char *sep,
		     char *out, size_t out_size)
{
	size_t n = 0;

	if (out_size)
		out[0] = '\0';
	for (int i = 0; i < count; i++) {
		gpio_chip_info(env, &all[i]);
		n = describe_one(&all[i], out, out_size, i ? add(out, out_size, n, "%s", sep) : n);
	}
	return count;
}

int gpio_chip_list(const struct gpio_chip_env *env, const char *sep, char *out, size_t out_size)
{
	struct gpio_chip_desc *all = calloc(GPIO_CHIP_MAX, sizeof(*all));
	int count;

	if (out_size)
		out[0] = '\0';
	if (!all)
		return -ENOMEM;
	count = gpio_chip_scan(env, all, GPIO_CHIP_MAX);
	if (count > 0)
		list_into(env, all, count, sep, out, out_size);
	free(all);
	return count;
}

enum kind { BY_DEVICE_FILE, BY_DT_PATH, BY_NUMBER, BY_NAME, BY_LABEL };

static enum kind kind_of(const char *chip)
{
	if (!strncmp(chip, "/dev/", 5))
		return BY_DEVICE_FILE;
	if (chip[0] == '/')
		return BY_DT_PATH;
	if (all_digits(chip))
		return BY_NUMBER;
	if (!strncmp(chip, PREFIX, strlen(PREFIX)) && all_digits(chip + strlen(PREFIX)))
		return BY_NAME;
	return BY_LABEL;
}

/* A DT path as written in a board: "/soc/gpio@1000" and "/soc/gpio@1000/" are the same node. */
static bool same_dt_path(const char *node, const char *want)
{
	size_t n = strlen(want);

	while (n > 1 && want[n - 1] == '/')
		n--;
	return node[0] && strlen(node) == n && !strncmp(node, want, n);
}

static bool matches(const struct gpio_chip_env *env, struct gpio_chip_desc *c, const char *chip, enum kind k)
{
	switch (k) {
	case BY_DEVICE_FILE:
		return !strcmp(c->name, chip + 5);
	case BY_DT_PATH:
		return same_dt_path(c->dt_path, chip);
	case BY_NUMBER:
		return c->number == (unsigned)strtoul(chip, NULL, 10);
	case BY_NAME:
		return !strcmp(c->name, chip);
	default:
		return gpio_chip_info(env, c) == 0 && !strcmp(c->label, chip);
	}
}

int gpio_chip_resolve(const struct gpio_chip_env *env, const char *chip, struct gpio_chip_desc *found,
		      char *why, size_t why_size)
{
	struct gpio_chip_desc *all = calloc(GPIO_CHIP_MAX, sizeof(*all));
	enum kind k = kind_of(chip);
	int count, first = -1, hits = 0, rc = -ENODEV;
	char chips[768];

	if (why_size)
		why[0] = '\0';
	if (!all)
		return -ENOMEM;
	count = gpio_chip_scan(env, all, GPIO_CHIP_MAX);
	if (count < 0) {
		rc = count;
		snprintf(why, why_size, "GPIO chip \"%s\": listing the chips in %s/bus/gpio/devices and %s: %s", chip,
			 env->sys_root, env->dev_root, strerror(-rc));
		goto out;
	}
	for (int i = 0; i < count; i++) {
		if (!matches(env, &all[i], chip, k))
			continue;
		if (!hits++)
			first = i;
	}
	if (hits == 1) {
		*found = all[first];
		rc = 0;
	} else if (hits > 1) {
		size_t n = 0;

		/* Two banks of one controller share its DT node; a guess would watch the wrong pin. */
		for (int i = 0; i < count; i++) {
			if (!matches(env, &all[i], chip, k))
				continue;
			gpio_chip_info(env, &all[i]);
			n = describe_one(&all[i], chips, sizeof(chips), n ? add(chips, sizeof(chips), n, "; ") : n);
		}
		snprintf(why, why_size, "GPIO chip \"%s\" is ambiguous: %d chips have that %s (%s); name one by its %s",
			 chip, hits, k == BY_DT_PATH ? "device-tree node" : "label", chips,
			 k == BY_DT_PATH ? "label or name" : "name or device-tree node");
	} else {
		list_into(env, all, count, "; ", chips, sizeof(chips));
		snprintf(why, why_size, "GPIO chip \"%s\" not found (chips here: %s)", chip, count ? chips : "none");
	}
out:
	free(all);
	return rc;
}
