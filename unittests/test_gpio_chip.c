/* unittests/test_gpio_chip.c — GPIO chips by name, number, label and device-tree path, in a fake /sys tree (symlinks) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "gpio_chip.h"

/* What the fake chips say when "opened" (the drivers ask libgpiod): by name. */
static const struct fake_chip {
	const char *name, *label, *line_names;
	unsigned n_lines;
	int err;                /* -errno: the chip cannot be opened */
} fakes[] = {
	{ "gpiochip0", "9030000.pl061", "3 \"BTN\"", 8, 0 },
	{ "gpiochip1", "pinctrl_moore", "", 101, 0 },
	{ "gpiochip2", "1e000600.gpio-bank0", "", 32, 0 },
	{ "gpiochip3", "1e000600.gpio-bank1", "", 32, 0 },
	{ "gpiochip10", "", "", 0, -EACCES },
	{ "gpiochip11", "1e000600.gpio-bank0", "", 16, 0 },   /* a second chip with bank0's label */
};

static unsigned info_calls;

static int fake_info(struct gpio_chip_desc *desc)
{
	const char *name = strrchr(desc->dev_path, '/') + 1;

	info_calls++;
	for (size_t i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		if (strcmp(fakes[i].name, name))
			continue;
		if (fakes[i].err)
			return fakes[i].err;
		snprintf(desc->label, sizeof(desc->label), "%s", fakes[i].label);
		snprintf(desc->line_names, sizeof(desc->line_names), "%s", fakes[i].line_names);
		desc->n_lines = fakes[i].n_lines;
		return 0;
	}
	return -ENOENT;
}

struct tree {
	char root[64];
	char sys[96], dev[96];
	struct gpio_chip_env env;
};

