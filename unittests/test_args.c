/* unittests/test_args.c — the table-driven command-line parser: {argv, return, trace, error} tables, --help, numbers */
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

#include "args.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS 8

enum { ID_V, ID_P, ID_W, ID_THEN, ID_Q, ID_FAIL, ID_HIDDEN, ID_MUTE, ID_COUNT };

static const char *const id_names[ID_COUNT] = {
	[ID_V] = "v", [ID_P] = "p", [ID_W] = "w", [ID_THEN] = "then",
	[ID_Q] = "q", [ID_FAIL] = "fail", [ID_HIDDEN] = "hidden", [ID_MUTE] = "mute",
};

static const struct args_opt opts[] = {
	{ "--verbose", 'v', NULL, "more output", ID_V },
	{ "--port", 'p', "PORT", "TCP port", ID_P },
	{ "--window-ms", 0, "MS", "window length", ID_W },
	{ "--then", 't', NULL, "run the rest", ID_THEN },
	{ NULL, 'q', NULL, "quiet", ID_Q },
	{ "--fail", 'f', "X", "always refused", ID_FAIL },
	{ "--hidden", 0, NULL, NULL, ID_HIDDEN },
	{ "--mute", 0, NULL, "refused without a reason", ID_MUTE },
};

static const struct args_spec spec = {
	.usage = "Usage: t [OPTIONS] [FILE...]\n",
	.opts = opts,
	.n_opts = ARRAY_SIZE(opts),
};

/* What the callback saw, as "v p=23 o=file". */
struct trace {
	char text[256];
};

static int record(void *ctx, int id, const char *value, char *err, size_t err_size)
{
	struct trace *t = ctx;
	size_t n = strlen(t->text);
	const char *name = id == ARGS_OPERAND ? "o" : id_names[id];
	long ms;

	snprintf(t->text + n, sizeof(t->text) - n, "%s%s%s%s", n ? " " : "", name, value ? "=" : "",
		 value ? value : "");
	if (id == ID_THEN || (id == ARGS_OPERAND && !strcmp(value, "STOP")))
		return ARGS_STOP;
	if (id == ID_W)
		return args_number(value, 0, 600000, &ms, err, err_size);
	if (id == ID_FAIL || (id == ARGS_OPERAND && !strcmp(value, "BAD"))) {
		snprintf(err, err_size, "bad");
		return -EINVAL;
	}
	if (id == ID_MUTE)
		return -EINVAL;
	return 0;
}

struct row {
	const char *argv[MAX_ARGS];     /* after argv[0]; NULL-terminated */
	int ret;                        /* index of the first unconsumed argument, or -EINVAL */
	const char *trace;
	const char *err;                /* the exact error with -EINVAL */
};

static int run_row(const struct row *r, char *err, size_t err_size, struct trace *t)
{
	char *argv[MAX_ARGS + 2] = { "t" };
	int argc = 1;

	for (const char *const *a = r->argv; *a; a++)
		argv[argc++] = (char *)*a;
	memset(t, 0, sizeof(*t));
	return args_parse(&spec, argc, argv, record, t, err, err_size);
}

static void run(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char err[256] = "";
		struct trace t;
		int rc = run_row(r, err, sizeof(err), &t);

		if (rc != r->ret || strcmp(t.text, r->trace))
			print_message("row %zu: %s -> %d \"%s\" \"%s\"\n", i, r->argv[0] ? r->argv[0] : "(none)", rc,
				      t.text, err);
		assert_int_equal(rc, r->ret);
		assert_string_equal(t.text, r->trace);
		if (r->ret < 0) {
			size_t len = strlen(err), sfx = strlen("(see --help)");

			assert_string_equal(err, r->err);
			assert_true(len > sfx && !strcmp(err + len - sfx, "(see --help)"));
		} else {
			assert_string_equal(err, "");
		}
	}
}

