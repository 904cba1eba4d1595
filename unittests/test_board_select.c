/* unittests/test_board_select.c — picking the board: the device tree's compatible, --board, the messages, the tree's tables */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "all_boards.h"
#include "board_select.h"

static const struct board b_sim = { .name = "sim", .compatible = "failsafed,sim" };
static const struct board b_dsa = { .name = "sim-dsa", .compatible = "failsafed,sim-dsa" };
static const struct board b_mr85x = { .name = "mercusys-mr85x", .compatible = "mercusys,mr85x" };
static const struct board b_nocompat = { .name = "bare" };

static const struct board_entry boards[] = {
	{ "sim", &b_sim }, { "sim_dsa", &b_dsa }, { "mercusys_mr85x", &b_mr85x }, { "bare", &b_nocompat },
};
#define N_BOARDS ARRAY_SIZE(boards)

/* A DT compatible as the kernel shows it: the strings with their NULs (sizeof includes the literal's last NUL). */
#define DT(lit) lit, sizeof(lit)

static void match_table(void **s)
{
	static const struct {
		const char *dt;
		size_t len;
		int want;               /* index into boards, or -ENOENT */
		const char *what;
	} cases[] = {
		{ DT("mercusys,mr85x\0mediatek,mt7981"), 2, "the board's first string" },
		{ DT("mediatek,mt7981\0mercusys,mr85x"), 2, "a later string" },
		{ DT("failsafed,sim-dsa\0failsafed,sim"), 1, "the DT's order wins, not the boards' order" },
		{ DT("failsafed,sim\0failsafed,sim-dsa"), 0, "the DT's order wins, the other way round" },
		{ DT("acme,router\0acme,soc"), -ENOENT, "no board has any of them" },
		{ "", 0, -ENOENT, "an empty file" },
		{ DT("\0\0\0"), -ENOENT, "only NULs" },
		{ DT("failsafed,sim\0\0\0\0"), 0, "trailing NULs" },
		{ "failsafed,sim", 13, 0, "no final NUL" },
		{ "failsafed,sim-dsa", 13, 0, "cut at len: the string is failsafed,sim" },
		{ DT("\0\0failsafed,sim-dsa"), 1, "leading NULs" },
		{ DT("failsafed,si\0failsafed,sim-ds"), -ENOENT, "prefixes are not matches" },
		{ DT("failsafed,sim-dsa-x"), -ENOENT, "longer strings are not matches" },
		{ DT("FAILSAFED,SIM"), -ENOENT, "case matters" },
	};

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = board_match(cases[i].dt, cases[i].len, boards, N_BOARDS);

		if (got != cases[i].want)
			fail_msg("case %zu (%s): got %d, want %d", i, cases[i].what, got, cases[i].want);
	}
	assert_int_equal(board_match(NULL, 0, boards, N_BOARDS), -ENOENT);
	assert_int_equal(board_match(DT("failsafed,sim"), boards, 0), -ENOENT);
}

static void find_table(void **s)
{
	static const struct {
		const char *what;
		int want;
	} cases[] = {
		{ "sim-dsa", 1 },               /* .name */
		{ "sim_dsa", 1 },               /* file name */
		{ "failsafed,sim-dsa", 1 },     /* compatible */
		{ "mercusys-mr85x", 2 }, { "mercusys_mr85x", 2 }, { "mercusys,mr85x", 2 },
		{ "bare", 3 },
		{ "sim", 0 },
		{ "Sim", -ENOENT }, { "sim-", -ENOENT }, { "", -ENOENT }, { "nosuch", -ENOENT },
	};

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = board_find(cases[i].what, boards, N_BOARDS);

		if (got != cases[i].want)
			fail_msg("\"%s\": got %d, want %d", cases[i].what, got, cases[i].want);
	}
	assert_int_equal(board_find(NULL, boards, N_BOARDS), -ENOENT);
}

static void texts(void **s)
{
	char out[256];

	(void)s;
	board_dt_text(DT("acme,r1\0acme,soc\0\0"), out, sizeof(out));
	assert_string_equal(out, "\"acme,r1\", \"acme,soc\"");
	board_dt_text("", 0, out, sizeof(out));
	assert_string_equal(out, "none");
	board_dt_text(DT("a\x01\"b\xff"), out, sizeof(out));
	assert_string_equal(out, "\"a??b?\"");
	board_dt_text(DT("acme,r1\0acme,soc"), out, 12);
	assert_int_equal(strlen(out), 11);                          /* cut, still a string */
	board_known_text(boards, 2, out, sizeof(out));
	assert_string_equal(out, "sim (failsafed,sim), sim-dsa (failsafed,sim-dsa)");
	board_known_text(&boards[3], 1, out, sizeof(out));
	assert_string_equal(out, "bare (no compatible)");
	board_known_text(boards, 0, out, sizeof(out));
	assert_string_equal(out, "none");
}

