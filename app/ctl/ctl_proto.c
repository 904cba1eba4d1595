/* app/ctl/ctl_proto.c — control requests and the status reply: parse and format text (pure) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int ctl_parse_request(const char *msg, size_t len, struct ctl_req *req, char *err, size_t err_size)
{
	char line[64], *verb, *arg, *extra, *save = NULL;
	int phase;

	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	if (len >= sizeof(line) || memchr(msg, '\0', len)) {
		snprintf(err, err_size, "request too long or not text");
		return -EINVAL;
	}
	memcpy(line, msg, len);
	line[len] = '\0';
	verb = strtok_r(line, " \t", &save);
	arg = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	memset(req, 0, sizeof(*req));
	if (verb && !strcmp(verb, "status")) {
		if (arg) {
			snprintf(err, err_size, "status: takes no argument");
			return -EINVAL;
		}
		req->kind = CTL_REQ_STATUS;
		return 0;
	}
	if (verb && !strcmp(verb, "flash")) {
		char *end = NULL;
		long code = extra ? strtol(extra, &end, 10) : 0;

		req->kind = CTL_REQ_FLASH;
		req->flash_ok = arg && !strcmp(arg, "ok") && !extra;
		if (req->flash_ok)
			return 0;
		if (arg && !strcmp(arg, "failed") && extra && end && !*end && code >= 1 && code <= 255 &&
		    !strtok_r(NULL, " \t", &save)) {
			req->flash_code = (int)code;
			return 0;
		}
		snprintf(err, err_size, "flash: \"ok\" or \"failed N\" (N: the exit status, 1-255)");
		return -EINVAL;
	}
	if (verb && !strcmp(verb, "led") && (!arg || extra)) {
		snprintf(err, err_size, "led: %s (window, failsafe, normal, upgrade, failed, release)",
			 arg ? "one phase only" : "needs a phase");
		return -EINVAL;
	}
	if (verb && !strcmp(verb, "led")) {
		if (!strcmp(arg, "release")) {
			req->kind = CTL_REQ_LED_RELEASE;
			return 0;
		}
		phase = led_phase_parse(arg);
		if (phase < 0) {
			snprintf(err, err_size, "led: unknown phase \"%.20s\" (window, failsafe, normal, upgrade, failed, release)",
				 arg);
			return -EINVAL;
		}
		req->kind = CTL_REQ_LED;
		req->phase = (enum led_phase)phase;
		return 0;
	}
	if (verb && !strcmp(verb, "stage2")) {
		if (arg) {
			snprintf(err, err_size, "stage2: takes no argument (the request is <state-dir>/stage2/request)");
			return -EINVAL;
		}
		req->kind = CTL_REQ_STAGE2;
		return 0;
	}
	snprintf(err, err_size, "unknown request \"%.30s\" (status, led PHASE|release, flash ok|failed N, stage2)",
		 verb ? verb : "");
	return -EINVAL;
}

int ctl_format_status(const struct ctl_status *st, char *out, size_t size)
{
	size_t n = 0;

#define PUT(...) (n += (size_t)snprintf(n < size ? out + n : NULL, n < size ? size - n : 0, __VA_ARGS__))
	PUT("board=%s\nmodel=%s\ncompatible=%s\nversion=%s\npid=%ld\n", st->board, st->model, st->compatible,
	    st->version, st->pid);
	PUT("state=%s\ncause=%s\nremaining_ms=%u\nwindow_ms=%u\n", st->state, st->cause, st->remaining_ms,
	    st->window_ms);
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		if (st->led[r][0])
			PUT("led.%s=%s\n", board_led_role_name(r), st->led[r]);
	PUT("led_hold=%s\nflash=%s\ntelnet_sessions=%u\n", st->led_hold, st->flash[0] ? st->flash : "none",
	    st->telnet_sessions);
	PUT("dhcp=%s\nleases=%u\n", st->dhcp, st->leases);
	for (unsigned i = 0; i < st->leases && i < CTL_LEASES_MAX; i++)
		PUT("lease=%s\n", st->lease[i]);
	if (st->stage2[0])
		PUT("stage2=%s\n", st->stage2);
	PUT("ok\n");
#undef PUT
	return (int)n;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

int ctl_parse_status(const char *msg, size_t len, struct ctl_status *st, char *err, size_t err_size)
{
	char buf[CTL_MSG_BYTES], *save = NULL;
	bool ok = false;
	unsigned n_lease = 0;

	memset(st, 0, sizeof(*st));
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '=');

		if (!strncmp(line, "error: ", 7)) {
			snprintf(err, err_size, "%s", line + 7);
			return -EBADMSG;
		}
		if (!strcmp(line, "ok")) {
			ok = true;
			continue;
		}
		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(line, "board"))
			copy(st->board, sizeof(st->board), v);
		else if (!strcmp(line, "model"))
			copy(st->model, sizeof(st->model), v);
		else if (!strcmp(line, "compatible"))
			copy(st->compatible, sizeof(st->compatible), v);
		else if (!strcmp(line, "version"))
			copy(st->version, sizeof(st->version), v);
		else if (!strcmp(line, "pid"))
			st->pid = strtol(v, NULL, 10);
		else if (!strcmp(line, "state"))
			copy(st->state, sizeof(st->state), v);
		else if (!strcmp(line, "cause"))
			copy(st->cause, sizeof(st->cause), v);
		else if (!strcmp(line, "remaining_ms"))
			st->remaining_ms = (uint32_t)strtoul(v, NULL, 10);
		else if (!strcmp(line, "window_ms"))
			st->window_ms = (uint32_t)strtoul(v, NULL, 10);
		else if (!strcmp(line, "led_hold"))
			copy(st->led_hold, sizeof(st->led_hold), v);
		else if (!strcmp(line, "flash"))
			copy(st->flash, sizeof(st->flash), v);
		else if (!strcmp(line, "telnet_sessions"))
			st->telnet_sessions = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(line, "dhcp"))
			copy(st->dhcp, sizeof(st->dhcp), v);
		else if (!strcmp(line, "leases"))
			st->leases = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(line, "stage2"))
			copy(st->stage2, sizeof(st->stage2), v);
		else if (!strcmp(line, "lease") && n_lease < CTL_LEASES_MAX)
			copy(st->lease[n_lease++], sizeof(st->lease[0]), v);
		else if (!strncmp(line, "led.", 4))
			for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
				if (!strcmp(line + 4, board_led_role_name(r)))
					copy(st->led[r], sizeof(st->led[r]), v);
	}
	if (!ok) {
		snprintf(err, err_size, "reply without \"ok\"");
		return -EBADMSG;
	}
	return 0;
}
