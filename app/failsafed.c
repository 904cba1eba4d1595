/* app/failsafed.c — the daemon's glue: options, board, drivers; turns loop callbacks into window steps */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board_validate.h"
#include "cmdline.h"
#include "console.h"
#include "debounce.h"
#include "drivers.h"
#include "leds.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "options.h"
#include "probe.h"
#include "statefiles.h"
#include "window.h"

#ifndef FAILSAFED_VERSION
#define FAILSAFED_VERSION "0.0.0"
#endif

static struct daemon {
	const struct board *board;
	struct options opt;
	struct hal_drivers drv;
	struct hal_input in;
	struct hal_led led;
	struct console consoles[BOARD_MAX_CONSOLES];
	struct window win;
	struct debounce deb[BOARD_MAX_BUTTONS];
	struct loop_fd input_fd;
	struct loop_fd aux_fd;
	struct loop_timer decide;
	struct loop_signal sig_usr1, sig_term, sig_int;
	int exit_code;
	bool stopping;          /* a signal asked to stop: no more window steps */
} d;

static const char prompt[] =
	"Press the [f] key and hit [enter] to enter failsafe mode\n"
	"Press the [1], [2], [3] or [4] key and hit [enter] to select the debug level\n";

static void step(struct window_event *ev, uint64_t now_ms);

static void print_all(const char *text)
{
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++)
		console_print(&d.consoles[i], text);
}

static bool is_key(unsigned idx)
{
	return d.board->buttons[idx].type == BOARD_BUTTON_KEY && d.in.line_ok[idx];
}

/* Latest settle end of a key press whose burst began inside the window (0: none). */
static uint64_t hold_until(void)
{
	uint64_t hold = 0, end;

	for (unsigned i = 0; i < d.board->n_buttons; i++)
		if (is_key(i) && (end = debounce_hold_until(&d.deb[i], d.win.deadline_ms)) > hold)
			hold = end;
	return hold;
}

/* Settle every button due by now_ms, then let the window look at the time. */
static void advance(uint64_t now_ms)
{
	for (unsigned i = 0; i < d.board->n_buttons; i++) {
		if (!is_key(i))
			continue;
		if (debounce_tick(&d.deb[i], now_ms) == DEBOUNCE_PRESSED) {
			struct window_event ev = { .type = WINDOW_EV_PRESS, .button = i,
						   .press_edge_ms = d.deb[i].burst_ms };

			log_debug("button %s pressed (debounced)", d.board->buttons[i].name);
			step(&ev, now_ms);
		}
	}
	step(&(struct window_event){ .type = WINDOW_EV_TICK }, now_ms);
}

static void on_decide(struct loop_timer *t)
{
	(void)t;
	advance(loop_now_ms());
}

static void schedule(const struct window_actions *act)
{
	uint64_t next = UINT64_MAX, end;

	if (d.win.state != WINDOW_OPEN) {
		loop_timer_cancel(&d.decide);
		return;
	}
	if (act->has_deadline)
		next = act->deadline_ms;
	for (unsigned i = 0; i < d.board->n_buttons; i++)
		if (is_key(i) && debounce_deadline(&d.deb[i], &end) && end < next)
			next = end;
	if (next != UINT64_MAX)
		loop_timer_at(&d.decide, next, on_decide);
}

/* How failsafe was entered, for the beacon's via= field. */
static const char *via(void)
{
	static char buf[48];

	if (d.win.cause == WINDOW_CAUSE_BUTTON)
		snprintf(buf, sizeof(buf), "button:%s", d.board->buttons[d.win.button].name);
	else
		snprintf(buf, sizeof(buf), "%s", window_cause_name(d.win.cause));
	return buf;
}

