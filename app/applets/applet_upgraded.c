/* app/applets/applet_upgraded.c — `upgraded`: PID 1 from the RAM root of a flash from RAM, where OpenWrt's procd hands over */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/watchdog.h>

#include "applet.h"
#include "args.h"

/*
 * In failsafe, OpenWrt's preinit ends when /tmp/sysupgrade appears, and procd
 * (PID 1, running from the root about to be replaced) chroots into the prefix
 * written there and execs its /sbin/upgraded PATH COMMAND (procd's
 * initd/preinit.c check_sysupgrade(), sysupgrade.c). failsafed puts itself
 * there: from then on PID 1 runs from RAM, so the old root can be let go.
 * OpenWrt's own upgraded forks stage2 and reboots whatever it returns;
 * here failsafed, already in RAM, flashes and stays in failsafe when that
 * fails, so PID 1 only does what init must: reap orphans, feed procd's
 * watchdog, and reboot, halt or power off when asked as BusyBox's init is
 * (SIGTERM, SIGUSR1, SIGUSR2; reboot -f needs no one).
 */

#define WATCHDOG_FEED_S 5       /* procd feeds every 5 s too (watchdog.c's default frequency) */

enum { OPT_HELP = 0 };

static const struct args_opt opts[] = {
	{ "--help", 'h', NULL, "this text", OPT_HELP },
};

static const struct args_spec spec = {
	.usage = "Usage: upgraded [PATH [COMMAND]]\n"
		 "PID 1 from the RAM root failsafed made for a flash from RAM: OpenWrt's procd execs it in failsafe\n"
		 "(/tmp/sysupgrade) so that the old root can be let go. It reaps orphans, feeds procd's watchdog\n"
		 "(WDTFD) and reboots on SIGTERM or SIGINT, halts on SIGUSR1, powers off on SIGUSR2, as BusyBox's\n"
		 "init does (reboot, halt, poweroff). PATH and COMMAND (procd's) are not used.\n",
	.opts = opts,
	.n_opts = sizeof(opts) / sizeof(opts[0]),
	.footer = "Exit status: 1 not PID 1 (it never ends otherwise), 2 bad usage.\n",
};

struct ctx {
	bool help;
};

static int on_opt(void *c, int id, const char *v, char *err, size_t err_size)
{
	struct ctx *x = c;

	(void)v;
	(void)err;
	(void)err_size;
	if (id == OPT_HELP) {
		x->help = true;
		return ARGS_STOP;
	}
	return 0;   /* procd's PATH and COMMAND */
}

static void go_down(int how)
{
	struct timespec wait = { .tv_sec = 1 };

	kill(-1, SIGTERM);
	nanosleep(&wait, NULL);
	kill(-1, SIGKILL);
	sync();
	reboot(how);
}

static int upgraded_main(int argc, char **argv)
{
	struct timespec feed = { .tv_sec = WATCHDOG_FEED_S };
	const char *wdt_env = getenv("WDTFD");
	struct ctx x = { 0 };
	int wdt = wdt_env ? atoi(wdt_env) : -1;
	sigset_t set;
	int rc;

	if ((rc = applet_args("upgraded", &spec, argc, argv, on_opt, &x, &x.help)) != APPLET_GO)
		return rc;
	if (getpid() != 1) {
		fprintf(stderr, "upgraded: runs as PID 1 only (OpenWrt's procd execs it from a RAM root in failsafe)\n");
		return 1;
	}
	/* procd chdir'd to the old root before its chroot: nothing may keep that */
	if (chdir("/") < 0)
		fprintf(stderr, "upgraded: chdir /: %s\n", strerror(errno));
	fprintf(stderr, "upgraded: PID 1 runs from RAM now%s\n", wdt >= 0 ? "; feeding procd's watchdog" : "");
	sigemptyset(&set);
	for (int sig = 1; sig < NSIG && sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL)
			sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		int sig = sigtimedwait(&set, NULL, &feed);

		if (wdt >= 0 && ioctl(wdt, WDIOC_KEEPALIVE, 0) < 0)
			wdt = -1;   /* not a watchdog after all: nothing more to feed */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (sig == SIGTERM || sig == SIGINT)
			go_down(RB_AUTOBOOT);
		else if (sig == SIGUSR1)
			go_down(RB_HALT_SYSTEM);
		else if (sig == SIGUSR2)
			go_down(RB_POWER_OFF);
	}
}

const struct applet applet_upgraded = {
	.name = "upgraded",
	.summary = "PID 1 from RAM during a flash from RAM (OpenWrt's procd execs it in failsafe)",
	.main = upgraded_main,
	.no_board = true,
};
