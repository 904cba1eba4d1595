/* hal/board_select.h — which board table this process runs as: compiled in, or picked from the device tree at start */
#ifndef HAL_BOARD_SELECT_H
#define HAL_BOARD_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "board.h"

#define BOARD_DT_COMPATIBLE_PATH "/proc/device-tree/compatible"
#define BOARD_SELECT_WHY_BYTES 1024

/* One board table a binary carries, with the file it came from (boards/<file>.c). */
struct board_entry {
	const char *file;               /* "mercusys_mr85x" */
	const struct board *board;
};

/*
 * The tables compiled into this binary (the generated board_selected.c):
 * one for a per-board build (-DBOARD=<file>), every table of the tree for
 * -DBOARD=all, which picks one at start from the device tree's compatible
 * (board_builtin_by_dt).
 */
extern const struct board_entry board_builtin[];
extern const size_t n_board_builtin;
extern const bool board_builtin_by_dt;

/*
 * The index of the board whose .compatible equals one of the strings of a
 * device tree's compatible property (dt: len bytes of NUL-separated
 * strings, as /proc/device-tree/compatible holds them; a missing final NUL,
 * empty strings and trailing NULs are fine). The DT lists the most specific
 * string first, so the first DT string that any board has wins, whatever
 * the order of the boards. -ENOENT when none matches.
 */
int board_match(const char *dt, size_t len, const struct board_entry *boards, size_t n);

/* The index of the board called what: its .name, its file name or its .compatible. -ENOENT. */
int board_find(const char *what, const struct board_entry *boards, size_t n);

/* The DT's strings for a message: `"a,b", "c"` (unprintable bytes as '?'; "none" when there are none). */
void board_dt_text(const char *dt, size_t len, char *out, size_t size);

/* The boards for a message: `sim (failsafed,sim), sim-dsa (failsafed,sim-dsa)`. */
void board_known_text(const struct board_entry *boards, size_t n, char *out, size_t size);

/*
 * Pure: which board to run as. override (the --board value, else the
 * FAILSAFED_BOARD the daemon hands its shells; NULL: none) names one by
 * board_find(). Without it, a per-board build (by_dt false) runs as its
 * only board, and a BOARD=all build matches dt (len bytes read from
 * dt_path; dt_err: the -errno reading it failed with, else 0). The index,
 * or -ENOENT with one line in why that says what was looked for and lists
 * the boards known.
 */
int board_choose(const struct board_entry *boards, size_t n, bool by_dt, const char *override, const char *dt,
		 size_t len, int dt_err, const char *dt_path, char *why, size_t why_size);

/*
 * Choose (board_choose) with the DT's compatible read from dt_path (NULL:
 * BOARD_DT_COMPATIBLE_PATH; read only when it is needed) and make the
 * result the current board. 0, or -ENOENT with board_current() NULL and
 * board_select_problem() saying why. Called once by main, before any
 * applet runs. It reads the device tree: drivers/devicetree.c implements it.
 */
int board_select(const struct board_entry *boards, size_t n, bool by_dt, const char *override,
		 const char *dt_path);

/* Make b the current board (NULL: none, with why as board_select_problem()). For board_select. */
void board_select_set(const struct board *b, const char *why);

/* board_current() (board.h): the board this process runs as. */
/* Why board_select() found no board ("" when it found one). */
const char *board_select_problem(void);

#endif /* HAL_BOARD_SELECT_H */
