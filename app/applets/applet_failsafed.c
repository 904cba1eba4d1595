/* app/applets/applet_failsafed.c — the daemon applet's glue: turns loop callbacks into boot events, carries out actions */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applet.h"
#include "banner.h"
#include "board_select.h"
#include "board_validate.h"
#include "boot.h"
#include "cmdline.h"
#include "console.h"
#include "ctl_server.h"
#include "drivers.h"
#include "leds.h"
#include "log.h"
#include "loop.h"
#include "daemon_net.h"
#include "options.h"
#include "probe.h"
#include "rootfs.h"
#include "sigpolicy.h"
#include "statefiles.h"

#ifndef FAILSAFED_VERSION
#define FAILSAFED_VERSION "0.0.0"
#endif

#define SIGNALS_MAX 65          /* 1.._NSIG-1 on Linux */
#define EVENT_QUEUE 8

static struct daemon {
	const struct board *board;
	struct options opt;
	struct hal_drivers drv;
	struct hal_input in;
	struct hal_led led;
	struct leds leds;
	struct console consoles[BOARD_MAX_CONSOLES];
	struct boot boot;
	struct ctl_server ctl;
	struct loop_fd input_fd;
	struct loop_fd service_fd;
	struct loop_fd log_fd;
	struct loop_timer decide;
	struct loop_signal signals[SIGNALS_MAX];
	enum led_phase phase;               /* the boot's own LED phase; a control client may hold another */
	char flash[32];                     /* the last write a sysupgrade reported: "", "ok", "failed (exit N)" */
	char banner[BANNER_BYTES];
	struct boot_event queue[EVENT_QUEUE];/* events raised while a step runs, handled after it */
	unsigned queued;
	bool stepping;
	int exit_code;
	bool continue_boot;
	bool page_writing;                  /* the recovery page's applet writes the flash */
	bool upgrade_held;                  /* a control client (sysupgrade) holds the upgrade LED: it writes */
} d;

static void apply(const struct boot_actions *a);

/* One boot step at a time: an action that raises an event (a synchronous undo) queues it. */
static void step(const struct boot_event *ev)
{
	struct boot_actions act;

	if (d.stepping) {
		if (d.queued < EVENT_QUEUE)
			d.queue[d.queued++] = *ev;
		else
			log_err("boot: event %d dropped (queue of %d full)", (int)ev->type, EVENT_QUEUE);
		return;
	}
	d.stepping = true;
	boot_step(&d.boot, ev, loop_now_ms(), &act);
	apply(&act);
	while (d.queued) {
		struct boot_event next = d.queue[0];

		memmove(d.queue, d.queue + 1, --d.queued * sizeof(d.queue[0]));
		boot_step(&d.boot, &next, loop_now_ms(), &act);
		apply(&act);
	}
	d.stepping = false;
}

static void print_all(const char *text)
{
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++)
		console_print(&d.consoles[i], text);
}

static struct banner_cause cause(void)
{
	struct banner_cause c = { .cause = boot_cause(&d.boot) };

	if (c.cause == WINDOW_CAUSE_BUTTON)
		c.button = d.board->buttons[boot_button(&d.boot)].name;
	return c;
}

static uint32_t remaining_ms(void *ctx, uint64_t now_ms)
{
	(void)ctx;
	return boot_remaining_ms(&d.boot, now_ms);
}

static void show(enum led_phase phase)
{
	d.phase = phase;
	if (ctl_server_held_phase(&d.ctl) < 0)
		leds_show(&d.leds, phase);
}

/* --decision-fd: one line for whoever started the daemon (a preinit script waits for it), then closed. */
static void tell_decision(const char *word)
{
	void (*old)(int);
	char line[16];
	int n;

	if (d.opt.decision_fd < 0)
		return;
	old = signal(SIGPIPE, SIG_IGN); /* a starter that stopped listening costs a warning, not the daemon */
	n = snprintf(line, sizeof(line), "%s\n", word);
	if (write(d.opt.decision_fd, line, (size_t)n) != n)
		log_warn("--decision-fd %d: %s", d.opt.decision_fd, strerror(errno));
	close(d.opt.decision_fd);
	d.opt.decision_fd = -1;
	signal(SIGPIPE, old);
}

