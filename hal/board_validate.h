/* hal/board_validate.h — checks on a board table that the compiler cannot make */
#ifndef HAL_BOARD_VALIDATE_H
#define HAL_BOARD_VALIDATE_H

#include <stddef.h>

#include "board.h"

/*
 * Validate names, ranges, duplicates and addresses of a board.
 * Returns 0, or -EINVAL with a message naming the board and the field,
 * e.g. "board sim: buttons[1].name: duplicate \"reset\"", in err.
 */
int board_validate(const struct board *b, char *err, size_t err_size);

#endif /* HAL_BOARD_VALIDATE_H */
