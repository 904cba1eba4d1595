/* unittests/test_ctl_proto.c — control requests {message, result, error} and the status reply's round trip */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A heap copy of exactly len bytes, no terminator: ASan catches any read past the message. */
static char *exact(const char *msg, size_t len)
{
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, msg, len);
	return p;
}

struct req_row {
	const char *msg;
	size_t len;                     /* 0: strlen(msg) */
	int ret;
	enum ctl_req_kind kind;
	enum led_phase phase;
	const char *err;                /* with -EINVAL: a part of the error */
};

static void run_requests(const struct req_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct req_row *r = &rows[i];
		size_t len = r->len ? r->len : strlen(r->msg);
		char *msg = exact(r->msg, len), err[128] = "";
		struct ctl_req req = { .kind = CTL_REQ_KIND_COUNT, .phase = LED_PHASE_COUNT };
		int rc = ctl_parse_request(msg, len, &req, err, sizeof(err));

		if (rc != r->ret)
			print_message("row %zu: \"%.20s\" -> %d \"%s\"\n", i, r->msg, rc, err);
		assert_int_equal(rc, r->ret);
		if (rc == 0) {
			assert_int_equal(req.kind, r->kind);
			assert_int_equal(req.phase, r->phase);
			assert_string_equal(err, "");
		} else {
			assert_non_null(strstr(err, r->err));
		}
		free(msg);
	}
}

static void requests_accepted(void **s)
{
	static const struct req_row rows[] = {
		{ "status", 0, 0, CTL_REQ_STATUS, 0, NULL },
		{ "status\n", 0, 0, CTL_REQ_STATUS, 0, NULL },
		{ "status\r\n", 0, 0, CTL_REQ_STATUS, 0, NULL },
		{ "status\r", 0, 0, CTL_REQ_STATUS, 0, NULL },
		{ "status\n\n", 0, 0, CTL_REQ_STATUS, 0, NULL },
		{ "  status\t ", 0, 0, CTL_REQ_STATUS, 0, NULL },
		{ "led window", 0, 0, CTL_REQ_LED, LED_PHASE_WINDOW, NULL },
		{ "led failsafe\n", 0, 0, CTL_REQ_LED, LED_PHASE_FAILSAFE, NULL },
		{ "led normal\r\n", 0, 0, CTL_REQ_LED, LED_PHASE_NORMAL, NULL },
		{ "led \t upgrade", 0, 0, CTL_REQ_LED, LED_PHASE_UPGRADE, NULL },
		{ "led release", 0, 0, CTL_REQ_LED_RELEASE, 0, NULL },
		{ "led release\r\n", 0, 0, CTL_REQ_LED_RELEASE, 0, NULL },
		{ "led failed", 0, 0, CTL_REQ_LED, LED_PHASE_FAILED, NULL },
		{ "stage2", 0, 0, CTL_REQ_STAGE2, 0, NULL },
		{ "stage2\n", 0, 0, CTL_REQ_STAGE2, 0, NULL },
		{ "status                                                         ", 0, 0, CTL_REQ_STATUS, 0,
		  NULL },                       /* 63 bytes: the longest request */
		{ "status                                                         \r\n", 0, 0, CTL_REQ_STATUS, 0,
		  NULL },                       /* the line end does not count */
	};

	(void)s;
	assert_int_equal(strlen(rows[15].msg), 63);
	run_requests(rows, ARRAY_SIZE(rows));
}