static void enter_failsafe(void)
{
	struct banner_cause c = cause();
	char text[160], via[80];

	show(LED_PHASE_FAILSAFE);
	banner_entry_lines(&c, text, sizeof(text));
	print_all(text);
	if (c.cause == WINDOW_CAUSE_BUTTON) {
		snprintf(text, sizeof(text), "%s\n", c.button);
		statefile_write(d.opt.state_dir, "failsafe_button", text);
	}
	banner_cause_text(&c, via, sizeof(via));
	log_info("entering failsafe (%s)", via);
	snprintf(text, sizeof(text), "%s\n", via);
	statefile_write(d.opt.state_dir, "failsafe", text);
	banner_via(&c, via, sizeof(via));
	banner_text(&c, d.board, d.banner, sizeof(d.banner));
	daemon_net_failsafe(via, d.banner);
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++)
		console_shell(&d.consoles[i], d.opt.shell_argv);
	tell_decision("failsafe");
}

static void on_restored(void)
{
	step(&(struct boot_event){ .type = BOOT_EV_RESTORED });
}

static void on_decide(struct loop_timer *t)
{
	(void)t;
	step(&(struct boot_event){ .type = BOOT_EV_TICK });
}

static void apply(const struct boot_actions *a)
{
	if (a->flags & BOOT_ACT_PRESS)
		for (unsigned i = 0; i < d.board->n_buttons; i++)
			if (a->pressed_mask >> i & 1u)
				log_debug("button %s pressed (debounced)", d.board->buttons[i].name);
	if (a->flags & BOOT_ACT_OPEN) {
		show(LED_PHASE_WINDOW);
		daemon_net_window(remaining_ms, NULL);
		print_all(BANNER_PROMPT);
		log_info("board %s: failsafe window open for %u ms", d.board->name, d.boot.win.window_ms);
	}
	if (a->flags & BOOT_ACT_DEBUG_LEVEL) {
		char digit[4];

		snprintf(digit, sizeof(digit), "%d\n", a->debug_level);
		statefile_write(d.opt.state_dir, "debug_level", digit);
		log_set_level(a->debug_level <= 1 ? LOG_LVL_ERR : (enum log_level)(a->debug_level - 1));
		log_info("debug level %d", a->debug_level);
	}
	if (a->flags & BOOT_ACT_FAILSAFE)
		enter_failsafe();
	if (a->flags & BOOT_ACT_NORMAL) {
		show(LED_PHASE_NORMAL);
		log_info("no failsafe: continuing the boot");
	}
	if (a->flags & BOOT_ACT_UNDO)
		daemon_net_restore(on_restored);
	if (a->flags & BOOT_ACT_DRAIN) {
		log_info("stopping once the firmware write is done (a stop now would leave it half written)");
		print_all("- failsafed: stopping once the write is done; do not power off -\n");
	}
	if (a->flags & BOOT_ACT_EXIT) {
		d.exit_code = a->exit_code;
		d.continue_boot = a->continue_boot;
		loop_stop();
	}
	if (a->has_deadline)
		loop_timer_at(&d.decide, a->deadline_ms, on_decide);
	else
		loop_timer_cancel(&d.decide);
}

/* ---- callbacks -> events ---- */

static void on_line(struct console *c, const char *line, size_t len)
{
	(void)c;
	step(&(struct boot_event){ .type = BOOT_EV_LINE, .line = line, .line_len = len });
}

static void on_input(struct loop_fd *f, unsigned events)
{
	struct input_edge edges[16];
	int n;

	(void)events;
	n = hal_input_read(&d.in, edges, 16);
	if (n < 0) {
		log_warn("board %s: reading button events: %s; buttons no longer trigger", d.board->name,
			 strerror(-n));
		loop_fd_del(f);
		return;
	}
	for (int i = 0; i < n; i++)
		step(&(struct boot_event){ .type = BOOT_EV_EDGE, .button = edges[i].idx, .pressed = edges[i].pressed,
					   .edge_ms = edges[i].ts_ms });
}

