/* hal/io.c — whole writes: a short write is retried, and an error is the errno of the failing call */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"

int io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int io_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = io_write_all(fd, text, strlen(text));
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

int io_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	/* Until EOF or a full buffer: proc files such as mountinfo come one page per read(). */
	while (n < size - 1) {
		ssize_t got = read(fd, buf + n, size - 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int rc = -errno;

			close(fd);
			return rc;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return (int)n;
}

/* Write the input to fd with SIGPIPE held (a child that exits early is an error, not a signal). 0 or -errno. */
static int feed(int fd, const void *input, size_t len)
{
	sigset_t pipe_sig, old;
	struct timespec now = { 0, 0 };
	int rc;

	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, &old);
	rc = io_write_all(fd, input, len);
	if (rc == -EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_sig, NULL, &now);   /* the SIGPIPE of that write, consumed */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Read the child's stdout into out (NUL-terminated, cut at size - 1; the rest drained). */
static void collect(int fd, char *out, size_t size)
{
	size_t n = 0;
	char sink[512];

	for (;;) {
		ssize_t got = n + 1 < size ? read(fd, out + n, size - 1 - n) : read(fd, sink, sizeof(sink));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (n + 1 < size)
			n += (size_t)got;
	}
	out[n] = '\0';
}

static int run(char *const argv[], const void *input, size_t input_len, bool keep_stdout, char *output,
	       size_t output_size, char *why, size_t why_size)
{
	int status, pipefd[2], in[2] = { -1, -1 }, outp[2] = { -1, -1 }, fed = 0;
	pid_t pid;
	char err = 0;

	/* A pipe closed by exec tells a start failure (not found) from a program that failed. */
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(why, why_size, "%s: pipe: %s", argv[0], strerror(errno));
		return -errno;
	}
	if ((input && pipe2(in, O_CLOEXEC) < 0) || (output && pipe2(outp, O_CLOEXEC) < 0)) {
		int rc = -errno;

		snprintf(why, why_size, "%s: pipe: %s", argv[0], strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		return rc;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "%s: fork: %s", argv[0], strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		if (input) {
			close(in[0]);
			close(in[1]);
		}
		if (output) {
			close(outp[0]);
			close(outp[1]);
		}
		return -EAGAIN;
	}
	if (pid == 0) {
		int null = keep_stdout || output ? -1 : open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		if (output)
			dup2(outp[1], STDOUT_FILENO);
		if (input)
			dup2(in[0], STDIN_FILENO);
		execvp(argv[0], argv);
		err = (char)errno;
		if (write(pipefd[1], &err, 1) < 0) {
			/* the parent sees the exit status either way */
		}
		_exit(127);
	}
	close(pipefd[1]);
	if (input)
		close(in[0]);
	if (output)
		close(outp[1]);
	if (read(pipefd[0], &err, 1) == 1) {
		close(pipefd[0]);
		if (input)
			close(in[1]);
		if (output)
			close(outp[0]);
		waitpid(pid, &status, 0);
		snprintf(why, why_size, "%s: %s (is it installed?)", argv[0], strerror(err));
		return -ENOENT;
	}
	close(pipefd[0]);
	if (input) {
		fed = feed(in[1], input, input_len);
		close(in[1]);
	}
	if (output) {
		collect(outp[0], output, output_size);
		close(outp[0]);
	}
	if (waitpid(pid, &status, 0) < 0) {
		snprintf(why, why_size, "%s: wait: %s", argv[0], strerror(errno));
		return -errno;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !fed)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		snprintf(why, why_size, "%s took only part of its input: %s", argv[0], strerror(-fed));
	else
		snprintf(why, why_size, "%s failed (%s %d)", argv[0], WIFEXITED(status) ? "status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -EIO;
}

int io_run(char *const argv[], bool keep_stdout, char *why, size_t why_size)
{
	return run(argv, NULL, 0, keep_stdout, NULL, 0, why, why_size);
}

int io_run_input(char *const argv[], const void *input, size_t input_len, bool keep_stdout, char *why,
		 size_t why_size)
{
	return run(argv, input, input_len, keep_stdout, NULL, 0, why, why_size);
}

int io_run_output(char *const argv[], char *output, size_t output_size, char *why, size_t why_size)
{
	return run(argv, NULL, 0, false, output, output_size, why, why_size);
}
