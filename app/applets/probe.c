/* app/applets/probe.c — --check-board prints the compiled-in board; --probe shows live edges and blinks LEDs */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "board_validate.h"
#include "input.h"
#include "leds.h"
#include "log.h"
#include "loop.h"
#include "probe.h"

#define PROBE_LED_MS 1500u

static void print_volume(const char *what, const struct board_volume *v)
{
	if (v->kind)
		printf("  %-7s %s %s\n", what, board_storage_kind_name(v->kind), v->name);
}

static void print_nand(const char *at, const struct board_nand *n)
{
	printf("  nand%s  UBI on mtd %s", at, n->ubi_mtd ? n->ubi_mtd : "?");
	if (n->kernel_mtd)
		printf(", kernel raw on mtd %s", n->kernel_mtd);
	else
		printf(", kernel volume %s%s%s", board_nand_kernel_volume(n), n->kernel_ubi_mtd ? " on mtd " : "",
		       n->kernel_ubi_mtd ? n->kernel_ubi_mtd : "");
	printf(", volumes %s %s, FIT volume %s\n", board_nand_rootfs_volume(n), board_nand_data_volume(n),
	       board_nand_fit_volume(n));
}

static void print_emmc(const char *at, const struct board_emmc *e)
{
	printf("  emmc%s  GPT kernel %s, root %s, data %s, dtb %s\n", at, e->kernel_part ? e->kernel_part : "?",
	       e->root_part ? e->root_part : "?", e->data_part ? e->data_part : "(after the root)",
	       e->dtb_part ? e->dtb_part : "none");
}

/* The storage layout: where sysupgrade puts each part of an OpenWrt image. */
static void print_storage(const struct board *b)
{
	const struct board_storage *s = &b->storage;
	const struct board_ab *ab = &s->ab;

	print_volume("data", &s->rootfs_data);
	print_volume("fw", &s->firmware);
	printf("  layout %s%s\n", board_layout_name(s->layout), board_is_ab(b) ? ", dual firmware" : "");
	if (s->layout == BOARD_LAYOUT_NAND && !board_is_ab(b))
		print_nand("", &s->nand);
	if (s->layout == BOARD_LAYOUT_EMMC && !board_is_ab(b))
		print_emmc("", &s->emmc);
	if (!board_is_ab(b))
		return;
	for (int i = 0; i < 2; i++) {
		char at[8];

		snprintf(at, sizeof(at), "[%d]", i);
		if (s->layout == BOARD_LAYOUT_NAND)
			print_nand(at, &ab->slot[i].nand);
		else
			print_emmc(at, &ab->slot[i].emmc);
		printf("  slot%s boots when %s=%s", at, ab->env_var ? ab->env_var : "?",
		       ab->env_value[i] ? ab->env_value[i] : "?");
		for (int k = 0; k < BOARD_AB_ENV_MAX && ab->slot[i].env[k]; k++)
			printf(", %s", ab->slot[i].env[k]);
		printf("\n");
	}
	printf("  switch U-Boot environment");
	for (int k = 0; k < BOARD_AB_ENV_MAX && ab->env_after[k]; k++)
		printf(", then %s", ab->env_after[k]);
	if (ab->bootcount == BOARD_BOOTCOUNT_LINKSYS)
		printf("; boot counter reset in mtd %s", ab->bootcount_mtd ? ab->bootcount_mtd : "?");
	printf("\n");
}