static void choose_table(void **s)
{
	static const struct {
		bool by_dt;
		size_t n;               /* boards[0..n) */
		const char *override;
		const char *dt;
		size_t len;
		int dt_err;
		int want;
		const char *why;        /* in the message when want < 0 */
	} cases[] = {
		/* BOARD=all: the device tree decides, --board overrides it */
		{ true, N_BOARDS, NULL, DT("mercusys,mr85x\0mediatek,mt7981"), 0, 2, NULL },
		{ true, N_BOARDS, "sim_dsa", DT("mercusys,mr85x"), 0, 1, NULL },
		{ true, N_BOARDS, "failsafed,sim", DT("mercusys,mr85x"), 0, 0, NULL },
		{ true, N_BOARDS, "sim-dsa", NULL, 0, -ENOENT, 1, NULL },      /* no DT needed with --board */
		{ true, N_BOARDS, "nosuch", DT("failsafed,sim"), 0, -ENOENT,
		  "board \"nosuch\": not in this build (boards: sim (failsafed,sim), sim-dsa (failsafed,sim-dsa), "
		  "mercusys-mr85x (mercusys,mr85x), bare (no compatible))" },
		{ true, N_BOARDS, NULL, DT("acme,r1\0acme,soc"), 0, -ENOENT,
		  "board: no board of this build for this device (compatible in /dt: \"acme,r1\", \"acme,soc\"; "
		  "boards: sim (failsafed,sim), sim-dsa" },
		{ true, N_BOARDS, NULL, "", 0, 0, -ENOENT, "compatible in /dt: none;" },
		{ true, N_BOARDS, NULL, NULL, 0, -ENOENT, -ENOENT,
		  "board: cannot read the device tree's compatible /dt: No such file or directory; give --board NAME" },
		/* a per-board build: its board, whatever the device tree says; --board must name it */
		{ false, 1, NULL, DT("acme,r1"), 0, 0, NULL },
		{ false, 1, NULL, NULL, 0, -ENOENT, 0, NULL },
		{ false, 1, "sim", NULL, 0, 0, 0, NULL },
		{ false, 1, "sim-dsa", NULL, 0, 0, -ENOENT, "board \"sim-dsa\": not in this build (boards: sim (failsafed,sim))" },
		/* BOARD=all with a single table still asks the device tree */
		{ true, 1, NULL, DT("acme,r1"), 0, -ENOENT, "no board of this build" },
	};

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char why[BOARD_SELECT_WHY_BYTES] = "";
		int got = board_choose(boards, cases[i].n, cases[i].by_dt, cases[i].override, cases[i].dt, cases[i].len,
				       cases[i].dt_err, "/dt", why, sizeof(why));

		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d (%s)", i, got, cases[i].want, why);
		if (cases[i].why && !strstr(why, cases[i].why))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, why, cases[i].why);
	}
}

/* board_select reads the file only when it needs it, and sets the current board. */
static void select_from_file(void **s)
{
	char path[] = "/tmp/fsd-compat.XXXXXX";
	int fd = mkstemp(path);

	(void)s;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "acme,x\0failsafed,sim-dsa\0", 25), 25);
	close(fd);
	assert_int_equal(board_select(boards, N_BOARDS, true, NULL, path), 0);
	assert_ptr_equal(board_current(), &b_dsa);
	assert_string_equal(board_select_problem(), "");
	assert_int_equal(board_select(boards, N_BOARDS, true, "mercusys,mr85x", path), 0);
	assert_ptr_equal(board_current(), &b_mr85x);
	assert_int_equal(board_select(boards, N_BOARDS, true, "nosuch", path), -ENOENT);
	assert_null(board_current());
	assert_non_null(strstr(board_select_problem(), "\"nosuch\": not in this build"));
	unlink(path);
	assert_int_equal(board_select(boards, N_BOARDS, true, NULL, path), -ENOENT);
	assert_null(board_current());
	assert_non_null(strstr(board_select_problem(), "No such file or directory"));
	assert_int_equal(board_select(boards, 1, false, NULL, path), 0);       /* per-board: no file needed */
	assert_ptr_equal(board_current(), &b_sim);
}

/* With BOARD=all the first table with a compatible wins: two tables must never share one. */
static void tree_compatibles_are_unique(void **s)
{
	(void)s;
	for (size_t i = 0; i < n_all_boards; i++)
		for (size_t j = 0; j < i; j++)
			if (all_boards[i]->compatible && all_boards[j]->compatible &&
			    !strcmp(all_boards[i]->compatible, all_boards[j]->compatible))
				fail_msg("boards %s and %s have the same compatible %s", all_boards[j]->name,
					 all_boards[i]->name, all_boards[i]->compatible);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(match_table),
		cmocka_unit_test(find_table),
		cmocka_unit_test(texts),
		cmocka_unit_test(choose_table),
		cmocka_unit_test(select_from_file),
		cmocka_unit_test(tree_compatibles_are_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
