/* unittests/test_sigpolicy.c — every signal 1..SIGRTMAX has a deliberate action; none that kills is left to the kernel */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sigpolicy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Linux numbers the classic signals 1..31 on every architecture; SIGSYS is the last one except on MIPS (12). */
#define LAST_CLASSIC 31
/* Beyond SIGRTMAX everywhere (64; MIPS: 127). */
#define NOT_A_SIGNAL 199

/* The classic signals one by one: number, name, action. */
static const struct {
	int signum;
	const char *name;
	enum sig_action action;
} classic[] = {
	{ SIGHUP, "SIGHUP", SIG_ACT_IGNORE },
	{ SIGINT, "SIGINT", SIG_ACT_STOP },
	{ SIGQUIT, "SIGQUIT", SIG_ACT_STOP },
	{ SIGILL, "SIGILL", SIG_ACT_DEFAULT },
	{ SIGTRAP, "SIGTRAP", SIG_ACT_DEFAULT },
	{ SIGABRT, "SIGABRT", SIG_ACT_DEFAULT },
#ifdef SIGEMT
	{ SIGEMT, "SIGEMT", SIG_ACT_DEFAULT },
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
	{ SIGTSTP, "SIGTSTP", SIG_ACT_IGNORE },
	{ SIGTTIN, "SIGTTIN", SIG_ACT_IGNORE },
	{ SIGTTOU, "SIGTTOU", SIG_ACT_IGNORE },
	{ SIGURG, "SIGURG", SIG_ACT_QUIET },
	{ SIGXCPU, "SIGXCPU", SIG_ACT_IGNORE },
	{ SIGXFSZ, "SIGXFSZ", SIG_ACT_IGNORE },
	{ SIGVTALRM, "SIGVTALRM", SIG_ACT_IGNORE },
	{ SIGPROF, "SIGPROF", SIG_ACT_IGNORE },
	{ SIGWINCH, "SIGWINCH", SIG_ACT_QUIET },
	{ SIGIO, "SIGIO", SIG_ACT_IGNORE },
#ifdef SIGPWR
	{ SIGPWR, "SIGPWR", SIG_ACT_IGNORE },
#endif
	{ SIGSYS, "SIGSYS", SIG_ACT_DEFAULT },
};

/* Signals whose kernel default terminates or stops the process, besides the real-time ones. */
static const int kill_or_stop_by_default[] = {
	SIGHUP, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGXCPU, SIGXFSZ, SIGTSTP, SIGTTIN, SIGTTOU,
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
#ifdef SIGPWR
	SIGPWR,
#endif
};

/* The only signals left to the kernel: program faults (a core is the right outcome) and the uncatchable. */
static const int left_to_kernel[] = {
	SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS, SIGKILL, SIGSTOP,
#ifdef SIGEMT
	SIGEMT,
#endif
};

static bool in(const int *set, size_t n, int signum)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == signum)
			return true;
	return false;
}

/* Signals libc keeps for itself (glibc: 32, 33; musl: 32..34); nobody can install a handler. */
static bool libc_reserved(int signum)
{
	return signum > LAST_CLASSIC && signum < SIGRTMIN;
}

static void classic_table(void **s)
{
	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(classic); i++) {
		assert_int_equal(sigpolicy_action(classic[i].signum), classic[i].action);
		assert_string_equal(sigpolicy_name(classic[i].signum), classic[i].name);
	}
	/* Every classic number 1..31 is in the table above (no gaps on this architecture). */
	for (int sig = 1; sig <= LAST_CLASSIC; sig++) {
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(classic); i++)
			found |= classic[i].signum == sig;
		assert_true(found);
		assert_int_equal(strncmp(sigpolicy_name(sig), "SIG", 3), 0);
	}
}

/* An action's signals, exactly: {action, set}. */
static void exact_sets(void **s)
{
	static const struct {
		enum sig_action action;
		int set[4];
		size_t n;
	} rows[] = {
		{ SIG_ACT_STOP, { SIGTERM, SIGINT, SIGQUIT }, 3 },
		{ SIG_ACT_TRIGGER, { SIGUSR1 }, 1 },
		{ SIG_ACT_SIG_IGN, { SIGPIPE }, 1 },
		{ SIG_ACT_CHILD, { SIGCHLD }, 1 },
		{ SIG_ACT_QUIET, { SIGWINCH, SIGURG, SIGCONT }, 3 },
	};

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		size_t count = 0;

		for (int sig = 1; sig <= SIGRTMAX; sig++) {
			bool want = in(rows[i].set, rows[i].n, sig);

			if (want != (sigpolicy_action(sig) == rows[i].action))
				print_message("action %d: signal %d (%s) is %d\n", rows[i].action, sig, sigpolicy_name(sig),
					      sigpolicy_action(sig));
			assert_int_equal(want, sigpolicy_action(sig) == rows[i].action);
			count += want;
		}
		assert_int_equal(count, rows[i].n);
	}
}