static void requests_rejected(void **s)
{
	static const struct req_row rows[] = {
		{ "", 0, -EINVAL, 0, 0, "unknown request \"\"" },
		{ "\r\n", 0, -EINVAL, 0, 0, "unknown request \"\"" },
		{ "   ", 0, -EINVAL, 0, 0, "unknown request \"\"" },
		{ "reboot", 0, -EINVAL, 0, 0,
		  "unknown request \"reboot\" (status, led PHASE|release, flash ok|failed N, stage2)" },
		{ "flash", 0, -EINVAL, 0, 0, "flash: \"ok\" or \"failed N\"" },
		{ "flash failed", 0, -EINVAL, 0, 0, "flash: " },
		{ "flash failed 0", 0, -EINVAL, 0, 0, "1-255" },
		{ "flash failed 256", 0, -EINVAL, 0, 0, "1-255" },
		{ "flash failed -1", 0, -EINVAL, 0, 0, "1-255" },
		{ "flash failed 1x", 0, -EINVAL, 0, 0, "flash: " },
		{ "flash failed 1 2", 0, -EINVAL, 0, 0, "flash: " },
		{ "flash ok now", 0, -EINVAL, 0, 0, "flash: " },
		{ "flash OK", 0, -EINVAL, 0, 0, "flash: " },
		{ "stage2 /tmp/x", 0, -EINVAL, 0, 0, "stage2: takes no argument" },
		{ "STATUS", 0, -EINVAL, 0, 0, "unknown request \"STATUS\"" },
		{ "stat", 0, -EINVAL, 0, 0, "unknown request \"stat\"" },
		{ "statusx", 0, -EINVAL, 0, 0, "unknown request \"statusx\"" },
		{ "status now", 0, -EINVAL, 0, 0, "status" },
		{ "led", 0, -EINVAL, 0, 0, "led" },
		{ "led window now", 0, -EINVAL, 0, 0, "led" },
		{ "led release now", 0, -EINVAL, 0, 0, "led" },
		{ "led blink", 0, -EINVAL, 0, 0, "led: unknown phase \"blink\" (window, failsafe, normal, upgrade" },
		{ "led Window", 0, -EINVAL, 0, 0, "led: unknown phase \"Window\"" },
		{ "led window\rstatus", 0, -EINVAL, 0, 0, "unknown phase" },
		{ "status\nstatus", 0, -EINVAL, 0, 0, "unknown request" },      /* one request per message */
		{ "status\r\nled window", 0, -EINVAL, 0, 0, "unknown request" },
		{ "status\0", 7, -EINVAL, 0, 0, "not text" },
		{ "sta\0tus", 7, -EINVAL, 0, 0, "not text" },
		{ "\0status", 7, -EINVAL, 0, 0, "not text" },
		{ "led \0window", 11, -EINVAL, 0, 0, "not text" },
		{ "status                                                          ", 0, -EINVAL, 0, 0,
		  "too long" },                 /* 64 bytes */
	};

	(void)s;
	assert_int_equal(strlen(rows[ARRAY_SIZE(rows) - 1].msg), 64);
	run_requests(rows, ARRAY_SIZE(rows));
}

/* How a write ended, as sysupgrade tells the daemon. */
static void flash_results(void **s)
{
	static const struct { const char *msg; bool ok; int code; } rows[] = {
		{ "flash ok", true, 0 }, { "flash ok\n", true, 0 }, { "flash failed 1", false, 1 },
		{ " flash\tfailed 255\r\n", false, 255 }, { "flash failed 9", false, 9 },
	};
	char err[128];

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct ctl_req req;

		assert_int_equal(ctl_parse_request(rows[i].msg, strlen(rows[i].msg), &req, err, sizeof(err)), 0);
		assert_int_equal(req.kind, CTL_REQ_FLASH);
		assert_int_equal(req.flash_ok, rows[i].ok);
		if (!rows[i].ok)
			assert_int_equal(req.flash_code, rows[i].code);
	}
}

