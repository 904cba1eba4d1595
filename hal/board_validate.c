/* hal/board_validate.c — board_validate(): names, ranges, duplicates, addresses of a board table */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "board_validate.h"
#include "board_validate_priv.h"
#include "uart.h"

#define fail board_validate_fail
#define warn board_validate_warn
#define good_name board_validate_good_name

#define IFNAME_BYTES 16 /* IFNAMSIZ, including NUL */


static void say(const struct board *b, char *out, const char *fmt, va_list ap)
{
	char what[BOARD_REPORT_TEXT_BYTES - 48];

	vsnprintf(what, sizeof(what), fmt, ap);
	snprintf(out, BOARD_REPORT_TEXT_BYTES, "board %.40s: %s", b->name ? b->name : "(unnamed)", what);
}

int board_validate_fail(const struct board *b, struct board_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r) {
		va_start(ap, fmt);
		say(b, r->error, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void board_validate_warn(const struct board *b, struct board_report *r, const char *fmt, ...)
{
	va_list ap;

	if (!r || r->n_warnings == BOARD_REPORT_WARNINGS)
		return;
	va_start(ap, fmt);
	say(b, r->warnings[r->n_warnings++], fmt, ap);
	va_end(ap);
}

/* A partition or volume name as the kernel shows it: 1-31 printable bytes, no '/' or '"' (/proc/mtd quotes it),
 * blanks inside only (nandsim names its partitions "NAND simulator partition N"; GPT's "Linux filesystem"). */
bool board_validate_part_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= BOARD_NAME_BYTES || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (; *s; s++)
		if (*s < ' ' || *s > '~' || *s == '/' || *s == '"')
			return false;
	return true;
}

bool board_validate_good_name(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n >= BOARD_NAME_BYTES)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '/')
			return false;
	return true;
}

const char *board_ifname_problem(const char *s)
{
	if (!s || !s[0])
		return "missing";
	if (strlen(s) >= IFNAME_BYTES)
		return "longer than 15 bytes";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "\".\" and \"..\" are not interface names";
	for (; *s; s++) {
		if (*s == '/' || *s == ':')
			return "contains '/' or ':'";
		if (isspace((unsigned char)*s))
			return "contains white space";
		if ((unsigned char)*s < ' ' || (unsigned char)*s > '~')
			return "contains a control or non-ASCII byte";
	}
	return NULL;
}

/* A device-tree compatible: "vendor,model" in [a-z0-9,._+-], starting with a letter or digit. */
static bool good_compatible(const char *s)
{
	size_t n;

	if (!s || !strchr(s, ','))
		return false;
	n = strlen(s);
	if (n >= BOARD_COMPATIBLE_BYTES || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr(",._+-", *s)))
			return false;
	return true;
}

static int check_buttons(const struct board *b, struct board_report *r)
{
	unsigned keys = 0;

	if (b->n_buttons > BOARD_MAX_BUTTONS)
		return fail(b, r, "n_buttons: %zu exceeds %d", b->n_buttons, BOARD_MAX_BUTTONS);
	if (b->n_buttons && !b->buttons)
		return fail(b, r, "buttons: NULL with n_buttons %zu", b->n_buttons);
	if (!b->n_buttons && b->buttons)
		return fail(b, r, "n_buttons: 0 although buttons is set (write .n_buttons = ARRAY_SIZE(buttons))");
	for (size_t i = 0; i < b->n_buttons; i++) {
		const struct board_button *btn = &b->buttons[i];

		if (!good_name(btn->name))
			return fail(b, r, "buttons[%zu].name: missing or not a plain name (1-31 bytes, no blanks or '/')", i);
		if (!btn->chip || !btn->chip[0])
			return fail(b, r, "buttons[%zu].chip: missing (button %s)", i, btn->name);
		if (btn->line < 0 && !btn->line_name)
			return fail(b, r, "buttons[%zu].line: negative and no line_name (button %s)", i, btn->name);
		if (btn->line >= 0 && btn->line_name)
			return fail(b, r, "buttons[%zu].line_name: set together with line %d (button %s; use line = -1)",
				    i, btn->line, btn->name);
		if (btn->debounce_ms && btn->debounce_ms < BOARD_MIN_DEBOUNCE_MS)
			return fail(b, r, "buttons[%zu].debounce_ms: %u below %u (button %s; 0 means the default %u)",
				    i, btn->debounce_ms, BOARD_MIN_DEBOUNCE_MS, btn->name, BOARD_DEFAULT_DEBOUNCE_MS);
		if (btn->debounce_ms > BOARD_MAX_DEBOUNCE_MS)
			return fail(b, r, "buttons[%zu].debounce_ms: %u above %u (button %s)",
				    i, btn->debounce_ms, BOARD_MAX_DEBOUNCE_MS, btn->name);
		if ((unsigned)btn->type >= BOARD_BUTTON_TYPE_COUNT)
			return fail(b, r, "buttons[%zu].type: %d out of range", i, (int)btn->type);
		if ((unsigned)btn->bias >= BOARD_BIAS_COUNT)
			return fail(b, r, "buttons[%zu].bias: %d out of range", i, (int)btn->bias);
		for (size_t j = 0; j < i; j++) {
			const struct board_button *o = &b->buttons[j];

			if (!strcmp(o->name, btn->name))
				return fail(b, r, "buttons[%zu].name: duplicate \"%s\"", i, btn->name);
			if (!strcmp(o->chip, btn->chip) && btn->line >= 0 && o->line == btn->line)
				return fail(b, r, "buttons[%zu].line: %s line %d already used by %s",
					    i, btn->chip, btn->line, o->name);
			if (!strcmp(o->chip, btn->chip) && btn->line_name && o->line_name &&
			    !strcmp(o->line_name, btn->line_name))
				return fail(b, r, "buttons[%zu].line_name: %s line \"%s\" already used by %s",
					    i, btn->chip, btn->line_name, o->name);
		}
		keys += board_button_is_key(btn);
	}
	if (!b->n_buttons)
		warn(b, r, "buttons: none; only the console, SIGUSR1 and failsafe= can enter failsafe");
	else if (!keys)
		warn(b, r, "buttons: all are switches; only the console, SIGUSR1 and failsafe= can enter failsafe");
	return 0;
}