static void on_service(struct loop_fd *f, unsigned events)
{
	(void)f;
	(void)events;
	hal_drivers_service(&d.drv, loop_now_ms());
}

static void on_log_writable(struct loop_fd *f, unsigned events)
{
	(void)events;
	if (!log_flush())
		loop_fd_del(f);
}

static void on_log_waiting(int fd)
{
	if (!d.log_fd.events)
		loop_fd_set(&d.log_fd, fd, LOOP_WRITE, on_log_writable);
}

static void on_signal(struct loop_signal *s)
{
	switch (sigpolicy_action(s->signum)) {
	case SIG_ACT_STOP:
		log_info("%s: stopping", sigpolicy_name(s->signum));
		step(&(struct boot_event){ .type = BOOT_EV_STOP, .signum = s->signum });
		break;
	case SIG_ACT_TRIGGER:
		log_info("%s: software trigger", sigpolicy_name(s->signum));
		step(&(struct boot_event){ .type = BOOT_EV_TRIGGER });
		break;
	case SIG_ACT_QUIET:
		log_debug("%s ignored", sigpolicy_name(s->signum));
		break;
	default:
		log_info("%s ignored: failsafed keeps running (SIGTERM stops it)", sigpolicy_name(s->signum));
		break;
	}
}

/* The signals the loop watches wait (blocked) from the start of main until their watchers exist: a SIGTERM while
 * the drivers open is then a stop like any other, not the kernel's default (death by the signal). */
static void hold_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	for (int sig = 1; sig < SIGNALS_MAX && sig <= SIGRTMAX; sig++) {
		enum sig_action a = sigpolicy_action(sig);

		if (a == SIG_ACT_STOP || a == SIG_ACT_TRIGGER || a == SIG_ACT_IGNORE || a == SIG_ACT_QUIET)
			sigaddset(&set, sig);
	}
	sigprocmask(how, &set, NULL);
}

static void watch_signals(void)
{
	for (int sig = 1; sig < SIGNALS_MAX && sig <= SIGRTMAX; sig++) {
		switch (sigpolicy_action(sig)) {
		case SIG_ACT_STOP:
		case SIG_ACT_TRIGGER:
		case SIG_ACT_IGNORE:
		case SIG_ACT_QUIET:
			loop_signal_watch(&d.signals[sig], sig, on_signal);
			break;
		case SIG_ACT_SIG_IGN:
			signal(sig, SIG_IGN);
			break;
		default:
			break; /* the loop's own (SIGCHLD), or the kernel's (faults, KILL, STOP) */
		}
	}
}

/* A flash write runs while the page's applet writes or a sysupgrade holds the upgrade LED: a stop waits for it. */
static void writing_changed(void)
{
	step(&(struct boot_event){ .type = BOOT_EV_WRITING, .writing = d.page_writing || d.upgrade_held });
}

static void on_page_writing(bool writing)
{
	d.page_writing = writing;
	writing_changed();
}

/* ---- control socket ---- */

static void ctl_status(void *ctx, struct ctl_status *st)
{
	struct banner_cause c = cause();
	uint32_t on, off;

	(void)ctx;
	snprintf(st->board, sizeof(st->board), "%s", d.board->name);
	snprintf(st->model, sizeof(st->model), "%s", d.board->model);
	snprintf(st->compatible, sizeof(st->compatible), "%s", d.board->compatible);
	snprintf(st->version, sizeof(st->version), "%s", FAILSAFED_VERSION);
	st->pid = (long)getpid();
	snprintf(st->state, sizeof(st->state), "%s", boot_phase_name(d.boot.phase));
	banner_cause_text(&c, st->cause, sizeof(st->cause));
	st->remaining_ms = boot_remaining_ms(&d.boot, loop_now_ms());
	st->window_ms = d.boot.win.window_ms;
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (leds_get(&d.leds, r, &on, &off))
			led_pattern_text(on, off, st->led[r], sizeof(st->led[r]));
		else if (hal_led_present(&d.led, r))
			snprintf(st->led[r], sizeof(st->led[r]), "off");
	snprintf(st->led_hold, sizeof(st->led_hold), "%s", ctl_server_held_phase(&d.ctl) < 0 ? "none" :
		 led_phase_name((enum led_phase)ctl_server_held_phase(&d.ctl)));
	snprintf(st->flash, sizeof(st->flash), "%s", d.flash[0] ? d.flash : "none");
	st->telnet_sessions = daemon_net_telnet_sessions();
	daemon_net_dhcp_state(st->dhcp, sizeof(st->dhcp));
	st->leases = daemon_net_dhcp_leases(st->lease, CTL_LEASES_MAX);
}