static void request_edges(void **s)
{
	char big[CTL_MSG_BYTES], err[8];
	struct ctl_req req;

	(void)s;
	memset(big, 'a', sizeof(big));
	assert_int_equal(ctl_parse_request(big, sizeof(big), &req, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "request");                /* a small err is cut, not overrun */
	/* A long unknown verb is cut in the message. */
	char msg[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
	char why[128];

	assert_int_equal(ctl_parse_request(msg, strlen(msg), &req, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "\"abcdefghijklmnopqrstuvwxyzabcd\""));   /* its first 30 bytes */
	assert_true(strlen(why) < sizeof(why) - 1);
}

static void fill(struct ctl_status *st, const char *board, const char *model, const char *compatible,
		 const char *version, const char *state, const char *cause, const char *hold)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->board, sizeof(st->board), "%s", board);
	snprintf(st->model, sizeof(st->model), "%s", model);
	snprintf(st->compatible, sizeof(st->compatible), "%s", compatible);
	snprintf(st->version, sizeof(st->version), "%s", version);
	snprintf(st->state, sizeof(st->state), "%s", state);
	snprintf(st->cause, sizeof(st->cause), "%s", cause);
	snprintf(st->led_hold, sizeof(st->led_hold), "%s", hold);
	snprintf(st->flash, sizeof(st->flash), "failed (exit 1)");
}

static void assert_status_equal(const struct ctl_status *a, const struct ctl_status *b)
{
	assert_string_equal(a->board, b->board);
	assert_string_equal(a->model, b->model);
	assert_string_equal(a->compatible, b->compatible);
	assert_string_equal(a->version, b->version);
	assert_int_equal(a->pid, b->pid);
	assert_string_equal(a->state, b->state);
	assert_string_equal(a->cause, b->cause);
	assert_int_equal(a->remaining_ms, b->remaining_ms);
	assert_int_equal(a->window_ms, b->window_ms);
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		assert_string_equal(a->led[r], b->led[r]);
	assert_string_equal(a->led_hold, b->led_hold);
	assert_string_equal(a->flash, b->flash);
	assert_int_equal(a->telnet_sessions, b->telnet_sessions);
	assert_string_equal(a->dhcp, b->dhcp);
	assert_int_equal(a->leases, b->leases);
	for (unsigned i = 0; i < a->leases && i < CTL_LEASES_MAX; i++)
		assert_string_equal(a->lease[i], b->lease[i]);
	assert_string_equal(a->stage2, b->stage2);
}

static void round_trip_one(const struct ctl_status *st)
{
	char out[CTL_MSG_BYTES], err[64] = "";
	struct ctl_status back;
	int n = ctl_format_status(st, out, sizeof(out));
	char *msg;

	assert_true(n > 0 && n < CTL_MSG_BYTES);
	assert_int_equal(strlen(out), n);
	assert_string_equal(out + n - 4, "\nok\n");
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		char line[64];

		snprintf(line, sizeof(line), "\nled.%s=", board_led_role_name(r));
		assert_int_equal(strstr(out, line) != NULL, st->led[r][0] != '\0');
	}
	msg = exact(out, (size_t)n);
	memset(&back, 0x5a, sizeof(back));
	assert_int_equal(ctl_parse_status(msg, (size_t)n, &back, err, sizeof(err)), 0);
	assert_status_equal(&back, st);
	free(msg);
}