static int check_leds(const struct board *b, struct board_report *r)
{
	for (unsigned i = 0; i < LED_ROLE_COUNT; i++) {
		const struct board_led *l = &b->leds[i];
		const char *role = board_led_role_name(i);

		if (l->sysfs && l->chip)
			return fail(b, r, "leds[%s]: both sysfs and chip set", role);
		if (l->sysfs && !good_name(l->sysfs))
			return fail(b, r, "leds[%s].sysfs: \"%s\" is not a plain LED name", role, l->sysfs);
		if (l->chip && (!l->chip[0] || l->line < 0))
			return fail(b, r, "leds[%s].line: %d invalid on chip \"%s\"", role, l->line, l->chip);
		if (!l->sysfs && !l->chip && l->active_low)
			return fail(b, r, "leds[%s].active_low: set on an LED that does not exist", role);
		if (l->sysfs && l->active_low)
			return fail(b, r, "leds[%s].active_low: sysfs LED %s carries its polarity in the kernel",
				    role, l->sysfs);
	}
	if (!board_led_exists(&b->leds[LED_BOOT]))
		return fail(b, r, "leds[boot]: missing (every board needs a boot LED; other roles fall back to it)");
	return 0;
}

static int check_consoles(const struct board *b, struct board_report *r)
{
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++) {
		const struct board_console *c = &b->consoles[i];

		if (!c->tty)
			continue;
		if (!c->tty[0])
			return fail(b, r, "consoles[%u].tty: empty", i);
		if (!hal_uart_speed(c->baud))
			return fail(b, r, "consoles[%u].baud: %u is not a rate termios supports (%s)", i, c->baud,
				    hal_uart_rates());
	}
	return 0;
}

static int check_ipv4(const struct board *b, struct board_report *r, const char *field, const char *s,
		      struct in_addr *out)
{
	if (!s || inet_pton(AF_INET, s, out) != 1)
		return fail(b, r, "net.%s: \"%s\" is not an IPv4 address", field, s ? s : "(null)");
	return 0;
}

static int check_ifname(const struct board *b, struct board_report *r, const char *field, const char *s)
{
	const char *why = board_ifname_problem(s);

	if (why)
		return fail(b, r, "net.%s: %s%s%s%s", field, s ? "\"" : "", s ? s : "", s ? "\": " : "", why);
	return 0;
}

#define DHCP_POOL_MAX 253   /* app/net/dhcp_lease.h: DHCP_LEASE_MAX */