/* The telnet banner (SPEC 7): the OpenWrt line first, the special commands, how and where. */
static const char *banner(void)
{
	static char buf[768];
	const char *how = d.win.cause == WINDOW_CAUSE_BUTTON ? "the button " : "";
	const char *what = d.win.cause == WINDOW_CAUSE_BUTTON ? d.board->buttons[d.win.button].name :
			   d.win.cause == WINDOW_CAUSE_CONSOLE ? "the console (f + Enter)" :
			   d.win.cause == WINDOW_CAUSE_CMDLINE ? "the kernel command line (failsafe=)" :
			   "a signal (SIGUSR1)";

	snprintf(buf, sizeof(buf),
		 "================= FAILSAFE MODE active ================\n"
		 "special commands:\n"
		 "* firstboot          reset settings to factory defaults\n"
		 "* mount_root         mount root-partition with config files\n"
		 "\n"
		 "after mount_root:\n"
		 "* passwd             change root's password\n"
		 "* /etc/config        directory with config files\n"
		 "\n"
		 "failsafe entered through %s%s on board %s (%s)\n"
		 "=======================================================\n",
		 how, what, d.board->name, d.board->model);
	return buf;
}

static void enter_failsafe(void)
{
	char cause[64];

	leds_show(&d.led, LED_PHASE_FAILSAFE);
	if (d.win.cause == WINDOW_CAUSE_BUTTON) {
		const char *name = d.board->buttons[d.win.button].name;
		char line[96];

		snprintf(line, sizeof(line), "- failsafe button %s was pressed -\n", name);
		print_all(line);
		snprintf(cause, sizeof(cause), "button %s\n", name);
		snprintf(line, sizeof(line), "%s\n", name);
		statefile_write(d.opt.state_dir, "failsafe_button", line);
	} else {
		snprintf(cause, sizeof(cause), "%s\n", window_cause_name(d.win.cause));
	}
	print_all("- failsafe -\n");
	statefile_write(d.opt.state_dir, "failsafe", cause);
	net_failsafe(via(), banner());
	log_info("entering failsafe (%.*s)", (int)strcspn(cause, "\n"), cause);
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++)
		console_shell(&d.consoles[i], d.opt.shell_argv);
}

static void on_restored(void)
{
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++)
		console_flush(&d.consoles[i]);
	if (!d.stopping)
		d.exit_code = 0;
	loop_stop();
}

static void finish_normal(void)
{
	leds_show(&d.led, LED_PHASE_NORMAL);
	log_info("no failsafe: continuing the boot");
	net_restore(on_restored);
}

static void step(struct window_event *ev, uint64_t now_ms)
{
	struct window_actions act;

	if (d.stopping)
		return;
	ev->hold_until_ms = hold_until();
	window_step(&d.win, ev, now_ms, &act);
	if (act.flags & WINDOW_ACT_OPEN) {
		leds_show(&d.led, LED_PHASE_WINDOW);
		net_window(d.win.deadline_ms);
		print_all(prompt);
		log_info("board %s: failsafe window open for %u ms", d.board->name, d.win.window_ms);
	}
	if (act.flags & WINDOW_ACT_DEBUG_LEVEL) {
		char digit[4];

		snprintf(digit, sizeof(digit), "%d\n", act.debug_level);
		statefile_write(d.opt.state_dir, "debug_level", digit);
		log_set_level(act.debug_level <= 1 ? LOG_LVL_ERR : (enum log_level)(act.debug_level - 1));
		log_info("debug level %d", act.debug_level);
	}
	if (act.flags & WINDOW_ACT_FAILSAFE)
		enter_failsafe();
	if (act.flags & WINDOW_ACT_NORMAL)
		finish_normal();
	schedule(&act);
}

static void on_line(struct console *c, const char *line, size_t len)
{
	(void)c;
	step(&(struct window_event){ .type = WINDOW_EV_LINE, .line = line, .line_len = len }, loop_now_ms());
}

static void on_input(struct loop_fd *f, unsigned events)
{
	struct input_edge edges[16];
	int n;

	(void)events;
	n = hal_input_read(&d.in, edges, 16);
	if (n < 0) {
		log_warn("board %s: reading button events: %s; buttons no longer trigger",
			 d.board->name, strerror(-n));
		loop_fd_del(f);
		return;
	}
	for (int i = 0; i < n; i++)
		if (edges[i].idx < d.board->n_buttons)
			debounce_edge(&d.deb[edges[i].idx], edges[i].pressed, edges[i].ts_ms);
	advance(loop_now_ms());
}