static void status_round_trip(void **s)
{
	struct ctl_status st;
	char max[256];

	(void)s;
	/* Every LED role. */
	fill(&st, "sim", "Simulated board", "failsafed,sim", "0.1.0", "window", "button reset", "none");
	st.pid = 4242;
	st.remaining_ms = 1500;
	st.window_ms = 4000;
	st.telnet_sessions = 2;
	snprintf(st.dhcp, sizeof(st.dhcp), "serving 192.168.1.100-192.168.1.199, leases of 300 s");
	st.leases = 2;
	snprintf(st.lease[0], sizeof(st.lease[0]), "192.168.1.100 02:00:00:00:00:01 laptop 280");
	snprintf(st.lease[1], sizeof(st.lease[1]), "192.168.1.101 02:00:00:00:00:02 - 12");
	snprintf(st.led[LED_BOOT], sizeof(st.led[0]), "100/100");
	snprintf(st.led[LED_FAILSAFE], sizeof(st.led[0]), "50/50");
	snprintf(st.led[LED_RUNNING], sizeof(st.led[0]), "off");
	snprintf(st.led[LED_UPGRADE], sizeof(st.led[0]), "on");
	round_trip_one(&st);

	/* Each role alone: the others stay "" (no LED), not a neighbour's value. */
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++) {
		fill(&st, "sim", "m", "a,b", "v", "failsafe", "console", "upgrade");
		snprintf(st.led[r], sizeof(st.led[r]), "200/200");
		round_trip_one(&st);
	}

	/* A flash from RAM reports how it goes. */
	fill(&st, "qemu-virt-emmc", "m", "a,b", "v", "failsafe", "cmdline", "none");
	snprintf(st.stage2, sizeof(st.stage2), "failed: step 2 of 4 (write the root): Operation not permitted");
	round_trip_one(&st);

	/* Empty strings and zeros. */
	fill(&st, "", "", "", "", "", "", "");
	round_trip_one(&st);

	/* '=' inside a value: only the first one splits. */
	fill(&st, "b", "Model=X (rev=2)", "v,m", "1=1", "normal", "none", "none");
	round_trip_one(&st);

	/* Every field at its longest, numbers at their limits: still one message. */
	memset(max, 'x', sizeof(max));
	max[sizeof(max) - 1] = '\0';
	fill(&st, max, max, max, max, max, max, max);
	st.pid = LONG_MAX;
	st.remaining_ms = UINT32_MAX;
	st.window_ms = UINT32_MAX;
	st.telnet_sessions = UINT_MAX;
	for (unsigned r = 0; r < LED_ROLE_COUNT; r++)
		snprintf(st.led[r], sizeof(st.led[r]), "%.*s", (int)sizeof(st.led[r]) - 1, max);
	snprintf(st.dhcp, sizeof(st.dhcp), "%.*s", (int)sizeof(st.dhcp) - 1, max);
	st.leases = CTL_LEASES_MAX;
	for (unsigned i = 0; i < CTL_LEASES_MAX; i++)
		snprintf(st.lease[i], sizeof(st.lease[i]), "%.*s", (int)sizeof(st.lease[i]) - 1, max);
	snprintf(st.stage2, sizeof(st.stage2), "%.*s", (int)sizeof(st.stage2) - 1, max);
	round_trip_one(&st);
	st.pid = LONG_MIN;
	round_trip_one(&st);
}

/* A reply cut at any size is a NUL-terminated prefix, and only the complete one parses. */
static void status_truncated(void **s)
{
	struct ctl_status st, back;
	char full[CTL_MSG_BYTES], err[64];
	int n;

	(void)s;
	fill(&st, "sim", "Simulated board", "failsafed,sim", "0.1.0", "window", "button reset", "none");
	snprintf(st.led[LED_BOOT], sizeof(st.led[0]), "100/100");
	n = ctl_format_status(&st, full, sizeof(full));
	for (size_t size = 1; size <= (size_t)n + 1; size++) {
		char *buf = malloc(size);
		size_t len;

		assert_non_null(buf);
		assert_int_equal(ctl_format_status(&st, buf, size), n);
		len = strlen(buf);
		assert_int_equal(len, size - 1 < (size_t)n ? size - 1 : (size_t)n);
		assert_memory_equal(buf, full, len);
		err[0] = '\0';
		if (size >= (size_t)n) {        /* at most the last newline is missing */
			assert_int_equal(ctl_parse_status(buf, len, &back, err, sizeof(err)), 0);
			assert_status_equal(&back, &st);
		} else {
			assert_int_equal(ctl_parse_status(buf, len, &back, err, sizeof(err)), -EBADMSG);
			assert_string_equal(err, "reply without \"ok\"");
		}
		free(buf);
	}
	full[0] = 'X';
	assert_int_equal(ctl_format_status(&st, full, 0), n);
	assert_int_equal(full[0], 'X');
}

