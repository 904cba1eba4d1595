/* hal/board_validate_priv.h — what the parts of board_validate() share: the report's error and warnings, plain names (internal) */
#ifndef HAL_BOARD_VALIDATE_PRIV_H
#define HAL_BOARD_VALIDATE_PRIV_H

#include <stdbool.h>

#include "board_validate.h"

/* Put "board NAME: <text>" into r->error (r may be NULL); returns -EINVAL. */
int board_validate_fail(const struct board *b, struct board_report *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add "board NAME: <text>" to r's warnings (when there is room). */
void board_validate_warn(const struct board *b, struct board_report *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A name a user types or reads: 1..31 printable bytes, no blanks or '/'. */
bool board_validate_good_name(const char *s);
bool board_validate_part_name(const char *s);
/* The storage layout's fields (board_validate_layout.c). 0 or -EINVAL with r->error. */
int board_validate_layout(const struct board *b, struct board_report *r);

#endif /* HAL_BOARD_VALIDATE_PRIV_H */
