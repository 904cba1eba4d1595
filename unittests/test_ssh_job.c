/* unittests/test_ssh_job.c — the SSH service's helper programs on a real loop: output, exit, deadline, spawn */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "ssh_job.h"

static struct ssh_job job;
static int done_status;
static bool done;

static void on_done(struct ssh_job *j, int status)
{
	assert_ptr_equal(j, &job);
	done_status = status;
	done = true;
	loop_stop();
}

static struct loop_timer guard;

static void on_guard(struct loop_timer *t)
{
	(void)t;
	loop_stop();
}

/* Run argv as a job and wait (at most 5 s) for its end; returns the time it took. */
static uint64_t run(const char *const *argv, uint32_t timeout_ms)
{
	uint64_t t0 = loop_now_ms();

	done = false;
	assert_int_equal(ssh_job_run(&job, argv, 0, timeout_ms, on_done), 0);
	assert_true(ssh_job_running(&job));
	loop_timer_at(&guard, t0 + 5000, on_guard);
	loop_run();
	loop_timer_cancel(&guard);
	assert_true(done);
	assert_false(ssh_job_running(&job));
	job.out[job.out_len < sizeof(job.out) ? job.out_len : sizeof(job.out) - 1] = '\0';
	return loop_now_ms() - t0;
}

static void output_and_status(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "echo hello; echo oops >&2; exit 3", NULL };
	char line[64], how[32];

	(void)state;
	run(argv, 5000);
	assert_true(WIFEXITED(done_status));
	assert_int_equal(WEXITSTATUS(done_status), 3);
	assert_string_equal(job.out, "hello\noops\n");
	assert_string_equal(ssh_job_last_line(&job, line, sizeof(line)), "oops");
	assert_false(job.timed_out);
	ssh_status_text(done_status, how, sizeof(how));
	assert_string_equal(how, "exit 3");
}

static void deadline_kills(void **state)
{
	const char *argv[] = { "/bin/sleep", "10", NULL };
	char how[32], line[16];
	uint64_t took_ms;

	(void)state;
	took_ms = run(argv, 100);
	assert_true(job.timed_out);
	assert_true(WIFSIGNALED(done_status));
	assert_int_equal(WTERMSIG(done_status), SIGKILL);
	assert_true(took_ms >= 100 && took_ms < 3000);
	ssh_status_text(done_status, how, sizeof(how));
	assert_string_equal(how, "signal 9");
	assert_string_equal(ssh_job_last_line(&job, line, sizeof(line)), "no output");
}

static void exec_failure(void **state)
{
	const char *argv[] = { "/nonexistent/dropbear", "-V", NULL };
	char line[128];

	(void)state;
	run(argv, 5000);
	assert_true(WIFEXITED(done_status));
	assert_int_equal(WEXITSTATUS(done_status), 127);
	assert_string_equal(ssh_job_last_line(&job, line, sizeof(line)),
			    "failsafed: /nonexistent/dropbear: No such file or directory");
}

static void kill_without_callback(void **state)
{
	const char *argv[] = { "/bin/sleep", "10", NULL };
	uint64_t t0 = loop_now_ms();
	pid_t pid;

	(void)state;
	done = false;
	assert_int_equal(ssh_job_run(&job, argv, 0, 5000, on_done), 0);
	pid = job.child.pid;
	ssh_job_kill(&job);
	assert_false(ssh_job_running(&job));
	assert_true(loop_now_ms() - t0 < 2000);
	loop_timer_at(&guard, loop_now_ms() + 100, on_guard);
	loop_run();
	assert_false(done);
	assert_int_equal(kill(pid, 0), -1); /* gone, and reaped by the loop (a zombie would still be there) */
	ssh_job_kill(&job); /* again: nothing runs */
}

/*
 * What the spawned program finds: stdio as given, fd 3 on /dev/null and no
 * other fd of ours, no signal ignored or blocked (the daemon ignores
 * SIGPIPE), a session of its own, the added variable, the nice value.
 */
static void clean_spawn(void **state)
{
	static const char script[] =
		"ls /proc/$$/fd;"
		"readlink /proc/$$/fd/3;"
		"grep -E '^Sig(Ign|Blk)' /proc/$$/status | tr -s '\\t' ' ';"
		"set -- $(cut -d' ' -f6,19 /proc/$$/stat); [ \"$1\" = $$ ] && echo own-session; echo nice $2;"
		"echo var $FSD_TEST_VAR";
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *env[] = { "FSD_TEST_VAR=yes", NULL };
	char out[1024] = "", want[256];
	int own_nice = nice(0), p[2], stray = open("/dev/null", O_RDONLY); /* not close-on-exec: must not leak */
	sigset_t block;
	pid_t pid;
	ssize_t n;
	size_t len = 0;
	int status;

	(void)state;
	assert_true(stray >= 0);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	assert_int_equal(pipe(p), 0);
	pid = ssh_spawn(argv, -1, p[1], p[1], SSH_SPAWN_NULL, env, 5);
	assert_true(pid > 0);
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGPIPE, SIG_DFL);
	close(stray);
	out[len] = '\0';
	snprintf(want, sizeof(want), "0\n1\n2\n3\n/dev/null\n"
		 "SigBlk: 0000000000000000\nSigIgn: 0000000000000000\n"
		 "own-session\nnice %d\nvar yes\n", own_nice + 5);
	assert_string_equal(out, want);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_null(getenv("FSD_TEST_VAR")); /* the daemon's own environment is untouched */
}

static int setup(void **state)
{
	(void)state;
	return loop_init() < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(output_and_status),
		cmocka_unit_test(deadline_kills),
		cmocka_unit_test(exec_failure),
		cmocka_unit_test(kill_without_callback),
		cmocka_unit_test(clean_spawn),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
