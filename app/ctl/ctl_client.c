/* app/ctl/ctl_client.c — connect to the daemon's control socket and exchange one message at a time */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctl_proto.h"

void ctl_client_path(const char *path, const char *state_dir, char *out, size_t size)
{
	const char *env = getenv("FAILSAFED_CTL_SOCKET");

	if (!state_dir)
		state_dir = getenv("FAILSAFED_STATE_DIR");
	if (path || (env && env[0]))
		snprintf(out, size, "%s", path ? path : env);
	else
		snprintf(out, size, "%s/%s", state_dir && state_dir[0] ? state_dir : "/tmp", CTL_SOCKET_NAME);
}

int ctl_client_open(const char *path, char *err, size_t err_size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, rc;

	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >= (int)sizeof(addr.sun_path)) {
		snprintf(err, err_size, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_size, "socket: %s", strerror(-rc));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		rc = -errno;
		close(fd);
		if (rc == -ENOENT || rc == -ECONNREFUSED)
			snprintf(err, err_size, "no failsafed answers on %s (is it running? --state-dir/--ctl-socket?)", path);
		else if (rc == -EACCES)
			snprintf(err, err_size, "%s: permission denied (the control socket is root only)", path);
		else
			snprintf(err, err_size, "%s: %s", path, strerror(-rc));
		return rc;
	}
	return fd;
}

int ctl_client_ask(int fd, const char *request, char *reply, size_t size, int timeout_ms, char *err,
		   size_t err_size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc;

	if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
		rc = -errno;
		snprintf(err, err_size, "sending \"%s\": %s", request, strerror(-rc));
		return rc;
	}
	rc = poll(&pfd, 1, timeout_ms);
	if (rc <= 0) {
		rc = rc < 0 ? -errno : -ETIMEDOUT;
		snprintf(err, err_size, "no reply to \"%s\" in %d ms%s%s", request, timeout_ms,
			 rc == -ETIMEDOUT ? "" : ": ", rc == -ETIMEDOUT ? "" : strerror(-rc));
		return rc;
	}
	n = recv(fd, reply, size - 1, 0);
	if (n <= 0) {
		rc = n < 0 ? -errno : -ECONNRESET;
		snprintf(err, err_size, "reading the reply: %s", n < 0 ? strerror(-rc) : "the daemon closed the connection");
		return rc;
	}
	reply[n] = '\0';
	if (!strncmp(reply, "error: ", 7)) {
		snprintf(err, err_size, "%.*s", (int)strcspn(reply + 7, "\n"), reply + 7);
		return -EPERM;
	}
	return (int)n;
}