int probe_check_board(const struct board *b)
{
	struct board_report r;
	int rc = board_validate(b, &r);

	printf("board %s (%s), %s, %s drivers\n", b->name ? b->name : "?", b->model ? b->model : "?",
	       b->compatible ? b->compatible : "no compatible", hal_drivers_family_name(b->drivers));
	for (size_t i = 0; i < b->n_buttons && b->buttons; i++) {
		const struct board_button *btn = &b->buttons[i];

		printf("  button %-8s %s ", btn->name, btn->chip);
		if (btn->line_name)
			printf("line \"%s\"", btn->line_name);
		else
			printf("line %d", btn->line);
		printf(" active-%s bias %s debounce %u ms %s\n", btn->active_low ? "low" : "high",
		       board_bias_name(btn->bias), board_debounce_ms(btn),
		       btn->type == BOARD_BUTTON_SWITCH ? "switch (not a trigger)" : "key");
	}
	for (unsigned role = 0; role < LED_ROLE_COUNT; role++) {
		const struct board_led *l = &b->leds[role];

		if (l->sysfs)
			printf("  led    %-8s sysfs %s\n", board_led_role_name(role), l->sysfs);
		else if (l->chip)
			printf("  led    %-8s %s line %d active-%s\n", board_led_role_name(role), l->chip, l->line,
			       l->active_low ? "low" : "high");
		else if (role != LED_BOOT)
			printf("  led    %-8s (none: shown on the boot LED)\n", board_led_role_name(role));
	}
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++)
		if (b->consoles[i].tty)
			printf("  console %s %u baud\n", b->consoles[i].tty, b->consoles[i].baud);
	printf("  net    %s", b->net.ifname ? b->net.ifname : "?");
	if (b->net.conduit)
		printf(" (conduit %s)", b->net.conduit);
	if (b->net.vlan_id)
		printf(" (VLAN %u on %s)", b->net.vlan_id, b->net.vlan_parent ? b->net.vlan_parent : "?");
	printf(" %s/%u broadcast %s\n", b->net.address ? b->net.address : "?", b->net.prefix_len,
	       b->net.broadcast ? b->net.broadcast : "?");
	if (b->net.lan_ports[0]) {
		printf("  lan    bridged into %s:", b->net.ifname);
		for (unsigned i = 0; i < BOARD_MAX_LAN_PORTS && b->net.lan_ports[i]; i++)
			printf(" %s", b->net.lan_ports[i]);
		printf("\n");
	}
	{
		uint32_t first, last;

		if (board_dhcp_pool(&b->net, &first, &last) == 0)
			printf("  dhcp   %u.%u.%u.%u-%u.%u.%u.%u\n", first >> 24, first >> 16 & 255, first >> 8 & 255,
			       first & 255, last >> 24, last >> 16 & 255, last >> 8 & 255, last & 255);
		else
			printf("  dhcp   none\n");
	}
	printf("  window %u ms\n", board_window_ms(b));
	print_storage(b);
	printf("  gpio   %s\n", hal_input_gpio_api());
	for (unsigned i = 0; i < r.n_warnings; i++)
		printf("warning: %s\n", r.warnings[i]);
	if (rc < 0) {
		printf("INVALID: %s\n", r.error);
		return 1;
	}
	printf("valid\n");
	return 0;
}

static struct {
	const struct board *b;
	struct hal_drivers *drv;
	struct loop_fd service_fd;
	struct hal_input in;
	struct hal_led led;
	struct leds leds;
	struct loop_fd input_fd;
	struct loop_timer next_led;
	struct loop_signal sig_int, sig_term;
	unsigned role;
} p;

static void on_edges(struct loop_fd *f, unsigned events)
{
	struct input_edge e[16];
	int n = hal_input_read(&p.in, e, 16);

	(void)events;
	if (n < 0) {
		printf("reading edges: %s\n", strerror(-n));
		loop_fd_del(f);
		return;
	}
	for (int i = 0; i < n; i++)
		printf("%llu ms  button %-8s %s  (line %s)\n", (unsigned long long)e[i].ts_ms,
		       p.b->buttons[e[i].idx].name, e[i].pressed ? "pressed " : "released", e[i].high ? "high" : "low");
	fflush(stdout);
}

static void on_next_led(struct loop_timer *t)
{
	(void)t;
	leds_set(&p.leds, p.role, 0, 0);
	for (unsigned k = 0; k < LED_ROLE_COUNT; k++) {
		p.role = (p.role + 1) % LED_ROLE_COUNT;
		if (hal_led_present(&p.led, p.role))
			break;
	}
	if (!hal_led_present(&p.led, p.role))
		return;
	printf("LED %s (%s) blinking 250/250 now\n", board_led_role_name(p.role), board_led_name(&p.b->leds[p.role]));
	fflush(stdout);
	leds_set(&p.leds, p.role, 250, 250);
	loop_timer_at(&p.next_led, loop_now_ms() + PROBE_LED_MS, on_next_led);
}