static void ctl_led(void *ctx, int phase)
{
	(void)ctx;
	if (d.upgrade_held != (phase == LED_PHASE_UPGRADE)) {
		d.upgrade_held = phase == LED_PHASE_UPGRADE;
		writing_changed();
	}
	if (phase >= 0)
		log_info("control: LEDs show the %s phase for a client", led_phase_name((enum led_phase)phase));
	leds_show(&d.leds, phase >= 0 ? (enum led_phase)phase : d.phase);
}

/*
 * A write that failed leaves the board in failsafe (OpenWrt reboots; here the user flashes again): the failsafe
 * LED says so (1000/200) until a write completes, and the consoles get one line.
 */
static void ctl_flash(void *ctx, bool ok, int code)
{
	(void)ctx;
	if (ok) {
		snprintf(d.flash, sizeof(d.flash), "ok");
		log_info("sysupgrade: the write completed");
		if (d.phase == LED_PHASE_FAILED)
			show(LED_PHASE_FAILSAFE);
		return;
	}
	snprintf(d.flash, sizeof(d.flash), "failed (exit %d)", code);
	log_warn("sysupgrade: the write failed (exit %d; its output says why): still in failsafe, flash again", code);
	if (d.phase == LED_PHASE_FAILSAFE)
		show(LED_PHASE_FAILED);
}

/* ---- start and stop ---- */

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
	if (n < 0)
		log_warn("kernel command line %s: read: %s; assuming no failsafe=", path, strerror(errno));
	close(fd);
	return n > 0 && cmdline_has_failsafe(buf, (size_t)n);
}

static int open_drivers(char *err, size_t err_size)
{
	struct hal_drivers_config c = { .state_dir = d.opt.state_dir, .args = d.opt.driver_args,
					.n_args = d.opt.n_driver_args };

	return hal_drivers_open(&d.drv, d.board, &c, err, err_size);
}

/*
 * What the failsafe shells need to run the applets as the daemon was told:
 * FAILSAFED_ROOT & co. in the environment, and links named after the
 * applets first on PATH.
 */
