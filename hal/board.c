/* hal/board.c — the one place for board defaults, LED role names and the shared-LED rule */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "board.h"

static const char *const role_names[LED_ROLE_COUNT] = {
	[LED_BOOT] = "boot", [LED_FAILSAFE] = "failsafe",
	[LED_RUNNING] = "running", [LED_UPGRADE] = "upgrade",
};

static const char *const bias_names[BOARD_BIAS_COUNT] = {
	[BOARD_BIAS_AS_IS] = "as-is", [BOARD_BIAS_DISABLED] = "disabled",
	[BOARD_BIAS_PULL_UP] = "pull-up", [BOARD_BIAS_PULL_DOWN] = "pull-down",
};

const char *board_led_role_name(unsigned role)
{
	return role < LED_ROLE_COUNT ? role_names[role] : "?";
}

const char *board_bias_name(enum board_bias bias)
{
	return (unsigned)bias < BOARD_BIAS_COUNT ? bias_names[bias] : "?";
}

bool board_led_exists(const struct board_led *led)
{
	return led->sysfs || led->chip;
}

const char *board_led_name(const struct board_led *led)
{
	return led->sysfs ? led->sysfs : led->chip ? led->chip : "(none)";
}

bool board_led_same(const struct board_led *a, const struct board_led *b)
{
	if (a->sysfs && b->sysfs)
		return !strcmp(a->sysfs, b->sysfs);
	if (a->chip && b->chip)
		return !strcmp(a->chip, b->chip) && a->line == b->line;
	return false;
}

uint32_t board_debounce_ms(const struct board_button *btn)
{
	return btn->debounce_ms ? btn->debounce_ms : BOARD_DEFAULT_DEBOUNCE_MS;
}

uint32_t board_window_ms(const struct board *b)
{
	return b->window_ms ? b->window_ms : BOARD_DEFAULT_WINDOW_MS;
}

const char *board_storage_kind_name(enum board_storage_kind kind)
{
	static const char *const names[BOARD_STORAGE_KIND_COUNT] = {
		[BOARD_STORAGE_NONE] = "none", [BOARD_STORAGE_BLOCK] = "block", [BOARD_STORAGE_MTD] = "mtd",
		[BOARD_STORAGE_UBI] = "ubi", [BOARD_STORAGE_FILE] = "file", [BOARD_STORAGE_ROOTDISK] = "rootdisk",
	};

	return (unsigned)kind < BOARD_STORAGE_KIND_COUNT ? names[kind] : "?";
}

bool board_button_is_key(const struct board_button *btn)
{
	return btn->type == BOARD_BUTTON_KEY;
}

int board_dhcp_pool(const struct board_net *n, uint32_t *first, uint32_t *last)
{
	struct in_addr a, f, l;

	if (n->no_dhcp || !n->address || inet_pton(AF_INET, n->address, &a) != 1)
		return -EINVAL;
	if (!n->dhcp_first && !n->dhcp_last && n->prefix_len == 24) {
		*first = (ntohl(a.s_addr) & 0xffffff00u) | 100u;
		*last = (ntohl(a.s_addr) & 0xffffff00u) | 199u;
		return 0;
	}
	if (!n->dhcp_first || !n->dhcp_last || inet_pton(AF_INET, n->dhcp_first, &f) != 1 ||
	    inet_pton(AF_INET, n->dhcp_last, &l) != 1)
		return -EINVAL;
	*first = ntohl(f.s_addr);
	*last = ntohl(l.s_addr);
	return 0;
}

const char *board_layout_name(enum board_layout layout)
{
	static const char *const names[BOARD_LAYOUT_COUNT] = {
		[BOARD_LAYOUT_SINGLE] = "single", [BOARD_LAYOUT_NAND] = "nand", [BOARD_LAYOUT_EMMC] = "emmc",
	};

	return (unsigned)layout < BOARD_LAYOUT_COUNT ? names[layout] : "?";
}

/* nand.sh's defaults: CI_KERNPART=kernel, CI_ROOTPART=rootfs, rootfs_data; fit.sh's volume "fit". */
const char *board_nand_kernel_volume(const struct board_nand *n)
{
	return n->kernel_volume ? n->kernel_volume : "kernel";
}

const char *board_nand_rootfs_volume(const struct board_nand *n)
{
	return n->rootfs_volume ? n->rootfs_volume : "rootfs";
}

const char *board_nand_data_volume(const struct board_nand *n)
{
	return n->data_volume ? n->data_volume : "rootfs_data";
}

const char *board_nand_fit_volume(const struct board_nand *n)
{
	return n->fit_volume ? n->fit_volume : "fit";
}

bool board_is_ab(const struct board *b)
{
	return b->storage.ab.selector != BOARD_AB_NONE;
}
