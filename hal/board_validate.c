/* hal/board_validate.c — board_validate(): names, ranges, duplicates, addresses of a board table */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "board_validate.h"

#define MAX_DEBOUNCE_MS 1000u
#define MAX_WINDOW_MS 60000u
#define IFNAME_MAX 16 /* IFNAMSIZ, including NUL */

static const char *const role_names[LED_ROLE_COUNT] = {
	[LED_BOOT] = "boot", [LED_FAILSAFE] = "failsafe",
	[LED_RUNNING] = "running", [LED_UPGRADE] = "upgrade",
};

__attribute__((format(printf, 4, 5)))
static int fail(const struct board *b, char *err, size_t err_size, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, err_size, "board %s: %s", b->name ? b->name : "(unnamed)", what);
	return -EINVAL;
}

/* A name a user types or reads: 1..31 printable bytes, no blanks or '/'. */
static bool good_name(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n >= BOARD_NAME_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '/')
			return false;
	return true;
}

static bool good_ifname(const char *s)
{
	return good_name(s) && strlen(s) < IFNAME_MAX;
}

static int check_buttons(const struct board *b, char *err, size_t err_size)
{
	if (b->n_buttons > BOARD_MAX_BUTTONS)
		return fail(b, err, err_size, "n_buttons: %zu exceeds %d", b->n_buttons, BOARD_MAX_BUTTONS);
	if (b->n_buttons && !b->buttons)
		return fail(b, err, err_size, "buttons: NULL with n_buttons %zu", b->n_buttons);
	for (size_t i = 0; i < b->n_buttons; i++) {
		const struct board_button *btn = &b->buttons[i];

		if (!good_name(btn->name))
			return fail(b, err, err_size, "buttons[%zu].name: missing or not a plain name", i);
		if (!btn->chip || !btn->chip[0])
			return fail(b, err, err_size, "buttons[%zu].chip: missing (button %s)", i, btn->name);
		if (btn->line < 0 && !btn->line_name)
			return fail(b, err, err_size, "buttons[%zu].line: negative and no line_name (button %s)",
				    i, btn->name);
		if (btn->line >= 0 && btn->line_name)
			return fail(b, err, err_size, "buttons[%zu].line_name: set together with line %d (button %s)",
				    i, btn->line, btn->name);
		if (btn->debounce_ms > MAX_DEBOUNCE_MS)
			return fail(b, err, err_size, "buttons[%zu].debounce_ms: %u above %u (button %s)",
				    i, btn->debounce_ms, MAX_DEBOUNCE_MS, btn->name);
		if ((unsigned)btn->type >= BOARD_BUTTON_TYPE_COUNT)
			return fail(b, err, err_size, "buttons[%zu].type: %d out of range", i, (int)btn->type);
		if ((unsigned)btn->bias >= BOARD_BIAS_COUNT)
			return fail(b, err, err_size, "buttons[%zu].bias: %d out of range", i, (int)btn->bias);
		for (size_t j = 0; j < i; j++) {
			const struct board_button *o = &b->buttons[j];

			if (!strcmp(o->name, btn->name))
				return fail(b, err, err_size, "buttons[%zu].name: duplicate \"%s\"", i, btn->name);
			if (!strcmp(o->chip, btn->chip) && btn->line >= 0 && o->line == btn->line)
				return fail(b, err, err_size, "buttons[%zu].line: %s line %d already used by %s",
					    i, btn->chip, btn->line, o->name);
		}
	}
	return 0;
}

static int check_leds(const struct board *b, char *err, size_t err_size)
{
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		const struct board_led *l = &b->leds[r];

		if (l->sysfs && l->chip)
			return fail(b, err, err_size, "leds[%s]: both sysfs and chip set", role_names[r]);
		if (l->sysfs && !good_name(l->sysfs))
			return fail(b, err, err_size, "leds[%s].sysfs: \"%s\" is not a plain LED name",
				    role_names[r], l->sysfs);
		if (l->chip && (!l->chip[0] || l->line < 0))
			return fail(b, err, err_size, "leds[%s].line: %d invalid on chip \"%s\"",
				    role_names[r], l->line, l->chip);
		if (!l->sysfs && !l->chip && l->active_low)
			return fail(b, err, err_size, "leds[%s].active_low: set on an LED that does not exist",
				    role_names[r]);
	}
	if (!b->leds[LED_BOOT].sysfs && !b->leds[LED_BOOT].chip)
		return fail(b, err, err_size, "leds[boot]: missing (every board needs a boot LED)");
	return 0;
}

