/* app/boot/sigpolicy.c — the daemon's signal table: a stop, the trigger, or ignored and logged; faults left to the kernel */
#include <signal.h>
#include <stdio.h>

#include "sigpolicy.h"

static const struct {
	int signum;
	const char *name;
	enum sig_action action;
} table[] = {
	{ SIGHUP, "SIGHUP", SIG_ACT_IGNORE },   /* no config to reload; a hangup of our terminal is not a stop */
	{ SIGINT, "SIGINT", SIG_ACT_STOP },
	{ SIGQUIT, "SIGQUIT", SIG_ACT_STOP },
	{ SIGILL, "SIGILL", SIG_ACT_DEFAULT },
	{ SIGTRAP, "SIGTRAP", SIG_ACT_DEFAULT },
	{ SIGABRT, "SIGABRT", SIG_ACT_DEFAULT },
#ifdef SIGEMT
	{ SIGEMT, "SIGEMT", SIG_ACT_DEFAULT },    /* MIPS: 7, an emulator trap (a fault) */
#endif
	{ SIGBUS, "SIGBUS", SIG_ACT_DEFAULT },
	{ SIGFPE, "SIGFPE", SIG_ACT_DEFAULT },
	{ SIGKILL, "SIGKILL", SIG_ACT_DEFAULT },
	{ SIGUSR1, "SIGUSR1", SIG_ACT_TRIGGER },
	{ SIGSEGV, "SIGSEGV", SIG_ACT_DEFAULT },
	{ SIGUSR2, "SIGUSR2", SIG_ACT_IGNORE },
	{ SIGPIPE, "SIGPIPE", SIG_ACT_SIG_IGN },
	{ SIGALRM, "SIGALRM", SIG_ACT_IGNORE },
	{ SIGTERM, "SIGTERM", SIG_ACT_STOP },
#ifdef SIGSTKFLT
	{ SIGSTKFLT, "SIGSTKFLT", SIG_ACT_IGNORE },
#endif
	{ SIGCHLD, "SIGCHLD", SIG_ACT_CHILD },
	{ SIGCONT, "SIGCONT", SIG_ACT_QUIET },
	{ SIGSTOP, "SIGSTOP", SIG_ACT_DEFAULT },
	{ SIGTSTP, "SIGTSTP", SIG_ACT_IGNORE },   /* a stopped daemon would hold the boot */
	{ SIGTTIN, "SIGTTIN", SIG_ACT_IGNORE },
	{ SIGTTOU, "SIGTTOU", SIG_ACT_IGNORE },
	{ SIGURG, "SIGURG", SIG_ACT_QUIET },
	{ SIGXCPU, "SIGXCPU", SIG_ACT_IGNORE },
	{ SIGXFSZ, "SIGXFSZ", SIG_ACT_IGNORE },   /* the write then fails with EFBIG, where it is handled */
	{ SIGVTALRM, "SIGVTALRM", SIG_ACT_IGNORE },
	{ SIGPROF, "SIGPROF", SIG_ACT_IGNORE },
	{ SIGWINCH, "SIGWINCH", SIG_ACT_QUIET },
	{ SIGIO, "SIGIO", SIG_ACT_IGNORE },
#ifdef SIGPWR
	{ SIGPWR, "SIGPWR", SIG_ACT_IGNORE },
#endif
	{ SIGSYS, "SIGSYS", SIG_ACT_DEFAULT },
};

enum sig_action sigpolicy_action(int signum)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].signum == signum)
			return table[i].action;
	/* Real-time signals are nobody's here; their default would kill the daemon. */
	if (signum >= SIGRTMIN && signum <= SIGRTMAX)
		return SIG_ACT_IGNORE;
	return SIG_ACT_DEFAULT;
}

const char *sigpolicy_name(int signum)
{
	static char buf[24];

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].signum == signum)
			return table[i].name;
	if (signum >= SIGRTMIN && signum <= SIGRTMAX)
		snprintf(buf, sizeof(buf), "SIGRTMIN+%d", signum - SIGRTMIN);
	else
		snprintf(buf, sizeof(buf), "signal %d", signum);
	return buf;
}
