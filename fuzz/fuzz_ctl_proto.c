/* fuzz/fuzz_ctl_proto.c — libFuzzer target: control socket requests and status replies (any bytes), and the status round trip */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Every text field of a parsed status is a NUL-terminated string inside its array. */
static void terminated(const struct ctl_status *st)
{
	check(memchr(st->board, 0, sizeof(st->board)) && memchr(st->model, 0, sizeof(st->model)));
	check(memchr(st->compatible, 0, sizeof(st->compatible)) && memchr(st->version, 0, sizeof(st->version)));
	check(memchr(st->state, 0, sizeof(st->state)) && memchr(st->cause, 0, sizeof(st->cause)));
	check(memchr(st->led_hold, 0, sizeof(st->led_hold)));
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		check(memchr(st->led[r], 0, sizeof(st->led[r])) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_req req;
	struct ctl_status st, again;
	char err[128], out[CTL_MSG_BYTES];
	int rc, n;

	/* A request from a client of the socket: accepted ones are one of the documented kinds. */
	memset(err, 0x55, sizeof(err));
	rc = ctl_parse_request((const char *)data, size, &req, err, sizeof(err));
	if (rc == 0)
		check((unsigned)req.kind < CTL_REQ_KIND_COUNT &&
		      (req.kind != CTL_REQ_LED || (unsigned)req.phase < LED_PHASE_COUNT));
	else
		check(rc == -EINVAL && memchr(err, 0, sizeof(err)) && err[0]);

	/* A reply as the status applet reads it; what parses formats and parses back the same. */
	rc = ctl_parse_status((const char *)data, size, &st, err, sizeof(err));
	check(rc == 0 || rc == -EBADMSG);
	terminated(&st);
	if (rc)
		return 0;
	n = ctl_format_status(&st, out, sizeof(out));
	check(n >= 0);
	if ((size_t)n >= sizeof(out))
		return 0;
	check(ctl_parse_status(out, (size_t)n, &again, err, sizeof(err)) == 0);
	/* Fields holding a newline or '=' cannot round-trip through key=value lines: compare the rest. */
	check(again.pid == st.pid && again.remaining_ms == st.remaining_ms && again.window_ms == st.window_ms &&
	      again.telnet_sessions == st.telnet_sessions);
	return 0;
}
