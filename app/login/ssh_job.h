/* app/login/ssh_job.h — the SSH service's helper programs (dropbear, dropbearkey) as loop children */
#ifndef APP_SSH_JOB_H
#define APP_SSH_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"

#define SSH_JOB_OUT_BYTES 4096         /* a job's stdout and stderr kept; more is dropped */
#define SSH_SPAWN_NULL (-2)            /* ssh_spawn's fd3: /dev/null */

/*
 * fork + exec argv[0] (a path) with stdin, stdout, stderr from the given
 * fds (-1: /dev/null) and fd 3 from fd3 (-1: none, SSH_SPAWN_NULL:
 * /dev/null), default signal
 * dispositions and an empty mask, its own session and process group, every
 * other fd closed, env_add ("NAME=value", NULL-terminated, or NULL) added
 * to the daemon's environment, nice_inc added to its nice value. Returns
 * the pid or the -errno of fork; an exec failure says why on the child's
 * stderr and exits 127.
 */
pid_t ssh_spawn(const char *const *argv, int in_fd, int out_fd, int err_fd, int fd3, const char *const *env_add,
		int nice_inc);

struct ssh_job;
/* The job ended: wait status (a timed-out job was killed: WIFSIGNALED), its output in j->out. */
typedef void (*ssh_job_cb)(struct ssh_job *j, int status);

/* Embedded in its owner (container_of in the callback); read out, out_len, started_ms; the rest is private. */
struct ssh_job {
	struct loop_child child;
	struct loop_timer deadline;
	int out_fd;                      /* the read end of its stdout and stderr; -1 */
	char out[SSH_JOB_OUT_BYTES];
	size_t out_len;
	uint64_t started_ms;
	bool timed_out;
	ssh_job_cb done;
};

/*
 * Run argv (no input; stdout and stderr collected) and call done from the
 * loop when it has exited; after timeout_ms it is killed (SIGKILL) first.
 * The output must fit a pipe (64 KiB on Linux): the jobs here print a few
 * lines. 0 or -errno (pipe, fork); nothing runs then.
 */
int ssh_job_run(struct ssh_job *j, const char *const *argv, int nice_inc, uint32_t timeout_ms, ssh_job_cb done);
bool ssh_job_running(const struct ssh_job *j);
/* Kill a running job and its group (no callback); never waits: the loop reaps it. Safe when none runs. */
void ssh_job_kill(struct ssh_job *j);

/* The last non-empty line of the output, unprintable bytes as '?', for a log line ("no output" if none). */
const char *ssh_job_last_line(const struct ssh_job *j, char *buf, size_t size);
/* "exit 1", "signal 9", for logs. */
void ssh_status_text(int status, char *buf, size_t size);

#endif /* APP_SSH_JOB_H */
