/* hal/board.h — board description types: what one board table (boards/<board>.c) declares, and their defaults */
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
#define BOARD_MAX_LAN_PORTS 8
#define BOARD_NAME_BYTES 32              /* bytes including NUL, for names of boards, buttons, LEDs */
#define BOARD_COMPATIBLE_BYTES 64        /* bytes including NUL, a device-tree compatible string */

#define BOARD_DEFAULT_WINDOW_MS 4000u
#define BOARD_MAX_WINDOW_MS 60000u
#define BOARD_DEFAULT_DEBOUNCE_MS 20u
#define BOARD_MIN_DEBOUNCE_MS 5u       /* below this, contacts still bounce when the press is taken */
#define BOARD_MAX_DEBOUNCE_MS 1000u

/* Which driver family serves the board's lines, LEDs, consoles and port. */
enum board_drivers {
	BOARD_DRIVERS_REAL = 0,    /* libgpiod, sysfs LED class, termios, rtnetlink */
	BOARD_DRIVERS_SIM,         /* the simulated board (drivers/sim_board.c) */
	BOARD_DRIVERS_COUNT
};

enum board_button_type {
	BOARD_BUTTON_KEY = 0,      /* a push button: a debounced press is a trigger */
	BOARD_BUTTON_SWITCH,       /* a slide switch (DT linux,input-type = EV_SW): never a trigger */
	BOARD_BUTTON_TYPE_COUNT
};

enum board_bias {
	BOARD_BIAS_AS_IS = 0,
	BOARD_BIAS_DISABLED,
	BOARD_BIAS_PULL_UP,
	BOARD_BIAS_PULL_DOWN,
	BOARD_BIAS_COUNT
};

/* LED roles, as OpenWrt's device-tree aliases led-boot, led-failsafe, led-running, led-upgrade. */
enum led_role {
	LED_BOOT = 0,
	LED_FAILSAFE,
	LED_RUNNING,
	LED_UPGRADE,
	LED_ROLE_COUNT
};

struct board_button {
	const char *name;               /* "reset", "wps": shown to the user */
	const char *chip;               /* GPIO chip: name ("gpiochip0") or label ("9030000.pl061") */
	int line;                       /* line offset on chip, or -1 when line_name is used */
	const char *line_name;          /* line name from the device tree (gpio-line-names), or NULL */
	bool active_low;                /* pressed == electrical low */
	enum board_bias bias;
	uint32_t debounce_ms;           /* settle time; 0 means BOARD_DEFAULT_DEBOUNCE_MS */
	enum board_button_type type;
};

/* One LED role: a sysfs LED class name, or a GPIO output line. Neither: no LED for the role. */
struct board_led {
	const char *sysfs;              /* /sys/class/leds/<sysfs>, or NULL */
	const char *chip;               /* GPIO chip for a plain GPIO LED, or NULL */
	int line;                       /* line offset on chip */
	bool active_low;                /* GPIO LEDs only; sysfs LEDs carry polarity in the kernel */
};

struct board_console {
	const char *tty;                /* "ttyS0" (under /dev), an absolute path, or "-" (stdin/stdout, simulator) */
	uint32_t baud;                  /* 115200 */
};

struct board_net {
	const char *ifname;             /* failsafe port: "eth0", "lan1", "eth0.1"; with lan_ports the bridge */
	const char *conduit;            /* DSA conduit brought up first, or NULL */
	/* Every LAN jack of a DSA board ("lan1", "lan2", ...): failsafed bridges them into ifname (created,
	 * e.g. "br-lan") so a laptop works on any of them; all set back as found on the normal path. */
	const char *lan_ports[BOARD_MAX_LAN_PORTS];
	uint16_t vlan_id;               /* 0: none; else ifname is created as a VLAN of vlan_parent */
	const char *vlan_parent;        /* parent link of the VLAN */
	const char *address;            /* "192.168.1.1" */
	uint8_t prefix_len;             /* 24 */
	const char *broadcast;          /* "192.168.1.255" */
	bool no_dhcp;                   /* true: no DHCP server in failsafe on this board */
	const char *dhcp_first;         /* first address handed out; NULL: host .100 of a /24 */
	const char *dhcp_last;          /* last; NULL: host .199 of a /24 (other prefixes must name both) */
};

