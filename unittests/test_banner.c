/* unittests/test_banner.c — the words of failsafe: {cause, button} -> state file, via=, how, entry lines, banner */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "banner.h"
#include "beacon.h"
#include "ctl_proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	enum window_cause cause;
	const char *button;
	const char *text;               /* banner_cause_text: the state file */
	const char *via;                /* banner_via: the beacon */
	const char *how;                /* banner_how: for people */
	const char *entry;              /* banner_entry_lines: the console */
} causes[] = {
	{ WINDOW_CAUSE_BUTTON, "reset", "button reset", "button:reset", "the button reset",
	  "- failsafe button reset was pressed -\n- failsafe -\n" },
	{ WINDOW_CAUSE_BUTTON, "wps", "button wps", "button:wps", "the button wps",
	  "- failsafe button wps was pressed -\n- failsafe -\n" },
	{ WINDOW_CAUSE_BUTTON, NULL, "button ?", "button:?", "the button ?",
	  "- failsafe button ? was pressed -\n- failsafe -\n" },
	{ WINDOW_CAUSE_CONSOLE, NULL, "console", "console", "the console (f + Enter)", "- failsafe -\n" },
	{ WINDOW_CAUSE_CONSOLE, "reset", "console", "console", "the console (f + Enter)", "- failsafe -\n" },
	{ WINDOW_CAUSE_CMDLINE, NULL, "cmdline", "cmdline", "the kernel command line (failsafe=)", "- failsafe -\n" },
	{ WINDOW_CAUSE_SIGNAL, NULL, "signal", "signal", "a signal (SIGUSR1)", "- failsafe -\n" },
	{ WINDOW_CAUSE_NONE, NULL, "none", "none", "nothing yet", "- failsafe -\n" },
	{ WINDOW_CAUSE_COUNT, NULL, "?", "?", "nothing yet", "- failsafe -\n" },
};

static const struct board board = { .name = "sim", .model = "Simulated board", .compatible = "failsafed,sim" };

static void cause_words(void **s)
{
	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(causes); i++) {
		const struct banner_cause c = { .cause = causes[i].cause, .button = causes[i].button };
		char out[128];

		banner_cause_text(&c, out, sizeof(out));
		assert_string_equal(out, causes[i].text);
		banner_via(&c, out, sizeof(out));
		assert_string_equal(out, causes[i].via);
		banner_how(&c, out, sizeof(out));
		assert_string_equal(out, causes[i].how);
		banner_entry_lines(&c, out, sizeof(out));
		assert_string_equal(out, causes[i].entry);
	}
}

/* Every cause has its own words; via= is one beacon value (printable, no blank, no '='). */
static void causes_are_distinct(void **s)
{
	char text[WINDOW_CAUSE_COUNT][64], via[WINDOW_CAUSE_COUNT][64], how[WINDOW_CAUSE_COUNT][64];

	(void)s;
	for (int c = 0; c < WINDOW_CAUSE_COUNT; c++) {
		const struct banner_cause bc = { .cause = (enum window_cause)c, .button = "reset" };

		banner_cause_text(&bc, text[c], sizeof(text[c]));
		banner_via(&bc, via[c], sizeof(via[c]));
		banner_how(&bc, how[c], sizeof(how[c]));
		assert_true(via[c][0] != '\0');
		for (const char *p = via[c]; *p; p++)
			assert_true(*p > ' ' && *p < 0x7f && *p != '=');
		assert_null(strchr(text[c], '\n'));
		for (int d = 0; d < c; d++) {
			assert_string_not_equal(text[c], text[d]);
			assert_string_not_equal(via[c], via[d]);
			assert_string_not_equal(how[c], how[d]);
		}
	}
}