static void prepare_applets(void)
{
	char why[ROOTFS_WHY_BYTES], self[PATH_MAX], dir[PATH_MAX], link[PATH_MAX + 64], path[8192];
	const char *old = getenv("PATH");
	struct rootfs r;
	ssize_t n;

	if (rootfs_setup(&r, d.board, d.opt.root, d.opt.rootfs_data, d.opt.firmware, d.opt.state_dir, why) < 0)
		log_warn("applets: %s; mount_root, firstboot and sysupgrade use the board's defaults", why);
	else
		rootfs_export(&r);
	if (d.opt.ctl_path)
		setenv("FAILSAFED_CTL_SOCKET", d.opt.ctl_path, 1);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	snprintf(dir, sizeof(dir), "%s/bin", d.opt.state_dir);
	if (n <= 0 || (mkdir(dir, 0755) < 0 && errno != EEXIST)) {
		log_warn("applets: no links in %s: %s", dir, strerror(errno));
		return;
	}
	self[n] = '\0';
	for (size_t i = 0; i < n_applets; i++) {
		if (!strcmp(applets[i]->name, "failsafed"))
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, applets[i]->name);
		unlink(link);
		if (symlink(self, link) < 0)
			log_warn("applets: %s: %s", link, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s%s%s", dir, old ? ":" : "", old ? old : "");
	setenv("PATH", path, 1);
	/* A login shell's /etc/profile sets PATH anew; interactive sh/ash then read $ENV, which puts the links back. */
	snprintf(link, sizeof(link), "%s/profile", d.opt.state_dir);
	snprintf(path, sizeof(path), "# written by failsafed: its applets first on PATH\nexport PATH=\"%s:$PATH\"\n", dir);
	if (statefile_write(d.opt.state_dir, "profile", path) == 0)
		setenv("ENV", link, 1);
}

static void start(void)
{
	struct boot_config bc = { .n_buttons = (unsigned)d.board->n_buttons };
	struct ctl_server_ops ops = { .status = ctl_status, .led = ctl_led, .flash = ctl_flash };
	char ctl_path[256];
	unsigned held = 0;
	int fd;

	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++) {
		if (!d.board->consoles[i].tty)
			continue;
		console_open(&d.consoles[i], &d.drv, i, d.opt.console_path, on_line);
		if (d.opt.console_path)
			break; /* one override replaces the board's consoles */
	}
	daemon_net_start(&d.drv, &(struct daemon_net_options){
		.ifname = d.opt.ifname, .beacon_port = d.opt.beacon_port, .telnet_port = d.opt.telnet_port,
		.telnet_max_sessions = d.opt.telnet_max_sessions, .telnet_idle_ms = d.opt.telnet_idle_ms,
		.shell_argv = d.opt.shell_argv, .version = FAILSAFED_VERSION, .http_port = d.opt.http_port,
		.http_stall_ms = d.opt.http_stall_ms, .reboot_cmd = d.opt.reboot_cmd, .state_dir = d.opt.state_dir,
		.no_ssh = d.opt.no_ssh, .ssh_port = d.opt.ssh_port, .ssh_max_sessions = d.opt.ssh_max_sessions,
		.dropbear = d.opt.dropbear, .announce = print_all, .no_dhcp = d.opt.no_dhcp,
		.dhcp_lease_s = d.opt.dhcp_lease_s, .no_mdns = d.opt.no_mdns, .page_writing = on_page_writing });
	hal_input_open(&d.in, &d.drv, true);
	hal_led_open(&d.led, &d.drv);
	leds_init(&d.leds, &d.led);
	if ((fd = hal_drivers_service_fd(&d.drv)) >= 0)
		loop_fd_set(&d.service_fd, fd, LOOP_READ, on_service);
	if ((fd = hal_input_fd(&d.in)) >= 0)
		loop_fd_set(&d.input_fd, fd, LOOP_READ, on_input);
	snprintf(ctl_path, sizeof(ctl_path), "%s/%s", d.opt.state_dir, CTL_SOCKET_NAME);
	ctl_server_start(&d.ctl, d.opt.ctl_path ? d.opt.ctl_path : ctl_path, &ops);
	watch_signals();
	hold_signals(SIG_UNBLOCK); /* one that came meanwhile is delivered to its watcher now */
	statefiles_reset(d.opt.state_dir);
	prepare_applets();

	bc.window_ms = d.opt.window_ms >= 0 ? (uint32_t)d.opt.window_ms : board_window_ms(d.board);
	for (unsigned i = 0; i < d.board->n_buttons; i++) {
		bool pressed = false;

		bc.debounce_ms[i] = board_debounce_ms(&d.board->buttons[i]);
		bc.edge_delay_ms[i] = hal_input_edge_delay_ms(&d.in, i);
		if (!hal_input_is_trigger(&d.in, i))
			continue;
		bc.trigger_mask |= 1u << i;
		if (hal_input_pressed(&d.in, i, &pressed) == 0 && pressed) {
			log_info("button %s is held at start", d.board->buttons[i].name);
			held |= 1u << i;
		}
	}
	boot_init(&d.boot, &bc);
	step(&(struct boot_event){ .type = BOOT_EV_START, .held_mask = held,
				   .cmdline_failsafe = read_cmdline_failsafe(d.opt.cmdline_path) });
}

static void shutdown_all(void)
{
	loop_fd_del(&d.input_fd);
	loop_fd_del(&d.service_fd);
	ctl_server_stop(&d.ctl);
	daemon_net_stop();
	leds_stop(&d.leds);
	for (unsigned i = 0; i < BOARD_MAX_CONSOLES; i++) {
		console_flush(&d.consoles[i]);
		console_close(&d.consoles[i]);
	}
	hal_input_close(&d.in);
	hal_led_close(&d.led);
	hal_drivers_close(&d.drv);
	loop_fd_del(&d.log_fd);
	log_flush();
}