static void on_aux(struct loop_fd *f, unsigned events)
{
	(void)f;
	(void)events;
	d.drv.aux.ready(d.drv.aux.ctx, loop_now_ms());
}

static void on_usr1(struct loop_signal *s)
{
	(void)s;
	step(&(struct window_event){ .type = WINDOW_EV_SIGNAL }, loop_now_ms());
}

static void stop_now(void)
{
	loop_stop();
}

static void on_term(struct loop_signal *s)
{
	log_info("signal %d: stopping", s->signum);
	d.exit_code = 128 + s->signum;
	if (d.stopping)
		return; /* already on the way out */
	d.stopping = true;
	loop_timer_cancel(&d.decide);
	/* Stopped during the window: leave the port as it was found. Failsafe keeps its network. */
	if (d.win.state == WINDOW_OPEN) {
		net_restore(stop_now);
		return;
	}
	if (d.win.state == WINDOW_NORMAL)
		return; /* the undo in flight stops the loop when done */
	loop_stop();
}

static bool read_cmdline_failsafe(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_warn("kernel command line %s: %s; assuming no failsafe=", path, strerror(errno));
		return false;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && cmdline_has_failsafe(buf, (size_t)n);
}

static int hal_options_from(struct hal_options *h, char *sim_dir, size_t sim_dir_size)
{
	memset(h, 0, sizeof(*h));
	if (d.opt.sim_dir)
		snprintf(sim_dir, sim_dir_size, "%s", d.opt.sim_dir);
	else
		snprintf(sim_dir, sim_dir_size, "%s/failsafed-sim", d.opt.state_dir);
	h->sim_dir = sim_dir;
	h->sysfs_leds_dir = d.opt.sysfs_leds_dir;
	for (size_t i = 0; i < d.opt.n_sim_held; i++) {
		size_t b;

		for (b = 0; b < d.board->n_buttons; b++)
			if (!strcmp(d.board->buttons[b].name, d.opt.sim_held[i]))
				break;
		if (b == d.board->n_buttons) {
			log_err("--sim-held: board %s has no button \"%s\"", d.board->name, d.opt.sim_held[i]);
			return -EINVAL;
		}
		h->sim_held |= 1u << b;
	}
	for (size_t i = 0; i < d.opt.n_sim_faults; i++) {
		unsigned bit = hal_fault_parse(d.opt.sim_faults[i]);

		if (!bit) {
			log_err("--sim-fault: unknown knob \"%s\" (gpio, gpio-read, led, console)",
				d.opt.sim_faults[i]);
			return -EINVAL;
		}
		h->sim_faults |= bit;
	}
	return 0;
}

static int open_board(struct hal_options *h, char *sim_dir, size_t sim_dir_size)
{
	int rc = hal_options_from(h, sim_dir, sim_dir_size);

	if (rc)
		return rc;
	rc = hal_drivers_open(d.board, h, &d.drv);
	if (rc < 0) {
		log_err("board %s: drivers: %s%s", d.board->name, strerror(-rc),
			rc == -EADDRINUSE ? " (another failsafed serves this --sim-dir)" : "");
		return rc;
	}
	if (d.drv.aux.fd >= 0)
		loop_fd_set(&d.aux_fd, d.drv.aux.fd, LOOP_READ, on_aux);
	hal_input_open(&d.in, d.board, d.drv.input, d.drv.input_drv);
	hal_led_open(&d.led, d.board, d.drv.led, d.drv.led_drv);
	return 0;
}

static void open_consoles(void)
{
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++) {
		const struct board_console *bc = &d.board->consoles[i];

		if (!bc->tty)
			continue;
		console_open(&d.consoles[i], d.drv.uart, d.drv.uart_drv, bc, d.opt.console_path, on_line);
		if (d.opt.console_path)
			break; /* one override replaces the board's consoles */
	}
}

static void shutdown_all(void)
{
	net_stop();
	leds_stop();
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++)
		console_close(&d.consoles[i]);
	hal_input_close(&d.in);
	hal_led_close(&d.led);
	hal_drivers_close(&d.drv);
}

