/* app/ctl/ctl_client.h — an applet's side of the control socket: connect, ask, read the reply */
#ifndef APP_CTL_CLIENT_H
#define APP_CTL_CLIENT_H

#include <stddef.h>

/* The daemon's socket: path when given, else $FAILSAFED_CTL_SOCKET (set by the daemon), else <state_dir>/failsafed.sock. */
void ctl_client_path(const char *path, const char *state_dir, char *out, size_t size);
/* Connect. The fd, or -errno with a one-line reason in err (no daemon, not root, ...). */
int ctl_client_open(const char *path, char *err, size_t err_size);
/* Send request and wait up to timeout_ms for the reply (NUL-terminated). Its length, or -errno with err set. */
int ctl_client_ask(int fd, const char *request, char *reply, size_t size, int timeout_ms, char *err,
		   size_t err_size);

#endif /* APP_CTL_CLIENT_H */
