/* app/login/console.c — console service: bounded non-blocking output, line input with echo, login shell */
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
#define CONSOLE_HANGUP_GRACE_MS 200u     /* a hung-up shell has this long to go before SIGKILL */

static void flush(struct console *c);

static void stop_io(struct console *c)
{
	loop_fd_del(&c->rx);
	loop_fd_del(&c->tx);
	c->reading = false;
}

static void on_rx(struct loop_fd *f, unsigned events)
{
	struct console *c = container_of(f, struct console, rx);
	uint8_t buf[512];
	ssize_t n;

	(void)events;
	n = read(c->uart.port.fd_in, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		int err = n < 0 ? errno : 0;

		log_warn("console %s: read: %s; it no longer takes input", c->uart.port.name,
			 err ? strerror(err) : "closed");
		stop_io(c);
		return;
	}
	if (c->uart.port.echo) {
		/* Echo what a person types; a line end as one newline, noise as nothing. */
		char echo[sizeof(buf) + 1];
		size_t e = 0;

		for (ssize_t i = 0; i < n; i++) {
			bool after_cr = c->echo_after_cr;

			c->echo_after_cr = buf[i] == '\r';
			if (buf[i] == '\r' || (buf[i] == '\n' && !after_cr))
				echo[e++] = '\n'; /* the line discipline makes it CR LF */
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
	/* Nobody is listening (a closed pty): outbuf drops the output and counts it; keep running. */
	int rc = outbuf_flush(&c->out, c->uart.port.fd_out);

	if (rc == -EAGAIN && !c->tx.events)
		loop_fd_set(&c->tx, c->uart.port.fd_out, LOOP_WRITE, on_tx);
	else if (rc != -EAGAIN && c->tx.events)
		loop_fd_del(&c->tx);
}

void console_flush(struct console *c)
{
	if (c->uart.open)
		flush(c);
}

void console_print(struct console *c, const char *text)
{
	if (!c->uart.open)
		return;
	outbuf_put(&c->out, text, strlen(text));
	flush(c);
}

int console_open(struct console *c, const struct hal_drivers *d, unsigned idx, const char *path,
		 console_line_cb on_line)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->on_line = on_line;
	outbuf_init(&c->out, c->out_storage, sizeof(c->out_storage));
	console_line_init(&c->line);
	rc = hal_uart_open(&c->uart, d, idx, path);
	if (rc < 0)
		return rc;
	c->reading = true;
	loop_fd_set(&c->rx, c->uart.port.fd_in, LOOP_READ, on_rx);
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

	log_info("console %s: shell exited (%s %d), restarting", c->uart.port.name,
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
		log_err("console %s: fork: %s", c->uart.port.name, strerror(errno));
		loop_timer_at(&c->restart, loop_now_ms() + SHELL_BACKOFF_MAX_MS, on_restart);
		return;
	}
	if (pid == 0)
		shell_exec(c->shell_argv, c->uart.port.path[0] ? c->uart.port.path : NULL);
	c->shell_started_ms = loop_now_ms();
	loop_child_watch(&c->child, pid, on_shell_exit);
	log_info("console %s: shell %s started (pid %d)", c->uart.port.name, c->shell_argv[0], (int)pid);
}

void console_shell(struct console *c, char *const *argv)
{
	if (!c->uart.open)
		return;
	flush(c);
	loop_fd_del(&c->rx);
	c->reading = false;
	c->shell_argv = argv;
	hal_uart_release(&c->uart);
	shell_start(c);
}

void console_close(struct console *c)
{
	if (!c->uart.open)
		return;
	loop_timer_cancel(&c->restart);
	if (c->child.active) {
		shell_hangup(c->child.pid, SIGHUP);
		loop_child_cancel(&c->child);
		/* Reaped here: an exec'd next stage must not inherit a zombie. */
		shell_reap(c->child.pid, loop_now_ms() + CONSOLE_HANGUP_GRACE_MS);
	}
	flush(c);
	if (c->out.dropped_bytes)
		log_info("console %s: %llu bytes of output dropped (port too slow or closed)", c->uart.port.name,
			 (unsigned long long)c->out.dropped_bytes);
	stop_io(c);
	hal_uart_close(&c->uart);
}