static int run(void)
{
	struct hal_options h;
	char sim_dir[256];
	uint64_t now_ms;
	int fd;

	if (open_board(&h, sim_dir, sizeof(sim_dir)) < 0)
		return 1;
	open_consoles();
	net_start(d.board, d.drv.eth, d.drv.eth_drv, &(struct net_options){
		.ifname = d.opt.ifname, .beacon_port = d.opt.beacon_port, .telnet_port = d.opt.telnet_port,
		.telnet_max_sessions = d.opt.telnet_max_sessions, .telnet_idle_ms = d.opt.telnet_idle_ms,
		.shell_argv = d.opt.shell_argv, .version = FAILSAFED_VERSION });
	fd = hal_input_fd(&d.in);
	if (fd >= 0)
		loop_fd_set(&d.input_fd, fd, LOOP_READ, on_input);
	loop_signal_watch(&d.sig_usr1, SIGUSR1, on_usr1);
	loop_signal_watch(&d.sig_term, SIGTERM, on_term);
	loop_signal_watch(&d.sig_int, SIGINT, on_term);

	window_init(&d.win, d.opt.window_ms >= 0 ? (uint32_t)d.opt.window_ms :
		    (d.board->window_ms ? d.board->window_ms : BOARD_DEFAULT_WINDOW_MS));
	now_ms = loop_now_ms();
	for (unsigned i = 0; i < d.board->n_buttons; i++) {
		const struct board_button *b = &d.board->buttons[i];
		bool pressed = false;

		if (is_key(i) && hal_input_pressed(&d.in, i, &pressed) < 0)
			pressed = false;
		if (pressed)
			log_info("button %s is held at start", b->name);
		debounce_init(&d.deb[i], b->debounce_ms ? b->debounce_ms : BOARD_DEFAULT_DEBOUNCE_MS,
			      pressed, now_ms);
	}
	step(&(struct window_event){ .type = WINDOW_EV_START,
				     .cmdline_failsafe = read_cmdline_failsafe(d.opt.cmdline_path) },
	     now_ms);
	d.exit_code = 0;
	loop_run();
	shutdown_all();
	return d.exit_code;
}

static void exec_then(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(d.opt.then_argv[0], d.opt.then_argv);
	log_err("--then %s: %s", d.opt.then_argv[0], strerror(errno));
}

int main(int argc, char **argv)
{
	char err[256];
	int rc;

	if (options_parse(&d.opt, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "failsafed: %s\n", err);
		return 2;
	}
	log_set_level((enum log_level)d.opt.verbosity);
	d.board = board_selected;
	switch (d.opt.mode) {
	case OPTIONS_HELP:
		fputs(options_usage(), stdout);
		return 0;
	case OPTIONS_VERSION:
		printf("failsafed %s (board %s)\n", FAILSAFED_VERSION, d.board->name);
		return 0;
	case OPTIONS_CHECK_BOARD:
		return probe_check_board(d.board);
	default:
		break;
	}
	if (board_validate(d.board, err, sizeof(err)) < 0) {
		/* A bad table is a build bug, but it must not stop the boot. */
		log_err("%s", err);
		if (d.opt.then_argv)
			exec_then();
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (loop_init() < 0) {
		log_err("cannot create the event loop%s", d.opt.then_argv ? "; continuing the boot" : "");
		if (d.opt.then_argv && d.opt.mode == OPTIONS_RUN)
			exec_then();
		return 1;
	}
	if (d.opt.mode == OPTIONS_PROBE) {
		struct hal_options h;
		char sim_dir[256];

		if (open_board(&h, sim_dir, sizeof(sim_dir)) < 0)
			return 1;
		rc = probe_run(d.board, &d.in, &d.led);
		shutdown_all();
		return rc;
	}
	rc = run();
	/* The normal path continues the boot; so does a start that failed before any window. */
	if (d.opt.then_argv && ((rc == 0 && d.win.state == WINDOW_NORMAL) || d.win.state == WINDOW_IDLE)) {
		if (d.win.state == WINDOW_IDLE)
			log_err("no failsafe window this boot; continuing the boot");
		exec_then();
		return 1;
	}
	return rc;
}
