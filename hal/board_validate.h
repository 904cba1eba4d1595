/* hal/board_validate.h — checks on a board table that the compiler cannot make, with errors and warnings */
#ifndef HAL_BOARD_VALIDATE_H
#define HAL_BOARD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "board.h"

#define BOARD_REPORT_WARNINGS 8
#define BOARD_REPORT_TEXT_BYTES 256

struct board_report {
	char error[BOARD_REPORT_TEXT_BYTES];    /* "" when the board is valid */
	unsigned n_warnings;                    /* valid, but worth a look */
	char warnings[BOARD_REPORT_WARNINGS][BOARD_REPORT_TEXT_BYTES];
};

/*
 * Validate names, ranges, duplicates and addresses of a board. Returns 0,
 * or -EINVAL with a message naming the board and the field in r->error,
 * e.g. "board sim: buttons[1].name: duplicate \"reset\"". Warnings (such
 * as a board no button of which can trigger failsafe) are collected in r
 * either way. r may be NULL.
 */
int board_validate(const struct board *b, struct board_report *r);

/*
 * Why ifname is not a usable interface name (the kernel's dev_valid_name:
 * 1..15 bytes, not "." or "..", no '/', ':' or white space), or NULL.
 */
const char *board_ifname_problem(const char *ifname);

#endif /* HAL_BOARD_VALIDATE_H */
