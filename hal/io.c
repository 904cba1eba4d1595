/* hal/io.c — whole writes: a short write is retried, and an error is the errno of the failing call */
#include <errno.h>
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

int io_run(char *const argv[], bool keep_stdout, char *why, size_t why_size)
{
	int status, pipefd[2];
	pid_t pid;
	char err = 0;

	/* A pipe closed by exec tells a start failure (not found) from a program that failed. */
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(why, why_size, "%s: pipe: %s", argv[0], strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "%s: fork: %s", argv[0], strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -EAGAIN;
	}
	if (pid == 0) {
		int null = keep_stdout ? -1 : open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		err = (char)errno;
		if (write(pipefd[1], &err, 1) < 0) {
			/* the parent sees the exit status either way */
		}
		_exit(127);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &err, 1) == 1) {
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		snprintf(why, why_size, "%s: %s (is it installed?)", argv[0], strerror(err));
		return -ENOENT;
	}
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0) {
		snprintf(why, why_size, "%s: wait: %s", argv[0], strerror(errno));
		return -errno;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(why, why_size, "%s failed (%s %d)", argv[0], WIFEXITED(status) ? "status" : "signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -EIO;
}