static void accepted(void **s)
{
	static const struct row rows[] = {
		{ { NULL }, 1, "", NULL },
		{ { "-v" }, 2, "v", NULL },
		{ { "-vv" }, 2, "v v", NULL },
		{ { "-vqv" }, 2, "v q v", NULL },
		{ { "--verbose" }, 2, "v", NULL },
		{ { "--port", "23" }, 3, "p=23", NULL },
		{ { "--port=23" }, 2, "p=23", NULL },
		{ { "--port=" }, 2, "p=", NULL },                 /* an empty value is the callback's to judge */
		{ { "--port=a=b" }, 2, "p=a=b", NULL },           /* only the first '=' splits */
		{ { "--port", "" }, 3, "p=", NULL },
		{ { "--port", "-v" }, 3, "p=-v", NULL },          /* a value may look like an option */
		{ { "--port", "--" }, 3, "p=--", NULL },
		{ { "-p", "23" }, 3, "p=23", NULL },
		{ { "-p23" }, 2, "p=23", NULL },
		{ { "-vp23" }, 2, "v p=23", NULL },
		{ { "-vp", "23" }, 3, "v p=23", NULL },
		{ { "-pv" }, 2, "p=v", NULL },                    /* the rest of the word is the value */
		{ { "--window-ms", "600000" }, 3, "w=600000", NULL },
		{ { "--window-ms=0" }, 2, "w=0", NULL },
		{ { "--hidden" }, 2, "hidden", NULL },            /* no help line, still an option */
		{ { "file", "-v", "x" }, 4, "o=file v o=x", NULL }, /* options and operands mix */
		{ { "-" }, 2, "o=-", NULL },                      /* "-" is an operand (stdin) */
		{ { "" }, 2, "o=", NULL },
		{ { "--", "-v", "--port" }, 4, "o=-v o=--port", NULL },
		{ { "--", "--" }, 3, "o=--", NULL },
		{ { "-v", "--", "--bogus", "-x" }, 5, "v o=--bogus o=-x", NULL },
		{ { "-p", "1", "-p", "2" }, 5, "p=1 p=2", NULL },  /* repeats are the callback's to judge */
	};

	(void)s;
	run(rows, ARRAY_SIZE(rows));
}

static void stops(void **s)
{
	static const struct row rows[] = {
		{ { "--then", "-v", "--bogus" }, 2, "then", NULL },
		{ { "-v", "--then" }, 3, "v then", NULL },
		{ { "-p", "23", "--then", "x" }, 4, "p=23 then", NULL },
		{ { "-vt", "--bogus" }, 2, "v then", NULL },
		{ { "-tv", "x" }, 2, "then", NULL },               /* the rest of the bundle is not parsed */
		{ { "STOP", "--bogus" }, 2, "o=STOP", NULL },
		{ { "--", "STOP", "x" }, 3, "o=STOP", NULL },
		{ { "-v", "x", "STOP" }, 4, "v o=x o=STOP", NULL },
	};

	(void)s;
	run(rows, ARRAY_SIZE(rows));
}

