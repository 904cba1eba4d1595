/* hal/board.h — board description types: what one board table (boards/<board>.c) declares */
#ifndef HAL_BOARD_H
#define HAL_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define BOARD_MAX_BUTTONS 8
#define BOARD_MAX_CONSOLES 2
#define BOARD_NAME_MAX 32      /* bytes including NUL, for names of boards, buttons, LEDs */

/* Which driver family serves the board's lines, LEDs and consoles. */
enum board_drivers {
	BOARD_DRIVERS_REAL = 0,    /* libgpiod, sysfs LED class, termios, rtnetlink */
	BOARD_DRIVERS_SIM,         /* drivers/sim_*.c with a control socket back door */
	BOARD_DRIVERS_COUNT
};

enum board_button_type {
	BOARD_BUTTON_KEY = 0,      /* a push button: a debounced press is a trigger */
	BOARD_BUTTON_SWITCH,       /* a slide switch: never a trigger */
	BOARD_BUTTON_TYPE_COUNT
};

enum board_bias {
	BOARD_BIAS_AS_IS = 0,
	BOARD_BIAS_DISABLED,
	BOARD_BIAS_PULL_UP,
	BOARD_BIAS_PULL_DOWN,
	BOARD_BIAS_COUNT
};

/* LED roles, as OpenWrt's device-tree aliases led-boot, led-failsafe, ... */
enum led_role {
	LED_BOOT = 0,
	LED_FAILSAFE,
	LED_RUNNING,
	LED_UPGRADE,
	LED_ROLE_COUNT
};

struct board_button {
	const char *name;               /* "reset", "wps": shown to the user */
	const char *chip;               /* gpiochip name or label ("gpiochip0", "9030000.pl061") */
	int line;                       /* line offset on chip, or -1 when line_name is used */
	const char *line_name;          /* line name from the device tree, or NULL */
	bool active_low;                /* pressed == electrical low */
	enum board_bias bias;
	uint32_t debounce_ms;           /* settle time; 0 means the default (20 ms) */
	enum board_button_type type;
};

/* One LED role: a sysfs LED class name, or a GPIO output line. Empty: no LED. */
struct board_led {
	const char *sysfs;              /* /sys/class/leds/<sysfs>, or NULL */
	const char *chip;               /* GPIO chip for a plain GPIO LED, or NULL */
	int line;                       /* line offset on chip */
	bool active_low;                /* GPIO LEDs only; sysfs LEDs carry polarity in the kernel */
};

struct board_console {
	const char *tty;                /* "ttyS0" (under /dev) or an absolute path */
	uint32_t baud;                  /* 115200 */
};

struct board_net {
	const char *ifname;             /* failsafe port: "eth0", "lan1", "eth0.1" */
	const char *conduit;            /* DSA conduit brought up first, or NULL */
	uint16_t vlan_id;               /* 0: none; else ifname is created as a VLAN of vlan_parent */
	const char *vlan_parent;        /* parent link of the VLAN */
	const char *address;            /* "192.168.1.1" */
	uint8_t prefix_len;             /* 24 */
	const char *broadcast;          /* "192.168.1.255" */
};

struct board_storage {
	const char *rootfs_data;        /* block device, partition or image for the overlay */
	const char *firmware;           /* firmware partition written when flashing */
};

struct board {
	const char *name;               /* "sim", "linksys-e8450" */
	const char *model;              /* human-readable model, for banners */
	enum board_drivers drivers;
	const struct board_button *buttons;
	size_t n_buttons;
	struct board_led leds[LED_ROLE_COUNT];  /* indexed by enum led_role */
	struct board_console consoles[BOARD_MAX_CONSOLES]; /* unused entries have tty NULL */
	struct board_net net;
	uint32_t window_ms;             /* boot window length; 0 means the default (4000 ms) */
	struct board_storage storage;
};

#define BOARD_DEFAULT_WINDOW_MS 4000u
#define BOARD_DEFAULT_DEBOUNCE_MS 20u

/* The board compiled into this build (cmake -DBOARD=<name>). */
extern const struct board *const board_selected;

#endif /* HAL_BOARD_H */