static void nothing_that_kills_is_default(void **s)
{
	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(kill_or_stop_by_default); i++)
		assert_int_not_equal(sigpolicy_action(kill_or_stop_by_default[i]), SIG_ACT_DEFAULT);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		assert_int_equal(sigpolicy_action(sig), SIG_ACT_IGNORE);
	/* DEFAULT is a short, deliberate list. */
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		enum sig_action a = sigpolicy_action(sig);

		assert_true((unsigned)a < SIG_ACT_COUNT);
		if (a == SIG_ACT_DEFAULT && !in(left_to_kernel, ARRAY_SIZE(left_to_kernel), sig) &&
		    !libc_reserved(sig))
			fail_msg("signal %d (%s) is left to the kernel", sig, sigpolicy_name(sig));
	}
	for (size_t i = 0; i < ARRAY_SIZE(left_to_kernel); i++)
		assert_int_equal(sigpolicy_action(left_to_kernel[i]), SIG_ACT_DEFAULT);
}

/* What the policy asks for can be installed: every non-DEFAULT signal is catchable here. */
static void policy_is_installable(void **s)
{
	(void)s;
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		struct sigaction old, ign = { .sa_handler = SIG_IGN };

		if (sigpolicy_action(sig) == SIG_ACT_DEFAULT)
			continue;
		assert_int_equal(sigaction(sig, &ign, &old), 0);
		assert_int_equal(sigaction(sig, &old, NULL), 0);
	}
	assert_int_equal(sigaction(SIGKILL, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

static void names(void **s)
{
	char want[32];

	(void)s;
	assert_string_equal(sigpolicy_name(SIGRTMIN), "SIGRTMIN+0");
	assert_string_equal(sigpolicy_name(SIGRTMIN + 3), "SIGRTMIN+3");
	snprintf(want, sizeof(want), "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN);
	assert_string_equal(sigpolicy_name(SIGRTMAX), want);
	snprintf(want, sizeof(want), "signal %d", SIGRTMAX + 1);
	assert_string_equal(sigpolicy_name(SIGRTMAX + 1), want);
	snprintf(want, sizeof(want), "signal %d", NOT_A_SIGNAL);
	assert_string_equal(sigpolicy_name(NOT_A_SIGNAL), want);
	assert_string_equal(sigpolicy_name(0), "signal 0");
	assert_string_equal(sigpolicy_name(-1), "signal -1");
	assert_string_equal(sigpolicy_name(-2147483647 - 1), "signal -2147483648");
	if (SIGRTMIN > LAST_CLASSIC + 1) {
		snprintf(want, sizeof(want), "signal %d", LAST_CLASSIC + 1);
		assert_string_equal(sigpolicy_name(LAST_CLASSIC + 1), want);
	}
	/* Out of range is left alone, never a crash. */
	assert_int_equal(sigpolicy_action(0), SIG_ACT_DEFAULT);
	assert_int_equal(sigpolicy_action(-1), SIG_ACT_DEFAULT);
	assert_int_equal(sigpolicy_action(SIGRTMAX + 1), SIG_ACT_DEFAULT);
	assert_int_equal(sigpolicy_action(NOT_A_SIGNAL), SIG_ACT_DEFAULT);
	/* Table names are constant; the generated ones share a buffer (copy before the next call). */
	const char *hup = sigpolicy_name(SIGHUP);

	sigpolicy_name(SIGRTMIN + 1);
	assert_string_equal(hup, "SIGHUP");
}

/* Names agree with the C library's, where it has them. */
static void names_match_libc(void **s)
{
	(void)s;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	for (int sig = 1; sig <= LAST_CLASSIC; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		char want[32];

		if (!abbrev)
			continue;
		/* glibc calls 29 by its System V name; SIGIO is the usual one (the same number here). */
		snprintf(want, sizeof(want), "SIG%s", sig == SIGIO && !strcmp(abbrev, "POLL") ? "IO" : abbrev);
		assert_string_equal(sigpolicy_name(sig), want);
	}
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classic_table),
		cmocka_unit_test(exact_sets),
		cmocka_unit_test(nothing_that_kills_is_default),
		cmocka_unit_test(policy_is_installable),
		cmocka_unit_test(names),
		cmocka_unit_test(names_match_libc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
