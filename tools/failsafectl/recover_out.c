/* tools/failsafectl/recover_out.c — failsafectl recover's terminal: event lines that stay, one status line redrawn under them */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "recover.h"

#define SGR_BOLD	"\033[1m"
#define SGR_RESET	"\033[0m"

static void size_cols(struct recover_out *o)
{
	struct winsize ws;

	o->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		o->cols = ws.ws_col;
}

void rout_init(struct recover_out *o, bool plain)
{
	o->term = isatty(STDOUT_FILENO);
	o->tty = !plain && o->term;
	o->status_shown = false;
	size_cols(o);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void rout_clear(struct recover_out *o)
{
	if (o->tty && o->status_shown)
		fputs("\r\033[K", stdout);
	o->status_shown = false;
	fflush(stdout);
}

void rout_event(struct recover_out *o, bool bell, const char *fmt, ...)
{
	va_list ap;

	rout_clear(o);
	if (bell && o->term)
		fputc('\a', stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void rout_status(struct recover_out *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (!o->tty)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	size_cols(o);
	n = (int)strlen(line);
	if (n > o->cols - 1)
		n = o->cols - 1;
	/* one line, never wrapped: \r goes back to its start */
	printf("\r" SGR_BOLD "%.*s" SGR_RESET "\033[K", n, line);
	o->status_shown = true;
	fflush(stdout);
}

void rout_error(struct recover_out *o, const char *fmt, ...)
{
	va_list ap;

	rout_clear(o);
	fprintf(stderr, "%s: ", RECOVER_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}