static void on_service(struct loop_fd *f, unsigned events)
{
	(void)f;
	(void)events;
	hal_drivers_service(p.drv, loop_now_ms());
}

static void on_stop(struct loop_signal *s)
{
	(void)s;
	loop_stop();
}

/* One line per GPIO chip that is missing, naming the buttons that needed it. */
static void report_missing(void)
{
	bool said[BOARD_MAX_BUTTONS] = { false };
	char chips[1024];

	for (unsigned i = 0; i < p.b->n_buttons; i++) {
		char names[128] = "";
		size_t n = 0;

		if (p.in.line_ok[i] || said[i])
			continue;
		for (unsigned k = i; k < p.b->n_buttons; k++) {
			if (p.in.line_ok[k] || strcmp(p.b->buttons[k].chip, p.b->buttons[i].chip) ||
			    strcmp(hal_input_why(&p.in, k), hal_input_why(&p.in, i)))
				continue;
			said[k] = true;
			n += (size_t)snprintf(names + n, n < sizeof(names) ? sizeof(names) - n : 0, "%s%s",
					      n ? ", " : "", p.b->buttons[k].name);
		}
		printf("button %s: %s\n", names, hal_input_why(&p.in, i));
	}
	if (p.in.n_ok < p.b->n_buttons && hal_input_describe(&p.in, chips, sizeof(chips)) >= 0)
		printf("GPIO chips on this system:%s%s\n", chips[0] ? "\n" : " none", chips);
}

int probe_run(struct hal_drivers *d)
{
	unsigned leds;
	int fd;

	memset(&p, 0, sizeof(p));
	p.b = d->board;
	p.drv = d;
	p.role = LED_ROLE_COUNT - 1;
	printf("probe: board %s; press each button, watch each LED; Ctrl-C ends\n", p.b->name);
	hal_input_open(&p.in, d, false);
	leds = hal_led_open(&p.led, d);
	leds_init(&p.leds, &p.led);
	report_missing();
	for (unsigned i = 0; i < p.b->n_buttons; i++) {
		uint32_t kernel_ms = hal_input_kernel_debounce_ms(&p.in, i);
		char how[48] = "";
		bool pressed;

		if (!p.in.line_ok[i])
			continue;
		if (kernel_ms)
			snprintf(how, sizeof(how), " (debounced by the kernel, %u ms)", (unsigned)kernel_ms);
		if (hal_input_pressed(&p.in, i, &pressed) < 0)
			printf("button %-8s level unreadable%s\n", p.b->buttons[i].name, how);
		else
			printf("button %-8s now %s%s\n", p.b->buttons[i].name,
			       pressed ? "PRESSED (if you are not pressing it, active_low is wrong)" : "released", how);
	}
	if (!p.in.n_ok && !leds) {
		printf("probe: nothing to probe: no button line and no LED of board %s could be opened\n", p.b->name);
		fflush(stdout);
		hal_input_close(&p.in);
		hal_led_close(&p.led);
		return 1;
	}
	fflush(stdout);
	fd = hal_input_fd(&p.in);
	if (fd >= 0)
		loop_fd_set(&p.input_fd, fd, LOOP_READ, on_edges);
	if ((fd = hal_drivers_service_fd(d)) >= 0)
		loop_fd_set(&p.service_fd, fd, LOOP_READ, on_service);
	loop_signal_watch(&p.sig_int, SIGINT, on_stop);
	loop_signal_watch(&p.sig_term, SIGTERM, on_stop);
	on_next_led(&p.next_led);
	loop_run();
	loop_fd_del(&p.input_fd);
	loop_fd_del(&p.service_fd);
	leds_stop(&p.leds);
	hal_led_restore(&p.led);
	hal_input_close(&p.in);
	hal_led_close(&p.led);
	log_debug("probe: LEDs put back as found");
	return 0;
}