static void errors(void **s)
{
	static const struct row rows[] = {
		{ { "--bogus" }, -EINVAL, "", "--bogus: unknown option (see --help)" },
		{ { "--bogus=1" }, -EINVAL, "", "--bogus=1: unknown option (see --help)" },
		{ { "--verb" }, -EINVAL, "", "--verb: unknown option (see --help)" },     /* no prefixes */
		{ { "--VERBOSE" }, -EINVAL, "", "--VERBOSE: unknown option (see --help)" },
		{ { "---verbose" }, -EINVAL, "", "---verbose: unknown option (see --help)" },
		{ { "--q" }, -EINVAL, "", "--q: unknown option (see --help)" },           /* short-only */
		{ { "-x" }, -EINVAL, "", "-x: unknown option (see --help)" },
		{ { "-vx" }, -EINVAL, "v", "-x: unknown option (see --help)" },
		{ { "--port" }, -EINVAL, "", "--port: needs a value (see --help)" },
		{ { "-p" }, -EINVAL, "", "-p: needs a value (see --help)" },
		{ { "-vp" }, -EINVAL, "v", "-p: needs a value (see --help)" },
		{ { "--verbose=1" }, -EINVAL, "", "--verbose: takes no value (see --help)" },
		{ { "--verbose=" }, -EINVAL, "", "--verbose: takes no value (see --help)" },
		{ { "--window-ms", "abc" }, -EINVAL, "w=abc",
		  "--window-ms: expects a number from 0 to 600000 (see --help)" },
		{ { "--window-ms=600001" }, -EINVAL, "w=600001",
		  "--window-ms: expects a number from 0 to 600000 (see --help)" },
		{ { "--window-ms", "-1" }, -EINVAL, "w=-1",
		  "--window-ms: expects a number from 0 to 600000 (see --help)" },
		{ { "-f", "x" }, -EINVAL, "fail=x", "-f: bad (see --help)" },
		{ { "-fx" }, -EINVAL, "fail=x", "-f: bad (see --help)" },
		{ { "--fail=x" }, -EINVAL, "fail=x", "--fail: bad (see --help)" },
		{ { "--mute" }, -EINVAL, "mute", "--mute: invalid (see --help)" },
		{ { "a", "BAD", "c" }, -EINVAL, "o=a o=BAD", "BAD: bad (see --help)" },
		{ { "-v", "--bogus", "--then" }, -EINVAL, "v", "--bogus: unknown option (see --help)" },
	};

	(void)s;
	run(rows, ARRAY_SIZE(rows));
}

/* A short error buffer is cut, never overrun (ASan sees the exact size). */
static void error_buffer_sizes(void **s)
{
	static const struct row r = { { "--window-ms", "abc" }, -EINVAL, "w=abc", NULL };
	const char *full = "--window-ms: expects a number from 0 to 600000 (see --help)";

	(void)s;
	for (size_t size = 1; size <= strlen(full) + 1; size++) {
		char *err = malloc(size);
		struct trace t;

		assert_non_null(err);
		assert_int_equal(run_row(&r, err, size, &t), -EINVAL);
		assert_int_equal(strlen(err), size - 1);
		assert_memory_equal(err, full, size - 1);
		free(err);
	}
}

static void usage_columns(void **s)
{
	static const struct args_opt o[] = {
		{ "--verbose", 'v', NULL, "more output", 0 },
		{ "--port", 'p', "PORT", "TCP port", 0 },
		{ "--window-ms", 0, "MS", "window length", 0 },
		{ NULL, 'q', NULL, "quiet", 0 },
		{ NULL, 'n', "N", "count", 0 },
		{ "--hidden", 0, NULL, NULL, 0 },
		{ "--a-rather-long-option", 0, "VALUE", "goes on its own line", 0 },
		{ "--left-part-is-24-chars!", 0, NULL, "just too wide", 0 },
		{ "--left-part-is-23-chars", 0, NULL, "just fits", 0 },
	};
	static const struct args_spec sp = {
		.usage = "Usage: t [OPTIONS]\nDoes things.\n", .opts = o, .n_opts = ARRAY_SIZE(o),
		.footer = "Footer.\n",
	};
	const char *want =
		"Usage: t [OPTIONS]\nDoes things.\n"
		"\n"
		"  -v, --verbose            more output\n"
		"  -p, --port PORT          TCP port\n"
		"  --window-ms MS           window length\n"
		"  -q                       quiet\n"
		"  -n N                     count\n"
		"  --a-rather-long-option VALUE\n"
		"                           goes on its own line\n"
		"  --left-part-is-24-chars!\n"
		"                           just too wide\n"
		"  --left-part-is-23-chars  just fits\n"
		"\n"
		"Footer.\n";
	char out[1024];

	(void)s;
	args_usage(&sp, out, sizeof(out));
	assert_string_equal(out, want);
	/* Every help text starts in column 27. */
	for (const char *line = out, *next; *line; line = next) {
		next = strchr(line, '\n') + 1;
		if (strncmp(line, "  ", 2) || !strncmp(next, "                           ", 27))
			continue;       /* not an option, or a left part too wide for its column */
		assert_true(next - line > 28 && line[26] == ' ' && line[27] != ' ');
	}
}

