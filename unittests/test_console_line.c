/* unittests/test_console_line.c — console line assembly: terminators, splits, noise, overlong lines */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console_line.h"

/* Feed input in chunks of chunk bytes; collect lines joined by '|'. */
static void collect(const char *in, size_t n, size_t chunk, char *out, size_t out_size)
{
	struct console_line cl;
	size_t pos = 0, o = 0;

	console_line_init(&cl);
	out[0] = '\0';
	while (pos < n) {
		size_t len = n - pos < chunk ? n - pos : chunk, off = 0;

		while (off < len) {
			const char *line;
			size_t line_len;

			off += console_line_feed(&cl, (const uint8_t *)in + pos + off, len - off, &line, &line_len);
			if (line) {
				assert_true(o + line_len + 2 < out_size);
				for (size_t i = 0; i < line_len; i++)
					out[o++] = line[i] ? line[i] : '0';  /* NUL shown as '0' */
				out[o++] = '|';
				out[o] = '\0';
			}
		}
		pos += len;
	}
}

static void terminators(void **s)
{
	static const struct {
		const char *in;
		const char *lines;
	} rows[] = {
		{ "f\n", "f|" },
		{ "f\r", "f|" },
		{ "f\r\n", "f|" },
		{ "f\r\r\n", "f||" },       /* CR, then CR LF: an empty line */
		{ "\n\n", "||" },
		{ "a\nb\rc\r\nd", "a|b|c|" },/* d has no end yet */
		{ "1\n\rf\n", "1||f|" },    /* LF CR is two line ends */
	};
	char out[256];

	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (size_t chunk = 1; chunk <= strlen(rows[i].in); chunk++) {
			collect(rows[i].in, strlen(rows[i].in), chunk, out, sizeof(out));
			assert_string_equal(out, rows[i].lines);
		}
	}
}

static void nul_bytes_kept(void **s)
{
	char out[64];

	(void)s;
	collect("f\0\n", 3, 1, out, sizeof(out));
	assert_string_equal(out, "f0|");   /* "f\0" is not "f" */
}

static void overlong_dropped(void **s)
{
	size_t n = 100000;
	char *in = malloc(n + 8);
	char out[64];

	(void)s;
	memset(in, 'f', n);
	memcpy(in + n, "\nf\n", 3);
	collect(in, n + 3, 4096, out, sizeof(out));
	assert_string_equal(out, "f|");    /* the 100 kB line vanished, the next is whole */
	free(in);
}

static void exactly_max(void **s)
{
	char in[CONSOLE_LINE_MAX + 2], out[CONSOLE_LINE_MAX * 2];

	(void)s;
	memset(in, 'x', CONSOLE_LINE_MAX);
	in[CONSOLE_LINE_MAX] = '\n';
	collect(in, CONSOLE_LINE_MAX + 1, 7, out, sizeof(out));
	assert_int_equal(strlen(out), CONSOLE_LINE_MAX + 1);
	memset(in, 'x', CONSOLE_LINE_MAX + 1);
	in[CONSOLE_LINE_MAX + 1] = '\n';
	collect(in, CONSOLE_LINE_MAX + 2, 7, out, sizeof(out));
	assert_string_equal(out, "");
}

static void binary_noise(void **s)
{
	char in[4096], out[8192];

	(void)s;
	srand(42);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(rand() & 0xff);
	collect(in, sizeof(in), 13, out, sizeof(out));  /* no crash; lines are whatever they are */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(terminators),
		cmocka_unit_test(nul_bytes_kept),
		cmocka_unit_test(overlong_dropped),
		cmocka_unit_test(exactly_max),
		cmocka_unit_test(binary_noise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
