/* hal/all_boards.h — every board table of the tree (generated all_boards.c), for the unit tests and failsafectl (a BOARD=all daemon carries its own list: board_select.h) */
#ifndef HAL_ALL_BOARDS_H
#define HAL_ALL_BOARDS_H

#include <stddef.h>

#include "board.h"

extern const struct board *const all_boards[];
extern const size_t n_all_boards;

#endif /* HAL_ALL_BOARDS_H */