/* Where a storage volume lives. */
enum board_storage_kind {
	BOARD_STORAGE_NONE = 0,
	BOARD_STORAGE_BLOCK,       /* a block device or partition: "/dev/mmcblk0p6", "PARTLABEL=rootfs_data", "mmcblk0p6" */
	BOARD_STORAGE_MTD,         /* an MTD partition, by its name in /proc/mtd ("rootfs_data", "firmware") */
	BOARD_STORAGE_UBI,         /* a UBI volume, by its name, on any attached UBI device ("rootfs_data") */
	BOARD_STORAGE_FILE,        /* a plain file (the simulated board); a relative path is below --state-dir */
	BOARD_STORAGE_KIND_COUNT
};

struct board_volume {
	enum board_storage_kind kind;
	const char *name;
};

struct board_storage {
	const char *rom;                /* the read-only root's mount point: "/" */
	struct board_volume rootfs_data;/* the overlay's writable layer (mount_root, firstboot) */
	struct board_volume firmware;   /* what sysupgrade writes */
};

struct board {
	const char *name;               /* "sim", "mercusys-mr85x": lowercase, no blanks */
	const char *model;              /* human-readable model, for banners: "MERCUSYS MR85X" */
	const char *compatible;         /* the device tree's first compatible (OpenWrt's board name) */
	const char *cpu;                /* the CPU a release build is for: "aarch64", "armhf", "mipsel"; NULL: the host */
	enum board_drivers drivers;
	const struct board_button *buttons;
	size_t n_buttons;               /* ARRAY_SIZE(buttons) */
	struct board_led leds[LED_ROLE_COUNT];  /* indexed by enum led_role */
	struct board_console consoles[BOARD_MAX_CONSOLES]; /* unused entries have tty NULL */
	struct board_net net;
	uint32_t window_ms;             /* boot window length; 0 means BOARD_DEFAULT_WINDOW_MS */
	struct board_storage storage;   /* none: no mount_root, firstboot or sysupgrade */
};

/*
 * The board this process runs as: the one compiled in (cmake -DBOARD=<file>),
 * or the one -DBOARD=all picked from the device tree at start
 * (board_select.h). NULL when none matched: the daemon then continues the
 * boot without a window and the applets refuse to run.
 */
const struct board *board_current(void);

/* "boot", "failsafe", "running", "upgrade"; "?" out of range. */
const char *board_led_role_name(unsigned role);
/* "as-is", "disabled", "pull-up", "pull-down"; "?" out of range. */
const char *board_bias_name(enum board_bias bias);
/* The role has an LED (sysfs or GPIO). */
bool board_led_exists(const struct board_led *led);
/* The sysfs name or the chip, for messages. */
const char *board_led_name(const struct board_led *led);
/* Two roles name one physical LED (same sysfs name, or same chip and line). */
bool board_led_same(const struct board_led *a, const struct board_led *b);
/* The button's settle time with the default applied. */
uint32_t board_debounce_ms(const struct board_button *btn);
/* The board's window length with the default applied. */
uint32_t board_window_ms(const struct board *b);
/* The button can trigger failsafe (a key, not a switch). */
bool board_button_is_key(const struct board_button *btn);
/*
 * The board's DHCP pool in host order: dhcp_first..dhcp_last, or .100-.199
 * of its /24. -EINVAL when it has none (no_dhcp, or a prefix other than 24
 * without both named, or an address that does not parse): board_validate()
 * says which.
 */
int board_dhcp_pool(const struct board_net *n, uint32_t *first, uint32_t *last);
/* "block", "mtd", "ubi", "file", "none". */
const char *board_storage_kind_name(enum board_storage_kind kind);

#endif /* HAL_BOARD_H */