/* The DHCP pool: inside the subnet, not its network or broadcast address, not the board's, at most 253. */
static int check_dhcp(const struct board *b, struct board_report *r, uint32_t addr, uint32_t mask)
{
	const struct board_net *n = &b->net;
	struct in_addr x;
	uint32_t first, last;

	if (n->no_dhcp) {
		if (n->dhcp_first || n->dhcp_last)
			return fail(b, r, "net.dhcp_first/dhcp_last: set although no_dhcp is true");
		return 0;
	}
	if (n->dhcp_first && inet_pton(AF_INET, n->dhcp_first, &x) != 1)
		return fail(b, r, "net.dhcp_first: \"%s\" is not an IPv4 address", n->dhcp_first);
	if (n->dhcp_last && inet_pton(AF_INET, n->dhcp_last, &x) != 1)
		return fail(b, r, "net.dhcp_last: \"%s\" is not an IPv4 address", n->dhcp_last);
	if (board_dhcp_pool(n, &first, &last) < 0)
		return fail(b, r, "net.dhcp_first, net.dhcp_last: both needed for a /%u (the default .100-.199 is for a "
			    "/24), or no_dhcp = true", n->prefix_len);
	if ((first & mask) != (addr & mask) || (last & mask) != (addr & mask))
		return fail(b, r, "net.dhcp_first..dhcp_last: %s..%s is not inside %s/%u",
			    n->dhcp_first ? n->dhcp_first : "default", n->dhcp_last ? n->dhcp_last : "default",
			    n->address, n->prefix_len);
	if (first > last)
		return fail(b, r, "net.dhcp_first: after dhcp_last");
	if ((first & ~mask) == 0 || (last & ~mask) == ~mask)
		return fail(b, r, "net.dhcp_first..dhcp_last: includes the network or broadcast address of /%u",
			    n->prefix_len);
	if (addr >= first && addr <= last)
		return fail(b, r, "net.dhcp_first..dhcp_last: includes the board's own address %s", n->address);
	if (last - first + 1 > DHCP_POOL_MAX)
		return fail(b, r, "net.dhcp_first..dhcp_last: %u addresses, more than %u", last - first + 1,
			    DHCP_POOL_MAX);
	return 0;
}

/* LAN ports: plain names, no gaps or duplicates, none of them the bridge, the conduit or a VLAN's parent. */
static int check_lan_ports(const struct board *b, struct board_report *r)
{
	const struct board_net *n = &b->net;
	char field[32];
	bool end = false;
	int rc;

	for (unsigned i = 0; i < BOARD_MAX_LAN_PORTS; i++) {
		const char *p = n->lan_ports[i];

		if (!p) {
			end = true;
			continue;
		}
		if (end)
			return fail(b, r, "net.lan_ports[%u]: after an empty entry (list the ports without gaps)", i);
		snprintf(field, sizeof(field), "lan_ports[%u]", i);
		if ((rc = check_ifname(b, r, field, p)))
			return rc;
		if (!strcmp(p, n->ifname))
			return fail(b, r, "net.lan_ports[%u]: \"%s\" is the bridge itself (net.ifname)", i, p);
		if (n->conduit && !strcmp(p, n->conduit))
			return fail(b, r, "net.lan_ports[%u]: \"%s\" is the conduit, not a LAN port", i, p);
		if (n->vlan_id)
			return fail(b, r, "net.lan_ports: with a VLAN port (vlan_id %u); a swconfig board's LAN is its VLAN",
				    n->vlan_id);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(n->lan_ports[j], p))
				return fail(b, r, "net.lan_ports[%u]: duplicate \"%s\"", i, p);
	}
	return 0;
}

static int check_net(const struct board *b, struct board_report *r)
{
	const struct board_net *n = &b->net;
	struct in_addr addr, brd;
	uint32_t mask;
	int rc;

	if ((rc = check_ifname(b, r, "ifname", n->ifname)))
		return rc;
	if (n->conduit && (rc = check_ifname(b, r, "conduit", n->conduit)))
		return rc;
	if ((rc = check_lan_ports(b, r)))
		return rc;
	if (n->vlan_id > 4094)
		return fail(b, r, "net.vlan_id: %u outside 1..4094", n->vlan_id);
	if (n->vlan_id && !n->vlan_parent)
		return fail(b, r, "net.vlan_parent: missing for VLAN %u", n->vlan_id);
	if (n->vlan_id && (rc = check_ifname(b, r, "vlan_parent", n->vlan_parent)))
		return rc;
	if (!n->vlan_id && n->vlan_parent)
		return fail(b, r, "net.vlan_parent: set without vlan_id");
	if (n->prefix_len < 1 || n->prefix_len > 30)
		return fail(b, r, "net.prefix_len: %u outside 1..30", n->prefix_len);
	if ((rc = check_ipv4(b, r, "address", n->address, &addr)))
		return rc;
	if ((rc = check_ipv4(b, r, "broadcast", n->broadcast, &brd)))
		return rc;
	mask = htonl(~0u << (32 - n->prefix_len));
	if ((addr.s_addr | ~mask) == addr.s_addr || (addr.s_addr & ~mask) == 0)
		return fail(b, r, "net.address: %s is the network or broadcast address of /%u",
			    n->address, n->prefix_len);
	if ((brd.s_addr & mask) != (addr.s_addr & mask))
		return fail(b, r, "net.broadcast: %s is outside %s/%u", n->broadcast, n->address, n->prefix_len);
	return check_dhcp(b, r, ntohl(addr.s_addr), ntohl(mask));
}

