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
	BOARD_STORAGE_ROOTDISK,    /* the space after the squashfs on a block partition ("PARTLABEL=rootfs"), rounded
				    * up to 64 KiB: fstools' rootdisk overlay on eMMC boards without a data partition */
	BOARD_STORAGE_KIND_COUNT
};

struct board_volume {
	enum board_storage_kind kind;
	const char *name;
};

/* How sysupgrade lays an OpenWrt image out on the board's storage (OpenWrt's lib/upgrade/{common,nand,emmc}.sh). */
enum board_layout {
	BOARD_LAYOUT_SINGLE = 0,   /* one firmware partition or volume, written as it is (NOR: default_do_upgrade) */
	BOARD_LAYOUT_NAND,         /* UBI on NAND: kernel, rootfs and rootfs_data volumes (nand_do_upgrade) */
	BOARD_LAYOUT_EMMC,         /* GPT partitions found by name (emmc_do_upgrade) */
	BOARD_LAYOUT_COUNT
};

/* nand.sh's knobs, set per board by OpenWrt's platform.sh (CI_UBIPART, CI_KERNPART, CI_KERN_UBIPART...). */
struct board_nand {
	const char *ubi_mtd;            /* CI_UBIPART: the MTD partition holding UBI ("ubi", "ubi0", "rootfs1") */
	const char *kernel_ubi_mtd;     /* CI_KERN_UBIPART: a second UBI partition for the kernel volume, or NULL */
	const char *kernel_mtd;         /* a raw MTD partition for the kernel (CI_KERNPART is an MTD), or NULL: the
					 * kernel is a UBI volume; it may overlap the UBI partition (Linksys) */
	const char *kernel_volume;      /* UBI volume names; NULL: "kernel", "rootfs", "rootfs_data" */
	const char *rootfs_volume;
	const char *data_volume;
	const char *fit_volume;         /* where a FIT goes (fit.sh: the DT's chosen/rootdisk volume); NULL: "fit" */
};

/* emmc.sh's knobs: GPT partitions by their PARTNAME (CI_KERNPART, CI_ROOTPART, CI_DATAPART, CI_DTBPART). */
struct board_emmc {
	const char *kernel_part;        /* "kernel" (a FIT goes here too) */
	const char *root_part;          /* "rootfs" */
	const char *data_part;          /* "rootfs_data", or NULL: the overlay follows the root in root_part */
	const char *dtb_part;           /* NULL: none */
	const char *disk;               /* CI_ROOTDEV: only partitions of this disk ("mmcblk0"); NULL: any disk */
};

/* Dual-firmware (A/B) boards: which slot boots is chosen by the bootloader's environment. */
enum board_ab_selector {
	BOARD_AB_NONE = 0,
	BOARD_AB_UBOOT_ENV,             /* a U-Boot environment variable (fw_printenv/fw_setenv, libubootenv) */
	BOARD_AB_SELECTOR_COUNT
};

/* The boot counter the board's bootloader keeps, which a successful start resets. */
enum board_bootcount {
	BOARD_BOOTCOUNT_NONE = 0,
	BOARD_BOOTCOUNT_LINKSYS,        /* Linksys: an append-only record log in an MTD partition (`mtd resetbc`) */
	BOARD_BOOTCOUNT_COUNT
};

#define BOARD_AB_ENV_MAX 4

struct board_ab_slot {
	struct board_nand nand;         /* NAND layout: this slot's partitions */
	struct board_emmc emmc;         /* eMMC layout: this slot's partitions */
	const char *env[BOARD_AB_ENV_MAX]; /* "name=value" that make the bootloader boot this slot ("boot_part=1") */
};

struct board_ab {
	enum board_ab_selector selector;
	const char *env_var;            /* the variable that names the booting slot ("boot_part") */
	const char *env_value[2];       /* its value for slot 0 and slot 1 ("1", "2") */
	struct board_ab_slot slot[2];
	const char *env_after[BOARD_AB_ENV_MAX]; /* set with the switch, e.g. "auto_recovery=yes" (fall back when the
						 * new slot does not boot) */
	const char *running_alias;      /* the name the kernel gives the running slot's UBI partition ("ubi": OpenWrt's
					 * mangled_rootblock on mvebu), or NULL */
	enum board_bootcount bootcount;
	const char *bootcount_mtd;      /* LINKSYS: the MTD partition of the log ("s_env") */
};

struct board_storage {
	const char *rom;                /* the read-only root's mount point: "/" */
	struct board_volume rootfs_data;/* the overlay's writable layer (mount_root, firstboot) */
	struct board_volume firmware;   /* what sysupgrade writes (SINGLE; NAND: the rootfs volume, for plain roots) */
	enum board_layout layout;       /* SINGLE unless the board says otherwise */
	struct board_nand nand;         /* layout NAND */
	struct board_emmc emmc;         /* layout EMMC */
	struct board_ab ab;             /* dual-firmware: selector other than NONE; slots override nand/emmc */
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
/* "block", "mtd", "ubi", "file", "rootdisk", "none". */
const char *board_storage_kind_name(enum board_storage_kind kind);
/* "single", "nand", "emmc"; "?" out of range. */
const char *board_layout_name(enum board_layout layout);
/* A NAND layout's volume names with OpenWrt's defaults applied ("kernel", "rootfs", "rootfs_data", "fit"). */
const char *board_nand_kernel_volume(const struct board_nand *n);
const char *board_nand_rootfs_volume(const struct board_nand *n);
const char *board_nand_data_volume(const struct board_nand *n);
const char *board_nand_fit_volume(const struct board_nand *n);
/* The board is dual-firmware (two slots and a selector). */
bool board_is_ab(const struct board *b);

#endif /* HAL_BOARD_H */
