/* app/console.c — console service: non-blocking output, line input with echo on raw ports, login shell */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "log.h"
#include "shell_exec.h"

#define SHELL_QUICK_EXIT_MS 1000u
#define SHELL_BACKOFF_MAX_MS 5000u

static void flush(struct console *c);

static void stop_io(struct console *c)
{
	loop_fd_del(&c->rx);
	loop_fd_del(&c->tx);
	c->reading = false;
}

static void lost(struct console *c, const char *what, int err)
{
	log_warn("console %s: %s: %s; it no longer takes input", c->name, what, err ? strerror(err) : "closed");
	stop_io(c);
}

static void on_rx(struct loop_fd *f, unsigned events)
{
	struct console *c = container_of(f, struct console, rx);
	uint8_t buf[512];
	ssize_t n;

	(void)events;
	n = read(c->port.fd_in, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		lost(c, "read", n < 0 ? errno : 0);
		return;
	}
	if (c->port.raw) {
		/* Echo what a person types; line ends as CR LF, noise as nothing. */
		char echo[sizeof(buf) + 1];
		size_t e = 0;

		for (ssize_t i = 0; i < n; i++) {
			bool after_cr = c->echo_after_cr;

			c->echo_after_cr = buf[i] == '\r';
			if (buf[i] == '\r' || (buf[i] == '\n' && !after_cr))
				echo[e++] = '\n'; /* console_print makes it CR LF */
			else if (buf[i] >= ' ' && buf[i] < 0x7f)
				echo[e++] = (char)buf[i];
		}
		echo[e] = '\0';
		if (e)
			console_print(c, echo);
	}
	for (size_t off = 0; off < (size_t)n && c->reading;) {
		const char *line;
		size_t len;

		off += console_line_feed(&c->line, buf + off, (size_t)n - off, &line, &len);
		if (line)
			c->on_line(c, line, len);
	}
}

static void on_tx(struct loop_fd *f, unsigned events)
{
	(void)events;
	flush(container_of(f, struct console, tx));
}

static void flush(struct console *c)
{
	while (c->out_len) {
		ssize_t n = write(c->port.fd_out, c->out, c->out_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			/* Nobody is listening (a closed pty): keep running, drop the output. */
			c->dropped_bytes += c->out_len;
			c->out_len = 0;
			break;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (c->out_len && !c->tx.events)
		loop_fd_set(&c->tx, c->port.fd_out, LOOP_WRITE, on_tx);
	else if (!c->out_len && c->tx.events)
		loop_fd_del(&c->tx);
}

void console_flush(struct console *c)
{
	if (c->open)
		flush(c);
}

void console_print(struct console *c, const char *text)
{
	if (!c->open)
		return;
	for (; *text; text++) {
		size_t need = (*text == '\n' && c->port.raw) ? 2 : 1;

		if (c->out_len + need > sizeof(c->out)) {
			c->dropped_bytes++;
			continue;
		}
		if (need == 2)
			c->out[c->out_len++] = '\r';
		c->out[c->out_len++] = *text;
	}
	flush(c);
}

int console_open(struct console *c, const struct uart_ops *ops, void *drv,
		 const struct board_console *bc, const char *path, console_line_cb on_line)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->drv = drv;
	c->on_line = on_line;
	snprintf(c->name, sizeof(c->name), "%s",
		 path ? path : (bc->tty && strcmp(bc->tty, "-") ? bc->tty : "stdin/stdout"));
	console_line_init(&c->line);
	rc = ops->open(drv, bc, path, &c->port);
	if (rc < 0) {
		log_warn("console %s: open: %s; no prompt and no console trigger there", c->name, strerror(-rc));
		return rc;
	}
	c->open = true;
	c->reading = true;
	loop_fd_set(&c->rx, c->port.fd_in, LOOP_READ, on_rx);
	return 0;
}

static void shell_start(struct console *c);

static void on_restart(struct loop_timer *t)
{
	shell_start(container_of(t, struct console, restart));
}

static void on_shell_exit(struct loop_child *ch, int status)
{
	struct console *c = container_of(ch, struct console, child);
	uint64_t ran_ms = loop_now_ms() - c->shell_started_ms;
	uint32_t delay_ms;

	log_info("console %s: shell exited (%s %d), restarting", c->name,
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	/* A shell that dies at once (no tty, bad --shell) must not spin the loop. */
	c->quick_exits = ran_ms < SHELL_QUICK_EXIT_MS ? c->quick_exits + 1 : 0;
	delay_ms = c->quick_exits ? 100u << (c->quick_exits < 6 ? c->quick_exits : 6) : 0;
	if (delay_ms > SHELL_BACKOFF_MAX_MS)
		delay_ms = SHELL_BACKOFF_MAX_MS;
	loop_timer_at(&c->restart, loop_now_ms() + delay_ms, on_restart);
}

static void shell_start(struct console *c)
{
	pid_t pid;

	flush(c);
	pid = fork();
	if (pid < 0) {
		log_err("console %s: fork: %s", c->name, strerror(errno));
		loop_timer_at(&c->restart, loop_now_ms() + SHELL_BACKOFF_MAX_MS, on_restart);
		return;
	}
	if (pid == 0)
		shell_exec(c->shell_argv, c->port.path[0] ? c->port.path : NULL);
	c->shell_started_ms = loop_now_ms();
	loop_child_watch(&c->child, pid, on_shell_exit);
	log_info("console %s: shell %s started (pid %d)", c->name, c->shell_argv[0], (int)pid);
}

void console_shell(struct console *c, char *const *argv)
{
	if (!c->open)
		return;
	flush(c);
	loop_fd_del(&c->rx);
	c->reading = false;
	c->shell_argv = argv;
	c->ops->release(c->drv, &c->port);
	shell_start(c);
}

void console_close(struct console *c)
{
	if (!c->open)
		return;
	loop_timer_cancel(&c->restart);
	if (c->child.active) {
		kill(-c->child.pid, SIGHUP);
		kill(c->child.pid, SIGHUP);
		loop_child_cancel(&c->child);
	}
	flush(c);
	if (c->dropped_bytes)
		log_info("console %s: %zu bytes of output dropped (port too slow or closed)", c->name,
			 c->dropped_bytes);
	stop_io(c);
	c->ops->close(c->drv, &c->port);
	c->open = false;
}