static void status_replies(void **s)
{
	static const struct {
		const char *msg;
		int ret;
		const char *err;        /* with -EBADMSG */
		const char *board;      /* with 0 */
	} rows[] = {
		{ "ok\n", 0, NULL, "" },
		{ "ok", 0, NULL, "" },
		{ "board=sim\nok\n", 0, NULL, "sim" },
		{ "\n\nboard=sim\n\nok\n\n", 0, NULL, "sim" },
		{ "future=1\nled.blue=on\nnoequals\nboard=sim\nok\n", 0, NULL, "sim" },  /* unknown lines skipped */
		{ "board=a\nboard=b\nok\n", 0, NULL, "b" },
		{ "error: led: unknown phase \"x\"\n", -EBADMSG, "led: unknown phase \"x\"", NULL },
		{ "error: busy", -EBADMSG, "busy", NULL },
		{ "error: \n", -EBADMSG, "", NULL },
		{ "board=sim\nerror: gone\nok\n", -EBADMSG, "gone", NULL },
		{ "", -EBADMSG, "reply without \"ok\"", NULL },
		{ "board=sim\n", -EBADMSG, "reply without \"ok\"", NULL },
		{ "okay\n", -EBADMSG, "reply without \"ok\"", NULL },
		{ "ok=1\n", -EBADMSG, "reply without \"ok\"", NULL },
		{ "ok \n", -EBADMSG, "reply without \"ok\"", NULL },
		{ "error:x\n", -EBADMSG, "reply without \"ok\"", NULL },
	};

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		size_t len = strlen(rows[i].msg);
		char *msg = exact(rows[i].msg, len), err[64] = "";
		struct ctl_status st;

		int rc = ctl_parse_status(msg, len, &st, err, sizeof(err));

		if (rc != rows[i].ret)
			print_message("row %zu: %d \"%s\"\n", i, rc, err);
		assert_int_equal(rc, rows[i].ret);
		if (rows[i].ret)
			assert_string_equal(err, rows[i].err);
		else
			assert_string_equal(st.board, rows[i].board);
		free(msg);
	}
}

static void status_edges(void **s)
{
	char msg[CTL_MSG_BYTES + 16], err[8];
	struct ctl_status st;
	int n;

	(void)s;
	/* Values longer than their field are cut to fit. */
	n = snprintf(msg, sizeof(msg), "model=%0100d\nled.boot=%0100d\nok\n", 0, 0);
	assert_int_equal(ctl_parse_status(msg, (size_t)n, &st, err, sizeof(err)), 0);
	assert_int_equal(strlen(st.model), sizeof(st.model) - 1);
	assert_int_equal(strlen(st.led[LED_BOOT]), sizeof(st.led[0]) - 1);
	/* A small err is cut, not overrun. */
	n = snprintf(msg, sizeof(msg), "error: a long reason\n");
	assert_int_equal(ctl_parse_status(msg, (size_t)n, &st, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "a long ");
	/* Past CTL_MSG_BYTES nothing is read: an "ok" there does not count. */
	memset(msg, 'x', sizeof(msg));
	msg[0] = '#';
	memcpy(msg + CTL_MSG_BYTES - 1, "\nok\n", 4);
	assert_int_equal(ctl_parse_status(msg, CTL_MSG_BYTES + 3, &st, err, sizeof(err)), -EBADMSG);
	memcpy(msg + CTL_MSG_BYTES - 5, "\nok\n", 4);
	assert_int_equal(ctl_parse_status(msg, CTL_MSG_BYTES - 1, &st, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_accepted),
		cmocka_unit_test(requests_rejected),
		cmocka_unit_test(request_edges),
		cmocka_unit_test(flash_results),
		cmocka_unit_test(status_round_trip),
		cmocka_unit_test(status_truncated),
		cmocka_unit_test(status_replies),
		cmocka_unit_test(status_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