static int check_volume(const struct board *b, struct board_report *r, const char *field,
			const struct board_volume *v)
{
	if ((unsigned)v->kind >= BOARD_STORAGE_KIND_COUNT)
		return fail(b, r, "storage.%s.kind: %d out of range", field, (int)v->kind);
	if (v->kind == BOARD_STORAGE_NONE) {
		if (v->name)
			return fail(b, r, "storage.%s.name: \"%s\" set without a kind", field, v->name);
		return 0;
	}
	if (!v->name || !v->name[0])
		return fail(b, r, "storage.%s.name: missing for a %s volume", field, board_storage_kind_name(v->kind));
	if ((v->kind == BOARD_STORAGE_MTD || v->kind == BOARD_STORAGE_UBI) && !board_validate_part_name(v->name))
		return fail(b, r, "storage.%s.name: \"%s\" is not a %s name (1-31 printable bytes, no '/' or '\"', "
			    "blanks only inside)",
			    field, v->name, board_storage_kind_name(v->kind));
	return 0;
}

static int check_storage(const struct board *b, struct board_report *r)
{
	const struct board_storage *s = &b->storage;
	int rc;

	if (s->rom && s->rom[0] != '/')
		return fail(b, r, "storage.rom: \"%s\" is not an absolute path (the read-only root's mount point)", s->rom);
	if ((rc = check_volume(b, r, "rootfs_data", &s->rootfs_data)) ||
	    (rc = check_volume(b, r, "firmware", &s->firmware)))
		return rc;
	if (s->rootfs_data.kind && s->firmware.kind == s->rootfs_data.kind &&
	    !strcmp(s->rootfs_data.name, s->firmware.name))
		return fail(b, r, "storage.firmware: the same volume as rootfs_data (%s)", s->firmware.name);
	if (!s->rootfs_data.kind)
		warn(b, r, "storage.rootfs_data: none; mount_root and firstboot have nothing to work on");
	if (!s->firmware.kind && s->layout == BOARD_LAYOUT_SINGLE)
		warn(b, r, "storage.firmware: none; sysupgrade has nowhere to write");
	return board_validate_layout(b, r);
}

int board_validate(const struct board *b, struct board_report *r)
{
	int rc;

	if (r)
		memset(r, 0, sizeof(*r));
	if (!good_name(b->name))
		return fail(b, r, "name: missing or not a plain name (1-31 bytes, no blanks or '/')");
	if (!b->model || !b->model[0])
		return fail(b, r, "model: missing");
	if (!good_compatible(b->compatible))
		return fail(b, r, "compatible: %s%s%s is not a device-tree compatible (\"vendor,model\": lowercase "
			    "letters, digits and , . _ + -; the first entry of the device tree's compatible)",
			    b->compatible ? "\"" : "", b->compatible ? b->compatible : "missing",
			    b->compatible ? "\"" : "");
	if ((unsigned)b->drivers >= BOARD_DRIVERS_COUNT)
		return fail(b, r, "drivers: %d out of range", (int)b->drivers);
	if (b->cpu && strcmp(b->cpu, "aarch64") && strcmp(b->cpu, "armhf") && strcmp(b->cpu, "mipsel"))
		return fail(b, r, "cpu: \"%s\" is not a release CPU (aarch64, armhf, mipsel; none for the host)", b->cpu);
	if (b->drivers == BOARD_DRIVERS_REAL && !b->cpu)
		warn(b, r, "cpu: none; release builds (tools/release) make no image for this board");
	if (b->window_ms > BOARD_MAX_WINDOW_MS)
		return fail(b, r, "window_ms: %u above %u", b->window_ms, BOARD_MAX_WINDOW_MS);
	rc = check_buttons(b, r);
	if (!rc)
		rc = check_leds(b, r);
	if (!rc)
		rc = check_consoles(b, r);
	if (!rc)
		rc = check_net(b, r);
	if (!rc)
		rc = check_storage(b, r);
	return rc;
}