static void mkdirs(const char *root, const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void symlink_at(const char *root, const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

/*
 * A device as the kernel lays it out: /sys/bus/gpio/devices/gpiochipN is a link into /sys/devices,
 * whose of_node links into /sys/firmware/devicetree/base (relative links, as sysfs makes them).
 */
static void add_chip(struct tree *t, const char *name, const char *device, const char *dt_node)
{
	char rel[256], target[256];

	snprintf(rel, sizeof(rel), "sys/devices/%s/%s", device, name);
	mkdirs(t->root, rel);
	snprintf(target, sizeof(target), "../../../devices/%s/%s", device, name);
	snprintf(rel, sizeof(rel), "sys/bus/gpio/devices/%s", name);
	symlink_at(t->root, target, rel);
	if (dt_node) {
		char ups[128] = "../../";   /* from sys/devices/<device>/gpiochipN up to sys/: one per component, +2 */

		for (const char *p = device; p; p = strchr(p + 1, '/'))
			strcat(ups, "../");
		snprintf(rel, sizeof(rel), "sys/firmware/devicetree/base%s", dt_node);
		mkdirs(t->root, rel);
		snprintf(target, sizeof(target), "%sfirmware/devicetree/base%s", ups, dt_node);
		snprintf(rel, sizeof(rel), "sys/devices/%s/%s/of_node", device, name);
		symlink_at(t->root, target, rel);
	}
}

static int setup_router(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	snprintf(t->root, sizeof(t->root), "/tmp/fsd-gpiochip.XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->sys, sizeof(t->sys), "%s/sys", t->root);
	snprintf(t->dev, sizeof(t->dev), "%s/dev", t->root);
	mkdirs(t->root, "sys/bus/gpio/devices");
	mkdirs(t->root, "sys/firmware/devicetree/base");
	mkdirs(t->root, "dev");
	add_chip(t, "gpiochip0", "platform/9030000.pl061", "/pl061@9030000");
	add_chip(t, "gpiochip1", "platform/soc/1001f000.pinctrl", "/soc/pinctrl@1001f000");
	/* Two banks of one controller: one DT node. */
	add_chip(t, "gpiochip2", "platform/1e000600.gpio", "/palmbus@1e000000/gpio@600");
	add_chip(t, "gpiochip3", "platform/1e000600.gpio-b1", "/palmbus@1e000000/gpio@600");
	add_chip(t, "gpiochip10", "platform/i2c/0-0020", NULL);   /* no device-tree node */
	add_chip(t, "gpiochip11", "platform/extra", "/extra");
	t->env = (struct gpio_chip_env){ .sys_root = t->sys, .dev_root = t->dev, .info = fake_info };
	info_calls = 0;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

static void scan_in_number_order_with_dt_nodes(void **state)
{
	struct tree *t = *state;
	struct gpio_chip_desc c[GPIO_CHIP_MAX];
	char dev0[160];

	assert_int_equal(gpio_chip_scan(&t->env, c, GPIO_CHIP_MAX), 6);
	/* gpiochip10 sorts after gpiochip3 (by number, not by name). */
	assert_string_equal(c[0].name, "gpiochip0");
	assert_string_equal(c[3].name, "gpiochip3");
	assert_string_equal(c[4].name, "gpiochip10");
	assert_int_equal(c[4].number, 10);
	assert_string_equal(c[0].dt_path, "/pl061@9030000");
	assert_string_equal(c[1].dt_path, "/soc/pinctrl@1001f000");
	assert_string_equal(c[2].dt_path, "/palmbus@1e000000/gpio@600");
	assert_string_equal(c[4].dt_path, "");
	snprintf(dev0, sizeof(dev0), "%s/gpiochip0", t->dev);
	assert_string_equal(c[0].dev_path, dev0);
	assert_int_equal(info_calls, 0);     /* scanning opens no chip */
	assert_int_equal(gpio_chip_scan(&t->env, c, 2), 2);
}

static void resolve(struct tree *t, const char *chip, const char *want_name)
{
	struct gpio_chip_desc found;
	char why[1024];
	int rc = gpio_chip_resolve(&t->env, chip, &found, why, sizeof(why));

	if (rc != 0)
		fail_msg("%s: rc %d: %s", chip, rc, why);
	assert_string_equal(found.name, want_name);
}

static void resolve_each_way(void **state)
{
	struct tree *t = *state;
	char dev[160];

	resolve(t, "/pl061@9030000", "gpiochip0");
	resolve(t, "/soc/pinctrl@1001f000", "gpiochip1");
	resolve(t, "/soc/pinctrl@1001f000/", "gpiochip1");     /* a trailing '/' is the same node */
	assert_int_equal(info_calls, 0);                        /* by DT path: no chip opened */
	resolve(t, "gpiochip10", "gpiochip10");
	resolve(t, "3", "gpiochip3");
	resolve(t, "/dev/gpiochip2", "gpiochip2");
	assert_int_equal(info_calls, 0);
	resolve(t, "pinctrl_moore", "gpiochip1");
	resolve(t, "9030000.pl061", "gpiochip0");
	resolve(t, "1e000600.gpio-bank1", "gpiochip3");

	struct gpio_chip_desc found;
	char why[512];

	assert_int_equal(gpio_chip_resolve(&t->env, "/soc", &found, why, sizeof(why)), -ENODEV);  /* a parent node */
	assert_int_equal(gpio_chip_resolve(&t->env, "/soc/pinctrl", &found, why, sizeof(why)), -ENODEV); /* a prefix */
	assert_int_equal(gpio_chip_resolve(&t->env, "/pl061@9030000", &found, why, sizeof(why)), 0);
	snprintf(dev, sizeof(dev), "%s/gpiochip0", t->dev);
	assert_string_equal(found.dev_path, dev);
	assert_string_equal(why, "");
}

static void not_found_lists_the_chips(void **state)
{
	struct tree *t = *state;
	struct gpio_chip_desc found;
	char why[1024];

	assert_int_equal(gpio_chip_resolve(&t->env, "/soc/gpio@1000", &found, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "GPIO chip \"/soc/gpio@1000\" not found (chips here: "
		"gpiochip0 [9030000.pl061] 8 lines, DT /pl061@9030000 (3 \"BTN\"); "
		"gpiochip1 [pinctrl_moore] 101 lines, DT /soc/pinctrl@1001f000; "
		"gpiochip2 [1e000600.gpio-bank0] 32 lines, DT /palmbus@1e000000/gpio@600; "
		"gpiochip3 [1e000600.gpio-bank1] 32 lines, DT /palmbus@1e000000/gpio@600; "
		"gpiochip10 [?] (cannot be opened: Permission denied); "
		"gpiochip11 [1e000600.gpio-bank0] 16 lines, DT /extra)");
	assert_int_equal(gpio_chip_resolve(&t->env, "pinctrl_mooore", &found, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "GPIO chip \"pinctrl_mooore\" not found (chips here: gpiochip0 [9030000.pl061]"));
	assert_int_equal(gpio_chip_resolve(&t->env, "gpiochip7", &found, why, sizeof(why)), -ENODEV);
	assert_int_equal(gpio_chip_resolve(&t->env, "/dev/gpiochip7", &found, why, sizeof(why)), -ENODEV);
	assert_int_equal(gpio_chip_resolve(&t->env, "12", &found, why, sizeof(why)), -ENODEV);
	/* Truncated, still terminated. */
	assert_int_equal(gpio_chip_resolve(&t->env, "/x", &found, why, 40), -ENODEV);
	assert_int_equal(strlen(why), 39);
}

static void ambiguous_is_refused(void **state)
{
	struct tree *t = *state;
	struct gpio_chip_desc found;
	char why[1024];

	assert_int_equal(gpio_chip_resolve(&t->env, "/palmbus@1e000000/gpio@600", &found, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "GPIO chip \"/palmbus@1e000000/gpio@600\" is ambiguous: 2 chips have that "
		"device-tree node (gpiochip2 [1e000600.gpio-bank0] 32 lines, DT /palmbus@1e000000/gpio@600; "
		"gpiochip3 [1e000600.gpio-bank1] 32 lines, DT /palmbus@1e000000/gpio@600); name one by its label or name");
	assert_int_equal(gpio_chip_resolve(&t->env, "1e000600.gpio-bank0", &found, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "is ambiguous: 2 chips have that label"));
	assert_non_null(strstr(why, "gpiochip11 [1e000600.gpio-bank0] 16 lines, DT /extra); name one by its name or"));
}

static void listing_reads_each_chip_once(void **state)
{
	struct tree *t = *state;
	char out[1024];

	assert_int_equal(gpio_chip_list(&t->env, "\n", out, sizeof(out)), 6);
	assert_int_equal(info_calls, 6);
	assert_non_null(strstr(out, "gpiochip0 [9030000.pl061] 8 lines, DT /pl061@9030000 (3 \"BTN\")\n"
				    "gpiochip1 [pinctrl_moore] 101 lines"));
	assert_non_null(strstr(out, "\ngpiochip10 [?] (cannot be opened: Permission denied)\n"));
	assert_int_equal(gpio_chip_list(&t->env, "\n", out, 10), 6);
	assert_string_equal(out, "gpiochip0");
}

/* No GPIO at all (the build host): the same words as a missing chip on a router. */
static void no_chips(void **state)
{
	struct tree *t = *state;
	struct gpio_chip_desc found;
	char why[256], out[64] = "x";

	mkdirs(t->root, "empty/bus/gpio/devices");
	snprintf(t->sys, sizeof(t->sys), "%s/empty", t->root);
	assert_int_equal(gpio_chip_resolve(&t->env, "pinctrl_moore", &found, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "GPIO chip \"pinctrl_moore\" not found (chips here: none)");
	assert_int_equal(gpio_chip_list(&t->env, "\n", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Neither /sys/bus/gpio nor the device directory: nothing, not an error. */
	snprintf(t->sys, sizeof(t->sys), "%s/nonexistent", t->root);
	snprintf(t->dev, sizeof(t->dev), "%s/nonexistent", t->root);
	assert_int_equal(gpio_chip_list(&t->env, "\n", out, sizeof(out)), 0);
}

/* Without sysfs the device files still name the chips; there are no DT paths then. */
static void without_sysfs_the_device_files(void **state)
{
	struct tree *t = *state;
	struct gpio_chip_desc found;
	char path[256], why[512];

	for (int i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/gpiochip%d", t->dev, i);
		assert_non_null(f = fopen(path, "w"));
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/dev/gpiochipX", t->root);   /* not a chip name */
	fclose(fopen(path, "w"));
	snprintf(t->sys, sizeof(t->sys), "%s/nonexistent", t->root);
	resolve(t, "pinctrl_moore", "gpiochip1");
	resolve(t, "gpiochip0", "gpiochip0");
	assert_int_equal(gpio_chip_resolve(&t->env, "/pl061@9030000", &found, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "GPIO chip \"/pl061@9030000\" not found (chips here: "
		"gpiochip0 [9030000.pl061] 8 lines (3 \"BTN\"); gpiochip1 [pinctrl_moore] 101 lines)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(scan_in_number_order_with_dt_nodes, setup_router, teardown),
		cmocka_unit_test_setup_teardown(resolve_each_way, setup_router, teardown),
		cmocka_unit_test_setup_teardown(not_found_lists_the_chips, setup_router, teardown),
		cmocka_unit_test_setup_teardown(ambiguous_is_refused, setup_router, teardown),
		cmocka_unit_test_setup_teardown(listing_reads_each_chip_once, setup_router, teardown),
		cmocka_unit_test_setup_teardown(no_chips, setup_router, teardown),
		cmocka_unit_test_setup_teardown(without_sysfs_the_device_files, setup_router, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