/* The longest button name still fits where the words go: status reply, beacon, the banner's line. */
static void longest_button_fits(void **s)
{
	char name[BOARD_NAME_BYTES];
	const struct banner_cause c = { .cause = WINDOW_CAUSE_BUTTON, .button = name };
	struct ctl_status st;
	char via[BEACON_VALUE_MAX_BYTES + 8], want[128], banner[BANNER_BYTES];

	(void)s;
	memset(name, 'b', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	banner_cause_text(&c, st.cause, sizeof(st.cause));
	assert_int_equal(strlen(st.cause), strlen("button ") + strlen(name));
	banner_via(&c, via, sizeof(via));
	assert_true(strlen(via) <= BEACON_VALUE_MAX_BYTES);
	banner_text(&c, &board, banner, sizeof(banner));
	snprintf(want, sizeof(want), "through the button %s on board", name);
	assert_non_null(strstr(banner, want));
}

static void banner_contents(void **s)
{
	static const struct board long_board = {
		.name = "a-board-name-of-31-characters-x",
		.model = "A Vendor With A Long Name Wireless Router Model 1234 v2 (rev b)",
		.compatible = "vendor,model",
	};
	const struct board *boards[] = { &board, &long_board };

	(void)s;
	assert_int_equal(strlen(long_board.name), BOARD_NAME_BYTES - 1);
	for (size_t i = 0; i < ARRAY_SIZE(causes); i++)
		for (size_t b = 0; b < ARRAY_SIZE(boards); b++) {
			const struct banner_cause c = { .cause = causes[i].cause, .button = causes[i].button };
			char out[BANNER_BYTES], want[256];
			size_t len;

			banner_text(&c, boards[b], out, sizeof(out));
			len = strlen(out);
			assert_true(len < sizeof(out) - 1);     /* not cut */
			assert_int_equal(strncmp(out, BANNER_FIRST_LINE "\n", strlen(BANNER_FIRST_LINE) + 1), 0);
			assert_non_null(strstr(out, "\n* firstboot "));
			assert_non_null(strstr(out, "\n* mount_root "));
			snprintf(want, sizeof(want), "\nfailsafe entered through %s on board %s (%s)\n", causes[i].how,
				 boards[b]->name, boards[b]->model);
			assert_non_null(strstr(out, want));
			assert_int_equal(out[len - 1], '\n');
		}
}

/* Every size: a NUL-terminated prefix, nothing past size (ASan sees the exact buffer). */
static void truncation(void **s)
{
	const struct banner_cause c = { .cause = WINDOW_CAUSE_BUTTON, .button = "reset" };
	void (*const fns[])(const struct banner_cause *, char *, size_t) = {
		banner_cause_text, banner_via, banner_how, banner_entry_lines,
	};
	char full[BANNER_BYTES];

	(void)s;
	for (size_t f = 0; f <= ARRAY_SIZE(fns); f++) {
		if (f < ARRAY_SIZE(fns))
			fns[f](&c, full, sizeof(full));
		else
			banner_text(&c, &board, full, sizeof(full));
		for (size_t size = 1; size <= strlen(full) + 1; size++) {
			char *buf = malloc(size);

			assert_non_null(buf);
			if (f < ARRAY_SIZE(fns))
				fns[f](&c, buf, size);
			else
				banner_text(&c, &board, buf, size);
			assert_int_equal(strlen(buf), size - 1);
			assert_memory_equal(buf, full, size - 1);
			free(buf);
		}
		full[0] = 'X';
		if (f < ARRAY_SIZE(fns))
			fns[f](&c, full, 0);
		else
			banner_text(&c, &board, full, 0);
		assert_int_equal(full[0], 'X');
	}
}

static void prompt(void **s)
{
	(void)s;
	assert_non_null(strstr(BANNER_PROMPT, "[f]"));
	assert_int_equal(BANNER_PROMPT[strlen(BANNER_PROMPT) - 1], '\n');
	assert_int_equal(strlen(BANNER_FIRST_LINE), 55);    /* OpenWrt's, character for character */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cause_words),
		cmocka_unit_test(causes_are_distinct),
		cmocka_unit_test(longest_button_fits),
		cmocka_unit_test(banner_contents),
		cmocka_unit_test(truncation),
		cmocka_unit_test(prompt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
