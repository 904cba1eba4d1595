/* app/login/ssh_job.c — the SSH service's helper programs as loop children: a clean spawn, output kept, a deadline */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ssh_job.h"

pid_t ssh_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd, int fd3, const char *const *env_add,
		int nice_inc)
{
	int src[4] = { in_fd, out_fd, err_fd, fd3 }, n = fd3 == -1 ? 3 : 4, nul;
	sigset_t none;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	/* The loop blocks signals for its own handling and the daemon ignores SIGPIPE: start clean. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	setsid();
	nul = open("/dev/null", O_RDWR);
	/* Out of the way first: a source may itself be 0..3. */
	for (int i = 0; i < n; i++)
		src[i] = fcntl(src[i] >= 0 ? src[i] : nul, F_DUPFD, 10);
	for (int i = 0; i < n; i++)
		if (src[i] < 0 || dup2(src[i], i) < 0)
			_exit(127);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)n, ~0u, 0u) < 0)
#endif
		for (long fd = n, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	for (const char *const *e = env_add; e && *e; e++)
		putenv((char *)*e);
	if (nice_inc && nice(nice_inc) == -1) {
		/* only a politeness */
	}
	execv(argv[0], (char *const *)argv);
	dprintf(STDERR_FILENO, "failsafed: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void drain(struct ssh_job *j)
{
	ssize_t n;

	/* The job has exited: what it wrote waits in the pipe. */
	while (j->out_len < sizeof(j->out) && (n = read(j->out_fd, j->out + j->out_len, sizeof(j->out) - j->out_len)) > 0)
		j->out_len += (size_t)n;
	close(j->out_fd);
	j->out_fd = -1;
}

static void on_child(struct loop_child *c, int status)
{
	struct ssh_job *j = container_of(c, struct ssh_job, child);

	loop_timer_cancel(&j->deadline);
	drain(j);
	j->done(j, status);
}

static void on_deadline(struct loop_timer *t)
{
	struct ssh_job *j = container_of(t, struct ssh_job, deadline);

	j->timed_out = true;
	if (j->child.active)
		kill(j->child.pid, SIGKILL); /* reaped through the loop: on_child reports it */
}

int ssh_job_run(struct ssh_job *j, const char *const *argv, int nice_inc, uint32_t timeout_ms, ssh_job_cb done)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	pid = ssh_spawn(argv, -1, p[1], p[1], -1, NULL, nice_inc);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return (int)pid;
	}
	j->out_fd = p[0];
	j->out_len = 0;
	j->timed_out = false;
	j->done = done;
	j->started_ms = loop_now_ms();
	loop_child_watch(&j->child, pid, on_child);
	loop_timer_at(&j->deadline, j->started_ms + timeout_ms, on_deadline);
	return 0;
}

bool ssh_job_running(const struct ssh_job *j)
{
	return j->child.active;
}

void ssh_job_kill(struct ssh_job *j)
{
	pid_t pid = j->child.pid;

	if (!j->child.active)
		return;
	loop_timer_cancel(&j->deadline);
	loop_child_cancel(&j->child);
	/* Its group too (ssh_spawn made it a session leader). Not waited for: a job stuck in the kernel (a hung
	 * filesystem) ignores even SIGKILL until it returns, and the loop must not wait with it; the loop reaps
	 * it whenever it ends (loop_child_cancel). */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	close(j->out_fd);
	j->out_fd = -1;
}

const char *ssh_job_last_line(const struct ssh_job *j, char *buf, size_t size)
{
	size_t end = j->out_len, start, n = 0;

	while (end && (j->out[end - 1] == '\n' || j->out[end - 1] == '\r'))
		end--;
	for (start = end; start && j->out[start - 1] != '\n'; start--)
		;
	for (size_t i = start; i < end && n + 1 < size; i++)
		buf[n++] = j->out[i] >= 0x20 && j->out[i] < 0x7f ? j->out[i] : '?';
	buf[n] = '\0';
	return n ? buf : "no output";
}

void ssh_status_text(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "status %d", status);
}
