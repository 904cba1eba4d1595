/* app/loop/shell_exec.c — start a login shell in a forked child: signals reset, new session, tty, clean fds */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "shell_exec.h"

static void close_fds_from(int first_fd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)first_fd, ~0u, 0u) == 0)
		return;
#endif
	for (long fd = first_fd, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

_Noreturn void shell_exec(char *const *argv, const char *tty_path)
{
	sigset_t none;
	int fd;

	/* The loop blocks signals for its own handling; a shell must start clean. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	setsid();
	if (tty_path) {
		/* A session leader opening a tty without O_NOCTTY makes it its controlling terminal. */
		fd = open(tty_path, O_RDWR);
		if (fd < 0)
			_exit(127);
		ioctl(fd, TIOCSCTTY, 0);
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	} else {
		if (isatty(STDIN_FILENO))
			ioctl(STDIN_FILENO, TIOCSCTTY, 0);
		dup2(STDOUT_FILENO, STDERR_FILENO);
	}
	close_fds_from(STDERR_FILENO + 1);
	if (!getenv("TERM"))
		setenv("TERM", "vt100", 1);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "failsafed: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void shell_hangup(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(-pid, sig);
	kill(pid, sig);
}

void shell_reap(pid_t pid, uint64_t deadline_ms)
{
	struct timespec nap = { .tv_nsec = 5 * 1000000L };
	pid_t r;

	while ((r = waitpid(pid, NULL, WNOHANG)) == 0 && hal_now_ms() < deadline_ms)
		nanosleep(&nap, NULL);
	if (r != 0)
		return;
	shell_hangup(pid, SIGKILL);
	/* SIGKILL takes effect when the process leaves the kernel: one stuck there (a hung filesystem) is left. */
	for (uint64_t until_ms = hal_now_ms() + SHELL_REAP_KILLED_MS;
	     (r = waitpid(pid, NULL, WNOHANG)) == 0 && hal_now_ms() < until_ms;)
		nanosleep(&nap, NULL);
	if (r == 0)
		log_warn("process %d is still there %u ms after SIGKILL (stuck in the kernel?); not waiting for it", (int)pid,
			 SHELL_REAP_KILLED_MS);
}
