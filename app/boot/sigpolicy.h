/* app/boot/sigpolicy.h — what the daemon does with each signal: every catchable one is handled or ignored on purpose (pure) */
#ifndef APP_SIGPOLICY_H
#define APP_SIGPOLICY_H

enum sig_action {
	SIG_ACT_DEFAULT = 0,    /* left to the kernel: uncatchable (KILL, STOP) or a program fault (SEGV, BUS, ...) */
	SIG_ACT_STOP,           /* TERM, INT, QUIT: stop (the window's network setup is undone first) */
	SIG_ACT_TRIGGER,        /* USR1: enter failsafe */
	SIG_ACT_IGNORE,         /* HUP, USR2, ALRM, TSTP, real-time ...: logged, the daemon keeps running */
	SIG_ACT_QUIET,          /* WINCH, URG, CONT: harmless and frequent, logged at debug level */
	SIG_ACT_SIG_IGN,        /* PIPE: ignored in the kernel; the failing write reports it (logging could loop) */
	SIG_ACT_CHILD,          /* CHLD: the event loop reaps children */
	SIG_ACT_COUNT
};

/* The action for signum (1..SIGRTMAX); SIG_ACT_DEFAULT for anything unknown. */
enum sig_action sigpolicy_action(int signum);
/* "SIGHUP", "SIGRTMIN+3"; "signal 99" for anything else (a static buffer for the last two). */
const char *sigpolicy_name(int signum);

#endif /* APP_SIGPOLICY_H */