static void exec_then(void)
{
	sigset_t none;

	log_flush();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(d.opt.then_argv[0], d.opt.then_argv);
	log_err("--then %s: %s", d.opt.then_argv[0], strerror(errno));
	log_flush();
}

/* The boot goes on: exec the next stage if there is one, else exit with code. */
static int finish(int code, bool continue_boot)
{
	tell_decision("normal");
	if (continue_boot && d.opt.then_argv) {
		exec_then();
		return 1;
	}
	return code;
}

/* A start that failed before any window: the boot policy says how it ends (it continues the boot). */
static int start_failed(const char *why)
{
	struct boot_actions act;

	log_err("%s; no failsafe window this boot%s", why, d.opt.then_argv ? "; continuing the boot" : "");
	boot_step(&d.boot, &(struct boot_event){ .type = BOOT_EV_START_FAILED }, 0, &act);
	return finish(act.exit_code, act.continue_boot);
}

static int daemon_main(int argc, char **argv)
{
	struct board_report report;
	char err[256];
	int rc;

	hold_signals(SIG_BLOCK);
	if (options_parse(&d.opt, hal_driver_options, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "failsafed: %s\n", err);
		return 2;
	}
	log_set_level((enum log_level)d.opt.verbosity);
	/* main chose the board before any applet ran (--board, FAILSAFED_BOARD, the device tree). */
	d.board = board_current();
	switch (d.opt.mode) {
	case OPTIONS_HELP:
		fputs(options_usage(hal_driver_options), stdout);
		return 0;
	case OPTIONS_VERSION:
		printf("failsafed %s (board %s)\n", FAILSAFED_VERSION, d.board ? d.board->name : "none");
		return 0;
	case OPTIONS_CHECK_BOARD:
		if (!d.board) {
			printf("%s\n", board_select_problem());
			return 1;
		}
		return probe_check_board(d.board);
	default:
		break;
	}
	/* The decision's descriptor is for the starter alone: no shell, dropbear or --then inherits it. */
	if (d.opt.decision_fd >= 0 && fcntl(d.opt.decision_fd, F_SETFD, FD_CLOEXEC) < 0) {
		log_warn("--decision-fd %d: %s; nobody is told the decision", d.opt.decision_fd, strerror(errno));
		d.opt.decision_fd = -1;
	}
	/* No table for this device is a build or image mistake: like a bad table, it must not stop the boot. */
	if (!d.board)
		return start_failed(board_select_problem());
	/* The applets of the failsafe shells run as this board too. */
	setenv("FAILSAFED_BOARD", d.board->name, 1);
	/* A bad table is a build bug, but it must not stop the boot. */
	if (board_validate(d.board, &report) < 0)
		return start_failed(report.error);
	for (unsigned i = 0; i < report.n_warnings; i++)
		log_warn("%s", report.warnings[i]);
	signal(SIGPIPE, SIG_IGN);
	if (loop_init() < 0)
		return start_failed("cannot create the event loop");
	if ((rc = log_nonblocking(on_log_waiting)) < 0)
		log_warn("stderr: cannot make logging non-blocking: %s", strerror(-rc));
	if (open_drivers(err, sizeof(err)) < 0)
		return start_failed(err);
	if (d.opt.mode == OPTIONS_PROBE) {
		hold_signals(SIG_UNBLOCK); /* the probe watches its own */
		rc = probe_run(&d.drv);
		hal_drivers_close(&d.drv);
		return rc;
	}
	start();
	if (d.boot.phase != BOOT_DONE) /* a zero window can end before the loop ever runs */
		loop_run();
	shutdown_all();
	return finish(d.exit_code, d.continue_boot);
}

const struct applet applet_failsafed = {
	.name = "failsafed",
	.summary = "the daemon: the failsafe boot window (the default without an applet name)",
	.main = daemon_main,
};
