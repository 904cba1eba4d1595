/* drivers/gpio_chip.h — GPIO chips by name, number, label or device-tree path, and the chip listing: shared by both libgpiod drivers */
#ifndef DRIVERS_GPIO_CHIP_H
#define DRIVERS_GPIO_CHIP_H

#include <stddef.h>

#define GPIO_CHIP_MAX 64        /* chips looked at; a router has a handful */

/* One GPIO chip: what sysfs says (name, device-tree node) and what the chip says (label, lines). */
struct gpio_chip_desc {
	unsigned number;        /* N of gpiochipN */
	char name[32];          /* "gpiochip0" */
	char dev_path[192];     /* "/dev/gpiochip0" (under env->dev_root) */
	char dt_path[192];      /* its device-tree node below the DT base, "/pl061@9030000"; "" without one */
	char label[64];         /* "9030000.pl061"; filled by env->info */
	unsigned n_lines;       /* filled by env->info */
	char line_names[256];   /* filled by env->info, optional: `3 "BTN", 5 "LED"` */
	int info_err;           /* env->info's -errno (label and lines then unknown), 0 when it worked */
	int info_done;          /* env->info was called */
};

/* Where chips are found, and how a driver reads one chip's label and lines through its libgpiod. */
struct gpio_chip_env {
	const char *sys_root;   /* "/sys" (a unit test: a fake tree) */
	const char *dev_root;   /* "/dev" */
	/* Fill label, n_lines and (optionally) line_names of the chip at desc->dev_path. 0 or -errno. */
	int (*info)(struct gpio_chip_desc *desc);
};

/*
 * The chips of this system in number order: the entries gpiochipN of
 * <sys_root>/bus/gpio/devices, each with its device-tree node (the
 * of_node link, relative to <sys_root>/firmware/devicetree/base); without
 * that directory, the gpiochipN device files in dev_root. Labels and line
 * counts are not read here (gpio_chip_info). Count (at most max), or -errno.
 */
int gpio_chip_scan(const struct gpio_chip_env *env, struct gpio_chip_desc *out, size_t max);

/* env->info for desc once (later calls return the first result). 0 or -errno. */
int gpio_chip_info(const struct gpio_chip_env *env, struct gpio_chip_desc *desc);

/*
 * The chip a board names in .chip:
 *   "/dev/gpiochipN"   a device file (under dev_root);
 *   "/soc/gpio@1000"   a device-tree node path (any other string starting with '/'; a trailing '/' is ignored);
 *   "3"                gpiochip3;   "gpiochip3" by name;   anything else: the chip's label.
 * A DT path or label that several chips have is refused rather than guessed.
 * 0 with *found filled (dev_path to open), or -ENODEV with why saying
 * `GPIO chip "X" not found (chips here: <listing, "; "-separated>)` or why it is ambiguous;
 * -errno when the chips cannot be listed at all.
 */
int gpio_chip_resolve(const struct gpio_chip_env *env, const char *chip, struct gpio_chip_desc *found,
		      char *why, size_t why_size);

/*
 * The listing, one chip per entry separated by sep:
 * `gpiochip0 [9030000.pl061] 8 lines, DT /pl061@9030000 (3 "BTN", 5 "LED")`.
 * out is "" when there are none. Count of chips, or -errno.
 */
int gpio_chip_list(const struct gpio_chip_env *env, const char *sep, char *out, size_t out_size);

#endif /* DRIVERS_GPIO_CHIP_H */