static void usage_edges(void **s)
{
	static const struct args_spec bare = { .usage = "Usage: t\n" };
	char out[64];

	(void)s;
	args_usage(&bare, out, sizeof(out));
	assert_string_equal(out, "Usage: t\n");       /* no options: no blank line, no footer */

	/* Every size: a NUL-terminated prefix, nothing written past size. */
	char full[1024];

	args_usage(&spec, full, sizeof(full));
	assert_non_null(strstr(full, "  -f, --fail X             always refused\n"));
	assert_null(strstr(full, "--hidden"));
	for (size_t size = 1; size <= strlen(full) + 1; size++) {
		char *buf = malloc(size);

		assert_non_null(buf);
		args_usage(&spec, buf, size);
		assert_int_equal(strlen(buf), size - 1);
		assert_memory_equal(buf, full, size - 1);
		free(buf);
	}
	out[0] = 'X';
	args_usage(&spec, out, 0);
	assert_int_equal(out[0], 'X');
}

/* long is 32 bits on armhf and mipsel */
#if LONG_MAX == 2147483647L
#define LONG_MAX_TEXT "2147483647"
#define LONG_MIN_TEXT "-2147483648"
#define LONG_MAX_PLUS_1_TEXT "2147483648"
#else
#define LONG_MAX_TEXT "9223372036854775807"
#define LONG_MIN_TEXT "-9223372036854775808"
#define LONG_MAX_PLUS_1_TEXT "9223372036854775808"
#endif

static void numbers(void **s)
{
	static const struct {
		const char *value;
		long min, max;
		int ret;
		long out;
	} rows[] = {
		{ "0", 0, 10, 0, 0 },
		{ "10", 0, 10, 0, 10 },
		{ "11", 0, 10, -EINVAL, 0 },
		{ "-1", 0, 10, -EINVAL, 0 },
		{ "-5", -10, 10, 0, -5 },
		{ "-11", -10, 10, -EINVAL, 0 },
		{ "010", 0, 100, 0, 10 },           /* decimal, never octal */
		{ "0x10", 0, 100, -EINVAL, 0 },
		{ "1e3", 0, 10000, -EINVAL, 0 },
		{ "", 0, 10, -EINVAL, 0 },
		{ "-", 0, 10, -EINVAL, 0 },
		{ "abc", 0, 10, -EINVAL, 0 },
		{ "10ms", 0, 100, -EINVAL, 0 },
		{ "5 ", 0, 10, -EINVAL, 0 },
		{ "1.5", 0, 10, -EINVAL, 0 },
		{ LONG_MAX_TEXT, 0, LONG_MAX, 0, LONG_MAX },
		{ LONG_MIN_TEXT, LONG_MIN, 0, 0, LONG_MIN },
		{ LONG_MAX_PLUS_1_TEXT, 0, LONG_MAX, -EINVAL, 0 },      /* ERANGE */
		{ "99999999999999999999999", LONG_MIN, LONG_MAX, -EINVAL, 0 },
		{ "-99999999999999999999999", LONG_MIN, LONG_MAX, -EINVAL, 0 },
	};

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char err[64] = "", want[64];
		long out = 12345;
		int rc = args_number(rows[i].value, rows[i].min, rows[i].max, &out, err, sizeof(err));

		if (rc != rows[i].ret)
			print_message("row %zu: \"%s\" -> %d %ld\n", i, rows[i].value, rc, out);
		assert_int_equal(rc, rows[i].ret);
		if (rc == 0) {
			assert_int_equal(out, rows[i].out);
			assert_string_equal(err, "");
		} else {
			snprintf(want, sizeof(want), "expects a number from %ld to %ld", rows[i].min, rows[i].max);
			assert_string_equal(err, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted),
		cmocka_unit_test(stops),
		cmocka_unit_test(errors),
		cmocka_unit_test(error_buffer_sizes),
		cmocka_unit_test(usage_columns),
		cmocka_unit_test(usage_edges),
		cmocka_unit_test(numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
