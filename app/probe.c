/* app/probe.c — --check-board prints the compiled-in board; --probe shows live edges and blinks LEDs */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "board_validate.h"
#include "leds.h"
#include "log.h"
#include "loop.h"
#include "probe.h"

#define PROBE_LED_MS 1500u

static const char *const bias_names[BOARD_BIAS_COUNT] = { "as-is", "disabled", "pull-up", "pull-down" };

int probe_check_board(const struct board *b)
{
	char err[256];
	int rc = board_validate(b, err, sizeof(err));

	printf("board %s (%s), %s drivers\n", b->name, b->model ? b->model : "?",
	       b->drivers == BOARD_DRIVERS_SIM ? "simulated" : "real");
	for (size_t i = 0; i < b->n_buttons; i++) {
		const struct board_button *btn = &b->buttons[i];

		printf("  button %-8s %s ", btn->name, btn->chip);
		if (btn->line_name)
			printf("line \"%s\"", btn->line_name);
		else
			printf("line %d", btn->line);
		printf(" active-%s bias %s debounce %u ms %s\n", btn->active_low ? "low" : "high",
		       btn->bias < BOARD_BIAS_COUNT ? bias_names[btn->bias] : "?",
		       btn->debounce_ms ? btn->debounce_ms : BOARD_DEFAULT_DEBOUNCE_MS,
		       btn->type == BOARD_BUTTON_SWITCH ? "switch (not a trigger)" : "key");
	}
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		const struct board_led *l = &b->leds[r];

		if (l->sysfs)
			printf("  led    %-8s sysfs %s\n", hal_led_role_name(r), l->sysfs);
		else if (l->chip)
			printf("  led    %-8s %s line %d active-%s\n", hal_led_role_name(r), l->chip, l->line,
			       l->active_low ? "low" : "high");
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
	printf("  window %u ms\n", b->window_ms ? b->window_ms : BOARD_DEFAULT_WINDOW_MS);
	if (rc < 0) {
		printf("INVALID: %s\n", err);
		return 1;
	}
	printf("valid\n");
	return 0;
}

static struct {
	const struct board *b;
	struct hal_input *in;
	struct hal_led *led;
	struct loop_fd input_fd;
	struct loop_timer next_led;
	struct loop_signal sig_int, sig_term;
	unsigned role;
} p;

static void on_edges(struct loop_fd *f, unsigned events)
{
	struct input_edge e[16];
	int n = hal_input_read(p.in, e, 16);

	(void)events;
	if (n < 0) {
		printf("reading edges: %s\n", strerror(-n));
		loop_fd_del(f);
		return;
	}
	for (int i = 0; i < n; i++) {
		bool active_low = p.b->buttons[e[i].idx].active_low;

		printf("%llu ms  button %-8s %s  (line %s)\n", (unsigned long long)e[i].ts_ms,
		       p.b->buttons[e[i].idx].name, e[i].pressed ? "pressed " : "released",
		       e[i].pressed != active_low ? "high" : "low");
	}
	fflush(stdout);
}

static void on_next_led(struct loop_timer *t)
{
	(void)t;
	leds_set(p.led, p.role, 0, 0);
	for (unsigned k = 0; k < LED_ROLE_COUNT; k++) {
		p.role = (p.role + 1) % LED_ROLE_COUNT;
		if (hal_led_present(p.led, p.role))
			break;
	}
	if (!hal_led_present(p.led, p.role))
		return;
	printf("LED %s (%s) blinking 250/250 now\n", hal_led_role_name(p.role),
	       p.b->leds[p.role].sysfs ? p.b->leds[p.role].sysfs : p.b->leds[p.role].chip);
	fflush(stdout);
	leds_set(p.led, p.role, 250, 250);
	loop_timer_at(&p.next_led, loop_now_ms() + PROBE_LED_MS, on_next_led);
}

static void on_stop(struct loop_signal *s)
{
	(void)s;
	loop_stop();
}

int probe_run(const struct board *b, struct hal_input *in, struct hal_led *led)
{
	int fd = hal_input_fd(in);

	p.b = b;
	p.in = in;
	p.led = led;
	p.role = LED_ROLE_COUNT - 1;
	printf("probe: board %s; press each button, watch each LED; Ctrl-C ends\n", b->name);
	for (unsigned i = 0; i < b->n_buttons; i++) {
		bool pressed;
		int rc = hal_input_pressed(in, i, &pressed);

		if (rc < 0)
			printf("button %-8s unavailable: %s\n", b->buttons[i].name, strerror(-rc));
		else
			printf("button %-8s now %s\n", b->buttons[i].name,
			       pressed ? "PRESSED (if you are not pressing it, active_low is wrong)" : "released");
	}
	fflush(stdout);
	if (fd >= 0)
		loop_fd_set(&p.input_fd, fd, LOOP_READ, on_edges);
	loop_signal_watch(&p.sig_int, SIGINT, on_stop);
	loop_signal_watch(&p.sig_term, SIGTERM, on_stop);
	on_next_led(&p.next_led);
	loop_run();
	leds_stop();
	return 0;
}