static int check_consoles(const struct board *b, char *err, size_t err_size)
{
	static const uint32_t bauds[] = { 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1500000 };

	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++) {
		const struct board_console *c = &b->consoles[i];
		bool ok = false;

		if (!c->tty)
			continue;
		if (!c->tty[0])
			return fail(b, err, err_size, "consoles[%u].tty: empty", i);
		for (size_t k = 0; k < ARRAY_SIZE(bauds); k++)
			ok |= c->baud == bauds[k];
		if (!ok)
			return fail(b, err, err_size, "consoles[%u].baud: %u is not a standard rate", i, c->baud);
	}
	return 0;
}

static int check_ipv4(const struct board *b, char *err, size_t err_size, const char *field,
		      const char *s, struct in_addr *out)
{
	if (!s || inet_pton(AF_INET, s, out) != 1)
		return fail(b, err, err_size, "net.%s: \"%s\" is not an IPv4 address", field, s ? s : "(null)");
	return 0;
}

static int check_net(const struct board *b, char *err, size_t err_size)
{
	const struct board_net *n = &b->net;
	struct in_addr addr, brd;
	uint32_t mask;
	int rc;

	if (!good_ifname(n->ifname))
		return fail(b, err, err_size, "net.ifname: missing or longer than %d bytes", IFNAME_MAX - 1);
	if (n->conduit && !good_ifname(n->conduit))
		return fail(b, err, err_size, "net.conduit: \"%s\" is not an interface name", n->conduit);
	if (n->vlan_id > 4094)
		return fail(b, err, err_size, "net.vlan_id: %u outside 1..4094", n->vlan_id);
	if (n->vlan_id && !good_ifname(n->vlan_parent))
		return fail(b, err, err_size, "net.vlan_parent: missing for VLAN %u", n->vlan_id);
	if (!n->vlan_id && n->vlan_parent)
		return fail(b, err, err_size, "net.vlan_parent: set without vlan_id");
	if (n->prefix_len < 1 || n->prefix_len > 30)
		return fail(b, err, err_size, "net.prefix_len: %u outside 1..30", n->prefix_len);
	rc = check_ipv4(b, err, err_size, "address", n->address, &addr);
	if (rc)
		return rc;
	rc = check_ipv4(b, err, err_size, "broadcast", n->broadcast, &brd);
	if (rc)
		return rc;
	mask = htonl(~0u << (32 - n->prefix_len));
	if ((addr.s_addr | ~mask) == addr.s_addr || (addr.s_addr & ~mask) == 0)
		return fail(b, err, err_size, "net.address: %s is the network or broadcast address of /%u",
			    n->address, n->prefix_len);
	if ((brd.s_addr & mask) != (addr.s_addr & mask))
		return fail(b, err, err_size, "net.broadcast: %s is outside %s/%u",
			    n->broadcast, n->address, n->prefix_len);
	return 0;
}

int board_validate(const struct board *b, char *err, size_t err_size)
{
	int rc;

	if (!good_name(b->name))
		return fail(b, err, err_size, "name: missing or not a plain name");
	if (!b->model || !b->model[0])
		return fail(b, err, err_size, "model: missing");
	if ((unsigned)b->drivers >= BOARD_DRIVERS_COUNT)
		return fail(b, err, err_size, "drivers: %d out of range", (int)b->drivers);
	if (b->window_ms > MAX_WINDOW_MS)
		return fail(b, err, err_size, "window_ms: %u above %u", b->window_ms, MAX_WINDOW_MS);
	rc = check_buttons(b, err, err_size);
	if (!rc)
		rc = check_leds(b, err, err_size);
	if (!rc)
		rc = check_consoles(b, err, err_size);
	if (!rc)
		rc = check_net(b, err, err_size);
	if (!rc && err && err_size)
		err[0] = '\0';
	return rc;
}
